"""The archive pipeline: extraction in a process pool, rows into the SQLite store."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from archive.farm import score_sites
from archive.ingest import (
    Capture,
    SiteProfiles,
    ingest_capture,
    ingest_page,
    ingest_removal,
    ingest_revisit,
)
from archive.store import Store
from archive.stories import StoryClusters
from archive.workers import ignore_interrupts
from crawler import memory
from crawler.judging import LiveJudging
from crawler.runs import database_failure, stop_crawl
from crawler.signals import capture_archived
from extractors import PageAnalysis, analyze_page

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
STORY_UPDATE_SECONDS = 2.0
TRIM_SECONDS = 10.0  # NEWSARC_MALLOC_TRIM_SECONDS: how often free heap goes back (0: never)


@dataclass
class PageItem:
    """An HTML page the spider received, to be analysed and stored."""

    url: str
    capture: Capture | None
    html: str = field(repr=False)
    discovery: str = "link"
    feed_title: str | None = None
    page_type: str | None = None
    title: str | None = None
    known_page_type: str | None = None  # an unchanged or replayed page, analysed before


@contextmanager
def timed(stats: Any, step: str) -> Iterator[None]:
    """Seconds a closing step took, in the crawl's stats (newsarc/seconds/STEP)."""
    started = time.monotonic()
    try:
        yield
    finally:
        stats.set_value(f"newsarc/seconds/{step}", round(time.monotonic() - started, 3))


class ArchivePipeline:
    """Stores every capture, and every page's analysis, in the archive database.

    Captures arrive by the `capture_archived` signal (redirects and errors never reach the
    spider); pages arrive as `PageItem`s and are analysed in a process pool so that
    trafilatura never blocks the reactor.
    """

    analyze = staticmethod(analyze_page)  # run in the pool; must be importable by workers

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.store = Store(settings.get("NEWSARC_DB"), settings.getint("NEWSARC_DB_BATCH_SIZE"))
        self.workers = settings.getint("NEWSARC_EXTRACT_WORKERS") or os.cpu_count() or 1
        self.pool: ProcessPoolExecutor | None = None
        self.committer = LoopingCall(self.commit)
        self.crawl_id: int | None = None
        # The profiles' big counts go to a hidden folder beside the database, removed at the end.
        self.profile_spill = tempfile.TemporaryDirectory(
            prefix=f".{self.store.path.name}-profiles-", dir=self.store.path.parent
        )
        self.profiles = SiteProfiles(self.store, spill=Path(self.profile_spill.name))
        self.stories = StoryClusters(self.store)
        self.clusterer = LoopingCall(self.update_stories)
        from twisted.internet import reactor  # noqa: PLC0415 - the one Scrapy installed

        self.judging = LiveJudging(self.store, self.writing, reactor.callFromThread)
        self.trim_every = settings.getfloat("NEWSARC_MALLOC_TRIM_SECONDS", TRIM_SECONDS)
        self.trimmer = LoopingCall(memory.trim)
        self.database_broken = False  # a full disk under it: nothing more is written
        crawler.signals.connect(self.capture_archived, signal=capture_archived)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        start_urls = [
            *getattr(spider, "start_urls", []),
            *getattr(spider, "feed_urls", []),
            *getattr(spider, "sitemap_urls", []),
        ]
        warc_dir = self.crawler.settings.get("NEWSARC_WARC_DIR")
        # Absolute, so that the replay routes find the files whatever folder serves them.
        warc_dir = str(Path(warc_dir).resolve()) if warc_dir else ""
        settings = self.crawler.settings
        resumed = [int(n) for n in settings.getlist("NEWSARC_RESUME_CRAWLS")]
        self.crawl_id = self.store.start_crawl(
            start_urls,
            warc_dir,
            source=settings.get("NEWSARC_SOURCE") or None,
            resumes=resumed[-1] if resumed else None,
        )
        self.crawler.stats.set_value("newsarc/crawl_id", self.crawl_id)
        self.pool = self._new_pool()
        self.committer.start(self.store.max_age, now=False)
        loaded = self.stories.load()
        logger.info("story clusters: %d articles' signatures loaded", loaded)
        self.clusterer.start(STORY_UPDATE_SECONDS, now=False)
        if self.trim_every > 0 and memory.available():
            self.trimmer.start(self.trim_every, now=False)

    def capture_archived(self, capture: Capture, response: Any) -> None:
        if self.database_broken:  # no more rows: see database_failed
            return
        # The WARC record exists whatever happens here: reindex can add the row later.
        with self.writing(f"store the capture of {capture.url}"), self.store.unit():
            ingest_capture(self.store, capture, self.crawl_id)
            if capture.record_type == "revisit":
                ingest_revisit(self.store, capture)
                self.crawler.stats.inc_value("newsarc/unchanged")
            elif ingest_removal(self.store, capture):
                self.crawler.stats.inc_value("newsarc/articles_removed")

    def commit(self) -> None:
        """The periodic commit; a full disk stops the crawl (see `database_failed`)."""
        if self.database_broken:
            return
        with self.writing("commit to the database"):
            self.store.flush()

    @contextmanager
    def writing(self, what: str) -> Iterator[None]:
        """Writes whose database errors are logged and counted, and stop the crawl when no
        later write can succeed (see `database_failed`)."""
        try:
            yield
        except sqlite3.Error as exc:
            logger.error("could not %s: %s", what, exc)
            self.crawler.stats.inc_value("newsarc/db_errors")
            self.database_failed(exc)

    def database_failed(self, exc: sqlite3.Error) -> None:
        """A full disk (or an I/O error) under the database, or any error that cost the open
        transaction: no later row can be stored safely, since the rows of pages still in
        flight would point at captures that were rolled back. So stop the crawl rather than
        archive pages without rows. What was committed stays consistent, and the next run adds
        the rows of the records written since (crawler/runs.py prepare_run)."""
        failure = database_failure(exc, self.store.path)
        if failure is None and self.store.in_transaction:
            return  # an error of one statement: the transaction goes on
        self.store.rollback()
        self.database_broken = True
        self.judging.running.clear()  # judgments still running: nothing more is stored
        stop_crawl(self.crawler, *(failure or ("write_error", f"{exc} writing the database")))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        if item.capture is None or item.capture.id is None:
            raise DropItem(f"{item.url} has no stored capture (see errors above)")
        if self.database_broken:
            # Its capture row may have been rolled back (and its id given to another row):
            # the next run adds the rows of what the WARC files hold.
            raise DropItem(f"{item.url}: the database cannot be written")
        if item.known_page_type:  # unchanged since its last capture, or replayed on resume
            item.page_type, item.html = item.known_page_type, ""
            return item
        analysis = await self._analyze(item)
        if self.database_broken:  # it broke while the page was being analysed
            raise DropItem(f"{item.url}: the database cannot be written")
        for fault in analysis.faults:
            self.crawler.stats.inc_value(f"newsarc/content/{fault}")
        with self.writing(f"store the page {item.url}"):
            article_id = ingest_page(
                self.store, item.capture, analysis, self.crawl_id, self.profiles
            )
            if article_id is not None:
                self.crawler.stats.inc_value("newsarc/articles")
                self.stories.add(article_id)
                self.judging.add(article_id)
        if self.database_broken:
            raise DropItem(f"{item.url}: the database cannot be written")
        self.crawler.stats.inc_value(f"newsarc/pages/{analysis.page_type}")
        item.page_type, item.title, item.html = analysis.page_type, analysis.title, ""
        return item

    async def _analyze(self, item: PageItem) -> PageAnalysis:
        """Analyse in the pool; a worker that dies is replaced and the page tried once more."""
        error: BaseException | None = None
        for _attempt in range(2):
            pool = self.pool
            assert pool is not None
            try:
                future = pool.submit(self.analyze, item.html, item.url, feed_title=item.feed_title)
                return await asyncio.wrap_future(future)
            except BrokenProcessPool as exc:
                error = exc
                self._replace_pool(pool)
            except Exception as exc:  # a page that breaks the extractor must not stop the crawl
                error = exc
                break
        logger.warning("extraction failed for %s: %r", item.url, error)
        self.crawler.stats.inc_value("newsarc/extract_errors")
        return PageAnalysis(page_type="error", reason=f"extraction failed: {error!r}")

    def _replace_pool(self, broken: ProcessPoolExecutor) -> None:
        if self.pool is not broken:  # another page already replaced it
            return
        logger.error("an extraction worker died; starting a new pool")
        self.crawler.stats.inc_value("newsarc/extract_pool_restarts")
        broken.shutdown(wait=False, cancel_futures=True)
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn: forking a process that runs the reactor and its threads is unsafe.
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=ignore_interrupts)

    def update_stories(self) -> None:
        """Cluster the articles stored since the last call (every few seconds)."""
        if self.database_broken:
            return
        started = time.monotonic()
        with self.writing("store story clusters"):  # finish() signs and clusters them again
            with self.store.unit():
                self.stories.update()
            spent = time.monotonic() - started
            self.crawler.stats.inc_value("newsarc/seconds/stories_live", round(spent, 3))
        if self.pool is not None and not self.database_broken:
            with self.writing("judge the new articles"):  # once placed in their stories
                self.judging.submit(self.pool)

    def close_spider(self) -> None:
        for task in (self.committer, self.clusterer, self.trimmer):
            if task.running:
                task.stop()
        stats = self.crawler.stats
        with timed(stats, "judging_live"):  # (nothing is stored once the database broke)
            stats.set_value("newsarc/articles_judged_live", self.judging.finish())
        if self.database_broken:  # the next run (a resume) does this work
            self.stories.close()
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
            return
        # Now that every page of this crawl is known: clean their sites' articles once more,
        # cluster the stories, then judge articles and sites (content-farm signals).
        with timed(stats, "reclean"):
            try:
                recleaned = self.profiles.finish(self.pool)
            except BrokenProcessPool:  # a worker died: clean in this process (the same rows)
                recleaned = self.profiles.finish()
            stats.set_value("newsarc/articles_recleaned", recleaned)
        with timed(stats, "stories"):
            copied = self.stories.finish()
        with timed(stats, "signals"):
            hosts = set(self.profiles.profiles) | copied
            try:
                judged = score_sites(self.store, hosts, self.stories.rejudge, self.pool)
            except BrokenProcessPool:  # a worker died: judge in this process
                judged = score_sites(self.store, hosts, self.stories.rejudge)
        stats.set_value("newsarc/articles_judged", judged)
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def spider_closed(self, reason: str) -> None:
        self.profile_spill.cleanup()  # the profiles were saved by close_spider
        assert self.crawl_id is not None
        status = "finished" if reason == "finished" else reason
        stats = self.crawler.stats.get_stats()
        try:
            self.store.finish_crawl(self.crawl_id, status, stats)
            self.store.close()
        except sqlite3.Error as exc:  # a full disk: the crawl stays "running", and the next
            # run records it as failed (and resumes it) once it holds the run lock
            logger.error("could not record the end of crawl %d: %s", self.crawl_id, exc)
            self.store.rollback()
