"""Several workers, one crawl, through a Redis the tests start on 127.0.0.1 (Debian's
redis-server): each URL fetched once, nothing lost when a worker is killed, workers that stop
once the shared frontier has been empty a while."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from crawler.distributed import POP_AND_LEASE, RECLAIM, Keys, frontier_size, seed
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

QUIET = ("-s", "LOG_LEVEL=WARNING")
# A short idle stop and heartbeat; a delay per host so that every worker gets a share.
FAST_REDIS = ("--idle-timeout", "2", "-s", "NEWSARC_REDIS_HEARTBEAT_TTL=3", "-s",
              "DOWNLOAD_DELAY=0.02")  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of our own on a free port (no persistence)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: scripts/test.sh installs Debian's redis-server"
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_base: str) -> str:
    url = f"{redis_base}/0"
    redis.Redis.from_url(url).flushall()
    return url


def newsarc(*args: str, **popen: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsarc", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **popen,
    )  # fmt: skip


def finish(*processes: subprocess.Popen) -> list[str]:
    errors = [process.communicate(timeout=300)[1] for process in processes]
    for process, error in zip(processes, errors, strict=True):
        assert process.returncode == 0, error[-3000:]
    return errors


def records(warc_dir: Path) -> list[tuple[str, str, str]]:
    """(type, URL, file name) of every response and revisit record."""
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((record.rec_type, url, path.name))
    return found


class Single:
    """What one process crawling the same sites archives (site names for the changing ports)."""

    def __init__(self, sites: Path, out: Path) -> None:
        self.db = out / "single.db"
        with running_sites(sites) as bases:
            done = subprocess.run(
                [sys.executable, "-m", "newsarc", "crawl", *bases.values(), "--fast", "--db",
                 str(self.db), "--warc-dir", str(out / "single"), *QUIET],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr[-2000:]
            found = records(out / "single")
            self.urls = {by_site(url, bases) for kind, url, _ in found if kind == "response"}
            self.articles = articles_by_site(self.db, bases)


def articles_by_site(db: Path, bases: dict[str, str]) -> dict[str, tuple]:
    """URL (by site name) → title, text, site name, category and source URL of its story."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.url, a.title, a.text, a.site_name, a.category, s.url FROM articles a "
            "LEFT JOIN articles s ON s.id = a.copy_of"
        ).fetchall()
    return {
        by_site(url, bases): (*values, source and by_site(source, bases))
        for url, *values, source in rows
    }


def merge_and_check(shards: list[Path], merged: Path) -> None:
    """`newsarc merge` the shards, then `newsarc check` the merged archive: both succeed."""
    done = subprocess.run(
        [sys.executable, "-m", "newsarc", "merge", *map(str, shards), "--db", str(merged)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    checked = subprocess.run(
        [sys.executable, "-m", "newsarc", "check", "--db", str(merged)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout[-3000:]


def by_site(url: str, bases: dict[str, str]) -> str:
    for key, base in bases.items():
        if url.startswith(base + "/"):
            return key + url[len(base) :]
    return url


# -- the Redis side, without a crawl ------------------------------------------------------------


def test_a_dead_workers_leases_go_back_to_the_queue(redis_url: str) -> None:
    server = redis.Redis.from_url(redis_url)
    keys = Keys("t")
    for score, member in ((-2, b"front"), (0, b"second"), (0, b"third")):
        server.zadd(keys.requests, {member: score})
    pop, reclaim = server.register_script(POP_AND_LEASE), server.register_script(RECLAIM)
    leased = [pop(keys=[keys.requests, keys.leases("a")]) for _ in range(2)]
    assert [data for _, data in leased] == [b"front", b"second"]
    assert frontier_size(server, keys) == (1, 2)
    server.set(keys.alive("a"), "1")
    assert reclaim(keys=[keys.leases("a"), keys.alive("a"), keys.requests]) == -1  # alive
    assert frontier_size(server, keys) == (1, 2)
    server.delete(keys.alive("a"))
    assert reclaim(keys=[keys.leases("a"), keys.alive("a"), keys.requests]) == 2
    assert frontier_size(server, keys) == (3, 0)
    assert server.zrange(keys.requests, 0, -1, withscores=True) == [
        (b"front", -2.0), (b"second", 0.0), (b"third", 0.0)
    ]  # fmt: skip
    assert pop(keys=[keys.requests, keys.leases("a")]) is not None
    server.delete(keys.requests)
    assert pop(keys=[keys.requests, keys.leases("b")]) is None


def test_seeding_an_idle_frontier_starts_a_new_crawl(redis_url: str) -> None:
    server = redis.Redis.from_url(redis_url)
    keys = Keys("t")
    server.sadd(keys.dupefilter, "seen-by-the-last-crawl")
    assert seed(server, keys, ["a.example"]) is True
    assert not server.exists(keys.dupefilter)
    assert json.loads(server.get(keys.config))["hosts"] == ["a.example"]
    server.sadd(keys.dupefilter, "seen-by-this-crawl")
    server.set(keys.alive("w1"), "1")  # a worker is busy: join its crawl
    assert seed(server, keys, ["b.example"]) is False
    assert server.exists(keys.dupefilter)
    assert json.loads(server.get(keys.config))["hosts"] == ["a.example", "b.example"]


def test_a_worker_with_no_crawl_to_join_says_so(redis_url: str, tmp_path: Path) -> None:
    worker = newsarc("worker", "--redis", redis_url, "--db", str(tmp_path / "w.db"),
                     "--wait", "0.5", cwd=tmp_path)  # fmt: skip
    (error,) = finish(worker)
    assert "no shared crawl 'newsarc'" in error and "nothing to do" in error


def test_an_unreachable_redis_is_a_one_line_error(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    worker = newsarc("worker", "--redis", url, "--db", str(tmp_path / "w.db"), cwd=tmp_path)
    _, error = worker.communicate(timeout=60)
    assert worker.returncode == 1
    assert error.strip().splitlines() == [
        f"Error: cannot reach Redis at {url}: " + error.split(": ", 2)[2].strip()
    ]


# -- crawls ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Single]:
    """The four demo sites, and what one process crawling them archives."""
    folder = tmp_path_factory.mktemp("shared-sites")
    build_sites(folder / "sites", articles_per_site=100)
    return folder / "sites", Single(folder / "sites", folder)


def shards_of(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "shards").glob("*.db"))


def captures_per_shard(tmp_path: Path) -> list[int]:
    counts = []
    for shard in shards_of(tmp_path):
        with sqlite3.connect(shard) as conn:
            counts.append(conn.execute("SELECT count(*) FROM captures").fetchone()[0])
    return counts


def test_three_workers_fetch_every_url_once_and_merge_into_one_archive(
    sites: tuple[Path, Single], redis_url: str, tmp_path: Path
) -> None:
    root, single = sites
    warcs, shards = tmp_path / "warcs", tmp_path / "shards"
    with running_sites(root) as bases:
        workers = [  # started first: they wait for the crawl
            newsarc("worker", "--redis", redis_url, "--fast", "--db", str(shards / f"w{n}.db"),
                    "--warc-dir", str(warcs), *FAST_REDIS, *QUIET)
            for n in (1, 2)
        ]  # fmt: skip
        seeder = newsarc("crawl", "--redis", redis_url, *bases.values(), "--fast",
                         "--db", str(shards / "seed.db"), "--warc-dir", str(warcs),
                         *FAST_REDIS, *QUIET)  # fmt: skip
        errors = finish(seeder, *workers)
    assert "started a new shared crawl 'newsarc'" in errors[0]
    found = records(warcs)
    responses = Counter(by_site(url, bases) for kind, url, _ in found if kind == "response")
    assert set(responses) == single.urls  # the same pages as one process crawling alone
    assert {url for url, n in responses.items() if n > 1} == set()  # each fetched once
    # robots.txt is read by each worker for itself (Scrapy's RobotsTxtMiddleware); a repeat
    # is archived as a revisit of the first worker's record (the shared capture index).
    revisits = Counter(by_site(url, bases) for kind, url, _ in found if kind == "revisit")
    assert revisits and all(url.endswith("/robots.txt") and n <= 2 for url, n in revisits.items())
    writers = {name.rsplit("-", 1)[1] for _, _, name in found}  # pid~host in the file names
    shares = captures_per_shard(tmp_path)
    assert len(writers) == len([n for n in shares if n]) >= 2  # the work was shared
    assert sum(shares) == len(found)
    server = redis.Redis.from_url(redis_url)
    assert frontier_size(server, Keys("newsarc")) == (0, 0)
    assert not list(server.scan_iter("newsarc:alive:*"))
    merge_and_check(shards_of(tmp_path), tmp_path / "merged.db")
    assert articles_by_site(tmp_path / "merged.db", bases) == single.articles


def wait_for_captures(db: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                if conn.execute("SELECT count(*) FROM captures").fetchone()[0] >= count:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{db} never reached {count} captures")


def reclaimed(shards: list[Path]) -> int:
    total = 0
    for shard in shards:
        with sqlite3.connect(shard) as conn:
            for (stats,) in conn.execute("SELECT stats FROM crawls WHERE stats IS NOT NULL"):
                total += json.loads(stats).get("newsarc/redis/reclaimed", 0)
    return total


def test_a_killed_worker_loses_nothing_the_others_finish_its_share(
    sites: tuple[Path, Single], redis_url: str, tmp_path: Path
) -> None:
    root, single = sites
    expected = single.urls
    warcs, shards = tmp_path / "warcs", tmp_path / "shards"
    common = ("--fast", "--warc-dir", str(warcs), *FAST_REDIS, *QUIET)
    with running_sites(root) as bases:
        seeder = newsarc("crawl", "--redis", redis_url, *bases.values(),
                         "--db", str(shards / "seed.db"), *common)  # fmt: skip
        victim = newsarc("worker", "--redis", redis_url, "--db", str(shards / "victim.db"), *common)
        wait_for_captures(shards / "victim.db", 20)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        survivor = newsarc("worker", "--redis", redis_url, "--db", str(shards / "w.db"), *common)
        finish(seeder, survivor)
    responses = {by_site(url, bases) for kind, url, _ in records(warcs) if kind == "response"}
    assert responses == expected  # every page archived, the victim's in-flight ones too
    assert reclaimed(shards_of(tmp_path)) > 0
    assert frontier_size(redis.Redis.from_url(redis_url), Keys("newsarc")) == (0, 0)
    # The victim's WARC file is still .open: `check --repair` closes it and adds its rows.
    repair = subprocess.run(
        [sys.executable, "-m", "newsarc", "check", "--db", str(shards / "victim.db"),
         "--warc-dir", str(warcs), "--repair"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "REPAIRED" in repair.stdout, repair.stdout[-2000:]
    merge_and_check(shards_of(tmp_path), tmp_path / "merged.db")
    assert set(articles_by_site(tmp_path / "merged.db", bases)) == set(single.articles)


def test_a_killed_worker_restarted_finishes_its_own_share(
    sites: tuple[Path, Single], redis_url: str, tmp_path: Path
) -> None:
    """The only worker dies; started again on its shard, it repairs its WARC file and takes
    back the requests it held."""
    root, single = sites
    expected = single.urls
    warcs, shard = tmp_path / "warcs", tmp_path / "shards" / "only.db"
    common = ("--fast", "--warc-dir", str(warcs), "--db", str(shard), *FAST_REDIS, *QUIET)
    with running_sites(root) as bases:
        first = newsarc("crawl", "--redis", redis_url, *bases.values(), *common)
        wait_for_captures(shard, 40)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        (error,) = finish(newsarc("worker", "--redis", redis_url, *common))
    assert "recorded as failed" in error
    assert not [p for p in warcs.iterdir() if p.name.endswith(".open")]
    found = records(warcs)
    responses = Counter(by_site(url, bases) for kind, url, _ in found if kind == "response")
    assert set(responses) == expected
    assert reclaimed([shard]) > 0
    with sqlite3.connect(shard) as conn:
        rows = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    assert rows == len(found)  # records written after the kill's last commit got their rows


def test_a_source_is_shared_with_its_settings(
    sites: tuple[Path, Single], redis_url: str, tmp_path: Path
) -> None:
    """`crawl --redis --sources F --source NAME`: the source's hosts and Scrapy settings go to
    every worker through Redis (here a depth limit: only the front page's links)."""
    root, _ = sites
    warcs, shards = tmp_path / "warcs", tmp_path / "shards"
    common = ("--fast", "--warc-dir", str(warcs), *FAST_REDIS, *QUIET)
    with running_sites(root) as bases:
        sources = tmp_path / "sources.yml"
        sources.write_text(
            "sources:\n"
            f"  - name: ledger\n    start_urls: ['{bases['ledger']}/']\n    depth: 1\n"
            f"  - name: tribune\n    start_urls: ['{bases['tribune']}/']\n",
            encoding="utf-8",
        )
        refused = newsarc("crawl", "--redis", redis_url, "--sources", str(sources), *common)
        _, error = refused.communicate(timeout=60)
        assert refused.returncode == 1
        assert error.strip().splitlines()[-1] == (
            "Error: --redis shares the crawl of one source: choose it with --source NAME"
        )
        worker = newsarc("worker", "--redis", redis_url, "--db", str(shards / "w.db"), *common,
                         "-s", "LOG_LEVEL=INFO")  # fmt: skip
        seeder = newsarc("crawl", "--redis", redis_url, "--sources", str(sources), "--source",
                         "ledger", "--db", str(shards / "seed.db"), *common)  # fmt: skip
        _, worker_log = finish(seeder, worker)
    config = json.loads(redis.Redis.from_url(redis_url).get("newsarc:config"))
    assert config["hosts"] == [bases["ledger"].removeprefix("http://")]
    assert config["settings"]["DEPTH_LIMIT"] == 1
    urls = {by_site(url, bases) for kind, url, _ in records(warcs) if kind == "response"}
    assert urls and all(url.startswith("ledger/") for url in urls)
    overridden = worker_log.split("Overridden settings:", 1)[1].split("\n20", 1)[0]
    assert "'DEPTH_LIMIT': 1" in overridden  # the worker took the source's depth limit
    single_ledger = {url for url in sites[1].urls if url.startswith("ledger/")}
    assert urls < single_ledger  # a depth limit: fewer pages than the whole site


def test_a_payload_one_worker_archived_is_a_revisit_for_another(
    sites: tuple[Path, Single], redis_url: str, tmp_path: Path
) -> None:
    """Crawl 1 by worker A, crawl 2 of the unchanged sites by worker B (another shard, knowing
    nothing of A's): B's answers are revisits of A's records, through the capture index in
    Redis, and the merged archive resolves them."""
    root, single = sites
    shards = tmp_path / "shards"
    with running_sites(root) as bases:
        for name in ("a", "b"):
            finish(newsarc("crawl", "--redis", redis_url, *bases.values(), "--fast",
                           "--db", str(shards / f"{name}.db"), "--warc-dir",
                           str(tmp_path / f"warcs-{name}"), *FAST_REDIS, *QUIET))  # fmt: skip
    first = {url: record_id for url, record_id in warc_ids(tmp_path / "warcs-a", "response")}
    revisits = warc_ids(tmp_path / "warcs-b", "revisit", "WARC-Refers-To")
    assert len(revisits) >= len(single.articles)  # every unchanged article page, at least
    assert all(first[url] == refers_to for url, refers_to in revisits)
    with sqlite3.connect(shards / "b.db") as conn:
        unresolved = conn.execute(
            "SELECT count(*) FROM captures WHERE record_type = 'revisit' AND revisit_of IS NULL "
            "AND refers_to IS NOT NULL"
        ).fetchone()[0]
    assert unresolved == len(revisits)  # the originals are in A's shard, named by record ID
    merge_and_check([shards / "a.db", shards / "b.db"], tmp_path / "merged.db")
    with sqlite3.connect(tmp_path / "merged.db") as conn:
        left = conn.execute(
            "SELECT count(*) FROM captures WHERE record_type = 'revisit' AND revisit_of IS NULL"
        ).fetchone()[0]
    assert left == 0


def warc_ids(folder: Path, kind: str, header: str = "WARC-Record-ID") -> list[tuple[str, str]]:
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == kind:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((url, record.rec_headers.get_header(header)))
    return found
