"""Rebuild (or bring up to date) the database from WARC files alone.

The WARCs may be newsarc's own or another tool's (wget, Heritrix, Browsertrix, Common Crawl):
WARC/1.0 or 1.1, `.warc` or `.warc.gz`, chunked bodies as received, revisit records with or
without `WARC-Refers-To`. Every response and revisit record goes through the same capture →
rows path as the live crawl (`archive.ingest`); HTML pages are analysed in a process pool, in
batches, while this process reads on; results are applied in record order, so versions,
revisits and removals come out as the live crawl made them. A page's body goes to the pool as
stored (compressed, mostly): the worker decodes it, and returns with its analysis what its
article teaches its site's profile. The new articles of the pages applied at a time are
inserted together (`Store.batched_new_articles`: one full-text index segment). Site profiles
are learned from every page before the final cleaning (`SiteProfiles.finish()`, in the pool
too). Records already in the database (by WARC-Record-ID) are skipped, so running it twice
changes nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from w3lib.encoding import http_content_type_encoding
from warcio.archiveiterator import ArchiveIterator

from archive.farm import score_sites
from archive.ingest import (
    Capture,
    SiteProfiles,
    capture_from_record,
    ingest_capture,
    ingest_page,
    ingest_removal,
    ingest_revisit,
)
from archive.store import Store
from archive.stories import StoryClusters
from archive.warc import body_encodings, decode_payload
from archive.workers import ignore_interrupts, worker_context
from extractors import PageAnalysis, analyze_page, decode_html, looks_like_html
from extractors.boilerplate import Lesson
from extractors.site import record_lesson

BATCH_SIZE = 16  # pages per task sent to a worker: fewer, larger messages
WARC_SUFFIXES = (".warc", ".warc.gz")
Encodings = tuple[str | None, bool]  # a body's content encoding, and whether it is chunked
DECODED: Encodings = (None, False)


@dataclass
class ReindexStats:
    files: int = 0
    records: int = 0
    captures: int = 0
    skipped: int = 0  # already in the database
    pages: int = 0
    articles: int = 0
    revisits: int = 0
    unresolved_revisits: int = 0
    removed: int = 0
    recleaned: int = 0
    bytes_read: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # STEPS → wall seconds


# What a reindex does, in order: read the WARCs and analyse their pages (in the pool); clean the
# sites' articles with what was learned from all their pages; cluster the stories; judge the
# articles and sites (farm signals).
STEPS = ("extraction", "re-cleaning", "story clusters", "farm signals")


@dataclass
class Job:
    """One capture, waiting (in record order) for what follows its insertion."""

    capture: Capture
    kind: str  # "page" (to analyse), "revisit", or "other"
    crawl_id: int | None = None
    body: bytes = b""  # as stored, encoded as `encodings` says
    encodings: Encodings = DECODED
    future: Future | None = None
    index: int = 0
    analysis: Analysed | None = field(default=None, repr=False)


def warc_files(paths: Iterable[Path | str], since: str | None = None) -> list[Path]:
    """The WARC files named or inside the folders named, sorted by name (ours sort by time).

    `since` (a file name) keeps the files whose name sorts at or after it. Files still being
    written (`.open`) are left out.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.name.endswith(WARC_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    unique = sorted(dict.fromkeys(p.resolve() for p in found), key=lambda p: (p.name, str(p)))
    return [p for p in unique if since is None or p.name >= since]


Analysed = tuple[PageAnalysis, Lesson | None]  # a page, and what its article teaches its site


def analyze_batch(
    pages: list[tuple[bytes, Encodings, str | None, str]],
) -> list[Analysed | None]:
    """In a worker: decode and analyse a batch of HTML pages (None: a body that decodes to
    nothing, which is no page)."""
    results: list[Analysed | None] = []
    for raw, encodings, content_type, url in pages:
        body = decode_payload(raw, *encodings)
        if not body:
            results.append(None)
            continue
        html = decode_html(body, http_content_type_encoding(content_type or ""))
        try:
            analysis = analyze_page(html, url)
        except Exception as exc:  # noqa: BLE001 - one bad page must not stop a reindex
            analysis = PageAnalysis(page_type="error", reason=f"extraction failed: {exc!r}")
        article = analysis.article
        results.append((analysis, record_lesson(article) if article is not None else None))
    return results


def page_body(capture: Capture, raw: bytes, encodings: Encodings) -> tuple[bytes, Encodings] | None:
    """The body to analyse, and its encodings, if the capture may be what the live crawl
    extracts: a 2xx answer in HTML (whose body decodes to something, which the worker tells).
    Only a body without a Content-Type is decoded here, to see whether it is HTML."""
    if not 200 <= capture.status < 300 or capture.record_type != "response" or not raw:
        return None
    content_type = (capture.content_type or "").lower()
    if content_type:
        return (raw, encodings) if "html" in content_type else None
    body = decode_payload(raw, *encodings)
    return (body, DECODED) if body and looks_like_html(body) else None


class Reindexer:
    """Reads WARC files in order and writes their rows into a database."""

    def __init__(
        self,
        db: Path | str,
        workers: int | None = None,
        since_date: datetime | None = None,
        on_progress: Callable[[int, ReindexStats], None] | None = None,  # (bytes read, stats)
        on_step: Callable[[str], None] | None = None,  # one of STEPS starts
    ) -> None:
        self.store = Store(db)
        # The profiles' big counts go to a hidden folder beside the database, removed by run().
        self.profile_spill = tempfile.TemporaryDirectory(
            prefix=f".{self.store.path.name}-profiles-", dir=self.store.path.parent
        )
        spill = Path(self.profile_spill.name)
        self.profiles = SiteProfiles(self.store, defer_cleaning=True, spill=spill)
        self.workers = workers or os.cpu_count() or 1
        self.since_date = since_date
        self.on_progress = on_progress
        self.on_step = on_step
        self.stats = ReindexStats()
        self.queue: deque[Job] = deque()
        self.batch: list[Job] = []
        self.in_flight: deque[Future] = deque()
        self.pool: ProcessPoolExecutor | None = None
        self._step_started = 0.0

    def run(self, files: list[Path]) -> ReindexStats:
        context = worker_context()
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=ignore_interrupts
        ) as pool:
            self.pool = pool
            self._step("extraction")
            for path in files:
                self._read_file(path)
            self._submit_batch()
            self._drain(block=True)
            self._step("re-cleaning")
            self.stats.recleaned = self.profiles.finish(pool)
            self._step("story clusters")
            stories = StoryClusters(self.store, executor=pool)
            copied = stories.finish()
            self._step("farm signals")
            hosts = set(self.profiles.profiles) | copied
            score_sites(self.store, hosts, stories.rejudge, pool)
            self._step(None)
        self.store.close()
        self.profile_spill.cleanup()
        return self.stats

    def _step(self, name: str | None) -> None:
        """End the step under way (its wall time goes to stats.steps) and start `name`."""
        now = time.monotonic()
        if self.stats.steps:
            last = next(reversed(self.stats.steps))
            self.stats.steps[last] = now - self._step_started
        if name is not None:
            self.stats.steps[name] = 0.0
            if self.on_step:
                self.on_step(name)
        self._step_started = now

    def _read_file(self, path: Path) -> None:
        self.stats.files += 1
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                self.stats.records += 1
                if record.rec_type in ("response", "revisit"):
                    self._read_record(record, iterator, path)
                self._drain(block=False)
                if self.on_progress and self.stats.records % 64 == 0:
                    self.on_progress(self.stats.bytes_read + stream.tell(), self.stats)
        self.stats.bytes_read += path.stat().st_size
        if self.on_progress:
            self.on_progress(self.stats.bytes_read, self.stats)

    def _read_record(self, record, iterator: ArchiveIterator, path: Path) -> None:
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if self._too_old(record) or self.store.capture_id_of(record_id) is not None:
            self.stats.skipped += 1
            return
        raw = record.raw_stream.read()  # the body as stored
        offset, length = iterator.get_record_offset(), iterator.get_record_length()
        capture = capture_from_record(record, path.name, offset, length, len(raw))
        crawl_id = self.store.reindex_crawl(str(path.parent))  # only once something is new
        job = Job(capture, "other", crawl_id)
        if record.rec_type == "revisit":
            job.kind = "revisit"
            capture.revisit_of = self._original_of(record, capture)
        elif found := page_body(capture, raw, body_encodings(record.http_headers)):
            job.kind = "page"
            job.body, job.encodings = found
        ingest_capture(self.store, capture, crawl_id)
        self.stats.captures += 1
        self.queue.append(job)
        if job.kind == "page":
            self.batch.append(job)
            if len(self.batch) >= BATCH_SIZE:
                self._submit_batch()

    def _too_old(self, record) -> bool:
        if self.since_date is None:
            return False
        when = record.rec_headers.get_header("WARC-Date") or ""
        try:
            return datetime.fromisoformat(when.replace("Z", "+00:00")) < self.since_date
        except ValueError:
            return False

    def _original_of(self, record, capture: Capture) -> int | None:
        """The capture a revisit refers to: by WARC-Refers-To, else by URI and digest."""
        found = self.store.capture_id_of(record.rec_headers.get_header("WARC-Refers-To"))
        if found is None:
            uri = record.rec_headers.get_header("WARC-Refers-To-Target-URI") or capture.url
            found = self.store.capture_id_by_digest(uri, capture.payload_digest)
        if found is None:
            self.stats.unresolved_revisits += 1
        return found

    def _submit_batch(self) -> None:
        if not self.batch:
            return
        assert self.pool is not None
        pages = [
            (job.body, job.encodings, job.capture.content_type, job.capture.url)
            for job in self.batch
        ]
        future = self.pool.submit(analyze_batch, pages)
        for index, job in enumerate(self.batch):
            job.future, job.index, job.body = future, index, b""
        self.in_flight.append(future)
        self.batch = []
        # Bounded work in flight: memory stays flat whatever the number of records.
        while len(self.in_flight) > self.workers * 3:
            wait([self.in_flight[0]], return_when=FIRST_COMPLETED)
            self._drain(block=False)

    def _drain(self, block: bool) -> None:
        """Apply the results at the head of the queue, in record order."""
        try:
            with self.store.batched_new_articles():
                self._apply_ready(block)
        finally:
            while self.in_flight and self.in_flight[0].done():
                self.in_flight.popleft()

    def _apply_ready(self, block: bool) -> None:
        while self.queue:
            job = self.queue[0]
            if job.kind == "page":
                if job.future is None:
                    if not block:
                        return
                    self._submit_batch()
                assert job.future is not None
                if not block and not job.future.done():
                    return
                job.analysis = job.future.result()[job.index]
            self.queue.popleft()
            self._apply(job)

    def _apply(self, job: Job) -> None:
        capture = job.capture
        if job.kind == "page" and job.analysis is None:  # its body decoded to nothing
            job.kind = "other"
        if job.kind == "page":
            assert job.analysis is not None
            self.stats.pages += 1
            analysis, lesson = job.analysis
            if ingest_page(self.store, capture, analysis, job.crawl_id, self.profiles, lesson):
                self.stats.articles += 1
        elif job.kind == "revisit":
            self.stats.revisits += 1
            ingest_revisit(self.store, capture)
        elif ingest_removal(self.store, capture):
            self.stats.removed += 1
