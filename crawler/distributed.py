"""One crawl, many workers: a shared frontier in Redis (scrapy-redis) that loses no request.

scrapy-redis keeps the request queue (`{key}:requests`, a sorted set by priority) and the
duplicate filter (`{key}:dupefilter`) in Redis, so every worker started on the same key pulls
from one frontier and each URL is queued once per crawl. What it does not do, newsarc adds:

- **Leases.** A request is popped and recorded in the worker's lease hash
  (`{key}:leases:{worker}`) in one Lua script, and stays there until the worker has downloaded,
  archived and parsed it (the engine no longer holds it). A worker that dies (no heartbeat,
  `{key}:alive:{worker}`, for `NEWSARC_REDIS_HEARTBEAT_TTL` seconds) has its leases put back in
  the queue by the first live worker that notices, atomically (Lua), so a killed worker's
  in-flight requests are fetched by another worker (or by itself, restarted).
- **Idle stop.** A worker stops when the whole frontier (queue and every lease) has been empty
  for `NEWSARC_REDIS_IDLE_TIMEOUT` seconds, not when its own share runs out, and not never.
- **Crawl configuration.** The seeding `newsarc crawl --redis` records the hosts the crawl may
  follow (`{key}:config`); `newsarc worker` reads them, so workers need no arguments. Seeding a
  frontier that is idle starts a new crawl (the duplicate filter is cleared); seeding one that
  is busy adds to the running crawl.
- **Shared capture index.** `{key}:captures` maps a URL to its latest archived response (WARC
  record ID, payload digest, date, ETag, Last-Modified), written by every worker, so that a
  payload one worker archived is a revisit for another, in a later crawl.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from archive.store import History, Row
from crawler.signals import capture_archived

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

    from archive.ingest import Capture

logger = logging.getLogger(__name__)

LEASE_META_KEY = "newsarc_lease"
TICK = 1.0  # seconds between heartbeats and lease updates
REAP_EVERY = 3  # ticks between looks for dead workers' leases

# Pop the best request and lease it, in one step: a worker killed in between loses nothing.
POP_AND_LEASE = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
local lease = redis.sha1hex(found[1])
redis.call('HSET', KEYS[2], lease, found[2] .. '\\n' .. found[1])
return {lease, found[1]}
"""
# Mark a request seen and queue it in one step: a worker killed between the two would leave a
# URL marked seen that no one fetches.
SEE_AND_QUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Put a dead worker's leases back in the queue, unless it came back to life meanwhile.
RECLAIM = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local entries = redis.call('HGETALL', KEYS[1])
for i = 2, #entries, 2 do
  local entry = entries[i]
  local cut = string.find(entry, '\\n', 1, true)
  redis.call('ZADD', KEYS[3], tonumber(string.sub(entry, 1, cut - 1)), string.sub(entry, cut + 1))
end
redis.call('DEL', KEYS[1])
return #entries / 2
"""


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Keys:
    """The Redis keys of one shared crawl, all under its name (NEWSARC_REDIS_KEY)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.requests = f"{name}:requests"
        self.dupefilter = f"{name}:dupefilter"
        self.config = f"{name}:config"
        self.captures = f"{name}:captures"
        self.leases_prefix = f"{name}:leases:"
        self.alive_prefix = f"{name}:alive:"

    def leases(self, worker: str) -> str:
        return self.leases_prefix + worker

    def alive(self, worker: str) -> str:
        return self.alive_prefix + worker


def connect(url: str) -> redis.Redis:
    """A client for `url`, checked: a one-line error (ConnectionError) if it cannot be reached."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        server.ping()
    except (redis.RedisError, ValueError) as exc:
        raise ConnectionError(f"cannot reach Redis at {url}: {exc}") from exc
    return server


def scrapy_settings(url: str, key: str) -> dict[str, Any]:
    """The Scrapy settings of a worker of the crawl `key` on the Redis at `url`."""
    keys = Keys(key)
    return {
        "NEWSARC_REDIS_URL": url,
        "NEWSARC_REDIS_KEY": key,
        "REDIS_URL": url,
        "SCHEDULER": "crawler.distributed.LeasingScheduler",
        "DUPEFILTER_CLASS": "crawler.distributed.RememberingDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,  # the frontier outlives any one worker
    }


# -- the frontier as a whole --------------------------------------------------------------------


def live_workers(server: redis.Redis, keys: Keys) -> list[str]:
    found = server.scan_iter(match=keys.alive_prefix + "*", count=1000)
    return sorted(name.decode()[len(keys.alive_prefix) :] for name in found)


def lease_keys(server: redis.Redis, keys: Keys) -> list[str]:
    return sorted(k.decode() for k in server.scan_iter(match=keys.leases_prefix + "*", count=1000))


def frontier_size(server: redis.Redis, keys: Keys) -> tuple[int, int]:
    """(requests queued, requests leased by workers alive or dead)."""
    leased = sum(server.hlen(name) for name in lease_keys(server, keys))
    return server.zcard(keys.requests), leased


def seed(
    server: redis.Redis, keys: Keys, hosts: list[str], settings: dict[str, Any] | None = None
) -> bool:
    """Record the hosts a crawl may follow (and the Scrapy settings of its source, for every
    worker) before its start requests are queued. On an idle frontier this starts a new crawl
    (the duplicate filter is cleared); on a busy one the hosts and settings are added to the
    running crawl. True if a new crawl was started."""
    queued, leased = frontier_size(server, keys)
    fresh = not (queued or leased or live_workers(server, keys))
    config = {} if fresh else read_config(server, keys) or {}
    config["hosts"] = sorted({*config.get("hosts", []), *hosts})
    config["settings"] = {**config.get("settings", {}), **(settings or {})}
    config.setdefault("started_at", time.time())
    pipe = server.pipeline()
    if fresh:
        pipe.delete(keys.dupefilter)
    pipe.set(keys.config, json.dumps(config))
    pipe.execute()
    return fresh


def read_config(server: redis.Redis, keys: Keys) -> dict | None:
    raw = server.get(keys.config)
    return json.loads(raw) if raw else None


def wait_for_config(server: redis.Redis, keys: Keys, timeout: float) -> dict | None:
    """The running crawl's configuration, waiting up to `timeout` seconds for a seeder."""
    deadline = time.monotonic() + timeout
    while True:
        config = read_config(server, keys)
        if config is not None or time.monotonic() >= deadline:
            return config
        time.sleep(0.5)


# -- the duplicate filter -----------------------------------------------------------------------


class RememberingDupeFilter(RFPDupeFilter):
    """scrapy-redis' duplicate filter, remembering the fingerprints it has already seen in
    Redis: a page's links are mostly known (menus, related stories), and each SADD is a round
    trip that blocks the crawler's thread (27 of 35 Redis commands per page, measured). Safe
    because the shared set only grows while a crawl runs."""

    def __init__(self, server: Any, key: str, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.known: set[str] = set()

    def request_seen(self, request: Request) -> bool:
        fingerprint = self.request_fingerprint(request)
        if fingerprint in self.known:
            return True
        self.known.add(fingerprint)
        return self.server.sadd(self.key, fingerprint) == 0

    def clear(self) -> None:
        self.known.clear()
        super().clear()


# -- the scheduler ------------------------------------------------------------------------------


class LeasingScheduler(Scheduler):
    """scrapy-redis' scheduler, popping each request under a lease (see the module docs)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance = super().from_crawler(crawler)
        instance.worker = crawler.settings.get("NEWSARC_REDIS_WORKER") or worker_id()
        instance.lease_key = Keys(crawler.settings.get("NEWSARC_REDIS_KEY")).leases(instance.worker)
        instance.pop_and_lease = instance.server.register_script(POP_AND_LEASE)
        instance.see_and_queue_script = instance.server.register_script(SEE_AND_QUEUE)
        return instance

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if len(self.queue):
            logger.info("joining a shared crawl: %d requests queued", len(self.queue))

    def enqueue_request(self, request: Request) -> bool:
        if request.dont_filter:
            self.queue.push(request)
        elif not self.see_and_queue(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def see_and_queue(self, request: Request) -> bool:
        """Queue a request unless its URL was seen; True if queued (see SEE_AND_QUEUE)."""
        fingerprint = self.df.request_fingerprint(request)
        known = getattr(self.df, "known", None)
        if known is not None and fingerprint in known:
            return False
        data = self.queue._encode_request(request)
        keys = [self.df.key, self.queue.key]
        queued = self.see_and_queue_script(keys=keys, args=[fingerprint, -request.priority, data])
        if known is not None:  # only once Redis has it: a failed call must not hide the URL
            known.add(fingerprint)
        return bool(queued)

    def next_request(self) -> Request | None:
        found = self.pop_and_lease(keys=[self.queue.key, self.lease_key])
        if not found:
            return None
        lease, data = found
        request = self.queue._decode_request(data)
        request.meta[LEASE_META_KEY] = lease.decode()
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


# -- the extension: heartbeat, leases, reaping, idle stop, the capture index ---------------------


class RedisFrontier:
    """Keeps a worker's part of the shared frontier true (enabled by NEWSARC_REDIS_URL)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = Keys(settings.get("NEWSARC_REDIS_KEY"))
        self.server = connect(settings.get("NEWSARC_REDIS_URL"))
        self.worker = settings.get("NEWSARC_REDIS_WORKER") or worker_id()
        self.ttl = settings.getint("NEWSARC_REDIS_HEARTBEAT_TTL")
        self.idle_timeout = settings.getfloat("NEWSARC_REDIS_IDLE_TIMEOUT")
        self.idle_since: float | None = None
        self.ticks = 0
        self.reclaim = self.server.register_script(RECLAIM)
        self.task = LoopingCall(self.tick)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.capture_archived, signal=capture_archived)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("NEWSARC_REDIS_URL"):
            raise NotConfigured("NEWSARC_REDIS_URL is not set")
        return cls(crawler)

    def spider_opened(self) -> None:
        self.heartbeat()
        self.task.start(TICK, now=False)

    def tick(self) -> None:
        try:
            self.heartbeat()
            self.release_finished()
            self.ticks += 1
            if self.ticks % REAP_EVERY == 0:
                self.reap()
        except redis.RedisError as exc:  # the next tick tries again; leases stay safe
            logger.error("Redis: %s", exc)
            self.stats.inc_value("newsarc/redis/errors")

    def heartbeat(self) -> None:
        self.server.set(self.keys.alive(self.worker), "1", ex=self.ttl)

    def in_progress(self) -> set[str]:
        """The leases of the requests the engine still holds (downloading or being parsed)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        requests = getattr(slot, "inprogress", ()) if slot is not None else ()
        return {r.meta[LEASE_META_KEY] for r in requests if LEASE_META_KEY in r.meta}

    def release_finished(self) -> int:
        """Drop the leases of requests this worker has finished with."""
        held = {name.decode() for name in self.server.hkeys(self.keys.leases(self.worker))}
        done = held - self.in_progress()
        if done:
            self.server.hdel(self.keys.leases(self.worker), *done)
        return len(done)

    def reap(self) -> int:
        """Put the leases of dead workers back in the queue; return how many."""
        alive = set(live_workers(self.server, self.keys))
        reclaimed = 0
        for name in lease_keys(self.server, self.keys):
            worker = name[len(self.keys.leases_prefix) :]
            if worker == self.worker or worker in alive:
                continue
            count = self.reclaim(keys=[name, self.keys.alive(worker), self.keys.requests])
            if count and count > 0:
                logger.warning("worker %s died: %d of its requests queued again", worker, count)
                self.stats.inc_value("newsarc/redis/reclaimed", count)
                reclaimed += count
        return reclaimed

    def spider_idle(self) -> None:
        """Close only when the whole frontier has been empty for the idle timeout."""
        try:
            self.release_finished()
            self.reap()
            queued, leased = frontier_size(self.server, self.keys)
        except redis.RedisError as exc:
            logger.error("Redis: %s", exc)
            raise DontCloseSpider from exc
        now = time.monotonic()
        if queued or leased:
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info(
            "the shared frontier has been empty for %.0f s: stopping", now - self.idle_since
        )

    def spider_closed(self, reason: str) -> None:
        if self.task.running:
            self.task.stop()
        try:
            if reason == "finished":
                self.release_finished()
            # A worker stopped early (Ctrl+C, --max-pages) leaves its leases for the others.
            self.server.delete(self.keys.alive(self.worker))
        except redis.RedisError as exc:
            logger.error("Redis: %s", exc)

    def capture_archived(self, capture: Capture, response: Any) -> None:
        """Record the latest response archived for the URL, for every worker's next crawl."""
        if capture.record_type != "response" or capture.status >= 400:
            return
        entry = {
            "url": capture.url,
            "status": capture.status,
            "payload_digest": capture.payload_digest,
            "warc_record_id": capture.warc_record_id,
            "fetched_at": capture.fetched_at,
            "etag": capture.etag,
            "last_modified": capture.last_modified,
        }
        try:
            self.server.hset(self.keys.captures, capture.url, json.dumps(entry))
        except redis.RedisError as exc:
            logger.error("Redis: %s", exc)
            self.stats.inc_value("newsarc/redis/errors")


class SharedHistory(History):
    """History that also knows what other workers archived (the Redis capture index).

    A URL's latest capture comes from this worker's database, or, if the index knows a later
    response, from the index: that capture's row has no id here (its record is in another
    worker's files), so a revisit of it names its original by WARC-Refers-To only.
    """

    def __init__(self, path: str, url: str, key: str) -> None:
        super().__init__(path)
        self.server = connect(url)
        self.keys = Keys(key)

    def last_capture(self, url: str, crawl_ids: list[int] | None = None) -> Row | None:
        local = super().last_capture(url, crawl_ids)
        if crawl_ids is not None:
            return local
        raw = self.server.hget(self.keys.captures, url)
        if not raw:
            return local
        shared = json.loads(raw)
        if local is not None and local["fetched_at"] >= shared["fetched_at"]:
            return local
        return {
            **shared,
            "id": None,
            "record_type": "response",
            "revisit_of": None,
            "page_type": None,
        }
