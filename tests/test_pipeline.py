"""ArchivePipeline offline: a dead extraction worker is replaced and the crawl goes on; a
database that loses a transaction stops all writing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
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


def test_a_commit_that_loses_the_transaction_stops_all_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that fails mid-crawl (a full disk) rolls back captures whose pages are still in
    flight: storing those pages later would make articles point at captures that are not there."""
    stops: list[tuple[str, str]] = []
    monkeypatch.setattr("crawler.pipelines.stop_crawl", lambda _c, *failure: stops.append(failure))
    settings = {"NEWSARC_DB": str(tmp_path / "a.db"), "NEWSARC_EXTRACT_WORKERS": 1}
    crawler = get_crawler(Spider, {**settings, "NEWSARC_DB_BATCH_SIZE": 500})
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.store.flush()
    store = pipeline.store

    def failing_commit() -> None:
        store.db.conn.rollback()  # what SQLite may do itself when the disk is full
        raise sqlite3.OperationalError("database or disk is full")

    async def run() -> None:
        first = page(pipeline, "http://a.example/1")  # its capture row is in the open transaction
        monkeypatch.setattr(store, "flush", failing_commit)
        store.batch_size = 1  # the page's own write commits
        with pytest.raises(DropItem):
            await pipeline.process_item(first)
        with pytest.raises(DropItem):
            await pipeline.process_item(page(pipeline, "http://a.example/2"))

    try:
        asyncio.run(run())
    finally:
        pipeline.close_spider()
    assert pipeline.database_broken
    assert stops and stops[0][0] == "write_error"
    assert crawler.stats.get_value("newsarc/db_errors") == 1
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("SELECT count(*) FROM captures").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)


def test_a_pool_broken_at_the_end_of_the_crawl_leaves_the_closing_steps_to_this_process(
    tmp_path: Path,
) -> None:
    crawler = get_crawler(
        Spider, {"NEWSARC_DB": str(tmp_path / "a.db"), "NEWSARC_EXTRACT_WORKERS": 1}
    )
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()

    async def run() -> list[PageItem]:
        urls = [f"http://a.example/{n}" for n in range(4)]
        return [await pipeline.process_item(page(pipeline, url)) for url in urls]

    try:
        items = asyncio.run(run())
        assert pipeline.pool is not None
        pipeline.pool.submit(os._exit, 1)  # the last worker dies: re-cleaning finds it broken
        pipeline.close_spider()
    finally:
        pipeline.spider_closed("finished")
    assert [item.page_type for item in items] == ["article"] * 4
    assert crawler.stats.get_value("newsarc/articles_recleaned") is not None
    assert crawler.stats.get_value("newsarc/articles_judged") == 4
    with sqlite3.connect(tmp_path / "a.db") as db:
        (profile,) = db.execute("SELECT profile FROM sites").fetchone()
    assert profile and '"pages": 4' in profile
