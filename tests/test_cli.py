"""The command line: extract, and one-line errors with a non-zero exit on bad input."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
from pathlib import Path

from conftest import article_html


def newsarc(*args: str, stdin: bytes | None = None, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "newsarc", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=cwd,
    )


def assert_one_line_error(result, *words: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    for word in words:
        assert word in lines[0]


def test_extract_prints_the_record(tmp_path: Path) -> None:
    page = tmp_path / "story.html"
    page.write_text(article_html("harbour", "Harbour bridge reopens after repairs"))
    zipped = tmp_path / "story.html.gz"
    zipped.write_bytes(gzip.compress(page.read_bytes()))
    result = newsarc("extract", str(page), str(zipped))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["path"] for r in records] == [str(page), str(zipped)]
    record = records[0]
    assert set(record) >= {
        "path",
        "title",
        "text",
        "site_name",
        "category",
        "author",
        "published",
        "language",
    }
    assert record["title"] == "Harbour bridge reopens after repairs"
    assert record["site_name"] == "Test Gazette"
    assert record["language"] == "en"
    assert record["published"].startswith("2024-05-01")
    assert "harbour plan" in record["text"] and "Copyright" not in record["text"]
    assert records[1]["text"] == record["text"]


def test_extract_reads_stdin() -> None:
    html = article_html("orchard", "Orchard festival draws crowds").encode()
    result = newsarc("extract", "-", stdin=html)
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "Orchard festival draws crowds"


def test_extract_missing_file(tmp_path: Path) -> None:
    assert_one_line_error(newsarc("extract", str(tmp_path / "nope.html")), "nope.html", "no such")


def test_extract_non_html_file(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 20)
    assert_one_line_error(newsarc("extract", str(pdf)), "paper.pdf", "not an HTML file")


def test_crawl_unreachable_url(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = newsarc(
        "crawl",
        f"http://127.0.0.1:{port}/",
        "--fast",
        "-s",
        "LOG_LEVEL=CRITICAL",
        "-s",
        "RETRY_ENABLED=False",
        "--db",
        str(tmp_path / "a.db"),
        "--warc-dir",
        str(tmp_path / "w"),
    )
    assert result.returncode == 1
    error = [line for line in result.stderr.decode().splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "could not fetch any start URL" in error[0] and str(port) in error[0]


def test_crawl_rejects_a_non_url(tmp_path: Path) -> None:
    assert_one_line_error(newsarc("crawl", "example.com/news", cwd=tmp_path), "not an http(s) URL")
    assert not (tmp_path / "archive.db").exists()


def test_serve_missing_database(tmp_path: Path) -> None:
    assert_one_line_error(newsarc("serve", "--db", str(tmp_path / "none.db")), "none.db")


def test_bad_setting_value(tmp_path: Path) -> None:
    result = newsarc("crawl", "http://127.0.0.1:9/", "-s", "DEPTH_LIMIT=abc", cwd=tmp_path)
    errors = [line for line in result.stderr.decode().splitlines() if "Error" in line]
    assert result.returncode == 1 and "Traceback" not in result.stderr.decode()
    assert errors == [
        "Error: the crawl could not run: invalid literal for int() with base 10: 'abc'"
    ]


def test_bad_setting_override(tmp_path: Path) -> None:
    result = newsarc("crawl", "http://127.0.0.1:9/", "-s", "NOVALUE", cwd=tmp_path)
    assert_one_line_error(result, "NAME=VALUE")


def test_scrapy_crawl_news_works_from_the_project_root(tmp_path: Path, httpserver) -> None:
    httpserver.expect_request("/").respond_with_data(
        article_html("harbour", "Harbour bridge reopens after repairs"),
        content_type="text/html; charset=utf-8",
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"url={httpserver.url_for('/')}",
            "-s",
            f"NEWSARC_DB={tmp_path / 'a.db'}",
            "-s",
            f"NEWSARC_WARC_DIR={tmp_path / 'w'}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "DOWNLOAD_DELAY=0",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'newsarc/articles': 1" in result.stderr
    assert len(list((tmp_path / "w").glob("*.warc.gz"))) == 1
