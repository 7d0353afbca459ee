"""Per-site boilerplate learning: text blocks and title parts that recur across a host's pages.

A `SiteProfile` counts, for one host, on how many pages each text line, each line template
("Tags: …", "Source: …") and each title segment occurs. Counts only grow and do not depend on
the order pages arrive in, so the same pages always give the same profile. A line is boilerplate
once it occurs on at least `MIN_PAGES` pages and on `MIN_SHARE` of the pages seen: a line that
occurs on one page only (the article's own text) is never boilerplate.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from extractors.counts import Counts, KeySet, Spellings, Spill, key_of

MIN_PAGES = 3  # a line on fewer pages is never boilerplate
MIN_SHARE = 0.1  # ...nor one on less than this share of the site's pages
LONG_LINE_WORDS = 60  # a line this long is article text unless most pages carry it
LONG_LINE_SHARE = 0.5
TEMPLATE_MAX_WORDS = 30  # "Tags: a, b, c" lines are short
SITE_NAME_SHARE = 0.5  # a title part on half the pages is the site's name

LIST_MARKERS = "-*•·▪►"
LIST_MARKER_RE = re.compile(rf"^(?:[{LIST_MARKERS}]\s+)+")
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


def normalized(text: str) -> str:
    """`text` lower-cased, without a leading list marker, its spaces collapsed (uncached: for
    whole texts)."""
    text = text.strip()
    if text[:1] in LIST_MARKERS and text:
        text = LIST_MARKER_RE.sub("", text)
    return squashed(text).lower()


def squashed(text: str) -> str:
    r"""`text` with its runs of whitespace made one space, its ends stripped (as
    `" ".join(text.split())`: str.split splits where the regex \s+ does)."""
    # Every whitespace character but the space is unprintable: a printable text without a
    # double space (most lines) is its own result, without a string made for each word.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


@functools.lru_cache(maxsize=CACHED_LINES)
def normalize(line: str) -> str:
    return normalized(line)


@functools.lru_cache(maxsize=CACHED_LINES)
def line_key(line: str) -> int:
    return key_of(normalize(line))


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


@dataclass(frozen=True)
class Lesson:
    """What one page teaches its site's profile (`lesson_of`), by key: computed where the page
    is (a reindex worker), learned where the profile is (`SiteProfile.learn_lesson`)."""

    keys: tuple[int, ...]  # of its text, and of its URL when known
    lines: frozenset[int]
    templates: frozenset[str]
    title_parts: tuple[tuple[int, str], ...]  # (key, spelling) of each title segment


def lesson_of(text: str, title_segments: Iterable[str] = (), page: str = "") -> Lesson:
    lines = text_lines(text)
    segments = {s.strip() for s in title_segments if s.strip()}
    return Lesson(
        keys=(key_of("text:" + normalized(text)), *([key_of("url:" + page)] if page else [])),
        lines=frozenset(map(line_key, lines)),
        templates=frozenset(t for t in map(template_key, lines) if t),
        title_parts=tuple((key_of(normalize(segment)), segment) for segment in segments),
    )


@dataclass
class SiteProfile:
    """What the pages of one host have in common. JSON round-trips through `sites.profile`.

    Lines and title segments are counted by key (`key_of` their normalised text) in compact
    `Counts`: a big site has about 20 distinct lines a page, nearly all seen once. With
    `spill_to`, the big ones are kept in files (the same counts, out of the process's memory).
    """

    host: str
    pages: int = 0
    lines: Counts = field(default_factory=Counts)
    templates: dict[str, int] = field(default_factory=dict)
    title_parts: Counts = field(default_factory=Counts)
    title_part_text: Spellings = field(default_factory=Spellings)  # key -> its least spelling
    seen: KeySet = field(default_factory=KeySet)  # keys of the pages and texts learned

    def spill_to(self, spill: Spill | None) -> None:
        """Keep the line and title-part counts, the title parts' texts and the keys learned in
        files of `spill` once they are big (see `extractors.counts.Spill`)."""
        for counted in (self.lines, self.title_parts, self.title_part_text, self.seen):
            counted.spill_to(spill)

    def learn(self, text: str, title_segments: Iterable[str] = (), page: str = "") -> bool:
        """Count one page's lines, line templates and title segments (each once per page).

        A page (by its URL) and a text (by its content) are learned once: neither a recrawl
        nor a story the site posts again makes its own lines look common. Returns False if
        the page or its text was learned before.
        """
        return self.learn_lesson(lesson_of(text, title_segments, page))

    def learn_lesson(self, lesson: Lesson) -> bool:
        """`learn` a page from its `lesson_of`."""
        if any(key in self.seen for key in lesson.keys):
            return False
        for key in lesson.keys:
            self.seen.add(key)
        self.pages += 1
        self.lines.add_all(lesson.lines)
        for label in lesson.templates:
            self.templates[label] = self.templates.get(label, 0) + 1
        for key, segment in lesson.title_parts:
            self.title_parts.add(key)
            # The same spelling whatever order the pages come in.
            self.title_part_text.keep_least(key, segment)
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
        self.lines.merge(other.lines)
        self.title_parts.merge(other.title_parts)
        for key, count in other.templates.items():
            self.templates[key] = self.templates.get(key, 0) + count
        for key, text in other.title_part_text.items():
            self.title_part_text.keep_least(key, text)
        self.seen = self.seen.union(other.seen)

    def cleaning_view(self) -> SiteProfile:
        """A profile that cleans as this one does (`clean_text`, `title_affixes`, `site_name`)
        with only what they read: the lines counted often enough to be boilerplate, every
        title part (one count tells another page's headline) with the spellings of the common
        ones, no keys learned. A fraction of the size, for the processes that re-clean."""
        least = min(self.threshold(), self.threshold(SITE_NAME_SHARE))
        common = self.title_parts.counted_at_least(least)
        return SiteProfile(
            host=self.host,
            pages=self.pages,
            lines=self.lines.only_at_least(least),
            templates=dict(self.templates),
            title_parts=self.title_parts.only_at_least(1),
            title_part_text=Spellings((key, self.title_part_text[key]) for key, _ in common),
        )

    def has_learned(self, page: str) -> bool:
        """Whether the page of this URL was learned."""
        return key_of("url:" + page) in self.seen

    def threshold(self, share: float = MIN_SHARE) -> int:
        return max(MIN_PAGES, math.ceil(share * self.pages))

    def is_boilerplate(self, line: str) -> bool:
        return self.boilerplate_lines([line])[0]

    def boilerplate_lines(self, lines: list[str]) -> list[bool]:
        """Which lines the site repeats (on its share of pages, or as a "Label: …" template)."""
        counts = self.lines.get_many([line_key(line) for line in lines])
        common, most = self.threshold(MIN_SHARE), self.threshold(LONG_LINE_SHARE)
        found = []
        for line, count in zip(lines, counts, strict=True):
            # Most lines are on one page: neither their words nor their template matter.
            if count >= common and count >= (most if words(line) > LONG_LINE_WORDS else common):
                found.append(True)
            else:
                label = template_key(line) if self.templates else None
                found.append(label is not None and self.templates.get(label, 0) >= common)
        return found

    def other_page_names(self, lines: list[str], own_title: set[str]) -> list[bool]:
        """Which lines are the headline of another of the site's pages (not its name or
        section)."""
        # A title part is counted by the key of its normalised text: a line's key.
        counts = self.title_parts.get_many([line_key(line) for line in lines])
        needed = self.threshold()
        return [
            0 < count < needed and normalize(line) not in own_title
            for line, count in zip(lines, counts, strict=True)
        ]

    def clean_text(self, text: str, own_title: Iterable[str] = ()) -> str:
        """The text without the lines this site repeats, and the runs of lines that name its
        other pages ("Recommended reading" lists); a line of its own is never removed.

        If that would take most of the page's words, the page is a copy of another (a story
        posted twice) rather than padded: then only short lines go.
        """
        lines = text_lines(text)
        own = {normalize(part) for part in own_title}
        repeated = self.boilerplate_lines(lines)
        linking = self.other_page_names(lines, own)
        dropped = [
            repeated[at] or (linking[at] and in_link_run(at, repeated, linking))
            for at in range(len(lines))
        ]
        if any(dropped) and word_share(lines, dropped) > MOSTLY:
            dropped = [
                drop and words(line) <= SHORT_LINE_WORDS
                for line, drop in zip(lines, dropped, strict=True)
            ]
        return "\n".join(line for line, drop in zip(lines, dropped, strict=True) if not drop)

    def title_affixes(self) -> list[str]:
        """Title segments that recur across the site: its name and its categories."""
        needed = self.threshold()
        return sorted(
            self.title_part_text[key] for key, _ in self.title_parts.counted_at_least(needed)
        )

    def site_name(self) -> str | None:
        """The title segment most pages carry, if at least half of them do."""
        common = self.title_parts.counted_at_least(self.threshold(SITE_NAME_SHARE))
        if not common:
            return None
        # Ties go to the last normalised text, as they always have.
        key, _ = max(common, key=lambda item: (item[1], normalize(self.title_part_text[item[0]])))
        return self.title_part_text[key]

    def to_json(self) -> str:
        fields: dict[str, Any] = {
            "version": 2,
            "host": self.host,
            "pages": self.pages,
            "lines": self.lines.to_json_value(),
            "templates": self.templates,
            "title_parts": self.title_parts.to_json_value(),
            "title_part_text": {str(key): text for key, text in self.title_part_text.items()},
            "seen": self.seen.to_json_value(),
        }
        return json.dumps(fields, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SiteProfile:
        """A profile from `to_json`, or from an older one (hex digests, title parts by text)."""
        fields = json.loads(text)
        if fields.pop("version", 1) >= 2:
            texts = fields["title_part_text"].items()
            title_part_text = Spellings((int(key), value) for key, value in texts)
            title_parts = Counts.from_json_value(fields["title_parts"])
        else:
            texts = fields["title_part_text"].items()
            title_part_text = Spellings((key_of(key), value) for key, value in texts)
            title_parts = Counts.from_json_value(fields["title_parts"], legacy=key_of)
        return cls(
            host=fields["host"],
            pages=fields["pages"],
            lines=Counts.from_json_value(fields["lines"]),
            templates=fields["templates"],
            title_parts=title_parts,
            title_part_text=title_part_text,
            seen=KeySet.from_json_value(fields["seen"]),
        )
