"""newsarc replay and newsarc captures: the captures of a URL, and one of them replayed from its
WARC record (to standard output, to a file, or from a sandboxed server on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import click

from newsarc.cli import DEFAULT_DB, cli, fail

Row = dict[str, Any]

CAPTURES_SQL = (
    "SELECT c.id, c.url, c.status, c.fetched_at, c.content_type, c.content_length, "
    "c.record_type, c.revisit_of, c.redirect_to, c.payload_digest, c.warc_filename, "
    "c.warc_offset, c.warc_length, c.warc_record_id, c.crawl_id, crawls.warc_dir, "
    "CASE WHEN c.record_type = 'revisit' THEN o.status ELSE c.status END AS payload_status "
    "FROM captures c LEFT JOIN crawls ON crawls.id = c.crawl_id "
    "LEFT JOIN captures o ON o.id = c.revisit_of "
)
JSON_FIELDS = (
    "id", "url", "fetched_at", "status", "record_type", "revisit_of", "content_type",
    "content_length", "redirect_to", "payload_digest", "warc_filename", "warc_offset",
    "warc_length", "warc_record_id", "crawl_id",
)  # fmt: skip
MAX_REVISIT_HOPS = 10


# --- the archive -------------------------------------------------------------------------


def open_archive(db: str) -> sqlite3.Connection:
    """The archive database, opened read-only (a crawl may be writing to it); immutable if
    even that fails (a copy on read-only media, where SQLite cannot make its WAL index)."""
    path = Path(db)
    if not path.is_file():
        fail(f"no archive database at {db}")
    error: sqlite3.Error | None = None
    for flags in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'captures'"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            error = exc
            continue
        if not found:
            fail(f"{db}: not a newsarc archive (it has no captures table)")
        return conn
    fail(f"{db}: cannot read the archive database ({error})")
    raise AssertionError  # not reached: fail() raises


def captures_of(conn: sqlite3.Connection, url: str) -> list[Row]:
    """Every capture of a URL, oldest first."""
    sql = CAPTURES_SQL + "WHERE c.url = ? ORDER BY c.fetched_at, c.id"
    return [dict(row) for row in conn.execute(sql, [url])]


def capture_by_id(conn: sqlite3.Connection, capture_id: int) -> Row | None:
    row = conn.execute(CAPTURES_SQL + "WHERE c.id = ?", [capture_id]).fetchone()
    return dict(row) if row else None


def payload_of(conn: sqlite3.Connection, capture: Row) -> Row:
    """The capture whose record holds this capture's body: itself, or the original its
    revisit record refers to (a revisit record stores HTTP headers only)."""
    current = capture
    for _ in range(MAX_REVISIT_HOPS):
        if current["record_type"] != "revisit":
            return current
        original = capture_by_id(conn, current["revisit_of"]) if current["revisit_of"] else None
        if original is None:
            fail(
                f"capture {capture['id']} is a revisit whose original capture is not in the "
                "database (run newsarc reindex on its WARC files)"
            )
        current = original
    fail(f"capture {capture['id']}: revisits refer to each other in a loop")
    raise AssertionError  # not reached: fail() raises


def url_variants(url: str) -> list[str]:
    """The same URL with and without a final slash, `www.` and https; http(s) if bare."""
    if "://" not in url:
        return [f"{scheme}://{url}" for scheme in ("https", "http")]
    parts = urlsplit(url)
    host, path = parts.netloc, parts.path
    other_host = host[4:] if host.startswith("www.") else f"www.{host}"
    other_path = path[:-1] if path.endswith("/") else f"{path}/"
    other_scheme = {"http": "https", "https": "http"}.get(parts.scheme, parts.scheme)
    found = []
    for scheme in (parts.scheme, other_scheme):
        for netloc in (host, other_host):
            for part in (path, other_path):
                candidate = urlunsplit((scheme, netloc, part, parts.query, ""))
                if candidate != url and candidate not in found:
                    found.append(candidate)
    return found


def no_captures(conn: sqlite3.Connection, url: str, db: str) -> None:
    """Fail with one line: no capture of `url`, and what the archive has that is close."""
    variants = url_variants(url)
    marks = ", ".join("?" * len(variants))
    close = conn.execute(
        f"SELECT url, count(*) FROM captures WHERE url IN ({marks}) GROUP BY url "
        "ORDER BY count(*) DESC, url LIMIT 1",
        variants,
    ).fetchone()
    if close:
        count = "1 capture" if close[1] == 1 else f"{close[1]} captures"
        fail(f"no capture of {url} in {db}; did you mean {close[0]} ({count})?")
    host = urlsplit(url if "://" in url else f"http://{url}").netloc.lower()
    sites = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sites'").fetchone()[0]
    known = sites and conn.execute("SELECT 1 FROM sites WHERE host = ?", [host]).fetchone()
    if known:
        fail(
            f"no capture of {url} in {db}; other pages of {host} are archived "
            f"(browse them with: newsarc serve --db {db})"
        )
    fail(f"no capture of {url} in {db}, nor of any page of {host or 'that host'}")


def require_captures(conn: sqlite3.Connection, url: str, db: str) -> list[Row]:
    captures = captures_of(conn, url)
    if not captures:
        no_captures(conn, url, db)
    return captures


# --- times -------------------------------------------------------------------------------

WAYBACK_TIME = re.compile(r"\d{4}(?:\d\d){0,5}")
ISO_TIME = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d\d)(?:-(?P<day>\d\d)(?:[T ](?P<hour>\d\d)"
    r"(?::(?P<minute>\d\d)(?::(?P<second>\d\d)(?P<fraction>[.,]\d+)?)?)?"
    r"(?P<zone>Z|[+-]\d\d(?::?\d\d)?)?)?)?)?",
    re.IGNORECASE,
)
UNITS = ("year", "month", "day", "hour", "minute", "second")


class Period:
    """The span a (possibly partial) time names: `2026` is the whole year, `2026-11-29T10`
    that hour; a full time with a fraction of a second is an instant."""

    def __init__(self, start: datetime, unit: str | None) -> None:
        self.start = start
        self.end = start if unit is None else next_start(start, unit) - timedelta(microseconds=1)

    def distance(self, when: datetime) -> timedelta:
        """How far `when` is from the period: zero inside it."""
        return max(self.start - when, when - self.end, timedelta(0))


def next_start(start: datetime, unit: str) -> datetime:
    if unit == "year":
        return start.replace(year=start.year + 1)
    if unit == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start + timedelta(**{f"{unit}s": 1})


def parse_time(text: str) -> Period:
    """`--at`: YYYYMMDDhhmmss or a prefix of it (Wayback style), or ISO 8601; UTC unless the
    ISO form gives an offset. ValueError, with a message for the user, if it is neither."""
    text = text.strip()
    if WAYBACK_TIME.fullmatch(text):
        fields = [int(text[:4]), *(int(text[i : i + 2]) for i in range(4, len(text), 2))]
        zone = None
    elif iso := ISO_TIME.fullmatch(text):
        fields = [int(iso[unit]) for unit in UNITS if iso[unit] is not None]
        if iso["fraction"]:
            fields.append(int(iso["fraction"][1:7].ljust(6, "0")))
        zone = iso["zone"]
    else:
        raise ValueError(
            f"--at {text!r} is not a time: give YYYYMMDDhhmmss or a prefix of it (2026, "
            "20261129), or ISO 8601 (2026-11-29, 2026-11-29T10:00:00Z)"
        )
    try:
        return period_of(fields, zone)
    except (ValueError, OverflowError) as exc:  # a month 13, a day 32, the year 10000...
        raise ValueError(f"--at {text!r} is not a valid time ({exc})") from None


def period_of(fields: list[int], zone: str | None) -> Period:
    """The period from year, month, ... (as many as given; microseconds last) in a zone."""
    precise = len(fields) > len(UNITS)
    unit = None if precise else UNITS[len(fields) - 1]
    values = [*fields, *(1, 1, 0, 0, 0, 0)[len(fields) - 1 :]]
    start = datetime(*values, tzinfo=tz_of(zone))
    return Period(start.astimezone(UTC), unit)


def tz_of(zone: str | None) -> timezone:
    if not zone or zone.upper() == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0)))


def fetched_time(capture: Row) -> datetime:
    when = datetime.fromisoformat(capture["fetched_at"])
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def closest(captures: list[Row], at: Period | None) -> Row:
    """The latest capture, or the one closest to `at` (the latest of those inside its period,
    the later of two equally far)."""
    if at is None:
        return max(captures, key=lambda c: (fetched_time(c), c["id"]))
    return min(
        captures,
        key=lambda c: (at.distance(fetched_time(c)), -fetched_time(c).timestamp(), -c["id"]),
    )


# --- bodies ------------------------------------------------------------------------------


def is_ok(capture: Row) -> bool:
    """A capture with a page to show: a 2xx answer, or a revisit of one."""
    return capture["payload_status"] is not None and 200 <= capture["payload_status"] < 300


def location(capture: Row, path: Path | None = None) -> str:
    return f"{path or capture['warc_filename']}@{capture['warc_offset']}"


def read_body(db: str, capture: Row) -> tuple[bytes, Path]:
    """The body of a capture's record, decoded from its Content-Encoding; and the WARC file."""
    from warcio.exceptions import ArchiveLoadFailed  # noqa: PLC0415

    from archive.replay import find_warc  # noqa: PLC0415
    from archive.warc import read_response  # noqa: PLC0415

    try:
        path = find_warc(db, capture)
    except FileNotFoundError:
        where = capture["warc_dir"] or "warcs/ beside the database"
        fail(f"capture {capture['id']}: WARC file {capture['warc_filename']} not found in {where}")
    try:
        return read_response(path, capture["warc_offset"]).body, path
    except (OSError, ValueError, ArchiveLoadFailed) as exc:
        fail(f"capture {capture['id']}: cannot read {location(capture, path)} ({exc})")
    raise AssertionError  # not reached: fail() raises


def as_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """An HTML (or other text) body re-encoded as UTF-8, as the Datasette replay route serves
    it; other bodies as they are. Returns the body and its content type."""
    from archive.replay import servable_body  # noqa: PLC0415

    return servable_body(body, content_type)


def describe(capture: Row, payload: Row, path: Path) -> None:
    """What is being replayed, on stderr: the capture, its record, and what its status means."""
    own = f"HTTP {capture['status']}"
    if capture is payload:
        click.echo(
            f"newsarc: capture {capture['id']} of {capture['url']}, fetched "
            f"{capture['fetched_at']}, {own}, {location(capture, path)}",
            err=True,
        )
    else:
        click.echo(
            f"newsarc: capture {capture['id']} of {capture['url']}, fetched "
            f"{capture['fetched_at']}, {own}, revisit record {location(capture)}",
            err=True,
        )
        click.echo(
            f"newsarc: capture {capture['id']} is a revisit: unchanged since capture "
            f"{payload['id']} (fetched {payload['fetched_at']}), whose body is replayed from "
            f"{location(payload, path)}",
            err=True,
        )
    status = payload["status"]
    if 300 <= capture["status"] < 400 and capture["status"] != 304:
        target = capture["redirect_to"] or "an unrecorded location"
        click.echo(
            f"newsarc: capture {capture['id']} is a {capture['status']} redirect to {target}; "
            f"its body is the redirect's own (replay {target} for the page)",
            err=True,
        )
    elif not 200 <= status < 300:
        click.echo(
            f"newsarc: capture {capture['id']} is an HTTP {status} answer, not a page; --ok "
            "replays the closest capture that answered 2xx",
            err=True,
        )


# --- the sandboxed server ----------------------------------------------------------------


def capture_handler(body: bytes, content_type: str) -> type[BaseHTTPRequestHandler]:
    """Serves the body at / (and 404 elsewhere), always under the replay sandbox headers."""
    from archive.replay import SAFE_HEADERS  # noqa: PLC0415

    class CaptureHandler(BaseHTTPRequestHandler):
        server_version = "newsarc-replay"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.answer(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self.answer(send_body=False)

        def answer(self, send_body: bool) -> None:
            if urlsplit(self.path).path == "/":
                status, payload, kind = 200, body, content_type
            else:
                status, payload, kind = 404, b"not found\n", "text/plain; charset=utf-8"
            self.send_response(status)
            for name, value in {**SAFE_HEADERS, "Cache-Control": "no-store"}.items():
                self.send_header(name, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if send_body:
                self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the terminal belongs to the user

    return CaptureHandler


def listen(port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); choose another --port")
    raise AssertionError  # not reached: fail() raises


def serve_until_stopped(server: ThreadingHTTPServer, capture_id: int) -> None:
    """Serve in the foreground until Ctrl+C or SIGTERM."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    click.echo(
        f"newsarc: serving capture {capture_id} at http://127.0.0.1:{server.server_port}/ "
        "(Ctrl+C to stop)",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("newsarc: stopped", err=True)
    finally:
        server.server_close()
        signal.signal(signal.SIGTERM, previous)


# --- commands ----------------------------------------------------------------------------


@cli.command()
@click.argument("url")
@click.option(
    "--at",
    metavar="TIME",
    help="Replay the capture closest to this time (UTC unless an offset is given): "
    "YYYYMMDDhhmmss or a prefix (2026, 20261129), or ISO 8601. Default: the latest.",
)
@click.option("--ok", is_flag=True, help="Only captures that answered 2xx (or revisits of one).")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive database.")
@click.option("-o", "--output", metavar="FILE", help="Write the body to FILE.")
@click.option("--utf8", is_flag=True, help="Re-encode an HTML or text body as UTF-8.")
@click.option("--open", "open_", is_flag=True, help="Serve the body sandboxed on 127.0.0.1.")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Port for --open (default: any free one)."
)
def replay(
    url: str,
    at: str | None,
    ok: bool,
    db: str,
    output: str | None,
    utf8: bool,
    open_: bool,
    port: int | None,
) -> None:
    """Replay an archived capture of URL from its WARC record.

    Picks the latest capture of URL, or the one closest to --at, and writes its body to
    standard output (or to -o FILE) as the page sent it, decoded from gzip but in its own
    charset; --utf8 re-encodes HTML and text as UTF-8 (a <meta charset> in the page is left
    as it was). A partial --at names a period: 2026-11-29 or 20261129 picks the latest
    capture of that day if there is one, else the closest before or after.

    Every capture counts, whatever its status: a 404 answer replays the 404 page, a redirect
    its own (usually empty) body, and standard error says so; --ok skips to the closest
    capture that answered 2xx. A revisit (an unchanged page archived without a second copy)
    replays the body of the capture it refers to. Standard error names the capture, its
    time, status and WARC file@offset.

    With --open the body is served on http://127.0.0.1:PORT/ under the same sandbox as
    newsarc serve's replay (a Content-Security-Policy that lets no script run and nothing
    load; HTML as UTF-8) until Ctrl+C.

    \b
    Examples:
        newsarc replay https://example-news.com/story.html > story.html
        newsarc replay https://example-news.com/story.html --at 20261129 -o story.html
        newsarc replay https://example-news.com/story.html --at 2026-11-29T10:00:00Z --ok
        newsarc replay https://example-news.com/ --open --port 8002
        newsarc captures https://example-news.com/story.html   # every capture, to choose
    """
    if open_ and output:
        fail("give -o FILE or --open, not both")
    if port is not None and not open_:
        fail("--port goes with --open")
    try:
        period = parse_time(at) if at is not None else None
    except ValueError as exc:
        fail(str(exc))
    conn = open_archive(db)
    captures = require_captures(conn, url, db)
    if ok:
        captures = [capture for capture in captures if is_ok(capture)]
        if not captures:
            fail(f"no capture of {url} answered 2xx (newsarc captures {url} lists them all)")
    capture = closest(captures, period)
    payload = payload_of(conn, capture)
    body, path = read_body(db, payload)
    content_type = payload["content_type"] or capture["content_type"]
    if open_:
        served, served_type = body, (content_type or "application/octet-stream").strip()
        if "html" in served_type.lower():
            served, served_type = as_utf8(body, content_type)
        server = listen(port or 0, capture_handler(served, served_type))
        describe(capture, payload, path)
        serve_until_stopped(server, capture["id"])
        return
    if utf8:
        body, _ = as_utf8(body, content_type)
    if output and output != "-":
        try:
            Path(output).write_bytes(body)
        except OSError as exc:
            fail(f"cannot write {output} ({exc.strerror})")
        describe(capture, payload, path)
        click.echo(f"newsarc: wrote {len(body)} bytes to {output}", err=True)
        return
    describe(capture, payload, path)
    write_stdout(body)


def write_stdout(body: bytes) -> None:
    stdout = click.get_binary_stream("stdout")
    try:
        stdout.write(body)
        stdout.flush()
    except BrokenPipeError:  # `newsarc replay URL | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())


@cli.command()
@click.argument("url")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Archive database.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
def captures(url: str, db: str, as_json: bool) -> None:
    """List every capture of URL, oldest first.

    Columns: capture id, fetched_at (UTC), HTTP status, record type (a revisit names the
    capture whose body it shares), content type, body length as stored, WARC file@offset,
    crawl id, and where a redirect led. --json prints one object a line with these and the
    payload digest, record length and WARC-Record-ID.

    \b
    Examples:
        newsarc captures https://example-news.com/story.html
        newsarc captures https://example-news.com/ --db news.db --json | jq .fetched_at
        newsarc replay https://example-news.com/story.html --at 20261129   # replay one
    """
    conn = open_archive(db)
    found = require_captures(conn, url, db)
    if as_json:
        for capture in found:
            click.echo(json.dumps({name: capture[name] for name in JSON_FIELDS}))
        return
    header = ("id", "fetched_at", "status", "record", "content type", "length",
              "WARC file@offset", "crawl", "")  # fmt: skip
    rows = [header, *(table_row(capture) for capture in found)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def table_row(capture: Row) -> tuple[str, ...]:
    record = capture["record_type"] or "response"
    if record == "revisit":
        record = f"revisit of {capture['revisit_of']}" if capture["revisit_of"] else "revisit"
    return (
        str(capture["id"]),
        capture["fetched_at"],
        str(capture["status"]),
        record,
        capture["content_type"] or "-",
        str(capture["content_length"] if capture["content_length"] is not None else "-"),
        location(capture),
        str(capture["crawl_id"] if capture["crawl_id"] is not None else "-"),
        f"-> {capture['redirect_to']}" if capture["redirect_to"] else "",
    )
