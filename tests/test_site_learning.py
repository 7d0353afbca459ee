"""The crawl learns each site as it goes, and ends with what reading every page first gives."""

from __future__ import annotations

import json
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


@pytest.fixture(scope="module")
def farm_crawl(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("farm")
    site = generate(n_sites=1, pages_per_site=PAGES, seed=3)
    with HTTPServer(host="127.0.0.1", port=0) as server:
        base = server.url_for("").rstrip("/")
        pages = [(base + urlsplit(page.url).path, page) for page in site]
        links = "".join(f'<li><a href="{url}">{page.title}</a></li>' for url, page in pages)
        server.expect_request("/").respond_with_data(
            f"<html><head><title>Home</title></head><body><ul>{links}</ul></body></html>",
            content_type="text/html",
        )
        for url, page in pages:
            server.expect_request(urlsplit(url).path).respond_with_data(
                page.html, content_type="text/html; charset=utf-8"
            )
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", base + "/", "--fast",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs")],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite3.connect(out / "archive.db")
    db.row_factory = sqlite3.Row
    articles = {row["url"]: dict(row) for row in db.execute("SELECT * FROM articles")}
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


def test_what_was_learned_is_kept_in_sites(farm_crawl) -> None:
    site = farm_crawl["site"]
    profile = json.loads(site["profile"])
    assert profile["pages"] == PAGES
    page = farm_crawl["pages"][0][1]
    assert page.site_name in json.loads(site["title_affixes"])
    assert site["boilerplate_lines"] >= 1
