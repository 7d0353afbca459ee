"""Content-farm signals stored at the end of a crawl and of a reindex: the demo's two farms
rank first, its news sites score nothing, and the canned queries show why."""

from __future__ import annotations

import asyncio
import json
import shutil
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


def test_the_farms_rank_first_and_the_news_sites_score_nothing(crawled: Path) -> None:
    ranked = canned(crawled / "a.db", "sites_by_score")
    farms, news = ranked[:2], ranked[2:]
    assert {row["name"] for row in farms} == {"Job Recruitment Website", "Overseas Visa Jobs"}
    for farm in farms:
        assert farm["spam_score"] >= 0.5 and "category_mismatch" in farm["spam_reason"]
    assert {row["name"] for row in news} == {"The Daily Ledger", "Metro Tribune"}
    assert all(row["spam_score"] < 0.1 for row in news)


def test_the_two_farms_are_linked_by_their_shared_ids(crawled: Path) -> None:
    hosts = dict(rows(crawled / "a.db", "SELECT name, host FROM sites"))
    farm, visas = hosts["Job Recruitment Website"], hosts["Overseas Visa Jobs"]
    shared = rows(
        crawled / "a.db",
        "SELECT host, value, reason FROM site_signals WHERE signal = 'shared_trackers' "
        "ORDER BY host",
    )
    assert sorted(shared) == sorted(
        [
            (farm, 0.5, f"shares AdSense ca-pub-4817293650128374 with {visas}; "
                        f"GA4 G-7QK2M9XR4T with {visas} (1 other site)"),
            (visas, 0.5, f"shares AdSense ca-pub-4817293650128374 with {farm}; "
                         f"GA4 G-7QK2M9XR4T with {farm} (1 other site)"),
        ]
    )  # fmt: skip


def test_category_mismatches_are_the_farms_articles(crawled: Path) -> None:
    found = canned(crawled / "a.db", "category_mismatches")
    farm_hosts = rows(
        crawled / "a.db",
        "SELECT host FROM sites WHERE name IN ('Job Recruitment Website', 'Overseas Visa Jobs')",
    )
    assert len(farm_hosts) == 2
    assert len(found) >= 20 and {row["host"] for row in found} == {h for (h,) in farm_hosts}
    assert all(row["reason"].startswith(f"category {row['category']!r}") for row in found)
    assert sum("shares no topic word" in row["reason"] for row in found) >= len(found) // 2


def test_every_article_is_judged_and_reindex_judges_alike(crawled: Path, tmp_path: Path) -> None:
    db = crawled / "a.db"
    assert rows(db, "SELECT count(DISTINCT article_id) FROM article_signals") == [(80,)]
    rebuilt = tmp_path / "rebuilt.db"
    result = newsarc("reindex", str(crawled / "warcs"), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr[-2000:]
    sql = "SELECT host, signal, round(value, 6), reason FROM site_signals ORDER BY 1, 2"
    assert rows(rebuilt, sql) == rows(db, sql)
    scores = "SELECT host, spam_score, spam_reason FROM sites ORDER BY 1"
    assert rows(rebuilt, scores) == rows(db, scores)


def story_truth(crawled: Path) -> dict[str, str]:
    """copy URL → source URL, from the demo manifest (every copy the farms made)."""
    manifest = json.loads((crawled / "sites" / "manifest.json").read_text())
    host_of = dict(rows(crawled / "a.db", "SELECT name, host FROM sites"))
    base = {key: "http://" + host_of[site["name"]] for key, site in manifest["sites"].items()}
    truth = {}
    for key, site in manifest["sites"].items():
        for entry in site["articles"]:
            if entry["copy_of"]:
                source_site, source_path = entry["copy_of"].split(":", 1)
                truth[base[key] + entry["path"]] = base[source_site] + source_path
    return truth


def test_every_copy_is_in_its_sources_story_and_names_it(crawled: Path) -> None:
    truth = story_truth(crawled)
    assert len(truth) == 39  # 19 farm copies (and the seed page) + 20 visas copies
    placed = {
        url: (cluster, source_url)
        for url, cluster, source_url in rows(
            crawled / "a.db",
            "SELECT a.url, a.cluster_id, s.url FROM articles a "
            "LEFT JOIN articles s ON s.id = a.copy_of",
        )
    }
    for copy, source in truth.items():
        assert placed[copy] == (placed[source][0], source), copy
        assert placed[source][0] is not None and placed[source][1] is None
    clustered = {url for url, (cluster, _) in placed.items() if cluster is not None}
    assert clustered == set(truth) | set(truth.values())  # no original story joins another


def test_the_story_queries_show_the_copies_side_by_side(crawled: Path) -> None:
    db = crawled / "a.db"
    stories = canned(db, "stories")
    truth = story_truth(crawled)
    assert len(stories) == len(set(truth.values()))
    three = [story for story in stories if story["site_count"] == 3]
    assert three and three == stories[: len(three)]  # most sites first
    story = three[0]
    response = asyncio.run(
        make_datasette(db).client.get(
            f"/a/story_copies.json?_shape=objects&cluster_id={story['cluster_id']}"
        )
    )
    members = response.json()["rows"]
    assert [m["role"] for m in members] == ["source", "copy", "copy"]
    assert max(m["similarity"] for m in members) == 1.0  # the earliest capture
    assert all(m["capture_id"] for m in members)
    assert {m["host"] for m in members} == set(story["hosts"].split(", "))
    spun = [m for m in members if m["role"] == "copy" and m["similarity"] < 0.9]
    assert all("swapped one for one" in m["spinning"] for m in spun)
    page = asyncio.run(make_datasette(db).client.get(f"/-/story/{story['cluster_id']}"))
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<del>" in page.text and "<ins>" in page.text if spun else "Source and copy" in page.text
    for member in members:
        assert f"/-/capture/{member['capture_id']}" in page.text


def test_reindex_rebuilds_the_same_stories(crawled: Path, tmp_path: Path) -> None:
    rebuilt = tmp_path / "rebuilt.db"
    result = newsarc("reindex", str(crawled / "warcs"), "--db", str(rebuilt))
    assert result.returncode == 0, result.stderr[-2000:]
    # A cluster's id is an article id, given in insertion order, which differs between a crawl
    # (pool completion order) and a reindex (WARC order): clusters compare by their members.
    assert placements(rebuilt) == placements(crawled / "a.db")
    stories = (
        "SELECT s.title, s.size, s.site_count, s.source_host, s.hosts, src.url "
        "FROM story_clusters s JOIN articles src ON src.id = s.source_id ORDER BY src.url"
    )
    assert rows(rebuilt, stories) == rows(crawled / "a.db", stories)


def placements(db: Path) -> list[tuple]:
    """Each article's cluster (as its members' URLs), similarity and probable source."""
    found = rows(
        db,
        "SELECT a.url, a.cluster_id, a.cluster_similarity, s.url FROM articles a "
        "LEFT JOIN articles s ON s.id = a.copy_of ORDER BY a.url",
    )
    members: dict[int, list[str]] = {}
    for url, cluster, _, _ in found:
        if cluster is not None:
            members.setdefault(cluster, []).append(url)
    return [
        (url, tuple(members[cluster]) if cluster is not None else None, similarity, source)
        for url, cluster, similarity, source in found
    ]


SIGNALS_SQL = "SELECT article_id, signal, value, reason FROM article_signals ORDER BY 1, 2"
SCORES_SQL = "SELECT host, spam_score, spam_reason FROM sites ORDER BY 1"


def test_only_articles_whose_content_changed_are_judged_again(
    crawled: Path, tmp_path: Path
) -> None:
    from archive.farm import score_sites
    from archive.store import Store

    db = tmp_path / "again.db"
    shutil.copy(crawled / "a.db", db)
    hosts = [host for (host,) in rows(db, "SELECT DISTINCT host FROM articles")]
    signals, scores = rows(db, SIGNALS_SQL), rows(db, SCORES_SQL)
    store = Store(db)
    try:
        assert score_sites(store, hosts) == 0  # the crawl judged every article as it is
        assert rows(db, SIGNALS_SQL) == signals and rows(db, SCORES_SQL) == scores

        # One text changes, one article's signals are lost: those two are judged again.
        uncopied = "SELECT id FROM articles WHERE id NOT IN (SELECT copy_of FROM articles "
        (changed,), (lost,) = rows(db, f"{uncopied} WHERE copy_of IS NOT NULL) ORDER BY id LIMIT 2")
        store.db.execute(
            "UPDATE articles SET text = text || ? WHERE id = ?",
            ["\nAs an AI language model, I cannot browse the internet.", changed],
        )
        store.db.execute("DELETE FROM article_signals WHERE article_id = ?", [lost])
        store.db.conn.commit()
        assert score_sites(store, hosts) == 2
        assert score_sites(store, hosts) == 0

        # A source's text changes: it and its copies (judged against it) are judged again.
        [(source, copies)] = rows(db, "SELECT copy_of, count(*) FROM articles "
                                      "WHERE copy_of IS NOT NULL GROUP BY 1 LIMIT 1")  # fmt: skip
        store.db.execute("UPDATE articles SET text = text || ' Updated.' WHERE id = ?", [source])
        store.db.conn.commit()
        assert score_sites(store, hosts) == 1 + copies
    finally:
        store.close()
    found = rows(db, f"SELECT signal FROM article_signals WHERE article_id = {changed}")
    assert ("generator_text",) in found
    assert rows(db, f"{SIGNALS_SQL.split(' ORDER')[0]} WHERE article_id = {lost}") == [
        row for row in signals if row[0] == lost
    ]


@pytest.mark.parametrize("fresh_copies", [None, set()])
def test_an_executor_stores_the_digests_judging_here_would(
    crawled: Path, tmp_path: Path, fresh_copies: set[int] | None
) -> None:
    """Articles judged for the first time have their digests computed by the executor: the
    same as this process computes, so that the next run judges none of them again."""
    from concurrent.futures import ThreadPoolExecutor

    from archive.farm import score_sites
    from archive.store import Store

    judgments = "SELECT article_id, digest, copy_digest FROM article_judgments ORDER BY 1"
    found = {}
    for executor in (None, ThreadPoolExecutor(2)):
        db = tmp_path / f"{executor is None}.db"
        shutil.copy(crawled / "a.db", db)
        store = Store(db)
        store.db.execute("DELETE FROM article_signals")
        store.db.execute("DELETE FROM article_judgments")
        store.db.conn.commit()
        hosts = [host for (host,) in rows(db, "SELECT DISTINCT host FROM articles")]
        try:
            assert score_sites(store, hosts, fresh_copies, executor) == 80
            assert score_sites(store, hosts, fresh_copies, executor) == 0
        finally:
            store.close()
            if executor is not None:
                executor.shutdown()
        found[executor is None] = (rows(db, judgments), rows(db, SIGNALS_SQL))
    assert found[True] == found[False]
    assert all(digest for _, digest, _ in found[True][0])
    copy_digests = {copy is None for _, _, copy in found[True][0]}
    assert copy_digests == ({True} if fresh_copies is not None else {False})


def test_judgment_digests_tell_every_change_of_what_is_judged() -> None:
    from archive.farm import digest

    text = "The minister said the talks would resume on Monday. " * 4
    row = {"title": "Talks", "category": "Politics", "text": text, "raw_text": text + "Ad",
           "language": "en", "ad_slots": 0, "word_count": 36}  # fmt: skip
    changed = [
        {"text": text[:-2] + "y."},
        {"raw_text": text},
        {"title": "Talks!"},
        {"category": None},
        {"category": ""},
        {"ad_slots": None},
        {"word_count": 36.0},
        {"text": "short"},
        {"text": ["blake2b", "0" * 32]},  # not a column's value, but not a text's digest either
    ]
    digests = {digest(row), *(digest(row | change) for change in changed)}
    assert len(digests) == len(changed) + 1
    assert digest(dict(reversed(row.items()))) == digest(row)  # key order does not count
    assert digest(row, None) != digest(row) and digest(row, {"text": text}) != digest(row, None)
