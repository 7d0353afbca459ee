"""Per-site boilerplate learning: text blocks and title parts that recur across a host's pages.

A `SiteProfile` counts, for one host, on how many pages each text line, each line template
("Tags: …", "Source: …") and each title segment occurs. Counts only grow and do not depend on
the order pages arrive in, so the same pages always give the same profile. A line is boilerplate
once it occurs on at least `MIN_PAGES` pages and on `MIN_SHARE` of the pages seen: a line that
occurs on one page only (the article's own text) is never boilerplate.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_PAGES = 3  # a line on fewer pages is never boilerplate
MIN_SHARE = 0.1  # ...nor one on less than this share of the site's pages
LONG_LINE_WORDS = 60  # a line this long is article text unless most pages carry it
LONG_LINE_SHARE = 0.5
TEMPLATE_MAX_WORDS = 30  # "Tags: a, b, c" lines are short
SITE_NAME_SHARE = 0.5  # a title part on half the pages is the site's name

LIST_MARKER_RE = re.compile(r"^(?:[-*•·▪►]\s+)+")
SPACE_RE = re.compile(r"\s+")
WORD_RE = re.compile(r"\w+")
# "Tags:", "Source :", "Previous：" — a short label and a colon open a templated line...
TEMPLATE_RE = re.compile(r"^\W*([^\W\d_][\w ]{0,30}?)\s*[:：]")
# ...whose values are not a sentence ("He said: it is over." is text, not a template).
SENTENCE_END_RE = re.compile(r"[.!?…。！？][\"'”’)\]]*$")
SHORT_LINE_WORDS = 25  # boilerplate lines are short; article paragraphs mostly are not
MOSTLY = 0.5  # a page losing more than this share of its words is a copy, not padding


# Cached: a line is normalised several times (learning, cleaning, link runs), and a site's
# boilerplate lines come back on every page. A few thousand lines cover both; more would only
# hold on to article paragraphs that never come back.
CACHED_LINES = 4096


@functools.lru_cache(maxsize=CACHED_LINES)
def normalize(line: str) -> str:
    return SPACE_RE.sub(" ", LIST_MARKER_RE.sub("", line.strip())).strip().lower()


@functools.lru_cache(maxsize=CACHED_LINES)
def line_key(line: str) -> str:
    return digest(normalize(line))


@functools.lru_cache(maxsize=CACHED_LINES)
def template_key(line: str) -> str | None:
    """The label of a short "Label: values" line, else None."""
    text = normalize(line)
    match = TEMPLATE_RE.match(text)
    if not match or len(WORD_RE.findall(text)) > TEMPLATE_MAX_WORDS:
        return None
    if SENTENCE_END_RE.search(text):
        return None
    label = match.group(1).strip()
    return label if len(label.split()) <= 4 else None


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@functools.lru_cache(maxsize=CACHED_LINES)
def words(line: str) -> int:
    return len(WORD_RE.findall(line))


def word_share(lines: list[str], chosen: list[bool]) -> float:
    total = sum(map(words, lines))
    return sum(words(line) for line, pick in zip(lines, chosen, strict=True) if pick) / max(
        total, 1
    )


def in_link_run(at: int, repeated: list[bool], linking: list[bool]) -> bool:
    """A headline line right after a repeated line ("Recommended reading") or next to another
    headline line: a list of links, not a subheading."""
    before = at > 0 and (repeated[at - 1] or linking[at - 1])
    after = at + 1 < len(linking) and linking[at + 1]
    return before or after


def text_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


@dataclass
class SiteProfile:
    """What the pages of one host have in common. JSON round-trips through `sites.profile`."""

    host: str
    pages: int = 0
    lines: dict[str, int] = field(default_factory=dict)
    templates: dict[str, int] = field(default_factory=dict)
    title_parts: dict[str, int] = field(default_factory=dict)
    title_part_text: dict[str, str] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)  # keys of the pages and texts learned, sorted

    def learn(self, text: str, title_segments: Iterable[str] = (), page: str = "") -> bool:
        """Count one page's lines, line templates and title segments (each once per page).

        A page (by its URL) and a text (by its content) are learned once: neither a recrawl
        nor a story the site posts again makes its own lines look common. Returns False if
        the page or its text was learned before.
        """
        keys = [digest("text:" + normalize(text))] + ([digest("url:" + page)] if page else [])
        if any(self._seen(key) for key in keys):
            return False
        for key in keys:
            bisect.insort(self.seen, key)
        self.pages += 1
        lines = text_lines(text)
        for key in {line_key(line) for line in lines}:
            self.lines[key] = self.lines.get(key, 0) + 1
        for key in {t for t in map(template_key, lines) if t}:
            self.templates[key] = self.templates.get(key, 0) + 1
        for segment in {s.strip() for s in title_segments if s.strip()}:
            key = normalize(segment)
            self.title_parts[key] = self.title_parts.get(key, 0) + 1
            # The same spelling whatever order the pages come in.
            self.title_part_text[key] = min(segment, self.title_part_text.get(key, segment))
        return True

    def merge(self, other: SiteProfile) -> None:
        """Add what another profile of the same host learned (another crawler's shard of one
        archive): page, line, template and title-part counts summed, `seen` keys unioned.

        Counts cannot tell which pages made them, so a page or a text that both profiles
        learned is counted twice (rare when each URL is fetched by one worker, and harmless
        unless it tips a line over the boilerplate threshold). Order-independent, like `learn`.
        """
        if other.host != self.host:
            raise ValueError(f"cannot merge the profile of {other.host} into {self.host}'s")
        self.pages += other.pages
        for mine, theirs in (
            (self.lines, other.lines),
            (self.templates, other.templates),
            (self.title_parts, other.title_parts),
        ):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        for key, text in other.title_part_text.items():
            self.title_part_text[key] = min(text, self.title_part_text.get(key, text))
        self.seen = sorted(set(self.seen).union(other.seen))

    def has_learned(self, page: str) -> bool:
        """Whether the page of this URL was learned."""
        return self._seen(digest("url:" + page))

    def _seen(self, key: str) -> bool:
        at = bisect.bisect_left(self.seen, key)
        return at < len(self.seen) and self.seen[at] == key

    def threshold(self, share: float = MIN_SHARE) -> int:
        return max(MIN_PAGES, math.ceil(share * self.pages))

    def is_boilerplate(self, line: str) -> bool:
        share = LONG_LINE_SHARE if words(line) > LONG_LINE_WORDS else MIN_SHARE
        if self.lines.get(line_key(line), 0) >= self.threshold(share):
            return True
        template = template_key(line)
        return template is not None and self.templates.get(template, 0) >= self.threshold()

    def names_other_page(self, line: str, own_title: set[str]) -> bool:
        """Is the line the headline of another of the site's pages (not its name or section)?"""
        key = normalize(line)
        count = self.title_parts.get(key, 0)
        return 0 < count < self.threshold() and key not in own_title

    def clean_text(self, text: str, own_title: Iterable[str] = ()) -> str:
        """The text without the lines this site repeats, and the runs of lines that name its
        other pages ("Recommended reading" lists); a line of its own is never removed.

        If that would take most of the page's words, the page is a copy of another (a story
        posted twice) rather than padded: then only short lines go.
        """
        lines = text_lines(text)
        own = {normalize(part) for part in own_title}
        repeated = [self.is_boilerplate(line) for line in lines]
        linking = [self.names_other_page(line, own) for line in lines]
        dropped = [
            repeated[at] or (linking[at] and in_link_run(at, repeated, linking))
            for at in range(len(lines))
        ]
        if word_share(lines, dropped) > MOSTLY:
            dropped = [
                drop and words(line) <= SHORT_LINE_WORDS
                for line, drop in zip(lines, dropped, strict=True)
            ]
        return "\n".join(line for line, drop in zip(lines, dropped, strict=True) if not drop)

    def title_affixes(self) -> list[str]:
        """Title segments that recur across the site: its name and its categories."""
        needed = self.threshold()
        return sorted(
            self.title_part_text[key] for key, count in self.title_parts.items() if count >= needed
        )

    def site_name(self) -> str | None:
        """The title segment most pages carry, if at least half of them do."""
        if not self.title_parts:
            return None
        key, count = max(self.title_parts.items(), key=lambda item: (item[1], item[0]))
        if count < self.threshold(SITE_NAME_SHARE):
            return None
        return self.title_part_text[key]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SiteProfile:
        return cls(**json.loads(text))
