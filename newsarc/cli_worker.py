"""`newsarc worker` and the Redis side of `newsarc crawl --redis`: many workers, one crawl."""

from __future__ import annotations

import socket
import sys
import time
from typing import Any

import click

from newsarc.cli import (
    DEFAULT_WARC_DIR,
    EXIT_LOCKED,
    allow_private_option,
    apply_shared,
    check_database,
    cli,
    crawl_settings,
    crawl_summary,
    fail,
    parse_setting,
)

DEFAULT_KEY = "newsarc"
DEFAULT_IDLE = 30.0


def default_shard() -> str:
    """A worker's own database when --db is not given: one per host and process."""
    import os  # noqa: PLC0415

    return f"shards/{socket.gethostname()}-{os.getpid()}.db"


def shared_source(key: str) -> str:
    """What a worker's crawls rows name as their source: the shared crawl."""
    return f"redis:{key}"


def connect_or_fail(url: str) -> Any:
    from crawler.distributed import connect  # noqa: PLC0415

    try:
        return connect(url)
    except ConnectionError as exc:
        fail(str(exc))
    return None


def redis_settings(settings: Any, url: str, key: str, idle_timeout: float) -> None:
    """Make `settings` those of a worker of the shared crawl `key`."""
    from crawler.distributed import scrapy_settings  # noqa: PLC0415

    settings.setdict(scrapy_settings(url, key), priority="cmdline")
    settings.set("NEWSARC_SOURCE", shared_source(key), priority="cmdline")
    if settings.getpriority("NEWSARC_REDIS_IDLE_TIMEOUT") < 40:  # not given with -s
        settings.set("NEWSARC_REDIS_IDLE_TIMEOUT", idle_timeout, priority="cmdline")


def seed_crawl(url: str, key: str, hosts: list[str], settings: dict[str, Any]) -> None:
    """Record the crawl's hosts and settings in Redis (a new crawl if the frontier is idle)."""
    from crawler.distributed import Keys, seed  # noqa: PLC0415

    started = seed(connect_or_fail(url), Keys(key), hosts, settings)
    what = "started a new shared crawl" if started else "joined the running shared crawl"
    click.echo(f"newsarc: {what} {key!r} on {url}", err=True)


def run_worker(
    key_name: str, settings: Any, spider_args: dict[str, Any], db: str, warc_dir: str
) -> None:
    """Run one worker under its run lock; print its summary."""
    from archive.store import Store  # noqa: PLC0415
    from crawler.runs import RunKey, RunLocked, prepare_run, run_lock  # noqa: PLC0415
    from newsarc.cli import plan_report, run_crawl  # noqa: PLC0415

    run_key = RunKey(shared_source(key_name), [])
    started = time.monotonic()
    try:
        with run_lock(db, run_key):
            store = Store(db)
            try:
                plan = prepare_run(store, warc_dir, run_key, resume=False)
            finally:
                store.close()
            for line in plan_report(plan):
                click.echo(f"newsarc: {line}", err=True)
            stats = run_crawl(settings, spider_args)
    except RunLocked as exc:
        click.echo(f"Error: {exc} (give each worker its own --db)", err=True)
        sys.exit(EXIT_LOCKED)
    click.echo(crawl_summary(stats, time.monotonic() - started, db, warc_dir), err=True)
    if stats.get("finish_reason") == "shutdown":
        fail("the worker was interrupted; its requests in flight go back to the shared queue")
    if stats.get("newsarc/db_errors"):
        fail(f"{stats['newsarc/db_errors']} captures could not be stored (see the log)")


@cli.command()
@click.option(
    "--redis",
    "redis_url",
    envvar="NEWSARC_REDIS_URL",
    required=True,
    help="The Redis holding the shared crawl (or NEWSARC_REDIS_URL).",
)
@click.option(
    "--redis-key", default=DEFAULT_KEY, show_default=True, help="The shared crawl's name."
)
@click.option("--db", help="This worker's database shard [default: shards/HOST-PID.db].")
@click.option("--warc-dir", default=DEFAULT_WARC_DIR, show_default=True, help="Folder for WARCs.")
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_IDLE,
    show_default=True,
    help="Stop once the whole shared frontier has been empty this many seconds.",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="How long to wait for a shared crawl to be started, if there is none yet.",
)
@click.option("--fast", is_flag=True, help="No politeness delays: only for servers you own.")
@allow_private_option
@click.option("-s", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting.")
def worker(
    redis_url: str,
    redis_key: str,
    db: str | None,
    warc_dir: str,
    idle_timeout: float,
    wait: float,
    fast: bool,
    overrides: tuple[str, ...],
) -> None:
    """Join a shared crawl: fetch from the frontier in Redis until it has been empty a while.

    A shared crawl is started with `newsarc crawl --redis URL SITE...` (which works as a
    worker too). Each worker writes its own WARC files (named with its host and process id)
    and its own database shard; `newsarc merge` combines the shards. A worker that dies gives
    its requests back: another worker fetches them once the dead one has missed its
    heartbeats for 10 s. A worker started before the crawl waits up to --wait seconds for it.

    \b
    Examples:
        newsarc crawl --redis redis://10.0.0.5:6379/0 https://example-news.com/
        newsarc worker --redis redis://10.0.0.5:6379/0 --db shards/w2.db
        NEWSARC_REDIS_URL=redis://10.0.0.5:6379/0 newsarc worker --warc-dir /data/warcs
        newsarc merge shards/*.db --db archive.db
    """
    from crawler.distributed import Keys, wait_for_config  # noqa: PLC0415

    db = db or default_shard()
    check_database(db)
    server = connect_or_fail(redis_url)
    config = wait_for_config(server, Keys(redis_key), wait)
    if config is None:
        click.echo(
            f"newsarc: no shared crawl {redis_key!r} on {redis_url}: nothing to do", err=True
        )
        return
    for item in overrides:
        parse_setting(item)
    settings = crawl_settings(db, warc_dir, None, fast, overrides)
    apply_shared(settings, config.get("settings", {}), overrides)
    redis_settings(settings, redis_url, redis_key, idle_timeout)
    spider_args = {"urls": [], "hosts": config["hosts"], "join": True}
    run_worker(redis_key, settings, spider_args, db, warc_dir)
