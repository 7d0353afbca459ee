"""The measured runs of bench/performance.py: bare spider, wget, newsarc, reindex, trafilatura.

Every command runs under perf/measured.py (CPU of the whole process tree, peak RSS of the
largest process and of the tree) from a temporary folder outside the checkout (so that `scrapy
runspider` does not pick up newsarc's scrapy.cfg), with this checkout first on PYTHONPATH (an
editable install may point at another copy).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trafilatura
from crawl_speed import fast_flags
from warcio.archiveiterator import ArchiveIterator

from crawler import settings

BENCH = Path(__file__).resolve().parent.parent
PROJECT = BENCH.parent
MEASURED = BENCH / "perf" / "measured.py"
WGET = "/usr/bin/wget"
# Scheduling settings newsarc has and Scrapy's defaults do not: the bare spider gets them too.
SHARED = ("DEPTH_PRIORITY", "SCHEDULER_DISK_QUEUE", "SCHEDULER_MEMORY_QUEUE", "TWISTED_REACTOR",
          "USER_AGENT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT")  # fmt: skip


# newsarc/seconds/STEP in a crawl's stats: the steps after the last page
CLOSING_STEPS = ("judging_live", "reclean", "stories", "signals")


class RunError(Exception):
    """A measured command failed: the message says which, and where its log is."""


def child_env() -> dict[str, str]:
    path = os.pathsep.join([str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path}


def measure(name: str, command: list[str], logs: Path, timeout: float | None = None) -> dict:
    """Figures of COMMAND (see perf/measured.py); its output in LOGS/NAME.log."""
    log = logs / f"{name}.log"
    limit = ["--timeout", str(timeout)] if timeout else []
    with open(log, "w") as errors, tempfile.TemporaryDirectory() as elsewhere:
        done = subprocess.run(
            [sys.executable, str(MEASURED), *limit, "--", *command],
            stdout=subprocess.PIPE, stderr=errors, cwd=elsewhere, env=child_env(), text=True,
        )  # fmt: skip
    try:
        figures = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise RunError(f"{name}: the measuring wrapper failed, see {log}") from None
    return {**figures, "log": str(log)}


def bare_flags() -> list[str]:
    flags = fast_flags()
    for name in SHARED:
        flags += ["-s", f"{name}={getattr(settings, name)}"]
    return flags + ["-s", "TELNETCONSOLE_ENABLED=False", "-s", "REMOTE_CONTROL_ENABLED=False"]


def run_bare(name: str, bases: list[str], out: Path) -> dict:
    stats_path = out / f"{name}-stats.json"
    spider = str(BENCH / "bare_spider.py")
    command = [sys.executable, "-m", "scrapy", "runspider", spider, "-a", f"urls={','.join(bases)}",
               "-a", f"stats={stats_path}", *bare_flags()]  # fmt: skip
    figures = measure(name, command, out / "logs")
    if figures["code"] != 0 or not stats_path.exists():
        raise RunError(f"{name}: the bare spider failed, see {figures['log']}")
    stats = json.loads(stats_path.read_text())
    if any(key.startswith("newsarc/") for key in stats):
        raise RunError("the bare spider ran with newsarc's components; it must run bare")
    return {**figures, "pages": stats.get("response_received_count", 0)}


def run_newsarc(name: str, bases: list[str], out: Path) -> dict:
    db, warcs = out / name / "archive.db", out / name / "warcs"
    command = [sys.executable, "-m", "newsarc", "crawl", *bases, "--fast", "--allow-private",
               "--db", str(db), "--warc-dir", str(warcs)]  # fmt: skip
    figures = measure(name, command, out / "logs")
    if figures["code"] != 0 or not db.exists():
        raise RunError(f"{name}: newsarc crawl failed, see {figures['log']}")
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    pages = stats.get("response_received_count", 0)
    return {**figures, "pages": pages, "articles": articles, "warcs": str(warcs),
            "phases": phases(figures["wall"], stats)}  # fmt: skip


def phases(wall: float, stats: dict) -> dict:
    """Start-up, crawling (until the last page) and the closing steps, from the crawl's stats."""
    steps = {step: stats.get(f"newsarc/seconds/{step}", 0.0) for step in CLOSING_STEPS}
    elapsed = stats.get("elapsed_time_seconds", wall)
    closing = sum(steps.values())
    return {"startup": wall - elapsed, "crawling": elapsed - closing, "closing": closing,
            "closing_steps": steps}  # fmt: skip


def run_wget(name: str, bases: list[str], out: Path, timeout: float | None = None) -> dict:
    """wget -r --warc-file over the sites, one after the other (stopped at TIMEOUT seconds)."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    command = [WGET, "-r", "-l", "inf", "--no-parent", f"--warc-file={folder / 'crawl'}",
               "-P", str(folder / "files"), "-nv", *bases]  # fmt: skip
    figures = measure(name, command, out / "logs", timeout)
    shutil.rmtree(folder / "files", ignore_errors=True)  # the pages wget saved: not needed
    pages = warc_responses(folder / "crawl.warc.gz")
    if pages == 0:
        raise RunError(f"{name}: wget archived nothing, see {figures['log']}")
    return {**figures, "pages": pages}


def warc_responses(path: Path) -> int:
    """Response records in a WARC; a file cut short by a stopped wget counts what it holds."""
    count = 0
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                count += record.rec_type == "response"
    except Exception:  # noqa: BLE001 - a torn last record ends the count
        pass
    return count


def run_reindex(name: str, warcs: Path, out: Path, workers: int) -> dict:
    db = out / f"{name}.db"
    command = [sys.executable, "-m", "newsarc", "reindex", str(warcs), "--db", str(db),
               "--workers", str(workers)]  # fmt: skip
    figures = measure(name, command, out / "logs")
    log = Path(figures["log"]).read_text()
    found = re.search(r"(\d+) records,", log)
    if figures["code"] != 0 or not found:
        raise RunError(f"{name}: newsarc reindex failed, see {figures['log']}")
    with sqlite3.connect(db) as conn:
        pages = conn.execute("SELECT count(*) FROM captures WHERE page_type IS NOT NULL")
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        return {**figures, "records": int(found.group(1)), "pages": pages.fetchone()[0],
                "articles": articles, "steps": reindex_steps(log)}  # fmt: skip


def reindex_steps(log: str) -> dict[str, float]:
    """The wall seconds of each step, from `newsarc reindex`'s "steps:" line."""
    found = re.search(r"^newsarc: steps: (.*)$", log, re.MULTILINE)
    if not found:
        return {}
    pairs = (re.fullmatch(r"(.+) (\d+\.\d+) s", item) for item in found.group(1).split(", "))
    return {pair.group(1): float(pair.group(2)) for pair in pairs if pair}


def sample(files: list[Path], limit: int) -> list[Path]:
    """At most LIMIT files, evenly spread over the sorted list (the same mix of page kinds)."""
    step = max(1, -(-len(files) // limit))
    return files[::step][:limit]


def read_pages(files: list[Path], warm_up: int = 5) -> list[str]:
    """The pages, decoded; the first few through trafilatura once (imports, caches)."""
    pages = [path.read_bytes().decode("utf-8") for path in files]
    for html in pages[:warm_up]:
        trafilatura.extract(html)
    return pages


def run_trafilatura(name: str, pages: list[str]) -> dict:
    """`trafilatura.extract` on each page, decoded already, in this process (one core)."""
    wall, cpu = time.perf_counter(), time.process_time()
    extracted = sum(trafilatura.extract(html) is not None for html in pages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"name": name, "docs": len(pages), "extracted": extracted, "wall": wall, "cpu": cpu,
            "mean_kb": sum(map(len, pages)) / len(pages) / 1024}  # fmt: skip
