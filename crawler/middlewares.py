"""Downloader middlewares: WARC capture of every exchange, and a per-host page budget."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.headers import Headers

from archive.ingest import Capture
from archive.warc import HttpExchange, RotatingWarcWriter
from crawler.signals import capture_archived
from extractors.urls import site_key

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

CAPTURE_META_KEY = "newsarc_capture"


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def exchange_from(request: Request, response: Response) -> HttpExchange:
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=header_pairs(request.headers),
        request_body=request.body or b"",
        status=response.status,
        response_headers=header_pairs(response.headers),
        body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        fetched_at=datetime.now(UTC),
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated="length" if "dataloss" in response.flags else None,
    )


class WarcCaptureMiddleware:
    """Writes every response with its request to WARC, once, as it came over the wire.

    Sits close to the downloader (priority 950), so redirects, error statuses and retried
    attempts are all captured and the body is still content-encoded. The capture (WARC file,
    offset, digest) is put in `response.meta["newsarc_capture"]` and sent with the
    `capture_archived` signal.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.writer = RotatingWarcWriter(
            settings.get("NEWSARC_WARC_DIR"),
            prefix=settings.get("NEWSARC_WARC_PREFIX"),
            max_size=settings.getint("NEWSARC_WARC_MAX_SIZE"),
            warcinfo={
                "hostname": socket.gethostname(),
                "http-header-user-agent": settings.get("USER_AGENT"),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            },
        )
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("NEWSARC_WARC_DIR"):
            raise NotConfigured("NEWSARC_WARC_DIR is not set")
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:  # from HttpCacheMiddleware: not a new fetch
            return response
        exchange = exchange_from(request, response)
        location = self.writer.write_exchange(exchange)
        capture = Capture.from_exchange(exchange, location)
        self.crawler.signals.send_catch_log(capture_archived, capture=capture, response=response)
        request.meta[CAPTURE_META_KEY] = capture  # response.meta once the engine ties them
        self.stats.inc_value("newsarc/warc/responses")
        self.stats.inc_value("newsarc/warc/bytes", len(response.body))
        return response

    def spider_closed(self) -> None:
        self.writer.close()
        self.stats.set_value("newsarc/warc/files", self.writer.serial)


class HostBudgetMiddleware:
    """Stops fetching from a host after NEWSARC_MAX_PAGES_PER_HOST requests."""

    def __init__(self, crawler: Crawler, budget: int) -> None:
        self.stats = crawler.stats
        self.budget = budget
        self.fetched: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        budget = crawler.settings.getint("NEWSARC_MAX_PAGES_PER_HOST")
        if budget <= 0:
            raise NotConfigured
        return cls(crawler, budget)

    def process_request(self, request: Request) -> None:
        host = site_key(request.url)
        if self.fetched[host] >= self.budget:
            self.stats.inc_value("newsarc/host_budget/refused")
            raise IgnoreRequest(f"page budget of {self.budget} reached for {host}")
        self.fetched[host] += 1
