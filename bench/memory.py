"""Memory of a long crawl: RSS of the crawler and its extraction workers as the pages go by.

    python3 bench/memory.py [--pages 50000] [--hosts 4] [--interval 1] [--out bench/out-memory]

Serves a generated news site on HOSTS ports of 127.0.0.1 from a child process (gzip on): the
home page `/` links to every section; `/section/S/page/M` lists 20 stories and links to the next
five pages of its section (so that no page is deeper than Scrapy's depth limit); `/story/N.html`
is a story of about 800 words (newsarc.demo's prose, from a random.Random seeded with the host
and N) with its site's header, navigation, tags, "Recommended reading" and footer. Pages are
made on the fly from the path, none is kept; the site has PAGES responses in all (robots.txt,
home, listing and story pages, spread over the hosts).

Runs `python -m newsarc crawl SITES --fast --allow-private --db ... --warc-dir ...` on it and
samples every INTERVAL seconds: VmRSS (and RssAnon, the heap) of the crawler process and of each
of its child processes (the extraction workers, multiprocessing's resource tracker) from
/proc/PID/status; the responses archived (rows of `captures`, read-only); and, from the
server, the pages served and the links they carried that were not fetched yet (the frontier).
Prints markdown tables: RSS at 1k, 5k, 10k, 20k, 30k, 40k and 50k pages archived, at the end
of the crawl and in its closing steps; the peaks; pages/s; and whether memory is flat after
the first 10k pages (RSS at the last mark / RSS at 10k, and the slope in MB per 10k pages).

`--inspect` runs the same crawl command under a small wrapper that also records, every few
seconds, the sizes of the crawler's long-lived structures (Scrapy's duplicate filter and
scheduler, the site profiles, the story index, the similarity token cache, ...), and with
`--tracemalloc N` the allocation sites that grew most between 10 % of the crawl and its end
(slow: for short runs). `--report-only` prints the report of the run in --out again.

Exits with status 1 if the crawl fails (exit status, crawl status, or fewer pages archived
than the site has); a crawl whose memory grows is reported, not failed. Every child runs this
checkout's code (PYTHONPATH: an editable install may point at another copy). Everything it
starts is stopped on the way out, on failure too; the files stay in --out.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
MARKS = (1_000, 5_000, 10_000, 20_000, 30_000, 40_000, 50_000, 75_000, 100_000)
STORIES_PER_LISTING = 20
PAGES_PER_SECTION = 60  # page M is 1 + ceil((M - 1) / WINDOW) links deep: 13 at most
WINDOW = 5  # a listing page links to the next WINDOW pages of its section
MB = 1024 * 1024
TICKS = os.sysconf("SC_CLK_TCK")
# This checkout's code in every child (an editable install may point at another copy), and the
# sites are on loopback: lift newsarc's address guard (what --allow-private does).
CHILD_PATH = os.pathsep.join([str(PROJECT), *filter(None, [os.environ.get("PYTHONPATH")])])
CHILD_ENV = {**os.environ, "PYTHONPATH": CHILD_PATH, "NEWSARC_ALLOW_PRIVATE": "1"}


class BenchError(Exception):
    """A step of the bench failed: the message says which, and where its log is."""


# -- the generated site ---------------------------------------------------------------------------

SITE_NAMES = ("Morning Ledger", "Evening Tribune", "Harbour Courier", "Valley Gazette",
              "Capital Herald", "Coast Observer", "Northern Post", "River Times")  # fmt: skip
BASE_DATE = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Layout:
    """How the pages of one host are numbered: listings, stories, sections."""

    host: int
    listings: int
    stories: int

    @classmethod
    def of(cls, host: int, pages: int) -> Layout:
        """A host of `pages` responses: robots.txt, the home page, listings and stories."""
        listings = math.ceil(max(pages - 2, 1) / (STORIES_PER_LISTING + 1))
        return cls(host, listings, max(pages - 2 - listings, 0))

    @property
    def pages(self) -> int:
        return 2 + self.listings + self.stories

    @property
    def sections(self) -> int:
        return math.ceil(self.listings / PAGES_PER_SECTION)

    @property
    def name(self) -> str:
        return SITE_NAMES[self.host % len(SITE_NAMES)] + (
            f" {self.host // len(SITE_NAMES) + 1}" if self.host >= len(SITE_NAMES) else ""
        )

    def section_pages(self, section: int) -> int:
        return min(PAGES_PER_SECTION, self.listings - (section - 1) * PAGES_PER_SECTION)

    def category(self, section: int) -> str:
        from newsarc.demo import vocab  # noqa: PLC0415 - only the server needs it

        names = list(vocab.CATEGORIES)
        return names[(section - 1) % len(names)]

    def section_title(self, section: int) -> str:
        lap = (section - 1) // 8
        return self.category(section).capitalize() + (f" {lap + 1}" if lap else "")

    def section_of_story(self, story: int) -> int:
        return story // STORIES_PER_LISTING // PAGES_PER_SECTION + 1

    def stories_of(self, section: int, page: int) -> range:
        first = ((section - 1) * PAGES_PER_SECTION + page - 1) * STORIES_PER_LISTING
        return range(first, min(first + STORIES_PER_LISTING, self.stories))


def story_start(layout: Layout, story: int) -> tuple[random.Random, dict[str, str], str, str]:
    """(the story's generator, its cast, category and headline): cheap, for listings too."""
    from newsarc.demo import prose, vocab  # noqa: PLC0415

    rng = random.Random(f"newsarc-bench:{layout.host}:{story}")
    category = layout.category(layout.section_of_story(story))
    cast = prose.make_cast(rng, category)
    headline = prose.expand(rng.choice(vocab.CATEGORIES[category]["headlines"]), rng, cast)
    return rng, cast, category, headline


def published(story: int) -> datetime:
    return BASE_DATE - timedelta(minutes=37 * story)


def page_head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width">\n<title>{escape(title)}</title>\n'
        f"{extra}</head>\n"
    )


def site_header(layout: Layout) -> tuple[str, list[str]]:
    links = [f"/section/{s}/page/1" for s in range(1, layout.sections + 1)]
    nav = " ".join(
        f'<a href="{link}">{escape(layout.section_title(s))}</a>'
        for s, link in enumerate(links, start=1)
    )
    html = (
        f'<header class="site-header"><p class="logo"><a href="/">{escape(layout.name)}</a></p>'
        f'<nav class="sections">{nav}</nav></header>\n'
    )
    return html, ["/", *links]


def site_footer(layout: Layout) -> str:
    return (
        '<footer class="site-footer"><p>Subscribe to our newsletter for the day\'s top stories.'
        f"</p><p>&copy; 2026 {escape(layout.name)}. All rights reserved.</p>"
        "<p>About us | Contact | Privacy policy | Terms of use</p></footer>\n</body></html>\n"
    )


def render_story(layout: Layout, story: int) -> tuple[str, list[str]]:
    from newsarc.demo import prose, vocab  # noqa: PLC0415

    rng, cast, category, headline = story_start(layout, story)
    paragraphs: list[str] = []
    while sum(len(p.split()) for p in paragraphs) < 800 and len(paragraphs) < 40:
        paragraphs += prose.write_paragraphs(rng, category, cast)
    when = published(story).isoformat()
    author = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"
    section = layout.section_of_story(story)
    jsonld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
        "datePublished": when, "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": layout.name},
        "articleSection": layout.section_title(section),
    })  # fmt: skip
    meta = (
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{escape(headline)}">\n'
        f'<meta property="og:site_name" content="{escape(layout.name)}">\n'
        f'<meta property="article:published_time" content="{when}">\n'
        f'<meta name="author" content="{escape(author)}">\n'
        f'<script type="application/ld+json">{jsonld}</script>\n'
    )
    header, links = site_header(layout)
    related = sorted({(story + step) % layout.stories for step in (1, 7, 31)} - {story})
    related_html = "".join(
        f'<li><a href="/story/{other}.html">{escape(story_start(layout, other)[3])}</a></li>'
        for other in related
    )
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        page_head(f"{headline} - {layout.name}", meta)
        + "<body>\n"
        + header
        + f'<main><article><h1>{escape(headline)}</h1>\n<p class="byline">By '
        f"{escape(author)} | {published(story):%d %B %Y %H:%M}</p>\n"
        f'<div class="article-body">\n{body}\n</div>\n'
        f"<p>Tags: {escape(category)}, {escape(cast['city'])}, {escape(cast['country'])}</p>"
        f"</article>\n<aside><h2>Recommended reading</h2><ul>{related_html}</ul></aside></main>\n"
        + site_footer(layout)
    )
    return html, links + [f"/story/{other}.html" for other in related]


def render_listing(layout: Layout, section: int, page: int) -> tuple[str, list[str]]:
    header, links = site_header(layout)
    items = []
    for story in layout.stories_of(section, page):
        headline = story_start(layout, story)[3]
        items.append(
            f'<article class="teaser"><h2><a href="/story/{story}.html">{escape(headline)}</a>'
            f"</h2><p>{published(story):%d %B %Y}</p></article>"
        )
        links.append(f"/story/{story}.html")
    last = layout.section_pages(section)
    following = range(page + 1, min(page + WINDOW, last) + 1)
    pagination = " ".join(f'<a href="/section/{section}/page/{n}">{n}</a>' for n in following)
    links += [f"/section/{section}/page/{n}" for n in following]
    title = f"{layout.section_title(section)} - page {page} - {layout.name}"
    meta = '<meta property="og:type" content="website">\n'
    html = (
        page_head(title, meta)
        + "<body>\n"
        + header
        + f"<main><h1>{escape(layout.section_title(section))}</h1>\n"
        + "\n".join(items)
        + f'\n<nav class="pagination">{pagination}</nav></main>\n'
        + site_footer(layout)
    )
    return html, links


def render_home(layout: Layout) -> tuple[str, list[str]]:
    header, links = site_header(layout)
    top = range(min(10, layout.stories))
    items = "".join(
        f'<li><a href="/story/{story}.html">{escape(story_start(layout, story)[3])}</a></li>'
        for story in top
    )
    meta = '<meta property="og:type" content="website">\n'
    html = (
        page_head(f"{layout.name} - news from home and abroad", meta)
        + "<body>\n"
        + header
        + f"<main><h1>Top stories</h1><ul>{items}</ul></main>\n"
        + site_footer(layout)
    )
    return html, links + [f"/story/{story}.html" for story in top]


def render(layout: Layout, path: str) -> tuple[int, str, bytes, list[str]]:
    """(status, content type, body, links) of a path of the site; 404 for any other path."""
    html_type = "text/html; charset=utf-8"
    parts = path.strip("/").split("/")
    try:
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n", []
        if path == "/":
            html, links = render_home(layout)
            return 200, html_type, html.encode(), links
        if len(parts) == 4 and parts[0] == "section" and parts[2] == "page":
            section, page = int(parts[1]), int(parts[3])
            if 1 <= section <= layout.sections and 1 <= page <= layout.section_pages(section):
                html, links = render_listing(layout, section, page)
                return 200, html_type, html.encode(), links
        if len(parts) == 2 and parts[0] == "story" and parts[1].endswith(".html"):
            story = int(parts[1].removesuffix(".html"))
            if 0 <= story < layout.stories and str(story) + ".html" == parts[1]:
                html, links = render_story(layout, story)
                return 200, html_type, html.encode(), links
    except ValueError:
        pass
    return 404, html_type, b"<!DOCTYPE html><title>Not found</title><p>Not found</p>\n", []


# -- the server (a child process: python3 bench/memory.py --serve PAGES HOSTS) --------------------


class Frontier:
    """Pages served, and links seen on them but not served yet (what the crawler's scheduler
    holds, roughly: the server cannot see the requests the crawler dropped)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.served: set[tuple[int, str]] = set()
        self.linked: set[tuple[int, str]] = set()
        self.both = 0
        self.responses = 0

    def record(self, host: int, path: str, links: list[str]) -> None:
        with self.lock:
            self.responses += 1
            if (host, path) not in self.served:
                self.served.add((host, path))
                self.both += (host, path) in self.linked
            for link in links:
                if (host, link) not in self.linked:
                    self.linked.add((host, link))
                    self.both += (host, link) in self.served

    def figures(self) -> dict[str, int]:
        with self.lock:
            return {"responses": self.responses, "pending": len(self.linked) - self.both}


class GeneratedSite(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newsarc-bench/1.0"
    sys_version = ""
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        """No per-request logging."""

    def do_GET(self) -> None:  # noqa: N802
        server: SiteServer = self.server  # type: ignore[assignment]
        path = self.path.split("?", 1)[0].split("#", 1)[0] or "/"
        status, kind, body, links = render(server.layout, path)
        server.frontier.record(server.layout.host, path, links)
        headers = [("Content-Type", kind), ("Vary", "Accept-Encoding")]
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that go away."""


class Control(BaseHTTPRequestHandler):
    """GET anything: the frontier's figures, as JSON."""

    def log_message(self, format: str, *args: object) -> None:
        """No per-request logging."""

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps(self.server.frontier.figures()).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(pages: int, hosts: int) -> int:
    """Serve the site until SIGTERM; print {"bases": [...], "control": URL} once listening."""
    sys.path.insert(0, str(PROJECT))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    frontier = Frontier()
    per_host = math.ceil(pages / hosts)
    servers: list[ThreadingHTTPServer] = []
    for host in range(hosts):
        server = SiteServer(("127.0.0.1", 0), GeneratedSite)
        server.layout, server.frontier = Layout.of(host, per_host), frontier  # type: ignore[attr-defined]
        servers.append(server)
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    control.daemon_threads = True
    control.frontier = frontier  # type: ignore[attr-defined]
    for server in [*servers, control]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    bases = [f"http://127.0.0.1:{server.server_address[1]}/" for server in servers]
    pages_total = sum(server.layout.pages for server in servers)  # type: ignore[attr-defined]
    control_url = f"http://127.0.0.1:{control.server_address[1]}/"
    print(json.dumps({"bases": bases, "pages": pages_total, "control": control_url}), flush=True)
    while not stop.wait(0.5):
        pass
    for server in [*servers, control]:
        server.shutdown()
        server.server_close()
    return 0


@contextmanager
def child_server(
    command: list[str], log: Path, timeout: float = 30, env: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Run a server command that prints one JSON line once listening; yield it; stop it."""
    with open(log, "w") as errors:
        server = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
            cwd=PROJECT, start_new_session=True, text=True, env=env or CHILD_ENV,
        )  # fmt: skip
    try:
        assert server.stdout is not None
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(server.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not line or not line[0].strip():
            raise BenchError(f"the site's server did not start, see {log}")
        yield {**json.loads(line[0]), "pid": server.pid}
    finally:
        stop_group(server)
        if server.stdout:
            server.stdout.close()


def stop_group(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the process's group (it and its children), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# -- sampling -------------------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM and RssAnon of a process, in bytes, and its CPU time ("cpu_ms": user and
    system, its own) in milliseconds; empty if it is gone."""
    found = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM", "RssAnon"):
                    found[name] = int(value.split()[0]) * 1024
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        found["cpu_ms"] = (int(fields[11]) + int(fields[12])) * 1000 // TICKS
    except (FileNotFoundError, ProcessLookupError):
        return {}
    return found


def descendants(root: int) -> dict[int, str]:
    """{pid: kind} of every descendant of `root` (see `kind_of`)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        parents[int(entry.name)] = int(text.rsplit(")", 1)[1].split()[1])
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid:
                found[child] = kind_of(child)
                todo.append(child)
    return found


def kind_of(pid: int) -> str:
    """ "worker" (an extraction process), "resource tracker" (multiprocessing's), or "other"."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    if b"resource_tracker" in command:
        return "resource tracker"
    if b"spawn_main" in command or b"forkserver" in command:
        return "worker"
    return "other"


@dataclass
class Sample:
    t: float
    pages: int  # captures rows
    served: int
    pending: int
    phase: str  # "crawl" until Scrapy logs "Closing spider", then "closing"
    crawler: dict[str, int]
    server_cpu_ms: int
    children: dict[int, tuple[str, dict[str, int]]] = field(default_factory=dict)

    @property
    def workers_rss(self) -> int:
        return sum(s.get("VmRSS", 0) for kind, s in self.children.values() if kind == "worker")

    @property
    def workers(self) -> int:
        return sum(1 for kind, _ in self.children.values() if kind == "worker")

    @property
    def workers_cpu(self) -> float:
        """CPU seconds of the extraction workers alive now."""
        return sum(s.get("cpu_ms", 0) for k, s in self.children.values() if k == "worker") / 1000

    @property
    def total_rss(self) -> int:
        return self.crawler.get("VmRSS", 0) + sum(
            s.get("VmRSS", 0) for _, s in self.children.values()
        )

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Sample:
        children = {int(pid): (kind, st) for pid, (kind, st) in row["children"].items()}
        return cls(row["t"], row["pages"], row["served"], row["pending"], row["phase"],
                   row["crawler"], row.get("server_cpu_ms", 0), children)  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 2), "pages": self.pages, "served": self.served,
            "pending": self.pending, "phase": self.phase, "crawler": self.crawler,
            "server_cpu_ms": self.server_cpu_ms,
            "children": {str(pid): [kind, s] for pid, (kind, s) in self.children.items()},
        }  # fmt: skip


class Progress:
    """Captures archived so far (read-only, while the crawl writes), and the log's phase."""

    def __init__(self, db: Path, log: Path, control: str) -> None:
        self.db, self.log, self.control = db, log, control
        self.conn: sqlite3.Connection | None = None
        self.pages = 0
        self.offset = 0
        self.phase = "crawl"

    def captures(self) -> int:
        try:
            if self.conn is None:
                if not self.db.exists():
                    return self.pages
                self.conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=1)
            self.pages = self.conn.execute("SELECT count(*) FROM captures").fetchone()[0]
        except sqlite3.Error:  # not created yet, or busy: the last figure
            if self.conn is not None:
                self.conn.close()
                self.conn = None
        return self.pages

    def server(self) -> dict[str, int]:
        try:
            with urlopen(self.control, timeout=5) as answer:
                return json.load(answer)
        except OSError:
            return {"responses": -1, "pending": -1}

    def read_phase(self) -> str:
        try:
            with open(self.log, "rb") as log:
                log.seek(max(self.offset - 64, 0))
                text = log.read()
                self.offset += len(text) - min(self.offset, 64)
        except OSError:
            return self.phase
        if b"Closing spider (" in text:
            self.phase = "closing"
        return self.phase

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def take_sample(pid: int, start: float, progress: Progress, server_pid: int) -> Sample:
    server = progress.server()
    children = {child: (kind, proc_status(child)) for child, kind in descendants(pid).items()}
    return Sample(
        t=time.monotonic() - start,
        pages=progress.captures(),
        served=server["responses"],
        pending=server["pending"],
        phase=progress.read_phase(),
        crawler=proc_status(pid),
        server_cpu_ms=proc_status(server_pid).get("cpu_ms", 0),
        children=children,
    )


# -- the crawl, measured --------------------------------------------------------------------------

# -- `--inspect`: the crawl command run in a process of ours, its structures watched from inside


def structure_mb(container: Any) -> float:
    """Bytes of a dict, set or list and of the objects it holds (one level), in MB."""
    if hasattr(container, "nbytes"):  # extractors.counts: numpy arrays
        return round(container.nbytes() / MB, 1)
    size = sys.getsizeof(container)
    items = container.items() if isinstance(container, dict) else ((x, None) for x in container)
    for key, value in items:
        size += sys.getsizeof(key) + (sys.getsizeof(value) if value is not None else 0)
    return round(size / MB, 1)


def structure_sizes(pipe: Any) -> dict[str, Any]:
    """Sizes of the crawler's long-lived structures, reached from its ArchivePipeline."""
    import gc  # noqa: PLC0415

    from crawler import memory  # noqa: PLC0415
    from extractors import similarity  # noqa: PLC0415

    crawler = pipe.crawler
    out: dict[str, Any] = {"t": time.time(), "responses": responses(pipe)}
    slot = getattr(crawler.engine, "_slot", None) if crawler.engine else None
    if slot is not None:
        out["scheduler: requests"] = len(slot.scheduler)
        fingerprints = getattr(slot.scheduler.df, "fingerprints", set())
        out["duplicate filter: fingerprints"] = len(fingerprints)
        out["duplicate filter MB"] = structure_mb(fingerprints)
        out["engine: in progress"] = len(slot.inprogress)
    if crawler.engine is not None:
        out["downloader: active"] = len(crawler.engine.downloader.active)
        scraper = crawler.engine.scraper.slot
        out["scraper: active"] = len(scraper.active) if scraper else 0
    profiles = list(pipe.profiles.profiles.values())
    out["site profiles"] = len(profiles)
    total = 0.0
    for name in ("lines", "templates", "title_parts", "title_part_text", "seen"):
        out[f"profiles: {name}"] = sum(len(getattr(p, name)) for p in profiles)
        total += sum(structure_mb(getattr(p, name)) for p in profiles)
    out["profiles MB"] = round(total, 1)
    spilled = sum(
        getattr(p, name).spilled_nbytes()
        for p in profiles
        for name in ("lines", "title_parts", "title_part_text", "seen")
        if hasattr(getattr(p, name), "spilled_nbytes")
    )
    out["profiles spilled MB (in files, mapped)"] = round(spilled / MB, 1)
    index = pipe.stories.index
    if index is not None:
        out["story index: articles"] = len(index)
        arrays = index.nbytes()
        held = (index._keys, index._position, index._when, index._seen, index._parent,
                index._members, index._summary, index._same)  # fmt: skip
        lists = sum(structure_mb(x) for x in held)
        out["story index MB (arrays + lists)"] = f"{arrays / MB:.1f} + {lists:.1f}"
    out["stories: pending"] = len(pipe.stories.pending)
    out["stories: rejudge"] = len(pipe.stories.rejudge)
    out["similarity token cache"] = len(similarity._codes)
    out["similarity token cache MB"] = structure_mb(similarity._codes)
    out["stats keys"] = len(crawler.stats.get_stats())
    out["gc objects"] = len(gc.get_objects())
    out["python blocks"] = sys.getallocatedblocks()
    for name, value in memory.heap_mb().items():
        out[f"C heap: {name} MB"] = value
    return out


def responses(pipe: Any) -> int:
    return pipe.crawler.stats.get_value("response_received_count", 0)


def inspect_crawl(path: str, frames: int, snap_at: int, crawl_args: list[str]) -> None:
    """Run `newsarc CRAWL_ARGS...` in this process; every 5 s append the structure sizes to
    PATH as a JSON line. With FRAMES > 0, trace allocations (tracemalloc) and write to
    PATH.tracemalloc the 25 allocation sites that grew most between the first reading past
    SNAP_AT responses and the start of the crawl's closing steps."""
    import runpy  # noqa: PLC0415
    import tracemalloc  # noqa: PLC0415

    import crawler.pipelines as pipelines  # noqa: PLC0415

    if frames:
        tracemalloc.start(frames)
    found: dict[str, Any] = {}
    original_init = pipelines.ArchivePipeline.__init__
    original_close = pipelines.ArchivePipeline.close_spider

    def spy(self: Any, crawler: Any) -> None:
        original_init(self, crawler)
        found["pipeline"] = self

    def close_spider(self: Any) -> None:
        first = found.get("first")
        if first is not None:
            top = tracemalloc.take_snapshot().compare_to(first, "traceback")[:25]
            with open(path + ".tracemalloc", "w") as report:
                for stat in top:
                    report.write(f"{stat.size_diff / MB:+.1f} MB ({stat.count_diff:+d} blocks), "
                                 f"now {stat.size / MB:.1f} MB\n")  # fmt: skip
                    for line in stat.traceback.format()[-2 * frames :]:
                        report.write("    " + line + "\n")
        original_close(self)

    def watch() -> None:
        with open(path, "a") as log:
            while True:
                time.sleep(5)
                pipe = found.get("pipeline")
                if pipe is None:
                    continue
                try:
                    row = structure_sizes(pipe)
                except Exception as exc:  # a structure renamed: say so, go on
                    row = {"t": time.time(), "error": repr(exc)}
                if frames and "first" not in found and responses(pipe) >= snap_at:
                    found["first"] = tracemalloc.take_snapshot()
                    row["tracemalloc"] = "first snapshot"
                log.write(json.dumps(row) + "\n")
                log.flush()

    pipelines.ArchivePipeline.__init__ = spy
    pipelines.ArchivePipeline.close_spider = close_spider
    threading.Thread(target=watch, daemon=True).start()
    sys.argv = ["newsarc", *crawl_args]
    runpy.run_module("newsarc", run_name="__main__", alter_sys=True)


def crawl_command(args: argparse.Namespace, bases: list[str], out: Path) -> list[str]:
    crawl = ["crawl", *bases, "--fast", "--allow-private", "--db", str(out / "archive.db"),
             "--warc-dir", str(out / "warcs")]  # fmt: skip
    for setting in args.set:
        crawl += ["-s", setting]
    if not args.inspect:
        return [sys.executable, "-m", "newsarc", *crawl]
    snap_at = max(args.pages // 10, 500)
    return [sys.executable, str(Path(__file__).resolve()), "--inspect-crawl",
            str(out / "inspect.jsonl"), str(args.tracemalloc), str(snap_at), *crawl]  # fmt: skip


def run_crawl(args: argparse.Namespace, site: dict[str, Any], out: Path) -> list[Sample]:
    log = out / "crawl.log"
    progress = Progress(out / "archive.db", log, site["control"])
    samples: list[Sample] = []
    with open(log, "w") as errors, open(out / "samples.jsonl", "w") as record:
        start = time.monotonic()
        crawl = subprocess.Popen(
            crawl_command(args, site["bases"], out), stdin=subprocess.DEVNULL, stdout=errors,
            stderr=subprocess.STDOUT, cwd=out, start_new_session=True, env=CHILD_ENV,
        )  # fmt: skip
        try:
            while crawl.poll() is None:
                sample = take_sample(crawl.pid, start, progress, site["pid"])
                if sample.crawler:  # not gone between poll() and the sample
                    samples.append(sample)
                    record.write(json.dumps(sample.as_json()) + "\n")
                    record.flush()
                    if args.verbose:
                        print(progress_line(sample), file=sys.stderr, flush=True)
                time.sleep(args.interval)
        finally:
            stop_group(crawl)
            progress.close()
    wall = time.monotonic() - start
    if crawl.returncode != 0:
        raise BenchError(f"the crawl exited with status {crawl.returncode}, see {log}")
    if not samples:
        raise BenchError(f"the crawl ended before the first sample, see {log}")
    samples[-1].t = max(samples[-1].t, wall)  # (the wall time goes into the report)
    return samples


def progress_line(sample: Sample) -> str:
    return (
        f"{sample.t:7.1f} s {sample.phase:7} {sample.pages:6d} archived {sample.served:6d} served "
        f"{sample.pending:6d} pending  crawler {mb(sample.crawler.get('VmRSS', 0)):5.0f} MB  "
        f"workers {mb(sample.workers_rss):5.0f} MB"
    )


# -- the report -----------------------------------------------------------------------------------


def mb(value: float) -> float:
    return value / MB


def crawl_row(db: Path) -> tuple[str, dict[str, Any], int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        status, raw = conn.execute(
            "SELECT status, stats FROM crawls ORDER BY id DESC LIMIT 1"
        ).fetchone()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()
    return status, json.loads(raw or "{}"), articles


def at_mark(samples: list[Sample], mark: int) -> Sample | None:
    """The first sample of the crawl past `mark` pages archived; the crawl's last sample if
    only its closing steps got there (they commit the last few seconds' rows)."""
    crawling = [s for s in samples if s.phase == "crawl"]
    found = next((s for s in crawling if s.pages >= mark), None)
    if found is None and crawling and samples[-1].pages >= mark:
        return crawling[-1]
    return found


def mark_label(mark: int, sample: Sample) -> str:
    label = f"{mark // 1000}k pages"
    return label if sample.pages >= mark else f"{label} (end of crawl)"


def slope_per_10k(samples: list[Sample], value: Any) -> float:
    """Least-squares slope of value(sample) (bytes) against pages, in MB per 10,000 pages."""
    points = [(s.pages, value(s)) for s in samples]
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if not spread:
        return 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mb(slope) * 10_000


def sample_row(label: str, s: Sample) -> str:
    return (
        f"| {label} | {s.pages} | {s.t:.0f} | {mb(s.crawler.get('VmRSS', 0)):.0f} "
        f"| {mb(s.crawler.get('RssAnon', 0)):.0f} | {mb(s.workers_rss):.0f} ({s.workers}) "
        f"| {mb(s.total_rss):.0f} | {s.pending if s.pending >= 0 else '?'} |"
    )


def versions(code: str) -> str:
    import scrapy  # noqa: PLC0415

    return (
        f"{os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, "
        f"Scrapy {scrapy.__version__}, newsarc {code}"
    )


def code_version() -> str:
    """The checkout the children run: its commit, and how many files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(PROJECT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    changed = [line for line in git("status", "--porcelain").splitlines() if line[:2] != "??"]
    return f"{git('rev-parse', '--short', 'HEAD') or '?'} (+{len(changed)} modified files)"


def report(args: argparse.Namespace, site: dict[str, Any], samples: list[Sample], out: Path) -> int:
    status, stats, articles = crawl_row(out / "archive.db")
    crawling = [s for s in samples if s.phase == "crawl"]
    closing = [s for s in samples if s.phase == "closing"]
    last = crawling[-1] if crawling else samples[-1]
    final = samples[-1]
    print(f"### {time.strftime('%Y-%m-%d')}, {versions(site.get('code') or code_version())}")
    print()
    print(
        f"`python3 bench/memory.py --pages {args.pages} --hosts {args.hosts}`: a generated news "
        f"site of {site['pages']} responses on {args.hosts} ports of 127.0.0.1 (robots.txt, home, "
        f"listings of {STORIES_PER_LISTING} stories, stories of ~800 words; gzip), crawled with "
        f"`newsarc crawl --fast{''.join(' -s ' + s for s in getattr(args, 'set', []))}`"
        f"{' under --inspect' if args.inspect else ''}; sampled every "
        f"{args.interval:g} s. RSS is VmRSS, the heap RssAnon; workers are the extraction "
        "processes (their number in brackets); the total adds multiprocessing's resource "
        "tracker; the frontier is the links served but not fetched yet (the server's count)."
    )
    print()
    print("| when | pages archived | s | crawler RSS MB | crawler heap MB | workers RSS MB "
          "| crawler + children MB | frontier |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    marks = [m for m in MARKS if m <= final.pages]
    for mark in marks:
        found = at_mark(samples, mark)
        if found is not None:
            print(sample_row(mark_label(mark, found), found))
    if not marks or at_mark(samples, marks[-1]) is not last:
        print(sample_row("end of crawl", last))
    if closing:
        peak_closing = max(closing, key=lambda s: s.total_rss)
        print(sample_row("closing steps (largest)", peak_closing))
    peak = max(samples, key=lambda s: (s.crawler.get("VmRSS", 0), s.total_rss))
    peak_total = max(samples, key=lambda s: s.total_rss)
    print(sample_row("peak, crawler", peak))
    print(sample_row("peak, crawler + children", peak_total))
    print()
    hwm = max(s.crawler.get("VmHWM", 0) for s in samples)
    worker_hwm = max(
        (
            st.get("VmHWM", 0)
            for s in samples
            for kind, st in s.children.values()
            if kind == "worker"
        ),
        default=0,
    )
    crawl_seconds = last.t
    pages = stats.get("newsarc/warc/responses", last.pages)
    rate = last.pages / max(crawl_seconds, 1e-9)
    first = samples[0]
    cpu_crawler = (last.crawler["cpu_ms"] - first.crawler["cpu_ms"]) / 1000
    cpu_server = (last.server_cpu_ms - first.server_cpu_ms) / 1000
    print(
        f"CPU to the end of the crawl: crawler {cpu_crawler:.0f} s, extraction workers "
        f"{last.workers_cpu:.0f} s, the site's server {cpu_server:.0f} s "
        f"({1000 * cpu_server / max(last.served, 1):.1f} ms a page), on {os.cpu_count()} cores."
    )
    print(
        f"Crawl: status {status}, {pages} responses archived, {articles} articles, "
        f"{crawl_seconds:.0f} s to the end of the crawl ({rate:.0f} pages/s), {final.t:.0f} s "
        "to the exit (closing steps included: "
        f"{final.t - crawl_seconds:.0f} s). Peak RSS (VmHWM): crawler {mb(hwm):.0f} MB, largest "
        f"extraction worker {mb(worker_hwm):.0f} MB; Scrapy's memusage/max "
        f"{mb(stats.get('memusage/max', 0)):.0f} MB."
    )
    steps = ", ".join(
        f"{key.removeprefix('newsarc/seconds/')} {value:.0f} s"
        for key, value in stats.items()
        if key.startswith("newsarc/seconds/") and not key.endswith("/stories_live")
    )
    live = stats.get("newsarc/seconds/stories_live", 0)
    print(
        f"Closing steps (the crawl's stats, newsarc/seconds/...): {steps or 'none recorded'}; "
        f"story clustering during the crawl (stories_live): {live:.0f} s in all."
    )
    base_mark = 10_000 if final.pages >= 20_000 else 1_000
    base = at_mark(samples, base_mark)
    end_mark = max((m for m in marks if m > base_mark), default=None)
    end = at_mark(samples, end_mark) if end_mark else last
    if base is None or end is None:
        print("Too few pages to judge whether memory stays flat.")
        return 0
    after = [s for s in crawling if s.pages >= base.pages]
    crawler_ratio = end.crawler["VmRSS"] / base.crawler["VmRSS"]
    total_ratio = end.total_rss / base.total_rss
    crawler_slope = slope_per_10k(after, lambda s: s.crawler.get("VmRSS", 0))
    heap_slope = slope_per_10k(after, lambda s: s.crawler.get("RssAnon", 0))
    total_slope = slope_per_10k(after, lambda s: s.total_rss)
    worker_slope = slope_per_10k(after, lambda s: s.workers_rss)
    flat = crawler_ratio <= 1 + args.tolerance and total_ratio <= 1 + args.tolerance
    if base_mark < 10_000:
        verdict = "(A quick run: flatness is judged from 10k pages on, in runs of 20k or more.)"
    elif flat:
        verdict = f"Flat (within {args.tolerance:.0%})."
    else:
        verdict = f"**Not flat** (more than {args.tolerance:.0%} growth)."
    end_label = f"{end_mark // 1000}k" if end_mark else "the end"
    print(
        f"After {base_mark // 1000}k pages: RSS at {end_label} / RSS at {base_mark // 1000}k = "
        f"**{crawler_ratio:.2f}** for the crawler, **{total_ratio:.2f}** for the crawler and its "
        f"children; growth from {base_mark // 1000}k on (least squares, MB per 10k pages): "
        f"crawler {crawler_slope:+.1f} (heap {heap_slope:+.1f}), workers {worker_slope:+.1f}, "
        f"total {total_slope:+.1f}. " + verdict
    )
    if args.inspect:
        print_inspection(samples, out)
    return 0


def print_inspection(samples: list[Sample], out: Path) -> None:
    """The structure sizes the wrapper recorded, at the same marks."""
    path = out / "inspect.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    rows = [row for row in rows if "error" not in row]
    if not rows:
        print("\n(--inspect recorded nothing)")
        return
    crawling = [s for s in samples if s.phase == "crawl"]
    marks = [m for m in MARKS if m <= samples[-1].pages]
    chosen = []
    for label, wanted in [(f"{m // 1000}k", m) for m in marks] + [("end", crawling[-1].pages)]:
        row = next((r for r in rows if r.get("responses", 0) >= wanted), rows[-1])
        chosen.append((label, row.get("responses", 0), row))
    names = [key for key in rows[-1] if key not in ("t", "tracemalloc", "responses")]
    print()
    print(
        "Sizes of the crawler's structures (--inspect: the first reading past each mark, by "
        "responses received):"
    )
    print()
    print("| structure | " + " | ".join(f"{label} ({pages})" for label, pages, _ in chosen) + " |")
    print("| --- |" + " --- |" * len(chosen))
    for name in names:
        print(f"| {name} | " + " | ".join(str(row.get(name, "")) for *_, row in chosen) + " |")
    growth = out / "inspect.jsonl.tracemalloc"
    if growth.exists():
        print()
        print("Allocation sites that grew most (tracemalloc, from 10 % of the crawl to its end):")
        print()
        print("```")
        print(growth.read_text().rstrip())
        print("```")


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        return serve(int(sys.argv[2]), int(sys.argv[3]))
    if len(sys.argv) > 5 and sys.argv[1] == "--inspect-crawl":
        sys.path.insert(0, str(PROJECT))
        inspect_crawl(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50_000, help="responses the site has")
    parser.add_argument("--hosts", type=int, default=4, help="sites (ports) to spread them over")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--tolerance", type=float, default=0.10, help="growth still 'flat'")
    parser.add_argument("--inspect", action="store_true", help="record structure sizes too")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES",
                        help="with --inspect: trace allocations, FRAMES deep (slow)")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="a progress line per sample")
    parser.add_argument("--report-only", action="store_true",
                        help="print the report of the run already in --out")  # fmt: skip
    parser.add_argument("--out", type=Path, default=HERE / "out-memory")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Scrapy setting for the crawl (newsarc crawl -s)")  # fmt: skip
    args = parser.parse_args()
    if args.pages < 100 or args.hosts < 1:
        parser.error("--pages must be at least 100 and --hosts at least 1")
    if math.ceil(args.pages / args.hosts) > 19_000:  # NEWSARC_MAX_PAGES_PER_HOST is 20,000
        parser.error("more than 19,000 pages per host: give more --hosts")
    if args.tracemalloc and not args.inspect:
        parser.error("--tracemalloc goes with --inspect")
    # SIGTERM and SIGINT unwind the stack: what was started is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    out = args.out.resolve()
    if args.report_only:  # the options of that run, where it recorded them
        site = json.loads((out / "site.json").read_text())
        for name, value in site.get("options", {}).items():
            setattr(args, name, value)
        rows = (out / "samples.jsonl").read_text().splitlines()
        return report(args, site, [Sample.from_json(json.loads(row)) for row in rows], out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(args.pages),
               str(args.hosts)]  # fmt: skip
    try:
        with child_server(command, out / "server.log") as site:
            site["code"] = code_version()  # what the crawl runs: the checkout as it starts
            options = ("pages", "hosts", "interval", "inspect", "set")
            site["options"] = {name: getattr(args, name) for name in options}
            (out / "site.json").write_text(json.dumps(site))
            samples = run_crawl(args, site, out)
        status, stats, _ = crawl_row(out / "archive.db")
        archived = stats.get("newsarc/warc/responses", 0)
        if status != "finished":
            raise BenchError(f"the crawl's status is {status!r}, see {out / 'crawl.log'}")
        if archived < site["pages"]:
            raise BenchError(
                f"{archived} responses archived of the site's {site['pages']}, see "
                f"{out / 'crawl.log'}"
            )
    except BenchError as exc:
        print(f"bench: {exc} (files in {out})", file=sys.stderr)
        return 1
    return report(args, site, samples, out)


if __name__ == "__main__":
    sys.exit(main())
