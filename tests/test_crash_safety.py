"""Crash safety: a crawl SIGKILLed at random moments and resumed each time, and a crawl that
fills its disk. The archive is never corrupt and never points at a missing record, and in the
end it holds every page, once."""

from __future__ import annotations

import errno
import io
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

import archive.warc
from archive.check import check_archive
from archive.warc import (
    OPEN_SUFFIX,
    HttpExchange,
    RotatingWarcWriter,
    WarcWriteError,
    complete_records_end,
    read_response,
)
from conftest import warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

SEED = 20261129
KILLS = 5
# Small WARC files: the crawl rotates files every few hundred pages, so that some kills land
# around a file's close (its rename, its index, rows not yet committed).
WARC_MAX_SIZE = 400_000
# The killed crawls commit every 20 rows (500 by default, or every 2 s): their committed
# captures, which say when to kill them, lag their progress by no more than that.
CRASH_BATCH = 20
# What a killed crawl may leave, before the next run (or `newsarc check --repair`) mends it:
# its `.open` file, torn at the end; records whose rows were not committed yet; a closed file
# whose CDXJ index was not written yet. Anything else is damage.
MENDABLE = {"open", "truncated", "no-row", "cdxj"}


@pytest.fixture(scope="module")
def allow_private() -> list[str]:
    """`--allow-private` if this newsarc has the address guard (the demo sites are local)."""
    shown = subprocess.run([sys.executable, "-m", "newsarc", "crawl", "--help"],
                           capture_output=True, text=True)  # fmt: skip
    return ["--allow-private"] if "--allow-private" in shown.stdout else []


def crawl_command(
    bases: dict[str, str], db: Path, warc_dir: Path, allow: list[str], *extra: str
) -> list[str]:
    return [sys.executable, "-m", "newsarc", "crawl", *bases.values(), "--fast", *allow,
            "--db", str(db), "--warc-dir", str(warc_dir), *extra]  # fmt: skip


def newest_crawl(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0]
    except sqlite3.Error:
        return 0


def committed_captures(db: Path, after_crawl: int = 0) -> int:
    """Captures committed by crawls newer than `after_crawl`."""
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            query = "SELECT count(*) FROM captures WHERE crawl_id > ?"
            return conn.execute(query, [after_crawl]).fetchone()[0]
    except sqlite3.Error:
        return 0


def records(warcs: list[Path], types: tuple[str, ...] = ("response",)) -> Counter[str]:
    """Target URI → number of records of these types."""
    urls: Counter[str] = Counter()
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in types:
                    urls[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return urls


def record_ids(warcs: list[Path]) -> set[str]:
    ids = set()
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    return ids


def site_paths(urls: set[str], bases: dict[str, str]) -> set[str]:
    """URLs with each site's base (its port changes from run to run) replaced by its name."""
    by_base = sorted(((base, key) for key, base in bases.items()), key=lambda p: -len(p[0]))
    return {next((key + url[len(base):] for base, key in by_base if url.startswith(base)), url)
            for url in urls}  # fmt: skip


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash-sites")
    build_sites(folder, articles_per_site=150)
    return folder


@pytest.fixture(scope="module")
def complete(
    sites: Path, allow_private: list[str], tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """An uninterrupted crawl of the sites: what the interrupted ones must end up with."""
    out = tmp_path_factory.mktemp("complete")
    with running_sites(sites) as bases:
        command = crawl_command(bases, out / "a.db", out / "warcs", allow_private)
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(out / "a.db") as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        captures = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    warcs = list((out / "warcs").glob("*.warc.gz"))
    return {
        "pages": site_paths(set(records(warcs)), bases),
        "articles": articles,
        "captures": captures,
        "warc_bytes": sum(path.stat().st_size for path in warcs),
        "db_bytes": (out / "a.db").stat().st_size,
    }


# --- what must hold after any crash ---------------------------------------------------------


def assert_consistent_after_a_crash(db: Path, warc_dir: Path) -> None:
    """The state a SIGKILL leaves: an intact database whose every row reads its record, and
    WARC files whose every complete record reads; only what a resume (or --repair) mends."""
    if not db.exists():
        return  # killed before the database was made
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute(
            "SELECT warc_filename, warc_offset, warc_length, warc_record_id FROM captures"
        ).fetchall()
    # Every row reads back its record, in a closed file or one left open.
    for name, offset, length, record_id in rows:
        path = warc_dir / name
        if not path.exists():
            path = warc_dir / (name + OPEN_SUFFIX)
        assert path.exists(), f"row names {name}, which is not there"
        with open(path, "rb") as stream:
            stream.seek(offset)
            iterator = ArchiveIterator(stream, check_digests="raise")
            record = next(iterator)
            assert record.rec_headers.get_header("WARC-Record-ID") == record_id
            iterator.read_to_end()
            assert iterator.get_record_length() == length
    # Every record before the torn tail of an .open file reads.
    for path in warc_dir.glob(f"*.warc.gz{OPEN_SUFFIX}") if warc_dir.exists() else []:
        with open(path, "rb") as handle:
            end, whole = complete_records_end(handle)
            handle.seek(0)
            kept = io.BytesIO(handle.read(end))
        iterator = ArchiveIterator(kept, check_digests="raise")
        assert sum(1 for _ in iterator) == whole and not iterator.err_count
    # `newsarc check` finds nothing a resume would not mend.
    report = check_archive(db, warc_dir)
    damage = [str(f) for f in report.faults if f.kind not in MENDABLE]
    assert not damage, damage
    torn = [f for f in report.faults if f.kind == "truncated"]
    assert all(f.file.endswith(OPEN_SUFFIX) for f in torn), torn


def assert_complete(db: Path, warc_dir: Path, bases: dict[str, str], complete: dict) -> None:
    """Every page archived once, a row for every record, `newsarc check` clean."""
    assert not [p for p in warc_dir.iterdir() if p.name.endswith((OPEN_SUFFIX, ".partial"))]
    checked = subprocess.run(
        [sys.executable, "-m", "newsarc", "check", "--db", str(db), "--warc-dir", str(warc_dir)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    urls = records(warcs)
    assert site_paths(set(urls), bases) == complete["pages"]  # every page archived ...
    assert max(urls.values()) == 1  # ... in exactly one response record
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT warc_record_id FROM captures").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert len(rows) == len({r for (r,) in rows}) == len(record_ids(warcs))
    assert {r for (r,) in rows} == record_ids(warcs)  # rows equal records
    assert articles == complete["articles"]


# --- SIGKILL at random moments ------------------------------------------------------------


def kill_at_random(
    crawl: subprocess.Popen, db: Path, rng: random.Random, early: bool, most: int, before: int
) -> str:
    """SIGKILL the crawl at a random moment: `early`, while it starts (or prepares its
    resume); else once it has committed a random number (up to `most`) of captures of its
    own, and a random delay later. `before` is the newest crawl before this one.

    Never later than `most` captures of its own: on a fast machine a second of delay is a
    hundred pages, and a run that got to the end of the sites would finish, not be killed
    (the crawls commit every CRASH_BATCH rows, so that their count follows their progress)."""
    deadline = time.monotonic() + 30

    def waiting(until: float, captures: int) -> bool:
        return (
            crawl.poll() is None
            and time.monotonic() < min(until, deadline)
            and committed_captures(db, before) < captures
        )

    if early:
        delay = rng.uniform(0.3, 2.5)
        when = f"{delay:.2f} s after start"
        until = time.monotonic() + delay
        while waiting(until, most):
            time.sleep(0.02)
    else:
        more, delay = rng.randint(1, most), rng.uniform(0.0, 1.0)
        when = f"{more} captures and {delay:.2f} s"
        while waiting(deadline, more):
            time.sleep(0.02)
        until = time.monotonic() + delay
        while waiting(until, most):
            time.sleep(0.02)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait(timeout=30)
    return when


def test_a_crawl_killed_again_and_again_resumes_to_every_page_archived_once(
    sites: Path, complete: dict, allow_private: list[str], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    db, warc_dir = tmp_path / "archive.db", tmp_path / "warcs"
    small_files = ("-s", f"NEWSARC_WARC_MAX_SIZE={WARC_MAX_SIZE}",
                   "-s", f"NEWSARC_DB_BATCH_SIZE={CRASH_BATCH}")  # fmt: skip
    kills: list[str] = []
    early = [True] + [False] * (KILLS - 1)  # one kill while a run starts, in a random turn
    rng.shuffle(early)
    # No run gets to its end before its kill: each has at most `most` captures committed, and
    # CRASH_BATCH more not committed yet, when it is killed.
    most = complete["captures"] // (KILLS + 2) - CRASH_BATCH
    assert KILLS * (most + 2 * CRASH_BATCH) < complete["captures"]
    with running_sites(sites) as bases:
        for number in range(KILLS):
            extra = (*small_files, "--resume") if number else small_files
            before = newest_crawl(db)
            crawl = subprocess.Popen(
                crawl_command(bases, db, warc_dir, allow_private, *extra),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            when = kill_at_random(crawl, db, rng, early[number], most, before)
            kills.append(f"{when} (exit {crawl.returncode})")
            assert_consistent_after_a_crash(db, warc_dir)
        resumed = subprocess.run(
            crawl_command(bases, db, warc_dir, allow_private, *small_files, "--resume"),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert resumed.returncode == 0, (kills, resumed.stderr[-3000:])
        assert_complete(db, warc_dir, bases, complete)
    assert all("exit -9" in kill for kill in kills), kills  # none had finished
    with sqlite3.connect(db) as conn:
        crawls = conn.execute("SELECT id, status, resumes FROM crawls ORDER BY id").fetchall()
    # Each killed crawl is recorded as failed, and each run resumed the one before it.
    assert crawls[-1][1] == "finished"
    assert all(status == "failed" for _, status, _ in crawls[:-1]), crawls
    assert all(resumes == crawls[n - 1][0] for n, (_, _, resumes) in enumerate(crawls) if n)


# --- a full disk ------------------------------------------------------------------------


class FullDisk:
    """A file with room for `room` more bytes, that then fails as a full disk does."""

    def __init__(self, file: io.FileIO, room: int) -> None:
        self.file, self.room = file, room

    def write(self, data: memoryview) -> int:
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = self.file.write(bytes(data[: self.room]))
        self.room -= written
        return written

    def __getattr__(self, name: str) -> object:
        return getattr(self.file, name)


def page(url: str, body: bytes) -> HttpExchange:
    return HttpExchange(url, "GET", [("User-Agent", "test")], b"", 200,
                        [("Content-Type", "text/html")], body)  # fmt: skip


def test_a_write_that_fails_is_cut_off_and_reported(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    first = writer.write_exchange(page("http://example.com/1", b"<p>one</p>"))
    open_path = tmp_path / (first.filename + OPEN_SUFFIX)
    whole = open_path.stat().st_size
    writer._file = FullDisk(writer._file, room=300)  # noqa: SLF001
    with pytest.raises(WarcWriteError) as failed:
        writer.write_exchange(page("http://example.com/2", bytes(range(256)) * 40))
    assert failed.value.disk_full
    assert failed.value.strerror == (
        f"no space left on device writing WARC file {tmp_path / first.filename}"
    )
    assert open_path.stat().st_size == whole  # the half record is cut off again
    writer._file = writer._file.file  # noqa: SLF001 - space is freed
    third = writer.write_exchange(page("http://example.com/3", b"<p>three</p>"))
    assert third.offset == whole
    writer.close()
    final = tmp_path / first.filename
    assert warcio_check(final).returncode == 0
    assert read_response(final, third.offset).url == "http://example.com/3"


def test_no_empty_file_is_left_when_not_even_the_warcinfo_fits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = RotatingWarcWriter(tmp_path, max_size=1)  # a new file for every pair
    writer.write_exchange(page("http://example.com/1", b"<p>one</p>"))

    def full_open(path: Path, *args: Any, **kwargs: Any) -> FullDisk:
        return FullDisk(open(path, *args, **kwargs), room=10)  # noqa: SIM115

    with monkeypatch.context() as patch:
        patch.setattr(archive.warc, "open", full_open, raising=False)
        with pytest.raises(WarcWriteError):
            writer.write_exchange(page("http://example.com/2", b"<p>two</p>"))
    writer.close()
    assert [path.suffix for path in sorted(tmp_path.iterdir())] == [".cdxj", ".gz"]


@contextmanager
def small_disk(folder: Path, size: int) -> Iterator[tuple[Callable[[], None] | None, Callable]]:
    """A filesystem of `size` bytes at `folder`: a tmpfs if this process may mount one, else a
    file-size limit on the crawl's process (SIGXFSZ ignored: writes fail with EFBIG). Yields
    the crawl's preexec_fn and a function that frees space."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                str(folder)], capture_output=True)  # fmt: skip
    except OSError:  # no mount command
        mount = None
    if mount is not None and mount.returncode == 0:
        grow = ["mount", "-o", "remount,size=256m", str(folder)]
        try:
            yield None, lambda: subprocess.run(grow, check=True)
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    yield limit, lambda: None  # the next run has no limit


@pytest.mark.parametrize("full", ["warcs", "db"])
def test_a_full_disk_stops_the_crawl_with_a_clear_error_and_an_intact_archive(
    full: str, sites: Path, complete: dict, allow_private: list[str], tmp_path: Path
) -> None:
    small = tmp_path / "small"
    # Room for about a third of what the crawl writes there: it fills up mid-crawl.
    size = (complete["warc_bytes"] if full == "warcs" else complete["db_bytes"]) // 3
    size = max(size // 4096 * 4096, 64 * 4096)
    db = small / "archive.db" if full == "db" else tmp_path / "archive.db"
    warc_dir = small / "warcs" if full == "warcs" else tmp_path / "warcs"
    with small_disk(small, size) as (preexec, free_space), running_sites(sites) as bases:
        started = time.monotonic()
        crawl = subprocess.run(
            crawl_command(bases, db, warc_dir, allow_private),
            capture_output=True, text=True, timeout=180, preexec_fn=preexec,
        )  # fmt: skip
        took = time.monotonic() - started
        last = crawl.stderr.strip().splitlines()[-1]
        assert crawl.returncode == 1, crawl.stderr[-3000:]
        problem = "writing WARC file" if full == "warcs" else "writing the database"
        assert last.startswith("Error: ") and problem in last, crawl.stderr[-3000:]
        reasons = ("no space left on device", "disk is full", "too large", "disk I/O error")
        assert any(reason in last for reason in reasons), last
        assert last.endswith("(free some space, then continue it with --resume)")
        assert took < 120
        # The archive is intact: nothing torn, every row reads its record.
        assert_consistent_after_a_crash(db, warc_dir)
        assert not list(warc_dir.glob(f"*{OPEN_SUFFIX}"))  # closed as a stop closes them
        free_space()
        resumed = subprocess.run(
            crawl_command(bases, db, warc_dir, allow_private, "--resume"),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "resuming crawl 1" in resumed.stderr
        assert_complete(db, warc_dir, bases, complete)
