"""Export: captures packaged as WACZ (for ReplayWeb.page and pywb), pages from the articles."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from wacz.main import main as wacz_main

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Articles"}
PAGES_SQL = (
    "SELECT articles.url, captures.fetched_at, articles.title, articles.text "
    "FROM articles JOIN captures ON captures.id = articles.capture_id ORDER BY articles.id"
)


def warc_timestamp(iso: str) -> str:
    """`2026-11-29T00:46:46.526+00:00` → `2026-11-29T00:46:46Z`, as WACZ pages give times."""
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def pages_lines(db_path: Path) -> list[str]:
    """pages.jsonl: one page per article (URL, capture time, title, text for full-text search)."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        rows = conn.execute(PAGES_SQL).fetchall()
    pages = [
        {"url": url, "ts": warc_timestamp(fetched_at), "title": title or url, "text": text or ""}
        for url, fetched_at, title, text in rows
    ]
    return [json.dumps(line, ensure_ascii=False) for line in [PAGES_HEADER, *pages]]


def linked_without_tilde(warcs: list[Path], folder: Path) -> list[str]:
    """WACZ validation (frictionless) rejects `~` in resource paths, and Heritrix-style names
    have one (`…-{pid}~{host}.warc.gz`): package them through links named with `-` instead."""
    links = []
    for warc in warcs:
        link = folder / warc.name.replace("~", "-")
        link.symlink_to(warc.resolve())
        links.append(str(link))
    return links


def export_wacz(db_path: Path, warc_dir: Path, output: Path, title: str = "newsarc") -> Path:
    """Write a WACZ of every closed WARC in `warc_dir`, its pages the articles of `db_path`."""
    found = sorted(warc_dir.glob("*.warc.gz"))
    if not found:
        raise FileNotFoundError(f"no closed WARC files (*.warc.gz) in {warc_dir}")
    with tempfile.TemporaryDirectory() as scratch:
        warcs = linked_without_tilde(found, Path(scratch))
        pages = Path(scratch) / "pages.jsonl"
        pages.write_text("\n".join(pages_lines(db_path)) + "\n", encoding="utf-8")
        arguments = ["create", "-o", str(output), "-p", str(pages), "--title", title, *warcs]
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log):  # wacz prints its progress
                status = wacz_main(arguments)
        except Exception as exc:  # wacz raises what it meets; the user needs one line
            status, log = 1, io.StringIO(repr(exc))
    if status != 0 or not output.is_file():
        output.unlink(missing_ok=True)
        raise RuntimeError(f"wacz could not package the archive: {log.getvalue().strip()[-300:]}")
    return output
