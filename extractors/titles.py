"""Split a `<title>` like "Site - Category - Headline" into its parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Separators need whitespace on both sides so that "Russian-Ukrainian" or "10:30" stay whole.
SEPARATOR_RE = re.compile(r"(\s+(?:-|\||–|—|::?|»|·)\s+)")
WHITESPACE_RE = re.compile(r"\s+")
NON_WORD_RE = re.compile(r"[\W_]+")
WORD_RE = re.compile(r"\w+")
DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?$", re.IGNORECASE)
# How much of a segment's words an H1 must share for a fuzzy (non-exact) headline match.
FUZZY_HEADLINE_OVERLAP = 0.6
# Titles are short; anything longer is junk and only cut to keep the work bounded.
MAX_TITLE_CHARS = 1000


@dataclass
class TitleParts:
    title: str | None
    category: str | None
    site_name: str | None


@dataclass
class SplitTitle:
    """A title cut at its separators: `pieces` alternates segment, separator, segment, ..."""

    pieces: list[str]

    @property
    def segments(self) -> list[str]:
        return self.pieces[::2]

    def joined(self, start: int, stop: int) -> str:
        """Segments [start, stop) with their original separators between them."""
        return "".join(self.pieces[start * 2 : stop * 2 - 1])

    def span_of(self, text: str) -> tuple[int, int] | None:
        """The run of segments [start, stop) that, re-joined, equals `text` (loosely)."""
        wanted = comparable(text)
        if not wanted:
            return None
        segments = [comparable(segment) for segment in self.segments]
        for start in range(len(segments)):
            so_far = ""
            for stop in range(start + 1, len(segments) + 1):
                so_far += segments[stop - 1]
                if so_far == wanted:
                    return start, stop
                if len(so_far) >= len(wanted) or not wanted.startswith(so_far):
                    break
        return None


def clean_title(raw_title: str | None, h1: str | None, site_name: str | None) -> TitleParts:
    """Headline, category and site name from a page's `<title>`, first `<h1>` and site name.

    The title is split on " - ", " | ", " – ", " — ", " :: ", " : ", " » " and " · ".
    Headline: the run of segments equal to the H1 (so a headline containing " - " survives
    when the H1 says so), else the segment that best matches the H1, else the longest segment
    that is not the site name.
    Site name: `site_name` when given (unless it is a bare hostname and a segment spells the
    site), else the edge segment farthest from the headline.
    Category: the remaining segment nearest the headline; with only two segments, None.
    A title without separators is returned whole.
    """
    title, h1, site_name = normalise(raw_title), normalise(h1), normalise(site_name)
    if h1 and site_name and same_text(h1, site_name):
        h1 = None  # a logo in an <h1> names the site, not the story
    if not title:
        return TitleParts(h1, None, site_name)
    split = SplitTitle(SEPARATOR_RE.split(title))
    if len(split.pieces) == 1:
        headline = h1 if h1 and same_text(title, site_name) else title
        return TitleParts(headline, None, site_name)
    start, stop = headline_span(split, h1, site_name)
    return parts_from_span(split, start, stop, site_name)


def parts_from_span(split: SplitTitle, start: int, stop: int, site_name: str | None) -> TitleParts:
    segments = split.segments
    others = [i for i in range(len(segments)) if not start <= i < stop]
    site_span = site_segments(split, others, start, stop, site_name)
    rest = [i for i in others if i not in site_span]
    category = segments[nearest(rest, start, stop)] if rest and len(segments) > 2 else None
    site = site_name
    if site_span and (not site_name or DOMAIN_RE.match(site_name)):
        site = split.joined(site_span[0], site_span[-1] + 1)  # "News Nation", not a hostname
    return TitleParts(split.joined(start, stop), category, site)


def headline_span(split: SplitTitle, h1: str | None, site_name: str | None) -> tuple[int, int]:
    """Segment indices [start, stop) of the headline within the split title."""
    segments = split.segments
    if h1:
        exact = split.span_of(h1)
        if exact:
            return exact
        fuzzy = fuzzy_index(segments, h1)
        if fuzzy is not None:
            return fuzzy, fuzzy + 1
    candidates = [i for i, s in enumerate(segments) if not matches_site(s, site_name)] or list(
        range(len(segments))
    )
    longest = max(candidates, key=lambda i: len(segments[i]))
    return longest, longest + 1


def fuzzy_index(segments: list[str], h1: str) -> int | None:
    """The segment sharing the most words with the H1, if it shares enough of them."""
    h1_words = set(WORD_RE.findall(h1.lower()))
    best, best_overlap = None, FUZZY_HEADLINE_OVERLAP
    for index, segment in enumerate(segments):
        words = set(WORD_RE.findall(segment.lower()))
        if not words:
            continue
        overlap = len(words & h1_words) / max(len(words), len(h1_words))
        if overlap >= best_overlap:
            best, best_overlap = index, overlap
    return best


def site_segments(
    split: SplitTitle, others: list[int], start: int, stop: int, site_name: str | None
) -> list[int]:
    """Indices of the segments naming the site: those spelling `site_name` (which may itself
    contain a separator), one resembling it, else the edge segment away from the headline."""
    if not others:
        return []
    segments = split.segments
    if site_name:
        span = split.span_of(site_name)
        if span and (span[1] <= start or span[0] >= stop):
            return list(range(*span))
        matching = [i for i in others if matches_site(segments[i], site_name)]
        if matching:
            return matching[:1]
    last = len(segments) - 1
    if others[0] == 0 and start != 0 and (stop == len(segments) or others[-1] != last):
        return [0]
    return [others[-1]]


def nearest(indices: list[int], start: int, stop: int) -> int:
    return min(indices, key=lambda i: start - i if i < start else i - stop + 1)


def normalise(text: str | None) -> str | None:
    if not text:
        return None
    return WHITESPACE_RE.sub(" ", text[: MAX_TITLE_CHARS * 2]).strip()[:MAX_TITLE_CHARS] or None


def comparable(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form of a text, for equality tests."""
    return NON_WORD_RE.sub("", text.casefold())


def same_text(a: str | None, b: str | None) -> bool:
    return bool(a and b) and comparable(a) == comparable(b)


def matches_site(segment: str, site_name: str | None) -> bool:
    """True when a title segment is the site name, allowing "Ledger" vs "The Ledger.com"."""
    if not site_name:
        return False
    seg, site = comparable(segment), comparable(site_name)
    if not seg or not site:
        return False
    return seg == site or (min(len(seg), len(site)) >= 4 and (seg in site or site in seg))
