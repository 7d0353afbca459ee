"""The crawl learns each site as it goes, and ends with what reading every page first gives."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer

from extractors.site import extract_site

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from farm_sites import generate  # noqa: E402

PAGES = 40


def crawl_farm(
    out: Path, site: list, linked: slice = slice(None), port: int = 0
) -> list[tuple[str, object]]:
    """Serve the farm pages, link `linked` of them from the home page, crawl; (url, page)s."""
    with HTTPServer(host="127.0.0.1", port=port) as server:
        base = server.url_for("").rstrip("/")
        pages = [(f"{base}/story/{index}.html", page) for index, page in enumerate(site)]
        links = "".join(f'<li><a href="{url}">{page.title}</a></li>' for url, page in pages[linked])
        server.expect_request("/").respond_with_data(
            f"<html><head><title>Home</title></head><body><ul>{links}</ul></body></html>",
            content_type="text/html",
        )
        for url, page in pages:
            server.expect_request(urlsplit(url).path).respond_with_data(
                page.html, content_type="text/html; charset=utf-8"
            )
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", base + "/", "--fast", "--depth", "1",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs")],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return pages


def stored_articles(db_path: Path) -> dict[str, dict]:
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return {row["url"]: dict(row) for row in db.execute("SELECT * FROM articles")}


@pytest.fixture(scope="module")
def farm_crawl(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("farm")
    pages = crawl_farm(out, generate(n_sites=1, pages_per_site=PAGES, seed=3))
    db = sqlite3.connect(out / "archive.db")
    db.row_factory = sqlite3.Row
    articles = stored_articles(out / "archive.db")
    site_row = dict(db.execute("SELECT * FROM sites").fetchone())
    db.close()
    return {"pages": pages, "articles": articles, "site": site_row}


def test_crawl_strips_the_sites_boilerplate_and_titles(farm_crawl) -> None:
    articles = farm_crawl["articles"]
    assert len(articles) == PAGES
    for url, page in farm_crawl["pages"]:
        row = articles[url]
        assert row["title"] == page.title
        assert row["site_name"] == page.site_name
        for block in page.boilerplate:
            for line in block.split("\n"):
                assert line.strip().lower() not in row["text"].lower(), line
        assert page.body.split("\n")[0][:60] in row["text"]


def test_crawl_ends_where_reading_every_page_first_does(farm_crawl) -> None:
    pages = [(url, page.html) for url, page in farm_crawl["pages"]]
    expected = extract_site(pages)
    for (url, _), record in zip(pages, expected, strict=True):
        row = farm_crawl["articles"][url]
        assert (row["title"], row["site_name"], row["text"]) == (
            record.title,
            record.site_name,
            record.text,
        )


def test_word_counts_count_the_texts_cleaned_or_not(farm_crawl) -> None:
    from archive.ingest import page_record
    from extractors.article import WORD_RE

    cleaned = 0
    for row in farm_crawl["articles"].values():
        assert row["word_count"] == len(WORD_RE.findall(row["text"])), row["url"]
        cleaned += row["text"] != row["raw_text"]
        # A stored count is reused only for the text it counts.
        expected = row["word_count"] if row["text"] == row["raw_text"] else 0
        assert page_record(row).word_count == expected
    assert cleaned  # the site's boilerplate was cut from some texts
    pages = [(url, page.html) for url, page in farm_crawl["pages"]]
    for record in extract_site(pages):
        assert record is not None and record.word_count == len(WORD_RE.findall(record.text))


def test_what_was_learned_is_kept_in_sites(farm_crawl) -> None:
    site = farm_crawl["site"]
    profile = json.loads(site["profile"])
    assert profile["pages"] == PAGES
    page = farm_crawl["pages"][0][1]
    assert page.site_name in json.loads(site["title_affixes"])
    assert site["boilerplate_lines"] >= 1


def test_the_next_crawl_starts_from_what_was_learned(tmp_path: Path) -> None:
    site = generate(n_sites=1, pages_per_site=PAGES, seed=4)
    with socket.socket() as probe:  # one port for both crawls: one host, one profile
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    crawl_farm(tmp_path, site, slice(0, PAGES // 2), port)
    with sqlite3.connect(tmp_path / "archive.db") as db:
        first = json.loads(db.execute("SELECT profile FROM sites").fetchone()[0])
    assert first["pages"] == PAGES // 2
    pages = crawl_farm(tmp_path, site, slice(PAGES // 2, None), port)
    articles = stored_articles(tmp_path / "archive.db")
    assert len(articles) == PAGES
    expected = extract_site([(url, page.html) for url, page in pages])
    for (url, _), record in zip(pages, expected, strict=True):
        assert (articles[url]["title"], articles[url]["text"]) == (record.title, record.text)
