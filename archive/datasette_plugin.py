"""Datasette plugin: replay any capture safely, and link rows to their captures.

Routes (a capture is read from its WARC by offset, never by scanning the file):

- `/-/capture/<id>`: a banner naming URL, time, status and WARC file, over the capture in a
  sandboxed frame;
- `/-/capture/<id>/body`: the body as the browser would have seen it (content-decoded), under a
  Content-Security-Policy sandbox that lets no script run and nothing load;
- `/-/capture/<id>/record`: the WARC record itself, for download;
- `/-/capture/<id>/source`: the body as text/plain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape
from w3lib.encoding import http_content_type_encoding

from archive.warc import read_response
from extractors import decode_html

SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SAFE_HEADERS = {
    "Content-Security-Policy": SANDBOX_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
BANNER_CSP = "default-src 'self'; style-src 'unsafe-inline'; frame-src 'self'"
CAPTURE_SQL = (
    "SELECT captures.*, crawls.warc_dir, "
    "(SELECT id FROM articles WHERE articles.capture_id = captures.id) AS article_id "
    "FROM captures LEFT JOIN crawls ON crawls.id = captures.crawl_id WHERE captures.id = ?"
)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    prefix = r"^/-/capture/(?P<capture_id>\d+)"
    return [
        (prefix + "$", capture_page),
        (prefix + "/body$", capture_body),
        (prefix + "/record$", capture_record),
        (prefix + "/source$", capture_source),
    ]


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str
) -> Markup | None:
    """Links from articles and captures to the capture pages; article text as paragraphs."""
    if isinstance(value, dict):  # a foreign key Datasette has expanded
        value = value.get("value")
    if column == "capture_id" and isinstance(value, int) and table in ("articles", None):
        return capture_links(value) + Markup(
            f' · <a href="/{escape(database)}/captures/{value}">row</a>'
        )
    if table is None and column == "snippet" and isinstance(value, str):
        return highlighted(value)
    if table == "captures" and column == "warc_record_id" and value:
        return Markup(f"{escape(value)}<br>") + capture_links(row["id"])
    if table == "articles" and column == "text" and isinstance(value, str):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in value.split("\n") if line)
        style = "max-height:18em;overflow:auto;min-width:24em"
        return Markup(f'<div class="newsarc-text" style="{style}">{paragraphs}</div>')
    return None


def highlighted(snippet: str) -> Markup:
    """A search snippet with its «match» marks shown as <mark>, everything else escaped."""
    marked = str(escape(snippet)).replace("«", "<mark>").replace("»", "</mark>")
    if marked.count("<mark>") != marked.count("</mark>"):
        return Markup(escape(snippet))  # stray guillemets in the text itself
    return Markup(marked)


def capture_links(capture_id: int) -> Markup:
    base = f"/-/capture/{capture_id}"
    return Markup(
        f'<a href="{base}">capture {capture_id}</a> '
        f'(<a href="{base}/record">WARC record</a>, <a href="{base}/source">source</a>)'
    )


async def find_capture(datasette: Any, request: Any) -> tuple[dict, Path, str]:
    """The captures row, its WARC file and the database it is in; 404 if there is none."""
    capture_id = int(request.url_vars["capture_id"])
    for name, database in datasette.databases.items():
        if name.startswith("_") or not await database.table_exists("captures"):
            continue
        rows = [dict(row) for row in await database.execute(CAPTURE_SQL, [capture_id])]
        if rows:
            row = rows[0]
            return row, warc_path(database.path, row), name
    raise NotFound(f"no capture {capture_id}")


def warc_path(db_path: str | None, row: dict) -> Path:
    """The WARC file of a capture: in its crawl's folder, else in `warcs/` beside the database."""
    folders = []
    if row.get("warc_dir"):
        folders.append(Path(row["warc_dir"]))
    if db_path:
        here = Path(db_path).resolve().parent
        folders += [here / (row.get("warc_dir") or "warcs"), here / "warcs"]
    for folder in folders:
        candidate = folder / row["warc_filename"]
        if candidate.is_file():
            return candidate
    raise NotFound(f"WARC file {row['warc_filename']} not found")


async def capture_page(datasette: Any, request: Any) -> Response:
    row, path, database = await find_capture(datasette, request)
    base = f"/-/capture/{row['id']}"
    article = (
        f' · <a href="/{escape(database)}/articles/{row["article_id"]}">article</a>'
        if row["article_id"]
        else ""
    )
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Capture {row["id"]}: {escape(row["url"])}</title>
<style>body{{margin:0;font-family:sans-serif}} header{{padding:.5em 1em;background:#eee;
border-bottom:2px solid #999;font-size:14px}} iframe{{border:0;width:100%;height:calc(100vh - 6em)}}
</style></head><body>
<header><strong>Archived capture</strong> of <code>{escape(row["url"])}</code><br>
captured {escape(row["fetched_at"])} · HTTP {escape(row["status"])} ·
{escape(row["content_type"] or "")} · WARC <code>{escape(path.name)}</code> at offset
{escape(row["warc_offset"])}<br>
<a href="{base}/record">download WARC record</a> · <a href="{base}/source">view source</a>
· <a href="/{escape(database)}/captures/{row["id"]}">capture row</a>{article}</header>
<iframe sandbox src="{base}/body" title="the captured page"></iframe>
</body></html>"""
    return Response.html(
        html,
        headers={
            "Content-Security-Policy": BANNER_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def capture_body(datasette: Any, request: Any) -> Response:
    row, path, _ = await find_capture(datasette, request)
    stored = read_response(path, row["warc_offset"])
    content_type = (row["content_type"] or "application/octet-stream").strip()
    body = stored.body
    if "html" in content_type.lower():
        body = decode_html(body, http_content_type_encoding(content_type)).encode("utf-8")
        content_type = "text/html; charset=utf-8"
    return Response(body, status=200, headers=SAFE_HEADERS, content_type=content_type)


async def capture_source(datasette: Any, request: Any) -> Response:
    row, path, _ = await find_capture(datasette, request)
    stored = read_response(path, row["warc_offset"])
    text = decode_html(stored.body, http_content_type_encoding(row["content_type"] or ""))
    return Response(
        text.encode("utf-8"), headers=SAFE_HEADERS, content_type="text/plain; charset=utf-8"
    )


async def capture_record(datasette: Any, request: Any) -> Response:
    row, path, _ = await find_capture(datasette, request)
    with open(path, "rb") as warc:
        warc.seek(row["warc_offset"])
        record = warc.read(row["warc_length"])
    headers = {
        **SAFE_HEADERS,
        "Content-Disposition": f'attachment; filename="capture-{row["id"]}.warc.gz"',
    }
    return Response(record, headers=headers, content_type="application/warc")
