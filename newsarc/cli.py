"""The `newsarc` command line: a thin layer over crawler/, extractors/ and archive/."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from newsarc import __version__

DEFAULT_DB = "archive.db"
DEFAULT_WARC_DIR = "warcs"


def fail(message: str) -> None:
    """A one-line error on stderr and exit status 1."""
    raise click.ClickException(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsarc")
def cli() -> None:
    """Crawl, archive (WARC), extract and publish news sites and content farms.

    \b
    Start with the demo:
        newsarc demo
    Then crawl your own sites:
        newsarc crawl https://example-news.com/ --db archive.db --warc-dir warcs
        newsarc serve --db archive.db
    """


# --- crawl -------------------------------------------------------------------------------


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"not an http(s) URL: {url!r}")
    return url


def parse_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        fail(f"-s expects NAME=VALUE, got {text!r}")
    return name.strip(), value


def allow_private_option(command: Any) -> Any:
    """--allow-private (or NEWSARC_ALLOW_PRIVATE=1): lift the address guard."""
    return click.option(
        "--allow-private",
        is_flag=True,
        envvar="NEWSARC_ALLOW_PRIVATE",
        callback=remember_allow_private,
        expose_value=False,
        help="Fetch loopback, private and reserved addresses too (servers you own, intranets).",
    )(command)


def remember_allow_private(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:  # for crawler/settings.py, and for the crawls this one starts as processes
        os.environ["NEWSARC_ALLOW_PRIVATE"] = "1"
    return value


def crawl_settings(
    db: str, warc_dir: str, max_pages: int | None, fast: bool, overrides: tuple[str, ...]
) -> Any:
    from scrapy.settings import Settings  # noqa: PLC0415 - keep `newsarc --help` fast

    from crawler import settings as project_settings  # noqa: PLC0415

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    if fast:
        settings.setdict(project_settings.FAST_SETTINGS, priority="cmdline")
    settings.setdict({"NEWSARC_DB": db, "NEWSARC_WARC_DIR": warc_dir}, priority="cmdline")
    if os.environ.get("NEWSARC_ALLOW_PRIVATE", "") not in ("", "0", "false"):
        settings.set("NEWSARC_ALLOW_PRIVATE", True, priority="cmdline")
    if max_pages:
        settings.set("CLOSESPIDER_PAGECOUNT", max_pages, priority="cmdline")
    settings.setdict(dict(parse_setting(item) for item in overrides), priority="cmdline")
    return settings


def check_database(db: str) -> None:
    """Open (creating if needed) the database now, so a bad path fails before the crawl."""
    from archive.store import open_database  # noqa: PLC0415

    try:
        open_database(db).close()
    except (sqlite3.Error, OSError) as exc:
        fail(f"{db}: cannot use as an archive database ({exc})")


def run_crawl(settings: Any, spider_args: dict[str, list[str]]) -> dict[str, Any]:
    """Run the news spider to the end; return its stats."""
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415

    from crawler.spiders.news import NewsSpider  # noqa: PLC0415

    errors: list[str] = []
    try:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, **spider_args).addErrback(
            lambda failure: errors.append(failure.getErrorMessage())
        )
        process.start()
    except Exception as exc:  # bad settings values and the like
        errors.append(str(exc))
    if errors:
        fail(f"the crawl could not run: {errors[0]}")
    return crawler.stats.get_stats() if crawler.stats else {}


def crawl_outcome(stats: dict[str, Any]) -> str | None:
    """What went wrong with a crawl that ran, as a one-line error; None if nothing did."""
    # Stopped because it could not write (a full disk): the problem first, then what to do.
    if stats.get("newsarc/stopped_by"):
        return (
            f"{stats['newsarc/stopped_by']}; the crawl stopped, what it archived is kept "
            "(free some space, then continue it with --resume)"
        )
    if stats.get("finish_reason") == "shutdown":
        return "the crawl was interrupted; what it archived is kept (continue it with --resume)"
    if stats.get("newsarc/db_errors"):
        return f"{stats['newsarc/db_errors']} captures could not be stored (see the log)"
    if not stats.get("newsarc/start_ok"):
        errors = [
            f"{key.removeprefix('newsarc/start_error/')} ({value})"
            for key, value in stats.items()
            if key.startswith("newsarc/start_error/")
        ]
        return "could not fetch any start URL: " + ("; ".join(errors) or "see the log above")
    return None


def crawl_summary(stats: dict[str, Any], elapsed: float, db: str, warc_dir: str) -> str:
    pages = stats.get("newsarc/warc/responses", 0)
    revisits = sum(v for k, v in stats.items() if k.startswith("newsarc/warc/revisits/"))
    replayed = stats.get("newsarc/resume/replayed", 0)
    articles = stats.get("newsarc/articles", 0)
    rate = pages / elapsed if elapsed > 0 else 0.0
    unchanged = f", {revisits} unchanged (revisit records)" if revisits else ""
    resumed = f"; {replayed} answered from the archive of the resumed crawl" if replayed else ""
    return (
        f"newsarc: archived {pages} responses{unchanged} and {articles} new or changed articles "
        f"in {elapsed:.1f} s ({rate:.1f} responses/s){resumed}; WARC files in {warc_dir}/, "
        f"database {db}"
    )


EXIT_LOCKED = 75  # EX_TEMPFAIL: the same crawl is running; try again later


def run_guarded(
    key: Any, settings: Any, spider_args: dict[str, list[str]], db: str, warc_dir: str,
    resume: bool,
) -> dict[str, Any]:  # fmt: skip
    """One crawl under its run lock: dead runs recorded, open WARCs closed, resume prepared."""
    from archive.store import Store  # noqa: PLC0415
    from crawler.runs import RunLocked, prepare_run, run_lock  # noqa: PLC0415

    try:
        with run_lock(db, key):
            store = Store(db)
            try:
                plan = prepare_run(store, warc_dir, key, resume)
            finally:
                store.close()
            for line in plan_report(plan):
                click.echo(f"newsarc: {line}", err=True)
            if plan.resume_chain:
                settings.set("NEWSARC_RESUME_CRAWLS", plan.resume_chain, priority="cmdline")
            return run_crawl(settings, spider_args)
    except RunLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)


def plan_report(plan: Any) -> list[str]:
    lines = [f"crawl {n} had died: recorded as failed" for n in plan.failed_crawls]
    for recovered in plan.recovered:
        lines.append(
            f"closed {recovered.path.name}, left open by a crawl that died "
            f"({recovered.dropped_bytes} bytes of a torn record dropped)"
        )
    if plan.rows_added:
        lines.append(f"{plan.rows_added} archived records had no database row: added")
    if plan.resume_chain:
        crawls = ", ".join(map(str, plan.resume_chain))
        lines.append(f"resuming crawl {crawls}: what it archived is not fetched again")
    return lines


@cli.command()
@click.argument("urls", nargs=-1)
@click.option("--feed", "feeds", multiple=True, help="An RSS/Atom feed URL to read (repeatable).")
@click.option("--sitemap", "sitemaps", multiple=True, help="A sitemap URL to read (repeatable).")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False), help="A sources.yml.")
@click.option("--source", "source_names", multiple=True, help="Only this source (repeatable).")
@click.option("--due", is_flag=True, help="Only the sources whose schedule is due.")
@click.option("--resume", is_flag=True, help="Continue the last crawl of these URLs if it stopped.")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database to write.")
@click.option("--warc-dir", default=DEFAULT_WARC_DIR, show_default=True, help="Folder for WARCs.")
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    help="Stop after about this many responses (requests in flight still finish).",
)
@click.option("--depth", type=click.IntRange(min=0), help="Link depth limit (0: unlimited).")
@click.option("--fast", is_flag=True, help="No politeness delays: only for servers you own.")
@click.option(
    "--redis",
    "redis_url",
    envvar="NEWSARC_REDIS_URL",
    help="Share the crawl with `newsarc worker`s through this Redis (or NEWSARC_REDIS_URL).",
)
@click.option("--redis-key", default="newsarc", show_default=True, help="The shared crawl's name.")
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="With --redis: stop once the shared frontier has been empty this many seconds.",
)
@allow_private_option
@click.option("-s", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting.")
def crawl(
    urls: tuple[str, ...],
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    sources_file: str | None,
    source_names: tuple[str, ...],
    due: bool,
    resume: bool,
    db: str,
    warc_dir: str,
    max_pages: int | None,
    depth: int | None,
    fast: bool,
    redis_url: str | None,
    redis_key: str,
    idle_timeout: float,
    overrides: tuple[str, ...],
) -> None:
    """Crawl sites, archive every response to WARC, extract articles into SQLite.

    Pages are discovered by links within the start hosts, by RSS/Atom feeds the pages
    advertise (or --feed), and by sitemaps (robots.txt, sitemap indexes, Google News
    sitemaps, or --sitemap). robots.txt is obeyed; crawling is polite unless --fast.

    Crawls are incremental: an article already archived is fetched again only when the
    recrawl policy says so, with a conditional GET, and an unchanged answer is archived as a
    WARC revisit record. A crawl stopped by Ctrl+C, SIGTERM or a kill is continued with
    --resume (a source's next run resumes by itself) without fetching again what it archived.

    With --sources, crawls the sources a sources.yml lists (see sources.example.yml and
    docs/scheduling.md), one after another; with --due, only those whose schedule is due,
    for cron or a systemd timer. A source already being crawled is skipped.

    Only global addresses are fetched: a URL, redirect or DNS answer that leads to a
    loopback, private, link-local, multicast or reserved address is refused (counted in the
    stats, not fatal). --allow-private lifts that; -s NEWSARC_ALLOWED_NETWORKS=CIDR,... lifts
    it for those networks only (see docs/limits.md).

    With --redis, the crawl's frontier is in Redis and `newsarc worker`s on any machine share
    it (see docs/distributed.md); this process is one of the workers, with its own database
    shard (--db, by default shards/HOST-PID.db) and WARC files.

    \b
    Examples:
        newsarc crawl https://example-news.com/
        newsarc crawl https://a.example/ https://b.example/ --db news.db --warc-dir warcs
        newsarc crawl https://a.example/ --feed https://a.example/rss.xml --max-pages 500
        newsarc crawl https://a.example/ --resume
        newsarc crawl --sources sources.yml --due
        newsarc crawl http://127.0.0.1:8000/ --fast --allow-private -s DEPTH_LIMIT=3
        newsarc crawl --redis redis://10.0.0.5:6379/0 https://a.example/ --db shards/w1.db
    """
    if redis_url and resume:
        fail("--resume does not apply to a shared crawl: its frontier in Redis is what resumes")
    if redis_url and sources_file:
        if urls or feeds or sitemaps:
            fail("give URLs or --sources, not both")
        source = shared_source_of(sources_file, source_names)
        crawl_shared(redis_url, redis_key, idle_timeout, source.spider_args(), db, warc_dir,
                     max_pages, fast, overrides, source)  # fmt: skip
        return
    if sources_file:
        if urls or feeds or sitemaps:
            fail("give URLs or --sources, not both")
        if max_pages or depth is not None or resume:
            fail(
                "--max-pages, --depth and --resume are for URLs; with --sources, set "
                "max_pages and depth in the file (a source's next run always resumes)"
            )
        crawl_sources(sources_file, source_names, due, db, warc_dir, fast, overrides)
        return
    if source_names or due:
        fail("--source and --due need --sources FILE")
    if not (urls or feeds or sitemaps):
        fail("give at least one URL to crawl (or --feed / --sitemap, or --sources FILE)")
    for url in (*urls, *feeds, *sitemaps):
        check_url(url)
    if depth is not None:
        overrides = (*overrides, f"DEPTH_LIMIT={depth}")
    spider_args = {"urls": list(urls), "feeds": list(feeds), "sitemaps": list(sitemaps)}
    if redis_url:
        crawl_shared(redis_url, redis_key, idle_timeout, spider_args, db, warc_dir, max_pages,
                     fast, overrides)  # fmt: skip
        return
    settings = crawl_settings(db, warc_dir, max_pages, fast, overrides)
    check_database(db)
    finish_crawl(url_key(spider_args), settings, spider_args, db, warc_dir, resume)


def shared_source_of(path: str, names: tuple[str, ...]) -> Any:
    """The one source a shared crawl runs (its settings go to every worker through Redis)."""
    from crawler.sources import SourcesError, select_sources  # noqa: PLC0415

    try:
        chosen = select_sources(load_sources_or_fail(path), names)
    except SourcesError as exc:
        fail(str(exc))
    if len(chosen) != 1:
        fail("--redis shares the crawl of one source: choose it with --source NAME")
    return chosen[0]


def crawl_shared(
    redis_url: str, key: str, idle_timeout: float, spider_args: dict[str, Any], db: str,
    warc_dir: str, max_pages: int | None, fast: bool, overrides: tuple[str, ...],
    source: Any = None,
) -> None:  # fmt: skip
    """Seed a shared crawl in Redis, then work on it like any `newsarc worker`. A source's
    Scrapy settings are recorded with the crawl, for every worker."""
    from click.core import ParameterSource  # noqa: PLC0415

    from extractors.urls import site_key  # noqa: PLC0415
    from newsarc.cli_worker import default_shard, redis_settings, run_worker, seed_crawl  # noqa: PLC0415

    if click.get_current_context().get_parameter_source("db") is ParameterSource.DEFAULT:
        db = default_shard()
    settings = crawl_settings(db, warc_dir, max_pages, fast, overrides)
    check_database(db)
    shared = shareable(source.scrapy_settings()) if source else {}
    apply_shared(settings, shared, overrides)
    redis_settings(settings, redis_url, key, idle_timeout)
    every = [url for group in spider_args.values() for url in group]
    hosts = sorted({site_key(url) for url in every} | set(source.allowed_hosts if source else ()))
    seed_crawl(redis_url, key, hosts, shared)
    run_worker(key, settings, {**spider_args, "hosts": hosts}, db, warc_dir)


def shareable(source_settings: dict[str, Any]) -> dict[str, Any]:
    """A source's settings that its shared crawl's workers take (JSON; not the source name:
    a worker's crawls are the shared crawl's)."""
    return {
        name: value
        for name, value in source_settings.items()
        if name != "NEWSARC_SOURCE" and isinstance(value, str | int | float | bool)
    }


def apply_shared(settings: Any, shared: dict[str, Any], overrides: tuple[str, ...]) -> None:
    """The shared crawl's settings, under this process's own -s."""
    settings.setdict(shared, priority="cmdline")
    settings.setdict(dict(parse_setting(item) for item in overrides), priority="cmdline")


def url_key(spider_args: dict[str, list[str]]) -> Any:
    from crawler.runs import RunKey  # noqa: PLC0415
    from crawler.spiders.news import split_urls  # noqa: PLC0415

    every = [url for group in spider_args.values() for url in split_urls(group)]
    return RunKey(None, every)


def finish_crawl(
    key: Any, settings: Any, spider_args: dict[str, list[str]], db: str, warc_dir: str,
    resume: bool,
) -> None:  # fmt: skip
    started = time.monotonic()
    stats = run_guarded(key, settings, spider_args, db, warc_dir, resume)
    click.echo(crawl_summary(stats, time.monotonic() - started, db, warc_dir), err=True)
    problem = crawl_outcome(stats)
    if problem:
        fail(problem)


def load_sources_or_fail(path: str) -> list[Any]:
    from crawler.sources import SourcesError, load_sources  # noqa: PLC0415

    try:
        return load_sources(path)
    except SourcesError as exc:
        fail(str(exc))
    return []


def crawl_sources(
    path: str, names: tuple[str, ...], due: bool, db: str, warc_dir: str, fast: bool,
    overrides: tuple[str, ...],
) -> None:  # fmt: skip
    """Crawl the chosen sources: in this process if one, else one child process each."""
    from crawler.runs import SourceRunner, due_sources, source_command  # noqa: PLC0415
    from crawler.sources import SourcesError, select_sources  # noqa: PLC0415

    try:
        chosen = select_sources(load_sources_or_fail(path), names)
    except SourcesError as exc:
        fail(str(exc))
    check_database(db)
    if due:
        chosen = due_sources(db, chosen)
        if not chosen:
            click.echo("newsarc: no source is due", err=True)
            return
    if len(chosen) == 1:
        crawl_one_source(chosen[0], db, warc_dir, fast, overrides)
        return
    runner = SourceRunner()
    runner.install()
    failures = 0
    for source in chosen:
        if runner.stopping:
            break
        click.echo(f"newsarc: crawling source {source.name!r}", err=True)
        command = source_command(path, source.name, db, warc_dir, fast, overrides)
        code = runner.run(command)
        if code not in (0, EXIT_LOCKED) and not runner.stopping:
            failures += 1
            click.echo(f"newsarc: source {source.name!r} failed (exit {code})", err=True)
    if runner.stopping:
        fail("interrupted; what was archived is kept, and the next run resumes")
    if failures:
        fail(f"{failures} of {len(chosen)} sources failed")


def crawl_one_source(
    source: Any, db: str, warc_dir: str, fast: bool, overrides: tuple[str, ...]
) -> None:
    from crawler.runs import RunKey  # noqa: PLC0415

    settings = crawl_settings(db, warc_dir, None, fast, ())
    settings.setdict(source.scrapy_settings(), priority="cmdline")
    settings.setdict(dict(parse_setting(item) for item in overrides), priority="cmdline")
    spider_args = {**source.spider_args(), "hosts": list(source.allowed_hosts)}
    key = RunKey(source.name, [])
    finish_crawl(key, settings, spider_args, db, warc_dir, resume=True)


@cli.command()
@click.option("--sources", "sources_file", required=True, type=click.Path(dir_okay=False))
@click.option("--db", default=DEFAULT_DB, show_default=True, help="SQLite database to write.")
@click.option("--warc-dir", default=DEFAULT_WARC_DIR, show_default=True, help="Folder for WARCs.")
@click.option(
    "--check-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Longest wait, in seconds, before looking at the schedules again.",
)
@click.option("--fast", is_flag=True, help="No politeness delays: only for servers you own.")
@allow_private_option
@click.option("-s", "overrides", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting.")
def schedule(
    sources_file: str,
    db: str,
    warc_dir: str,
    check_every: float,
    fast: bool,
    overrides: tuple[str, ...],
) -> None:
    """Run every source of a sources.yml whenever its schedule is due, until stopped.

    Sources run one at a time, each in its own process; the file is read again before each
    round, so edits take effect without a restart (a broken edit is reported and the last
    good file kept). SIGTERM or Ctrl+C stops the running crawl cleanly (its WARC records
    finished and files closed; the next run resumes it) and exits.

    \b
    Examples:
        newsarc schedule --sources sources.yml
        newsarc schedule --sources sources.yml --db /srv/news/archive.db --warc-dir /srv/news/warcs
    """
    from crawler.runs import Scheduler  # noqa: PLC0415

    load_sources_or_fail(sources_file)
    check_database(db)
    scheduler = Scheduler(sources_file, db, warc_dir, fast, overrides, check_every)
    sys.exit(scheduler.run_forever())


# --- extract -----------------------------------------------------------------------------

EXTRACT_FIELDS = ("title", "text", "site_name", "category", "author", "published", "language")


def read_input(path: str) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        file = Path(path)
        if file.is_dir():
            fail(f"{path}: is a directory")
        if not file.is_file():
            fail(f"{path}: no such file")
        data = file.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            fail(f"{path}: broken gzip file ({exc})")
    return data


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--url", help="The URL the page came from (helps dates and site names).")
def extract(paths: tuple[str, ...], url: str | None) -> None:
    """Extract the article from HTML files; print one JSON object a line.

    PATH is an .html or .html.gz file, or - for standard input. Each line has path,
    title, text, site_name, category, author, published and language.

    \b
    Examples:
        newsarc extract page.html
        newsarc extract pages/*.html.gz > articles.jsonl
        curl -s https://example.com/story | newsarc extract - --url https://example.com/story
    """
    from extractors import decode_html, extract_article, looks_like_html  # noqa: PLC0415

    failures = 0
    for path in paths:
        try:
            data = read_input(path)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.message}", err=True)
            failures += 1
            continue
        if not looks_like_html(data):
            click.echo(f"Error: {path}: not an HTML file", err=True)
            failures += 1
            continue
        article = extract_article(decode_html(data), url)
        if article is None:
            click.echo(f"Error: {path}: no article text found", err=True)
            failures += 1
            continue
        record = {"path": path, **{name: getattr(article, name) for name in EXTRACT_FIELDS}}
        click.echo(json.dumps(record, ensure_ascii=False))
    if failures:
        sys.exit(1)


# --- serve -------------------------------------------------------------------------------


def check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port")


def serve_datasette(db: str, host: str, port: int, allow_sql: bool = True) -> None:
    import uvicorn  # noqa: PLC0415

    from archive.publish import make_datasette  # noqa: PLC0415

    try:
        datasette = make_datasette(db, allow_sql=allow_sql)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    check_port_free(host, port)
    click.echo(f"newsarc: serving {db} at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


@cli.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive database to publish.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--allow-sql/--no-allow-sql",
    default=False,
    show_default=True,
    help="Let visitors run arbitrary read-only SQL.",
)
def serve(db: str, host: str, port: int, allow_sql: bool) -> None:
    """Browse and search the archive in Datasette, and replay its captures safely.

    Arbitrary SQL is off unless --allow-sql: publish with canned queries only. The database
    is opened immutable unless a crawl is writing to it.

    \b
    Examples:
        newsarc serve --db archive.db
        newsarc serve --db archive.db --host 0.0.0.0 --port 8080
        newsarc serve --db archive.db --allow-sql
    """
    serve_datasette(db, host, port, allow_sql)


# --- export ------------------------------------------------------------------------------


@cli.group()
def export() -> None:
    """Package the archive for other tools."""


@export.command("wacz")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive database (pages).")
@click.option("--warc-dir", default=DEFAULT_WARC_DIR, show_default=True, help="WARC folder.")
@click.option("-o", "--output", default="archive.wacz", show_default=True, help="WACZ to write.")
@click.option("--title", default="newsarc archive", show_default=True, help="Collection title.")
def export_wacz_command(db: str, warc_dir: str, output: str, title: str) -> None:
    """Write a WACZ of the closed WARC files, for ReplayWeb.page and pywb.

    The WACZ holds the WARCs, their CDXJ index and pages.jsonl with one page per article
    (URL, capture time, title, text).

    \b
    Examples:
        newsarc export wacz --db archive.db --warc-dir warcs -o archive.wacz
    """
    from archive.export import export_wacz  # noqa: PLC0415

    if not Path(db).is_file():
        fail(f"no archive database at {db}")
    try:
        written = export_wacz(Path(db), Path(warc_dir), Path(output), title)
    except (FileNotFoundError, RuntimeError, sqlite3.Error) as exc:
        fail(str(exc))
    click.echo(f"newsarc: wrote {written}", err=True)


# --- demo --------------------------------------------------------------------------------


@cli.command()
@click.option("--dir", "directory", default="demo", show_default=True, help="Output folder.")
@click.option(
    "--articles",
    default=20,
    show_default=True,
    type=click.IntRange(1, 5000),
    help="Articles per demo site.",
)
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the result.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for Datasette.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
def demo(directory: str, articles: int, serve: bool, host: str, port: int) -> None:
    """Crawl four bundled demo sites on 127.0.0.1 and serve the result.

    Two news sites and two content farms of one operator that copy and spin their stories are
    served locally, crawled into DIR/warcs and DIR/archive.db, then published with Datasette.
    Running it again in the same DIR replaces the previous demo's archive.

    \b
    Examples:
        newsarc demo
        newsarc demo --dir /tmp/demo --articles 100 --no-serve
    """
    from newsarc.demo.server import running_sites  # noqa: PLC0415
    from newsarc.demo.sites import build_sites  # noqa: PLC0415

    if serve:
        check_port_free(host, port)
    out = Path(directory)
    db, warc_dir = out / "archive.db", out / "warcs"
    if (out / "sites" / "manifest.json").exists():  # a previous demo: start afresh
        shutil.rmtree(warc_dir, ignore_errors=True)
        for stale in out.glob("archive.db*"):
            stale.unlink()
    build_sites(out / "sites", articles_per_site=articles)
    with running_sites(out / "sites") as sites:
        click.echo(f"newsarc: demo sites at {', '.join(sites.values())}", err=True)
        command = [
            sys.executable,
            "-m",
            "newsarc",
            "crawl",
            *sites.values(),
            "--fast",
            "--allow-private",
            "--db",
            str(db),
            "--warc-dir",
            str(warc_dir),
            "-s",
            "LOG_LEVEL=WARNING",
        ]
        if subprocess.run(command, check=False).returncode != 0:
            fail("the demo crawl failed (see above)")
    if serve:
        serve_datasette(str(db), host, port, allow_sql=True)


# Commands kept in modules of their own; importing them adds them to the `cli` group.
from newsarc import cli_check, cli_merge, cli_reindex, cli_replay, cli_worker  # noqa: E402, F401
