"""Pure functions from HTML (+ URL) to records: no I/O, no Scrapy, no SQLite, no network.

Everything here takes and returns picklable values, so it can run in a process pool.
"""

from __future__ import annotations

from extractors.article import ArticleRecord, extract_article
from extractors.html import decode_html, looks_like_html
from extractors.page import PageAnalysis, analyze_page
from extractors.pagetype import classify_page
from extractors.titles import TitleParts, clean_title, split_title

__all__ = [
    "ArticleRecord",
    "PageAnalysis",
    "TitleParts",
    "analyze_page",
    "classify_page",
    "clean_title",
    "decode_html",
    "extract_article",
    "looks_like_html",
    "split_title",
]
