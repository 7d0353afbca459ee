"""`newsarc reindex` against plain trafilatura on the same pages, in one run.

    python3 bench/reindex.py [--articles 1000] [--out bench/out-reindex]

Builds the four demo sites (ARTICLES articles each: 4,000+ article pages at the default),
crawls them once with `newsarc crawl --fast` into WARC files of at most 5 MB, then measures:

- plain trafilatura: `trafilatura.extract()` on every archived article page, one core, HTML
  already decoded (docs/s);
- `newsarc reindex` of all the WARC files into an empty database, with one worker per core
  (records/s, HTML pages/s, CPU, peak RSS of the largest process);
- `newsarc reindex` of the first third of the files, whose peak RSS shows whether memory grows
  with the number of records.

Prints a table and the target ratio: reindex pages/s ÷ (cores × trafilatura docs/s).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import trafilatura
from crawl_speed import measure

from archive.warc import read_response
from extractors import decode_html
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

HERE = Path(__file__).resolve().parent
WARC_SIZE = 5_000_000


def crawl(articles: int, out: Path) -> None:
    build_sites(out / "sites", articles_per_site=articles)
    with running_sites(out / "sites") as sites:
        command = [sys.executable, "-m", "newsarc", "crawl", *sites.values(), "--fast",
                   "--allow-private", "--db", str(out / "live.db"),
                   "--warc-dir", str(out / "warcs"),
                   "-s", f"NEWSARC_WARC_MAX_SIZE={WARC_SIZE}"]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench: the crawl failed: {done.stderr[-2000:]}")


def article_pages(out: Path) -> list[str]:
    with sqlite3.connect(out / "live.db") as conn:
        rows = conn.execute(
            "SELECT warc_filename, warc_offset FROM captures WHERE page_type = 'article'"
        ).fetchall()
    return [decode_html(read_response(out / "warcs" / name, offset).body) for name, offset in rows]


def trafilatura_docs_per_second(pages: list[str]) -> float:
    started = time.process_time()
    for html in pages:
        trafilatura.extract(html)
    return len(pages) / (time.process_time() - started)


def run_reindex(warcs: list[Path], db: Path, log: Path) -> dict:
    command = [sys.executable, "-m", "newsarc", "reindex", *map(str, warcs), "--db", str(db)]
    figures = measure(command, log)
    summary = log.read_text()
    records = int(re.search(r"(\d+) records,", summary).group(1))
    with sqlite3.connect(db) as conn:
        pages = conn.execute("SELECT count(*) FROM captures WHERE page_type IS NOT NULL").fetchone()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {**figures, "records": records, "pages": pages[0], "articles": articles}


def row(name: str, figures: dict) -> str:
    wall = figures["wall"]
    return (
        f"| {name} | {figures['records']} | {figures['pages']} | {wall:.1f} "
        f"| {figures['records'] / wall:.0f} | {figures['pages'] / wall:.0f} "
        f"| {1000 * figures['cpu'] / figures['pages']:.1f} | {figures['rss_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles per site")
    parser.add_argument("--out", type=Path, default=HERE / "out-reindex")
    args = parser.parse_args()
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    crawl(args.articles, out)
    warcs = sorted((out / "warcs").glob("*.warc.gz"))
    pages = article_pages(out)
    docs_per_second = trafilatura_docs_per_second(pages)
    everything = run_reindex(warcs, out / "all.db", out / "reindex-all.log")
    third = run_reindex(warcs[: max(1, len(warcs) // 3)], out / "third.db", out / "third.log")
    cores = os.cpu_count() or 1
    print(f"{time.strftime('%Y-%m-%d')}, {cores} cores, {len(warcs)} WARC files, "
          f"{len(pages)} article pages")  # fmt: skip
    print(f"plain trafilatura, one core: {docs_per_second:.0f} docs/s")
    print(
        "| run | records | HTML pages | seconds | records/s | pages/s | CPU ms/page | peak RSS MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(row("reindex, all files", everything))
    print(row("reindex, first third", third))
    target = cores * docs_per_second
    print(f"reindex pages/s ÷ ({cores} × trafilatura docs/s) = "
          f"{everything['pages'] / everything['wall'] / target:.2f}; records/s ÷ the same = "
          f"{everything['records'] / everything['wall'] / target:.2f}")  # fmt: skip
    print(f"peak RSS, all files ÷ first third: {everything['rss_mb'] / third['rss_mb']:.2f}; "
          f"articles: {everything['articles']}")  # fmt: skip


if __name__ == "__main__":
    main()
