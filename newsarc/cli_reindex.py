"""`newsarc reindex`: rebuild the database from WARC files."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from datetime import UTC, datetime
from typing import Any

import click

from newsarc.cli import DEFAULT_DB, check_database, cli, fail


def parse_since(value: str | None) -> tuple[str | None, datetime | None]:
    """`--since`: a WARC file name, or a date (ISO 8601, or 8 to 14 digits as in WARC names)."""
    if not value:
        return None, None
    digits = value.isdigit() and 8 <= len(value) <= 14
    try:
        if digits:
            when = datetime.strptime(value.ljust(14, "0"), "%Y%m%d%H%M%S")
        else:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        if any(value.endswith(suffix) for suffix in (".warc", ".warc.gz")):
            return value, None
        fail(f"--since: neither a date nor a WARC file name: {value!r}")
    return None, when if when.tzinfo else when.replace(tzinfo=UTC)


class Progress:
    """A progress bar over the bytes of the WARC files, with records/s and ETA, on stderr."""

    def __init__(self, total_bytes: int) -> None:
        self.shown = sys.stderr.isatty()  # no bar in logs and pipes
        self.bar = click.progressbar(
            length=total_bytes, label="reindexing", file=sys.stderr, show_eta=True,
            item_show_func=lambda text: text,
        )  # fmt: skip
        self.started = time.monotonic()
        if self.shown:
            self.bar.__enter__()

    def update(self, bytes_read: int, stats: Any) -> None:
        if not self.shown:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = f"{stats.records / elapsed:,.0f} records/s"
        self.bar.update(max(0, bytes_read - self.bar.pos), rate)

    def step(self, name: str) -> None:
        """A step of the reindex starts (see archive.reindex.STEPS): the bar names it, which
        tells what the wait is for once the WARCs are read."""
        if self.shown:
            self.bar.current_item = name
            self.bar.render_progress()

    def close(self) -> None:
        if self.shown:
            self.bar.__exit__(None, None, None)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Database to build or update.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of cores",
    help="Extraction processes.",
)
@click.option(
    "--since",
    metavar="NAME_OR_DATE",
    help="Only WARC files named at or after NAME, or records dated at or after DATE.",
)
def reindex(paths: tuple[str, ...], db: str, workers: int, since: str | None) -> None:
    """Build the database from WARC files: the WARCs are the source of truth.

    PATH is a WARC file (.warc or .warc.gz; newsarc's, wget's, Heritrix's, Browsertrix's,
    Common Crawl's) or a folder of them. Every response and revisit record becomes a captures
    row and every HTML page is extracted, as in a live crawl; sites are learned from all their
    pages before their articles are cleaned for the last time. Records already in the database
    are skipped, so reindexing twice changes nothing and an existing database is updated in
    place. Extraction uses all cores.

    \b
    Examples:
        newsarc reindex warcs/ --db rebuilt.db
        newsarc reindex crawl.warc.gz other/ --db archive.db --workers 4
        newsarc reindex warcs/ --db archive.db --since 2026-11-01
        newsarc reindex warcs/ --db archive.db --since newsarc-20261128225322589-00001-1~h.warc.gz
    """
    from archive.reindex import Reindexer, warc_files  # noqa: PLC0415

    since_name, since_date = parse_since(since)
    try:
        files = warc_files(paths, since_name)
    except FileNotFoundError as exc:
        fail(str(exc))
    if not files:
        fail("no WARC files (*.warc, *.warc.gz) in " + ", ".join(paths))
    check_database(db)
    progress = Progress(sum(path.stat().st_size for path in files))
    started = time.monotonic()
    try:
        stats = Reindexer(db, workers, since_date, progress.update, progress.step).run(files)
    except (OSError, sqlite3.Error) as exc:
        fail(f"reindex stopped: {exc}")
    finally:
        progress.close()
    elapsed = time.monotonic() - started
    click.echo(
        f"newsarc: reindexed {stats.files} WARC files: {stats.records} records, "
        f"{stats.captures} new captures ({stats.skipped} already there), {stats.pages} pages, "
        f"{stats.articles} articles, {stats.revisits} revisits, {stats.removed} removed; "
        f"{stats.records / max(elapsed, 1e-6):,.0f} records/s in {elapsed:.1f} s; database {db}",
        err=True,
    )
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in stats.steps.items())
    click.echo(f"newsarc: steps: {steps}", err=True)
    if stats.unresolved_revisits:
        click.echo(
            f"newsarc: {stats.unresolved_revisits} revisit records refer to records that are "
            "not in these files",
            err=True,
        )
