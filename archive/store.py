"""The SQLite store: schema, batched inserts and upserts, full-text search on articles."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

Row = dict[str, Any]

CRAWL_COLUMNS = {
    "id": int,
    "started_at": str,
    "finished_at": str,
    "status": str,
    "start_urls": str,
    "warc_dir": str,
    "stats": str,
    "source": str,
    "resumes": int,
}
CAPTURE_COLUMNS = {
    "id": int,
    "url": str,
    "host": str,
    "status": int,
    "fetched_at": str,
    "content_type": str,
    "content_length": int,
    "payload_digest": str,
    "page_type": str,
    "redirect_to": str,
    "warc_filename": str,
    "warc_offset": int,
    "warc_length": int,
    "warc_record_id": str,
    "crawl_id": int,
    "record_type": str,
    "revisit_of": int,
    "refers_to": str,
    "etag": str,
    "last_modified": str,
}
SITE_COLUMNS = {
    "host": str,
    "name": str,
    "first_seen": str,
    "last_seen": str,
    "capture_count": int,
    "article_count": int,
    "title_affixes": str,
    "boilerplate_lines": int,
    "profile": str,
    "spam_score": float,
    "spam_reason": str,
}
ARTICLE_COLUMNS = {
    "id": int,
    "url": str,
    "host": str,
    "site_name": str,
    "title": str,
    "category": str,
    "author": str,
    "published": str,
    "modified": str,
    "language": str,
    "description": str,
    "image": str,
    "canonical_url": str,
    "tags": str,
    "text": str,
    "word_count": int,
    "raw_title": str,
    "raw_text": str,
    "page_extraction": str,
    "capture_id": int,
    "crawl_id": int,
    "first_seen": str,
    "last_seen": str,
    "removed_at": str,
    "version_count": int,
    "ad_slots": int,
    "cluster_id": int,
    "cluster_similarity": float,
    "copy_of": int,
}
# Written by archive.stories, never by a page's ingest.
STORY_ARTICLE_COLUMNS = ("cluster_id", "cluster_similarity", "copy_of")
STORY_COLUMNS = {
    "id": int,
    "title": str,
    "size": int,
    "site_count": int,
    "source_id": int,
    "source_host": str,
    "earliest_id": int,
    "first_seen": str,
    "last_seen": str,
    "hosts": str,
}
JUDGMENT_COLUMNS = {"article_id": int, "digest": str, "copy_digest": str}
ARTICLE_SIGNAL_COLUMNS = {
    "article_id": int,
    "host": str,
    "signal": str,
    "value": float,
    "reason": str,
}
SITE_SIGNAL_COLUMNS = {"host": str, "signal": str, "value": float, "reason": str}
TRACKER_COLUMNS = {
    "host": str,
    "kind": str,
    "tracker_id": str,
    "pages": int,
    "first_seen": str,
    "last_seen": str,
}
VERSION_COLUMNS = {
    "id": int,
    "article_id": int,
    "version": int,
    "url": str,
    "title": str,
    "text": str,
    "word_count": int,
    "capture_id": int,
    "crawl_id": int,
    "fetched_at": str,
}
# What a page's ingest writes of an article (stories and removals are written apart).
_INGESTED_COLUMNS = [
    c
    for c in ARTICLE_COLUMNS
    if c not in ("id", "removed_at", "version_count", *STORY_ARTICLE_COLUMNS)
]
NEW_ARTICLES_A_STATEMENT = 32  # (SQLite binds at most 32766 parameters a statement)
_VERSION_INSERT = (
    "INSERT INTO article_versions (article_id, version, url, title, text, word_count, "
    "capture_id, crawl_id, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# On a recrawl the article row keeps its id and first_seen; everything else is the latest capture.
_ARTICLE_UPDATE = [c for c in ARTICLE_COLUMNS if c not in ("id", "url", "first_seen")]
# Only a change of title or text touches the full-text index (sqlite-utils' trigger fires on
# any update: a revisit's last_seen or a cluster id would rewrite the article's FTS entry).
FTS_UPDATE_TRIGGER = (
    'CREATE TRIGGER "articles_au" AFTER UPDATE OF title, text ON "articles" BEGIN\n'
    '  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") '
    'VALUES(\'delete\', old.rowid, old."title", old."text");\n'
    '  INSERT INTO "articles_fts" (rowid, "title", "text") '
    'VALUES (new.rowid, new."title", new."text");\nEND'
)
# A signature is of one text: a new text needs a new one (archive.stories computes it).
SIGNATURE_TRIGGER = (
    'CREATE TRIGGER IF NOT EXISTS "articles_new_text" AFTER UPDATE OF text ON "articles" '
    "WHEN old.text IS NOT new.text BEGIN\n"
    "  DELETE FROM article_signatures WHERE article_id = old.id;\nEND"
)


def _version_values(article_id: int, version: int, row: Row, fetched_at: str) -> list[Any]:
    """The article_versions values of an articles row (as `_VERSION_INSERT` takes them)."""
    columns = ("title", "text", "word_count", "capture_id", "crawl_id")
    return [article_id, version, row["url"], *(row.get(c) for c in columns), fetched_at]


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """`items` in lists of at most `size` (SQLite's limit on bound parameters)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def add_missing_columns(
    db: sqlite_utils.Database, table: str, columns: dict[str, type]
) -> list[str]:
    """Bring a table made by an older newsarc up to date; return the columns added."""
    existing = db[table].columns_dict
    added = [name for name in columns if name not in existing]
    for name in added:
        db[table].add_column(name, columns[name])
    return added


def create_schema(db: sqlite_utils.Database) -> None:
    """Create the tables, indexes and FTS (idempotent); add columns newer versions have."""
    db["crawls"].create(CRAWL_COLUMNS, pk="id", if_not_exists=True)
    db["captures"].create(
        CAPTURE_COLUMNS, pk="id", foreign_keys=[("crawl_id", "crawls", "id")], if_not_exists=True
    )
    db["sites"].create(SITE_COLUMNS, pk="host", if_not_exists=True)
    db["articles"].create(
        ARTICLE_COLUMNS,
        pk="id",
        foreign_keys=[("capture_id", "captures", "id"), ("crawl_id", "crawls", "id")],
        if_not_exists=True,
    )
    db["article_versions"].create(
        VERSION_COLUMNS,
        pk="id",
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("capture_id", "captures", "id"),
            ("crawl_id", "crawls", "id"),
        ],
        if_not_exists=True,
    )
    db["site_trackers"].create(TRACKER_COLUMNS, pk=("host", "tracker_id"), if_not_exists=True)
    db["article_signals"].create(
        ARTICLE_SIGNAL_COLUMNS,
        pk=("article_id", "signal"),
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["site_signals"].create(SITE_SIGNAL_COLUMNS, pk=("host", "signal"), if_not_exists=True)
    db["story_clusters"].create(
        STORY_COLUMNS,
        pk="id",
        foreign_keys=[("source_id", "articles", "id"), ("earliest_id", "articles", "id")],
        if_not_exists=True,
    )
    db["article_judgments"].create(
        JUDGMENT_COLUMNS,
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    db["article_signatures"].create(
        {"article_id": int, "signature": bytes},
        pk="article_id",
        foreign_keys=[("article_id", "articles", "id")],
        if_not_exists=True,
    )
    for table, columns in (
        ("crawls", CRAWL_COLUMNS),
        ("captures", CAPTURE_COLUMNS),
        ("sites", SITE_COLUMNS),
        ("articles", ARTICLE_COLUMNS),
        ("article_judgments", JUDGMENT_COLUMNS),
    ):
        added = add_missing_columns(db, table, columns)
        if table == "articles" and "raw_text" in added:
            # Older archives stored cleaned text only: it is the best page-level text they have.
            with db.conn:
                db.execute("UPDATE articles SET raw_text = text")
        if table == "articles" and "version_count" in added:
            with db.conn:  # what an older archive holds is each article's first known version
                db.execute(
                    "INSERT INTO article_versions (article_id, version, url, title, text, "
                    "word_count, capture_id, crawl_id, fetched_at) SELECT id, 1, url, title, "
                    "text, word_count, capture_id, crawl_id, last_seen FROM articles"
                )
                db.execute("UPDATE articles SET version_count = 1")
    captures = db["captures"]
    captures.create_index(["url"], if_not_exists=True)
    captures.create_index(["warc_record_id"], unique=True, if_not_exists=True)
    captures.create_index(["crawl_id"], if_not_exists=True)
    articles = db["articles"]
    articles.create_index(["url"], unique=True, if_not_exists=True)
    articles.create_index(["host"], if_not_exists=True)
    articles.create_index(["published"], if_not_exists=True)
    db["article_versions"].create_index(["article_id", "version"], unique=True, if_not_exists=True)
    db["site_trackers"].create_index(["tracker_id"], if_not_exists=True)
    db["article_signals"].create_index(["host", "signal"], if_not_exists=True)
    articles.create_index(["cluster_id"], if_not_exists=True)
    if not db["articles_fts"].exists():
        articles.enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    narrow_fts_trigger(db)
    db.execute(SIGNATURE_TRIGGER)


def narrow_fts_trigger(db: sqlite_utils.Database) -> None:
    """Replace sqlite-utils' update trigger by one that fires on title and text only."""
    found = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_au'"
    ).fetchone()
    if found and found[0] != FTS_UPDATE_TRIGGER:
        with db.conn:
            db.execute('DROP TRIGGER "articles_au"')
            db.execute(FTS_UPDATE_TRIGGER)


def open_database(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) an archive database in WAL mode."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous=NORMAL")
    create_schema(db)
    return db


class Store:
    """Writes to the archive database in transactions of up to `batch_size` rows.

    Rows are inserted as they arrive (so SQLite assigns ids, and several writers can share a
    database) inside an open transaction that is committed every `batch_size` rows or
    `max_age` seconds, whichever comes first, and on `flush()`/`close()`. New articles may
    wait for a few more in the same transaction, to be inserted together
    (`batched_new_articles`, as reindex applies its pages).
    """

    def __init__(self, path: Path | str, batch_size: int = 500, max_age: float = 2.0) -> None:
        self.path = Path(path)
        self.db = open_database(self.path)
        self.db.execute("PRAGMA busy_timeout = 60000")
        self.batch_size = batch_size
        self.max_age = max_age
        self._pending = 0
        self._opened_at = 0.0
        self._site_counts: dict[str, tuple[str, str, int]] = {}
        self._reindex_crawls: dict[str, int] = {}
        self._units = 0
        # New articles waiting to be written together (see `batched_new_articles`), or None.
        self._new_articles: list[tuple[Row, str, bool]] | None = None
        self._next_article_id = 0

    def start_crawl(
        self,
        start_urls: list[str],
        warc_dir: str,
        source: str | None = None,
        resumes: int | None = None,
    ) -> int:
        row = {
            "started_at": utc_now(),
            "status": "running",
            "start_urls": json.dumps(start_urls),
            "warc_dir": warc_dir,
            "source": source,
            "resumes": resumes,
        }
        with self.db.conn:
            return self.db["crawls"].insert(row).last_pk

    def finish_crawl(self, crawl_id: int, status: str, stats: dict[str, Any]) -> None:
        self.flush()
        with self.db.conn:
            self.db["crawls"].update(
                crawl_id,
                {
                    "finished_at": utc_now(),
                    "status": status,
                    "stats": json.dumps(stats, default=str),
                },
            )

    def add_capture(self, row: Row) -> int:
        """Insert a capture row; return its id."""
        self._begin()
        columns = [c for c in CAPTURE_COLUMNS if c != "id"]
        cursor = self.db.conn.execute(
            f"INSERT INTO captures ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [row.get(c) for c in columns],
        )
        self._count_site(row["host"], row["fetched_at"])
        self._wrote()
        return cursor.lastrowid

    def set_page_type(self, capture_id: int, page_type: str) -> None:
        self._begin()
        self.db.conn.execute(
            "UPDATE captures SET page_type = ? WHERE id = ?", [page_type, capture_id]
        )
        self._wrote()

    def capture_id_of(self, record_id: str | None) -> int | None:
        """The captures row of a WARC record, by its WARC-Record-ID."""
        if not record_id:
            return None
        found = self.db.conn.execute(
            "SELECT id FROM captures WHERE warc_record_id = ?", [record_id]
        ).fetchone()
        return found[0] if found else None

    def capture_id_by_digest(self, url: str, payload_digest: str | None) -> int | None:
        """The first response of `url` with this payload (a revisit without WARC-Refers-To)."""
        if not payload_digest:
            return None
        found = self.db.conn.execute(
            "SELECT id FROM captures WHERE url = ? AND payload_digest = ? "
            "AND record_type = 'response' ORDER BY id LIMIT 1",
            [url, payload_digest],
        ).fetchone()
        return found[0] if found else None

    def reindex_crawl(self, warc_dir: str) -> int:
        """The crawls row a reindex files its captures under: one per WARC folder and run."""
        if warc_dir in self._reindex_crawls:  # asked for every record: not resolved each time
            return self._reindex_crawls[warc_dir]
        folder = str(Path(warc_dir).resolve())
        if folder not in self._reindex_crawls:
            crawl_id = self.start_crawl([], folder)
            with self.db.conn:
                self.db["crawls"].update(crawl_id, {"status": "reindexed"})
            self._reindex_crawls[folder] = crawl_id
        self._reindex_crawls[warc_dir] = self._reindex_crawls[folder]
        return self._reindex_crawls[folder]

    def copy_page_type(self, from_capture: int, to_capture: int) -> None:
        self._begin()
        self.db.conn.execute(
            "UPDATE captures SET page_type = (SELECT page_type FROM captures WHERE id = ?) "
            "WHERE id = ?",
            [from_capture, to_capture],
        )
        self._wrote()

    def article_by_url(self, url: str) -> Row | None:
        """The stored article of a URL (this transaction's writes included), or None."""
        if self._new_articles and any(row["url"] == url for row, _, _ in self._new_articles):
            self._write_new_articles()
        cursor = self.db.conn.execute("SELECT * FROM articles WHERE url = ?", [url])
        found = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None

    def add_article(self, row: Row, fetched_at: str, new_version: bool, new: bool = False) -> int:
        """Insert or update (by URL) an article row; with `new_version`, record it in
        `article_versions` too. Returns the article's id.

        `new`: no article of this URL is stored (`article_by_url` said so); in a
        `batched_new_articles` block the row is then written with the next new ones."""
        self._begin()
        if new and self._new_articles is not None:
            return self._add_new_article(row, fetched_at, new_version)
        self._write_new_articles()
        columns = _INGESTED_COLUMNS
        updates = ", ".join(f"{c} = excluded.{c}" for c in _ARTICLE_UPDATE if c in columns)
        bump = 1 if new_version else 0
        cursor = self.db.conn.execute(
            f"INSERT INTO articles ({', '.join(columns)}, version_count) "
            f"VALUES ({', '.join('?' * len(columns))}, 1) "
            f"ON CONFLICT(url) DO UPDATE SET {updates}, removed_at = NULL, "
            f"version_count = coalesce(version_count, 0) + {bump} RETURNING id, version_count",
            [row.get(c) for c in columns],
        )
        article_id, version = cursor.fetchone()
        if new_version:
            self.db.conn.execute(
                _VERSION_INSERT, _version_values(article_id, version, row, fetched_at)
            )
        self._wrote()
        return article_id

    @contextmanager
    def batched_new_articles(self) -> Iterator[None]:
        """New articles added in this block are written together, a few dozen a statement, when
        it ends, before a commit, or before a page's ingest reads or writes articles again
        (`article_by_url` of one of them, `add_article` of a stored one, `update_article`,
        `touch_article`, `mark_removed`: the only ways to articles in the block).

        SQLite's full-text index writes one segment per statement that changes it (it saves
        its pending terms at every statement journal, which the articles triggers open):
        written one at a time, an article's terms cost as much again to merge as to index.
        Their ids are the ones SQLite would have given them one at a time."""
        self._new_articles = []
        try:
            yield
        finally:
            try:
                self._write_new_articles()
            finally:
                self._new_articles = None

    def _add_new_article(self, row: Row, fetched_at: str, new_version: bool) -> int:
        assert self._new_articles is not None
        if not self._new_articles:  # inside our write transaction: no other writer adds one
            last = self.db.conn.execute("SELECT max(rowid) FROM articles").fetchone()[0]
            self._next_article_id = (last or 0) + 1
        article_id = self._next_article_id
        self._next_article_id += 1
        self._new_articles.append(({**row, "id": article_id}, fetched_at, new_version))
        if len(self._new_articles) >= NEW_ARTICLES_A_STATEMENT:
            self._write_new_articles()
        self._wrote()
        return article_id

    def _write_new_articles(self) -> None:
        """Write the new articles waiting, in one INSERT (their full-text index entries in one
        segment), and their first versions."""
        if not self._new_articles:
            return
        waiting, self._new_articles[:] = list(self._new_articles), []
        columns = ["id", *_INGESTED_COLUMNS]
        marks = f"({', '.join('?' * len(columns))}, 1)"
        self.db.conn.execute(
            f"INSERT INTO articles ({', '.join(columns)}, version_count) "
            f"VALUES {', '.join([marks] * len(waiting))}",
            [row.get(c) for row, _, _ in waiting for c in columns],
        )
        self.db.conn.executemany(
            _VERSION_INSERT,
            [_version_values(row["id"], 1, row, fetched_at) for row, fetched_at, new_version in
             waiting if new_version],
        )  # fmt: skip

    def add_trackers(self, host: str, trackers: list[tuple[str, str]], seen_at: str) -> None:
        """Count a page of `host` carrying these ad/analytics IDs."""
        if not trackers:
            return
        self._begin()
        self.db.conn.executemany(
            "INSERT INTO site_trackers (host, kind, tracker_id, pages, first_seen, last_seen) "
            "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(host, tracker_id) DO UPDATE SET "
            "pages = pages + 1, first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen)",
            [(host, kind, tracker, seen_at, seen_at) for kind, tracker in dict.fromkeys(trackers)],
        )
        self._wrote()

    def replace_article_signals(
        self,
        article_id: int,
        host: str,
        signals: list[Any],
        digests: tuple[str | None, str | None] | None = None,
    ) -> None:
        """An article's signals, and the digests of what its own and its copy signals were
        judged from (None: unknown, so that they are judged again next time)."""
        self._begin()
        self.db.conn.execute("DELETE FROM article_signals WHERE article_id = ?", [article_id])
        self.db.conn.executemany(
            "INSERT INTO article_signals (article_id, host, signal, value, reason) "
            "VALUES (?, ?, ?, ?, ?)",
            [(article_id, host, s.name, s.value, s.reason) for s in signals],
        )
        self.db.conn.execute(
            "INSERT OR REPLACE INTO article_judgments (article_id, digest, copy_digest) "
            "VALUES (?, ?, ?)",
            [article_id, *(digests or (None, None))],
        )
        self._wrote()

    def judgment_digests(self, article_ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
        """article id → the digests its stored own and copy signals were judged from (where
        they are known; a copy digest may be unknown)."""
        found: dict[int, tuple[str, str | None]] = {}
        for chunk in chunked(article_ids, 500):
            for article_id, own, copy in self.db.conn.execute(
                "SELECT article_id, digest, copy_digest FROM article_judgments WHERE digest "
                f"IS NOT NULL AND article_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[article_id] = (own, copy)
        return found

    def signals_of_articles(self, article_ids: Iterable[int]) -> dict[int, list[Any]]:
        """article id → its stored signals, in the order they were stored."""
        from extractors.spam import Signal  # noqa: PLC0415 - the store knows no extractor else

        found: dict[int, list[Any]] = {}
        for chunk in chunked(article_ids, 500):
            for article_id, name, value, reason in self.db.conn.execute(
                "SELECT article_id, signal, value, reason FROM article_signals WHERE "
                f"article_id IN ({', '.join('?' * len(chunk))}) ORDER BY rowid",
                chunk,
            ):
                found.setdefault(article_id, []).append(Signal(name, value, reason))
        return found

    def replace_site_signals(self, host: str, signals: list[Any]) -> None:
        """The site signals of `host`, all but those computed across sites."""
        self._begin()
        self.db.conn.execute(
            "DELETE FROM site_signals WHERE host = ? AND signal != 'shared_trackers'", [host]
        )
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO site_signals (host, signal, value, reason) VALUES (?, ?, ?, ?)",
            [(host, s.name, s.value, s.reason) for s in signals],
        )
        self._wrote()

    def replace_signal_everywhere(self, name: str, by_host: dict[str, Any]) -> None:
        """One site signal computed across all sites: the hosts absent from `by_host` lose it."""
        self._begin()
        self.db.conn.execute("DELETE FROM site_signals WHERE signal = ?", [name])
        self.db.conn.executemany(
            "INSERT INTO site_signals (host, signal, value, reason) VALUES (?, ?, ?, ?)",
            [(host, s.name, s.value, s.reason) for host, s in by_host.items()],
        )
        self._wrote()

    def trackers_by_host(self) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        for host, kind, tracker in self.db.conn.execute(
            "SELECT host, kind, tracker_id FROM site_trackers ORDER BY host, tracker_id"
        ):
            found.setdefault(host, []).append((kind, tracker))
        return found

    def scored_hosts(self) -> list[str]:
        return [h for (h,) in self.db.conn.execute("SELECT DISTINCT host FROM site_signals")]

    def site_signals(self, host: str) -> list[Any]:
        from extractors.spam import Signal  # noqa: PLC0415 - the store knows no extractor else

        return [
            Signal(name, value, reason)
            for name, value, reason in self.db.conn.execute(
                "SELECT signal, value, reason FROM site_signals WHERE host = ?", [host]
            )
        ]

    def set_spam_score(self, host: str, score: float, reason: str) -> None:
        self._begin()
        self.db.conn.execute(
            "INSERT INTO sites (host, spam_score, spam_reason, capture_count, article_count) "
            "VALUES (?, ?, ?, 0, 0) ON CONFLICT(host) DO UPDATE SET "
            "spam_score = excluded.spam_score, spam_reason = excluded.spam_reason",
            [host, score, reason],
        )
        self._wrote()

    def touch_article(self, url: str, seen_at: str) -> bool:
        """An article fetched again unchanged (a revisit): it is still there. True if known."""
        self._begin()
        self._write_new_articles()
        cursor = self.db.conn.execute(
            "UPDATE articles SET last_seen = ?, removed_at = NULL WHERE url = ?", [seen_at, url]
        )
        self._wrote()
        return cursor.rowcount > 0

    def mark_removed(self, url: str, seen_at: str) -> bool:
        """An article whose URL now answers 404 or 410: marked, never deleted. True if marked."""
        self._begin()
        self._write_new_articles()
        cursor = self.db.conn.execute(
            "UPDATE articles SET removed_at = ?, last_seen = ? "
            "WHERE url = ? AND removed_at IS NULL",
            [seen_at, seen_at, url],
        )
        self._wrote()
        return cursor.rowcount > 0

    # -- story clusters (archive.stories) --

    def stored_signatures(self) -> Iterator[Any]:
        """Every article's stored signature that can be clustered, as similarity.Article."""
        from extractors.similarity import Article  # noqa: PLC0415 - the store knows no extractor else

        cursor = self.db.conn.execute(
            "SELECT s.article_id, s.signature, a.first_seen, a.published, a.url "
            "FROM article_signatures s JOIN articles a ON a.id = s.article_id "
            "WHERE length(s.signature) > 0 ORDER BY s.article_id"
        )
        for key, blob, first_seen, published, url in cursor:
            yield Article(key, None, blob, first_seen, published, url)

    def unsigned_articles(self) -> list[int]:
        """Articles whose text has no signature yet (new, or changed since)."""
        return [
            key
            for (key,) in self.db.conn.execute(
                "SELECT a.id FROM articles a LEFT JOIN article_signatures s ON s.article_id = a.id "
                "WHERE s.article_id IS NULL ORDER BY a.id"
            )
        ]

    def articles_to_sign(self, article_ids: Iterable[int]) -> Iterator[Row]:
        """id, text, first_seen, published and url of these articles."""
        for chunk in chunked(article_ids, 500):
            cursor = self.db.conn.execute(
                "SELECT id, text, first_seen, published, url FROM articles "
                f"WHERE id IN ({', '.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            names = [c[0] for c in cursor.description]
            yield from (dict(zip(names, row, strict=True)) for row in cursor.fetchall())

    def save_signatures(self, signed: list[tuple[int, bytes]]) -> None:
        self._begin()
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO article_signatures (article_id, signature) VALUES (?, ?)",
            signed,
        )
        self._wrote()

    def story_placements(self) -> Iterator[tuple[int, int | None, float | None, int | None]]:
        """(id, cluster_id, cluster_similarity, copy_of) of every article."""
        return iter(
            self.db.conn.execute(
                "SELECT id, cluster_id, cluster_similarity, copy_of FROM articles"
            ).fetchall()
        )

    def hosts_of(self, article_ids: Iterable[int]) -> set[str]:
        hosts: set[str] = set()
        for chunk in chunked(article_ids, 500):
            hosts.update(
                host
                for (host,) in self.db.conn.execute(
                    "SELECT DISTINCT host FROM articles "
                    f"WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return hosts

    def cluster_ids_of(self, article_ids: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for chunk in chunked(article_ids, 500):
            found.update(
                cluster
                for (cluster,) in self.db.conn.execute(
                    "SELECT DISTINCT cluster_id FROM articles WHERE cluster_id IS NOT NULL "
                    f"AND id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def set_placements(self, rows: list[tuple[int | None, float | None, int | None, int]]) -> None:
        """(cluster_id, cluster_similarity, copy_of, article id) for each article."""
        self._begin()
        self.db.conn.executemany(
            "UPDATE articles SET cluster_id = ?, cluster_similarity = ?, copy_of = ? WHERE id = ?",
            rows,
        )
        self._wrote()

    def rebuild_story_rows(self, heads: dict[int, tuple[int, int] | None]) -> None:
        """Rewrite the story_clusters rows of these cluster ids from their members;
        `heads`: cluster id → (probable source, earliest capture), None for a cluster gone."""
        self._begin()
        for chunk in chunked(list(heads), 500):
            self.db.conn.execute(
                f"DELETE FROM story_clusters WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )
        self.db.conn.executemany(
            "INSERT INTO story_clusters (id, title, size, site_count, source_id, source_host, "
            "earliest_id, first_seen, last_seen, hosts) "
            "SELECT m.cluster_id, s.title, count(*), count(DISTINCT m.host), s.id, s.host, ?, "
            "min(m.first_seen), max(m.first_seen), "
            "(SELECT group_concat(host, ', ') FROM (SELECT DISTINCT host FROM articles "
            " WHERE cluster_id = m.cluster_id ORDER BY host)) "
            "FROM articles m JOIN articles s ON s.id = ? WHERE m.cluster_id = ? "
            "GROUP BY m.cluster_id HAVING count(*) > 1",
            [(head[1], head[0], cluster) for cluster, head in heads.items() if head],
        )
        self._wrote()

    def story_heads(self) -> list[tuple[int, int, int]]:
        """(id, source_id, earliest_id) of every stored story cluster."""
        return self.db.conn.execute(
            "SELECT id, source_id, earliest_id FROM story_clusters"
        ).fetchall()

    def copies_of(self, article_ids: Iterable[int]) -> set[int]:
        """The articles that copy one of these."""
        found: set[int] = set()
        for chunk in chunked(article_ids, 500):
            found.update(
                key
                for (key,) in self.db.conn.execute(
                    f"SELECT id FROM articles WHERE copy_of IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def article_texts(self, article_ids: Iterable[int]) -> dict[int, Row]:
        """id → host, url and text of these articles (a copy's source, for its signals)."""
        found: dict[int, Row] = {}
        for chunk in chunked(article_ids, 500):
            for key, host, url, text in self.db.conn.execute(
                "SELECT id, host, url, text FROM articles "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[key] = {"host": host, "url": url, "text": text}
        return found

    def _begin(self) -> None:
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self._opened_at = time.monotonic()

    def _wrote(self) -> None:
        self._pending += 1
        if self._units == 0 and (
            self._pending >= self.batch_size or time.monotonic() - self._opened_at >= self.max_age
        ):
            self.flush()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Writes that must be committed together (a page's type and its article): no commit
        falls between them, so a crash never keeps one without the other."""
        self._units += 1
        try:
            yield
        finally:
            self._units -= 1
        if self._units == 0 and self.db.conn.in_transaction:
            self._pending -= 1  # `_wrote` counts again
            self._wrote()

    def _count_site(self, host: str, fetched_at: str) -> None:
        first, last, count = self._site_counts.get(host, (fetched_at, fetched_at, 0))
        self._site_counts[host] = (min(first, fetched_at), max(last, fetched_at), count + 1)

    def flush(self) -> None:
        """Commit the open transaction, with the site counters of its captures."""
        if not self.db.conn.in_transaction:
            if self._new_articles:  # SQLite rolled their transaction back
                self._new_articles[:] = []
            return
        self._write_new_articles()
        if self._site_counts:
            self._upsert_sites()
        self.db.conn.commit()
        self._pending = 0

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (SQLite rolls it back itself on some errors)."""
        return self.db.conn.in_transaction

    def rollback(self) -> None:
        """Drop the open transaction and its site counters: after a write failed (a full disk),
        so that closing does not try to commit it again. SQLite may have rolled it back."""
        if self.db.conn.in_transaction:
            with suppress(sqlite3.Error):
                self.db.conn.rollback()
        if self._new_articles:
            self._new_articles[:] = []
        self._pending = 0
        self._site_counts = {}

    def _upsert_sites(self) -> None:
        self.db.conn.executemany(
            "INSERT INTO sites (host, first_seen, last_seen, capture_count, article_count) "
            "VALUES (?, ?, ?, ?, 0) ON CONFLICT(host) DO UPDATE SET "
            # (a row made by save_profile or set_spam_score has no dates yet: min(NULL, x) is NULL)
            "first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen), "
            "last_seen = max(coalesce(last_seen, excluded.last_seen), excluded.last_seen), "
            "capture_count = capture_count + excluded.capture_count",
            [(host, *values) for host, values in self._site_counts.items()],
        )
        self._site_counts = {}

    def load_profile(self, host: str) -> str | None:
        """The JSON site profile stored for `host`, if any."""
        row = self.db.execute("SELECT profile FROM sites WHERE host = ?", [host]).fetchone()
        return row[0] if row else None

    def save_profile(self, host: str, profile: str, affixes: list[str], lines: int) -> None:
        self._begin()
        self.db.conn.execute(
            "INSERT INTO sites (host, profile, title_affixes, boilerplate_lines, capture_count, "
            "article_count) VALUES (?, ?, ?, ?, 0, 0) ON CONFLICT(host) DO UPDATE SET "
            "profile = excluded.profile, title_affixes = excluded.title_affixes, "
            "boilerplate_lines = excluded.boilerplate_lines",
            [host, profile, json.dumps(affixes, ensure_ascii=False), lines],
        )
        self._wrote()

    def site_articles(self, host: str, batch: int = 500) -> Iterator[Row]:
        """Every article of a host, as stored (for re-cleaning with a newer site profile), read
        in batches so that memory does not grow with the size of the site."""
        last_id = 0
        while True:
            cursor = self.db.conn.execute(
                "SELECT * FROM articles WHERE host = ? AND id > ? ORDER BY id LIMIT ?",
                [host, last_id, batch],
            )
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor]
            if not rows:
                return
            yield from rows
            last_id = rows[-1]["id"]

    def articles_by_id(self, article_ids: Iterable[int]) -> list[Row]:
        """The stored rows of these articles (those that exist), by id."""
        found: list[Row] = []
        for chunk in chunked(article_ids, 500):
            cursor = self.db.conn.execute(
                f"SELECT * FROM articles WHERE id IN ({', '.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            names = [column[0] for column in cursor.description]
            found += [dict(zip(names, row, strict=True)) for row in cursor]
        return found

    def update_article(self, article_id: int, values: Row) -> None:
        """Re-cleaned values for an article, and for its latest version (the same content)."""
        self._begin()
        self._write_new_articles()
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.db.conn.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id]
        )
        kept = {name: value for name, value in values.items() if name in VERSION_COLUMNS}
        if kept:
            assignments = ", ".join(f"{name} = ?" for name in kept)
            self.db.conn.execute(
                f"UPDATE article_versions SET {assignments} WHERE article_id = ? AND version = "
                "(SELECT max(version) FROM article_versions WHERE article_id = ?)",
                [*kept.values(), article_id, article_id],
            )
        self._wrote()

    def refresh_sites(self) -> None:
        """Recompute per-site article counts and the site name most of its articles give."""
        with self.db.conn:
            self.db.execute(
                "UPDATE sites SET article_count = "
                "(SELECT count(*) FROM articles WHERE articles.host = sites.host), "
                "name = coalesce((SELECT site_name FROM articles WHERE articles.host = sites.host "
                "AND site_name IS NOT NULL GROUP BY site_name ORDER BY count(*) DESC LIMIT 1), "
                "name)"
            )

    def close(self) -> None:
        self.flush()
        self.refresh_sites()
        self.db.close()

    # -- merging shards (archive.merge) --

    def put_crawl(self, crawl_id: int | None, values: Row) -> int:
        """Insert a crawls row (`crawl_id` None) or set these values on one; return its id."""
        self._begin()
        if crawl_id is None:
            names = [name for name in values if name in CRAWL_COLUMNS and name != "id"]
            cursor = self.db.conn.execute(
                f"INSERT INTO crawls ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [values[name] for name in names],
            )
            crawl_id = cursor.lastrowid
        elif values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            self.db.conn.execute(
                f"UPDATE crawls SET {assignments} WHERE id = ?", [*values.values(), crawl_id]
            )
        self._wrote()
        assert crawl_id is not None
        return crawl_id

    def merge_trackers(self, rows: list[tuple], larger: bool = False) -> None:
        """Add another archive's site_trackers rows (host, kind, tracker_id, pages, first_seen,
        last_seen): pages summed, or the larger count kept with `larger`; dates widened."""
        self._begin()
        pages = "max(pages, excluded.pages)" if larger else "pages + excluded.pages"
        self.db.conn.executemany(
            "INSERT INTO site_trackers (host, kind, tracker_id, pages, first_seen, last_seen) "
            f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(host, tracker_id) DO UPDATE SET "
            f"pages = {pages}, first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen)",
            rows,
        )
        self._wrote()

    def resolve_revisits(self) -> int:
        """Point every revisit without its original at it: the capture of its WARC-Refers-To
        record, else the first response of its URL with its payload digest (as reindex does);
        a revisit takes its original's page type. Returns how many were resolved."""
        self._begin()
        cursor = self.db.conn.execute(
            "UPDATE captures SET revisit_of = coalesce("
            "(SELECT o.id FROM captures o WHERE o.warc_record_id = captures.refers_to), "
            "(SELECT o.id FROM captures o WHERE o.url = captures.url "
            " AND o.payload_digest = captures.payload_digest AND o.record_type = 'response' "
            " ORDER BY o.id LIMIT 1)) "
            "WHERE record_type = 'revisit' AND revisit_of IS NULL AND ("
            "refers_to IS NOT NULL OR coalesce(payload_digest, '') != '')"
        )
        resolved = max(cursor.rowcount, 0)
        self.db.conn.execute(
            "UPDATE captures SET page_type = "
            "(SELECT o.page_type FROM captures o WHERE o.id = captures.revisit_of) "
            "WHERE record_type = 'revisit' AND page_type IS NULL AND revisit_of IS NOT NULL"
        )
        self._wrote()
        return resolved

    def put_article(self, article_id: int | None, values: Row) -> int:
        """Insert an articles row (`article_id` None) or set these values on one; its id."""
        self._begin()
        if article_id is None:
            names = [name for name in values if name in ARTICLE_COLUMNS and name != "id"]
            cursor = self.db.conn.execute(
                f"INSERT INTO articles ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [values[name] for name in names],
            )
            article_id = cursor.lastrowid
        elif values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            self.db.conn.execute(
                f"UPDATE articles SET {assignments} WHERE id = ?", [*values.values(), article_id]
            )
        self._wrote()
        assert article_id is not None
        return article_id

    def article_versions_of(self, article_id: int) -> list[Row]:
        """An article's article_versions rows, oldest first."""
        cursor = self.db.conn.execute(
            "SELECT * FROM article_versions WHERE article_id = ? ORDER BY version", [article_id]
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def put_versions(self, article_id: int, versions: list[Row]) -> None:
        """Make an article's versions these (numbered 1..n in this order), rewriting only the
        rows that differ."""
        self._begin()
        names = [name for name in VERSION_COLUMNS if name not in ("id", "article_id", "version")]
        stored = {row["version"]: row for row in self.article_versions_of(article_id)}
        for number, version in enumerate(versions, start=1):
            old = stored.get(number)
            if old is not None and all(old[name] == version.get(name) for name in names):
                continue
            values = [version.get(name) for name in names]
            if old is not None:
                self.db.conn.execute(
                    f"UPDATE article_versions SET {', '.join(f'{n} = ?' for n in names)} "
                    "WHERE id = ?",
                    [*values, old["id"]],
                )
                continue
            self.db.conn.execute(
                f"INSERT INTO article_versions (article_id, version, {', '.join(names)}) "
                f"VALUES (?, ?, {', '.join('?' * len(names))})",
                [article_id, number, *values],
            )
        self.db.conn.execute(
            "DELETE FROM article_versions WHERE article_id = ? AND version > ?",
            [article_id, len(versions)],
        )
        self._wrote()


HISTORY_SQL = (
    "SELECT c.id, c.url, c.status, c.fetched_at, c.etag, c.last_modified, c.page_type, "
    "c.crawl_id, c.record_type, c.revisit_of, c.payload_digest, c.warc_record_id, "
    "c.warc_filename, c.warc_offset, crawls.warc_dir "
    "FROM captures c LEFT JOIN crawls ON crawls.id = c.crawl_id "
)


class History:
    """What the archive already holds, read for a crawl that fetches only what is new.

    A connection of its own (read-only use) so that lookups never wait on the pipeline's
    open transaction; one indexed query per request.
    """

    def __init__(self, path: Path | str) -> None:
        self.db = open_database(path)
        self.db.execute("PRAGMA busy_timeout = 60000")

    def _row(self, sql: str, params: list[Any]) -> Row | None:
        cursor = self.db.execute(sql, params)
        found = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None

    def last_capture(self, url: str, crawl_ids: list[int] | None = None) -> Row | None:
        """The latest capture of `url` that holds or revisits a page; or, given `crawl_ids`,
        the latest answer of any kind those crawls archived for it."""
        if crawl_ids is None:
            where = "WHERE c.url = ? AND c.status IN (200, 304) "
            return self._row(HISTORY_SQL + where + "ORDER BY c.id DESC LIMIT 1", [url])
        where = f"WHERE c.url = ? AND c.crawl_id IN ({', '.join('?' * len(crawl_ids))}) "
        sql = HISTORY_SQL + where + "ORDER BY c.id DESC LIMIT 1"
        return self._row(sql, [url, *crawl_ids])

    def original_of(self, capture: Row) -> Row | None:
        """The capture whose record holds the payload: itself, or what its revisit refers to."""
        if capture["record_type"] != "revisit":
            return capture
        if capture["revisit_of"] is None:
            return None
        return self._row(HISTORY_SQL + "WHERE c.id = ?", [capture["revisit_of"]])

    def article(self, url: str) -> Row | None:
        return self._row(
            "SELECT first_seen, last_seen, published, removed_at FROM articles WHERE url = ?",
            [url],
        )

    def articles_of(self, hosts: list[str]) -> list[Row]:
        """Every article of these hosts still there, for the recrawl policy to pick from."""
        marks = ", ".join("?" * len(hosts))
        cursor = self.db.execute(
            "SELECT url, first_seen, last_seen, published FROM articles "
            f"WHERE host IN ({marks}) AND removed_at IS NULL ORDER BY last_seen",
            hosts,
        )
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, found, strict=True)) for found in cursor]

    def close(self) -> None:
        self.db.close()
