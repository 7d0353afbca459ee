"""Site-level extraction: what many pages of one host teach about each of them."""

from __future__ import annotations

from collections.abc import Iterable

from extractors.article import ArticleRecord
from extractors.page import analyze_page


def extract_site(pages: Iterable[tuple[str, str]]) -> list[ArticleRecord | None]:
    """Articles of (url, html) pages of one or more sites, cleaned with what the site shows.

    The reindex path: every page is seen before any is cleaned. Returns one entry per page,
    None where the page holds no article.
    """
    return [analyze_page(html, url).article for url, html in pages]
