"""newsarc crawl against a bare Scrapy spider, on the same local site, in one run.

    python3 bench/crawl_speed.py [--articles 1000] [--out bench/out]

Builds the four demo sites with ARTICLES articles each (4,000+ pages at the default), serves
them from a separate process on 127.0.0.1 (gzip on), then crawls them with the same Scrapy
settings (`--fast`: no delays, robots.txt obeyed) twice: a bare spider that only follows
links, and `newsarc crawl` (WARC capture, extraction in the process pool, SQLite). Prints
pages/s, CPU seconds per page (the crawler and its extraction workers, not the server) and
peak RSS of the largest process, and the ratio newsarc / bare.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crawler import settings
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

HERE = Path(__file__).resolve().parent
# Runs a command and reports its (and its descendants') CPU time and peak RSS.
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.monotonic()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "wall = time.monotonic() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'code': code, 'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime,"
    " 'rss_mb': usage.ru_maxrss / 1024}))\n"
)


def measure(command: list[str], log: Path) -> dict:
    # Run outside the checkout: `scrapy runspider` must not pick up newsarc's scrapy.cfg.
    with open(log, "w") as errors, tempfile.TemporaryDirectory() as elsewhere:
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, *command],
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=elsewhere,
        )
    figures = json.loads(done.stdout)
    if figures["code"] != 0:
        sys.exit(f"bench: {command[2]} failed, see {log}")
    return figures


def fast_flags() -> list[str]:
    """newsarc's --fast crawl settings, for the bare spider."""
    shared = {"ROBOTSTXT_OBEY": True, "DEPTH_LIMIT": settings.DEPTH_LIMIT, "LOG_LEVEL": "INFO"}
    flags = []
    for name, value in {**settings.FAST_SETTINGS, **shared}.items():
        flags += ["-s", f"{name}={value}"]
    return flags


def run_bare(bases: list[str], out: Path) -> dict:
    stats_path = out / "bare-stats.json"
    command = [sys.executable, "-m", "scrapy", "runspider", str(HERE / "bare_spider.py"),
               "-a", f"urls={','.join(bases)}", "-a", f"stats={stats_path}",
               "-s", "TELNETCONSOLE_ENABLED=False",
               "-s", "REMOTE_CONTROL_ENABLED=False", *fast_flags()]  # fmt: skip
    figures = measure(command, (out / "bare.log").resolve())
    stats = json.loads(stats_path.read_text())
    if any(key.startswith("newsarc/") for key in stats):
        sys.exit("bench: the bare spider ran with newsarc's components; it must run bare")
    return {**figures, "pages": stats.get("response_received_count", 0)}


def run_newsarc(bases: list[str], out: Path) -> dict:
    db, warcs = out / "archive.db", out / "warcs"
    command = [sys.executable, "-m", "newsarc", "crawl", *bases, "--fast", "--allow-private",
               "--db", str(db), "--warc-dir", str(warcs)]  # fmt: skip
    figures = measure(command, (out / "newsarc.log").resolve())
    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {**figures, "pages": stats.get("response_received_count", 0), "articles": articles}


def row(name: str, figures: dict) -> str:
    rate = figures["pages"] / figures["wall"]
    cpu_ms = 1000 * figures["cpu"] / max(figures["pages"], 1)
    return (
        f"| {name} | {figures['pages']} | {figures['wall']:.1f} | {rate:.0f} | {cpu_ms:.1f} "
        f"| {figures['rss_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per site")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out = args.out.resolve()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    build_sites(args.out / "sites", articles_per_site=args.articles)
    with running_sites(args.out / "sites") as sites:
        bases = [base + "/" for base in sites.values()]
        bare = run_bare(bases, args.out)
        newsarc = run_newsarc(bases, args.out)
    print(f"{time.strftime('%Y-%m-%d')}, {args.articles} articles per site, {len(sites)} sites")
    print("| crawler | pages | seconds | pages/s | CPU ms/page | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(row("bare Scrapy spider", bare))
    print(row("newsarc crawl", newsarc))
    ratio = (newsarc["pages"] / newsarc["wall"]) / (bare["pages"] / bare["wall"])
    print(f"newsarc pages/s / bare pages/s = {ratio:.2f}; articles stored: {newsarc['articles']}")


if __name__ == "__main__":
    main()
