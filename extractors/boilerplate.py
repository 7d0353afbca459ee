"""Per-site boilerplate learning: text blocks and title parts that recur across a host's pages.

A `SiteProfile` counts, for one host, on how many pages each text line, each line template
("Tags: …", "Source: …") and each title segment occurs. Counts only grow and do not depend on
the order pages arrive in, so the same pages always give the same profile. A line is boilerplate
once it occurs on at least `MIN_PAGES` pages and on `MIN_SHARE` of the pages seen: a line that
occurs on one page only (the article's own text) is never boilerplate.
"""

from __future__ import annotations

import bisect
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
# "Tags:", "Source :", "Previous：" — a short label and a colon open a templated line.
TEMPLATE_RE = re.compile(r"^\W*(\w[\w ]{0,30}?)\s*[:：]")


def normalize(line: str) -> str:
    return SPACE_RE.sub(" ", LIST_MARKER_RE.sub("", line.strip())).strip().lower()


def line_key(line: str) -> str:
    return hashlib.blake2b(normalize(line).encode(), digest_size=8).hexdigest()


def template_key(line: str) -> str | None:
    """The label of a short "Label: values" line, else None."""
    text = normalize(line)
    match = TEMPLATE_RE.match(text)
    if not match or len(WORD_RE.findall(text)) > TEMPLATE_MAX_WORDS:
        return None
    label = match.group(1).strip()
    return label if len(label.split()) <= 4 else None


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
    seen: list[str] = field(default_factory=list)  # keys of the pages learned, sorted

    def learn(self, text: str, title_segments: Iterable[str] = (), page: str = "") -> bool:
        """Count one page's lines, line templates and title segments (each once per page).

        A page (by its URL) is learned once: a recrawl does not make its lines look common.
        Returns False if the page was learned before.
        """
        if page:
            key = line_key(page)
            at = bisect.bisect_left(self.seen, key)
            if at < len(self.seen) and self.seen[at] == key:
                return False
            self.seen.insert(at, key)
        self.pages += 1
        lines = text_lines(text)
        for key in {line_key(line) for line in lines}:
            self.lines[key] = self.lines.get(key, 0) + 1
        for key in {t for t in map(template_key, lines) if t}:
            self.templates[key] = self.templates.get(key, 0) + 1
        for segment in {s.strip() for s in title_segments if s.strip()}:
            key = normalize(segment)
            self.title_parts[key] = self.title_parts.get(key, 0) + 1
            self.title_part_text.setdefault(key, segment)

    def threshold(self, share: float = MIN_SHARE) -> int:
        return max(MIN_PAGES, math.ceil(share * self.pages))

    def is_boilerplate(self, line: str) -> bool:
        words = len(WORD_RE.findall(line))
        share = LONG_LINE_SHARE if words > LONG_LINE_WORDS else MIN_SHARE
        if self.lines.get(line_key(line), 0) >= self.threshold(share):
            return True
        template = template_key(line)
        return template is not None and self.templates.get(template, 0) >= self.threshold()

    def links_elsewhere(self, line: str, own_title: Iterable[str]) -> bool:
        """Is the line the title of another of the site's pages ("Recommended", "Next")?"""
        key = normalize(line)
        return key in self.title_parts and key not in {normalize(part) for part in own_title}

    def clean_text(self, text: str, own_title: Iterable[str] = ()) -> str:
        """The text without the lines this site repeats or that name its other pages."""
        own = list(own_title)
        return "\n".join(
            line
            for line in text_lines(text)
            if not (self.is_boilerplate(line) or self.links_elsewhere(line, own))
        )

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
