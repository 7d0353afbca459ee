"""Datasette plugin: replay any capture safely, and link rows to their captures.

Routes (a capture is read from its WARC by offset, never by scanning the file):

- `/-/capture/<id>`: a banner naming URL, time, status and WARC file, over the capture in a
  sandboxed frame;
- `/-/capture/<id>/body`: the body as the browser would have seen it (content-decoded), under a
  Content-Security-Policy sandbox that lets no script run and nothing load;
- `/-/capture/<id>/record`: the WARC record itself, for download;
- `/-/capture/<id>/source`: the body as text/plain;
- `/-/article/<id>/versions`: every archived version of an article, newest first;
- `/-/article/<id>/diff?from=A&to=B`: what changed in title and text between two versions;
- `/-/story/<cluster id>?copy=ID`: a story's articles, and the source's text beside a copy's,
  the copy's differences marked.

Captured text is hostile: every piece of it is escaped, and the pages newsarc renders itself are
served under a Content-Security-Policy that allows no script, frame or image at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cydifflib import SequenceMatcher  # difflib's, in C++: the same opcodes
from datasette import hookimpl
from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup, escape
from w3lib.encoding import http_content_type_encoding

from archive.replay import SAFE_HEADERS, find_warc, servable_body
from archive.warc import read_response
from extractors import decode_html

BANNER_CSP = "default-src 'self'; style-src 'unsafe-inline'; frame-src 'self'"
CAPTURE_SQL = (
    "SELECT captures.*, crawls.warc_dir, "
    "(SELECT id FROM articles WHERE articles.capture_id = captures.id) AS article_id "
    "FROM captures LEFT JOIN crawls ON crawls.id = captures.crawl_id WHERE captures.id = ?"
)
# With versions, a capture of an older version is no article's capture_id any more.
CAPTURE_VERSIONS_SQL = CAPTURE_SQL.replace(
    "(SELECT id FROM articles WHERE articles.capture_id = captures.id)",
    "coalesce((SELECT id FROM articles WHERE articles.capture_id = captures.id), "
    "(SELECT article_id FROM article_versions WHERE article_versions.capture_id = captures.id "
    "LIMIT 1))",
)
# Tables (None: a query) whose capture_id cells link to the capture.
CAPTURE_ID_TABLES = ("articles", "article_versions", None)
# Our own pages (versions, diffs) need nothing but inline styles.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_STYLE = """body{margin:0;font-family:sans-serif} header{padding:.5em 1em;background:#eee;
border-bottom:2px solid #999;font-size:14px} main{padding:.5em 1em;max-width:64em}
table{border-collapse:collapse} th,td{text-align:left;padding:.3em .6em;vertical-align:top;
border-bottom:1px solid #ddd} .removed{background:#fff3cd;border:1px solid #d9b44a;padding:.5em}
.diff{white-space:pre-wrap;line-height:1.5;border:1px solid #ddd;padding:.5em}
ins{background:#c8f0c8;text-decoration:none} del{background:#f6c6c6}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;max-width:none} .pair h3{margin:.3em 0}
main.story{max-width:none}"""
ARTICLE_SQL = "SELECT id, url, title, removed_at FROM articles WHERE id = ?"
VERSIONS_SQL = (
    "SELECT version, title, word_count, capture_id, fetched_at FROM article_versions "
    "WHERE article_id = ? ORDER BY version DESC"
)
VERSION_SQL = "SELECT * FROM article_versions WHERE article_id = ? AND version = ?"
SQLITE_MAX_INTEGER = 2**63 - 1
# Words, runs of spaces, and line breaks: joined, the tokens give the text back.
TOKEN = re.compile(r"\S+|[^\S\n]+|\n")
# difflib is quadratic: bigger comparisons are shown as one deletion and one insertion.
MAX_DIFF_PAIRS = 4_000_000


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    prefix = r"^/-/capture/(?P<capture_id>\d+)"
    article = r"^/-/article/(?P<article_id>\d+)"
    return [
        (r"^/-/story/(?P<cluster_id>\d+)$", story_page),
        (prefix + "$", capture_page),
        (prefix + "/body$", capture_body),
        (prefix + "/record$", capture_record),
        (prefix + "/source$", capture_source),
        (article + "/versions$", versions_page),
        (article + "/diff$", diff_page),
    ]


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str
) -> Markup | None:
    """Links from articles and captures to the capture pages, from version counts to the
    versions page; article text as paragraphs."""
    if isinstance(value, dict):  # a foreign key Datasette has expanded
        value = value.get("value")
    if column == "capture_id" and isinstance(value, int) and table in CAPTURE_ID_TABLES:
        return capture_links(value) + Markup(
            f' · <a href="/{escape(database)}/captures/{value}">row</a>'
        )
    if column == "version_count" and table in ("articles", None):
        # In a query (table None) only a row that names its article_id says whose versions.
        return versions_link(row_value(row, "id" if table else "article_id"), value)
    if column == "cluster_id" and isinstance(value, int) and table in ("articles", None):
        return Markup(f'<a href="/-/story/{value}">story {value}</a>')
    if table == "story_clusters" and column == "size" and isinstance(row_value(row, "id"), int):
        return Markup(f'<a href="/-/story/{row["id"]}">{escape(value)}, side by side</a>')
    if table == "captures" and column == "revisit_of" and isinstance(value, int):
        return capture_links(value)
    if table is None and column == "snippet" and isinstance(value, str):
        return highlighted(value)
    if table == "captures" and column == "warc_record_id" and value:
        return Markup(f"{escape(value)}<br>") + capture_links(row["id"])
    if table == "articles" and column == "text" and isinstance(value, str):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in value.split("\n") if line)
        style = "max-height:18em;overflow:auto;min-width:24em"
        return Markup(f'<div class="newsarc-text" style="{style}">{paragraphs}</div>')
    return None


def row_value(row: Any, column: str) -> Any:
    """A column of a row (sqlite3.Row or Datasette's CustomRow), None if it was not selected."""
    try:
        return row[column]
    except (IndexError, KeyError):
        return None


def versions_link(article_id: Any, count: Any) -> Markup | None:
    if not isinstance(article_id, int) or not isinstance(count, int):
        return None
    label = "1 version" if count == 1 else f"{count} versions"
    return Markup(f'<a href="/-/article/{article_id}/versions">{label}</a>')


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


def url_id(request: Any, name: str) -> int:
    """A row id from the URL; 404 for one beyond SQLite's integers (which no row can have)."""
    number = int(request.url_vars[name])
    if number > SQLITE_MAX_INTEGER:
        raise NotFound(f"no row {number}")
    return number


async def find_capture(datasette: Any, request: Any) -> tuple[dict, Path, str]:
    """The captures row, its WARC file and the database it is in; 404 if there is none."""
    return await capture_by_id(datasette, url_id(request, "capture_id"))


async def find_payload(datasette: Any, request: Any) -> tuple[dict, Path]:
    """The capture whose record holds this capture's body: itself, or the original a revisit
    record refers to (a revisit stores headers only)."""
    row, path, _ = await find_capture(datasette, request)
    if row.get("record_type") == "revisit" and row.get("revisit_of"):
        original, original_path, _ = await capture_by_id(datasette, row["revisit_of"])
        return original, original_path
    return row, path


async def capture_by_id(datasette: Any, capture_id: int) -> tuple[dict, Path, str]:
    for name, database in datasette.databases.items():
        if name.startswith("_") or not await database.table_exists("captures"):
            continue
        versions = await database.table_exists("article_versions")  # not in older archives
        sql = CAPTURE_VERSIONS_SQL if versions else CAPTURE_SQL
        rows = [dict(row) for row in await database.execute(sql, [capture_id])]
        if rows:
            row = {**rows[0], "_versions": versions}
            return row, warc_path(database.path, row), name
    raise NotFound(f"no capture {capture_id}")


def warc_path(db_path: str | None, row: dict) -> Path:
    """The WARC file of a capture (see `find_warc`); 404 if it is nowhere."""
    try:
        return find_warc(db_path, row)
    except FileNotFoundError as exc:
        raise NotFound(str(exc)) from None


async def capture_page(datasette: Any, request: Any) -> Response:
    row, path, database = await find_capture(datasette, request)
    base = f"/-/capture/{row['id']}"
    article = (
        f' · <a href="/{escape(database)}/articles/{row["article_id"]}">article</a>'
        if row["article_id"]
        else ""
    )
    if row["article_id"] and row["_versions"]:
        article += f' · <a href="/-/article/{row["article_id"]}/versions">versions</a>'
    if row.get("record_type") == "revisit" and row.get("revisit_of"):
        original = row["revisit_of"]
        article += (
            f'<br>A revisit record: unchanged since <a href="/-/capture/{original}">capture '
            f"{original}</a>, whose body is shown."
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
    row, path = await find_payload(datasette, request)
    stored = read_response(path, row["warc_offset"])
    body, content_type = servable_body(stored.body, row["content_type"])
    return Response(body, status=200, headers=SAFE_HEADERS, content_type=content_type)


async def capture_source(datasette: Any, request: Any) -> Response:
    row, path = await find_payload(datasette, request)
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


async def find_article(datasette: Any, request: Any) -> tuple[dict, str]:
    """The articles row and the database it is in; 404 if there is none."""
    article_id = url_id(request, "article_id")
    for name, database in datasette.databases.items():
        if name.startswith("_") or not await database.table_exists("article_versions"):
            continue
        row = (await database.execute(ARTICLE_SQL, [article_id])).first()
        if row:
            return dict(row), name
    raise NotFound(f"no article {article_id}")


def page(title: str, header: Markup, body: Markup, main_class: str = "") -> Response:
    """One of our own pages: a banner like the capture page's, over the body."""
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{PAGE_STYLE}</style></head><body>
<header>{header}</header>
<main class="{main_class}">{body}</main>
</body></html>"""
    return Response.html(html, headers=PAGE_HEADERS)


def article_header(article: dict, database: str, what: str) -> Markup:
    base, number = f"/{escape(database)}", article["id"]
    return Markup(
        f"<strong>{escape(what)}</strong> <code>{escape(article['url'])}</code><br>"
        f"{escape(article['title'] or '(no title)')} · "
        f'<a href="/-/article/{number}/versions">all versions</a> · '
        f'<a href="{base}/articles/{number}">article row</a> · '
        f'<a href="{base}/article_versions?article_id={number}">version rows</a>'
    )


def removed_note(article: dict) -> Markup:
    if not article["removed_at"]:
        return Markup("")
    return Markup(
        f'<p class="removed"><strong>Removed:</strong> the URL answered 404 or 410 at '
        f"{escape(article['removed_at'])}. The versions below are what was archived before.</p>"
    )


async def versions_page(datasette: Any, request: Any) -> Response:
    article, database = await find_article(datasette, request)
    results = await datasette.get_database(database).execute(VERSIONS_SQL, [article["id"]])
    versions = [dict(row) for row in results]
    return page(
        f"Versions of {article['url']}",
        article_header(article, database, "Versions of"),
        removed_note(article) + versions_table(article["id"], versions),
    )


def versions_table(article_id: int, versions: list[dict]) -> Markup:
    """The versions, newest first (as given), each with a diff link to the one before it."""
    if not versions:
        return Markup("<p>No versions are recorded for this article.</p>")
    older = [*versions[1:], None]
    rows = Markup("").join(
        version_row(article_id, version, before)
        for version, before in zip(versions, older, strict=True)
    )
    count = len(versions)
    return Markup(
        f"<p>{count} version{'' if count == 1 else 's'}, newest first.</p>"
        "<table><thead><tr><th>Version</th><th>Fetched</th><th>Title</th><th>Words</th>"
        f"<th>Capture</th><th>Changes</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def version_row(article_id: int, version: dict, previous: dict | None) -> Markup:
    """A row of the versions table, with a link to its diff from the version before it."""
    number = version["version"]
    diff = (
        Markup(
            f'<a href="/-/article/{article_id}/diff?from={previous["version"]}&amp;to={number}">'
            f"diff from {previous['version']}</a>"
        )
        if previous
        else Markup("first version")
    )
    capture = capture_links(version["capture_id"]) if version["capture_id"] else Markup("—")
    return Markup(
        f"<tr><td>{number}</td><td>{escape(version['fetched_at'] or '')}</td>"
        f"<td>{escape(version['title'] or '')}</td><td>{escape(version['word_count'])}</td>"
        f"<td>{capture}</td><td>{diff}</td></tr>"
    )


def chosen_versions(args: Any, numbers: Sequence[int]) -> tuple[int, int]:
    """The `from` and `to` version numbers asked for; by default the last two versions."""
    asked: dict[str, int] = {}
    for name in ("from", "to"):
        value = args.get(name)
        if value not in (None, ""):
            if not re.fullmatch(r"\d{1,9}", value):
                raise BadRequest(f"{name} must be a version number")
            asked[name] = int(value)
    for number in asked.values():
        if number not in numbers:
            raise NotFound(f"no version {number} of this article")
    new = asked.get("to", numbers[-1])
    earlier = [number for number in numbers if number < new]
    return asked.get("from", earlier[-1] if earlier else new), new


async def diff_page(datasette: Any, request: Any) -> Response:
    article, database = await find_article(datasette, request)
    db = datasette.get_database(database)
    sql = "SELECT version FROM article_versions WHERE article_id = ? ORDER BY version"
    numbers = [row[0] for row in await db.execute(sql, [article["id"]])]
    if not numbers:
        raise NotFound(f"no versions of article {article['id']}")
    old_number, new_number = chosen_versions(request.args, numbers)
    old, new = [
        dict((await db.execute(VERSION_SQL, [article["id"], number])).first())
        for number in (old_number, new_number)
    ]
    return page(
        f"Changes to {article['url']}",
        article_header(article, database, "Changes to"),
        removed_note(article) + diff_body(old, new),
    )


def diff_body(old: dict, new: dict) -> Markup:
    if old["version"] == new["version"]:
        intro = Markup(f"<p>Version {new['version']} only: there is no other to compare.</p>")
    else:
        intro = Markup(
            f"<p>From {version_label(old)}<br>to {version_label(new)}.<br>"
            "<del>Deleted</del> and <ins>inserted</ins> words are marked.</p>"
        )
    words = Markup(f"<p>Words: {escape(old['word_count'])} → {escape(new['word_count'])}</p>")
    title = diff_words(old["title"] or "", new["title"] or "")
    text = diff_text(old["text"] or "", new["text"] or "")
    return (
        intro
        + Markup(f'<h2>Title</h2><div class="diff">{title}</div>')
        + Markup(f'<h2>Text</h2>{words}<div class="diff">{text}</div>')
    )


def version_label(version: dict) -> Markup:
    capture = capture_links(version["capture_id"]) if version["capture_id"] else ""
    return Markup(
        f"<strong>version {version['version']}</strong>, fetched "
        f"{escape(version['fetched_at'] or '?')} {capture}"
    )


def changes(old: Sequence[str], new: Sequence[str]) -> Iterator[tuple[str, str, str]]:
    """(opcode, old part, new part) runs of difflib over two token lists."""
    if len(old) * len(new) > MAX_DIFF_PAIRS:
        yield "replace", "".join(old), "".join(new)
        return
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        yield tag, "".join(old[i1:i2]), "".join(new[j1:j2])


def marked(tag: str, text: str) -> Markup:
    return Markup(f"<{tag}>{escape(text)}</{tag}>") if text else Markup("")


def joined(runs: Iterator[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Changes separated only by spaces made into one, so that a rewritten phrase reads as one
    deletion and one insertion rather than word by word."""
    out: list[tuple[str, str, str]] = []
    for tag, before, after in runs:
        if (
            tag != "equal"
            and len(out) >= 2
            and out[-1][0] == "equal"
            and out[-1][1].isspace()
            and "\n" not in out[-1][1]
            and out[-2][0] != "equal"
        ):
            _, space, _ = out.pop()
            _, old, new = out.pop()
            out.append(("replace", old + space + before, new + space + after))
        else:
            out.append((tag, before, after))
    return out


def diff_words(old: str, new: str) -> Markup:
    """A word-level diff: unchanged words as they are, the others in <del>/<ins>; all escaped."""
    parts = []
    for tag, before, after in joined(changes(TOKEN.findall(old), TOKEN.findall(new))):
        if tag == "equal":
            parts.append(escape(before))
        else:
            parts.append(marked("del", before) + marked("ins", after))
    return Markup("").join(parts)


def diff_text(old: str, new: str) -> Markup:
    """Paragraphs first, then words within the paragraphs that changed: readable, and fast
    on long texts where only a few paragraphs differ."""
    parts = []
    lines = changes(old.splitlines(keepends=True), new.splitlines(keepends=True))
    for tag, before, after in lines:
        if tag == "equal":
            parts.append(escape(before))
        elif tag == "replace":
            parts.append(diff_words(before, after))
        else:
            parts.append(marked("del", before) + marked("ins", after))
    return Markup("").join(parts)


# -- stories -------------------------------------------------------------------------------------

STORY_SQL = "SELECT * FROM story_clusters WHERE id = ?"
STORY_MEMBERS_SQL = (
    "SELECT a.id, a.url, a.host, a.title, a.published, a.first_seen, a.cluster_similarity, "
    "a.copy_of, a.capture_id, a.text, (SELECT reason FROM article_signals s WHERE "
    "s.article_id = a.id AND s.signal = 'spun_markers') AS spinning FROM articles a "
    "WHERE a.cluster_id = ? ORDER BY a.copy_of IS NOT NULL, a.cluster_similarity DESC, a.id"
)


async def story_page(datasette: Any, request: Any) -> Response:
    """A story's articles, then the source's text beside one copy's (`?copy=ID`, by default
    the least similar copy: the most rewritten)."""
    cluster_id = url_id(request, "cluster_id")
    story, members, database = await find_story(datasette, cluster_id)
    source = next((m for m in members if m["id"] == story["source_id"]), members[0])
    copies = [m for m in members if m["id"] != source["id"]]
    chosen = chosen_copy(request.args.get("copy"), copies)
    header = Markup(
        f"<strong>Story {cluster_id}</strong>: {escape(story['title'] or '(no title)')}<br>"
        f"{story['size']} articles on {story['site_count']} sites · probable source on "
        f"<code>{escape(story['source_host'])}</code> · "
        f'<a href="/{escape(database)}/story_clusters/{cluster_id}">story row</a> · '
        f'<a href="/{escape(database)}/story_copies?cluster_id={cluster_id}">as a query</a>'
    )
    body = members_table(cluster_id, members, source["id"], chosen["id"])
    body += side_by_side(source, chosen)
    return page(f"Story {cluster_id}", header, body, main_class="story")


async def find_story(datasette: Any, cluster_id: int) -> tuple[dict, list[dict], str]:
    for name, database in datasette.databases.items():
        if name.startswith("_") or not await database.table_exists("story_clusters"):
            continue
        row = (await database.execute(STORY_SQL, [cluster_id])).first()
        if row:
            members = [dict(m) for m in await database.execute(STORY_MEMBERS_SQL, [cluster_id])]
            if len(members) >= 2:
                return dict(row), members, name
    raise NotFound(f"no story {cluster_id}")


def chosen_copy(asked: str | None, copies: list[dict]) -> dict:
    if asked in (None, ""):
        return min(copies, key=lambda m: (m["cluster_similarity"] or 0, m["id"]))
    if not re.fullmatch(r"\d{1,18}", asked):
        raise BadRequest("copy must be an article id")
    for member in copies:
        if member["id"] == int(asked):
            return member
    raise NotFound(f"article {asked} is not a copy in this story")


def members_table(cluster_id: int, members: list[dict], source_id: int, chosen_id: int) -> Markup:
    rows = []
    for member in members:
        role = "source" if member["id"] == source_id else "copy"
        if member["id"] == chosen_id:
            role += " (shown below)"
        elif member["id"] != source_id:
            role = Markup(f'<a href="/-/story/{cluster_id}?copy={member["id"]}">copy</a>')
        similarity = member["cluster_similarity"]
        capture = capture_links(member["capture_id"]) if member["capture_id"] else Markup("—")
        rows.append(
            Markup(
                f"<tr><td>{escape(role)}</td><td>{escape(member['host'])}</td>"
                f"<td>{escape(member['title'] or '')}</td>"
                f"<td>{'' if similarity is None else f'{similarity:.2f}'}</td>"
                f"<td>{escape(member['published'] or '')}</td>"
                f"<td>{escape(member['first_seen'] or '')}</td>"
                f"<td>{escape(member['spinning'] or '')}</td><td>{capture}</td></tr>"
            )
        )
    return (
        Markup(
            "<p>Similarity is the estimated share of text features in common with the story's "
            "earliest capture (1: verbatim).</p><table><thead><tr><th>Role</th><th>Site</th>"
            "<th>Title</th><th>Similarity</th><th>Published</th><th>First captured</th>"
            "<th>Spinning</th><th>Capture</th></tr></thead><tbody>"
        )
        + Markup("").join(rows)
        + Markup("</tbody></table>")
    )


def side_by_side(source: dict, copy: dict) -> Markup:
    """The source's text beside the copy's, the copy's changes marked against the source."""
    diff = diff_text(source["text"] or "", copy["text"] or "")
    return Markup(
        "<h2>Source and copy</h2><p><del>Deleted</del> and <ins>inserted</ins> words are the "
        'copy\'s changes to the source.</p><div class="pair">'
        f"<div><h3>Source: {escape(source['host'])}</h3><code>{escape(source['url'])}</code>"
        f'<div class="diff">{escape(source["text"] or "")}</div></div>'
        f"<div><h3>Copy: {escape(copy['host'])}</h3><code>{escape(copy['url'])}</code>"
        f'<div class="diff">{diff}</div></div></div>'
    )
