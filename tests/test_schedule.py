"""End to end: sources.yml crawls (`newsarc crawl --sources/--source/--due`), the run lock of a
source, dead crawls recorded as failed and resumed, and the `newsarc schedule` loop, all against
the demo sites served on 127.0.0.1, every newsarc command in a process of its own."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

QUIET = ("--fast", "-s", "LOG_LEVEL=WARNING")
# Still --fast (no AutoThrottle), but one request at a time, 0.15 s apart: a crawl of a 20-article
# site (about 33 responses) then lasts 5 s or more, long enough to signal it while it runs. Few
# requests in the downloader: a stopping crawl fetches those first, and the rest are left over.
SLOW = (*QUIET, "-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "-s", "CONCURRENT_REQUESTS=2")  # fmt: skip


# --- sites, files and database ----------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Demo sites of 20 articles each: a --fast crawl of one takes a second or two."""
    folder = tmp_path_factory.mktemp("small-sites")
    build_sites(folder, articles_per_site=20)
    with running_sites(folder) as bases:
        yield bases


def write_sources(path: Path, *sources: tuple[str, str, str]) -> Path:
    """A sources.yml of (name, base URL, schedule) entries."""
    lines = ["sources:"]
    for name, base, schedule in sources:
        lines += [
            f"  - name: {name}",
            f"    start_urls: ['{base}/']",
            f"    schedule: '{schedule}'",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    """Rows from the archive, read-only; [] while the database does not exist or is busy."""
    if not db.exists():
        return []
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2)) as conn:
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error:
        return []


def crawls(db: Path) -> list[tuple]:
    return query(db, "SELECT id, source, status, resumes FROM crawls ORDER BY id")


def captures_of(db: Path, crawl_id: int) -> int:
    found = query(db, "SELECT count(*) FROM captures WHERE crawl_id = ?", crawl_id)
    return found[0][0] if found else 0


def open_files(warc_dir: Path) -> list[str]:
    return [path.name for path in warc_dir.iterdir() if path.name.endswith((".open", ".partial"))]


def wait_mid_crawl(db: Path) -> None:
    """Until the first crawl has been running for a second: well inside a SLOW crawl."""
    wait_for(lambda: [row[2] for row in crawls(db)] == ["running"], 30, "crawl 1 to start")
    time.sleep(1.0)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


# --- processes ----------------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, process group, state) of a live process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), fields[0]


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def live_in_group(pgid: int) -> list[int]:
    """Processes of a group that are still running (zombies left out)."""
    found = []
    for pid in all_pids():
        stat = proc_stat(pid)
        if stat and stat[1] == pgid and stat[2] != "Z":
            found.append(pid)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def groups_below(pid: int) -> set[int]:
    """The process groups of `pid` and of all its descendants (a scheduler's crawl runs in a
    session of its own)."""
    stats = {p: s for p in all_pids() if (s := proc_stat(p))}
    groups, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, pgid, _) in stats.items():
            if ppid == parent:
                groups.add(pgid)
                frontier.append(child)
    return groups


class Run:
    """A `python -m newsarc ...` process in a session of its own, its stderr in a file (a pipe
    would be held open by processes a killed crawl leaves behind)."""

    def __init__(self, args: tuple[str, ...], log: Path) -> None:
        self.log = log
        with open(log, "wb") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "newsarc", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        self.pid = self.proc.pid

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"newsarc {self.proc.args[3:]} did not exit within {timeout} s; stderr:\n"
                + self.stderr()[-3000:]
            ) from None

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def lines(self) -> list[str]:
        return self.stderr().strip().splitlines()

    def kill_everything(self) -> None:
        for pgid in groups_below(self.pid):
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


Start = Callable[..., Run]


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """Start newsarc commands; whatever they left running is killed at the end of the test."""
    runs: list[Run] = []

    def starter(*args: object) -> Run:
        run = Run(tuple(map(str, args)), tmp_path / f"stderr-{len(runs)}.txt")
        runs.append(run)
        return run

    yield starter
    for run in runs:
        run.kill_everything()


@pytest.fixture
def newsarc(start: Start) -> Callable[..., Run]:
    """Run a newsarc command to its end (bounded)."""

    def run(*args: object, timeout: float = 90) -> Run:
        started = start(*args)
        started.wait(timeout)
        return started

    return run


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path, tuple[str, ...]]:
    """The database, the WARC folder, and the --db/--warc-dir options naming them."""
    db, warc_dir = tmp_path / "archive.db", tmp_path / "warcs"
    return db, warc_dir, ("--db", str(db), "--warc-dir", str(warc_dir))


# --- newsarc crawl --sources ------------------------------------------------------------------


def test_due_runs_the_sources_whose_schedule_has_come(
    small: dict[str, str], newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, _, where = paths
    sources = write_sources(
        tmp_path / "sources.yml", ("ledger", small["ledger"], "1h"), ("farm", small["farm"], "1h")
    )
    first = newsarc("crawl", "--sources", sources, "--due", *where, *QUIET)
    assert first.proc.returncode == 0, first.stderr()[-3000:]
    assert crawls(db) == [(1, "ledger", "finished", None), (2, "farm", "finished", None)]
    assert "newsarc: crawling source 'ledger'" in first.stderr()
    assert "newsarc: crawling source 'farm'" in first.stderr()

    again = newsarc("crawl", "--sources", sources, "--due", *where, *QUIET)
    assert again.proc.returncode == 0, again.stderr()[-3000:]
    assert again.lines() == ["newsarc: no source is due"]
    assert len(crawls(db)) == 2

    # farm now every 2 s, ledger still hourly: once 2 s have passed, only farm is due.
    write_sources(sources, ("ledger", small["ledger"], "1h"), ("farm", small["farm"], "2s"))
    farm_started = datetime.fromisoformat(
        query(db, "SELECT started_at FROM crawls WHERE id = 2")[0][0]
    )
    time.sleep(max(0.0, 2.5 - (datetime.now(UTC) - farm_started).total_seconds()))
    third = newsarc("crawl", "--sources", sources, "--due", *where, *QUIET)
    assert third.proc.returncode == 0, third.stderr()[-3000:]
    assert crawls(db) == [
        (1, "ledger", "finished", None),
        (2, "farm", "finished", None),
        (3, "farm", "finished", None),
    ]
    urls = query(db, "SELECT DISTINCT url FROM captures WHERE crawl_id = 3")
    assert urls and all(url.startswith(small["farm"] + "/") for (url,) in urls)


def test_source_runs_only_that_source_and_an_unknown_name_is_an_error(
    small: dict[str, str], newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, _, where = paths
    sources = write_sources(
        tmp_path / "sources.yml", ("ledger", small["ledger"], "1h"), ("farm", small["farm"], "1h")
    )
    run = newsarc("crawl", "--sources", sources, "--source", "farm", *where, *QUIET)
    assert run.proc.returncode == 0, run.stderr()[-3000:]
    assert crawls(db) == [(1, "farm", "finished", None)]
    urls = query(db, "SELECT DISTINCT url FROM captures")
    assert urls and all(url.startswith(small["farm"] + "/") for (url,) in urls)

    unknown = newsarc("crawl", "--sources", sources, "--source", "nope", *where, *QUIET)
    assert unknown.proc.returncode == 1
    assert unknown.lines() == ["Error: no source named 'nope' (known: ledger, farm)"]
    assert crawls(db) == [(1, "farm", "finished", None)]


BAD_FILES = {
    "schedule": (
        "    schedule: '61 * * * *'\n",
        "source 'ledger': field 'schedule': not a cron expression or interval: '61 * * * *' "
        "(bad minute)",
    ),
    "unknown key": (
        "    shedule: 1h\n",
        "source 'ledger': field 'shedule': unknown field (known: name, start_urls, feeds, "
        "sitemaps, allowed_hosts, schedule, depth, max_pages, politeness, recrawl, settings)",
    ),
}


@pytest.mark.parametrize("command", ["crawl", "schedule"])
@pytest.mark.parametrize("mistake", sorted(BAD_FILES))
def test_a_bad_sources_file_is_one_line_naming_source_and_field(
    mistake: str, command: str, newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, _, where = paths
    line, expected = BAD_FILES[mistake]
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n  - name: ledger\n    start_urls: ['http://127.0.0.1:9/']\n" + line,
        encoding="utf-8",
    )
    extra = ("--due",) if command == "crawl" else ()
    run = newsarc(command, "--sources", sources, *extra, *where, timeout=30)
    assert run.proc.returncode == 1
    assert run.lines() == [f"Error: {sources}: {expected}"]
    assert not db.exists()  # nothing was started


# --- the run lock -------------------------------------------------------------------------------


def test_a_running_source_is_locked_and_skipped(
    small: dict[str, str], start: Start, newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, _, where = paths
    sources = write_sources(
        tmp_path / "sources.yml", ("A", small["ledger"], "1h"), ("B", small["farm"], "1h")
    )
    first = start("crawl", "--sources", sources, "--source", "A", *where, *SLOW)
    wait_for(lambda: crawls(db) == [(1, "A", "running", None)], 30, "crawl 1 of A to start")

    second = newsarc("crawl", "--sources", sources, "--source", "A", *where, *QUIET)
    assert second.proc.returncode == 75, second.stderr()[-3000:]
    assert second.lines() == [f"Error: source 'A' is already running (pid {first.pid})"]

    # Every source: A is skipped (its child exits 75, not a failure), B runs.
    every = newsarc("crawl", "--sources", sources, *where, *QUIET)
    assert every.proc.returncode == 0, every.stderr()[-3000:]
    assert f"Error: source 'A' is already running (pid {first.pid})" in every.lines()
    assert "newsarc: source 'A' failed" not in every.stderr()

    assert first.wait(60) == 0, first.stderr()[-3000:]
    assert crawls(db) == [(1, "A", "finished", None), (2, "B", "finished", None)]


# --- dead crawls --------------------------------------------------------------------------------


def test_a_killed_source_crawl_is_recorded_as_failed_and_resumed(
    small: dict[str, str], start: Start, newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, warc_dir, where = paths
    sources = write_sources(tmp_path / "sources.yml", ("A", small["ledger"], "1h"))
    crawl = start("crawl", "--sources", sources, "--source", "A", *where, *SLOW)
    wait_mid_crawl(db)
    crawl.proc.kill()
    crawl.wait(10)
    assert crawls(db) == [(1, "A", "running", None)]
    assert open_files(warc_dir)  # the killed writer could not close its file

    again = newsarc("crawl", "--sources", sources, "--source", "A", *where, *QUIET)
    assert again.proc.returncode == 0, again.stderr()[-3000:]
    lines = again.lines()
    assert "newsarc: crawl 1 had died: recorded as failed" in lines
    assert any(re.fullmatch(r"newsarc: closed \S+, left open by a crawl that died .*", line)
               for line in lines), lines  # fmt: skip
    assert "newsarc: resuming crawl 1: what it archived is not fetched again" in lines
    assert crawls(db) == [(1, "A", "failed", None), (2, "A", "finished", 1)]
    assert not open_files(warc_dir)
    check = warcio_check(*sorted(warc_dir.glob("*.warc.gz")))
    assert check.returncode == 0, check.stdout[-2000:]


def test_a_killed_crawl_leaves_no_process_behind(
    small: dict[str, str], start: Start, paths: tuple, tmp_path: Path
) -> None:
    """The extraction workers of a crawl that is killed die with it (archive/workers.py).

    They wait on the ProcessPoolExecutor's call queue, whose write end they hold too (a
    multiprocessing.Queue carries both ends), so they would never see the crawl go away: each
    watches its parent instead. Otherwise every SIGKILL (or OOM kill) of a crawl would leave one
    idle Python process per core running for ever.
    """
    db, _, where = paths
    sources = write_sources(tmp_path / "sources.yml", ("A", small["ledger"], "1h"))
    crawl = start("crawl", "--sources", sources, "--source", "A", *where, *SLOW)

    def workers() -> list[int]:
        return [pid for pid in live_in_group(crawl.pid) if "multiprocessing.spawn" in cmdline(pid)]

    wait_for(workers, 30, "the extraction workers to start")
    time.sleep(0.5)
    assert crawl.proc.poll() is None, "the crawl ended before it could be killed"
    crawl.proc.kill()
    crawl.wait(10)
    deadline = time.monotonic() + 3
    while live_in_group(crawl.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: cmdline(pid)[:80] for pid in live_in_group(crawl.pid)}
    assert not left, (
        f"{len(left)} processes of the killed crawl (pid {crawl.pid}) still run 3 s after it "
        f"died (the extraction pool of crawler/pipelines.py): {left}"
    )


def test_ctrl_c_during_a_crawl_of_several_sources_stops_the_running_one_cleanly(
    small: dict[str, str], start: Start, paths: tuple, tmp_path: Path
) -> None:
    """With several sources, each runs in a child process of its own session; Ctrl+C reaches
    the parent only, which passes one SIGTERM on: the child stops cleanly (a plain
    subprocess.run would SIGKILL it on KeyboardInterrupt, leaving an .open WARC file)."""
    db, warc_dir, where = paths
    sources = write_sources(
        tmp_path / "sources.yml", ("A", small["ledger"], "1h"), ("B", small["farm"], "1h")
    )
    crawl = start("crawl", "--sources", sources, *where, *SLOW)
    wait_mid_crawl(db)
    os.killpg(crawl.pid, signal.SIGINT)  # what a Ctrl+C in the terminal does
    crawl.wait(30)
    # The parent is gone; give a crawl it left running time to finish its shutdown.
    wait_for(lambda: not [pid for pid in live_in_group(crawl.pid) if "newsarc" in cmdline(pid)],
             30, "the crawl of A to end")  # fmt: skip
    assert crawls(db) == [(1, "A", "shutdown", None)], (
        "Ctrl+C killed the crawl of A instead of letting it stop cleanly: "
        f"crawls {crawls(db)}, files left open {open_files(warc_dir)}"
    )
    assert not open_files(warc_dir)


# --- newsarc schedule ---------------------------------------------------------------------------


def test_schedule_runs_due_sources_rereads_the_file_and_stops_on_sigterm(
    small: dict[str, str], start: Start, paths: tuple, tmp_path: Path
) -> None:
    db, _, where = paths
    sources = write_sources(tmp_path / "sources.yml", ("A", small["ledger"], "1h"))
    scheduler = start("schedule", "--sources", sources, "--check-every", "0.5", *where, *QUIET)
    wait_for(lambda: "newsarc schedule: source 'A': finished after" in scheduler.stderr(), 30,
             "A's crawl to finish")  # fmt: skip
    time.sleep(1.0)  # a few more rounds: A, hourly, is not run again
    assert crawls(db) == [(1, "A", "finished", None)]

    # The file is read again before each round: a source added to it runs without a restart.
    write_sources(sources, ("A", small["ledger"], "1h"), ("B", small["farm"], "1h"))
    # (The log, not the crawls row: the child still has work to do once the row is written.)
    wait_for(lambda: "newsarc schedule: source 'B': finished after" in scheduler.stderr(), 30,
             "B's crawl to finish")  # fmt: skip
    assert crawls(db) == [(1, "A", "finished", None), (2, "B", "finished", None)]

    stopped_at = time.monotonic()
    scheduler.proc.send_signal(signal.SIGTERM)
    assert scheduler.wait(10) == 0, scheduler.stderr()[-3000:]
    assert time.monotonic() - stopped_at < 5
    log = [line.split(" newsarc schedule: ", 1)[-1] for line in scheduler.lines()]
    assert log[-2:] == ["received SIGTERM: stopping after the running crawl", "stopped"]
    assert log.count("source 'A': crawl starting") == 1
    assert log.count("source 'B': crawl starting") == 1
    assert any(line.startswith("source 'A': finished after ") for line in log)
    assert crawls(db) == [(1, "A", "finished", None), (2, "B", "finished", None)]


def test_sigterm_to_the_scheduler_stops_the_running_crawl_cleanly_and_it_resumes(
    small: dict[str, str], start: Start, newsarc: Callable[..., Run], paths: tuple, tmp_path: Path
) -> None:
    db, warc_dir, where = paths
    sources = write_sources(tmp_path / "sources.yml", ("A", small["ledger"], "1h"))
    scheduler = start("schedule", "--sources", sources, "--check-every", "0.5", *where, *SLOW)
    wait_mid_crawl(db)
    scheduler.proc.send_signal(signal.SIGTERM)
    assert scheduler.wait(30) == 0, scheduler.stderr()[-3000:]
    log = [line.split(" newsarc schedule: ", 1)[-1] for line in scheduler.lines()]
    assert "received SIGTERM: stopping after the running crawl" in log
    assert log[-1] == "stopped"

    assert crawls(db) == [(1, "A", "shutdown", None)]
    assert captures_of(db, 1) > 0
    assert not open_files(warc_dir)
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    check = warcio_check(*warcs)
    assert warcs and check.returncode == 0, check.stdout[-2000:]

    resumed = newsarc("crawl", "--sources", sources, "--source", "A", *where, *QUIET)
    assert resumed.proc.returncode == 0, resumed.stderr()[-3000:]
    assert "newsarc: resuming crawl 1: what it archived is not fetched again" in resumed.lines()
    assert crawls(db) == [(1, "A", "shutdown", None), (2, "A", "finished", 1)]
    assert captures_of(db, 2) > 0
    assert not open_files(warc_dir)


def test_schedule_does_not_rerun_a_source_that_fails_before_its_crawl_starts(
    small: dict[str, str], start: Start, paths: tuple, tmp_path: Path
) -> None:
    """A run that fails before its crawls row exists (here a bad Scrapy setting value, which
    the sources file check lets through) counts as a run: the scheduler does not start it again
    until its schedule (1h) says so."""
    db, _, where = paths
    sources = tmp_path / "sources.yml"
    sources.write_text(
        f"sources:\n  - name: A\n    start_urls: ['{small['ledger']}/']\n    schedule: 1h\n"
        "    settings: {CONCURRENT_REQUESTS: lots}\n",
        encoding="utf-8",
    )
    scheduler = start("schedule", "--sources", sources, "--check-every", "30", *where, *QUIET)
    wait_for(lambda: "source 'A': failed (exit 1)" in scheduler.stderr(), 30,
             "the first run of A to fail")  # fmt: skip
    time.sleep(1.5)
    scheduler.proc.send_signal(signal.SIGTERM)
    assert scheduler.wait(30) == 0, scheduler.stderr()[-3000:]
    starts = scheduler.stderr().count("source 'A': crawl starting")
    assert starts == 1, (
        f"the scheduler started the failing source {starts} times in about 3 s "
        "(schedule 1h, --check-every 30)"
    )
