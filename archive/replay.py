"""What serving a capture needs, for the Datasette plugin and `newsarc replay` alike: where its
WARC file is, how its body is made safe to show, and the headers that keep it inert."""

from __future__ import annotations

from pathlib import Path

from w3lib.encoding import http_content_type_encoding

from extractors import decode_html

# The captured page is a hostile document: no script, no request, no plugin, its own origin.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SAFE_HEADERS = {
    "Content-Security-Policy": SANDBOX_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def find_warc(db_path: str | None, row: dict, also: Path | None = None) -> Path:
    """The WARC file of a capture row (with its crawl's `warc_dir`): in that folder, else in
    `also` (a crawl's own WARC folder), else in `warcs/` beside the database.
    FileNotFoundError if it is nowhere."""
    folders = []
    if row.get("warc_dir"):
        folders.append(Path(row["warc_dir"]))
    if also is not None:
        folders.append(also)
    if db_path:
        here = Path(db_path).resolve().parent
        folders += [here / (row.get("warc_dir") or "warcs"), here / "warcs"]
    for folder in folders:
        candidate = folder / row["warc_filename"]
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"WARC file {row['warc_filename']} not found")


def servable_body(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """An HTML (or other text) body re-encoded as UTF-8, so that the browser cannot guess a
    charset the page did not declare; other bodies as they are. Returns body and content type."""
    content_type = (content_type or "application/octet-stream").strip()
    kind = content_type.split(";")[0].strip().lower()
    if "html" in kind or kind.startswith("text/"):
        text = decode_html(body, http_content_type_encoding(content_type))
        return text.encode("utf-8"), f"{kind}; charset=utf-8"
    return body, content_type
