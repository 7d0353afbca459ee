"""The SQLite store: schema, batched inserts and upserts, full-text search on articles."""

from __future__ import annotations

import json
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
}
SITE_COLUMNS = {
    "host": str,
    "name": str,
    "first_seen": str,
    "last_seen": str,
    "capture_count": int,
    "article_count": int,
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
    "language": str,
    "description": str,
    "tags": str,
    "text": str,
    "word_count": int,
    "capture_id": int,
    "crawl_id": int,
    "first_seen": str,
    "last_seen": str,
}
# On a recrawl the article row keeps its id and first_seen; everything else is the latest capture.
_ARTICLE_UPDATE = [c for c in ARTICLE_COLUMNS if c not in ("id", "url", "first_seen")]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def create_schema(db: sqlite_utils.Database) -> None:
    """Create the tables, indexes and FTS (idempotent)."""
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
    captures = db["captures"]
    captures.create_index(["url"], if_not_exists=True)
    captures.create_index(["warc_record_id"], unique=True, if_not_exists=True)
    captures.create_index(["crawl_id"], if_not_exists=True)
    articles = db["articles"]
    articles.create_index(["url"], unique=True, if_not_exists=True)
    articles.create_index(["host"], if_not_exists=True)
    articles.create_index(["published"], if_not_exists=True)
    if not db["articles_fts"].exists():
        articles.enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


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
    """Batches writes to the archive database; one writer per database file.

    Capture ids are handed out in this process so that article rows can name their capture
    before the batch holding that capture is written.
    """

    def __init__(self, path: Path | str, batch_size: int = 500) -> None:
        self.path = Path(path)
        self.db = open_database(self.path)
        self.batch_size = batch_size
        self._next_capture_id = self._max_id("captures") + 1
        self._captures: list[Row] = []
        self._page_types: list[tuple[str, int]] = []
        self._articles: list[Row] = []

    def _max_id(self, table: str) -> int:
        return self.db.execute(f"SELECT coalesce(max(id), 0) FROM [{table}]").fetchone()[0]

    def start_crawl(self, start_urls: list[str], warc_dir: str) -> int:
        row = {
            "started_at": utc_now(),
            "status": "running",
            "start_urls": json.dumps(start_urls),
            "warc_dir": warc_dir,
        }
        return self.db["crawls"].insert(row).last_pk

    def finish_crawl(self, crawl_id: int, status: str, stats: dict[str, Any]) -> None:
        self.flush()
        self.db["crawls"].update(
            crawl_id,
            {"finished_at": utc_now(), "status": status, "stats": json.dumps(stats, default=str)},
        )

    def add_capture(self, row: Row) -> int:
        """Queue a capture row; return the id it will have."""
        capture_id = self._next_capture_id
        self._next_capture_id += 1
        self._captures.append({**row, "id": capture_id})
        self._flush_if_full()
        return capture_id

    def set_page_type(self, capture_id: int, page_type: str) -> None:
        self._page_types.append((page_type, capture_id))

    def add_article(self, row: Row) -> None:
        """Queue an article row; an article URL seen before is updated in place."""
        self._articles.append(row)
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self._captures) + len(self._articles) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write every queued row in one transaction."""
        if not (self._captures or self._articles or self._page_types):
            return
        with self.db.conn:
            if self._captures:
                self.db["captures"].insert_all(self._captures, batch_size=self.batch_size)
                self._upsert_sites(self._captures)
            if self._page_types:
                self.db.conn.executemany(
                    "UPDATE captures SET page_type = ? WHERE id = ?", self._page_types
                )
            if self._articles:
                self._upsert_articles(self._articles)
        self._captures, self._page_types, self._articles = [], [], []

    def _upsert_articles(self, rows: list[Row]) -> None:
        columns = list(ARTICLE_COLUMNS)[1:]
        updates = ", ".join(f"{c} = excluded.{c}" for c in _ARTICLE_UPDATE)
        sql = (
            f"INSERT INTO articles ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT(url) DO UPDATE SET {updates}"
        )
        self.db.conn.executemany(sql, [[row.get(c) for c in columns] for row in rows])

    def _upsert_sites(self, captures: list[Row]) -> None:
        seen: dict[str, tuple[str, str, int]] = {}
        for row in captures:
            first, last, count = seen.get(row["host"], (row["fetched_at"], row["fetched_at"], 0))
            seen[row["host"]] = (
                min(first, row["fetched_at"]),
                max(last, row["fetched_at"]),
                count + 1,
            )
        self.db.conn.executemany(
            "INSERT INTO sites (host, first_seen, last_seen, capture_count, article_count) "
            "VALUES (?, ?, ?, ?, 0) ON CONFLICT(host) DO UPDATE SET "
            "first_seen = min(first_seen, excluded.first_seen), "
            "last_seen = max(last_seen, excluded.last_seen), "
            "capture_count = capture_count + excluded.capture_count",
            [(host, *values) for host, values in seen.items()],
        )

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
