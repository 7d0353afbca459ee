"""Split a `<title>` like "Site - Category - Headline" into its parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Separators need whitespace on both sides so that "Russian-Ukrainian" or "10:30" stay whole.
SEPARATOR_RE = re.compile(r"(\s+(?:-|\||–|—|::|»|·)\s+)")
WHITESPACE_RE = re.compile(r"\s+")
NON_WORD_RE = re.compile(r"[\W_]+")
WORD_RE = re.compile(r"\w+")
# How much of a segment's words an H1 must share for a fuzzy (non-exact) headline match.
FUZZY_HEADLINE_OVERLAP = 0.6


@dataclass
class TitleParts:
    title: str | None
    category: str | None
    site_name: str | None


def clean_title(raw_title: str | None, h1: str | None, site_name: str | None) -> TitleParts:
    """Headline, category and site name from a page's `<title>`, first `<h1>` and site name.

    The title is split on " - ", " | ", " – ", " — ", " :: ", " » " and " · ". The headline is
    the run of segments equal to the H1 (so a headline containing " - " survives when the H1
    says so), else the segment that best matches the H1, else the longest segment that is not
    the site name. The site name is `site_name` when given, else the edge segment farthest
    from the headline. The category is the remaining segment nearest the headline; with only
    two segments there is no category.
    """
    title, h1, site_name = normalise(raw_title), normalise(h1), normalise(site_name)
    if h1 and site_name and same_text(h1, site_name):
        h1 = None  # a logo in an <h1> names the site, not the story
    if not title:
        return TitleParts(h1, None, site_name)
    segments = SEPARATOR_RE.split(title)[::2]
    if len(segments) == 1:
        headline = h1 if h1 and same_text(title, site_name) else title
        return TitleParts(headline, None, site_name)
    start, stop = headline_span(title, h1, site_name)
    return parts_from_span(title, segments, start, stop, site_name)


def parts_from_span(
    title: str, segments: list[str], start: int, stop: int, site_name: str | None
) -> TitleParts:
    others = [i for i in range(len(segments)) if not start <= i < stop]
    site_index = site_segment_index(segments, others, start, stop, site_name)
    rest = [i for i in others if i != site_index]
    category = segments[nearest(rest, start, stop)] if rest and len(segments) > 2 else None
    site = site_name or (segments[site_index] if site_index is not None else None)
    return TitleParts(joined(title, start, stop), category, site)


def headline_span(title: str, h1: str | None, site_name: str | None) -> tuple[int, int]:
    """Segment indices [start, stop) of the headline within the split title."""
    segments = SEPARATOR_RE.split(title)[::2]
    if h1:
        exact = exact_span(title, len(segments), h1)
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


def exact_span(title: str, count: int, h1: str) -> tuple[int, int] | None:
    """The run of segments that, re-joined with their separators, equals the H1."""
    wanted = comparable(h1)
    for start in range(count):
        for stop in range(start + 1, count + 1):
            if comparable(joined(title, start, stop)) == wanted:
                return start, stop
    return None


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


def site_segment_index(
    segments: list[str], others: list[int], start: int, stop: int, site_name: str | None
) -> int | None:
    """The segment naming the site: one matching `site_name`, else the far edge segment."""
    if not others:
        return None
    if site_name:
        matching = [i for i in others if matches_site(segments[i], site_name)]
        if matching:
            return matching[0]
    # The site name sits at an edge: the one away from the headline, else the end.
    if others[0] == 0 and start != 0 and (stop == len(segments) or others[-1] != len(segments) - 1):
        return 0
    return others[-1]


def nearest(indices: list[int], start: int, stop: int) -> int:
    return min(indices, key=lambda i: start - i if i < start else i - stop + 1)


def joined(title: str, start: int, stop: int) -> str:
    """Segments [start, stop) of `title` with their original separators between them."""
    pieces = SEPARATOR_RE.split(title)
    return "".join(pieces[start * 2 : stop * 2 - 1])


def normalise(text: str | None) -> str | None:
    if not text:
        return None
    return WHITESPACE_RE.sub(" ", text).strip() or None


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
