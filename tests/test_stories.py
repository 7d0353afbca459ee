"""archive.stories: story clusters stored in the archive, live during a crawl and exact after.

Articles go straight into a Store (no crawl): sources on one site, verbatim, edited and spun
copies on others, distinct stories on the same topics. The crawl and reindex paths are tested
end to end in tests/test_demo.py and tests/test_farm_scores.py.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlite_utils

from archive.farm import score_sites
from archive.store import FTS_UPDATE_TRIGGER, Store
from archive.stories import StoryClusters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import clustering as bench  # noqa: E402  (the bench's story generator and copiers)

SOURCE, COPIER, SPINNER, OTHER = "news.example", "copier.example", "spinner.example", "daily.test"


def text_of(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def corpus(seed: int = 3) -> list[dict]:
    """Eight source stories on SOURCE; the first four copied verbatim by COPIER and spun by
    SPINNER (15 % of the words swapped, a name misspelled); eight more
    distinct stories on OTHER; one short text."""
    rng = random.Random(seed)
    written = list(itertools.islice(bench.iter_stories(rng), 16))
    rows = []
    for number, story in enumerate(written[:8]):
        day = f"2024-05-{number + 1:02d}"
        rows.append(article(SOURCE, f"s{number}", text_of(story.paragraphs), f"{day}T08:00:00"))
        if number < 4:
            rows.append(article(COPIER, f"c{number}", text_of(story.paragraphs), f"{day}T12:00:00"))
            spun = text_of(bench.spin(story, story.paragraphs, rng, rate=0.15)[0])
            rows.append(article(SPINNER, f"p{number}", spun, f"{day}T15:00:00"))
    for number, story in enumerate(written[8:]):
        rows.append(article(OTHER, f"o{number}", text_of(story.paragraphs), "2024-05-20T09:00:00"))
    rows.append(article(OTHER, "short", "Too short to say anything.", "2024-05-21T09:00:00"))
    return rows


def article(host: str, slug: str, text: str, seen: str) -> dict:
    return {
        "url": f"https://{host}/{slug}",
        "host": host,
        "title": f"{slug} headline",
        "text": text,
        "raw_text": text,
        "word_count": len(text.split()),
        "first_seen": seen + "+00:00",
        "last_seen": seen + "+00:00",
        "published": seen + "+00:00",
        "language": "en",
    }


def fill(path: Path, rows: list[dict]) -> Store:
    store = Store(path)
    for row in rows:
        store.add_article(row, row["first_seen"], new_version=True)
    store.flush()
    return store


def placements(path: Path) -> dict[str, tuple]:
    """url → (url of its cluster's id, similarity, url of its source) from the database."""
    with sqlite3.connect(path) as conn:
        urls = dict(conn.execute("SELECT id, url FROM articles"))
        found = conn.execute("SELECT url, cluster_id, cluster_similarity, copy_of FROM articles")
        return {url: (urls.get(c), s, urls.get(src)) for url, c, s, src in found}


def partition(path: Path) -> dict[str, tuple]:
    """url → (the URLs of its cluster, similarity, url of its source): the same whatever
    order the articles were stored in (cluster ids are article ids, which are not)."""
    found = placements(path)
    members: dict[str, set[str]] = {}
    for url, (cluster, _, _) in found.items():
        if cluster:
            members.setdefault(cluster, set()).add(url)
    return {
        url: (frozenset(members.get(cluster, ())), similarity, source)
        for url, (cluster, similarity, source) in found.items()
    }


def story_rows(path: Path) -> set[tuple]:
    with sqlite3.connect(path) as conn:
        return set(
            conn.execute(
                "SELECT src.url, e.url, s.size, s.site_count, s.source_host, s.hosts, s.title, "
                "s.first_seen, s.last_seen FROM story_clusters s "
                "JOIN articles src ON src.id = s.source_id JOIN articles e ON e.id = s.earliest_id"
            )
        )


@pytest.fixture
def rows() -> list[dict]:
    return corpus()


def test_copies_join_their_source_and_distinct_stories_stay_apart(
    tmp_path: Path, rows: list[dict]
) -> None:
    store = fill(tmp_path / "a.db", rows)
    touched = StoryClusters(store).finish()
    store.close()
    found = placements(tmp_path / "a.db")
    for number in range(4):
        source = f"https://{SOURCE}/s{number}"
        exact, spun = f"https://{COPIER}/c{number}", f"https://{SPINNER}/p{number}"
        assert found[source][0] == found[exact][0] == found[spun][0] == source
        assert found[source][2] is None  # the source copies nothing
        assert found[exact][2] == found[spun][2] == source
        assert found[source][1] == found[exact][1] == 1.0
        assert 0.1 <= found[spun][1] < 0.6
    alone = [url for url, value in found.items() if value == (None, None, None)]
    assert sorted(alone) == sorted(
        [f"https://{SOURCE}/s{n}" for n in range(4, 8)]
        + [f"https://{OTHER}/o{n}" for n in range(8)]
        + [f"https://{OTHER}/short"]
    )
    assert touched == {SOURCE, COPIER, SPINNER}
    stories = story_rows(tmp_path / "a.db")
    assert len(stories) == 4
    hosts = ", ".join(sorted([COPIER, SOURCE, SPINNER]))
    for number in range(4):
        seen = f"2024-05-{number + 1:02d}"
        source = f"https://{SOURCE}/s{number}"
        row = (source, source, 3, 3, SOURCE, hosts, f"s{number} headline")
        assert (*row, f"{seen}T08:00:00+00:00", f"{seen}T15:00:00+00:00") in stories


def test_the_live_index_and_the_exact_pass_agree_in_any_order(
    tmp_path: Path, rows: list[dict]
) -> None:
    exact = fill(tmp_path / "exact.db", rows)
    StoryClusters(exact).finish()
    exact.close()
    shuffled = rows[:]
    random.Random(5).shuffle(shuffled)
    live_store = Store(tmp_path / "live.db")
    live = StoryClusters(live_store)
    assert live.load() == 0
    for start in range(0, len(shuffled), 5):  # a crawl: articles arrive, update now and then
        for row in shuffled[start : start + 5]:
            live.add(live_store.add_article(row, row["first_seen"], new_version=True))
        live.update()
    live_store.flush()
    during = partition(tmp_path / "live.db")
    assert not live.stale
    live.finish()
    live_store.close()
    assert during == partition(tmp_path / "live.db") == partition(tmp_path / "exact.db")
    assert story_rows(tmp_path / "live.db") == story_rows(tmp_path / "exact.db")


def test_a_later_crawl_loads_the_index_and_a_source_found_later_takes_over(
    tmp_path: Path, rows: list[dict]
) -> None:
    """Copies archived first; their source (published earlier) arrives in a later crawl."""
    path = tmp_path / "a.db"
    first = [row for row in rows if row["host"] != SOURCE]
    store = fill(path, first)
    StoryClusters(store).finish()
    store.close()
    before = placements(path)
    exact, spun = f"https://{COPIER}/c0", f"https://{SPINNER}/p0"
    assert before[exact][0] == before[spun][0] == exact and before[spun][2] == exact
    store = Store(path)
    stories = StoryClusters(store)
    assert stories.load() == len(first) - 1  # the short text has no signature
    for row in rows:
        if row["host"] == SOURCE:
            stories.add(store.add_article(row, row["first_seen"], new_version=True))
    touched = stories.finish()
    store.close()
    after = placements(path)
    source = f"https://{SOURCE}/s0"
    assert after[exact] == (exact, 1.0, source) and after[spun][2] == source
    assert after[source] == (exact, 1.0, None)  # the cluster id is its smallest article id
    assert touched == {SOURCE, COPIER, SPINNER}


def test_a_changed_text_is_signed_again_and_leaves_its_cluster(
    tmp_path: Path, rows: list[dict]
) -> None:
    path = tmp_path / "a.db"
    store = fill(path, rows)
    StoryClusters(store).finish()
    spun_url = f"https://{SPINNER}/p1"
    replacement = next(row for row in rows if row["url"] == f"https://{OTHER}/o3")
    changed = {**rows[[r["url"] for r in rows].index(spun_url)], "text": replacement["text"]}
    store.add_article(changed, "2024-06-01T00:00:00+00:00", new_version=True)
    store.flush()
    with sqlite3.connect(path) as conn:  # the trigger dropped the old text's signature
        (signed,) = conn.execute(
            "SELECT count(*) FROM article_signatures s JOIN articles a ON a.id = s.article_id "
            "WHERE a.url = ?",
            [spun_url],
        ).fetchone()
    assert signed == 0
    stories = StoryClusters(store)
    stories.load()
    stories.finish()
    store.close()
    found = placements(path)
    assert found[spun_url][0] == found[f"https://{OTHER}/o3"][0] is not None
    # The article keeps the day it was first seen, before o3's: o3 now passes for its copy.
    assert found[f"https://{OTHER}/o3"][2] == spun_url and found[spun_url][2] is None
    source = f"https://{SOURCE}/s1"
    assert found[source][0] == found[f"https://{COPIER}/c1"][0] == source
    sizes = {row[0]: row[2] for row in story_rows(path)}
    assert sizes[source] == 2


def test_copy_signals_and_copy_share_are_stored(tmp_path: Path, rows: list[dict]) -> None:
    path = tmp_path / "a.db"
    store = fill(path, rows)
    score_sites(store, StoryClusters(store).finish() | {OTHER})
    store.close()
    with sqlite3.connect(path) as conn:
        signals = conn.execute(
            "SELECT a.url, s.signal, s.value, s.reason FROM article_signals s "
            "JOIN articles a ON a.id = s.article_id "
            "WHERE s.signal IN ('copied_from', 'spun_markers')"
        ).fetchall()
        shares = dict(
            conn.execute("SELECT host, value FROM site_signals WHERE signal = 'copy_share'")
        )
        reasons = dict(conn.execute("SELECT host, spam_reason FROM sites"))
    copied = {url: reason for url, name, _, reason in signals if name == "copied_from"}
    assert set(copied) == {f"https://{h}/{p}{n}" for h, p in ((COPIER, "c"), (SPINNER, "p"))
                           for n in range(4)}  # fmt: skip
    assert copied[f"https://{SPINNER}/p2"].startswith(f"copy of https://{SOURCE}/s2 ({SOURCE})")
    spun = {url: value for url, name, value, _ in signals if name == "spun_markers"}
    assert all(spun[f"https://{SPINNER}/p{n}"] >= 0.8 for n in range(4))
    assert all(spun.get(f"https://{COPIER}/c{n}", 0) == 0 for n in range(4))
    # Four articles each, all copies: damped by 4/10 (see docs/spam-signals.md).
    assert shares == {SOURCE: 0.0, COPIER: 0.4, SPINNER: 0.4, OTHER: 0.0}
    assert "copy_share" in reasons[SPINNER] and "spun_markers" in reasons[SPINNER]


def test_an_older_database_gets_the_narrow_fts_trigger(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)  # what an older newsarc made: sqlite-utils' own triggers
    db["articles"].create({"id": int, "url": str, "title": str, "text": str}, pk="id")
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db["articles"].insert({"url": "https://a.test/", "title": "Old", "text": "lemur"})
    db.close()
    Store(path).close()
    with sqlite3.connect(path) as conn:
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_au'").fetchone()
        assert sql == FTS_UPDATE_TRIGGER
        conn.execute("UPDATE articles SET cluster_id = 1")
        conn.execute("UPDATE articles SET text = 'okapi'")
        search = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
        assert conn.execute(search, ["okapi"]).fetchone() == (1,)
        assert conn.execute(search, ["lemur"]).fetchone() == (0,)


def test_copy_signals_are_kept_until_the_copy_or_its_source_changes(
    tmp_path: Path, rows: list[dict]
) -> None:
    path = tmp_path / "a.db"
    store = fill(path, rows)
    stories = StoryClusters(store)
    score_sites(store, stories.finish(), stories.rejudge)
    spun_url, source_url = f"https://{SPINNER}/p2", f"https://{SOURCE}/s2"
    reason_sql = (
        "SELECT s.reason FROM article_signals s JOIN articles a ON a.id = s.article_id "
        "WHERE a.url = ? AND s.signal = 'spun_markers'"
    )
    store.db.execute(
        "UPDATE article_signals SET reason = 'kept' WHERE signal = 'spun_markers' AND "
        "article_id = (SELECT id FROM articles WHERE url = ?)",
        [spun_url],
    )
    store.db.conn.commit()
    again = StoryClusters(store)  # the next crawl, where nothing changed
    again.load()
    hosts = again.finish()
    assert again.rejudge == set() and hosts == set()
    score_sites(store, {SOURCE, SPINNER}, again.rejudge)
    assert store.db.execute(reason_sql, [spun_url]).fetchone() == ("kept",)
    source = next(row for row in rows if row["url"] == source_url)
    edited = {**source, "text": source["text"] + "\n\nAn update: the council met again."}
    store.add_article(edited, "2024-06-02T00:00:00+00:00", new_version=True)
    third = StoryClusters(store)
    third.load()
    assert SPINNER in third.finish()
    score_sites(store, {SOURCE, SPINNER}, third.rejudge)
    (reason,) = store.db.execute(reason_sql, [spun_url]).fetchone()
    assert reason != "kept" and "swapped one for one" in reason
    store.close()


def test_articles_judged_during_the_crawl_are_not_judged_again(
    tmp_path: Path, rows: list[dict]
) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import nullcontext

    from crawler.judging import TASK_ARTICLES, LiveJudging

    signals_sql = (
        "SELECT a.url, s.signal, s.value, s.reason FROM article_signals s "
        "JOIN articles a ON a.id = s.article_id ORDER BY 1, 2"
    )
    at_the_end = fill(tmp_path / "end.db", rows)  # judged once, at the end
    score_sites(at_the_end, StoryClusters(at_the_end).finish() | {OTHER})
    expected = at_the_end.db.execute(signals_sql).fetchall()
    at_the_end.close()

    store = fill(tmp_path / "live.db", rows)
    ids = [article_id for (article_id,) in store.db.execute("SELECT id FROM articles")]
    stories, late_calls = StoryClusters(store), []
    stories.load()
    live = LiveJudging(store, lambda what: nullcontext(), lambda *call: late_calls.append(call))
    for article_id in ids:
        stories.add(article_id)
        live.add(article_id)
    stories.update()  # the live clustering places the copies, then they are judged
    with ThreadPoolExecutor(2) as pool:
        live.submit(pool)
        assert live.finish() == len(ids) and not live.running
        assert len(late_calls) == -(-len(ids) // TASK_ARTICLES)  # one callback a task
    for function, *args in late_calls:  # the pool's callbacks, run late: nothing to store
        function(*args)
    hosts = stories.finish() | {OTHER}
    assert score_sites(store, hosts, stories.rejudge) == 0
    assert store.db.execute(signals_sql).fetchall() == expected
    store.close()


COPY_SQL = (
    "SELECT a.url, s.signal, s.value, s.reason FROM article_signals s JOIN articles a "
    "ON a.id = s.article_id WHERE s.signal IN ('copied_from', 'spun_markers') ORDER BY 1, 2"
)


def test_copy_signals_kept_as_stored_stay_due_until_judged_again(
    tmp_path: Path, rows: list[dict]
) -> None:
    """Copy signals kept as stored (the copy not in `rejudge`) keep the digest they had: an
    archive judged before digests existed, or by older code, has them judged again at the
    next full pass, and never loses them meanwhile."""
    from archive import farm

    store = fill(tmp_path / "a.db", rows)
    stories = StoryClusters(store)
    hosts = stories.finish() | {OTHER}
    score_sites(store, hosts, stories.rejudge)
    copies = store.db.execute(COPY_SQL).fetchall()
    assert len(copies) == 16
    store.db.execute("DELETE FROM article_judgments")  # judged before digests existed
    store.db.execute("UPDATE article_signals SET reason = 'old' WHERE signal = 'spun_markers'")
    store.db.conn.commit()
    again = StoryClusters(store)  # a crawl that changes nothing
    again.load()
    again.finish()
    assert len(again.rejudge) == 0
    score_sites(store, hosts, again.rejudge)  # own signals judged, copy signals kept
    kept = store.db.execute(COPY_SQL).fetchall()
    assert len(kept) == 16 and sum(reason == "old" for *_, reason in kept) == 8
    score_sites(store, hosts)  # a full pass: the kept ones are judged again
    assert store.db.execute(COPY_SQL).fetchall() == copies
    assert score_sites(store, hosts) == 0

    judging_code = farm.JUDGING_CODE
    try:  # new judging code: a crawl that changes nothing keeps the copy signals ...
        farm.JUDGING_CODE = "another version"
        store.db.execute("UPDATE article_signals SET reason = 'old' WHERE signal = 'spun_markers'")
        store.db.conn.commit()
        assert score_sites(store, hosts, again.rejudge) == 25
        assert len(store.db.execute(COPY_SQL).fetchall()) == 16
        score_sites(store, hosts)  # ... and the next full pass judges them with the new code
        assert store.db.execute(COPY_SQL).fetchall() == copies
    finally:
        farm.JUDGING_CODE = judging_code
    store.close()


def test_live_judgments_that_fail_are_left_to_the_end_of_the_crawl(
    tmp_path: Path, rows: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task that raises in the pool, or a pool already shut down, stores nothing and stops
    nothing: the end of the crawl judges those articles."""
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import nullcontext

    import crawler.judging
    from crawler.judging import LiveJudging

    store = fill(tmp_path / "a.db", rows)
    ids = [article_id for (article_id,) in store.db.execute("SELECT id FROM articles")]
    live = LiveJudging(store, lambda what: nullcontext(), lambda function, *args: None)

    def broken(tasks: list) -> list:
        raise RuntimeError("a worker's bug")

    monkeypatch.setattr(crawler.judging, "judge_many", broken)
    for article_id in ids:
        live.add(article_id)
    with ThreadPoolExecutor(2) as pool:
        live.submit(pool)
        assert live.running
        assert live.finish() == 0 and not live.running
    closed = ThreadPoolExecutor(1)
    closed.shutdown()
    live.add(ids[0])
    live.submit(closed)  # a pool being replaced: nothing sent, nothing raised
    assert not live.running and live.finish() == 0
    assert store.db.execute("SELECT count(*) FROM article_signals").fetchone() == (0,)
    stories = StoryClusters(store)
    assert score_sites(store, stories.finish() | {OTHER}, stories.rejudge) == len(ids)
    store.close()
