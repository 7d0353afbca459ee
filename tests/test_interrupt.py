"""Ctrl+C, SIGTERM or a kill during a crawl: a consistent archive, and a resume that ends with
every page archived once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
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
        "Error: the crawl was interrupted; what it archived is kept (continue it with --resume)"
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


def crawl_command(bases: dict[str, str], db: Path, warc_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newsarc", "crawl", *bases.values(), "--fast",
            "--db", str(db), "--warc-dir", str(warc_dir), *extra]  # fmt: skip


def response_urls(warcs: list[Path]) -> Counter[str]:
    urls: Counter[str] = Counter()
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    urls[record.rec_headers.get_header("WARC-Target-URI")] += 1
    return urls


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume-sites")
    build_sites(folder, articles_per_site=150)
    return folder


@pytest.fixture(scope="module")
def complete(sites: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An uninterrupted crawl of the sites: what a resumed crawl must end up with."""
    out = tmp_path_factory.mktemp("complete")
    with running_sites(sites) as bases:
        result = subprocess.run(crawl_command(bases, out / "a.db", out / "warcs"),
                                capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(out / "a.db") as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    urls = response_urls(list((out / "warcs").glob("*.warc.gz")))
    return {"pages": site_paths(set(urls), bases), "articles": articles}


def site_paths(urls: set[str], bases: dict[str, str]) -> set[str]:
    """URLs with each site's base (its port changes from run to run) replaced by its name."""
    by_base = sorted(((base, key) for key, base in bases.items()), key=lambda p: -len(p[0]))
    return {next((key + url[len(base):] for base, key in by_base if url.startswith(base)), url)
            for url in urls}  # fmt: skip


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_crawl_resumes_to_every_page_archived_once(
    stop: signal.Signals, sites: Path, complete: dict, tmp_path: Path
) -> None:
    db, warc_dir = tmp_path / "archive.db", tmp_path / "warcs"
    with running_sites(sites) as bases:
        crawl = subprocess.Popen(crawl_command(bases, db, warc_dir),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while committed_captures(db) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        crawl.send_signal(stop)
        crawl.wait(timeout=120)
        before = committed_captures(db)
        resumed = subprocess.run(crawl_command(bases, db, warc_dir, "--resume"),
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "newsarc: resuming crawl 1: what it archived is not fetched again" in resumed.stderr
    if stop == signal.SIGKILL:
        assert "newsarc: crawl 1 had died: recorded as failed" in resumed.stderr
    assert not [path for path in warc_dir.iterdir() if path.name.endswith((".open", ".partial"))]
    warcs = sorted(warc_dir.glob("*.warc.gz"))
    assert warcio_check(*warcs).returncode == 0
    urls = response_urls(warcs)
    assert site_paths(set(urls), bases) == complete["pages"]  # every page archived ...
    assert max(urls.values()) == 1  # ... once
    with sqlite3.connect(db) as conn:
        crawls = conn.execute("SELECT id, status, resumes FROM crawls ORDER BY id").fetchall()
        rows = conn.execute("SELECT warc_filename, warc_record_id FROM captures").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    expected_status = "failed" if stop == signal.SIGKILL else "shutdown"
    assert crawls == [(1, expected_status, None), (2, "finished", 1)]
    assert 100 <= before < len(rows)
    assert {record_id for _, record_id in rows} == response_record_ids(warcs)
    assert {name for name, _ in rows} <= {path.name for path in warcs}
    assert articles == complete["articles"]
