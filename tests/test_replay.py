"""The capture replay routes: sandboxed, read by offset, linked from rows, escaped everywhere."""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from archive.datasette_plugin import highlighted
from archive.publish import make_datasette
from archive.replay import SANDBOX_CSP
from conftest import article_html

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_PAGE = article_html("hostile", "Harmless headline").replace(
    "</body>",
    "<script>document.title='ran'</script><img src=x onerror=\"alert(2)\"></body>",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        home = (
            '<html><body><a href="/a.html">a</a> <a href="/x.html">x</a>'
            ' <a href="/y.html">y</a></body></html>'
        )
        server.expect_request("/").respond_with_data(home, content_type="text/html")
        gz = gzip.compress(HOSTILE_PAGE.encode("utf-8"))
        server.expect_request("/a.html").respond_with_response(
            Response(gz, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
        )
        xss = article_html("xss", "Quiet story").replace(
            "<title>Quiet story | Test Gazette</title>", f"<title>{HOSTILE_TITLE}</title>"
        )
        server.expect_request("/x.html").respond_with_data(xss, content_type="text/html")
        escaped = HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;")
        xss_headline = (
            article_html("xssh", "Loud story")
            .replace("<title>Loud story | Test Gazette</title>", f"<title>{HOSTILE_TITLE}</title>")
            .replace("<h1>Loud story</h1>", f"<h1>{escaped}</h1>")
        )
        server.expect_request("/y.html").respond_with_data(xss_headline, content_type="text/html")
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", server.url_for("/"), "--fast",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs")],
            capture_output=True, text=True, timeout=120, cwd=out,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return out / "archive.db"


def get(db: Path, path: str):
    datasette = make_datasette(db)
    return asyncio.run(datasette.client.get(path))


def capture_id(db: Path, suffix: str) -> int:
    with sqlite3.connect(db) as conn:
        sql = "SELECT id FROM captures WHERE url LIKE ? AND status = 200"
        return conn.execute(sql, ["%" + suffix]).fetchone()[0]


def test_capture_body_is_decoded_and_sandboxed(archive: Path) -> None:
    response = get(archive, f"/-/capture/{capture_id(archive, '/a.html')}/body")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == SANDBOX_CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == HOSTILE_PAGE  # gunzipped, exactly as served


def test_capture_page_has_a_banner_and_a_sandboxed_frame(archive: Path) -> None:
    number = capture_id(archive, "/a.html")
    page = get(archive, f"/-/capture/{number}").text
    assert "Archived capture" in page and "/a.html" in page and "HTTP 200" in page
    assert f'<iframe sandbox src="/-/capture/{number}/body"' in page
    assert f'href="/-/capture/{number}/record"' in page and "/archive/articles/" in page
    assert "<script>document.title" not in page  # the capture is only inside the frame


def test_record_route_returns_the_warc_record(archive: Path) -> None:
    number = capture_id(archive, "/a.html")
    with sqlite3.connect(archive) as conn:
        name, offset, length = conn.execute(
            "SELECT warc_filename, warc_offset, warc_length FROM captures WHERE id = ?", [number]
        ).fetchone()
    response = get(archive, f"/-/capture/{number}/record")
    assert response.headers["content-type"] == "application/warc"
    with open(archive.parent / "warcs" / name, "rb") as warc:
        warc.seek(offset)
        assert response.content == warc.read(length)
    assert gzip.decompress(response.content).startswith(b"WARC/1.1")


def test_source_route_is_plain_text(archive: Path) -> None:
    response = get(archive, f"/-/capture/{capture_id(archive, '/a.html')}/source")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "<script>document.title='ran'</script>" in response.text


def test_unknown_capture_is_404(archive: Path) -> None:
    assert get(archive, "/-/capture/99999").status_code == 404


def test_a_title_with_markup_gives_way_to_the_h1(archive: Path) -> None:
    with sqlite3.connect(archive) as conn:
        sql = "SELECT title, raw_title FROM articles WHERE url LIKE '%/x.html'"
        assert conn.execute(sql).fetchone() == ("Quiet story", HOSTILE_TITLE)


def test_article_rows_link_to_captures_and_escape_titles(archive: Path) -> None:
    table = get(archive, "/archive/articles").text
    number = capture_id(archive, "/a.html")
    assert f'<a href="/-/capture/{number}">capture {number}</a>' in table
    assert HOSTILE_TITLE not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert '<div class="newsarc-text"' in table and "<p>Harmless headline was reported" in table
    captures = get(archive, "/archive/captures").text
    assert f'<a href="/-/capture/{number}/record">WARC record</a>' in captures


@pytest.mark.parametrize(
    "query",
    ["search", "latest_captures", "articles_per_site_per_day", "failed_pages", "largest_sites"],
)
def test_canned_queries_run(archive: Path, query: str) -> None:
    response = get(archive, f"/archive/{query}.json?q=harmless&_shape=objects")
    assert response.status_code == 200, response.text[:300]
    rows = response.json()["rows"]
    assert rows or query == "failed_pages"


def test_search_query_marks_matches_and_takes_any_text(archive: Path) -> None:
    rows = get(archive, "/archive/search.json?q=harmless&_shape=objects").json()["rows"]
    assert len(rows) == 1 and "«Harmless»" in rows[0]["snippet"]
    page = get(archive, "/archive/search?q=harmless").text
    assert "<mark>Harmless</mark>" in page
    assert f'<a href="/-/capture/{capture_id(archive, "/a.html")}">' in page
    odd = get(archive, '/archive/search.json?q=content-farm "unbalanced&_shape=objects')
    assert odd.status_code == 200 and odd.json()["rows"] == []


def test_snippet_highlighting_escapes_the_text() -> None:
    assert highlighted("a «<b>x</b>» b") == "a <mark>&lt;b&gt;x&lt;/b&gt;</mark> b"
    assert highlighted("«open only") == "«open only"


def test_arbitrary_sql_is_off_unless_allowed(archive: Path) -> None:
    async def run_sql(allow_sql: bool) -> int:
        datasette = make_datasette(archive, allow_sql=allow_sql)
        return (await datasette.client.get("/archive.json?sql=select+1")).status_code

    assert asyncio.run(run_sql(False)) == 403
    assert asyncio.run(run_sql(True)) == 200


def test_a_finished_archive_is_served_immutable(archive: Path) -> None:
    assert make_datasette(archive).databases["archive"].is_mutable is False


def test_export_wacz_validates_and_lists_the_articles(archive: Path, tmp_path: Path) -> None:
    output = tmp_path / "archive.wacz"
    result = subprocess.run(
        [sys.executable, "-m", "newsarc", "export", "wacz", "--db", str(archive),
         "--warc-dir", str(archive.parent / "warcs"), "-o", str(output)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    validate = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(output)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "Validation succeeded" in validate.stdout, validate.stdout[-1000:]
    with zipfile.ZipFile(output) as wacz:
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        names = wacz.namelist()
    titles = {page.get("title") for page in pages[1:]}
    assert titles == {"Harmless headline", "Quiet story", HOSTILE_TITLE}
    assert any(name.startswith("archive/") and name.endswith(".warc.gz") for name in names)


def test_export_wacz_without_warcs_is_a_one_line_error(archive: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsarc", "export", "wacz", "--db", str(archive),
         "--warc-dir", str(tmp_path), "-o", str(tmp_path / "x.wacz")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: no closed WARC files (*.warc.gz) in {tmp_path}"
    ]
