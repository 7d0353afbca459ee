"""Cheap page metadata read straight from the parsed tree (before trafilatura touches it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

MAX_FIELD_CHARS = 2000
MAX_JSONLD_CHARS = 200_000

JSONLD_TYPE_RE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
QUOTED_RE = re.compile(r'"([^"]*)"')
LANGUAGE_CODE_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
WHITESPACE_RE = re.compile(r"\s+")


@dataclass
class PageMeta:
    """What the page says about itself in `<head>` and the first `<h1>`."""

    title: str | None = None
    og_title: str | None = None
    h1: str | None = None
    site_name: str | None = None
    og_type: str | None = None
    published_time: str | None = None
    section: str | None = None
    language: str | None = None
    jsonld_types: list[str] = field(default_factory=list)


def read_page_meta(tree: HtmlElement) -> PageMeta:
    metas = meta_index(tree)
    return PageMeta(
        title=first_text(tree.xpath("(//title[not(ancestor::svg)])[1]")),
        og_title=pick(metas, "og:title", "twitter:title"),
        h1=first_text(tree.xpath("(//h1)[1]")),
        site_name=pick(metas, "og:site_name", "application-name"),
        og_type=lowered(pick(metas, "og:type")),
        published_time=pick(
            metas, "article:published_time", "og:article:published_time", "datepublished"
        ),
        section=pick(metas, "article:section"),
        language=page_language(tree, metas),
        jsonld_types=jsonld_types(tree),
    )


def meta_index(tree: HtmlElement) -> dict[str, str]:
    """`<meta>` contents by lower-cased property/name/itemprop (http-equiv as `http-equiv:X`).

    The first non-empty value of a key wins.
    """
    index: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = squash(meta.get("content"))
        if not content:
            continue
        for attribute, prefix in (
            ("property", ""),
            ("name", ""),
            ("itemprop", ""),
            ("http-equiv", "http-equiv:"),
        ):
            key = meta.get(attribute)
            if key:
                index.setdefault(prefix + key.strip().lower(), content)
    return index


def pick(metas: dict[str, str], *keys: str) -> str | None:
    """The value of the first of `keys` present in `metas`."""
    return next((metas[key] for key in keys if key in metas), None)


def squash(text: str | None) -> str | None:
    """Collapse whitespace; None for empty text. Caps absurdly long values."""
    if not text:
        return None
    squashed = WHITESPACE_RE.sub(" ", text[: MAX_FIELD_CHARS * 4]).strip()
    return squashed[:MAX_FIELD_CHARS] or None


def lowered(text: str | None) -> str | None:
    return text.lower() if text else None


def first_text(elements: list) -> str | None:
    return squash(elements[0].text_content()) if elements else None


def page_language(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    """2-letter language code from `<html lang>`, `og:locale` or a content-language meta."""
    candidates = [
        tree.get("lang"),
        tree.get("xml:lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        pick(metas, "og:locale", "language", "dc.language", "content-language"),
        pick(metas, "http-equiv:content-language"),
    ]
    return next((code for code in map(language_code, candidates) if code), None)


def language_code(value: str | None) -> str | None:
    """`en-US`, `en_GB`, `EN` → `en`; None for anything that is not a language tag."""
    if not value:
        return None
    match = LANGUAGE_CODE_RE.match(value.split(",")[0].strip())
    if not match or len(match.group(1)) != 2:
        return None
    return match.group(1).lower()


def jsonld_types(tree: HtmlElement) -> list[str]:
    """Every schema.org `@type` named in the page's JSON-LD (regex scan: broken JSON is common)."""
    found: list[str] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        for match in JSONLD_TYPE_RE.finditer(script.text[:MAX_JSONLD_CHARS]):
            found.extend(QUOTED_RE.findall(match.group(1)))
    return found
