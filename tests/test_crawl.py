"""A real `newsarc crawl` of a local site: discovery, robots, WARC, database, search."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Response

from archive.publish import make_datasette
from archive.warc import read_response
from conftest import article_html, warcio_check
from crawler.spiders.news import NewsSpider, feed_entries

HOME = """<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Test Gazette</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>
<h1>Latest news</h1><ul>
<li><a href="/news/linked.html">Linked story</a></li>
<li><a href="/news/gzipped.html">Gzipped story</a></li>
<li><a href="/moved">Moved story</a></li>
<li><a href="/private/secret.html">Secret</a></li>
<li><a href="/missing.html">Missing</a></li>
<li><a href="http://127.0.0.2:9/elsewhere.html">Another site</a></li>
</ul></body></html>"""

ROBOTS = "User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap_index.xml\n"
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Test Gazette</title>
<item><title>Feed story</title><link>{base}/news/from-feed.html</link></item>
</channel></rss>"""
SITEMAP_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc></sitemap></sitemapindex>"""
NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/news/from-sitemap.html</loc><news:news><news:publication>
<news:name>Test Gazette</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2024-05-01</news:publication_date><news:title>Sitemap story</news:title>
</news:news></url></urlset>"""

ARTICLES = {
    "/news/linked.html": "Harbour bridge reopens after repairs",
    "/news/gzipped.html": "Compressed pages still tell stories",
    "/news/moved.html": "Library moves to the old station",
    "/news/from-feed.html": "Feed readers find the orchard festival",
    "/news/from-sitemap.html": "Sitemap lists the quarry decision",
    "/private/secret.html": "Secret page nobody may crawl",
}


def serve_site(server: HTTPServer) -> str:
    base = server.url_for("").rstrip("/")
    html = {"content_type": "text/html; charset=utf-8"}
    server.expect_request("/").respond_with_data(HOME, **html)
    server.expect_request("/robots.txt").respond_with_data(ROBOTS.format(base=base))
    server.expect_request("/feed.xml").respond_with_data(
        FEED.format(base=base), content_type="application/rss+xml"
    )
    for path, text in (("/sitemap_index.xml", SITEMAP_INDEX), ("/sitemap-news.xml", NEWS_SITEMAP)):
        server.expect_request(path).respond_with_data(
            text.format(base=base), content_type="application/xml"
        )
    server.expect_request("/moved").respond_with_response(
        Response(status=301, headers={"Location": "/news/moved.html"})
    )
    server.expect_request("/missing.html").respond_with_data("gone", status=404, **html)
    for path, headline in ARTICLES.items():
        body = article_html(path.rsplit("/", 1)[-1][:-5], headline)
        if path == "/news/gzipped.html":
            server.expect_request(path).respond_with_response(
                Response(
                    gzip.compress(body.encode()),
                    headers={"Content-Encoding": "gzip", "Content-Type": "text/html"},
                )
            )
        else:
            server.expect_request(path).respond_with_data(body, **html)
    return base


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("crawl")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        base = serve_site(server)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "newsarc",
                "crawl",
                base + "/",
                "--fast",
                "--db",
                str(out / "archive.db"),
                "--warc-dir",
                str(out / "warcs"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        requested = [request.path for request, _ in server.log]
        received = {request.path: dict(request.headers) for request, _ in server.log}
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite3.connect(out / "archive.db")
    db.row_factory = sqlite3.Row
    yield {"base": base, "out": out, "db": db, "requested": requested, "received": received}
    db.close()


def test_discovers_pages_by_links_feed_and_sitemap(crawled) -> None:
    urls = {row["url"] for row in crawled["db"].execute("SELECT url FROM articles")}
    expected = {crawled["base"] + path for path in ARTICLES if not path.startswith("/private/")}
    assert urls == expected
    titles = {row["title"] for row in crawled["db"].execute("SELECT title FROM articles")}
    assert "Harbour bridge reopens after repairs" in titles


def test_robots_txt_is_obeyed(crawled) -> None:
    assert "/robots.txt" in crawled["requested"]
    assert "/private/secret.html" not in crawled["requested"]


def test_requests_waiting_together_for_robots_txt_all_obey_it(tmp_path: Path) -> None:
    """Start URLs of one host wait together for its robots.txt; each must get its rules
    (Scrapy 2.13+'s own middleware lets all but the first through: crawler/middlewares.py)."""
    forbidden = [f"/private/page-{n}.html" for n in range(6)]
    with HTTPServer(host="127.0.0.1", port=0) as server:
        base = serve_site(server)
        for path in forbidden:
            server.expect_request(path).respond_with_data(article_html(path[9:-5], "Secret"))
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", base + "/", *[base + p for p in forbidden],
             "--fast", "--db", str(tmp_path / "a.db"), "--warc-dir", str(tmp_path / "warcs")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        requested = [request.path for request, _ in server.log]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "/news/linked.html" in requested
    assert not [path for path in requested if path.startswith("/private/")]


def test_every_page_fetched_once(crawled) -> None:
    pages = [path for path in crawled["requested"] if path != "/robots.txt"]
    assert len(pages) == len(set(pages))


def test_listing_pages_are_captured_not_extracted(crawled) -> None:
    row = (
        crawled["db"]
        .execute("SELECT page_type FROM captures WHERE url = ?", [crawled["base"] + "/"])
        .fetchone()
    )
    assert row["page_type"] == "listing"


def test_redirects_and_errors_are_captured(crawled) -> None:
    captures = {row["url"]: row for row in crawled["db"].execute("SELECT * FROM captures")}
    moved = captures[crawled["base"] + "/moved"]
    assert moved["status"] == 301
    assert moved["redirect_to"] == crawled["base"] + "/news/moved.html"
    assert captures[crawled["base"] + "/missing.html"]["status"] == 404
    assert captures[crawled["base"] + "/robots.txt"]["status"] == 200


def test_warc_files_are_valid_and_closed(crawled) -> None:
    files = sorted((crawled["out"] / "warcs").iterdir())
    warcs = [path for path in files if path.name.endswith(".warc.gz")]
    assert warcs and {path.suffix for path in files} == {".gz", ".cdxj"}
    check = warcio_check(*warcs)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_cdxj_index_lies_beside_every_warc(crawled) -> None:
    captures = {
        (row["url"], row["warc_offset"]): row
        for row in crawled["db"].execute("SELECT * FROM captures")
    }
    indexed = 0
    for warc in (crawled["out"] / "warcs").glob("*.warc.gz"):
        index = warc.with_name(warc.name.removesuffix(".warc.gz") + ".cdxj")
        lines = index.read_text().splitlines()
        assert lines == sorted(lines)
        for line in lines:
            entry = json.loads(line.split(" ", 2)[2])
            row = captures[(entry["url"], int(entry["offset"]))]
            assert (entry["filename"], int(entry["length"])) == (warc.name, row["warc_length"])
            assert entry["digest"] == row["payload_digest"]
            indexed += 1
    assert indexed == len(captures)


def test_every_capture_row_reads_back_its_record(crawled) -> None:
    rows = list(crawled["db"].execute("SELECT * FROM captures"))
    assert len(rows) >= 10
    for row in rows:
        stored = read_response(crawled["out"] / "warcs" / row["warc_filename"], row["warc_offset"])
        assert stored.url == row["url"]
        assert stored.record_id == row["warc_record_id"]
        assert stored.payload_digest == row["payload_digest"]
        assert stored.status == row["status"]


def records_in(path: Path, offset: int, length: int) -> list:
    """The records in exactly [offset, offset + length) of a WARC file."""
    with open(path, "rb") as warc:
        warc.seek(offset)
        chunk = warc.read(length)
    return [
        (record.rec_type, record.rec_headers, record.http_headers)
        for record in ArchiveIterator(io.BytesIO(chunk))
    ]


def test_warc_length_spans_exactly_the_response_record(crawled) -> None:
    for row in crawled["db"].execute("SELECT * FROM captures"):
        path = crawled["out"] / "warcs" / row["warc_filename"]
        [(kind, headers, _)] = records_in(path, row["warc_offset"], row["warc_length"])
        assert kind == "response"
        assert headers.get_header("WARC-Record-ID") == row["warc_record_id"]


def test_request_records_are_what_the_server_received(crawled) -> None:
    row = (
        crawled["db"]
        .execute("SELECT * FROM captures WHERE url = ?", [crawled["base"] + "/news/linked.html"])
        .fetchone()
    )
    path = crawled["out"] / "warcs" / row["warc_filename"]
    after = row["warc_offset"] + row["warc_length"]
    with open(path, "rb") as warc:
        warc.seek(after)
        request = next(iter(ArchiveIterator(warc)))
        assert request.rec_type == "request"
        assert request.rec_headers.get_header("WARC-Concurrent-To") == row["warc_record_id"]
        http = request.http_headers
        assert (http.protocol, http.statusline) == ("GET", "/news/linked.html HTTP/1.1")
        sent = crawled["received"]["/news/linked.html"]
        for name in ("Host", "User-Agent", "Accept-Encoding", "Referer"):
            assert http.get_header(name) == sent[name], name


def test_gzip_response_stays_gzip_in_warc(crawled) -> None:
    row = (
        crawled["db"]
        .execute("SELECT * FROM captures WHERE url = ?", [crawled["base"] + "/news/gzipped.html"])
        .fetchone()
    )
    stored = read_response(crawled["out"] / "warcs" / row["warc_filename"], row["warc_offset"])
    headers = {name.lower(): value for name, value in stored.http_headers}
    assert headers["content-encoding"] == "gzip"
    assert stored.raw_body[:2] == b"\x1f\x8b"
    assert headers["content-length"] == str(len(stored.raw_body)) == str(row["content_length"])
    assert b"Compressed pages still tell stories" in stored.body


def test_crawl_row_is_finished_with_stats(crawled) -> None:
    row = crawled["db"].execute("SELECT * FROM crawls").fetchone()
    assert row["status"] == "finished" and row["finished_at"]
    assert json.loads(row["stats"])["newsarc/articles"] == 5


def test_datasette_search_finds_articles_by_a_word(crawled) -> None:
    datasette = make_datasette(crawled["out"] / "archive.db")

    async def search(word: str) -> list[dict]:
        response = await datasette.client.get(f"/archive/articles.json?_search={word}&_shape=array")
        assert response.status_code == 200
        return response.json()

    assert asyncio.run(search("content-farm")) == []  # punctuation is not query syntax
    assert asyncio.run(search('"unbalanced')) == []
    found = asyncio.run(search("orchard"))
    assert [row["url"] for row in found] == [crawled["base"] + "/news/from-feed.html"]
    assert asyncio.run(search("zeppelin")) == []


def test_a_forced_recrawl_of_an_unchanged_site_archives_revisits(crawled, tmp_path: Path) -> None:
    crawled["db"].commit()
    out = Path(shutil.copytree(crawled["out"], tmp_path / "copy"))
    with HTTPServer(host="127.0.0.1", port=int(crawled["base"].rsplit(":", 1)[1])) as server:
        serve_site(server)
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", crawled["base"] + "/", "--fast",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs"),
             "-s", "NEWSARC_RECRAWL_MAX=0"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    db = sqlite3.connect(out / "archive.db")
    assert db.execute("SELECT count(*) FROM crawls WHERE status = 'finished'").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    # Every article was fetched again, found identical, and archived as a revisit of crawl 1.
    revisits = db.execute(
        "SELECT count(*) FROM articles JOIN captures ON captures.url = articles.url "
        "AND captures.crawl_id = 2 AND captures.record_type = 'revisit' "
        "JOIN captures AS original ON original.id = captures.revisit_of "
        "WHERE original.crawl_id = 1 AND articles.capture_id = original.id "
        "AND articles.last_seen >= captures.fetched_at"
    ).fetchone()[0]
    # (the test server gzips each answer anew, with a new timestamp: other bytes, no revisit)
    assert revisits == 4
    regzipped = db.execute(
        "SELECT captures.record_type, articles.crawl_id FROM articles JOIN captures "
        "ON captures.id = articles.capture_id WHERE articles.url LIKE '%/gzipped.html'"
    ).fetchone()
    assert regzipped == ("response", 2)
    # Same text, so no article has a second version.
    assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 5
    ids = [row[0] for row in db.execute("SELECT id FROM captures")]
    assert len(ids) == len(set(ids)) and len(ids) >= 20
    warcs = list((out / "warcs").glob("*.warc.gz"))
    assert len(warcs) == 2 and warcio_check(*warcs).returncode == 0


def test_feed_parsing_tolerates_junk() -> None:
    assert feed_entries(b"") == []
    assert feed_entries(b"<html><body>not a feed</body></html>") == []
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title> Quarry\n decision </title>'
        b'<link rel="enclosure" href="http://x/a.mp3"/><link href="http://x/story"/></entry></feed>'
    )
    assert feed_entries(atom) == [("http://x/story", "Quarry decision")]
    rss = (
        b"<rss><channel><item><title>Orchard</title><link>http://x/o</link></item></channel></rss>"
    )
    assert feed_entries(rss) == [("http://x/o", "Orchard")]


def test_links_are_yielded_once_per_depth_and_files_are_skipped() -> None:
    spider = NewsSpider(url="http://a.example/")
    assert spider.follows("http://a.example/story/1", depth=2)
    assert not spider.follows("http://a.example/story/1", depth=2)  # the menu, again
    assert spider.follows("http://a.example/story/1", depth=1)  # nearer: DEPTH_LIMIT may differ
    assert not spider.follows("http://a.example/files/report.PDF", depth=1)
    assert not spider.follows("http://a.example/dump.tar.gz", depth=1)
    assert spider.follows("http://a.example/pdf-guide", depth=1)  # no extension
    assert not spider.follows("http://elsewhere.example/story/1", depth=1)
    assert not spider.follows("mailto:desk@a.example", depth=1)
