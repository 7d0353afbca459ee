"""Publishing the archive with Datasette: metadata lookup and the Datasette instance."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from datasette.app import Datasette

METADATA_NAME = "datasette-metadata.yml"
# The database key used in datasette-metadata.yml; renamed to the served file's name.
METADATA_DATABASE = "archive"
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 1000,
    "truncate_cells_html": 300,  # article texts would make each table row a page long
}


def metadata_text() -> str:
    """datasette-metadata.yml, as shipped inside the `archive` package."""
    return resources.files("archive").joinpath(METADATA_NAME).read_text(encoding="utf-8")


def load_metadata(db_path: Path | str) -> dict[str, Any]:
    """The project's metadata, with its database section named after `db_path`."""
    metadata = yaml.safe_load(metadata_text())
    databases = metadata.get("databases", {})
    if METADATA_DATABASE in databases:
        databases[Path(db_path).stem] = databases.pop(METADATA_DATABASE)
    return metadata


def is_archive(db_path: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return False
    return {"captures", "articles"} <= tables


def being_written(db_path: Path) -> bool:
    """Is a crawl writing to the database (a running crawl, or rows still in its WAL file)?"""
    wal = db_path.with_name(db_path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return True
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT 1 FROM crawls WHERE status = 'running'").fetchone() is not None


def make_datasette(db_path: Path | str, allow_sql: bool = True) -> Datasette:
    """Datasette on an archive: immutable (faster, cacheable) unless a crawl is writing to it."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no archive database at {db_path}")
    if not is_archive(db_path):
        raise ValueError(f"{db_path} is not a newsarc archive database")
    files = {"immutables" if not being_written(db_path) else "files": [str(db_path)]}
    return Datasette(
        **files,
        metadata=load_metadata(db_path),
        settings={**DATASETTE_SETTINGS, "default_allow_sql": allow_sql},
    )
