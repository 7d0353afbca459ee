"""Split a `<title>` like "Site - Category - Headline" into its parts.

`clean_title` weighs every signal a page gives: its `<h1>`s, `og:title`, JSON-LD `headline`,
the site's names (`og:site_name`, `application-name`, JSON-LD publisher, logo, host name,
copyright line), its breadcrumb and section, and the title parts the caller has seen recur
across the site (`known_affixes`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Separators need whitespace on both sides so that "Russian-Ukrainian" or "10:30" stay whole;
# a bar needs none ("Headline|Site", "标题｜网站").
SEPARATOR_RE = re.compile(r"(\s+(?:-|–|—|::?|»|·|•|_|~)\s+|\s*[|｜]\s*)")
# Only when a title has none of the above: "Headline_Site", "Why?_Site", "标题_栏目_网站",
# "标题-网站". Not "__init__", nor snake_case ("my_var": lower-case letters or digits both sides).
TIGHT_SEPARATOR_RE = re.compile(
    r"(?<=[^\s_])_(?=[^\s_])|(?<=[\u3040-\u30ff\u3400-\u9fff])\s*(?:-|－|——?)\s*"
    r"|\s*(?:-|－|——?)\s*(?=[\u3040-\u30ff\u3400-\u9fff])"
)
SNAKE_CASE_RE = re.compile(r"[a-z0-9]_[a-z0-9]")
MARKUP = re.compile(r"</?[a-zA-Z][^<>]*>")
# "【Category】Headline", "[Category] Headline", "Headline【Site】".
OPENING_BRACKETS = "【[［〔"
CLOSING_BRACKETS = "】]］〕"
LEADING_BRACKET_RE = re.compile(r"^([【\[［〔][^【】\[\]［］〔〕]{1,60}[】\]］〕])(\s*)(?=\S)")
TRAILING_BRACKET_RE = re.compile(r"(?<=\S)(\s*)([【\[［〔][^【】\[\]［］〔〕]{1,60}[】\]］〕])$")
WHITESPACE_RE = re.compile(r"\s+")
NON_WORD_RE = re.compile(r"[\W_]+")
WORD_RE = re.compile(r"\w+")
DOMAIN_RE = re.compile(r"^(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?$", re.IGNORECASE)
# How much of a segment's words an H1 must share for a fuzzy (non-exact) headline match.
FUZZY_HEADLINE_OVERLAP = 0.6
# A name inside a longer segment still names the site when it is this much of the segment.
SITE_CONTAINMENT_SHARE = 0.5
MIN_CONTAINED_CHARS = 4
# Breadcrumb entries longer than this are the headline itself, not a category.
MAX_CATEGORY_WORDS = 6
# Known affixes may span a separator ("Remember 80/90 - Memorabilia"): runs this long are tried.
MAX_AFFIX_SEGMENTS = 4
# Titles are short; anything longer is junk and only cut to keep the work bounded.
MAX_TITLE_CHARS = 1000
SECOND_LEVEL_DOMAINS = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"})
HOST_PREFIXES = frozenset({"www", "m", "amp", "mobile", "wap"})


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
        if stop - start == 1:
            return unbracket(self.pieces[start * 2])
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


@dataclass
class Signals:
    """What a page says, besides its `<title>`, about its headline, site and category."""

    hints: list[str] = field(default_factory=list)
    agreed: str | None = None
    site_names: list[str] = field(default_factory=list)
    host_keys: set[str] = field(default_factory=set)
    copyright: str = ""
    categories: set[str] = field(default_factory=set)
    affixes: set[str] = field(default_factory=set)

    def is_site(self, segment: str) -> bool:
        """A segment naming the site: resembling one of its names, or spelling its host."""
        key = comparable(segment)
        return bool(key) and (
            any(matches_site(segment, name) for name in self.site_names)
            or matches_host(key, self.host_keys)
        )

    def is_named_site(self, segment: str) -> bool:
        """A segment resembling one of the site's names (not only its host)."""
        return any(matches_site(segment, name) for name in self.site_names)

    def is_affix(self, segment: str) -> bool:
        return comparable(segment) in self.affixes

    def is_category(self, segment: str) -> bool:
        """Named by the breadcrumb or the section, or a bracketed "【Category】" label."""
        return comparable(segment) in self.categories or segment[:1] in OPENING_BRACKETS

    def in_copyright(self, segment: str) -> bool:
        key = comparable(segment)
        return len(key) >= MIN_CONTAINED_CHARS and key in self.copyright


def split_title(raw: str | None) -> list[str]:
    """The segments of a title, as `clean_title` cuts it (brackets stripped, whitespace squashed).

    "Site - Category - Headline" → ["Site", "Category", "Headline"]; "【Cat】Head_Site" →
    ["Cat", "Head", "Site"]. A title without separators is one segment; None or "" gives [].
    """
    title = normalise(raw)
    if not title:
        return []
    return [unbracket(segment) for segment in split_pieces(title).segments]


def clean_title(
    raw_title: str | None,
    h1: str | None,
    site_name: str | None,
    *,
    h1s: Iterable[str] = (),
    og_title: str | None = None,
    headline: str | None = None,
    application_name: str | None = None,
    publisher: str | None = None,
    logo: str | None = None,
    host: str | None = None,
    breadcrumb: Iterable[str] = (),
    section: str | None = None,
    copyright: str | None = None,
    known_affixes: Collection[str] = (),
) -> TitleParts:
    """Headline, category and site name from a page's `<title>` and what else the page says.

    The title is split on " - ", " | ", " – ", " — ", " :: ", " : ", " » ", " · ", " • ",
    " _ ", " ~ ", "|" and "｜"; when it has none of them, on "_" between words (and on "-"
    next to CJK text); a leading or trailing "【…】" / "[…]" is a segment of its own.

    Headline: the run of segments equal to a headline hint — an `h1` / `h1s` entry, JSON-LD
    `headline`, `og:title` — less any site-name or affix segments at its edges (so an
    `og:title` of "Headline | Site" still gives "Headline"); else the segment sharing most
    words with a hint; else the longest segment that is neither a site name, a known affix
    nor a category, nor (if need be) the site name. A hint equal to the site's name or to a
    known affix (a logo in an `<h1>`) is no hint. When two hints agree on a headline the title
    does not hold (an SEO title written apart from the displayed one), that headline wins.
    A title holding HTML tags (an injection, or a broken template), or longer than
    MAX_TITLE_CHARS (keyword stuffing), gives way to the hints.

    Site name: `site_name` when given (unless it is a bare hostname), else the title's own
    spelling of the site — the segments spelling one of its names, or resembling it, or the
    host name (non-word characters ignored), or a known affix at the title's edge, or a part of
    the copyright line, else the edge segment farthest from the headline — else the
    application name, publisher or logo.
    Category: a remaining segment that the breadcrumb, the section or the known affixes name,
    nearest the headline; else, with three segments or more, the remaining one nearest it.
    `known_affixes` are title segments the caller has seen recur across the site's pages:
    they are never the headline.
    """
    title, h1, site_name = normalise(raw_title), normalise(h1), normalise(site_name)
    signals = gather_signals(
        title=title,
        h1=h1,
        h1s=h1s,
        og_title=og_title,
        headline=headline,
        names=[site_name, normalise(application_name), normalise(publisher), normalise(logo)],
        host=host,
        breadcrumb=breadcrumb,
        section=section,
        copyright=copyright,
        known_affixes=known_affixes,
    )
    # A title holding markup, or longer than any real title (spam pages stuff 1 MB of keywords
    # into <title>), is junk: the page's other headline hints say more.
    junk = bool(title) and (MARKUP.search(title) or len(raw_title or "") > MAX_TITLE_CHARS)
    if not title or (junk and signals.hints):
        parts = TitleParts(first_hint(signals), None, site_name)
    else:
        parts = title_split_parts(title, signals, site_name)
    agreed = signals.agreed
    if agreed and comparable(agreed) not in comparable(title or ""):
        parts.title = parts.title if same_text(agreed, parts.site_name) else agreed
    if parts.site_name is None:
        parts.site_name = normalise(application_name) or normalise(publisher)
    return parts


def title_split_parts(title: str, signals: Signals, site_name: str | None) -> TitleParts:
    split = split_pieces(title)
    if len(split.pieces) == 1:
        return TitleParts(whole_title(title, signals), None, site_name)
    start, stop = headline_span(split, signals)
    return parts_from_span(split, start, stop, signals, site_name)


# --- signals ----------------------------------------------------------------------------------


def gather_signals(
    *,
    title: str | None,
    h1: str | None,
    h1s: Iterable[str],
    og_title: str | None,
    headline: str | None,
    names: list[str | None],
    host: str | None,
    breadcrumb: Iterable[str],
    section: str | None,
    copyright: str | None,
    known_affixes: Collection[str],
) -> Signals:
    signals = Signals(
        site_names=[name for name in names if name and not DOMAIN_RE.match(name)],
        host_keys=host_keys(host, names),
        copyright=comparable(copyright or "")[:MAX_TITLE_CHARS],
        affixes={key for key in map(comparable, known_affixes) if key},
    )
    headings = usable_hints([h1, *list(h1s)[:10]], signals)
    # An og:title (or JSON-LD headline) repeating the whole <title> says nothing of its parts.
    whole = comparable(title or "")
    others = [
        hint for hint in usable_hints([headline, og_title], signals) if comparable(hint) != whole
    ]
    signals.hints = unique([*headings, *others])
    signals.agreed = agreed_headline(headings, others)
    signals.categories = category_keys([*list(breadcrumb)[:20], section], signals.hints)
    return signals


def usable_hints(candidates: list[str | None], signals: Signals) -> list[str]:
    hints = (hint for hint in map(normalise, candidates) if hint)
    return [hint for hint in hints if not is_site_hint(hint, signals)]


def agreed_headline(headings: list[str], others: list[str]) -> str | None:
    """A headline an `<h1>` and JSON-LD `headline` or `og:title` agree on."""
    heading_keys = {comparable(heading): heading for heading in headings}
    for other in others:
        if comparable(other) in heading_keys:
            return heading_keys[comparable(other)]
    return None


def is_site_hint(hint: str, signals: Signals) -> bool:
    """An `<h1>` (or `og:title`) that is a logo, the site's name or a known affix."""
    key = comparable(hint)
    return (
        not key
        or key in signals.affixes
        or key in signals.host_keys
        or any(key == comparable(name) for name in signals.site_names)
    )


def category_keys(entries: list[str | None], hints: list[str]) -> set[str]:
    """Comparable forms of breadcrumb entries and the section, without the headline itself."""
    headlines = {comparable(hint) for hint in hints}
    keys = set()
    for entry in entries:
        entry = normalise(entry)
        if entry and len(WORD_RE.findall(entry)) <= MAX_CATEGORY_WORDS:
            keys.add(comparable(entry))
    return keys - headlines - {""}


def host_keys(host: str | None, names: list[str | None]) -> set[str]:
    """The site's name as its host spells it: "www.job-recruitment-website.com" →
    {"jobrecruitmentwebsite", "jobrecruitmentwebsitecom"}; a hostname given as a site name
    counts too."""
    hosts = [host, *(name for name in names if name and DOMAIN_RE.match(name))]
    keys: set[str] = set()
    for value in hosts:
        labels = host_labels(value)
        if labels:
            name, suffix = labels
            keys.update({name, name + suffix} - {""})
    return keys


def host_labels(value: str | None) -> tuple[str, str] | None:
    """(registrable name, public suffix) of a host or URL, both in comparable form."""
    if not value:
        return None
    if "/" in value:
        try:
            value = urlsplit(value if "//" in value else f"//{value}").hostname or ""
        except ValueError:
            return None
    labels = [label for label in value.lower().split(":")[0].split(".") if label]
    while len(labels) > 2 and labels[0] in HOST_PREFIXES:
        labels.pop(0)
    if len(labels) < 2:
        return None
    cut = 2 if len(labels) > 2 and labels[-2] in SECOND_LEVEL_DOMAINS else 1
    return comparable(labels[-cut - 1]), comparable("".join(labels[-cut:]))


def first_hint(signals: Signals) -> str | None:
    return signals.hints[0] if signals.hints else None


def whole_title(title: str, signals: Signals) -> str:
    """A title without separators is the headline, unless it only names the site."""
    if signals.is_site(title) or signals.is_affix(title):
        return first_hint(signals) or title
    return title


# --- splitting --------------------------------------------------------------------------------


def split_pieces(title: str) -> SplitTitle:
    """Cut a normalised title into segments and the separators between them."""
    head: list[str] = []
    tail: list[str] = []
    leading = LEADING_BRACKET_RE.match(title)
    if leading:
        head = [leading.group(1), leading.group(2)]
        title = title[leading.end() :]
    trailing = TRAILING_BRACKET_RE.search(title)
    if trailing:
        tail = [trailing.group(1), trailing.group(2)]
        title = title[: trailing.start()]
    pieces = SEPARATOR_RE.split(title)
    if len(pieces) == 1:
        pieces = tight_split(title)
    return SplitTitle(without_empty_segments([*head, *pieces, *tail]))


def tight_split(title: str) -> list[str]:
    """`title` cut at its unspaced separators, as pieces (segment, separator, segment, ...)."""
    pieces: list[str] = []
    last = 0
    for match in TIGHT_SEPARATOR_RE.finditer(title):
        start, end = match.span()
        if match.group() == "_" and SNAKE_CASE_RE.fullmatch(title, start - 1, end + 1):
            continue
        pieces += [title[last:start], match.group()]
        last = end
    return [*pieces, title[last:]]


def without_empty_segments(pieces: list[str]) -> list[str]:
    """Drop segments with no word in them ("|Headline", "Headline - ") and their separators."""
    kept: list[str] = []
    for index in range(0, len(pieces), 2):
        if not comparable(pieces[index]):
            continue
        if kept:
            kept.append(pieces[index - 1])
        kept.append(pieces[index].strip())
    return kept or [pieces[0]]


def unbracket(segment: str) -> str:
    """ "【Category】" → "Category"."""
    if len(segment) > 2 and segment[0] in OPENING_BRACKETS and segment[-1] in CLOSING_BRACKETS:
        return segment[1:-1].strip()
    return segment


# --- the headline -----------------------------------------------------------------------------


def headline_span(split: SplitTitle, signals: Signals) -> tuple[int, int]:
    """Segment indices [start, stop) of the headline within the split title."""
    segments = split.segments
    chrome = affix_segments(split, signals)
    for hint in signals.hints:
        span = split.span_of(hint)
        if span:
            span = trimmed(span, segments, signals, chrome)
            if span:
                return span
    candidates = [i for i in range(len(segments)) if i not in chrome]
    for hint in signals.hints:
        fuzzy = fuzzy_index(segments, hint, candidates)
        if fuzzy is not None:
            return fuzzy, fuzzy + 1
    longest = max(headline_candidates(segments, signals, chrome), key=lambda i: len(segments[i]))
    return longest, longest + 1


def affix_segments(split: SplitTitle, signals: Signals) -> set[int]:
    """Indices of segments that are, alone or as a run, a known affix or the site's name."""
    found: set[int] = set()
    segments = split.segments
    for index, segment in enumerate(segments):
        if signals.is_affix(segment) or signals.is_site(segment):
            found.add(index)
    keys = signals.affixes | {comparable(name) for name in signals.site_names}
    keys.discard("")
    comparables = [comparable(segment) for segment in segments]
    for start in range(len(segments)):
        for stop in range(start + 2, min(start + MAX_AFFIX_SEGMENTS, len(segments)) + 1):
            if "".join(comparables[start:stop]) in keys:
                found.update(range(start, stop))
    return found


def trimmed(
    span: tuple[int, int], segments: list[str], signals: Signals, chrome: set[int]
) -> tuple[int, int] | None:
    """A hint's span without site, affix or category segments at its edges; None if empty."""
    start, stop = span
    while start < stop and (start in chrome or signals.is_category(segments[start])):
        start += 1
    while stop > start and (stop - 1 in chrome or signals.is_category(segments[stop - 1])):
        stop -= 1
    return (start, stop) if start < stop else None


def fuzzy_index(segments: list[str], hint: str, candidates: list[int]) -> int | None:
    """The candidate segment sharing the most words with the hint, if it shares enough."""
    hint_words = set(WORD_RE.findall(hint.lower()))
    best, best_overlap = None, FUZZY_HEADLINE_OVERLAP
    for index in candidates:
        words = set(WORD_RE.findall(segments[index].lower()))
        if not words:
            continue
        overlap = len(words & hint_words) / max(len(words), len(hint_words))
        if overlap >= best_overlap:
            best, best_overlap = index, overlap
    return best


def headline_candidates(segments: list[str], signals: Signals, chrome: set[int]) -> list[int]:
    """Segments that may be the headline, from the most to the least certain choice."""
    free = [i for i in range(len(segments)) if i not in chrome]
    uncategorised = [i for i in free if not signals.is_category(segments[i])]
    for candidates in (
        [i for i in uncategorised if not signals.in_copyright(segments[i])],
        uncategorised,
        free,
        [i for i in range(len(segments)) if not signals.is_site(segments[i])],
    ):
        if candidates:
            return candidates
    return list(range(len(segments)))


# --- site name and category -------------------------------------------------------------------


def parts_from_span(
    split: SplitTitle, start: int, stop: int, signals: Signals, site_name: str | None
) -> TitleParts:
    segments = split.segments
    others = [i for i in range(len(segments)) if not start <= i < stop]
    site_span, named = site_segments(split, others, start, stop, signals)
    rest = [i for i in others if i not in site_span]
    headline = split.joined(start, stop)
    category = category_of(split, rest, start, stop, signals)
    if not site_span:
        return TitleParts(headline, category, site_name)
    spelled = split.joined(site_span[0], site_span[-1] + 1)
    return TitleParts(headline, category, site_spelling(site_name, spelled, named))


def site_spelling(site_name: str | None, spelled: str, named: bool) -> str:
    """`site_name`, unless it is missing or a hostname ("News Nation", not "newsnation.com"),
    or the title spells another of the site's names while `site_name` is nowhere in it."""
    if not site_name or DOMAIN_RE.match(site_name):
        return spelled
    if named and not matches_site(spelled, site_name):
        return spelled
    return site_name


def site_segments(
    split: SplitTitle, others: list[int], start: int, stop: int, signals: Signals
) -> tuple[list[int], bool]:
    """Indices of the segments naming the site, and whether one of the site's names says so.

    A run spelling one of its names (which may contain a separator), else one resembling a
    name or the host, else one in the copyright line, else a known affix at the edge, else
    the edge segment away from the headline.
    """
    if not others:
        return [], False
    segments = split.segments
    for name in signals.site_names:
        span = split.span_of(name)
        if span and (span[1] <= start or span[0] >= stop):
            return list(range(*span)), True
    named = [i for i in others if signals.is_named_site(segments[i])]
    if named:
        return [farthest(named, start, stop)], True
    for test in (signals.is_site, signals.in_copyright):
        matching = [i for i in others if test(segments[i])]
        if matching:
            return [farthest(matching, start, stop)], False
    edges = [i for i in others if not signals.is_category(segments[i])]
    if not edges:
        return [], False
    affixes = [i for i in edges if signals.is_affix(segments[i])]
    return [edge_segment(affixes or edges, start, stop, len(segments))], False


def edge_segment(candidates: list[int], start: int, stop: int, count: int) -> int:
    """The first segment when the headline ends the title (or the last is taken), else the last."""
    if candidates[0] == 0 and start != 0 and (stop == count or candidates[-1] != count - 1):
        return 0
    return candidates[-1]


def category_of(
    split: SplitTitle, rest: list[int], start: int, stop: int, signals: Signals
) -> str | None:
    segments = split.segments
    named = [i for i in rest if signals.is_category(segments[i]) or signals.is_affix(segments[i])]
    if not named and len(segments) > 2:
        named = rest
    if not named:
        return None
    index = nearest(named, start, stop)
    return split.joined(index, index + 1)


def nearest(indices: list[int], start: int, stop: int) -> int:
    return min(indices, key=lambda i: start - i if i < start else i - stop + 1)


def farthest(indices: list[int], start: int, stop: int) -> int:
    return max(indices, key=lambda i: start - i if i < start else i - stop + 1)


# --- text comparison --------------------------------------------------------------------------


def normalise(text: str | None) -> str | None:
    if not text:
        return None
    return WHITESPACE_RE.sub(" ", text[: MAX_TITLE_CHARS * 2]).strip()[:MAX_TITLE_CHARS] or None


def comparable(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form of a text, for equality tests."""
    if len(text) > CACHED_COMPARABLE_CHARS:  # a paragraph: compared once
        return NON_WORD_RE.sub("", text.casefold())
    return cached_comparable(text)


CACHED_COMPARABLE_CHARS = 400  # titles, site names and short lines; not paragraphs


@functools.lru_cache(maxsize=4096)  # a page's titles and a site's names are compared often
def cached_comparable(text: str) -> str:
    return NON_WORD_RE.sub("", text.casefold())


def same_text(a: str | None, b: str | None) -> bool:
    return bool(a and b) and comparable(a) == comparable(b)


def unique(items: Iterable[str]) -> list[str]:
    """Each text once (compared loosely), in first-seen order."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(comparable(item), item)
    return list(seen.values())


def matches_site(segment: str, site_name: str | None) -> bool:
    """True when a title segment is the site name, allowing "Ledger" vs "The Ledger.com"."""
    if not site_name:
        return False
    return contains_loosely(comparable(segment), comparable(site_name))


def matches_host(key: str, host_keys: set[str]) -> bool:
    """A segment spelling the host name: "Job Recruitment Website" ↔ job-recruitment-website.com."""
    return any(contains_loosely(key, host) for host in host_keys)


def contains_loosely(a: str, b: str) -> bool:
    """Equal, or one holds the other and makes up at least half of it."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return (
        len(short) >= MIN_CONTAINED_CHARS
        and short in long
        and len(short) >= SITE_CONTAINMENT_SHARE * len(long)
    )
