"""Capture → database rows: the one path shared by the live crawl and reindex."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archive.store import Row, Store, chunked
from archive.warc import HttpExchange, WarcLocation
from archive.workers import in_order
from extractors import ArticleRecord, PageAnalysis
from extractors.boilerplate import Lesson, SiteProfile
from extractors.counts import Spill
from extractors.site import clean_record, learn_record
from extractors.urls import host_of


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
    record_type: str = "response"
    revisit_of: int | None = None  # for a revisit: the capture whose record holds the payload
    refers_to: str | None = None  # for a revisit: that record's WARC-Record-ID, if known
    etag: str | None = None
    last_modified: str | None = None
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
            record_type=location.record_type,
            etag=header_value(exchange.response_headers, "ETag"),
            last_modified=header_value(exchange.response_headers, "Last-Modified"),
        )


def capture_from_record(
    record: ArcWarcRecord, filename: str, offset: int, length: int, body_length: int
) -> Capture:
    """The capture a response or revisit record holds, as the live crawl would have made it."""
    headers = list(record.http_headers.headers) if record.http_headers else []
    status = int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0
    url = record.rec_headers.get_header("WARC-Target-URI")
    location = header_value(headers, "Location")
    when = datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"))
    return Capture(
        url=url,
        status=status,
        fetched_at=when.isoformat(timespec="milliseconds"),
        content_type=header_value(headers, "Content-Type"),
        content_length=body_length,
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
        warc_filename=filename,
        warc_offset=offset,
        warc_length=length,
        warc_record_id=record.rec_headers.get_header("WARC-Record-ID"),
        redirect_to=urljoin(url, location) if 300 <= status < 400 and location else None,
        record_type=record.rec_type,
        refers_to=record.rec_headers.get_header("WARC-Refers-To"),
        etag=header_value(headers, "ETag"),
        last_modified=header_value(headers, "Last-Modified"),
    )


def ingest_missing_records(store: Store, path: Path) -> int:
    """Add a captures row for every response or revisit record of a WARC file that has none
    (records written after the last commit of a crawl that was killed). Returns how many."""
    store.flush()
    known = {
        row[0]
        for row in store.db.execute(
            "SELECT warc_record_id FROM captures WHERE warc_filename = ?", [path.name]
        )
    }
    crawl = store.db.execute(
        "SELECT crawl_id FROM captures WHERE warc_filename = ? LIMIT 1", [path.name]
    ).fetchone()
    added = 0
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_type not in ("response", "revisit"):
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            body_length = len(record.raw_stream.read())
            if record_id in known:
                continue
            offset, length = iterator.get_record_offset(), iterator.get_record_length()
            capture = capture_from_record(record, path.name, offset, length, body_length)
            capture.revisit_of = store.capture_id_of(
                record.rec_headers.get_header("WARC-Refers-To")
            )
            ingest_capture(store, capture, crawl[0] if crawl else None)
            added += 1
    store.flush()
    return added


def capture_row(capture: Capture, crawl_id: int | None) -> dict:
    row = vars(capture).copy()  # its fields, in order (all plain values: no asdict copies)
    row.pop("id")
    return {**row, "host": host_of(capture.url), "crawl_id": crawl_id}


# What site-level cleaning changes; the page-level values are kept to clean again later.
SITE_CLEANED = ("title", "site_name", "category", "text", "word_count")


def article_row(
    capture: Capture, page: ArticleRecord, cleaned: ArticleRecord, crawl_id: int | None
) -> dict:
    """The articles row: `cleaned` for the columns, `page` (before site cleaning) kept aside."""
    now = capture.fetched_at
    return {
        "url": capture.url,
        "host": host_of(capture.url),
        **{name: getattr(cleaned, name) for name in SITE_CLEANED},
        "author": cleaned.author,
        "published": cleaned.published,
        "modified": cleaned.modified,
        "language": cleaned.language,
        "description": cleaned.description,
        "image": cleaned.image,
        "canonical_url": cleaned.canonical_url,
        "tags": json.dumps(list(dict.fromkeys([*cleaned.tags, *cleaned.categories]))),
        "raw_title": page.raw_title,
        "raw_text": page.text,
        "page_extraction": json.dumps(
            {"title": page.title, "site_name": page.site_name, "category": page.category},
            ensure_ascii=False,
        ),
        "capture_id": capture.id,
        "crawl_id": crawl_id,
        "first_seen": now,
        "last_seen": now,
    }


def page_record(row: dict) -> ArticleRecord:
    """The page-level extraction of a stored article, enough to clean it again."""
    if row["page_extraction"]:
        page = json.loads(row["page_extraction"])
    else:  # stored by an older newsarc: its columns are all there is
        page = {name: row[name] for name in ("title", "site_name", "category")}
    text = row["raw_text"] or row["text"] or ""
    return ArticleRecord(
        url=row["url"],
        title=page.get("title"),
        text=text,
        site_name=page.get("site_name"),
        category=page.get("category"),
        author=row["author"],
        published=row["published"],
        language=row["language"],
        description=row["description"],
        raw_title=row["raw_title"],
        # A stored article's count is its stored text's: the page's text as reindex stores it.
        word_count=(row.get("word_count") or 0) if text == row.get("text") else 0,
    )


class SiteProfiles:
    """The site profiles a crawl or reindex learns, loaded from and saved to `sites`."""

    def __init__(
        self, store: Store, defer_cleaning: bool = False, spill: Path | None = None
    ) -> None:
        self.store = store
        self.profiles: dict[str, SiteProfile] = {}
        # Reindex: a new article is stored as its page gave it and cleaned once, by finish().
        self.defer_cleaning = defer_cleaning
        # Where the profiles' big counts go (a folder its owner removes), None: in memory.
        self.spill = Spill(spill) if spill is not None else None

    def __getitem__(self, host: str) -> SiteProfile:
        if host not in self.profiles:
            stored = self.store.load_profile(host)
            profile = SiteProfile.from_json(stored) if stored else SiteProfile(host)
            if self.spill is not None:
                profile.spill_to(self.spill)
            self.profiles[host] = profile
        return self.profiles[host]

    def finish(self, executor: Executor | None = None) -> int:
        """Clean every stored article of the sites seen with their final profile (in
        `executor`'s processes when one is given); save them.

        Returns how many articles changed.
        """
        changed = 0
        for host, profile in sorted(self.profiles.items()):
            changed += reclean_site(self.store, profile, executor)
            boilerplate = profile.lines.at_least(profile.threshold())
            self.store.save_profile(host, profile.to_json(), profile.title_affixes(), boilerplate)
        self.store.flush()
        return changed


RECLEAN_TASK = 128  # articles cleaned in one round trip to a worker process
RECLEAN_TASKS_RUNNING = 4


def reclean_site(store: Store, profile: SiteProfile, executor: Executor | None = None) -> int:
    changed = 0
    rows = store.site_articles(profile.host)
    for row, values in recleaned(rows, profile, executor, store.path.parent):
        if any(row[name] != value for name, value in values.items()):
            store.update_article(row["id"], values)
            changed += 1
    return changed


def recleaned(
    rows: Iterable[Row], profile: SiteProfile, executor: Executor | None, folder: Path
) -> Iterator[tuple[Row, Row]]:
    """Each row, and its SITE_CLEANED values cleaned with `profile`: here, or a few tasks at a
    time in `executor`, in the order of the rows. The workers read the profile's cleaning
    view from a file in a hidden folder in `folder`, once each: sent with every task, a big
    site's profile would cost more than the cleaning."""
    shared = saved_view(profile, folder) if executor is not None else None
    if executor is None or shared is None:
        for row in rows:
            yield row, cleaned_values(clean_record(page_record(row), profile))
        return
    with shared:
        saved = str(Path(shared.name) / "profile.json")
        calls = (
            (chunk, clean_records, (saved, [page_record(row) for row in chunk]))
            for chunk in chunked(rows, RECLEAN_TASK)
        )
        for chunk, values in in_order(executor, calls, RECLEAN_TASKS_RUNNING):
            yield from zip(chunk, values, strict=True)


def saved_view(profile: SiteProfile, folder: Path) -> tempfile.TemporaryDirectory | None:
    """A hidden folder in `folder` holding the profile's cleaning view (profile.json), or None
    when it cannot be written (a full disk, a folder gone): then the caller cleans itself."""
    try:
        shared = tempfile.TemporaryDirectory(prefix=".newsarc-reclean-", dir=folder)
    except OSError:
        return None
    try:
        view = profile.cleaning_view().to_json()
        (Path(shared.name) / "profile.json").write_text(view, encoding="utf-8")
    except OSError:
        shared.cleanup()
        return None
    return shared


def cleaned_values(cleaned: ArticleRecord) -> Row:
    return {name: getattr(cleaned, name) for name in SITE_CLEANED}


_worker_profile: dict[str, SiteProfile] = {}  # in a worker process: the last profile read


def clean_records(saved_profile: str, records: list[ArticleRecord]) -> list[Row]:
    """In a worker process: the SITE_CLEANED values of each record cleaned with the profile
    saved in this file (read once for the tasks of one site: each site's file is new)."""
    profile = _worker_profile.get(saved_profile)
    if profile is None:
        _worker_profile.clear()
        text = Path(saved_profile).read_text(encoding="utf-8")
        profile = _worker_profile[saved_profile] = SiteProfile.from_json(text)
    return [cleaned_values(clean_record(record, profile)) for record in records]


def ingest_capture(store: Store, capture: Capture, crawl_id: int | None) -> int:
    """Record a capture; sets and returns `capture.id`."""
    capture.id = store.add_capture(capture_row(capture, crawl_id))
    return capture.id


def ingest_page(
    store: Store,
    capture: Capture,
    analysis: PageAnalysis,
    crawl_id: int | None,
    profiles: SiteProfiles,
    lesson: Lesson | None = None,
) -> int | None:
    """Record what a page turned out to be, and its article if it is one: its id, or None.

    The article teaches its site's profile (`lesson`: what it teaches, if computed already),
    then is cleaned with what the profile knows now; `profiles.finish()` cleans it again with
    the final profile. A new version is recorded when its cleaned title or text differs from
    the stored article's, both cleaned with the same profile (so a line learned as
    boilerplate since is no change).
    """
    assert capture.id is not None, "ingest_capture() first"
    with store.unit():
        return store_page(store, capture, analysis, crawl_id, profiles, lesson)


def store_page(
    store: Store,
    capture: Capture,
    analysis: PageAnalysis,
    crawl_id: int | None,
    profiles: SiteProfiles,
    lesson: Lesson | None = None,
) -> int | None:
    assert capture.id is not None
    store.set_page_type(capture.id, analysis.page_type)
    store.add_trackers(host_of(capture.url), analysis.trackers, capture.fetched_at)
    page = analysis.article
    if page is None:
        return None
    profile = profiles[host_of(capture.url)]
    learn_record(profile, page, lesson)
    stored = store.article_by_url(capture.url)
    if stored is None and profiles.defer_cleaning:
        cleaned, new_version = page, True
    else:
        cleaned = clean_record(page, profile)
        new_version = stored is None or content_changed(
            clean_stored(store, stored, profiles), cleaned
        )
    row = {**article_row(capture, page, cleaned, crawl_id), "ad_slots": analysis.ad_slots}
    return store.add_article(row, capture.fetched_at, new_version, new=stored is None)


def clean_stored(store: Store, stored: dict, profiles: SiteProfiles) -> ArticleRecord:
    """A stored article cleaned with its site's profile as it is now (and, when cleaning is
    deferred, stored so: its version is about to be followed by another)."""
    cleaned = clean_record(page_record(stored), profiles[host_of(stored["url"])])
    if profiles.defer_cleaning:
        store.update_article(stored["id"], cleaned_values(cleaned))
    return cleaned


def content_changed(before: ArticleRecord, after: ArticleRecord) -> bool:
    """Whether the headline or the text changed, whitespace aside."""
    return any(
        " ".join((getattr(before, name) or "").split())
        != " ".join((getattr(after, name) or "").split())
        for name in ("title", "text")
    )


def ingest_revisit(store: Store, capture: Capture) -> None:
    """A capture whose content is unchanged: it is what its original was, and the article it
    holds is still there."""
    assert capture.id is not None, "ingest_capture() first"
    if capture.revisit_of is not None:
        store.copy_page_type(capture.revisit_of, capture.id)
    store.touch_article(capture.url, capture.fetched_at)


def ingest_removal(store: Store, capture: Capture) -> bool:
    """A 404 or 410 for a URL that held an article: the article is marked removed."""
    return capture.status in (404, 410) and store.mark_removed(capture.url, capture.fetched_at)
