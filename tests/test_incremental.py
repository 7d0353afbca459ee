"""Incremental crawls of a site that changes between runs: revisits, versions, removals."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Request, Response

from archive.publish import make_datasette
from conftest import article_html, warcio_check

MODIFIED = format_datetime(datetime(2026, 11, 1, tzinfo=UTC), usegmt=True)


class ChangingSite:
    """A news site served with ETag and Last-Modified, whose pages the test edits."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}  # path -> (content type, body)
        self.requests: list[tuple[str, bool]] = []  # (path, was conditional)

    def put_article(self, slug: str, headline: str, extra: str = "") -> None:
        html = article_html(slug, headline).replace("</article>", f"<p>{extra}</p></article>")
        self.pages[f"/news/{slug}.html"] = ("text/html; charset=utf-8", html)

    def set_listing(self, base: str) -> None:
        slugs = sorted(p for p in self.pages if p.startswith("/news/"))
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in slugs)
        feed = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        self.pages["/"] = (
            "text/html",
            f"<html><head>{feed}</head><body><ul>{links}</ul></body></html>",
        )
        items = "".join(f"<item><title>{p}</title><link>{base}{p}</link></item>" for p in slugs)
        rss = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
        self.pages["/feed.xml"] = ("application/rss+xml", rss)
        urls = "".join(f"<url><loc>{base}{p}</loc></url>" for p in slugs)
        sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        self.pages["/sitemap.xml"] = ("application/xml", sitemap)
        self.pages["/robots.txt"] = ("text/plain", f"User-agent: *\nSitemap: {base}/sitemap.xml\n")

    def handle(self, request: Request) -> Response:
        conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
        self.requests.append((request.path, conditional))
        if request.path not in self.pages:
            return Response("gone", status=404)
        content_type, body = self.pages[request.path]
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        headers = {"ETag": etag, "Last-Modified": MODIFIED}
        return Response(body, headers=headers, content_type=content_type)


@pytest.fixture
def site() -> tuple[ChangingSite, HTTPServer]:
    changing = ChangingSite()
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("").respond_with_handler(changing.handle)
        for slug, headline in [("calm", "Calm harbour"), ("edit", "Bridge vote"),
                               ("gone", "Mayor resigns")]:  # fmt: skip
            changing.put_article(slug, headline)
        changing.set_listing(server.url_for("").rstrip("/"))
        yield changing, server


def crawl(server: HTTPServer, out: Path, *settings: str) -> subprocess.CompletedProcess:
    extra = [item for setting in settings for item in ("-s", setting)]
    return subprocess.run(
        [sys.executable, "-m", "newsarc", "crawl", server.url_for("/"), "--fast",
         "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs"), *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def records_of_crawl(out: Path, crawl_id: int) -> Counter[str]:
    """WARC record types (`response` / `revisit:<status>`) of the files one crawl wrote."""
    with sqlite3.connect(out / "archive.db") as conn:
        sql = "SELECT DISTINCT warc_filename FROM captures WHERE crawl_id = ?"
        names = {name for (name,) in conn.execute(sql, [crawl_id])}
    kinds: Counter[str] = Counter()
    for name in names:
        with open(out / "warcs" / name, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "revisit":
                    kinds[f"revisit:{record.http_headers.get_statuscode()}"] += 1
                elif record.rec_type == "response":
                    kinds["response"] += 1
    return kinds


def query(out: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(out / "archive.db") as conn:
        return conn.execute(sql, params).fetchall()


def test_a_second_run_of_an_unchanged_site_writes_revisits_only(site, tmp_path: Path) -> None:
    changing, server = site
    assert crawl(server, tmp_path).returncode == 0
    first_requests = len(changing.requests)
    changing.requests.clear()
    second = crawl(server, tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    fetched = {path for path, _ in changing.requests}
    # Feeds, sitemaps, robots.txt and the front page are read again; no article is due yet.
    assert fetched == {"/", "/robots.txt", "/feed.xml", "/sitemap.xml"}
    assert len(changing.requests) < first_requests
    kinds = records_of_crawl(tmp_path, 2)
    assert kinds["response"] == 0 and sum(kinds.values()) == 4
    # The front page and robots.txt are fetched whole (identical payload: a 200 revisit); the
    # feed and sitemap by conditional GET, answered 304.
    assert kinds == Counter({"revisit:200": 2, "revisit:304": 2})
    revisits = query(
        tmp_path,
        "SELECT r.url, o.crawl_id, r.revisit_of = o.id FROM captures r JOIN captures o "
        "ON o.id = r.revisit_of WHERE r.crawl_id = 2",
    )
    assert len(revisits) == 4 and all(crawl_id == 1 and same for _, crawl_id, same in revisits)
    assert query(tmp_path, "SELECT count(*) FROM article_versions") == [(3,)]
    assert warcio_check(*sorted((tmp_path / "warcs").glob("*.warc.gz"))).returncode == 0


def test_changed_articles_get_versions_and_removed_ones_are_marked(site, tmp_path: Path) -> None:
    changing, server = site
    assert crawl(server, tmp_path).returncode == 0
    changing.put_article("edit", "Bridge vote delayed", "Councillors asked for a new survey.")
    del changing.pages["/news/gone.html"]
    changing.requests.clear()
    # Every archived article due now (max interval 0): each is fetched again, conditionally.
    second = crawl(server, tmp_path, "NEWSARC_RECRAWL_MAX=0")
    assert second.returncode == 0, second.stderr[-2000:]
    article_requests = {p: c for p, c in changing.requests if p.startswith("/news/")}
    assert article_requests == {
        "/news/calm.html": True, "/news/edit.html": True, "/news/gone.html": True
    }  # fmt: skip

    rows = query(
        tmp_path, "SELECT url, title, version_count, removed_at FROM articles ORDER BY url"
    )
    by_slug = {url.rsplit("/", 1)[1]: rest for url, *rest in rows}
    assert by_slug["calm.html"] == ["Calm harbour", 1, None]
    assert by_slug["edit.html"] == ["Bridge vote delayed", 2, None]
    assert by_slug["gone.html"][:2] == ["Mayor resigns", 1] and by_slug["gone.html"][2]
    versions = query(
        tmp_path,
        "SELECT v.version, v.title, c.crawl_id FROM article_versions v JOIN captures c "
        "ON c.id = v.capture_id WHERE v.url LIKE '%/edit.html' ORDER BY v.version",
    )
    assert versions == [(1, "Bridge vote", 1), (2, "Bridge vote delayed", 2)]
    assert records_of_crawl(tmp_path, 2)["revisit:304"] >= 1  # calm.html, unchanged

    article_id = query(tmp_path, "SELECT id FROM articles WHERE url LIKE '%/edit.html'")[0][0]
    diff = asyncio.run(
        make_datasette(tmp_path / "archive.db").client.get(f"/-/article/{article_id}/diff")
    )
    assert diff.status_code == 200
    assert '<h2>Title</h2><div class="diff">Bridge vote<ins> delayed</ins></div>' in diff.text
    assert "<ins>\nCouncillors asked for a new survey.</ins>" in diff.text


def test_a_removed_article_that_returns_is_no_longer_marked(site, tmp_path: Path) -> None:
    changing, server = site
    assert crawl(server, tmp_path).returncode == 0
    kept = changing.pages.pop("/news/gone.html")
    assert crawl(server, tmp_path, "NEWSARC_RECRAWL_MAX=0").returncode == 0
    assert query(
        tmp_path, "SELECT removed_at IS NOT NULL FROM articles WHERE url LIKE '%gone%'"
    ) == [(1,)]
    changing.pages["/news/gone.html"] = kept
    assert crawl(server, tmp_path, "NEWSARC_RECRAWL_MAX=0").returncode == 0
    assert query(tmp_path, "SELECT removed_at FROM articles WHERE url LIKE '%gone%'") == [(None,)]


def test_a_revisit_capture_replays_its_original_body(site, tmp_path: Path) -> None:
    _changing, server = site
    assert crawl(server, tmp_path).returncode == 0
    assert crawl(server, tmp_path).returncode == 0
    revisit, original = query(
        tmp_path,
        "SELECT id, revisit_of FROM captures WHERE crawl_id = 2 AND url LIKE '%/feed.xml'",
    )[0]
    datasette = make_datasette(tmp_path / "archive.db")

    async def get(path: str):
        return await datasette.client.get(path)

    page = asyncio.run(get(f"/-/capture/{revisit}")).text
    assert f'unchanged since <a href="/-/capture/{original}">capture {original}</a>' in page
    body = asyncio.run(get(f"/-/capture/{revisit}/source")).text
    assert "<rss" in body and body == asyncio.run(get(f"/-/capture/{original}/source")).text


def test_reindex_rebuilds_versions_revisits_and_removals(site, tmp_path: Path) -> None:
    changing, server = site
    assert crawl(server, tmp_path).returncode == 0
    changing.put_article("edit", "Bridge vote delayed", "Councillors asked for a new survey.")
    del changing.pages["/news/gone.html"]
    assert crawl(server, tmp_path, "NEWSARC_RECRAWL_MAX=0").returncode == 0
    rebuilt = tmp_path / "rebuilt.db"
    result = subprocess.run(
        [sys.executable, "-m", "newsarc", "reindex", str(tmp_path / "warcs"), "--db", str(rebuilt)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    versions = (
        "SELECT v.url, v.version, v.title, v.text, c.warc_filename, c.warc_offset "
        "FROM article_versions v JOIN captures c ON c.id = v.capture_id ORDER BY 1, 2"
    )
    articles = "SELECT url, title, version_count, removed_at IS NOT NULL FROM articles ORDER BY 1"
    revisits = (
        "SELECT r.url, r.status, o.warc_offset FROM captures r JOIN captures o "
        "ON o.id = r.revisit_of ORDER BY r.warc_offset"
    )
    with sqlite3.connect(rebuilt) as again:
        for sql in (versions, articles, revisits):
            assert again.execute(sql).fetchall() == query(tmp_path, sql), sql
    assert len(query(tmp_path, versions)) == 4 and query(tmp_path, revisits)
