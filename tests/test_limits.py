"""Resource bounds against a site that misbehaves on purpose: a body too big, a gzip bomb, a
server that trickles, redirect loops, endless calendars, session IDs, repeated path segments
and sitemaps that never end. The crawl finishes, archives what it should, and says why."""

from __future__ import annotations

import gzip
import json
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import StopDownload
from scrapy.http.headers import Headers
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from conftest import article_html
from crawler.limits import MAX_DEFLATE_RATIO, BodySizeLimit, Inflated, trap_kind

MEMBER = gzip.compress(bytes(1 << 20), compresslevel=9)  # 1 MiB of zeros in ~1 KB
BOMB_MEMBERS = 10_000  # ~10 MB that inflate to ~10 GB
BIG_PAGE = ("<html><body><h1>Big</h1>" + "<p>filler text</p>" * 300_000 + "</body></html>").encode()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://a.test/2024/06/23/a-story.html", None),
        ("http://a.test/2024/06/23/", "calendar"),
        ("http://a.test/calendar/2031/12", "calendar"),
        ("http://a.test/events?date=20240101", "calendar"),
        ("http://a.test/x;jsessionid=0123456789ABCDEF0123", "session_id"),
        ("http://a.test/?PHPSESSID=abcdef0123456789abcd", "session_id"),
        ("http://a.test/?sid=short", None),
        ("http://a.test/a/b/a/b/a/b", "repeated_segment"),
        ("http://a.test/1/2/3/4/5/6/7/8/9/10/11/12/13", "deep_path"),
        ("http://a.test/?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9", "many_params"),
        ("http://a.test/category/events/", None),
        ("http://a.test/?s=a+very+long+search+query", None),
    ],
)
def test_trap_kinds(url: str, kind: str | None) -> None:
    assert trap_kind(url) == kind


def test_inflated_size_is_counted_across_gzip_members_without_keeping_it() -> None:
    counter = Inflated()
    body = MEMBER * 3
    for start in range(0, len(body), 700):  # in the chunks a download would bring
        counter.feed(body[start : start + 700], limit=10 << 20)
    assert counter.size == 3 << 20
    stopped = Inflated()
    assert stopped.feed(MEMBER * 50, limit=2 << 20) <= (2 << 20) + Inflated.CHUNK
    assert Inflated().feed(zlib.compress(b"x" * 1000), limit=10_000) == 1000


def test_a_retried_download_is_counted_from_zero() -> None:
    """The byte count of a try is not carried into its retry (a copy of the request)."""
    crawler = get_crawler(Spider, {"NEWSARC_MAX_BODY_SIZE": 1000, "DOWNLOAD_MAXSIZE": 0})
    limit = BodySizeLimit.from_crawler(crawler)
    first = Request("http://a.example/big")
    limit.headers_received(Headers(), 0, first)
    limit.bytes_received(b"x" * 600, first)
    limit.left(first)  # the try failed (a dropped connection): RetryMiddleware copies it
    retry = first.copy()
    limit.headers_received(Headers(), 0, retry)
    limit.bytes_received(b"x" * 600, retry)  # 1,200 bytes over both tries: not a cut
    with pytest.raises(StopDownload):
        limit.bytes_received(b"x" * 401, retry)
    assert crawler.stats.get_value("newsarc/limits/body_truncated") == 1
    assert not limit.received and not limit.inflating  # nothing kept once it left


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress])
def test_deflate_inflates_to_at_most_1032_times_its_size(compress) -> None:
    """The bound the guard waits on, on the most compressible body there is."""
    body = compress(bytes(16 << 20), 9)
    assert (16 << 20) / len(body) <= MAX_DEFLATE_RATIO


def gzip_guard(maxsize: int) -> tuple[BodySizeLimit, Request]:
    crawler = get_crawler(Spider, {"NEWSARC_MAX_BODY_SIZE": 32 << 20, "DOWNLOAD_MAXSIZE": maxsize})
    limit = BodySizeLimit.from_crawler(crawler)
    request = Request("http://a.example/page")
    limit.headers_received(Headers({"Content-Encoding": "gzip"}), 0, request)
    return limit, request


def test_a_page_too_short_to_be_a_bomb_is_not_inflated_by_the_guard() -> None:
    page = gzip.compress(BIG_PAGE[:400_000])  # a few KB: under 65 KB, no bomb past 64 MiB
    assert len(page) * MAX_DEFLATE_RATIO <= 64 << 20
    limit, request = gzip_guard(64 << 20)
    for start in range(0, len(page), 700):
        limit.bytes_received(page[start : start + 700], request)
    assert not limit.inflating  # HttpCompressionMiddleware inflates it, once
    limit.left(request)
    assert not limit.waiting and not limit.received


def test_a_bomb_is_cut_on_the_chunk_that_inflates_past_the_limit() -> None:
    """Waiting for a body to be long enough changes nothing to where a bomb is cut: on the
    chunk with which what came inflates past DOWNLOAD_MAXSIZE, as inflating every chunk does."""
    bomb, maxsize, size = MEMBER * 300, 128 << 20, 4096
    chunks = [bomb[start : start + size] for start in range(0, len(bomb), size)]
    every_chunk = Inflated()
    expected = next(
        at for at, chunk in enumerate(chunks) if every_chunk.feed(chunk, maxsize) > maxsize
    )
    assert expected * size > maxsize // MAX_DEFLATE_RATIO  # the guard waited for some chunks
    limit, request = gzip_guard(maxsize)
    for at, chunk in enumerate(chunks):
        if at < expected:
            limit.bytes_received(chunk, request)
        else:
            with pytest.raises(StopDownload):
                limit.bytes_received(chunk, request)
            break
    assert limit.stats.get_value("newsarc/limits/inflated_truncated") == 1
    assert not limit.waiting and not limit.inflating  # nothing kept once it was cut


class Hostile(BaseHTTPRequestHandler):
    """The misbehaving site (see the module docstring)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if path == "/":
            links = ["/story.html", "/calendar/2000/1", "/loop1", "/big.html", "/bomb.html",
                     "/trickle.html", "/a/", f"/s?sid={secrets.token_hex(12)}",
                     "/long?" + "x" * 3000]  # fmt: skip
            self.html("".join(f'<a href="{link}">{link}</a> ' for link in links))
        elif path == "/robots.txt":
            self.send(f"User-agent: *\nSitemap: {base}/sitemap-0.xml\n".encode(), "text/plain")
        elif path.startswith("/sitemap-"):
            number = int(path[9:-4])
            entries = [f"{base}/sitemap-{number}.xml", f"{base}/sitemap-{number + 1}.xml"]
            self.send(sitemap_index(entries), "application/xml")
        elif path == "/story.html":
            self.send(article_html("story", "The one good story").encode(), "text/html")
        elif path.startswith("/calendar/"):
            year, month = map(int, path.split("/")[2:4])
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            self.html(f'<h1>Events</h1><a href="/calendar/{year}/{month}">next month</a>')
        elif path.startswith("/a/"):
            self.html('<h1>Deeper</h1><a href="a/">deeper</a>')
        elif path.startswith("/s?"):
            self.html(f'<h1>Session</h1><a href="/s?sid={secrets.token_hex(12)}">again</a>')
        elif path in ("/loop1", "/loop2"):
            self.redirect("/loop2" if path == "/loop1" else "/loop1")
        elif path == "/big.html":
            self.send(BIG_PAGE, "text/html")
        elif path == "/bomb.html":
            self.bomb()
        elif path == "/trickle.html":
            self.trickle()
        else:
            self.send(b"not found", "text/plain", 404)

    def html(self, body: str) -> None:
        self.send(f"<html><body>{body}</body></html>".encode(), "text/html")

    def send(self, body: bytes, kind: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, target: str) -> None:
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def bomb(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(MEMBER) * BOMB_MEMBERS))
        self.end_headers()
        try:
            for _ in range(BOMB_MEMBERS // 100):
                self.wfile.write(MEMBER * 100)
        except OSError:  # the crawler hung up: as it should
            pass

    def trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass


def sitemap_index(urls: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    out = tmp_path_factory.mktemp("hostile")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "newsarc", "crawl", base + "/", "--fast", "--db",
         str(out / "a.db"), "--warc-dir", str(out / "warcs"), "-s", "DOWNLOAD_TIMEOUT=3",
         "-s", "NEWSARC_MAX_BODY_SIZE=1000000", "-s", "NEWSARC_TRAP_BUDGET=10",
         "-s", "DEPTH_LIMIT=8", "-s", "RETRY_ENABLED=False"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    server.shutdown()
    with sqlite3.connect(out / "a.db") as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])
        rows = conn.execute("SELECT url, status, page_type FROM captures").fetchall()
    yield {"done": done, "elapsed": elapsed, "stats": stats, "rows": rows, "base": base,
           "out": out}  # fmt: skip


def warc_records(out: Path) -> dict[str, object]:
    found = {}
    for path in (out / "warcs").glob("*.warc.gz"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found[url] = (
                        record.rec_headers.get_header("WARC-Truncated"),
                        len(record.raw_stream.read()),  # as it came: still gzip
                    )
    return found


def paths(hostile: dict, prefix: str) -> list[str]:
    return [url[len(hostile["base"]) :] for url, _, _ in hostile["rows"]
            if url[len(hostile["base"]) :].startswith(prefix)]  # fmt: skip


def test_the_crawl_finishes_and_archives_the_good_page(hostile: dict) -> None:
    assert hostile["done"].returncode == 0, hostile["done"].stderr[-3000:]
    assert hostile["elapsed"] < 120
    story = [row for row in hostile["rows"] if row[0].endswith("/story.html")]
    assert story == [(hostile["base"] + "/story.html", 200, "article")]


def test_a_body_too_big_is_cut_and_archived_truncated(hostile: dict) -> None:
    truncated, size = warc_records(hostile["out"])[hostile["base"] + "/big.html"]
    assert truncated == "length"
    assert 1_000_000 < size < 1_100_000 < len(BIG_PAGE)
    assert hostile["stats"]["newsarc/limits/body_truncated"] == 1


def test_a_gzip_bomb_is_cut_early_and_archived_truncated(hostile: dict) -> None:
    truncated, size = warc_records(hostile["out"])[hostile["base"] + "/bomb.html"]
    assert truncated == "length"
    assert size < 200_000  # 64 MB of inflated zeros come from ~64 KB of the 10 MB
    assert hostile["stats"]["newsarc/limits/inflated_truncated"] == 1


def test_a_trickling_server_times_out_and_the_crawl_goes_on(hostile: dict) -> None:
    timeouts = [k for k in hostile["stats"] if "exception_type_count" in k and "Timeout" in k]
    assert timeouts, sorted(hostile["stats"])
    assert not [row for row in hostile["rows"] if row[0].endswith("/trickle.html")]


def test_traps_are_cut_at_their_budget(hostile: dict) -> None:
    stats = hostile["stats"]
    for kind, prefix in (("calendar", "/calendar/"), ("repeated_segment", "/a/"),
                         ("session_id", "/s?")):  # fmt: skip
        assert stats[f"newsarc/traps/dropped/{kind}"] >= 1, kind
        assert len(paths(hostile, prefix)) <= 10 + 2, kind  # the budget is per host, shared


def test_a_url_too_long_is_not_followed(hostile: dict) -> None:
    assert hostile["stats"]["urllength/request_ignored_count"] == 1  # URLLENGTH_LIMIT, 2,083
    assert not paths(hostile, "/long")


def test_redirect_loops_and_endless_sitemaps_end(hostile: dict) -> None:
    assert len(paths(hostile, "/loop")) <= 3
    assert hostile["stats"]["newsarc/limits/redirect_loop"] >= 1  # /loop1 -> /loop2 -> /loop1
    sitemaps = paths(hostile, "/sitemap-")
    assert 1 <= len(sitemaps) <= 8 + 2  # DEPTH_LIMIT bounds a chain; a self-link is a duplicate
