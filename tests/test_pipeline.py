"""ArchivePipeline offline: a dead extraction worker is replaced and the crawl goes on."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from scrapy import Spider
from scrapy.utils.test import get_crawler

from archive.ingest import Capture
from conftest import article_html
from crawler.pipelines import ArchivePipeline, PageItem
from extractors import PageAnalysis, analyze_page


def die_on_boom(html: str, url: str | None = None, **options: object) -> PageAnalysis:
    """analyze_page, except that the worker process dies on URLs with "boom"."""
    if url and "boom" in url:
        os._exit(1)
    return analyze_page(html, url, **options)


class FragilePipeline(ArchivePipeline):
    analyze = staticmethod(die_on_boom)


def page(pipeline: ArchivePipeline, url: str) -> PageItem:
    capture = Capture(url, 200, "2026-01-01T00:00:00", "text/html", 1, "sha1:X", "f.warc.gz",
                      0, 1, f"<urn:uuid:{url}>")  # fmt: skip
    pipeline.capture_archived(capture, response=None)
    return PageItem(url=url, capture=capture, html=article_html("harbour", f"Story at {url}"))


def test_a_dead_extraction_worker_is_replaced(tmp_path: Path) -> None:
    crawler = get_crawler(
        Spider, {"NEWSARC_DB": str(tmp_path / "a.db"), "NEWSARC_EXTRACT_WORKERS": 1}
    )
    pipeline = FragilePipeline.from_crawler(crawler)
    pipeline.open_spider()

    async def run() -> list[PageItem]:
        urls = ["http://a.example/1", "http://a.example/boom", "http://a.example/2"]
        return [await pipeline.process_item(page(pipeline, url)) for url in urls]

    try:
        items = asyncio.run(run())
    finally:
        pipeline.close_spider()
        pipeline.spider_closed("finished")
    assert [item.page_type for item in items] == ["article", "error", "article"]
    stats = crawler.stats
    assert stats.get_value("newsarc/extract_errors") == 1
    assert stats.get_value("newsarc/extract_pool_restarts") == 2  # the first try, and the retry
    with sqlite3.connect(tmp_path / "a.db") as db:
        urls = [row[0] for row in db.execute("SELECT url FROM articles ORDER BY url")]
        types = dict(db.execute("SELECT url, page_type FROM captures"))
    assert urls == ["http://a.example/1", "http://a.example/2"]
    assert types["http://a.example/boom"] == "error"
