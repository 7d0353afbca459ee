"""datasette-metadata.yml describes every table and column, and Datasette serves with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from archive.publish import load_metadata, make_datasette
from archive.store import Store

HIDDEN_SUFFIXES = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config")


def test_every_table_and_column_has_a_description(tmp_path: Path) -> None:
    db_path = tmp_path / "mine.db"
    store = Store(db_path)
    metadata = load_metadata(db_path)
    assert metadata["title"] and metadata.get("description_html")
    tables = metadata["databases"]["mine"]["tables"]
    visible = [t for t in store.db.table_names() if not t.endswith(HIDDEN_SUFFIXES)]
    assert sorted(visible) == sorted(tables)
    for table in visible:
        assert tables[table].get("description"), f"{table} has no description"
        described = tables[table].get("columns", {})
        for column in store.db[table].columns_dict:
            assert described.get(column), f"{table}.{column} has no description"
        assert set(described) <= set(store.db[table].columns_dict), f"{table}: stale columns"


def test_datasette_serves_tables_with_metadata(tmp_path: Path) -> None:
    db_path = tmp_path / "archive.db"
    Store(db_path).close()
    datasette = make_datasette(db_path)

    async def fetch() -> tuple[dict, dict]:
        index = (await datasette.client.get("/archive.json")).json()
        articles = (await datasette.client.get("/archive/articles.json?_search=x")).json()
        return index, articles

    index, articles = asyncio.run(fetch())
    assert {t["name"] for t in index["tables"]} >= {"crawls", "captures", "sites", "articles"}
    assert articles["rows"] == [] and articles.get("error") is None
    assert set(articles["facet_results"]) >= {"host", "site_name", "language"}
    assert "order by published desc" in articles["query"]["sql"]
