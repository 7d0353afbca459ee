"""Before a crawl runs: one run per source at a time, crashed runs recorded, resume prepared.

A run is keyed by its source's name (or, for `newsarc crawl URL...`, by its start URLs). The
run holds an exclusive lock on a file beside the database for as long as it lives; the kernel
drops the lock when the process dies, however it dies. So whoever holds the lock knows that any
crawl of the same key still marked `running` is dead, and records it as failed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from scrapy.utils.defer import deferred_from_coro

from archive.ingest import ingest_missing_records
from archive.store import Store, utc_now
from archive.warc import Recovered, cdxj_path, recover_open_files, write_cdxj
from crawler.sources import Source, SourcesError, load_sources

logger = logging.getLogger(__name__)

# Finish reasons (and crawls.status) of a crawl stopped because it could not write: a full
# disk, or an I/O error, on the WARC folder or the database (see `stop_crawl`).
WRITE_FAILURES = ("disk_full", "write_error")
# Crawls that stopped before their end, and that the next run of the same key continues.
UNFINISHED = ("failed", "shutdown", "running", *WRITE_FAILURES)
STOPPED_BY_STAT = "newsarc/stopped_by"  # the one-line error of a crawl `stop_crawl` stopped
SQLITE_IOERR, SQLITE_FULL = 10, 13
# How RotatingWarcWriter names files: the stamp, and the writer (pid~host) that wrote them.
WARC_NAME = re.compile(r"-(\d{17})-\d{5}-(\d+~.+\.warc\.gz)$")


class RunLocked(RuntimeError):
    """Another live process is running a crawl with the same key."""


@dataclass
class RunKey:
    """What makes two runs "the same crawl": a source name, or a list of start URLs."""

    source: str | None
    start_urls: list[str]

    @property
    def lock_name(self) -> str:
        if self.source:
            return f"source-{self.source}"
        digest = hashlib.sha1(json.dumps(sorted(self.start_urls)).encode()).hexdigest()
        return f"urls-{digest[:16]}"

    def where(self) -> tuple[str, list[str]]:
        """SQL selecting this key's crawls."""
        if self.source:
            return "source = ?", [self.source]
        return "source IS NULL AND start_urls = ?", [json.dumps(self.start_urls)]


@dataclass
class RunPlan:
    """What `prepare_run` found and did."""

    failed_crawls: list[int] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)
    rows_added: int = 0
    resume_chain: list[int] = field(default_factory=list)


def lock_path(db: Path | str, key: RunKey) -> Path:
    db = Path(db)
    return db.with_name(f".{db.name}.{key.lock_name}.lock")


@contextmanager
def run_lock(db: Path | str, key: RunKey) -> Iterator[BinaryIO]:
    """Hold the run lock of `key` for the duration; RunLocked if a live process holds it."""
    path = lock_path(db, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().decode(errors="replace").strip() or "another process"
            what = f"source {key.source!r}" if key.source else "a crawl of these URLs"
            raise RunLocked(f"{what} is already running ({holder})") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}".encode())
        handle.flush()
        yield handle


def prepare_run(store: Store, warc_dir: Path | str, key: RunKey, resume: bool) -> RunPlan:
    """Under the run lock: record dead runs as failed, close WARC files they left open (adding
    rows for records written after the last commit), and find the crawls to resume."""
    plan = RunPlan(failed_crawls=fail_dead_crawls(store, key))
    plan.recovered = recover_open_files(warc_dir) if Path(warc_dir).is_dir() else []
    for recovered in plan.recovered:
        plan.rows_added += ingest_missing_records(store, recovered.path)
    # A crawl killed just after it closed a file (rotation), or stopped by a full disk, can
    # leave records whose rows were never committed, and a file without its CDXJ index: they
    # get them now, so that the resumed crawl replays those pages instead of fetching them.
    # (The latest crawl too: a run killed while doing this has already marked it failed.)
    reopened = {recovered.path.name for recovered in plan.recovered}
    interrupted = sorted({*plan.failed_crawls, *latest_interrupted(store, key)})
    for path in closed_files_of(store, interrupted, warc_dir):
        if path.name not in reopened:
            plan.rows_added += ingest_missing_records(store, path)
            if not cdxj_path(path).exists():
                try:
                    write_cdxj(path)
                except OSError as exc:  # still no space: `newsarc check --repair` writes it
                    logger.warning("could not index %s: %s", path.name, exc)
    store.flush()
    if resume:
        plan.resume_chain = unfinished_chain(store, key)
    return plan


def fail_dead_crawls(store: Store, key: RunKey) -> list[int]:
    """Crawls of `key` still marked running, whose process is gone (we hold the lock)."""
    where, params = key.where()
    dead = [
        row[0]
        for row in store.db.execute(
            f"SELECT id FROM crawls WHERE status = 'running' AND {where}", params
        )
    ]
    with store.db.conn:
        for crawl_id in dead:
            store.db["crawls"].update(crawl_id, {"status": "failed", "finished_at": utc_now()})
    for crawl_id in dead:
        logger.warning("crawl %d died without finishing: recorded as failed", crawl_id)
    return dead


def latest_interrupted(store: Store, key: RunKey) -> list[int]:
    """The latest crawl of `key`, if it died or a full disk (or an I/O error) stopped it."""
    where, params = key.where()
    found = store.db.execute(
        f"SELECT id, status FROM crawls WHERE {where} ORDER BY id DESC LIMIT 1", params
    ).fetchone()
    return [found[0]] if found and found[1] in ("failed", *WRITE_FAILURES) else []


def closed_files_of(store: Store, crawl_ids: list[int], warc_dir: Path | str) -> list[Path]:
    """The closed WARC files of `warc_dir` these crawls wrote: those their rows name, and the
    later files of the same writers (rotated to after their last commit)."""
    if not crawl_ids or not Path(warc_dir).is_dir():
        return []
    named = [
        row[0]
        for row in store.db.execute(
            "SELECT DISTINCT warc_filename FROM captures "
            f"WHERE crawl_id IN ({', '.join('?' * len(crawl_ids))})",
            crawl_ids,
        )
    ]
    since: dict[str, str] = {}  # writer → its first file's stamp
    for name in named:
        if found := WARC_NAME.search(name or ""):
            stamp, writer = found.groups()
            since[writer] = min(stamp, since.get(writer, stamp))
    files = []
    for path in sorted(Path(warc_dir).glob("*.warc.gz")):
        found = WARC_NAME.search(path.name)
        if path.name in named or (found and found[1] >= since.get(found[2], "~")):
            files.append(path)
    return files


def stop_crawl(crawler: Any, reason: str, message: str) -> None:
    """Stop a crawl that cannot go on (a full disk): nothing new is fetched, the requests in
    flight end, and `message` (the first one) becomes the crawl's one-line error."""
    if crawler.stats.get_value(STOPPED_BY_STAT):
        return
    logger.error("stopping the crawl: %s", message)
    crawler.stats.set_value(STOPPED_BY_STAT, message)
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


def database_failure(exc: sqlite3.Error, db: Path | str) -> tuple[str, str] | None:
    """(finish reason, message) for a database error that no later write can escape (a full
    disk, an I/O error); None for an error of one row."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if code not in (SQLITE_FULL, SQLITE_IOERR):
        return None
    reason = "disk_full" if code == SQLITE_FULL else "write_error"
    return reason, f"{exc} writing the database {db}"


def unfinished_chain(store: Store, key: RunKey) -> list[int]:
    """The latest crawl of `key` if it did not finish, with the unfinished crawls it resumed
    (oldest first): every capture they made is already archived."""
    where, params = key.where()
    found = store.db.execute(
        f"SELECT id, status, resumes FROM crawls WHERE {where} ORDER BY id DESC LIMIT 1", params
    ).fetchone()
    chain: list[int] = []
    while found and found[1] in UNFINISHED:
        chain.insert(0, found[0])
        if found[2] is None:
            break
        found = store.db.execute(
            "SELECT id, status, resumes FROM crawls WHERE id = ?", [found[2]]
        ).fetchone()
    return chain


# --- sources on a schedule ----------------------------------------------------------------


def last_started(db: Path | str, source: str) -> datetime | None:
    """When the latest crawl of a source started, from the `crawls` table."""
    with closing(sqlite3.connect(db)) as conn:
        found = conn.execute(
            "SELECT max(started_at) FROM crawls WHERE source = ?", [source]
        ).fetchone()
    return datetime.fromisoformat(found[0]) if found and found[0] else None


def due_sources(
    db: Path | str,
    sources: list[Source],
    now: datetime | None = None,
    attempted: dict[str, datetime] | None = None,
) -> list[Source]:
    """The sources whose schedule is due, from their last start in `crawls` (or the last
    attempt this process made, for a run that failed before its crawl row was written)."""
    now = now or datetime.now(UTC)
    return [s for s in sources if s.schedule.is_due(last_run(db, s.name, attempted), now)]


def next_due(
    db: Path | str,
    sources: list[Source],
    now: datetime,
    attempted: dict[str, datetime] | None = None,
) -> datetime | None:
    times = [s.schedule.next_run(last_run(db, s.name, attempted), now) for s in sources]
    return min(times) if times else None


def last_run(db: Path | str, source: str, attempted: dict[str, datetime] | None) -> datetime | None:
    started = [when for when in (last_started(db, source), (attempted or {}).get(source)) if when]
    return max(started) if started else None


def source_command(
    sources_file: str, name: str, db: str, warc_dir: str, fast: bool, overrides: tuple[str, ...]
) -> list[str]:
    """The command that crawls one source in a process of its own."""
    command = [sys.executable, "-m", "newsarc", "crawl", "--sources", sources_file,
               "--source", name, "--db", db, "--warc-dir", warc_dir]  # fmt: skip
    if fast:
        command.append("--fast")
    for item in overrides:
        command += ["-s", item]
    return command


class SourceRunner:
    """Runs crawls in child processes, each in a session of its own, so that a Ctrl+C in the
    terminal reaches this process only; a SIGTERM or SIGINT here is passed on once as SIGTERM
    (a second would make Scrapy stop uncleanly) and no further crawl is started."""

    def __init__(self) -> None:
        self.stopping = False
        self.child: subprocess.Popen | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def run(self, command: list[str]) -> int:
        self.child = subprocess.Popen(command, start_new_session=True)
        if self.stopping:  # the signal came while the child was being started
            self.child.send_signal(signal.SIGTERM)
        code = self.child.wait()
        self.child = None
        return code

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _stop(self, signum: int, _frame: object) -> None:
        if self.stopping:
            return
        self.stopping = True
        log(f"received {signal.Signals(signum).name}: stopping after the running crawl")
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)


class Scheduler:
    """`newsarc schedule`: runs due sources one at a time, each in a child process, until a
    SIGTERM or SIGINT."""

    def __init__(
        self, sources_file: str, db: str, warc_dir: str, fast: bool,
        overrides: tuple[str, ...], check_every: float,
    ) -> None:  # fmt: skip
        self.sources_file, self.db, self.warc_dir = sources_file, db, warc_dir
        self.fast, self.overrides, self.check_every = fast, overrides, check_every
        self.runner = SourceRunner()
        self.sources: list[Source] = []
        self.attempted: dict[str, datetime] = {}

    def run_forever(self) -> int:
        self.runner.install()
        log(f"scheduling sources of {self.sources_file} (database {self.db})")
        while not self.runner.stopping:
            self._reload()
            for source in due_sources(self.db, self.sources, attempted=self.attempted):
                if self.runner.stopping:
                    break
                self._run(source)
            self.runner.sleep(self._wait_seconds())
        log("stopped")
        return 0

    def _reload(self) -> None:
        try:
            self.sources = load_sources(self.sources_file)
        except SourcesError as exc:
            log(f"{exc} (keeping the sources read before)")

    def _wait_seconds(self) -> float:
        now = datetime.now(UTC)
        upcoming = next_due(self.db, self.sources, now, self.attempted)
        if upcoming is None:
            return self.check_every
        return min(self.check_every, max(0.1, (upcoming - now).total_seconds()))

    def _run(self, source: Source) -> None:
        log(f"source {source.name!r}: crawl starting")
        self.attempted[source.name] = datetime.now(UTC)
        started = time.monotonic()
        command = source_command(self.sources_file, source.name, self.db, self.warc_dir,
                                 self.fast, self.overrides)  # fmt: skip
        code = self.runner.run(command)
        took = time.monotonic() - started
        if code < 0:
            self._record_crash(source)
        log(f"source {source.name!r}: {self._outcome(code)} after {took:.1f} s")

    def _outcome(self, code: int) -> str:
        if code == 0:
            return "finished"
        if code == 75:
            return "skipped: already running"
        if self.runner.stopping:
            return "stopped (its next run resumes it)"
        return f"failed (exit {code})"

    def _record_crash(self, source: Source) -> None:
        """The crawl was killed: record it as failed now, not at the next run."""
        key = RunKey(source.name, [])
        try:
            with run_lock(self.db, key):
                store = Store(self.db)
                try:
                    fail_dead_crawls(store, key)
                finally:
                    store.close()
        except RunLocked:
            pass


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} newsarc schedule: {message}", file=sys.stderr, flush=True)
