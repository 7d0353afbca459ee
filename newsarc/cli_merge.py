"""`newsarc merge`: combine the databases of several crawler workers into one archive."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import click

from newsarc.cli import DEFAULT_DB, cli, fail


def crawl_is_live(db: Path, crawl: dict[str, Any]) -> bool:
    """Whether the process of a crawl marked running still holds its run lock."""
    from crawler.runs import RunKey, lock_path  # noqa: PLC0415

    try:
        start_urls = json.loads(crawl.get("start_urls") or "[]")
    except ValueError:
        start_urls = []
    path = lock_path(db, RunKey(crawl.get("source"), start_urls))
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


class Progress:
    """A progress bar over the rows of the shards, on stderr, shown only on a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=max(total, 1), label="merging", file=sys.stderr, show_eta=True
            )
            self.bar.__enter__()
        self.bar.update(max(0, done - self.bar.pos))

    def line(self, text: str) -> None:
        clear = "\r\033[K" if self.bar is not None else ""  # over the bar, drawn again later
        click.echo(f"{clear}newsarc: {text}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command()
@click.argument("shards", nargs=-1, required=True, metavar="SHARD...")
@click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    help="Archive database to merge into (created if missing).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of cores",
    help="Processes judging articles (content-farm signals).",
)
def merge(shards: tuple[str, ...], db: str, workers: int) -> None:
    """Merge the databases of several crawler workers ("shards") into one archive.

    Each SHARD is a newsarc database that one worker of a distributed crawl wrote (with its
    own WARC folder). The target --db is created if missing, or may already hold an archive:
    the shards are added to it.

    \b
    - captures are copied with new ids, skipping those already there (by WARC-Record-ID),
      and each shard's crawls with their WARC folder, so replay and check find the files;
      a revisit whose original is in another shard is resolved (WARC-Refers-To, else
      URL and payload digest);
    - articles are combined by URL with every version of every shard, in the order
      they were fetched (consecutive identical versions as one); the latest capture
      gives the article, removals are replayed from every capture of the URL;
    - ad and analytics IDs are added up per site; the site profiles (boilerplate,
      title affixes) are combined and every article of the merged sites cleaned again;
    - story clusters and content-farm signals are computed again over the whole archive.

    Merging the same shards again changes nothing, and a merge that was stopped is finished
    by the next one. A shard whose crawl is still running is refused (merge it when the
    crawl is done), as is a file that is not a newsarc database. Shards are only read.
    Prints a line per shard and a summary on stderr (with a progress bar on a terminal).

    \b
    Examples:
        newsarc merge worker1/archive.db worker2/archive.db --db archive.db
        newsarc merge shards/*.db --db /srv/news/archive.db --workers 4
        newsarc check --db archive.db    # then verify every WARC folder the crawls name
    """
    from archive.merge import MergeError, merge_shards  # noqa: PLC0415

    progress = Progress()
    started = time.monotonic()
    try:
        paths = [Path(shard) for shard in shards]
        stats = merge_shards(db, paths, crawl_is_live, progress.line, progress, workers)
    except MergeError as exc:
        progress.close()
        fail(str(exc))
        return
    except (OSError, sqlite3.Error) as exc:
        progress.close()
        fail(f"merge stopped: {exc} (run it again to finish it)")
        return
    progress.close()
    if stats.finished_earlier_merge:
        click.echo("newsarc: finished the merge that was stopped before", err=True)
    elapsed = time.monotonic() - started
    click.echo(
        f"newsarc: merged {len(stats.shards)} shards into {db}: {stats.captures} captures added "
        f"({stats.skipped} already there), {stats.revisits_resolved} revisits resolved across "
        f"shards; {stats.articles} articles ({stats.articles_new} new, {stats.articles_updated} "
        f"updated), {stats.versions} versions; in {elapsed:.1f} s",
        err=True,
    )
