"""The demo sites crawled for real (every article archived, searchable), and `newsarc demo`."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from archive.warc import read_response
from conftest import warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites
from newsarc.demo.vocab import VISA_CATEGORIES

ARTICLES_PER_SITE = 100


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    manifest = build_sites(out / "sites", articles_per_site=ARTICLES_PER_SITE)
    with running_sites(out / "sites", chunked_gzip=True) as bases:
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", *bases.values(), "--fast",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs")],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite3.connect(out / "archive.db")
    db.row_factory = sqlite3.Row
    yield {"out": out, "manifest": manifest["sites"], "bases": bases, "db": db}
    db.close()


def site_urls(demo_crawl, kind: str) -> set[str]:
    return {
        demo_crawl["bases"][key] + (entry["path"] if isinstance(entry, dict) else entry)
        for key, site in demo_crawl["manifest"].items()
        for entry in site[kind]
    }


def test_every_article_page_is_a_row(demo_crawl) -> None:
    expected = site_urls(demo_crawl, "articles")
    assert len(expected) == 4 * ARTICLES_PER_SITE
    stored = {row["url"] for row in demo_crawl["db"].execute("SELECT url FROM articles")}
    assert stored == expected


def test_listing_pages_are_not_articles(demo_crawl) -> None:
    listings = site_urls(demo_crawl, "listings")
    rows = demo_crawl["db"].execute("SELECT url, page_type FROM captures WHERE status = 200")
    types = {row["url"]: row["page_type"] for row in rows}
    for url in listings:
        assert types.get(url) == "listing", url


def test_robots_disallowed_pages_are_not_fetched(demo_crawl) -> None:
    disallowed = site_urls(demo_crawl, "disallowed")
    assert len(disallowed) == 4
    captured = {row["url"] for row in demo_crawl["db"].execute("SELECT url FROM captures")}
    assert not disallowed & captured


def test_warcs_pass_warcio_check_and_none_left_open(demo_crawl) -> None:
    files = list((demo_crawl["out"] / "warcs").iterdir())
    assert files and not [f for f in files if f.name.endswith((".open", ".partial"))]
    check = warcio_check(*[f for f in files if f.name.endswith(".warc.gz")])
    assert check.returncode == 0, check.stdout[-2000:]


def test_chunked_gzip_responses_are_stored_unframed(demo_crawl) -> None:
    row = (
        demo_crawl["db"]
        .execute(
            "SELECT * FROM captures WHERE host = ? AND status = 200 "
            "AND content_type LIKE 'text/html%'",
            [demo_crawl["bases"]["tribune"].removeprefix("http://")],
        )
        .fetchone()
    )
    stored = read_response(demo_crawl["out"] / "warcs" / row["warc_filename"], row["warc_offset"])
    headers = {name.lower(): value for name, value in stored.http_headers}
    assert "transfer-encoding" not in headers
    assert headers["content-encoding"] == "gzip"
    assert headers["content-length"] == str(len(stored.raw_body))
    assert stored.body.lstrip().lower().startswith(b"<!doctype html")


def test_content_farm_titles_are_cleaned(demo_crawl) -> None:
    farm_host = demo_crawl["bases"]["farm"].removeprefix("http://")
    rows = list(demo_crawl["db"].execute("SELECT * FROM articles WHERE host = ?", [farm_host]))
    assert len(rows) == ARTICLES_PER_SITE
    for row in rows:
        assert not row["title"].startswith("Job Recruitment Website")
        assert row["site_name"] == "Job Recruitment Website"
        assert row["category"]
    seed = [r for r in rows if "Lianbang Summit" in r["text"]]
    assert len(seed) == 1
    assert seed[0]["title"].startswith("What is the significance of Putin's upcoming trip")
    assert seed[0]["category"] == "Ranking of immigration countries"


def test_second_farm_titles_are_cleaned(demo_crawl) -> None:
    visas_host = demo_crawl["bases"]["visas"].removeprefix("http://")
    rows = list(demo_crawl["db"].execute("SELECT * FROM articles WHERE host = ?", [visas_host]))
    titles = {a["path"]: a["title"] for a in demo_crawl["manifest"]["visas"]["articles"]}
    assert len(rows) == len(titles) == ARTICLES_PER_SITE
    for row in rows:
        assert row["title"] == titles[row["url"].removeprefix("http://" + visas_host)]
        assert row["site_name"] == "Overseas Visa Jobs"
        assert row["category"] in VISA_CATEGORIES


def test_stories_copied_by_both_farms_have_three_captures(demo_crawl) -> None:
    farmed = {a["copy_of"] for a in demo_crawl["manifest"]["farm"]["articles"]}
    twice = [a["copy_of"] for a in demo_crawl["manifest"]["visas"]["articles"]
             if a["copy_of"] in farmed]  # fmt: skip
    assert len(twice) == ARTICLES_PER_SITE // 2
    for source in twice:
        key, path = source.split(":", 1)
        title = next(a["title"] for a in demo_crawl["manifest"][key]["articles"]
                     if a["path"] == path)  # fmt: skip
        rows = demo_crawl["db"].execute("SELECT host FROM articles WHERE title = ?", [title])
        hosts = {row["host"] for row in rows}
        bases = {demo_crawl["bases"][k].removeprefix("http://") for k in (key, "farm", "visas")}
        assert hosts == bases


def test_the_farms_share_their_tracker_ids(demo_crawl) -> None:
    host = {key: base.removeprefix("http://") for key, base in demo_crawl["bases"].items()}
    rows = demo_crawl["db"].execute("SELECT host, kind, tracker_id FROM site_trackers")
    found: dict[str, set[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row["host"], set()).add((row["kind"], row["tracker_id"]))
    shared = {("adsense", "ca-pub-4817293650128374"), ("ga4", "G-7QK2M9XR4T")}
    assert found == {
        host["farm"]: shared,
        host["visas"]: shared,
        host["ledger"]: {("ga4", "G-L3DG3R2024")},
    }
    signals = dict(demo_crawl["db"].execute(
        "SELECT host, reason FROM site_signals WHERE signal = 'shared_trackers'"
    ).fetchall())  # fmt: skip
    assert set(signals) == {host["farm"], host["visas"]}
    assert signals[host["farm"]].startswith(
        f"shares AdSense ca-pub-4817293650128374 with {host['visas']}; "
        f"GA4 G-7QK2M9XR4T with {host['visas']}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_demo_command_crawls_and_serves(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "newsarc", "demo", "--dir", str(tmp_path / "demo"),
               "--articles", "5", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in proc.stderr:
            if f"http://127.0.0.1:{port}/" in line or time.monotonic() > deadline:
                break
        url = f"http://127.0.0.1:{port}/archive/articles.json?_search=Putin&_shape=array"
        rows = None
        while rows is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    rows = json.load(response)
            except OSError:
                time.sleep(0.2)
        assert rows and rows[0]["site_name"] == "Job Recruitment Website"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (tmp_path / "demo" / "archive.db").exists()
