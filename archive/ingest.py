"""Capture → database rows: the one path shared by the live crawl and reindex."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from urllib.parse import urljoin, urlsplit

from archive.store import Store, utc_now
from archive.warc import HttpExchange, WarcLocation
from extractors import ArticleRecord, PageAnalysis

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """The site key of a URL: lower-case host, with the port unless it is the default one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


@dataclass
class Capture:
    """One archived response: what was fetched and where its WARC record is."""

    url: str
    status: int
    fetched_at: str
    content_type: str | None
    content_length: int
    payload_digest: str
    warc_filename: str
    warc_offset: int
    warc_length: int
    warc_record_id: str
    redirect_to: str | None = None
    id: int | None = None

    @classmethod
    def from_exchange(cls, exchange: HttpExchange, location: WarcLocation) -> Capture:
        location_header = header_value(exchange.response_headers, "Location")
        redirect_to = None
        if 300 <= exchange.status < 400 and location_header:
            redirect_to = urljoin(exchange.url, location_header)
        return cls(
            url=exchange.url,
            status=exchange.status,
            fetched_at=exchange.fetched_at.isoformat(timespec="milliseconds"),
            content_type=header_value(exchange.response_headers, "Content-Type"),
            content_length=len(exchange.body),
            payload_digest=location.payload_digest,
            warc_filename=location.filename,
            warc_offset=location.offset,
            warc_length=location.length,
            warc_record_id=location.record_id,
            redirect_to=redirect_to,
        )


def capture_row(capture: Capture, crawl_id: int | None) -> dict:
    row = asdict(capture)
    row.pop("id")
    return {**row, "host": host_of(capture.url), "crawl_id": crawl_id}


def article_row(capture: Capture, article: ArticleRecord, crawl_id: int | None) -> dict:
    now = utc_now()
    return {
        "url": capture.url,
        "host": host_of(capture.url),
        "site_name": article.site_name,
        "title": article.title,
        "category": article.category,
        "author": article.author,
        "published": article.published,
        "language": article.language,
        "description": article.description,
        "tags": json.dumps(sorted(set(article.tags) | set(article.categories))),
        "text": article.text,
        "word_count": article.word_count,
        "capture_id": capture.id,
        "crawl_id": crawl_id,
        "first_seen": now,
        "last_seen": now,
    }


def ingest_capture(store: Store, capture: Capture, crawl_id: int | None) -> int:
    """Record a capture; sets and returns `capture.id`."""
    capture.id = store.add_capture(capture_row(capture, crawl_id))
    return capture.id


def ingest_page(
    store: Store, capture: Capture, analysis: PageAnalysis, crawl_id: int | None
) -> bool:
    """Record what a page turned out to be, and its article if it is one. True if an article."""
    assert capture.id is not None, "ingest_capture() first"
    store.set_page_type(capture.id, analysis.page_type)
    if analysis.article is None:
        return False
    store.add_article(article_row(capture, analysis.article, crawl_id))
    return True
