"""Downloader middlewares: WARC capture of every exchange, incremental fetching, a page budget."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares import robotstxt as scrapy_robotstxt
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from archive.ingest import Capture
from archive.replay import find_warc
from archive.store import History, Row
from archive.warc import (
    HttpExchange,
    Original,
    RotatingWarcWriter,
    WarcLocation,
    payload_digest,
    read_response,
    warc_date,
)
from crawler.signals import capture_archived
from crawler.sources import RecrawlPolicy
from extractors.urls import site_key

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

CAPTURE_META_KEY = "newsarc_capture"
PREVIOUS_META_KEY = "newsarc_previous"  # the archive's last capture of the URL (a Row)
PAGE_TYPE_META_KEY = "newsarc_page_type"  # set when the page needs no new extraction
REPLAYED_FLAG = "newsarc_replayed"


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
        # dataloss: the server sent less than it announced; download_stopped: BodySizeLimit
        truncated="length" if {"dataloss", "download_stopped"} & set(response.flags) else None,
    )


def unchanged_original(
    exchange: HttpExchange, previous: PreviousCapture | None
) -> PreviousCapture | None:
    """The earlier capture a response repeats: a 304 to our conditional GET, or the same
    payload as last time. None for anything new."""
    if previous is None:
        return None
    if exchange.status == 304:
        return previous
    if exchange.status == previous.status == 200 and (
        payload_digest(exchange.body) == previous.payload_digest
    ):
        return previous
    return None


class WarcCaptureMiddleware:
    """Writes every response with its request to WARC, once, as it came over the wire.

    Sits close to the downloader (priority 950), so redirects, error statuses and retried
    attempts are all captured and the body is still content-encoded. The capture (WARC file,
    offset, digest) is put in `response.meta["newsarc_capture"]` and sent with the
    `capture_archived` signal once the records are in the file.

    Records are digested, compressed and written in one writer thread, in the order the
    responses came: zlib and hashlib let go of the GIL, so the crawl goes on meanwhile (gzip
    of a 100 KB page takes milliseconds).
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
        self.writing = ThreadPoolExecutor(1, thread_name_prefix="warc")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("NEWSARC_WARC_DIR"):
            raise NotConfigured("NEWSARC_WARC_DIR is not set")
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags or REPLAYED_FLAG in response.flags:
            return response  # not a new fetch: already archived
        exchange = exchange_from(request, response)
        previous: PreviousCapture | None = request.meta.get(PREVIOUS_META_KEY)
        try:
            original, location = await asyncio.wrap_future(
                self.writing.submit(self._write, exchange, previous)
            )
        except OSError as exc:
            # A full disk (or an I/O error): the writer has cut the file back to its last whole
            # record; fetching more pages that cannot be kept is pointless, so stop the crawl
            # (its one-line error is this message) and drop this response.
            from crawler.runs import stop_crawl  # noqa: PLC0415 - only on this rare path

            message = getattr(exc, "strerror", None) or str(exc)
            disk_full = getattr(exc, "disk_full", False)
            stop_crawl(self.crawler, "disk_full" if disk_full else "write_error", message)
            self.stats.inc_value("newsarc/warc/write_errors")
            raise IgnoreRequest(f"not archived: {message}") from exc
        capture = Capture.from_exchange(exchange, location)
        if original is not None:
            capture.revisit_of = original.id
            capture.refers_to = original.record_id
            if original.page_type:  # known: no need to extract the same payload again
                request.meta[PAGE_TYPE_META_KEY] = original.page_type
            self.stats.inc_value(f"newsarc/warc/revisits/{response.status}")
        self.crawler.signals.send_catch_log(capture_archived, capture=capture, response=response)
        request.meta[CAPTURE_META_KEY] = capture  # response.meta once the engine ties them
        self.stats.inc_value("newsarc/warc/responses")
        self.stats.inc_value("newsarc/warc/bytes", len(response.body))
        return response

    def _write(
        self, exchange: HttpExchange, previous: PreviousCapture | None
    ) -> tuple[PreviousCapture | None, WarcLocation]:
        """In the writer thread: the capture this one repeats, if any, and where it went."""
        original = unchanged_original(exchange, previous)
        if original is None:
            return None, self.writer.write_exchange(exchange)
        return original, self.writer.write_revisit(exchange, original.as_original())

    def spider_closed(self) -> None:
        self.writing.shutdown(wait=True)
        self.writer.close()
        self.stats.set_value("newsarc/warc/files", self.writer.serial)


class RobotsTxtMiddleware(scrapy_robotstxt.RobotsTxtMiddleware):
    """Scrapy's, with every request that waits for a host's robots.txt given its rules.

    Scrapy 2.13+ has each waiting request await the host's one Deferred through
    `maybe_deferred_to_future`, which consumes the Deferred's result: the first waiter gets
    the parser, the others get None and are let through (scrapy/scrapy#6802 dropped the
    callback that passed the result on). Requests that arrive together for a new host (start
    URLs, a shared crawl's queue) then fetched pages that robots.txt forbids.
    """

    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred[Any] = Deferred()

        def pass_on(parser: Any) -> Any:
            waiter.callback(parser)
            return parser

        pending.addCallback(pass_on)
        return await maybe_deferred_to_future(waiter)


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


class PreviousCapture:
    """The archive's latest capture of a URL, resolved to the record that holds its payload."""

    def __init__(self, last: Row, original: Row) -> None:
        self.id: int = original["id"]
        self.url: str = original["url"]
        self.status: int = original["status"]
        self.payload_digest: str = original["payload_digest"]
        self.record_id: str = original["warc_record_id"]
        self.fetched_at: str = original["fetched_at"]
        self.page_type: str | None = original["page_type"]
        self.etag: str | None = last["etag"] or original["etag"]
        self.last_modified: str | None = last["last_modified"] or original["last_modified"]

    def as_original(self) -> Original:
        when = datetime.fromisoformat(self.fetched_at)
        return Original(self.url, self.record_id, warc_date(when), self.payload_digest)


class IncrementalMiddleware:
    """Fetches only what is new, changed or due, and resumes an interrupted crawl.

    For a URL the archive already holds: an article page is fetched again only when the
    recrawl policy says it is due (backing off as the article ages); any page fetched again
    carries `If-None-Match` / `If-Modified-Since` from its last capture, so that
    WarcCaptureMiddleware can archive an unchanged answer as a revisit. Start URLs are always
    fetched whole. When resuming crawl N (NEWSARC_RESUME_CRAWL), what crawl N already archived
    is answered from its WARC record instead of being fetched again.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.db_path = settings.get("NEWSARC_DB")
        self.history = history_for(settings)
        self.warc_dir = Path(settings.get("NEWSARC_WARC_DIR") or ".")
        self.resumed = [int(n) for n in settings.getlist("NEWSARC_RESUME_CRAWLS")] or None
        self.policy = recrawl_policy(settings)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("NEWSARC_INCREMENTAL"):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> Response | None:
        if self.resumed:
            replayed = self._replay(request)
            if replayed is not None:
                return replayed
        last = self.history.last_capture(request.url)
        original = self.history.original_of(last) if last else None
        if last is None or original is None:
            return None
        if not request.meta.get("start") and not self._due(request.url):
            self.stats.inc_value("newsarc/recrawl/not_due")
            raise IgnoreRequest(f"{request.url} was archived recently; not due for a recrawl")
        previous = PreviousCapture(last, original)
        request.meta[PREVIOUS_META_KEY] = previous
        if not request.meta.get("start") and not request.url.endswith("/robots.txt"):
            # (robots.txt: RobotsTxtMiddleware would read a 304's empty body as "allow all")
            if previous.etag:
                request.headers.setdefault("If-None-Match", previous.etag)
            if previous.last_modified:
                request.headers.setdefault("If-Modified-Since", previous.last_modified)
        self.stats.inc_value("newsarc/recrawl/refetched")
        return None

    def _due(self, url: str) -> bool:
        article = self.history.article(url)
        if article is None:  # listing pages, feeds, sitemaps: every run
            return True
        return is_due(self.policy, article, datetime.now(UTC))

    def _replay(self, request: Request) -> Response | None:
        """The answer crawl N archived for this request, rebuilt from its WARC record."""
        last = self.history.last_capture(request.url, self.resumed)
        original = self.history.original_of(last) if last else None
        if last is None or original is None:
            return None
        path = self.warc_dir / original["warc_filename"]
        try:
            path = find_warc(self.db_path, original, also=self.warc_dir)
            stored = read_response(path, original["warc_offset"])
        except (OSError, ValueError) as exc:  # a WARC moved or damaged: fetch it again
            logger.warning("cannot replay %s from %s (%s): fetching it", request.url, path, exc)
            self.stats.inc_value("newsarc/resume/unreadable")
            return None
        headers = Headers(stored.http_headers)
        status = last["status"] if last["status"] != 304 else stored.status
        response_class = responsetypes.from_args(headers=headers, url=request.url)
        request.meta[CAPTURE_META_KEY] = capture_from_row(last)
        page_type = last["page_type"] or original["page_type"]
        # Known, unless extraction never finished (or, for an article, its row is missing).
        if page_type and (page_type != "article" or self.history.article(request.url)):
            request.meta[PAGE_TYPE_META_KEY] = page_type
        self.stats.inc_value("newsarc/resume/replayed")
        return response_class(
            url=request.url,
            status=status,
            headers=headers,
            body=stored.raw_body,
            flags=[REPLAYED_FLAG],
            request=request,
        )

    def spider_closed(self) -> None:
        self.history.close()


def history_for(settings: Any) -> History:
    """The archive's history: this database's, and with Redis what other workers archived."""
    if not settings.get("NEWSARC_REDIS_URL"):
        return History(settings.get("NEWSARC_DB"))
    from crawler.distributed import SharedHistory  # noqa: PLC0415 - only with Redis

    return SharedHistory(
        settings.get("NEWSARC_DB"),
        settings.get("NEWSARC_REDIS_URL"),
        settings.get("NEWSARC_REDIS_KEY"),
    )


def capture_from_row(row: Row) -> Capture:
    fields = {name: row.get(name) for name in Capture.__dataclass_fields__}
    return Capture(**fields)


def recrawl_policy(settings: Any) -> RecrawlPolicy:
    return RecrawlPolicy(
        min=timedelta(seconds=settings.getfloat("NEWSARC_RECRAWL_MIN")),
        max=timedelta(seconds=settings.getfloat("NEWSARC_RECRAWL_MAX")),
        factor=settings.getfloat("NEWSARC_RECRAWL_FACTOR"),
    )


def is_due(policy: RecrawlPolicy, article: Row, now: datetime) -> bool:
    """Whether a stored article (its `articles` row) is due to be fetched again."""
    last = parse_time(article["last_seen"])
    first = parse_time(article["first_seen"]) or last
    if last is None or first is None:
        return True
    return policy.is_due(last, min(first, last), parse_time(article["published"]), now)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def due_articles(db: str, sites: set[str], policy: RecrawlPolicy) -> list[str]:
    """URLs of the archived articles of these sites that the policy says to fetch again."""
    history = History(db)
    try:
        hosts = sorted({*sites, *(f"www.{site}" for site in sites)})
        now = datetime.now(UTC)
        return [row["url"] for row in history.articles_of(hosts) if is_due(policy, row, now)]
    finally:
        history.close()
