"""Ctrl+C during a crawl: a clean stop, no file left open, every row backed by its record."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from conftest import warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites


def committed_captures(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def response_record_ids(warcs: list[Path]) -> set[str]:
    ids = set()
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    return ids


def test_interrupted_crawl_keeps_a_consistent_archive(tmp_path: Path) -> None:
    build_sites(tmp_path / "sites", articles_per_site=400)
    db, warc_dir = tmp_path / "archive.db", tmp_path / "warcs"
    with running_sites(tmp_path / "sites") as bases:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "newsarc", "crawl", *bases.values(), "--fast",
             "--db", str(db), "--warc-dir", str(warc_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while committed_captures(db) < 100 and time.monotonic() < deadline:
            time.sleep(0.2)
        crawl.send_signal(signal.SIGINT)
        _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        "Error: the crawl was interrupted; what it archived is kept"
    )
    assert not [path for path in warc_dir.iterdir() if path.name.endswith((".open", ".partial"))]
    warcs = list(warc_dir.glob("*.warc.gz"))
    assert warcs and len(list(warc_dir.glob("*.cdxj"))) == len(warcs)
    assert warcio_check(*warcs).returncode == 0
    with sqlite3.connect(db) as conn:
        status = conn.execute("SELECT status FROM crawls").fetchone()[0]
        rows = conn.execute("SELECT warc_filename, warc_record_id FROM captures").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert status == "shutdown"
    assert 100 <= len(rows) < 1200 and articles > 0
    assert {name for name, _ in rows} <= {path.name for path in warcs}
    assert {record_id for _, record_id in rows} == response_record_ids(warcs)
