"""Content-farm signals stored at the end of a crawl and of a reindex: the demo's farm ranks
first, its news sites score nothing, and the canned queries show why."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.publish import make_datasette
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites


def newsarc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsarc", *args], capture_output=True,
                          text=True, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("farm")
    build_sites(root / "sites", articles_per_site=20)
    with running_sites(root / "sites") as bases:
        result = newsarc("crawl", *bases.values(), "--fast", "--db", str(root / "a.db"),
                         "--warc-dir", str(root / "warcs"))  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return root


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def canned(db: Path, name: str) -> list[dict]:
    response = asyncio.run(make_datasette(db).client.get(f"/a/{name}.json?_shape=objects"))
    assert response.status_code == 200, response.text[:300]
    return response.json()["rows"]


def test_the_farm_ranks_first_and_the_news_sites_score_nothing(crawled: Path) -> None:
    ranked = canned(crawled / "a.db", "sites_by_score")
    assert [row["name"] for row in ranked][0] == "Job Recruitment Website"
    farm, *news = ranked
    assert farm["spam_score"] >= 0.5 and "category_mismatch" in farm["spam_reason"]
    assert {row["name"] for row in news} == {"The Daily Ledger", "Metro Tribune"}
    assert all(row["spam_score"] < 0.1 for row in news)


def test_category_mismatches_are_the_farms_articles(crawled: Path) -> None:
    found = canned(crawled / "a.db", "category_mismatches")
    farm_host = rows(crawled / "a.db", "SELECT host FROM sites WHERE name LIKE 'Job%'")[0][0]
    assert len(found) >= 10 and {row["host"] for row in found} == {farm_host}
    assert all(row["reason"].startswith(f"category {row['category']!r}") for row in found)
    assert sum("shares no topic word" in row["reason"] for row in found) >= len(found) // 2


def test_every_article_is_judged_and_reindex_judges_alike(crawled: Path, tmp_path: Path) -> None:
    db = crawled / "a.db"
    assert rows(db, "SELECT count(DISTINCT article_id) FROM article_signals") == [(60,)]
    rebuilt = tmp_path / "rebuilt.db"
    result = newsarc("reindex", str(crawled / "warcs"), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr[-2000:]
    sql = "SELECT host, signal, round(value, 6), reason FROM site_signals ORDER BY 1, 2"
    assert rows(rebuilt, sql) == rows(db, sql)
    scores = "SELECT host, spam_score, spam_reason FROM sites ORDER BY 1"
    assert rows(rebuilt, scores) == rows(db, scores)
