"""A crawl of a local site where a third of the pages misbehave: it completes, archives every
good page, and its stats name each kind of fault.

    python3 bench/hostile_site.py [--pages 300] [--out bench/out-hostile]

Serves, from a child process on 127.0.0.1, a news site of PAGES story pages (`/news/N.html`,
listed 30 to a page by `/list/K`, all linked from `/`); every third story (N % 3 == 2)
misbehaves, the kinds in turn (FAULTS below: docs/limits.md and issue 9): a 5 MB page, a gzip
bomb, a server trickling a byte a second, a redirect loop, a link to 169.254.169.254, redirects
to 10.0.0.1 and to 169.254.169.254, a calendar and a session-ID trap, broken gzip, binary
served as text/html, invalid UTF-8, NUL bytes, 10,000-deep nesting, a 1 MB `<title>`, a
cp1251 page declared UTF-8. The other stories are ordinary articles (newsarc.demo's prose,
gzip when asked). The same server also serves the site with every fault off on a second port
(the clean site): its crawl tells which stat keys the faults added.

Crawls each with `python -m newsarc crawl BASE --fast -s NEWSARC_ALLOWED_NETWORKS=127.0.0.0/8
-s NEWSARC_MAX_BODY_SIZE=2000000 -s DOWNLOAD_TIMEOUT=3 -s NEWSARC_TRAP_BUDGET=50` (the address
guard stays on for every other network), then checks: exit status 0 and crawl status
"finished"; every good page has a 200 response record in the WARCs, and every good story an
`articles` row whose title is its headline. Prints markdown tables: each kind of fault, the
stat keys of the crawl's `crawls.stats` that name it (with their count in the hostile crawl
and in the clean one), whether it is named (a key of its own; "generic": only keys that count
a common outcome, such as newsarc/pages/empty or dupefilter/filtered; "no"), and what happened
to its pages (records, WARC-Truncated, HTTP status, page_type, title); then the stat keys only
the hostile crawl has that no kind claims; then what `newsarc reindex` of the hostile crawl's
WARCs makes of each page that the live crawl saw differently (the two should agree: one path
from capture to rows). Exits with status 1 if a crawl or the reindex failed, or a good page is
missing. Every child runs this checkout's code (PYTHONPATH). Everything it starts is stopped
on the way out, on failure too; the files stay in --out.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from memory import CHILD_PATH, BenchError, child_server, code_version, stop_group

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
PER_LISTING = 30
SITE_NAME = "Hostile Gazette"
MB = 1024 * 1024
MEMBER = gzip.compress(b"\0" * MB, mtime=0)  # one gzip member of 1 MiB of zeros (~1 KB)
BOMB_BYTES = 10 * 1000 * 1000  # of such members: ~10 GB inflated
BIG_PAGE_BYTES = 5 * 1000 * 1000
SETTINGS = {
    "NEWSARC_ALLOWED_NETWORKS": "127.0.0.0/8",
    "NEWSARC_MAX_BODY_SIZE": "2000000",
    "DOWNLOAD_TIMEOUT": "3",
    "NEWSARC_TRAP_BUDGET": "50",
}
RU_HEADLINES = (
    "Городской совет обсудил новый бюджет",
    "В порту открыли новый мост",
    "Учёные нашли древний город у реки",
)
RU_TEXT = (
    "Городской совет обсудил новый бюджет на следующий год. Депутаты заявили, что расходы на "
    "школы и больницы вырастут, а налоги останутся прежними. Мэр сказал журналистам, что "
    "решение примут до конца месяца, и пообещал открыть отчёт для всех жителей."
)


@dataclass(frozen=True)
class Fault:
    kind: str
    what: str
    stats: tuple[str, ...]  # regular expressions of the stat keys expected to name it


# fmt: off
FAULTS = (
    Fault("body-too-big", "a 5 MB page (NEWSARC_MAX_BODY_SIZE=2000000)",
          (r"^newsarc/limits/body_truncated$",)),
    Fault("gzip-bomb", "10 MB of gzip members of 1 MiB of zeros each",
          (r"^newsarc/limits/inflated_truncated$",)),
    Fault("trickle", "1 byte a second (DOWNLOAD_TIMEOUT=3)",
          (r"^downloader/exception_type_count/.*TimeoutError$",
           r"^retry/reason_count/.*TimeoutError$", r"^retry/max_reached$")),
    Fault("redirect-loop", "302 to /loop/N/a, which 302s to /loop/N/b and back",
          (r"^dupefilter/filtered$", r"redirect")),
    Fault("metadata-link", "an article linking to http://169.254.169.254/latest/meta-data/",
          (r"^newsarc/guard/links/link-local$",)),
    Fault("redirect-private", "302 to http://10.0.0.1/admin?page=N",
          (r"^newsarc/guard/refused/private$",)),
    Fault("redirect-metadata", "302 to http://169.254.169.254/latest/meta-data/?page=N",
          (r"^newsarc/guard/refused/link-local$",)),
    Fault("calendar-trap", "an article linking to an endless /calendar/YYYY/MM",
          (r"^newsarc/traps/(seen|dropped)/calendar$",)),
    Fault("session-id-trap", "an article linking to itself with a new ?sid= every time",
          (r"^newsarc/traps/(seen|dropped)/session_id$",)),
    Fault("broken-gzip", "Content-Encoding: gzip, the gzip cut in half or overwritten",
          (r"content_encoding|gzip|decompress|zlib|BadGzip|EOFError",)),
    Fault("binary-as-html", "a PNG, or random bytes, as text/html",
          (r"binary|not_html|not-html|^newsarc/pages/empty$",)),
    Fault("invalid-utf8", "an article with invalid UTF-8 bytes, declared UTF-8",
          (r"utf-?8|decod|invalid",)),
    Fault("nul-bytes", "an article with NUL bytes in it (and before <html>)", (r"nul",)),
    Fault("deep-nesting", "an article inside 10,000 nested <div>s", (r"nest|deep",)),
    Fault("huge-title", "an article with a 1 MB <title>", (r"title",)),
    Fault("wrong-charset", "a Russian article in cp1251, declared UTF-8",
          (r"charset",)),
)
# fmt: on


def fault_of(story: int) -> Fault | None:
    return FAULTS[(story // 3) % len(FAULTS)] if story % 3 == 2 else None


# -- the pages ------------------------------------------------------------------------------------


@cache
def story(n: int) -> tuple[str, list[str], str]:
    """(headline, paragraphs, published) of story n."""
    from newsarc.demo import prose, vocab  # noqa: PLC0415

    rng = random.Random(f"hostile:{n}")
    category = rng.choice(list(vocab.CATEGORIES))
    cast = prose.make_cast(rng, category)
    headline = prose.expand(rng.choice(vocab.CATEGORIES[category]["headlines"]), rng, cast)
    headline = f"{headline} ({n})"  # unique: the check finds each story by its title
    when = f"2026-11-{1 + n % 28:02d}T{n % 24:02d}:15:00+00:00"
    return headline, prose.write_paragraphs(rng, category, cast), when


def article(n: int, *, head: str = "", extra: str = "", paragraphs: list[str] | None = None,
            title: str | None = None, wrap: tuple[str, str] = ("", "")) -> str:  # fmt: skip
    headline, text, when = story(n)
    paragraphs = text if paragraphs is None else paragraphs
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    title = f"{headline} | {SITE_NAME}" if title is None else title
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>\n"
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(headline)}">\n'
        f'<meta property="article:published_time" content="{when}">\n{head}</head>\n<body>\n'
        f'<header><a href="/">{SITE_NAME}</a></header>\n{wrap[0]}'
        f'<article><h1>{escape(headline)}</h1>\n<div class="article-body">\n{body}\n</div>'
        f"</article>\n{extra}{wrap[1]}"
        f"<footer><p>&copy; 2026 {SITE_NAME}</p></footer>\n</body></html>\n"
    )


def listing(title: str, links: list[tuple[str, str]]) -> str:
    items = "\n".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in links)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | '
        f'{SITE_NAME}</title><meta property="og:type" content="website"></head>\n<body>\n'
        f'<header><a href="/">{SITE_NAME}</a></header>\n<main><h1>{escape(title)}</h1>\n'
        f"<ul>{items}</ul></main>\n</body></html>\n"
    )


@cache
def big_page(n: int) -> bytes:
    headline, text, _ = story(n)
    paragraphs = (text * (BIG_PAGE_BYTES // sum(len(p) + 8 for p in text) + 1))[:]
    return article(n, paragraphs=paragraphs).encode()


@cache
def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 0)
    pixels = zlib.compress(random.Random(1).randbytes(30_000))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def expected_title(n: int) -> str:
    return RU_HEADLINES[n % len(RU_HEADLINES)] if fault_of(n) is FAULTS[-1] else story(n)[0]


# -- the server (a child process: python3 bench/hostile_site.py --serve PAGES) --------------------


class Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile-gazette/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        """No per-request logging."""

    def do_GET(self) -> None:  # noqa: N802
        server: SiteServer = self.server  # type: ignore[assignment]
        path, _, query = self.path.partition("?")
        pages = server.pages
        lists = (pages + PER_LISTING - 1) // PER_LISTING
        if path == "/robots.txt":
            self.send(b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/":
            links = [(f"/list/{k}", f"Stories, page {k}") for k in range(1, lists + 1)]
            self.send_html(listing("Latest news", links))
        elif (found := re.fullmatch(r"/list/(\d+)", path)) and 1 <= int(found[1]) <= lists:
            first = (int(found[1]) - 1) * PER_LISTING
            stories = range(first, min(first + PER_LISTING, pages))
            links = [(f"/news/{n}.html", story(n)[0]) for n in stories]
            self.send_html(listing(f"Stories, page {found[1]}", links))
        elif (found := re.fullmatch(r"/news/(\d+)\.html", path)) and int(found[1]) < pages:
            n = int(found[1])
            fault = fault_of(n) if server.hostile else None
            if fault is None:
                self.send_html(article(n))
            else:
                getattr(self, fault.kind.replace("-", "_"))(n, query)
        elif found := re.fullmatch(r"/loop/(\d+)/([ab])", path):
            self.redirect(f"/loop/{found[1]}/{'b' if found[2] == 'a' else 'a'}")
        elif found := re.fullmatch(r"/calendar/(\d+)/(\d+)", path):
            year, month = int(found[1]), int(found[2])
            after = (year + month // 12, month % 12 + 1)
            before = (year - (month == 1), (month - 2) % 12 + 1)
            links = [(f"/calendar/{y}/{m}", f"{y}-{m:02d}") for y, m in (before, after)]
            self.send_html(listing(f"Events of {year}-{month:02d}", links))
        else:
            self.send(b"<!DOCTYPE html><title>Not found</title>\n", "text/html", 404)

    # -- plumbing --

    def send(self, body: bytes, kind: str, status: int = 200, headers: tuple = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_html(self, html: str) -> None:
        body = html.encode()
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            gzipped = gzip.compress(body, compresslevel=6, mtime=0)
            self.send(gzipped, "text/html; charset=utf-8", headers=(("Content-Encoding", "gzip"),))
        else:
            self.send(body, "text/html; charset=utf-8")

    def redirect(self, target: str) -> None:
        self.send(b"", "text/html", 302, (("Location", target),))

    # -- the faults (one method per Fault.kind) --

    def body_too_big(self, n: int, query: str) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the crawler hangs up at its limit: as it should
            self.send(big_page(n), "text/html; charset=utf-8")

    def gzip_bomb(self, n: int, query: str) -> None:
        self.close_connection = True
        members = BOMB_BYTES // len(MEMBER)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(MEMBER) * members))
        self.end_headers()
        try:
            for _ in range(members // 100):
                self.wfile.write(MEMBER * 100)
        except OSError:
            pass

    def trickle(self, n: int, query: str) -> None:
        self.close_connection = True
        body = article(n).encode()[:100]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(1)
        except OSError:
            pass

    def redirect_loop(self, n: int, query: str) -> None:
        self.redirect(f"/loop/{n}/a")

    def metadata_link(self, n: int, query: str) -> None:
        link = '<p><a href="http://169.254.169.254/latest/meta-data/">Our cloud</a></p>\n'
        self.send_html(article(n, extra=link))

    def redirect_private(self, n: int, query: str) -> None:
        self.redirect(f"http://10.0.0.1/admin?page={n}")

    def redirect_metadata(self, n: int, query: str) -> None:
        self.redirect(f"http://169.254.169.254/latest/meta-data/?page={n}")

    def calendar_trap(self, n: int, query: str) -> None:
        link = f'<p><a href="/calendar/{2000 + n}/{1 + n % 12}">Events calendar</a></p>\n'
        self.send_html(article(n, extra=link))

    def session_id_trap(self, n: int, query: str) -> None:
        link = f'<p><a href="/news/{n}.html?sid={secrets.token_hex(16)}">Continue</a></p>\n'
        self.send_html(article(n, extra=link))

    def broken_gzip(self, n: int, query: str) -> None:
        data = bytearray(gzip.compress(article(n).encode(), mtime=0))
        if n // 3 // len(FAULTS) % 2:
            data = data[: len(data) // 2]
        else:
            data[12:40] = random.Random(n).randbytes(28)
        headers = (("Content-Encoding", "gzip"),)
        self.send(bytes(data), "text/html; charset=utf-8", headers=headers)

    def binary_as_html(self, n: int, query: str) -> None:
        body = png() if n // 3 // len(FAULTS) % 2 else random.Random(n).randbytes(200_000)
        self.send(body, "text/html")

    def invalid_utf8(self, n: int, query: str) -> None:
        head, _, text = article(n).encode().partition(b"</h1>")  # the headline stays whole
        text = text.replace(b" the ", b" th\xe9 \x80 ", 6)
        bad = b"</h1><p>Br\xff\xfeaking \xc3( news \xed\xa0\x80</p>"
        self.send(head + bad + text, "text/html; charset=utf-8")

    def nul_bytes(self, n: int, query: str) -> None:
        head, _, text = article(n).encode().partition(b"</h1>")
        text = text.replace(b"<p>", b"<p>\x00", 6).replace(b" a ", b" a\x00 ")
        self.send(b"\x00\x00" + head + b"</h1>" + text, "text/html")

    def deep_nesting(self, n: int, query: str) -> None:
        self.send_html(article(n, wrap=("<div>" * 10_000, "</div>" * 10_000)))

    def huge_title(self, n: int, query: str) -> None:
        title = f"{story(n)[0]} {'spam ' * 200_000}"
        self.send_html(article(n, title=title))

    def wrong_charset(self, n: int, query: str) -> None:
        headline = RU_HEADLINES[n % len(RU_HEADLINES)]
        html = article(
            n, paragraphs=[f"{RU_TEXT} ({i})" for i in range(8)], title=f"{headline} | {SITE_NAME}"
        )
        html = html.replace(escape(story(n)[0]), headline)
        self.send(html.encode("cp1251"), "text/html; charset=utf-8")


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, pages: int, hostile: bool) -> None:
        super().__init__(("127.0.0.1", 0), Site)
        self.pages, self.hostile = pages, hostile

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that go away."""


def serve(pages: int) -> int:
    """Serve the hostile and the clean site until SIGTERM; print their base URLs once up."""
    sys.path.insert(0, str(PROJECT))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    servers = {"hostile": SiteServer(pages, True), "clean": SiteServer(pages, False)}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({name: f"http://127.0.0.1:{s.server_address[1]}/"
                      for name, s in servers.items()}), flush=True)  # fmt: skip
    while not stop.wait(0.5):
        pass
    for server in servers.values():
        server.shutdown()
        server.server_close()
    return 0


def child_env() -> dict[str, str]:
    """This checkout's code (an editable install may point at another copy), and the address
    guard on: NEWSARC_ALLOWED_NETWORKS lets 127.0.0.0/8 through, nothing else."""
    env = {key: value for key, value in os.environ.items() if key != "NEWSARC_ALLOW_PRIVATE"}
    return {**env, "PYTHONPATH": CHILD_PATH}


# -- the crawls -----------------------------------------------------------------------------------


@dataclass
class Crawl:
    name: str
    base: str
    out: Path
    seconds: float
    status: str
    stats: dict[str, Any]
    captures: dict[str, list[tuple[int, str | None]]]  # URL: (status, page_type) of each
    articles: dict[str, str | None]  # URL: title
    records: dict[str, list[tuple[int, str | None, int]]]  # URL: (status, truncated, length)


def crawl(name: str, base: str, out: Path) -> Crawl:
    folder = out / name
    folder.mkdir()
    flags = [arg for key, value in SETTINGS.items() for arg in ("-s", f"{key}={value}")]
    command = [sys.executable, "-m", "newsarc", "crawl", base, "--fast", "--db",
               str(folder / "archive.db"), "--warc-dir", str(folder / "warcs"), *flags]  # fmt: skip
    env = child_env()
    log = folder / "crawl.log"
    started = time.monotonic()
    with open(log, "w") as errors:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=errors,
                                   stderr=subprocess.STDOUT, cwd=folder, env=env,
                                   start_new_session=True)  # fmt: skip
        try:
            code = process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            raise BenchError(f"the {name} crawl ran for more than 600 s, see {log}") from None
        finally:
            stop_group(process)
    seconds = time.monotonic() - started
    if code != 0:
        raise BenchError(f"the {name} crawl exited with status {code}, see {log}")
    conn = sqlite3.connect(f"file:{folder / 'archive.db'}?mode=ro", uri=True)
    try:
        status, raw = conn.execute("SELECT status, stats FROM crawls ORDER BY id DESC").fetchone()
        captures = defaultdict(list)
        for url, code, page_type in conn.execute(
            "SELECT url, status, page_type FROM captures ORDER BY id"
        ):
            captures[url].append((code, page_type))
        articles = dict(conn.execute("SELECT url, title FROM articles"))
    finally:
        conn.close()
    if status != "finished":
        raise BenchError(f"the {name} crawl's status is {status!r}, see {log}")
    return Crawl(name, base, folder, seconds, status, json.loads(raw or "{}"), captures,
                 articles, warc_records(folder / "warcs"))  # fmt: skip


def warc_records(folder: Path) -> dict[str, list[tuple[int, str | None, int]]]:
    from warcio.archiveiterator import ArchiveIterator  # noqa: PLC0415

    found = defaultdict(list)
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = int(record.http_headers.get_statuscode())
                truncated = record.rec_headers.get_header("WARC-Truncated")
                found[url].append((status, truncated, len(record.raw_stream.read())))
    return found


def reindexed(run: Crawl) -> dict[str, tuple[str | None, str | None]]:
    """`newsarc reindex` of the crawl's WARCs: URL → (page_type, title) of each page."""
    db = run.out / "reindexed.db"
    done = subprocess.run(
        [sys.executable, "-m", "newsarc", "reindex", str(run.out / "warcs"), "--db", str(db)],
        capture_output=True, text=True, cwd=run.out, timeout=600, env=child_env(),
    )  # fmt: skip
    (run.out / "reindex.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BenchError(f"newsarc reindex exited with status {done.returncode}, see reindex.log")
    return pages_of(db)


def pages_of(db: Path) -> dict[str, tuple[str | None, str | None]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            url: (page_type, title)
            for url, page_type, title in conn.execute(
                "SELECT c.url, c.page_type, a.title FROM captures c "
                "LEFT JOIN articles a ON a.url = c.url ORDER BY c.id"
            )
        }
    finally:
        conn.close()


# -- the checks and the report --------------------------------------------------------------------


def missing_good_pages(run: Crawl, pages: int) -> list[str]:
    """What is wrong with each good page (home, listings, good stories), if anything."""
    base = run.base.rstrip("/")
    lists = (pages + PER_LISTING - 1) // PER_LISTING
    problems = []
    for path in ["/", *(f"/list/{k}" for k in range(1, lists + 1))]:
        if not any(status == 200 for status, *_ in run.records.get(base + path, [])):
            problems.append(f"{path}: no 200 response record in the WARCs")
    for n in range(pages):
        if run.name == "hostile" and fault_of(n) is not None:
            continue
        url = f"{base}/news/{n}.html"
        if not any(status == 200 for status, *_ in run.records.get(url, [])):
            problems.append(f"/news/{n}.html: no 200 response record in the WARCs")
        elif url not in run.articles:
            types = [page_type for _, page_type in run.captures.get(url, [])]
            problems.append(f"/news/{n}.html: no article row (page_type {types})")
        elif run.articles[url] != story(n)[0]:
            problems.append(f"/news/{n}.html: title {run.articles[url]!r}, not {story(n)[0]!r}")
    return problems


def clip(text: object, width: int = 48) -> str:
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def outcome(run: Crawl, n: int) -> str:
    """What the crawl made of faulty story n: its records, captures and article."""
    url = f"{run.base.rstrip('/')}/news/{n}.html"
    records = run.records.get(url, [])
    parts = []
    if records:
        status, truncated, length = records[-1]
        cut = f", WARC-Truncated: {truncated}" if truncated else ""
        limit = int(SETTINGS["NEWSARC_MAX_BODY_SIZE"])
        if truncated and fault_of(n) is FAULTS[0] and length < 0.95 * limit:
            cut += f" (**cut before NEWSARC_MAX_BODY_SIZE**, {limit:,} B)"
        parts.append(f"{len(records)} record(s), {status}, {length:,} B{cut}")
    else:
        parts.append("no record")
    types = sorted({str(page_type) for _, page_type in run.captures.get(url, [])})
    if types == ["None"]:
        parts.append("not analysed (page_type NULL)")
    elif types:
        parts.append("page_type " + "/".join(types))
    if url in run.articles:
        title = run.articles[url]
        right = "(right)" if title == expected_title(n) else "(**not the headline**)"
        parts.append(f"title {clip(title, 40)!r} {right}")
    return "; ".join(parts)


# Keys that count an outcome many things lead to (a page with nothing usable, a duplicate URL, a
# log line, an HTTP status): they do not name a fault even when a fault makes them grow.
GENERIC_KEYS = re.compile(
    r"^(newsarc/pages/|dupefilter/|log_count/|downloader/response_status_count/|httpcompression/)"
)


def named(fault: Fault, hostile: dict[str, Any], clean: dict[str, Any]) -> tuple[str, list[str]]:
    """Whether a stat key names the fault ("yes": one of its own, absent from the clean crawl;
    "generic": only keys that count a common outcome; "no"), and its keys with their counts."""
    keys = sorted(
        key for key in hostile
        if isinstance(hostile[key], int | float) and not key.startswith("newsarc/seconds/")
        and any(re.search(pattern, key) for pattern in fault.stats)
    )  # fmt: skip
    shown = [f"`{key}` {hostile[key]} ({clean.get(key, 0)})" for key in keys]
    if any(key not in clean and not GENERIC_KEYS.search(key) for key in keys):
        return "yes", shown
    return ("generic" if keys else "no"), shown


def unclaimed(hostile: dict[str, Any], clean: dict[str, Any]) -> list[str]:
    """Keys only the hostile crawl has (or with more in it) that no fault's patterns match."""
    skip = re.compile(r"^newsarc/(seconds|warc/bytes|crawl_id)|time$|^elapsed|^memusage|bytes$")
    found = []
    for key, value in sorted(hostile.items()):
        if skip.search(key) or not isinstance(value, int | float):
            continue
        if any(re.search(p, key) for fault in FAULTS for p in fault.stats):
            continue
        if key not in clean:
            found.append(f"`{key}` {value}")
    return found


def report(
    args: argparse.Namespace, hostile: Crawl, clean: Crawl, problems: list[str],
    rebuilt: dict[str, tuple[str | None, str | None]],
) -> None:  # fmt: skip
    pages = args.pages
    faulty = [n for n in range(pages) if fault_of(n) is not None]
    print(
        f"### {time.strftime('%Y-%m-%d')}, `python3 bench/hostile_site.py --pages {pages}`, "
        f"newsarc {code_version()}"
    )
    print()
    print(
        f"{pages} stories, {len(faulty)} of them misbehaving ({len(FAULTS)} kinds in turn); "
        f"crawled with `--fast` and "
        + ", ".join(f"`{k}={v}`" for k, v in SETTINGS.items())
        + f" (the address guard on for every other network). Hostile crawl: exit 0, status "
        f"{hostile.status}, {hostile.seconds:.1f} s, "
        f"{hostile.stats.get('newsarc/warc/responses', 0)} responses archived, "
        f"{len(hostile.articles)} articles; the clean site (no fault): {clean.seconds:.1f} s, "
        f"{clean.stats.get('newsarc/warc/responses', 0)} responses, {len(clean.articles)} "
        "articles."
    )
    good = pages - len(faulty)
    print()
    if problems:
        print(f"**{len(problems)} good pages missing or wrong** (of {good} good stories and the "
              "home and listing pages):")  # fmt: skip
        for problem in problems[:20]:
            print(f"- {problem}")
    else:
        print(
            f"Every good page archived: the home page, the listings and all {good} good stories "
            "have a 200 response record in the WARCs, and every good story an `articles` row "
            "whose title is its headline."
        )
    print()
    print("Stat keys: their count in the hostile crawl, and in brackets in the clean crawl. "
          "Named: **yes** if a key of its own (absent from the clean crawl) is there; "
          "*generic* if only keys that count a common outcome (newsarc/pages/*, dupefilter/*, "
          "log_count/*, HTTP statuses); **no** if no key.")  # fmt: skip
    print()
    print("| fault | pages | named | stat keys | what happened (first page of the kind) |")
    print("| --- | --- | --- | --- | --- |")
    hostile_stats, clean_stats = hostile.stats, clean.stats
    for fault in FAULTS:
        numbers = [n for n in faulty if fault_of(n) is fault]
        verdict, keys = named(fault, hostile_stats, clean_stats)
        label = {"yes": "**yes**", "generic": "*generic*", "no": "**no**"}[verdict]
        print(
            f"| {fault.kind}: {fault.what} | {len(numbers)} | {label} "
            f"| {'<br>'.join(keys) or '–'} | {outcome(hostile, numbers[0]) if numbers else '–'} |"
        )
    print()
    print("Every faulty page, by kind (records, status, page_type, title):")
    print()
    print("| fault | page | what happened |")
    print("| --- | --- | --- |")
    for fault in FAULTS:
        for n in (n for n in faulty if fault_of(n) is fault):
            print(f"| {fault.kind} | /news/{n}.html | {outcome(hostile, n)} |")
    print()
    others = unclaimed(hostile_stats, clean_stats)
    print(
        "Other stat keys only the hostile crawl has: "
        + (", ".join(others) if others else "none")
        + "."
    )
    trap_pages = sum(
        1 for url in hostile.records if "/calendar/" in url or "sid=" in url or "/loop/" in url
    )
    print(
        f"Pages of the traps and loops archived: {trap_pages} (calendar, session-ID and loop URLs)."
    )
    print()
    live = pages_of(hostile.out / "archive.db")
    differ = [url for url in live if rebuilt.get(url) != live[url]]
    print(
        f"`newsarc reindex` of the hostile crawl's WARCs into a new database gives the same "
        f"page_type and title as the live crawl for {len(live) - len(differ)} of the "
        f"{len(live)} captured URLs" + (":" if differ else ".")
    )
    if differ:
        print()
        print("| page | fault | live crawl: page_type, title | reindex: page_type, title |")
        print("| --- | --- | --- | --- |")
        for url in differ:
            found = re.search(r"/news/(\d+)\.html$", url)
            fault = fault_of(int(found[1])) if found else None
            path = url[len(hostile.base.rstrip("/")) :]
            print(
                f"| {path} | {fault.kind if fault else '–'} | {clip(live[url], 60)} "
                f"| {clip(rebuilt.get(url, 'not in the rebuilt database'), 60)} |"
            )


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        return serve(int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="stories on the site")
    parser.add_argument("--out", type=Path, default=HERE / "out-hostile")
    args = parser.parse_args()
    if args.pages < 3 * len(FAULTS):
        parser.error(f"--pages must be at least {3 * len(FAULTS)}: one page of each fault")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(args.pages)]
    try:
        with child_server(command, out / "server.log", env=child_env()) as site:
            hostile = crawl("hostile", site["hostile"], out)
            clean = crawl("clean", site["clean"], out)
        rebuilt = reindexed(hostile)
    except BenchError as exc:
        print(f"bench: {exc} (files in {out})", file=sys.stderr)
        return 1
    problems = missing_good_pages(hostile, args.pages) + [
        f"(clean crawl) {problem}" for problem in missing_good_pages(clean, args.pages)
    ]
    report(args, hostile, clean, problems, rebuilt)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
