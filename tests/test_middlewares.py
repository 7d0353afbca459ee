"""Downloader middlewares, offline with scrapy.utils.test.get_crawler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.warc import read_response
from crawler.middlewares import (
    CAPTURE_META_KEY,
    HostBudgetMiddleware,
    WarcCaptureMiddleware,
    is_due,
)
from crawler.signals import capture_archived
from crawler.sources import RecrawlPolicy


def make_crawler(tmp_path: Path, **settings):
    return get_crawler(Spider, {"NEWSARC_WARC_DIR": str(tmp_path), **settings})


def test_capture_middleware_archives_and_announces(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path)
    middleware = WarcCaptureMiddleware.from_crawler(crawler)
    announced = []

    def receiver(capture, response):  # a named function: signals hold receivers weakly
        announced.append(capture)

    crawler.signals.connect(receiver, capture_archived)
    request = Request("http://example.com/story?id=3", headers={"User-Agent": "ua"})
    response = HtmlResponse(
        request.url,
        status=203,
        body=b"<p>x</p>",
        request=request,
        headers={"Content-Type": "text/html"},
    )

    # In the writer thread, awaited: the record is in the file when the capture is announced.
    assert asyncio.run(middleware.process_response(request, response)) is response
    capture = request.meta[CAPTURE_META_KEY]
    assert announced == [capture]
    assert (capture.url, capture.status, capture.content_type) == (request.url, 203, "text/html")
    middleware.spider_closed()
    stored = read_response(tmp_path / capture.warc_filename, capture.warc_offset)
    assert (stored.url, stored.body, stored.record_id) == (
        request.url,
        b"<p>x</p>",
        capture.warc_record_id,
    )
    assert crawler.stats.get_value("newsarc/warc/responses") == 1


def test_capture_middleware_skips_cached_responses(tmp_path: Path) -> None:
    middleware = WarcCaptureMiddleware.from_crawler(make_crawler(tmp_path))
    request = Request("http://example.com/")
    response = HtmlResponse(request.url, body=b"x", flags=["cached"], request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    middleware.spider_closed()
    assert CAPTURE_META_KEY not in request.meta and not list(tmp_path.iterdir())


def test_capture_middleware_needs_a_warc_dir(tmp_path: Path) -> None:
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(make_crawler(tmp_path, NEWSARC_WARC_DIR=""))


def test_host_budget_refuses_past_the_limit(tmp_path: Path) -> None:
    crawler = make_crawler(tmp_path, NEWSARC_MAX_PAGES_PER_HOST=2)
    middleware = HostBudgetMiddleware.from_crawler(crawler)
    for n in range(2):
        middleware.process_request(Request(f"http://a.example/{n}"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://a.example/3"))
    with pytest.raises(IgnoreRequest):  # www. is the same site
        middleware.process_request(Request("http://www.a.example/4"))
    middleware.process_request(Request("http://b.example/1"))  # another host has its own budget
    assert crawler.stats.get_value("newsarc/host_budget/refused") == 2


def test_recrawl_due_backs_off_with_age_and_ignores_a_future_date() -> None:
    policy = RecrawlPolicy(min=timedelta(hours=1), max=timedelta(days=30), factor=0.5)
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)

    def row(last: timedelta, first: timedelta, published: str | None = None) -> dict:
        return {"last_seen": (now - last).isoformat(), "first_seen": (now - first).isoformat(),
                "published": published}  # fmt: skip

    # Fetched 2 h ago at 10 h old: due after 5 h, so not yet; at 2 h old: due after 1 h.
    assert not is_due(policy, row(timedelta(hours=2), timedelta(hours=12)), now)
    assert is_due(policy, row(timedelta(hours=2), timedelta(hours=4)), now)
    # A published date a week before the last fetch makes the article old: waits 3.5 days.
    week_old = (now - timedelta(days=7, hours=2)).isoformat()
    assert not is_due(policy, row(timedelta(hours=2), timedelta(hours=4), week_old), now)
    # A published date in the future is no age at all: first_seen counts.
    future = (now + timedelta(days=3)).isoformat()
    assert is_due(policy, row(timedelta(hours=2), timedelta(hours=4), future), now)
    assert is_due(policy, {"last_seen": None, "first_seen": None, "published": None}, now)
