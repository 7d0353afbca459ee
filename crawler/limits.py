"""Bounds a hostile site cannot get past: body size, and endless URL spaces (traps).

- `BodySizeLimit` (extension): a body is cut at NEWSARC_MAX_BODY_SIZE bytes as they come over
  the wire, and a gzip or deflate body as soon as what has come would inflate past
  DOWNLOAD_MAXSIZE (a gzip bomb: 10 MB that inflate to 10 GB is cut after its first ~64 KB).
  A compressed body is inflated here only once it is long enough to inflate past the limit at
  deflate's maximum ratio: most pages end before, and are inflated once, not twice, on the
  reactor thread (HttpCompressionMiddleware inflates them too).
  Unlike Scrapy's DOWNLOAD_MAXSIZE, which drops such a response, the part received is kept:
  WarcCaptureMiddleware archives it with `WARC-Truncated: length`, and the page is analysed as
  far as it goes (HttpCompressionMiddleware refuses to inflate a cut bomb past
  DOWNLOAD_MAXSIZE).
- `TrapMiddleware` (spider middleware): links that look like an endless URL space (a path
  segment repeated, a session ID in the URL, a calendar, a deep path, a query string that
  keeps growing) are counted per host; once a host has used up NEWSARC_TRAP_BUDGET of them,
  further ones are dropped (a session ID in links makes every page of a site new again).
"""

from __future__ import annotations

import functools
import logging
import re
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from scrapy import Request, signals
from scrapy.downloadermiddlewares import redirect as scrapy_redirect
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload

from extractors.urls import site_key

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class Inflated:
    """How many bytes a gzip or zlib body inflates to, counted as its chunks arrive (nothing
    kept); gzip members one after another count as one body."""

    CHUNK = 1 << 16

    def __init__(self) -> None:
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        self.size = 0

    def feed(self, data: bytes, limit: int) -> int:
        while data and self.size <= limit:
            self.size += len(self.inflater.decompress(data, self.CHUNK))
            if self.inflater.eof:  # another gzip member may follow
                data = self.inflater.unused_data
                self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
            else:
                data = self.inflater.unconsumed_tail
        return self.size


# No deflate stream, gzip's or zlib's, inflates to more than 1032 times its size (zlib's own
# bound: 258 bytes for every 2 bits at best): a body of fewer than DOWNLOAD_MAXSIZE ÷ 1032
# bytes (65 KB) cannot inflate past DOWNLOAD_MAXSIZE.
MAX_DEFLATE_RATIO = 1032


class BodySizeLimit:
    """Cuts a body at NEWSARC_MAX_BODY_SIZE wire bytes, or when it would inflate past
    DOWNLOAD_MAXSIZE (a gzip bomb), and keeps what came (see the module docs)."""

    def __init__(self, crawler: Crawler, limit: int, inflated_limit: int) -> None:
        self.stats = crawler.stats
        self.limit = limit
        self.inflated_limit = inflated_limit
        # By id(request), while it downloads: not in request.meta, which a retry copies (the
        # retry would start with the failed try's count and be cut early).
        self.received: dict[int, int] = {}
        self.inflating: dict[int, Inflated] = {}
        # A compressed body's chunks, until it is long enough to be a bomb (MAX_DEFLATE_RATIO).
        self.waiting: dict[int, list[bytes]] = {}
        crawler.signals.connect(self.headers_received, signal=signals.headers_received)
        crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)
        crawler.signals.connect(self.left, signal=signals.request_left_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        limit = crawler.settings.getint("NEWSARC_MAX_BODY_SIZE")
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit, crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def headers_received(self, headers: Any, body_length: int, request: Request, **_: Any) -> None:
        self.received[id(request)] = 0
        encoding = (headers.get(b"Content-Encoding") or b"").strip().lower()
        if self.inflated_limit > 0 and encoding in (b"gzip", b"x-gzip", b"deflate"):
            self.waiting[id(request)] = []

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        received = self.received.get(id(request), 0) + len(data)
        self.received[id(request)] = received
        if received > self.limit:
            self._cut(request, "body_truncated", f"{received} bytes (NEWSARC_MAX_BODY_SIZE)")
        chunks = self.waiting.get(id(request))
        if chunks is not None:
            chunks.append(data)
            if received * MAX_DEFLATE_RATIO <= self.inflated_limit:
                return  # it cannot inflate past the limit yet
            del self.waiting[id(request)]
            self.inflating[id(request)] = Inflated()
            data = b"".join(chunks)
        inflated = self.inflating.get(id(request))
        if inflated is None:
            return
        try:
            size = inflated.feed(data, self.inflated_limit)
        except zlib.error:  # not what it claims: HttpCompressionMiddleware will say so
            del self.inflating[id(request)]
            return
        if size > self.inflated_limit:
            self._cut(
                request,
                "inflated_truncated",
                f"{received} bytes that inflate to over {self.inflated_limit} (DOWNLOAD_MAXSIZE)",
            )

    def _cut(self, request: Request, kind: str, why: str) -> None:
        self.left(request)
        self.stats.inc_value(f"newsarc/limits/{kind}")
        logger.warning("%s: body cut at %s; the part received is archived", request.url, why)
        raise StopDownload(fail=False)

    def left(self, request: Request, **_: Any) -> None:
        self.received.pop(id(request), None)
        self.waiting.pop(id(request), None)
        self.inflating.pop(id(request), None)


class BrokenEncodingMiddleware:
    """A body that says `Content-Encoding: gzip` (or deflate) but does not start like one is
    passed on as it is, with its Content-Encoding removed: Scrapy's HttpCompressionMiddleware
    would raise on it and the page would never be classified (a misconfigured server sends
    plain HTML so; a hostile one, garbage). Only the first bytes are tried: cheap, and what a
    broken server gets wrong. The WARC record keeps the headers and bytes as they came."""

    PROBE = 512

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        encoding = (response.headers.get(b"Content-Encoding") or b"").strip().lower()
        if encoding not in (b"gzip", b"x-gzip", b"deflate") or not response.body:
            return response
        try:
            zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(response.body[: self.PROBE], 1)
        except zlib.error:
            if encoding == b"deflate":  # raw deflate (no zlib header) is what many servers send
                try:
                    zlib.decompressobj(-zlib.MAX_WBITS).decompress(response.body[: self.PROBE], 1)
                    return response
                except zlib.error:
                    pass
            self.stats.inc_value("newsarc/limits/broken_content_encoding")
            logger.warning("%s: not %s as it says; passed on as it is", response.url, encoding)
            headers = response.headers.copy()
            del headers[b"Content-Encoding"]
            return response.replace(headers=headers, flags=[*response.flags, "broken_encoding"])
        return response


# -- traps ----------------------------------------------------------------------------------------

_SESSION_PARAMS = "sid sessid sessionid session_id phpsessid jsessionid aspsessionid cfid cftoken"
SESSION_PARAMS = frozenset(_SESSION_PARAMS.split())
SESSION_IN_PATH = re.compile(r";(?:jsessionid|sessionid|sid)=|/\(S\([a-z0-9]{16,}\)\)/", re.I)
# A calendar page, a date in the query, or a path that is only a date (a day's archive).
CALENDAR = re.compile(
    r"/calendar(?:/|$)|[?&](?:date|day|month|year|week|ym)=\d"
    r"|^/(?:[a-z-]+/)?(?:1[0-9]|2[0-9])\d\d/\d{1,2}/\d{1,2}/?$",
    re.I,
)
MAX_SEGMENTS = 12
MAX_PARAMS = 8
REPEATS = 3  # a path segment seen this many times


@functools.lru_cache(maxsize=4096)  # a site's menus and related links come back on every page
def trap_kind(url: str) -> str | None:
    """What kind of endless URL space `url` looks like, or None."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    params = parse_qsl(parts.query, keep_blank_values=True)
    if SESSION_IN_PATH.search(parts.path) or any(
        name.lower() in SESSION_PARAMS and len(value) >= 16 for name, value in params
    ):
        return "session_id"
    if segments and Counter(segments).most_common(1)[0][1] >= REPEATS:
        return "repeated_segment"
    if CALENDAR.search(parts.path) or CALENDAR.search("?" + parts.query):
        return "calendar"
    if len(segments) > MAX_SEGMENTS:
        return "deep_path"
    if len(params) > MAX_PARAMS:
        return "many_params"
    return None


class TrapMiddleware:
    """Drops trap-like links past a per-host budget (see the module docs)."""

    def __init__(self, crawler: Crawler, budget: int) -> None:
        self.stats = crawler.stats
        self.budget = budget
        self.spent: Counter[str] = Counter()
        self.warned: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        budget = crawler.settings.getint("NEWSARC_TRAP_BUDGET")
        if budget < 0:
            raise NotConfigured
        return cls(crawler, budget)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Any:
        for item in result:
            if not isinstance(item, Request) or self.allowed(item):
                yield item

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            if not isinstance(item, Request) or self.allowed(item):
                yield item

    def allowed(self, request: Request) -> bool:
        kind = trap_kind(request.url)
        if kind is None or request.meta.get("start"):
            return True
        host = site_key(request.url)
        self.stats.inc_value(f"newsarc/traps/seen/{kind}")
        if self.spent[host] < self.budget:
            self.spent[host] += 1
            return True
        self.stats.inc_value(f"newsarc/traps/dropped/{kind}")
        if host not in self.warned:
            self.warned.add(host)
            logger.warning(
                "%s: %d trap-like links followed (NEWSARC_TRAP_BUDGET); dropping more: %s (%s)",
                host,
                self.budget,
                request.url,
                kind,
            )
        return False


class RedirectMiddleware(scrapy_redirect.RedirectMiddleware):
    """Scrapy's, counting the redirects that go round (newsarc/limits/redirect_loop: back to a
    URL of the chain, which the duplicate filter then drops) or on past REDIRECT_MAX_TIMES
    (newsarc/limits/too_many_redirects)."""

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        stats = self.crawler.stats
        try:
            followed = super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            stats.inc_value("newsarc/limits/too_many_redirects")
            raise
        if followed.url in followed.meta["redirect_urls"]:
            stats.inc_value("newsarc/limits/redirect_loop")
        return followed
