"""Combine shard databases (one per crawler worker) into one archive database.

Each worker of a distributed crawl writes its own WARC files and its own database, a "shard"
with the schema of any newsarc archive. `merge_shards` adds shards to a target archive (new, or
one that already holds an archive):

- ``crawls``: each shard's crawls are copied with their WARC folder (made absolute), so replay
  and `newsarc check` still find the files.
- ``captures``: every capture not already in the target (by WARC-Record-ID) gets a new id, in
  the order the shards' captures were fetched; `crawl_id` and `revisit_of` are remapped. A
  revisit whose original is in another shard is resolved afterwards, by its `refers_to`
  (WARC-Refers-To) or else by URL and payload digest, as reindex does.
- ``articles`` and ``article_versions``: one article per URL, keeping every version: the
  versions of a URL from every shard (and the target), in the order they were fetched,
  consecutive versions with the same title and text collapsed, numbered 1..n. The articles row
  is the extraction of the latest capture; `first_seen` the earliest, `last_seen` and
  `removed_at` replayed from every capture of the URL (a 404 or 410 marks it removed, a later
  capture or revisit brings it back), as the live crawl would have set them.
- ``site_trackers``: pages summed, first and last seen widened (for a host of which the shard
  brings new captures; if some of them were there already, the larger page count is kept).
- ``sites``: the site profiles combined: a shard's profile is added whole (`SiteProfile.merge`)
  when the target has learned none of its pages or texts; then every shard article whose page
  the combined profile has not learned is taught to it from its stored extraction. Every
  article of each merged host is cleaned again with the combined profile; counts and names
  are recomputed.
- Story clusters and content-farm signals are computed again over the merged archive (article
  ids change, so signatures and signals are not copied).

Merging is idempotent: captures already there are skipped, a profile whose pages the target
has all learned adds nothing, a host with no new capture adds no tracker pages, and articles
and versions are computed from all their sources, so merging the same shards again changes
nothing. A merge stopped half-way is finished by the next one (a marker in the lock file
beside the target database says so).

Shards are opened read only, each inside one read transaction: a consistent snapshot even if a
crawler is writing to it (the CLI refuses a shard whose crawl is still running).
"""

from __future__ import annotations

import fcntl
import heapq
import itertools
import multiprocessing
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from archive.farm import score_sites
from archive.ingest import SITE_CLEANED, page_record, reclean_site
from archive.store import (
    ARTICLE_COLUMNS,
    CAPTURE_COLUMNS,
    CRAWL_COLUMNS,
    STORY_ARTICLE_COLUMNS,
    VERSION_COLUMNS,
    Row,
    Store,
)
from archive.stories import StoryClusters
from archive.workers import ignore_interrupts
from extractors.boilerplate import SiteProfile
from extractors.site import clean_record, learn_record
from extractors.urls import host_of

REQUIRED_TABLES = ("crawls", "captures", "sites", "articles", "article_versions", "site_trackers")
# Copied from the shard as they are (ids remapped); the rest is computed.
ARTICLE_COMPUTED = ("id", "removed_at", "version_count", *STORY_ARTICLE_COLUMNS)
ARTICLE_COPIED = [name for name in ARTICLE_COLUMNS if name not in ARTICLE_COMPUTED]
VERSION_CONTENT = ("title", "text", "word_count")
CRAWL_STATE = ("status", "finished_at", "stats")  # what a crawl's later runs may still change

CrawlIsLive = Callable[[Path, Row], bool]  # (database, crawls row): its process holds its lock


class MergeError(Exception):
    """Input that cannot be merged (nothing was written)."""


@dataclass
class ShardStats:
    path: Path
    crawls: int = 0  # crawls rows added
    captures: int = 0  # captures added
    skipped: int = 0  # captures already in the target
    articles: int = 0  # articles rows in the shard
    versions: int = 0  # article_versions rows in the shard

    def line(self) -> str:
        return (
            f"shard {self.path}: {self.captures} captures added ({self.skipped} already "
            f"there), {self.crawls} crawls added, {self.articles} articles with "
            f"{self.versions} versions"
        )


@dataclass
class MergeStats:
    shards: list[ShardStats] = field(default_factory=list)
    captures: int = 0  # added
    skipped: int = 0
    revisits_resolved: int = 0  # across shards
    articles_new: int = 0
    articles_updated: int = 0
    articles: int = 0  # in the merged archive
    versions: int = 0  # in the merged archive
    recleaned: int = 0
    finished_earlier_merge: bool = False  # a merge stopped half-way was finished


def same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def open_read_only(path: Path) -> sqlite3.Connection:
    """A newsarc database, read only, inside a read transaction; MergeError if it is not one."""
    if not path.exists():
        raise MergeError(f"{path}: no such file")
    if not path.is_file():
        raise MergeError(f"{path}: not a file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    except sqlite3.Error as exc:
        raise MergeError(f"{path}: cannot open ({exc})") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("BEGIN")  # one snapshot for every read that follows
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        conn.close()
        raise MergeError(f"{path}: not a newsarc database ({exc})") from None
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        conn.close()
        raise MergeError(f"{path}: not a newsarc database (no {missing[0]} table)")
    return conn


def live_crawls(conn: sqlite3.Connection, path: Path, is_live: CrawlIsLive | None) -> list[int]:
    """The crawls of a database marked running whose process still holds its run lock."""
    if is_live is None:
        return []
    rows = conn.execute("SELECT * FROM crawls WHERE status = 'running' ORDER BY id").fetchall()
    return [row["id"] for row in rows if is_live(path, dict(row))]


class Shard:
    """One shard, open read only, and what merging it maps."""

    def __init__(self, path: Path, index: int) -> None:
        self.path = path
        self.index = index
        self.conn = open_read_only(path)
        self.columns = {
            table: [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]
            for table in REQUIRED_TABLES
        }
        self.crawl_ids: dict[int, int] = {}  # shard id -> target id
        self.capture_ids: dict[int, int] = {}
        self.host_captures: dict[str, list[int]] = {}  # host -> [new, already there]
        self.stats = ShardStats(path)

    def select(self, table: str, columns: Iterable[str], alias: str = "") -> str:
        """A select list of these columns; those the shard lacks (an older newsarc) are NULL."""
        have = self.columns[table]
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}{c}" if c in have else f"NULL AS {c}" for c in columns)

    def rows(self, sql: str, params: Iterable[Any] = ()) -> Iterator[Row]:
        for row in self.conn.execute(sql, list(params)):
            yield dict(row)

    def warc_dir(self, name: str | None) -> str | None:
        """A crawl's WARC folder as the target records it: absolute (a relative one is taken
        from the shard's folder, as `newsarc check` does; none is `warcs/` beside it)."""
        base = self.path.resolve().parent
        if not name:
            return str(base / "warcs") if (base / "warcs").is_dir() else name
        return name if Path(name).is_absolute() else str((base / name).resolve())

    def captures(self) -> Iterator[tuple[str, int, int, Row]]:
        """(fetched_at, shard index, id, row) of every capture, oldest first."""
        columns = self.select("captures", CAPTURE_COLUMNS)
        for row in self.rows(f"SELECT {columns} FROM captures ORDER BY fetched_at, id"):
            yield row["fetched_at"] or "", self.index, row["id"], row

    def articles(self) -> Iterator[tuple[str, int, Row]]:
        """(url, shard index, row) of every article, by URL, with its capture's time."""
        columns = self.select("articles", ARTICLE_COLUMNS, "a")
        sql = (
            f"SELECT {columns}, c.fetched_at AS capture_fetched_at FROM articles a "
            "LEFT JOIN captures c ON c.id = a.capture_id ORDER BY a.url"
        )
        for row in self.rows(sql):
            yield row["url"], self.index, row

    def versions(self, article_id: int) -> list[Row]:
        """An article's versions, oldest first, with target capture and crawl ids."""
        columns = self.select("article_versions", VERSION_COLUMNS)
        found = []
        for row in self.rows(
            f"SELECT {columns} FROM article_versions WHERE article_id = ? ORDER BY version",
            [article_id],
        ):
            row["capture_id"] = self.capture_ids.get(row["capture_id"])
            row["crawl_id"] = self.crawl_ids.get(row["crawl_id"])
            found.append(row)
        return found

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        self.conn.close()


@dataclass
class Source:
    """What one database (a shard, or the target) holds of one article."""

    row: Row
    versions: list[Row]
    target: bool = False
    cleaned: Row | None = None  # the row's site-cleaned values, with the combined profile


class MergeMark:
    """The lock file of merges into one database; it says "pending" while a merge has written
    rows whose stories, signals and profiles are not computed yet."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        handle.seek(0)
        self.pending = handle.read().strip() == b"pending"

    def write(self, text: bytes) -> None:
        self.handle.seek(0)
        self.handle.truncate(0)
        self.handle.write(text)
        self.handle.flush()


@contextmanager
def merge_lock(db: Path) -> Iterator[MergeMark]:
    """One merge into `db` at a time (MergeError if another holds the lock)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    path = db.with_name(f".{db.name}.merge.lock")
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MergeError(f"{db}: another merge into it is running") from None
        yield MergeMark(handle)


def normalized(text: str | None) -> str:
    return " ".join((text or "").split())


def same_content(a: Row, b: Row) -> bool:
    """The same headline and text, whitespace aside (what makes a new version)."""
    return all(normalized(a.get(name)) == normalized(b.get(name)) for name in ("title", "text"))


def timeline(
    events: Iterable[tuple[str, str, int, str | None]], first_seen: str
) -> tuple[str, str | None] | None:
    """(last_seen, removed_at) of an article from every capture of its URL (fetched_at,
    record_type, status, page_type), as the live crawl sets them: an article page or a revisit
    is it still there, a 404 or 410 marks it removed (once). None if no capture counts."""
    last_seen, removed_at, counted = first_seen, None, False
    for fetched_at, record_type, status, page_type in events:
        if fetched_at < first_seen:
            continue
        if record_type == "revisit" or (page_type == "article" and 200 <= (status or 0) < 300):
            last_seen, removed_at, counted = fetched_at, None, True
        elif status in (404, 410) and removed_at is None:
            last_seen, removed_at, counted = fetched_at, fetched_at, True
    return (last_seen, removed_at) if counted else None


class Merger:
    """Adds shards to the archive of a Store (see the module docs)."""

    def __init__(
        self,
        store: Store,
        shards: list[Shard],
        finish_earlier: bool = False,
        on_line: Callable[[str], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> None:
        self.store = store
        self.workers = workers
        self.conn = store.db.conn
        self.shards = shards
        self.finish_earlier = finish_earlier
        self.on_line = on_line or (lambda line: None)
        self.on_progress = on_progress or (lambda done: None)
        self.stats = MergeStats(shards=[shard.stats for shard in shards])
        self.profiles: dict[str, SiteProfile] = {}
        self.changed_profiles: set[str] = set()
        self.event_urls: set[str] = set()  # URLs of new revisits and removals

    def run(self) -> MergeStats:
        with self.store.unit():  # captures, crawls and trackers: all or nothing
            for shard in self.shards:
                self.copy_crawls(shard)
            self.copy_captures()
            for shard in self.shards:
                self.copy_trackers(shard)
        self.store.flush()
        for shard in self.shards:
            shard.stats.articles = shard.count("articles")
            shard.stats.versions = shard.count("article_versions")
            self.on_line(shard.stats.line())
        self.stats.captures = sum(shard.stats.captures for shard in self.shards)
        self.stats.skipped = sum(shard.stats.skipped for shard in self.shards)
        for shard in self.shards:
            self.merge_profiles(shard)
        if self.stats.captures or self.changed_profiles or self.finish_earlier:
            self.stats.finished_earlier_merge = self.finish_earlier
            self.stats.revisits_resolved = self.store.resolve_revisits()
            self.merge_articles()
            self.finish()
        self.store.flush()
        self.store.refresh_sites()
        self.stats.articles = self.count("articles")
        self.stats.versions = self.count("article_versions")
        return self.stats

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def row(self, sql: str, params: Iterable[Any]) -> Row | None:
        cursor = self.conn.execute(sql, list(params))
        found = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], found, strict=True)) if found else None

    # -- crawls, captures, trackers --

    def copy_crawls(self, shard: Shard) -> None:
        columns = shard.select("crawls", CRAWL_COLUMNS)
        for row in shard.rows(f"SELECT {columns} FROM crawls ORDER BY id"):
            values = {name: row[name] for name in CRAWL_COLUMNS if name != "id"}
            values["warc_dir"] = shard.warc_dir(row["warc_dir"])
            values["resumes"] = shard.crawl_ids.get(row["resumes"])
            crawl_id = self.known_crawl(shard, row["id"], values)
            if crawl_id is None:
                crawl_id = self.store.put_crawl(None, values)
                shard.stats.crawls += 1
            shard.crawl_ids[row["id"]] = crawl_id

    def known_crawl(self, shard: Shard, shard_id: int, values: Row) -> int | None:
        """The target's copy of a shard's crawl (updated if the crawl has moved on since): the
        crawl of its captures already there, or, for a crawl without captures, the same row."""
        first = shard.conn.execute(
            "SELECT warc_record_id FROM captures WHERE crawl_id = ? AND warc_record_id IS NOT "
            "NULL ORDER BY id LIMIT 1",
            [shard_id],
        ).fetchone()
        identity = ("started_at", "start_urls", "source")
        if first is not None:
            target = self.row(
                "SELECT crawls.* FROM captures JOIN crawls ON crawls.id = captures.crawl_id "
                "WHERE captures.warc_record_id = ?",
                [first[0]],
            )
        else:
            target = self.row(
                "SELECT * FROM crawls WHERE started_at IS ? AND start_urls IS ? AND source IS ? "
                "AND warc_dir IS ? ORDER BY id LIMIT 1",
                [*(values[name] for name in identity), values["warc_dir"]],
            )
        if target is None:
            return None
        if all(target[name] == values[name] for name in identity):
            changed = {name: values[name] for name in CRAWL_STATE if target[name] != values[name]}
            if changed:
                self.store.put_crawl(target["id"], changed)
        return target["id"]

    def copy_captures(self) -> None:
        """Every shard's captures, in the order they were fetched (so that the target's ids
        keep time order, which the next incremental crawl relies on)."""
        done = 0
        for _when, index, shard_id, row in heapq.merge(*(s.captures() for s in self.shards)):
            shard = self.shards[index]
            host = row["host"] or host_of(row["url"])
            counts = shard.host_captures.setdefault(host, [0, 0])
            existing = self.existing_capture(row)
            if existing is not None:
                shard.capture_ids[shard_id] = existing
                shard.stats.skipped += 1
                counts[1] += 1
            else:
                values = {name: row[name] for name in CAPTURE_COLUMNS if name != "id"}
                values["host"] = host
                values["crawl_id"] = shard.crawl_ids.get(row["crawl_id"])
                values["revisit_of"] = shard.capture_ids.get(row["revisit_of"])
                shard.capture_ids[shard_id] = self.store.add_capture(values)
                shard.stats.captures += 1
                counts[0] += 1
                if row["record_type"] == "revisit" or row["status"] in (404, 410):
                    self.event_urls.add(row["url"])
            done += 1
            if done % 256 == 0:
                self.on_progress(256)
        self.on_progress(done % 256)

    def existing_capture(self, row: Row) -> int | None:
        """The target's row of a shard's capture; it takes the shard's page type if it has
        none (a shard merged while its crawl was still extracting)."""
        if row["warc_record_id"]:
            where, params = "warc_record_id = ?", [row["warc_record_id"]]
        else:
            where = "warc_filename IS ? AND warc_offset IS ? AND url = ?"
            params = [row["warc_filename"], row["warc_offset"], row["url"]]
        found = self.conn.execute(f"SELECT id, page_type FROM captures WHERE {where}", params)
        first = found.fetchone()
        if first is None:
            return None
        if first[1] is None and row["page_type"] is not None:
            self.store.set_page_type(first[0], row["page_type"])
        return first[0]

    def copy_trackers(self, shard: Shard) -> None:
        """A host's tracker pages are added when the shard brings new captures of it: summed
        if all are new, else (a shard merged before, that has grown since) the larger count
        kept, as what was merged before cannot be told apart."""
        rows: dict[str, list[tuple]] = {}
        for row in shard.rows(
            "SELECT host, kind, tracker_id, pages, first_seen, last_seen FROM site_trackers "
            "ORDER BY host, tracker_id"
        ):
            rows.setdefault(row["host"], []).append(tuple(row.values()))
        for host, found in rows.items():
            new, old = shard.host_captures.get(host, [0, 0])
            if new:
                self.store.merge_trackers(found, larger=old > 0)

    # -- site profiles --

    def profile(self, host: str) -> SiteProfile:
        if host not in self.profiles:
            stored = self.store.load_profile(host)
            self.profiles[host] = SiteProfile.from_json(stored) if stored else SiteProfile(host)
        return self.profiles[host]

    def merge_profiles(self, shard: Shard) -> None:
        """Add a shard's site profiles: whole (`SiteProfile.merge`) when the target has learned
        none of its pages or texts, the usual case. Then every article of the shard whose page
        the combined profile has not learned (a shard merged before that has grown since,
        pages two workers both fetched, a crawl killed before it saved its profile) is taught
        to it from its stored page-level extraction."""
        for row in shard.rows("SELECT host, profile FROM sites WHERE profile IS NOT NULL"):
            try:
                theirs = SiteProfile.from_json(row["profile"])
            except (TypeError, ValueError):
                self.on_line(f"shard {shard.path}: the site profile of {row['host']} is unreadable")
                continue
            mine = self.profile(row["host"])
            if theirs.seen and mine.seen.isdisjoint(theirs.seen):
                mine.merge(theirs)
                self.changed_profiles.add(row["host"])
        columns = shard.select("articles", ARTICLE_COLUMNS)
        for row in shard.rows(f"SELECT {columns} FROM articles ORDER BY id"):
            host = row["host"] or host_of(row["url"])
            mine = self.profile(host)
            if mine.has_learned(row["url"]):
                continue
            pages = mine.pages
            learn_record(mine, page_record(row))
            if mine.pages != pages:
                self.changed_profiles.add(host)

    # -- articles and versions --

    def merge_articles(self) -> None:
        streams = [shard.articles() for shard in self.shards]
        for url, group in itertools.groupby(heapq.merge(*streams), key=lambda item: item[0]):
            members = [(self.shards[index], row) for _url, index, row in group]
            self.merge_article(url, members)
            self.on_progress(len(members))
        for url in sorted(self.event_urls):  # revisits and removals of articles of the target
            stored = self.target_article(url)
            if stored is not None:
                self.write_article(stored, {**stored, **self.seen_values(url, stored)}, None)

    def target_article(self, url: str) -> Row | None:
        return self.row(
            "SELECT a.*, c.fetched_at AS capture_fetched_at FROM articles a "
            "LEFT JOIN captures c ON c.id = a.capture_id WHERE a.url = ?",
            [url],
        )

    def merge_article(self, url: str, members: list[tuple[Shard, Row]]) -> None:
        stored = self.target_article(url)
        sources = []
        if stored is not None:
            sources.append(Source(stored, self.store.article_versions_of(stored["id"]), True))
        for shard, row in members:
            versions = shard.versions(row["id"])
            row["capture_id"] = shard.capture_ids.get(row["capture_id"])
            row["crawl_id"] = shard.crawl_ids.get(row["crawl_id"])
            sources.append(Source(row, versions))
        # The latest capture's extraction (the target's row when it is that capture).
        latest = max(sources, key=lambda s: (s.row["capture_fetched_at"] or "", s.target))
        values = {name: latest.row[name] for name in ARTICLE_COPIED}
        values.update(self.cleaned(latest))
        values["first_seen"] = min(
            (s.row["first_seen"] for s in sources if s.row["first_seen"]),
            default=latest.row["capture_fetched_at"],
        )
        versions = self.merged_versions(url, sources) or [self.only_version(url, latest)]
        values["version_count"] = len(versions)
        values.update(self.seen_values(url, values, sources))
        self.write_article(stored, values, versions)

    def cleaned(self, source: Source) -> Row:
        """The site-cleaned values of a source's article, with its host's combined profile."""
        if source.cleaned is None:
            row = source.row
            profile = self.profile(row["host"] or host_of(row["url"]))
            record = clean_record(page_record(row), profile)
            source.cleaned = {name: getattr(record, name) for name in SITE_CLEANED}
        return source.cleaned

    def merged_versions(self, url: str, sources: list[Source]) -> list[Row]:
        """Every source's versions in the order they were fetched, a version with the same
        content as the one before dropped. The latest version of each source is its articles
        row, compared cleaned with the combined profile (sources cleaned with different
        profiles would otherwise differ by boilerplate alone)."""
        candidates: list[Row] = []
        taken: set[int] = set()
        for source in sources:  # the target first: its rows win over a shard's same capture
            for position, version in enumerate(source.versions):
                capture = version["capture_id"]
                if capture is not None and capture in taken:
                    continue
                if capture is not None:
                    taken.add(capture)
                version = {**version, "url": url}
                if position == len(source.versions) - 1:
                    cleaned = self.cleaned(source)
                    version.update({name: cleaned[name] for name in VERSION_CONTENT})
                candidates.append(version)
        candidates.sort(key=lambda v: (v["fetched_at"] or "", v["capture_id"] or 0))
        kept: list[Row] = []
        for version in candidates:
            if not kept or not same_content(kept[-1], version):
                kept.append(version)
        return kept

    def only_version(self, url: str, source: Source) -> Row:
        """The version of an article that came without any (stored by an older newsarc)."""
        row, cleaned = source.row, self.cleaned(source)
        return {
            "url": url,
            **{name: cleaned[name] for name in VERSION_CONTENT},
            "capture_id": row["capture_id"],
            "crawl_id": row["crawl_id"],
            "fetched_at": row["capture_fetched_at"] or row["first_seen"],
        }

    def seen_values(self, url: str, values: Row, sources: list[Source] | None = None) -> Row:
        """last_seen and removed_at replayed from every capture of the URL in the target."""
        events = self.conn.execute(
            "SELECT fetched_at, record_type, status, page_type FROM captures WHERE url = ? "
            "ORDER BY fetched_at, id",
            [url],
        ).fetchall()
        found = timeline(events, values["first_seen"] or "")
        if found is None and sources:  # no capture counts: what the latest source says
            latest = max(sources, key=lambda s: s.row["last_seen"] or "")
            found = latest.row["last_seen"], latest.row["removed_at"]
        if found is None:
            return {}
        return {"last_seen": found[0], "removed_at": found[1]}

    def write_article(self, stored: Row | None, values: Row, versions: list[Row] | None) -> None:
        columns = [name for name in values if name in ARTICLE_COLUMNS and name != "id"]
        if stored is None:
            article_id = self.store.put_article(None, {name: values[name] for name in columns})
            self.stats.articles_new += 1
        else:
            article_id = stored["id"]
            changed = {name: values[name] for name in columns if stored[name] != values[name]}
            if changed:
                self.store.put_article(article_id, changed)
                self.stats.articles_updated += 1
        if versions is not None:
            self.store.put_versions(article_id, versions)

    # -- what is computed over the merged archive --

    def finish(self) -> None:
        """Clean every article of the merged hosts with their combined profile and save it;
        then story clusters and content-farm signals."""
        hosts = set(self.changed_profiles)
        for shard in self.shards:
            hosts.update(h for (h,) in shard.conn.execute("SELECT DISTINCT host FROM articles"))
        hosts.discard(None)
        self.on_line(
            f"{len(hosts)} sites ({len(self.changed_profiles)} with new site learning): "
            "cleaning their articles again, then story clusters and content-farm signals"
        )
        for host in sorted(hosts):
            profile = self.profile(host)
            self.stats.recleaned += reclean_site(self.store, profile)
            if host in self.changed_profiles:
                lines = profile.lines.at_least(profile.threshold())
                self.store.save_profile(host, profile.to_json(), profile.title_affixes(), lines)
        self.store.flush()
        stories = StoryClusters(self.store)
        copied = stories.finish()
        if self.finish_earlier:  # what a stopped merge left undone is not known: everything
            judged, fresh = {h for (h,) in self.conn.execute("SELECT host FROM sites")}, None
        else:
            judged, fresh = hosts | copied, stories.rejudge
        if self.workers < 2:
            score_sites(self.store, judged, fresh)
            return
        # Spawned: forked from this process (big by now: every site's profile), the workers'
        # garbage collection would copy its pages one by one.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=ignore_interrupts
        ) as pool:
            score_sites(self.store, judged, fresh, pool)


def shard_paths(paths: Iterable[Path | str]) -> list[Path]:
    """The shards named, each once."""
    unique: dict[Path, Path] = {}
    for path in map(Path, paths):
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def merge_shards(
    db: Path | str,
    paths: Iterable[Path | str],
    crawl_is_live: CrawlIsLive | None = None,
    on_line: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> MergeStats:
    """Merge shard databases into `db` (see the module docs). MergeError, with nothing
    written, for a shard that is missing, not a newsarc database or still being crawled, or
    for a target that is one of the shards or not a newsarc database.

    `crawl_is_live(database, crawls row)` says whether a crawl marked running still runs;
    `on_line` receives a line per shard; `on_progress(done, total)` rows merged so far;
    articles are judged (content-farm signals) in `workers` processes."""
    target = Path(db)
    paths = shard_paths(paths)
    for path in paths:
        if same_file(path, target):
            raise MergeError(f"{path}: that is the target database (--db); it cannot be a shard")
    check_target(target, crawl_is_live)
    shards: list[Shard] = []
    try:
        for path in paths:
            shards.append(Shard(path, len(shards)))
            running = live_crawls(shards[-1].conn, path, crawl_is_live)
            if running:
                raise MergeError(
                    f"{path}: crawl {running[0]} is still running; merge the shard when it is done"
                )
        total = sum(s.count("captures") + s.count("articles") for s in shards)
        done = 0

        def advance(rows: int) -> None:
            nonlocal done
            done += rows
            if on_progress is not None:
                on_progress(done, total)

        with merge_lock(target) as mark:
            finish_earlier = mark.pending
            mark.write(b"pending")
            store = Store(target)
            try:
                merger = Merger(store, shards, finish_earlier, on_line, advance, workers)
                stats = merger.run()
            finally:
                store.db.close()
            mark.write(b"")
        return stats
    finally:
        for shard in shards:
            shard.close()


def check_target(target: Path, crawl_is_live: CrawlIsLive | None) -> None:
    """A target that exists must be an archive database (or an empty file or database), and
    no crawl may be writing to it."""
    if not target.exists() or (target.is_file() and target.stat().st_size == 0):
        return
    if not target.is_file():
        raise MergeError(f"{target}: not a file")
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    except sqlite3.Error as exc:
        raise MergeError(f"{target}: cannot open ({exc})") from None
    try:
        conn.row_factory = sqlite3.Row
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "captures" not in tables:
            raise MergeError(f"{target}: not a newsarc database (no captures table)")
        running = live_crawls(conn, target, crawl_is_live) if "crawls" in tables else []
    except sqlite3.Error as exc:
        raise MergeError(f"{target}: not a newsarc database ({exc})") from None
    finally:
        conn.close()
    if running:
        raise MergeError(f"{target}: crawl {running[0]} is still running on the target database")
