"""Data model shared by the demo site generator and its page layouts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html import escape

BASE = "{{BASE}}"


@dataclass
class Article:
    """One article page of a demo site."""

    site: str
    path: str
    headline: str
    html_title: str
    category: str
    author: str
    published: datetime
    paragraphs: list[str]
    protagonist: str = ""
    discovery: str = "link"
    copy_of: str | None = None
    spun: bool = False

    @property
    def linked(self) -> bool:
        return self.discovery == "link"

    @property
    def teaser(self) -> str:
        return teaser(self.paragraphs[0])

    def manifest_entry(self) -> dict:
        return {
            "path": self.path,
            "title": self.headline,
            "html_title": self.html_title,
            "published": self.published.isoformat(),
            "discovery": self.discovery,
            "copy_of": self.copy_of,
            "spun": self.spun,
        }


@dataclass
class Category:
    """A section of a site: its URL slug, display label and listing path."""

    slug: str
    label: str
    path: str


def slugify(text: str, limit: int = 70) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "story"


def teaser(paragraph: str, limit: int = 160) -> str:
    first = re.split(r"(?<=[.!?])\s", paragraph, maxsplit=1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + "…"


def esc(text: str) -> str:
    """Escape text content (quotes stay readable)."""
    return escape(text, quote=False)


def attr(text: str) -> str:
    """Escape an attribute value."""
    return escape(text, quote=True)


def long_date(when: datetime) -> str:
    return f"{when:%B} {when.day}, {when.year}"
