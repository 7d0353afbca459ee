"""One crawl on several workers sharing a Redis frontier, against the same crawl in one process.

    python3 bench/distributed.py [--articles 750] [--workers 2] [--out bench/out-distributed]

Builds the four demo sites with ARTICLES articles each (3,000+ pages at the default), serves
them from a separate process on 127.0.0.1 (gzip on), starts a redis-server of its own on a free
port of 127.0.0.1 (no persistence; Debian's `redis-server`), and measures, all with `--fast`:

1. **single, no Redis**: `newsarc crawl SITES --fast`, alone, into its own database and WARCs;
2. **1 worker + Redis**: `newsarc crawl --redis URL SITES --fast --idle-timeout 2`, alone;
3. **N workers + Redis** (`--workers`, default 2, the seeder included): N-1 `newsarc worker`s
   started first (the script waits until they are connected to Redis, waiting for a crawl), then
   the seeder `newsarc crawl --redis`; each with its own shard, all into one WARC folder;
4. **merge**: `newsarc merge` of the N shards, compared with the database of run 1: article
   URLs; title, text, site_name, category and published of every article; capture URLs;
   story clusters by their member URLs; site spam scores (rounded to 3 places); then
   `newsarc check --db merged.db` (it checks every WARC folder the crawls table names).

Pages are the response records in the WARC files (plus revisit records, which would betray a
page fetched twice), robots.txt aside: every worker fetches robots.txt for itself, and
archives it as a revisit of the first worker's record when identical; robots.txt is counted
in a column of its own. Times run from the start of the (seeding) crawl process: to the
WARC-Date of the last record (milliseconds); the idle wait, from there to the moment the last
process decided to stop (Scrapy's finish_time less the crawl's timed closing steps: a worker
stops once the whole frontier has been empty for the idle timeout, 2 s here); then the
closing steps (site learning, stories, signals of its own shard) and the exit. pages/s is given
to the last record and to the exit. CPU is that of the crawler processes and their extraction
workers (not the sites' server); redis-server's own CPU (from its INFO) is a column of its own;
peak RSS is that of the largest process.

Prints markdown tables ready for docs/benchmarks.md. Exits with status 1 if a page was fetched
more than once, a crawl or the merge failed, the merged archive differs from the single
crawl's, or `newsarc check` finds a fault. The crawls run with NEWSARC_ALLOW_PRIVATE=1 (the
sites are on loopback, which newsarc's address guard refuses otherwise). Everything it starts
(servers, redis-server, crawlers) is stopped on the way out, on failure too; the files stay in
--out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import redis
import scrapy
from warcio.archiveiterator import ArchiveIterator

from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

HERE = Path(__file__).resolve().parent
IDLE_TIMEOUT = 2
# Runs a command and reports its (and its descendants') CPU time and peak RSS, and when it
# started and ended (epoch seconds, to set beside the WARC-Dates).
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "start, clock = time.time(), time.monotonic()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "wall = time.monotonic() - clock\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'code': code, 'wall': wall, 'start': start, 'end': start + wall,"
    " 'cpu': usage.ru_utime + usage.ru_stime, 'rss_mb': usage.ru_maxrss / 1024}))\n"
)
EXAMPLES = 5
# The demo sites are on loopback: lift newsarc's address guard (what --allow-private does).
CHILD_ENV = {**os.environ, "NEWSARC_ALLOW_PRIVATE": "1"}


class BenchError(Exception):
    """A step of the bench failed: the message says which, and where its log is."""


# -- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(folder: Path) -> Iterator[redis.Redis]:
    """A redis-server of our own on a free port of 127.0.0.1, without persistence."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise BenchError("redis-server is missing (Debian: apt-get install redis-server)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(folder / "redis.log", "w") as log:
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log = folder / "redis.log"
                    raise BenchError(f"redis-server did not start, see {log}") from None
                time.sleep(0.05)
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def redis_url(client: redis.Redis) -> str:
    return f"redis://127.0.0.1:{client.connection_pool.connection_kwargs['port']}/0"


def redis_usage(client: redis.Redis) -> dict[str, float]:
    """redis-server's CPU seconds, commands processed, and SADDs (the duplicate filter)."""
    cpu, commands = client.info("cpu"), client.info("commandstats")
    return {
        "cpu": float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]),
        "commands": sum(stat["calls"] for stat in commands.values()),
        "sadd": commands.get("cmdstat_sadd", {}).get("calls", 0),
    }


class Measured:
    """A newsarc command run under MEASURE, in a process group of its own (so that on failure
    the command and its extraction workers are stopped with it)."""

    def __init__(self, name: str, args: list[str], log: Path, cwd: str) -> None:
        self.name, self.log = name, log
        self._errors = open(log, "w")  # noqa: SIM115 (closed in result/stop)
        self.process = subprocess.Popen(
            [sys.executable, "-c", MEASURE, sys.executable, "-m", "newsarc", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._errors, cwd=cwd,
            start_new_session=True, env=CHILD_ENV,
        )  # fmt: skip

    def result(self) -> dict:
        out, _ = self.process.communicate()
        self._errors.close()
        try:
            figures = json.loads(out)
        except json.JSONDecodeError:
            raise BenchError(f"{self.name}: no measurement, see {self.log}") from None
        if figures["code"] != 0:
            raise BenchError(f"{self.name} exited with status {figures['code']}, see {self.log}")
        return figures

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._errors.close()


@contextmanager
def measured() -> Iterator[list[Measured]]:
    """A list for the commands the caller starts; those still running on the way out (a
    failure) are stopped."""
    started: list[Measured] = []
    try:
        yield started
    finally:
        for run in started:
            run.stop()


def newsarc(*args: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsarc", *args], capture_output=True,
                          text=True, cwd=cwd)  # fmt: skip


def wait_for_clients(client: redis.Redis, count: int, processes: list[Measured]) -> None:
    """Until `count` other clients are connected to Redis (the workers, waiting for a crawl)."""
    deadline = time.monotonic() + 120
    while len(client.client_list()) - 1 < count:
        for run in processes:
            if run.process.poll() is not None:
                run.result()  # raises with its log
                raise BenchError(f"{run.name} exited before the crawl started, see {run.log}")
        if time.monotonic() > deadline:
            raise BenchError("the workers did not connect to Redis within 120 s")
        time.sleep(0.1)


# -- what the crawls archived -----------------------------------------------------------------


def is_robots(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


def warc_epoch(value: str) -> float:
    stamp = value.rstrip("Z")
    layout = "%Y-%m-%dT%H:%M:%S.%f" if "." in stamp else "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(stamp, layout).replace(tzinfo=UTC).timestamp()


def warc_records(warc_dir: Path) -> list[tuple[str, str, float]]:
    """(type, URL, WARC-Date as epoch seconds) of every response and revisit record."""
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz*")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    found.append((
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        warc_epoch(record.rec_headers.get_header("WARC-Date")),
                    ))  # fmt: skip
    return found


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def epoch(value: str) -> float:
    """Epoch seconds of an ISO 8601 time (captures.fetched_at, Scrapy's finish_time)."""
    return datetime.fromisoformat(value).timestamp()


def shard_figures(name: str, db: Path, figures: dict) -> dict:
    """One crawler process: its measurement, and what its database says of its crawl."""
    sql = "SELECT count(*), max(fetched_at) FROM captures WHERE url NOT LIKE '%/robots.txt'"
    [(pages, last)] = rows(db, sql)
    robots = Counter(
        dict(rows(db, "SELECT record_type, count(*) FROM captures "
                      "WHERE url LIKE '%/robots.txt' GROUP BY 1"))
    )  # fmt: skip
    [(raw,)] = rows(db, "SELECT stats FROM crawls ORDER BY id DESC LIMIT 1")
    stats = json.loads(raw or "{}")
    closing = sum(
        value for key, value in stats.items()
        if key.startswith("newsarc/seconds/") and not key.endswith("/stories_live")
    )  # fmt: skip
    finished = epoch(stats["finish_time"]) if "finish_time" in stats else figures["end"]
    return {
        **figures,
        "name": name,
        "shard": db,
        "pages": pages,
        "robots": robots,
        "last_record": epoch(last) if last else figures["start"],
        "closing": closing,
        # The engine's decision to close: the closing steps (the pipeline's close_spider) run
        # before Scrapy's finish_time is set.
        "stopped": finished - closing,
    }


def summarize(
    name: str, processes: list[dict], warc_dir: Path, redis_used: dict[str, float] | None
) -> dict:
    """The figures of one run: its processes (the first started the crawl) and its WARCs."""
    found = warc_records(warc_dir)
    fetches = Counter(url for _, url, _ in found if not is_robots(url))
    if not fetches:
        raise BenchError(f"{name}: no page archived, see the logs in {warc_dir.parent}")
    start = processes[0]["start"]
    return {
        "name": name,
        "processes": processes,
        "start": start,
        "pages": sum(fetches.values()),
        "urls": len(fetches),
        "twice": sorted(url for url, n in fetches.items() if n > 1),
        "revisit_pages": sum(
            1 for kind, url, _ in found if kind == "revisit" and not is_robots(url)
        ),
        "robots": Counter(kind for kind, url, _ in found if is_robots(url)),
        "last_record": max(date for _, _, date in found) - start,
        "stopped": max(process["stopped"] for process in processes) - start,
        "exit": max(process["end"] for process in processes) - start,
        "cpu": sum(process["cpu"] for process in processes),
        "rss_mb": max(process["rss_mb"] for process in processes),
        "redis": redis_used,
    }


# -- the runs ---------------------------------------------------------------------------------


def run_single(bases: list[str], out: Path, cwd: str) -> dict:
    folder = out / "single"
    args = ["crawl", *bases, "--fast", "--db", str(folder / "archive.db"),
            "--warc-dir", str(folder / "warcs")]  # fmt: skip
    folder.mkdir()
    with measured() as started:
        started.append(Measured("single crawl", args, folder / "crawl.log", cwd))
        figures = started[0].result()
    process = shard_figures("single", folder / "archive.db", figures)
    return summarize("single, no Redis", [process], folder / "warcs", None)


def run_redis(bases: list[str], folder: Path, cwd: str, client: redis.Redis, workers: int) -> dict:
    """`workers` processes on one shared crawl: workers-1 `newsarc worker`s, then the seeder."""
    warcs, shards = folder / "warcs", folder / "shards"
    shards.mkdir(parents=True)
    client.flushall()
    url = redis_url(client)
    common = ["--redis", url, "--fast", "--warc-dir", str(warcs), "--idle-timeout",
              str(IDLE_TIMEOUT)]  # fmt: skip
    before = redis_usage(client)
    with measured() as started:
        for n in range(1, workers):
            args = ["worker", *common, "--db", str(shards / f"w{n}.db")]
            started.append(Measured(f"worker w{n}", args, folder / f"w{n}.log", cwd))
        wait_for_clients(client, workers - 1, started)
        args = ["crawl", *common, *bases, "--db", str(shards / "seed.db")]
        started.insert(0, Measured("seeder", args, folder / "seed.log", cwd))
        figures = [run.result() for run in started]
    after = redis_usage(client)
    used = {key: after[key] - before[key] for key in after}
    names = ["seed"] + [f"w{n}" for n in range(1, workers)]
    processes = [
        shard_figures(name, shards / f"{name}.db", f)
        for name, f in zip(names, figures, strict=True)
    ]
    label = "1 worker + Redis" if workers == 1 else f"{workers} workers + Redis"
    return summarize(label, processes, warcs, used)


def run_merge(shards: list[Path], out: Path, cwd: str) -> tuple[Path, float]:
    merged = out / "merged.db"
    started = time.monotonic()
    done = newsarc("merge", *map(str, shards), "--db", str(merged), cwd=cwd)
    seconds = time.monotonic() - started
    (out / "merge.log").write_text(done.stderr)
    if done.returncode != 0:
        raise BenchError(f"newsarc merge exited with status {done.returncode}, see merge.log")
    return merged, seconds


# -- comparisons ------------------------------------------------------------------------------

ARTICLE_FIELDS = ("title", "text", "site_name", "category", "published")


def clip(value: object, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def where_differs(a: object, b: object) -> str:
    """The first place two values differ, briefly."""
    if isinstance(a, str) and isinstance(b, str):
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        at = min(len(a), len(b)) if at is None else at
        start = max(0, at - 20)
        return f"at char {at}: {clip(a[start : at + 40])} vs {clip(b[start : at + 40])}"
    return f"{clip(a)} vs {clip(b)}"


def set_differences(single: set, merged: set) -> tuple[list[str], int]:
    """Examples of what is in one set only (both sides), and how many items are."""
    examples = [f"only in single: {clip(item, 100)}" for item in sorted(single - merged)]
    examples = examples[:EXAMPLES] + [
        f"only in merged: {clip(item, 100)}" for item in sorted(merged - single)
    ]
    return examples[: 2 * EXAMPLES], len(single ^ merged)


def clusters(db: Path) -> set[tuple[str, ...]]:
    """Every story cluster as the sorted URLs of its members (cluster ids differ)."""
    members: dict[int, list[str]] = {}
    for cluster, url in rows(db, "SELECT cluster_id, url FROM articles WHERE cluster_id > 0"):
        members.setdefault(cluster, []).append(url)
    return {tuple(sorted(urls)) for urls in members.values()}


def compare(single: Path, merged: Path) -> list[tuple[str, int, int, list[str]]]:
    """(what, items compared, differences, examples) of each comparison."""
    results = []

    def sets(what: str, sql: str, keep=lambda row: True) -> None:  # noqa: ANN001
        a = {row[0] for row in rows(single, sql) if keep(row)}
        b = {row[0] for row in rows(merged, sql) if keep(row)}
        examples, count = set_differences(a, b)
        results.append((what, len(a | b), count, examples[:EXAMPLES]))

    sets("article URLs", "SELECT url FROM articles")
    columns = ", ".join(ARTICLE_FIELDS)
    a = {row[0]: row[1:] for row in rows(single, f"SELECT url, {columns} FROM articles")}
    b = {row[0]: row[1:] for row in rows(merged, f"SELECT url, {columns} FROM articles")}
    examples, count = [], 0
    for url in sorted(a.keys() & b.keys()):
        for field, x, y in zip(ARTICLE_FIELDS, a[url], b[url], strict=True):
            if x != y:
                count += 1
                if len(examples) < EXAMPLES:
                    examples.append(f"{url} {field}: {where_differs(x, y)}")
    results.append((f"articles' {', '.join(ARTICLE_FIELDS)}", len(a.keys() & b.keys()), count,
                    examples))  # fmt: skip
    sets("capture URLs (robots.txt aside)", "SELECT DISTINCT url FROM captures",
         lambda row: not is_robots(row[0]))  # fmt: skip
    one, other = clusters(single), clusters(merged)
    examples, count = set_differences({" ".join(c) for c in one}, {" ".join(c) for c in other})
    results.append(("story clusters (by member URLs)", len(one | other), count, examples))
    sql = "SELECT host, round(spam_score, 3) FROM sites"
    a, b = dict(rows(single, sql)), dict(rows(merged, sql))
    hosts = sorted(a.keys() | b.keys())
    differing = [host for host in hosts if a.get(host, "-") != b.get(host, "-")]
    examples = [f"{host}: {a.get(host, '-')} vs {b.get(host, '-')}" for host in differing]
    results.append(("site spam scores (round 3)", len(hosts), len(differing), examples[:EXAMPLES]))
    return results


# -- the report -------------------------------------------------------------------------------


def per_page(seconds: float, pages: int) -> float:
    return 1000 * seconds / max(pages, 1)


def robots_text(counts: Counter) -> str:
    return ", ".join(f"{n} {kind}s" for kind, n in sorted(counts.items())) or "0"


def run_row(run: dict) -> str:
    redis_ms = "–" if run["redis"] is None else f"{per_page(run['redis']['cpu'], run['pages']):.2f}"
    return (
        f"| {run['name']} | {run['pages']} | {robots_text(run['robots'])} "
        f"| {run['last_record']:.1f} | {run['stopped'] - run['last_record']:.1f} "
        f"| {run['exit'] - run['stopped']:.1f} | {run['exit']:.1f} "
        f"| {run['pages'] / run['last_record']:.0f} | {run['pages'] / run['exit']:.0f} "
        f"| {per_page(run['cpu'], run['pages']):.1f} | {redis_ms} | {run['rss_mb']:.0f} |"
    )


def process_row(process: dict, start: float, total: int) -> str:
    share = 100 * process["pages"] / max(total, 1)
    return (
        f"| {process['name']} | {process['pages']} | {share:.0f} % "
        f"| {robots_text(process['robots'])} | {process['last_record'] - start:.1f} "
        f"| {process['stopped'] - start:.1f} | {process['closing']:.1f} "
        f"| {process['end'] - start:.1f} | {process['cpu']:.1f} | {process['rss_mb']:.0f} |"
    )


def versions() -> str:
    done = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    redis_version = next(
        (word.split("=", 1)[1] for word in done.stdout.split() if word.startswith("v=")), "?"
    )
    return (
        f"{os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, "
        f"Scrapy {scrapy.__version__}, redis-server {redis_version}"
    )


def report(
    args: argparse.Namespace, single: dict, alone: dict, farm: dict, merge_seconds: float,
    comparisons: list[tuple[str, int, int, list[str]]], check: subprocess.CompletedProcess,
) -> None:  # fmt: skip
    workers = args.workers
    print(f"### {time.strftime('%Y-%m-%d')}, {versions()}")
    print()
    print(f"`python3 bench/distributed.py --articles {args.articles} --workers {workers}`: "
          f"{args.articles} articles per site, 4 sites, `--fast`; the Redis runs with "
          f"`--idle-timeout {IDLE_TIMEOUT}`. Seconds from the start of the (seeding) crawl "
          "process: to the WARC-Date of the last record; then until the last process decided "
          "to stop (idle wait); then its closing steps and exit.")  # fmt: skip
    print()
    print("| run | pages | robots.txt | s to last record | idle wait s | closing + exit s "
          "| s to exit | pages/s (last record) | pages/s (exit) | CPU ms/page "
          "| redis-server CPU ms/page | peak RSS MB |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for run in (single, alone, farm):
        print(run_row(run))
    print()
    overhead = per_page(alone["cpu"], alone["pages"]) - per_page(single["cpu"], single["pages"])
    relative = overhead / per_page(single["cpu"], single["pages"])
    redis_ms = per_page(alone["redis"]["cpu"], alone["pages"])
    ratio_exit = (alone["pages"] / alone["exit"]) / (single["pages"] / single["exit"])
    ratio_last = (alone["pages"] / alone["last_record"]) / (single["pages"] / single["last_record"])
    idle = alone["stopped"] - alone["last_record"]
    print(
        f"Redis overhead, 1 worker: {overhead:+.1f} ms CPU per page in the crawler "
        f"({relative:+.0%}), and {redis_ms:.2f} ms per page in redis-server; pages/s with "
        f"Redis / without: {ratio_last:.2f} to the last record, {ratio_exit:.2f} to the exit. "
        f"The idle wait ({idle:.1f} s with a {IDLE_TIMEOUT} s idle timeout) is "
        f"{idle / alone['exit']:.0%} of that run's {alone['exit']:.1f} s. Redis commands "
        "per page (round trips, each one synchronous on the crawler's reactor thread): "
        + ", ".join(
            f"{run['redis']['commands'] / run['pages']:.1f} with {run['name'].split(' +')[0]} "
            f"({run['redis']['sadd'] / run['pages']:.1f} of them SADDs of the duplicate filter)"
            for run in (alone, farm)
        )
        + "."
    )
    scale_last = (farm["pages"] / farm["last_record"]) / (alone["pages"] / alone["last_record"])
    scale_exit = (farm["pages"] / farm["exit"]) / (alone["pages"] / alone["exit"])
    print(
        f"{workers} workers / 1 worker, pages/s: {scale_last:.2f} to the last record, "
        f"{scale_exit:.2f} to the exit, on {os.cpu_count()} cores, all on this machine with "
        "the sites' server and redis-server (every worker runs its own extraction pool, one "
        "process per core)."
    )
    print()
    print(f"The {workers} processes of the shared crawl (seed: `newsarc crawl --redis`, started "
          "last; w*N*: `newsarc worker`, started first, waiting for it); seconds from the "
          "seed's start:")  # fmt: skip
    print()
    print("| process | pages | share | robots.txt | last record s | stopped s | closing steps s "
          "| exit s | CPU s | peak RSS MB |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    total = sum(process["pages"] for process in farm["processes"])
    for process in farm["processes"]:
        print(process_row(process, farm["start"], total))
    print()
    twice = farm["twice"]
    print(
        f"Each page fetched exactly once: {'yes' if not twice else '**NO**'}: {farm['urls']} "
        f"URLs, {farm['pages']} response and revisit records ({farm['revisit_pages']} "
        f"revisits), {len(twice)} URLs fetched more than once"
        + (": " + ", ".join(twice[:EXAMPLES]) if twice else "")
        + f"; robots.txt: {robots_text(farm['robots'])} (each worker reads it for itself); "
        f"captures in the shards (robots.txt aside): {total}."
    )
    print()
    print(f"Merge of the {workers} shards (`newsarc merge`, {merge_seconds:.1f} s) against the "
          "single crawl's database:")  # fmt: skip
    print()
    print("| compared | items | result |")
    print("| --- | --- | --- |")
    for what, items, count, _ in comparisons:
        result = "identical" if count == 0 else f"**{count} differences**"
        print(f"| {what} | {items} | {result} |")
    for what, _, count, examples in comparisons:
        if count:
            print()
            print(f"{what}, first differences (single vs merged):")
            for example in examples:
                print(f"- `{example}`")
    print()
    summary = (check.stdout.strip().splitlines() or ["(no output)"])[-1]
    faults = sum(1 for line in check.stdout.splitlines() if line.startswith("FAULT"))
    print(
        f"`newsarc check --db merged.db`: exit status {check.returncode}, {faults} FAULT lines "
        f"({summary})."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=750, help="articles per site")
    parser.add_argument("--workers", type=int, default=2, help="crawler processes (seeder too)")
    parser.add_argument("--out", type=Path, default=HERE / "out-distributed")
    args = parser.parse_args()
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    # SIGTERM and SIGINT (even when inherited as ignored) unwind the stack: what was started
    # is stopped by the context managers on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    out = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    build_sites(out / "sites", articles_per_site=args.articles)
    try:
        with (
            tempfile.TemporaryDirectory() as cwd,
            redis_server(out / "redis") as client,
            running_sites(out / "sites") as sites,
        ):
            bases = [base + "/" for base in sites.values()]
            single = run_single(bases, out, cwd)
            alone = run_redis(bases, out / "redis-alone", cwd, client, 1)
            farm = run_redis(bases, out / "redis-workers", cwd, client, args.workers)
            shards = [process["shard"] for process in farm["processes"]]
            merged, merge_seconds = run_merge(shards, out, cwd)
        comparisons = compare(out / "single" / "archive.db", merged)
        with tempfile.TemporaryDirectory() as cwd:
            check = newsarc("check", "--db", str(merged), cwd=cwd)
        (out / "check.log").write_text(check.stdout + check.stderr)
    except BenchError as exc:
        print(f"bench: {exc} (files in {out})", file=sys.stderr)
        return 1
    report(args, single, alone, farm, merge_seconds, comparisons, check)
    failed = bool(farm["twice"]) or any(count for _, _, count, _ in comparisons)
    return 1 if failed or check.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
