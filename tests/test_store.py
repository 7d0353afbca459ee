"""Store: schema of the DESIGN.md contract, batching, upserts by URL, FTS that follows updates."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import archive.ingest
from archive.ingest import SiteProfiles
from archive.store import Store
from extractors.titles import split_title

T1, T2, T3 = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"

CONTRACT = {
    "crawls": {"id", "started_at", "finished_at", "status", "stats"},
    "captures": {
        "id",
        "url",
        "status",
        "fetched_at",
        "content_type",
        "payload_digest",
        "warc_filename",
        "warc_offset",
        "warc_length",
        "warc_record_id",
        "crawl_id",
    },
    "sites": {"host", "name"},
    "articles": {
        "id",
        "url",
        "host",
        "site_name",
        "title",
        "category",
        "author",
        "published",
        "language",
        "text",
        "word_count",
        "capture_id",
    },
}


def capture(n: int, host: str = "example.com") -> dict:
    return {
        "url": f"http://{host}/{n}",
        "host": host,
        "status": 200,
        "fetched_at": f"2026-01-01T00:00:{n:02d}",
        "content_type": "text/html",
        "payload_digest": f"sha1:{n}",
        "warc_filename": "a.warc.gz",
        "warc_offset": n * 100,
        "warc_length": 100,
        "warc_record_id": f"<urn:uuid:{n}>",
        "crawl_id": None,
    }


def article(url: str, title: str, text: str, capture_id: int) -> dict:
    return {
        "url": url,
        "host": "example.com",
        "title": title,
        "text": text,
        "word_count": len(text.split()),
        "capture_id": capture_id,
        "site_name": "Example",
    }


def search(store: Store, word: str) -> list[str]:
    sql = (
        "SELECT url FROM articles WHERE id IN "
        "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
    )
    return sorted(row[0] for row in store.db.execute(sql, [word]).fetchall())


def test_schema_has_the_contract_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    for table, columns in CONTRACT.items():
        assert columns <= set(store.db[table].columns_dict), table
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def committed(path: Path, table: str) -> int:
    """Rows another connection sees: only committed ones."""
    with sqlite3.connect(path) as other:
        return other.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_rows_are_committed_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store(path, batch_size=10, max_age=3600)
    ids = [store.add_capture(capture(n)) for n in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert committed(path, "captures") == 0  # still in the open transaction
    for n in range(5, 12):
        store.add_capture(capture(n))
    assert committed(path, "captures") == 10  # one batch committed
    store.close()
    reopened = Store(path)
    assert reopened.db["captures"].count == 12
    assert reopened.add_capture(capture(99)) == 13
    assert reopened.db["sites"].get("example.com")["capture_count"] == 12


def test_old_transactions_are_committed(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store(path, batch_size=1000, max_age=0.0)
    store.add_capture(capture(1))
    assert committed(path, "captures") == 1


def test_two_writers_share_a_database(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    first, second = Store(path, batch_size=3), Store(path, batch_size=3)
    ids = []
    for n in range(6):
        writer = first if n % 2 else second
        ids.append(writer.add_capture(capture(n)))
        writer.flush()
    first.close()
    second.close()
    assert sorted(ids) == list(range(1, 7))
    assert committed(path, "captures") == 6


def test_article_upsert_keeps_one_row_per_url_and_fts_follows(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    first = store.add_capture(capture(1))
    store.add_article(
        article("http://example.com/1", "Old", "zebras graze quietly", first), T1, True
    )
    store.flush()
    assert search(store, "zebras") == ["http://example.com/1"]
    row_id = store.db.execute("SELECT id FROM articles").fetchone()[0]

    second = store.add_capture(capture(2))
    store.add_article(article("http://example.com/1", "New", "giraffes run fast", second), T2, True)
    store.close()
    store = Store(tmp_path / "a.db")
    rows = list(store.db["articles"].rows)
    assert len(rows) == 1 and rows[0]["id"] == row_id
    assert (rows[0]["title"], rows[0]["capture_id"]) == ("New", second)
    assert search(store, "giraffes") == ["http://example.com/1"]
    assert search(store, "zebras") == []
    assert store.db["sites"].get("example.com")["article_count"] == 1
    assert store.db["sites"].get("example.com")["name"] == "Example"
    versions = store.db.execute(
        "SELECT version, title, capture_id, fetched_at FROM article_versions ORDER BY version"
    ).fetchall()
    assert versions == [(1, "Old", first, T1), (2, "New", second, T2)]
    assert rows[0]["version_count"] == 2


def test_an_unchanged_article_keeps_its_versions_and_removal_is_a_mark(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    url = "http://example.com/1"
    store.add_article(article(url, "Same", "zebras", store.add_capture(capture(1))), T1, True)
    store.add_article(article(url, "Same", "zebras", store.add_capture(capture(2))), T2, False)
    assert store.mark_removed(url, T2) and not store.mark_removed(url, T2)
    assert store.article_by_url(url)["removed_at"] == T2
    assert store.touch_article(url, T3) and store.article_by_url(url)["removed_at"] is None
    assert not store.touch_article("http://example.com/unknown", T3)
    store.close()
    store = Store(tmp_path / "a.db")
    assert store.db["article_versions"].count == 1
    row = store.article_by_url(url)
    assert (row["version_count"], row["last_seen"], row["id"]) == (1, T3, 1)


def test_crawl_rows_record_status_and_stats(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    crawl_id = store.start_crawl(["http://example.com/"], "warcs")
    assert store.db["crawls"].get(crawl_id)["status"] == "running"
    store.finish_crawl(crawl_id, "finished", {"pages": 3})
    row = store.db["crawls"].get(crawl_id)
    assert row["status"] == "finished" and row["finished_at"] and '"pages": 3' in row["stats"]


def test_an_older_archive_is_upgraded_without_losing_articles(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(path)
    store.add_article(
        article("http://example.com/1", "An Old Headline Kept", "Old text.", 1), T1, True
    )
    store.close()
    with sqlite3.connect(path) as old:  # the columns this version added did not exist
        for column in ("raw_title", "raw_text", "page_extraction", "modified", "image"):
            old.execute(f"ALTER TABLE articles DROP COLUMN {column}")
        old.execute("ALTER TABLE articles DROP COLUMN version_count")
        old.execute("DROP TABLE article_versions")
    store = Store(path)
    profiles = SiteProfiles(store)
    profiles["example.com"].learn("Other text.", ["Other headline"], page="http://example.com/2")
    profiles.finish()
    row = store.db.execute("SELECT title, text, raw_text FROM articles").fetchone()
    assert row == ("An Old Headline Kept", "Old text.", "Old text.")
    versions = store.db.execute("SELECT version, title FROM article_versions").fetchall()
    assert versions == [(1, "An Old Headline Kept")]


def test_writes_of_one_unit_are_committed_together(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store = Store(path, batch_size=1, max_age=0)  # would commit after every row
    with store.unit():
        store.add_capture(capture(1))
        store.add_capture(capture(2))
        assert committed(path, "captures") == 0  # a crash here keeps neither
    assert committed(path, "captures") == 2
    store.add_capture(capture(3))
    assert committed(path, "captures") == 3
    store.close()


def test_a_site_row_made_before_its_captures_gets_their_dates(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    store.save_profile("example.com", "{}", [], 0)  # the row exists, with no dates yet
    store.add_capture({**capture(1), "fetched_at": "2024-05-01T10:00:00.000+00:00"})
    store.add_capture({**capture(2), "fetched_at": "2024-05-02T10:00:00.000+00:00"})
    store.close()
    db = sqlite3.connect(tmp_path / "a.db")
    row = db.execute(
        "SELECT first_seen, last_seen, capture_count FROM sites WHERE host = 'example.com'"
    ).fetchone()
    assert row == ("2024-05-01T10:00:00.000+00:00", "2024-05-02T10:00:00.000+00:00", 2)


def add_pages(store: Store, pages: list[tuple[str, str, str]], first: int = 0) -> list[int]:
    """Add (url, title, text) articles as a page's ingest does: looked up, then added."""
    ids = []
    for n, (url, title, text) in enumerate(pages, start=first):
        row = article(url, title, text, store.add_capture(capture(n)))
        stored = store.article_by_url(url)
        ids.append(store.add_article(row, T1, stored is None or stored["text"] != text,
                                     new=stored is None))  # fmt: skip
        if url.endswith("/touched"):
            assert store.touch_article(url, T2)
        if url.endswith("/gone"):
            assert store.mark_removed(url, T3)
    return ids


def every_row(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        tables = ("articles", "article_versions", "captures", "sites")
        found = {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
        found["fts"] = conn.execute(
            "SELECT rowid, title, text FROM articles_fts WHERE articles_fts MATCH 'zebras' "
            "ORDER BY rank, rowid"
        ).fetchall()
        return found


def test_new_articles_batched_are_stored_as_one_at_a_time(tmp_path: Path) -> None:
    pages = [(f"http://example.com/{n}", f"Title {n}", f"zebras number {n}") for n in range(70)]
    pages[5:5] = [("http://example.com/3", "Title 3 again", "zebras changed")]  # a new version
    pages[9:9] = [("http://example.com/7", "Title 7", "zebras number 7")]  # the same again
    pages[20:20] = [("http://example.com/touched", "Seen", "zebras seen twice")]
    pages[40:40] = [("http://example.com/gone", "Gone", "zebras removed")]
    found = {}
    for batched in (False, True):
        db = tmp_path / f"{batched}.db"
        store = Store(db, batch_size=25)  # commits fall inside the block too
        store.add_article(article("http://example.com/old", "Old", "zebras", 0), T1, True)
        if batched:
            with store.batched_new_articles():
                ids = add_pages(store, pages[:50])
                assert store._new_articles  # some are waiting
            assert not store._new_articles
            with store.batched_new_articles():
                ids += add_pages(store, pages[50:], first=50)
        else:
            ids = add_pages(store, pages[:50]) + add_pages(store, pages[50:], first=50)
        store.close()
        found[batched] = ids, every_row(db)
    assert found[True] == found[False]
    assert len(found[True][1]["fts"]) == 73  # 70, old, touched, gone


def test_new_articles_waiting_are_dropped_with_a_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    with store.batched_new_articles():
        add_pages(store, [("http://example.com/1", "One", "zebras")])
        store.rollback()
    store.close()
    assert every_row(tmp_path / "a.db")["articles"] == []


def site_with_boilerplate(path: Path) -> Store:
    """A site's articles stored as their pages gave them, its profile learned from them."""
    store = Store(path)
    profiles = SiteProfiles(store, defer_cleaning=True)
    for n in range(20):
        url, title = f"http://example.com/{n}", f"Story number {n} | Example News"
        text = f"Subscribe to our newsletter\nStory {n} begins here.\nIt has words {n} times."
        row = {**article(url, title, text, n), "raw_title": title, "raw_text": text}
        row["page_extraction"] = json.dumps({"title": title, "site_name": None})
        store.add_article(row, T1, True)
        profiles["example.com"].learn(text, split_title(title), page=url)
    store._profiles = profiles  # type: ignore[attr-defined]
    return store


def test_articles_recleaned_in_an_executor_are_the_same(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(archive.ingest, "RECLEAN_TASK", 3)  # several tasks, some waiting
    found = {}
    with ThreadPoolExecutor(2) as pool:
        for executor in (None, pool):
            path = tmp_path / f"{executor is None}.db"
            store = site_with_boilerplate(path)
            assert store._profiles.finish(executor) == 20  # type: ignore[attr-defined]
            store.close()
            found[executor is None] = every_row(path)
    assert found[True] == found[False]
    with sqlite3.connect(path) as conn:
        texts = [text for (text,) in conn.execute("SELECT text FROM articles")]
    assert len(texts) == 20 and not any("Subscribe" in text for text in texts)


def test_a_profile_that_cannot_be_handed_to_the_workers_is_cleaned_with_here(
    tmp_path: Path, monkeypatch
) -> None:
    from archive.ingest import recleaned

    store = site_with_boilerplate(tmp_path / "a.db")
    profile = store._profiles["example.com"]  # type: ignore[attr-defined]
    rows = list(store.site_articles("example.com"))
    here = list(recleaned(rows, profile, None, tmp_path))

    class NoWorkers:
        def submit(self, *args: object) -> None:
            raise AssertionError("nothing is sent when the profile could not be saved")

    gone = tmp_path / "gone"  # no such folder: the hidden one cannot be made in it
    assert list(recleaned(rows, profile, NoWorkers(), gone)) == here  # type: ignore[arg-type]
    full = tmp_path / "full"
    full.mkdir()

    def no_room(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", no_room)
    assert list(recleaned(rows, profile, NoWorkers(), full)) == here  # type: ignore[arg-type]
    assert list(full.iterdir()) == []  # the hidden folder is removed again
    assert not any("Subscribe" in values["text"] for _, values in here)
    store.close()
