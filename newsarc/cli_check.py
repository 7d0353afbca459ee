"""`newsarc check`: verify the WARC files, and the database against them."""

from __future__ import annotations

import sys
from typing import IO, Any

import click
from click.core import ParameterSource

from newsarc.cli import DEFAULT_DB, DEFAULT_WARC_DIR, cli, fail


class ProgressBar:
    """A progress bar over the bytes of the WARC files, on stderr, shown only on a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        # The stream is taken now: the check hides warcio's own stderr output while it reads.
        self.stream = stream
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label="checking WARC files", file=self.stream, show_eta=True
            )
            self.bar.__enter__()
        self.bar.update(max(0, done - self.bar.pos))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive database to check.")
@click.option(
    "--warc-dir",
    default=DEFAULT_WARC_DIR,
    show_default=True,
    help="WARC folder (the folders the database's crawls wrote to are checked too).",
)
@click.option(
    "--repair",
    is_flag=True,
    help="Close .open files left by a crash and add missing rows, then check again.",
)
@click.pass_context
def check(ctx: click.Context, db: str, warc_dir: str, repair: bool) -> None:
    """Verify every WARC file, and the database against them.

    \b
    Each WARC file is read once, record by record:
      - gzip CRC and length of every record, its gzip header, nothing outside records;
      - WARC-Block-Digest and WARC-Payload-Digest (revisits have no payload);
      - warcinfo first; every response and revisit has its request (WARC-Concurrent-To);
      - record IDs unique across all files; every revisit's WARC-Refers-To is a record;
      - files still .open; each closed newsarc file has a CDXJ index that matches it.
    Then the database: every captures row reads back, at its offset, a record with the
    same WARC-Record-ID, URL, payload digest and length; every response and revisit
    record has a captures row. The folders checked are --warc-dir and every folder the
    database's crawls wrote to.

    Prints one line per fault on stdout, `FAULT <kind> <file>@<offset>: <what>` (just
    `<file>` for a fault of a whole file or folder), then a summary line; exits with
    status 1 if there is any fault, 0 if none. Kinds: missing, io, open, gzip, truncated,
    digest, structure, duplicate-id, pairing, refers-to, cdxj, row, no-row, repair. On a
    terminal, a progress bar over the bytes read is shown on stderr.

    --repair closes .open files left by a crawl that died (a torn final record is cut
    off: the only data it ever removes), adds the captures rows that records lack,
    writes missing CDXJ indexes, prints a `REPAIRED ...` line for each, then reports
    what is left. Damaged records are never repaired, only reported.

    \b
    Examples:
        newsarc check
        newsarc check --db news.db --warc-dir /srv/news/warcs
        newsarc check --repair
        newsarc check | grep '^FAULT'
    """
    from archive.check import CheckError, check_archive  # noqa: PLC0415

    explicit = ctx.get_parameter_source("warc_dir") is not ParameterSource.DEFAULT
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = check_archive(
            db, warc_dir, warc_dir_required=explicit, repair=repair, progress=progress
        )
    except CheckError as exc:
        fail(str(exc))
        return
    finally:
        if progress is not None:
            progress.close()
    for line in report.repairs:
        click.echo(f"REPAIRED {line}")
    for fault in report.faults:
        click.echo(str(fault))
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)
