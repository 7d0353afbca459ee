"""`newsarc reindex`: the database rebuilt from WARC files alone, ours or wget's."""

from __future__ import annotations

import gzip
import io
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.reindex import STEPS, Reindexer, warc_files
from conftest import warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

ARTICLE_SQL = (
    "SELECT a.url, a.title, a.text, a.site_name, a.category, a.version_count, a.removed_at, "
    "c.warc_filename, c.warc_offset FROM articles a JOIN captures c ON c.id = a.capture_id "
    "ORDER BY a.url"
)
CAPTURE_SQL = (
    "SELECT url, status, fetched_at, content_length, payload_digest, page_type, redirect_to, "
    "warc_filename, warc_offset, warc_length, warc_record_id, record_type, revisit_of "
    "FROM captures ORDER BY id"
)


def newsarc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsarc", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)  # fmt: skip


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table (FTS shadow tables aside)."""
    with sqlite3.connect(db) as conn:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
        tables = [name for (name,) in conn.execute(sql)]
        return {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo sites crawled by newsarc, and the same sites captured by wget."""
    root = tmp_path_factory.mktemp("reindex")
    build_sites(root / "sites", articles_per_site=20)
    (root / "wget").mkdir()
    with running_sites(root / "sites") as bases:
        live = newsarc("crawl", *bases.values(), "--fast", "--db", str(root / "live.db"),
                       "--warc-dir", str(root / "warcs"))  # fmt: skip
        assert live.returncode == 0, live.stderr[-2000:]
        # wget follows links only: the articles newsarc found by feeds and sitemaps are
        # given to it as a list, so that both capture the same pages.
        with sqlite3.connect(root / "live.db") as conn:
            article_urls = [url for (url,) in conn.execute("SELECT url FROM articles")]
        for key, base in bases.items():
            listed = root / f"{key.replace(':', '_')}.txt"
            listed.write_text(
                "\n".join([base + "/", *(u for u in article_urls if u.startswith(base))])
            )
            wget = subprocess.run(
                ["wget", "--recursive", "--level=inf", "--no-verbose", "--no-parent",
                 "--delete-after", "--no-directories", f"--input-file={listed}",
                 f"--warc-file={root / 'wget' / key.replace(':', '_')}"],
                capture_output=True, text=True, timeout=300, cwd=root,
            )  # fmt: skip
            assert wget.returncode in (0, 8), wget.stderr[-2000:]  # 8: some page answered 404
    return {"root": root, "live": root / "live.db", "warcs": root / "warcs", "wget": root / "wget"}


def test_a_lost_database_is_rebuilt_the_same_from_the_warcs(archives, tmp_path: Path) -> None:
    rebuilt = tmp_path / "rebuilt.db"
    result = newsarc("reindex", str(archives["warcs"]), "--db", str(rebuilt), "--workers", "2")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reindexed 1 WARC files" in result.stderr
    steps = ", ".join(f"{name} \\d+\\.\\d s" for name in STEPS)
    assert re.search(f"newsarc: steps: {steps}\\n", result.stderr), result.stderr[-2000:]
    assert rows(rebuilt, ARTICLE_SQL) == rows(archives["live"], ARTICLE_SQL)
    assert len(rows(rebuilt, ARTICLE_SQL)) == 80
    assert rows(rebuilt, CAPTURE_SQL) == rows(archives["live"], CAPTURE_SQL)
    site_sql = (
        "SELECT host, name, capture_count, article_count, title_affixes FROM sites ORDER BY 1"
    )
    assert rows(rebuilt, site_sql) == rows(archives["live"], site_sql)


def test_reindexing_twice_changes_nothing(archives, tmp_path: Path) -> None:
    rebuilt = tmp_path / "twice.db"
    assert newsarc("reindex", str(archives["warcs"]), "--db", str(rebuilt)).returncode == 0
    before = dump(rebuilt)
    again = newsarc("reindex", str(archives["warcs"]), "--db", str(rebuilt))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 new captures" in again.stderr
    assert dump(rebuilt) == before


def test_reindex_brings_an_existing_database_up_to_date(archives, tmp_path: Path) -> None:
    db = tmp_path / "partial.db"
    shutil.copy(archives["live"], db)
    with sqlite3.connect(db) as conn:  # the rows of the last part of the crawl are missing
        conn.execute("DELETE FROM article_versions WHERE capture_id > 50")
        conn.execute("DELETE FROM articles WHERE capture_id > 50")
        conn.execute("DELETE FROM captures WHERE id > 50")
    assert len(rows(db, ARTICLE_SQL)) < 80
    result = newsarc("reindex", str(archives["warcs"]), "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(db, ARTICLE_SQL) == rows(archives["live"], ARTICLE_SQL)
    assert rows(db, CAPTURE_SQL) == rows(archives["live"], CAPTURE_SQL)


def test_a_wget_warc_gives_the_same_articles_as_our_crawl(archives, tmp_path: Path) -> None:
    wget_warcs = sorted(archives["wget"].glob("*.warc.gz"))
    assert len(wget_warcs) == 4 and warcio_check(*wget_warcs).returncode == 0
    db = tmp_path / "wget.db"
    result = newsarc("reindex", str(archives["wget"]), "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    ours = {row[0]: row[1:5] for row in rows(archives["live"], ARTICLE_SQL)}
    theirs = {row[0]: row[1:5] for row in rows(db, ARTICLE_SQL)}
    assert theirs == ours  # url -> title, text, site name, category


def test_since_a_date_in_the_future_adds_nothing(archives, tmp_path: Path) -> None:
    db = tmp_path / "since.db"
    result = newsarc("reindex", str(archives["warcs"]), "--db", str(db), "--since", "2099-01-01")
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(db, "SELECT count(*) FROM captures") == [(0,)]


def test_bad_input_is_a_one_line_error(tmp_path: Path) -> None:
    missing = newsarc("reindex", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db"))
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'nope'}: no such file or folder"
    ]
    empty = newsarc("reindex", str(tmp_path), "--db", str(tmp_path / "x.db"))
    assert empty.returncode == 1 and "no WARC files" in empty.stderr
    since = newsarc("reindex", str(tmp_path), "--since", "last tuesday")
    assert since.returncode == 1 and "--since" in since.stderr


ARTICLE_HTML = (
    b"<html><head><title>A story of the sea</title></head><body><article><h1>A story of the "
    b"sea</h1>" + b"<p>The boats went out at dawn and came back with nets full of fish.</p>" * 20
    + b"</article></body></html>"
)  # fmt: skip


def chunked(body: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 700]), body[i : i + 700])
                    for i in range(0, len(body), 700)) + b"0\r\n\r\n"  # fmt: skip


def write_warc(path: Path, responses: list[tuple[str, list[tuple[str, str]], bytes]]) -> None:
    """A WARC of these (url, HTTP headers, body as stored) responses."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, headers, body in responses:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
            ))  # fmt: skip


def test_encoded_bodies_are_decoded_by_the_workers_as_before(tmp_path: Path) -> None:
    html = [("Content-Type", "text/html; charset=utf-8")]
    gzipped = [*html, ("Content-Encoding", "gzip")]
    write_warc(tmp_path / "a.warc.gz", [
        ("http://news.test/plain", html, ARTICLE_HTML),
        ("http://news.test/gzip", gzipped, gzip.compress(ARTICLE_HTML)),
        ("http://news.test/chunked", [*gzipped, ("Transfer-Encoding", "chunked")],
         chunked(gzip.compress(ARTICLE_HTML))),
        ("http://news.test/sniffed", [("Content-Encoding", "gzip")], gzip.compress(ARTICLE_HTML)),
        ("http://news.test/empty", gzipped, gzip.compress(b"")),  # decodes to nothing: no page
        ("http://news.test/image.png", [("Content-Type", "image/png")], b"\x89PNG" * 10),
    ])  # fmt: skip
    reindexer = Reindexer(tmp_path / "r.db", workers=1)
    stats = reindexer.run(warc_files([tmp_path]))
    assert (stats.captures, stats.pages, stats.articles) == (6, 4, 4)
    sql = ("SELECT c.url, c.page_type IS NOT NULL, a.text FROM captures c "
           "LEFT JOIN articles a ON a.capture_id = c.id ORDER BY c.id")  # fmt: skip
    found = rows(tmp_path / "r.db", sql)
    texts = {text for _, _, text in found[:4]}
    assert len(texts) == 1 and "nets full of fish" in texts.pop()
    assert [(url, typed) for url, typed, _ in found] == [
        ("http://news.test/plain", 1), ("http://news.test/gzip", 1),
        ("http://news.test/chunked", 1), ("http://news.test/sniffed", 1),
        ("http://news.test/empty", 0), ("http://news.test/image.png", 0),
    ]  # fmt: skip


def test_each_step_is_announced_and_timed(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz", [
        (f"http://news.test/{n}", [("Content-Type", "text/html")], ARTICLE_HTML) for n in range(3)
    ])  # fmt: skip
    announced: list[str] = []

    def on_step(name: str) -> None:
        announced.append(name)
        if name == "story clusters":
            time.sleep(0.3)  # counts in that step, which starts before it is announced

    started = time.monotonic()
    stats = Reindexer(tmp_path / "r.db", workers=1, on_step=on_step).run(warc_files([tmp_path]))
    took = time.monotonic() - started
    assert announced == list(STEPS)
    assert list(stats.steps) == list(STEPS)
    assert all(seconds > 0 for seconds in stats.steps.values())
    assert sum(stats.steps.values()) <= took
    assert stats.steps["story clusters"] >= 0.3 > stats.steps["re-cleaning"]
    assert stats.pages == 3
