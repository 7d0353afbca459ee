"""`newsarc replay` and `newsarc captures`, end to end: a local site crawled twice."""

from __future__ import annotations

import gzip
import hashlib
import json
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from archive.replay import SANDBOX_CSP
from conftest import article_html

GZ_V1 = article_html("gz", "Harbour plan approved")
GZ_V2 = article_html("gz", "Harbour plan approved after all").replace(
    "</article>", "<p>Councillors changed their minds overnight.</p></article>"
)
ETAG_PAGE = article_html("etag", "Quiet week at the port")
LATIN_PAGE = article_html("latin", "Caf\u00e9 owners protest").replace(
    "<meta charset='utf-8'>", "<meta charset='iso-8859-1'>"
)
GONE_PAGE = article_html("gone", "Mayor resigns")


class Site:
    """A small news site the tests change between two crawls."""

    def __init__(self) -> None:
        self.crawl = 1
        # Compressed once: the same bytes each time they are served (gzip stores a time).
        self.gz = {1: gzip.compress(GZ_V1.encode(), mtime=0), 2: gzip.compress(GZ_V2.encode())}

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            links = "".join(
                f'<a href="/{name}">{name}</a> '
                for name in ("gz.html", "etag.html", "latin.html", "old.html", "gone.html")
            )
            return Response(f"<html><body>{links}</body></html>", content_type="text/html")
        if path == "/gz.html":
            headers = {"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"}
            return Response(self.gz[self.crawl], headers=headers)
        if path == "/etag.html":
            etag = '"' + hashlib.sha1(ETAG_PAGE.encode()).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(ETAG_PAGE, headers={"ETag": etag}, content_type="text/html")
        if path == "/latin.html":
            body = LATIN_PAGE.encode("iso-8859-1")
            return Response(body, content_type="text/html; charset=iso-8859-1")
        if path == "/old.html":
            return Response("moved", status=301, headers={"Location": "/etag.html"})
        if path == "/gone.html" and self.crawl == 1:
            return Response(GONE_PAGE, content_type="text/html")
        return Response("not here", status=404, content_type="text/plain")


@dataclass
class Archive:
    db: Path
    base: str  # the site's URL, without the final slash

    def url(self, path: str) -> str:
        return self.base + path


def newsarc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "newsarc", *args], capture_output=True, timeout=120, cwd=cwd
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    out = tmp_path_factory.mktemp("replay_cli")
    site = Site()
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("").respond_with_handler(site.handle)
        base = server.url_for("/").rstrip("/")
        crawl = ["crawl", base + "/", "--fast", "--db", str(out / "archive.db"),
                 "--warc-dir", str(out / "warcs")]  # fmt: skip
        first = newsarc(*crawl, cwd=out)
        assert first.returncode == 0, first.stderr[-2000:]
        site.crawl = 2
        time.sleep(1.1)  # the second crawl's captures fall in a later second
        second = newsarc(*crawl, "-s", "NEWSARC_RECRAWL_MAX=0", cwd=out)
        assert second.returncode == 0, second.stderr[-2000:]
    return Archive(out / "archive.db", base)


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def captures_json(archive: Archive, path: str) -> list[dict]:
    result = newsarc("captures", archive.url(path), "--db", str(archive.db), "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def replay(archive: Archive, path: str, *args: str, cwd: Path | None = None):
    return newsarc("replay", archive.url(path), "--db", str(archive.db), *args, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess[bytes], *words: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error: ") and "Traceback" not in lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert result.stdout == b""


def wayback(fetched_at: str) -> str:
    """The 14-digit Wayback form of a capture's time (UTC), to the second."""
    when = datetime.fromisoformat(fetched_at).astimezone(UTC)
    return when.strftime("%Y%m%d%H%M%S")


def test_captures_lists_every_capture_oldest_first(archive: Archive) -> None:
    result = newsarc("captures", archive.url("/gz.html"), "--db", str(archive.db))
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.decode().splitlines()
    assert header.split() == ["id", "fetched_at", "status", "record", "content", "type",
                              "length", "WARC", "file@offset", "crawl"]  # fmt: skip
    expected = rows(
        archive.db,
        "SELECT id, fetched_at, status, content_length, warc_filename, warc_offset, crawl_id "
        "FROM captures WHERE url = ? ORDER BY fetched_at",
        archive.url("/gz.html"),
    )
    assert len(expected) == 2 and [row[6] for row in expected] == [1, 2]
    assert len(lines) == 2
    for line, (number, fetched_at, status, length, name, offset, crawl_id) in zip(
        lines, expected, strict=True
    ):
        assert line.split() == [
            str(number), fetched_at, str(status), "response", "text/html;", "charset=utf-8",
            str(length), f"{name}@{offset}", str(crawl_id),
        ]  # fmt: skip

    listed = captures_json(archive, "/gz.html")
    assert [(c["id"], c["fetched_at"], c["status"]) for c in listed] == [
        row[:3] for row in expected
    ]
    assert listed[0]["fetched_at"] < listed[1]["fetched_at"]
    assert {c["record_type"] for c in listed} == {"response"}
    assert all(c["payload_digest"].startswith("sha1:") and c["warc_length"] > 0 for c in listed)


def test_captures_names_revisits_and_redirects(archive: Archive) -> None:
    first, second = captures_json(archive, "/etag.html")
    assert (first["status"], first["record_type"]) == (200, "response")
    assert (second["status"], second["record_type"], second["revisit_of"]) == (
        304, "revisit", first["id"]
    )  # fmt: skip
    table = newsarc("captures", archive.url("/etag.html"), "--db", str(archive.db))
    last = table.stdout.decode().splitlines()[-1]
    assert f"revisit of {first['id']}" in last and " 304 " in last
    redirects = newsarc("captures", archive.url("/old.html"), "--db", str(archive.db))
    lines = redirects.stdout.decode().splitlines()[1:]
    assert len(lines) == 2
    assert all(
        " 301 " in line and line.endswith(f"-> {archive.url('/etag.html')}") for line in lines
    )


def test_replay_writes_the_latest_body_decoded_from_gzip(archive: Archive) -> None:
    result = replay(archive, "/gz.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout == GZ_V2.encode()  # gunzipped: exactly the bytes the server sent
    latest = captures_json(archive, "/gz.html")[-1]
    note = result.stderr.decode().strip().splitlines()
    assert len(note) == 1
    assert f"capture {latest['id']} " in note[0] and latest["fetched_at"] in note[0]
    assert "HTTP 200" in note[0]
    assert f"{latest['warc_filename']}@{latest['warc_offset']}" in note[0]


def test_at_picks_the_closest_capture(archive: Archive) -> None:
    first, second = captures_json(archive, "/gz.html")
    bodies = {first["id"]: GZ_V1.encode(), second["id"]: GZ_V2.encode()}
    moments = {
        wayback(first["fetched_at"]): first,  # the second it was fetched in
        first["fetched_at"]: first,  # ISO 8601, to the millisecond
        first["fetched_at"].replace("+00:00", "Z"): first,
        "2000": first,  # long before: the oldest is closest
        "1999-12-31T23:00:00-01:00": first,
        "2999": second,  # long after: the latest
        wayback(second["fetched_at"])[:8]: second,  # that day: the latest capture in it
        second["fetched_at"][:10]: second,
    }
    for at, expected in moments.items():
        result = replay(archive, "/gz.html", "--at", at)
        assert result.returncode == 0, (at, result.stderr)
        assert result.stdout == bodies[expected["id"]], at
        assert f"capture {expected['id']} " in result.stderr.decode(), at


def test_a_revisit_replays_its_originals_body(archive: Archive) -> None:
    original, revisit = captures_json(archive, "/etag.html")
    assert revisit["record_type"] == "revisit" and revisit["status"] == 304
    result = replay(archive, "/etag.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ETAG_PAGE.encode()
    note = result.stderr.decode()
    assert f"capture {revisit['id']} " in note and "HTTP 304" in note
    assert f"revisit: unchanged since capture {original['id']}" in note
    assert f"{original['warc_filename']}@{original['warc_offset']}" in note
    older = replay(archive, "/etag.html", "--at", wayback(original["fetched_at"]))
    assert older.stdout == ETAG_PAGE.encode() and "revisit" not in older.stderr.decode()


def test_a_redirect_capture_says_where_it_led(archive: Archive) -> None:
    result = replay(archive, "/old.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"moved"  # the redirect's own body
    assert f"is a 301 redirect to {archive.url('/etag.html')}" in result.stderr.decode()


def test_a_page_now_404_replays_the_404_or_with_ok_the_last_page(archive: Archive) -> None:
    result = replay(archive, "/gone.html")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"not here" and "HTTP 404" in result.stderr.decode()
    assert "--ok" in result.stderr.decode()
    kept = replay(archive, "/gone.html", "--ok")
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout == GONE_PAGE.encode() and "HTTP 200" in kept.stderr.decode()
    assert_one_line_error(replay(archive, "/old.html", "--ok"), "answered 2xx")


def test_output_file_and_utf8(archive: Archive, tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    result = replay(archive, "/gz.html", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and target.read_bytes() == GZ_V2.encode()
    assert f"wrote {len(GZ_V2.encode())} bytes to {target}" in result.stderr.decode()

    raw = replay(archive, "/latin.html")  # its latest capture is a revisit of the first
    assert raw.returncode == 0 and raw.stdout == LATIN_PAGE.encode("iso-8859-1")
    utf8 = replay(archive, "/latin.html", "--utf8")
    assert utf8.returncode == 0 and utf8.stdout == LATIN_PAGE.encode("utf-8")

    assert_one_line_error(replay(archive, "/gz.html", "-o", str(tmp_path / "no" / "x.html")),
                          "cannot write")  # fmt: skip


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_open_serves_the_capture_sandboxed(archive: Archive, stop: signal.Signals) -> None:
    command = [sys.executable, "-m", "newsarc", "replay", archive.url("/latin.html"),
               "--db", str(archive.db), "--open"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line.decode()) for line in server.stderr], daemon=True
    ).start()
    try:
        address = None
        while address is None:
            line = lines.get(timeout=60)
            match = re.search(r"serving capture \d+ at (http://127\.0\.0\.1:\d+/) \(Ctrl\+C", line)
            address = match and match[1]
        page = httpx.get(address, timeout=10)
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == SANDBOX_CSP
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.content == LATIN_PAGE.encode("utf-8")  # re-encoded, as the plugin does
        other = httpx.get(address + "favicon.ico", timeout=10)
        assert other.status_code == 404
        assert other.headers["content-security-policy"] == SANDBOX_CSP
    finally:
        server.send_signal(stop)
        code = server.wait(timeout=30)
    assert code == 0
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert any("stopped" in line for line in rest), rest


def test_unknown_urls_are_one_line_errors(archive: Archive) -> None:
    assert_one_line_error(replay(archive, "/nowhere.html"), "no capture of", "/nowhere.html")
    assert_one_line_error(
        newsarc("captures", archive.url("/nowhere.html"), "--db", str(archive.db)),
        "no capture of",
    )
    # The front page was crawled as BASE/: without its slash, the archive says so.
    near = newsarc("replay", archive.base, "--db", str(archive.db))
    assert_one_line_error(near, f"did you mean {archive.base}/ (2 captures)")
    elsewhere = newsarc("replay", "https://example.org/x", "--db", str(archive.db))
    assert_one_line_error(elsewhere, "no capture of https://example.org/x", "example.org")


def test_conflicting_options_are_one_line_errors(archive: Archive, tmp_path: Path) -> None:
    both = replay(archive, "/gz.html", "--open", "-o", str(tmp_path / "x.html"))
    assert_one_line_error(both, "-o FILE or --open")
    assert_one_line_error(replay(archive, "/gz.html", "--port", "8000"), "--port", "--open")
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01", "2026112", "20261129T10"])
def test_a_bad_at_is_a_one_line_error(archive: Archive, at: str) -> None:
    assert_one_line_error(replay(archive, "/gz.html", "--at", at), "--at", repr(at))


def test_a_missing_database_is_a_one_line_error(tmp_path: Path) -> None:
    result = newsarc("replay", "http://x.example/", "--db", str(tmp_path / "none.db"))
    assert_one_line_error(result, "none.db")
    assert not (tmp_path / "none.db").exists()
