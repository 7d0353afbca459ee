"""One article out of one page: trafilatura for the text, our own title and language logic."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import trafilatura
from lxml.html import HtmlElement

from extractors.html import parse_html
from extractors.meta import PageMeta, language_code, read_page_meta
from extractors.titles import TitleParts, clean_title, comparable, same_text

# trafilatura logs a warning for every page it finds no text in; a library stays quiet unless
# the application configures logging.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

WORD_RE = re.compile(r"\w+")
MIN_WORDS_FOR_LANGID = 20
LANGID_SAMPLE_CHARS = 5000
TAG_SPLIT_RE = re.compile(r"\s*[,;]\s*")


@dataclass
class ArticleRecord:
    url: str | None
    title: str | None
    text: str
    site_name: str | None
    category: str | None
    author: str | None
    published: str | None
    language: str | None
    description: str | None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    word_count: int = 0


def extract_article(html: str, url: str | None = None) -> ArticleRecord | None:
    """The article in an HTML page, or None when there is no text to extract. Never raises."""
    try:
        tree = parse_html(html)
        return None if tree is None else article_from_tree(tree, url)
    except Exception:  # hostile HTML must never crash a worker
        return None


def article_from_tree(
    tree: HtmlElement, url: str | None, meta: PageMeta | None = None
) -> ArticleRecord | None:
    """`extract_article` on an already parsed tree (trafilatura works on its own copy)."""
    if meta is None:
        meta = read_page_meta(tree)
    document = run_trafilatura(tree, url)
    if document is None or not (document.text or "").strip():
        return None
    parts = title_parts(meta, document.sitename)
    text = without_leading_headline(document.text.strip(), parts.title, meta.h1)
    if not text:
        return None
    return ArticleRecord(
        url=url or document.url,
        title=parts.title or document.title,
        text=text,
        site_name=parts.site_name,
        category=parts.category or meta.section,
        author=document.author or None,
        published=published_date(document.date, meta.published_time),
        language=meta.language or detect_language(text),
        description=document.description or None,
        categories=string_list(document.categories),
        tags=string_list(document.tags),
        word_count=len(WORD_RE.findall(text)),
    )


def run_trafilatura(tree: HtmlElement, url: str | None) -> Any:
    """trafilatura's Document for the tree, or None; any failure inside it counts as no text."""
    try:
        return trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, include_comments=False
        )
    except Exception:  # hostile HTML must never crash a worker
        return None


def title_parts(meta: PageMeta, trafilatura_site: str | None) -> TitleParts:
    """Clean the page title, taking the headline hint from the H1 or else og:title.

    When the H1 and og:title agree on a headline the `<title>` does not contain (an SEO
    title written apart from the displayed one), that agreed headline wins.
    """
    raw = meta.title or meta.og_title
    site_name = meta.site_name or trafilatura_site
    hint = meta.h1
    if raw and meta.og_title and not appears_in(hint, raw) and appears_in(meta.og_title, raw):
        hint = meta.og_title
    parts = clean_title(raw, hint, site_name)
    agreed = meta.h1 if meta.h1 and comparable(meta.h1) == comparable(meta.og_title or "") else None
    if agreed and raw and not appears_in(agreed, raw) and not same_text(agreed, parts.site_name):
        parts.title = agreed
    return parts


def appears_in(needle: str | None, haystack: str) -> bool:
    return bool(needle) and comparable(needle) in comparable(haystack)


def without_leading_headline(text: str, *headlines: str | None) -> str:
    """Drop a first line that merely repeats the headline."""
    first, _, rest = text.partition("\n")
    wanted = {comparable(h) for h in headlines if h} - {""}
    if comparable(first) in wanted:
        return rest.strip()
    return text


def published_date(trafilatura_date: str | None, published_time: str | None) -> str | None:
    """trafilatura's date, made precise by `article:published_time` when both agree on the day."""
    meta_time = iso_datetime(published_time)
    if not trafilatura_date:
        return meta_time
    if meta_time and meta_time[:10] == trafilatura_date[:10]:
        return meta_time
    return trafilatura_date


def iso_datetime(value: str | None) -> str | None:
    """`value` as an ISO 8601 string if it is one (a trailing "Z" allowed), else None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def detect_language(text: str) -> str | None:
    """2-letter language code guessed by py3langid, for texts of 20 words or more."""
    if len(WORD_RE.findall(text[:LANGID_SAMPLE_CHARS])) < MIN_WORDS_FOR_LANGID:
        return None
    try:
        import py3langid
    except ImportError:  # pragma: no cover - py3langid is a declared dependency
        return None
    code, _score = py3langid.classify(text[:LANGID_SAMPLE_CHARS])
    return language_code(code)


def string_list(values: Any) -> list[str]:
    """trafilatura's categories/tags as a clean list (it may hand back one comma-joined string)."""
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    items = (item for value in values for item in TAG_SPLIT_RE.split(str(value)))
    return list(dict.fromkeys(item.strip() for item in items if item and item.strip()))
