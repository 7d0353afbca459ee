"""Scrapy settings for newsarc: polite by default; `-s` or `newsarc crawl --fast` for local work."""

import os

BOT_NAME = "newsarc"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "newsarc/0.1 (news archiver)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts the delay to each server's latency; few requests per host.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 0.25
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 60
# A body is cut at NEWSARC_MAX_BODY_SIZE wire bytes, and what came is archived (crawler/limits.py);
# DOWNLOAD_MAXSIZE bounds the decompressed body (a gzip bomb is stopped there).
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DEPTH_LIMIT = 16  # archive pagination runs deep; NEWSARC_MAX_PAGES_PER_HOST is the main bound
DEPTH_PRIORITY = 1  # breadth-first: the front pages and feeds before deep archives
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# No control ports: a crawler of hostile sites listens on nothing.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 15.0

DOWNLOADER_MIDDLEWARES = {
    # First: nothing is fetched (robots.txt included) from an address the guard refuses.
    "crawler.guard.AddressGuardMiddleware": 50,
    # Scrapy's, fixed: requests waiting together for robots.txt all get its rules.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    # After RobotsTxtMiddleware (100): pages robots.txt forbids do not use up the budget.
    # After RobotsTxtMiddleware too; before the budget, which replayed pages do not use up.
    "crawler.middlewares.IncrementalMiddleware": 105,
    "crawler.middlewares.HostBudgetMiddleware": 110,
    # Above RedirectMiddleware (600) and HttpCompressionMiddleware (590): sees every response,
    # redirects and errors included, with the body still as it came over the wire.
    "crawler.middlewares.WarcCaptureMiddleware": 950,
    # Just before HttpCompressionMiddleware (590) on the way back: a body that is not the gzip
    # it claims is passed on as it is instead of failing there.
    "crawler.limits.BrokenEncodingMiddleware": 591,
    # Scrapy's, counting redirect loops.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.limits.RedirectMiddleware": 600,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
DUPEFILTER_CLASS = "crawler.dupefilter.CompactDupeFilter"  # 8 bytes a URL
# Only with NEWSARC_REDIS_URL (newsarc crawl --redis, newsarc worker): see crawler/distributed.py.
EXTENSIONS = {"crawler.distributed.RedisFrontier": 500, "crawler.limits.BodySizeLimit": 100}
SPIDER_MIDDLEWARES = {"crawler.limits.TrapMiddleware": 550}

# The address guard (crawler/guard.py): only global addresses, unless allowed.
DNS_RESOLVER = "crawler.guard.GuardedResolver"
NEWSARC_ALLOW_PRIVATE = os.environ.get("NEWSARC_ALLOW_PRIVATE", "") not in ("", "0", "false")
NEWSARC_ALLOWED_NETWORKS = ""  # comma-separated CIDRs fetched even though not global

# newsarc's own settings
NEWSARC_DB = "archive.db"
NEWSARC_WARC_DIR = "warcs"
NEWSARC_WARC_PREFIX = "newsarc"
NEWSARC_WARC_MAX_SIZE = 1_000_000_000
NEWSARC_MAX_PAGES_PER_HOST = 20_000
NEWSARC_MAX_BODY_SIZE = 32 * 1024 * 1024  # wire bytes; 0: no cut (DOWNLOAD_MAXSIZE drops)
NEWSARC_TRAP_BUDGET = 200  # trap-like links (calendars, session IDs, ...) followed per host
NEWSARC_EXTRACT_WORKERS = 0  # 0: one extraction process per core
NEWSARC_DB_BATCH_SIZE = 500
# Incremental crawls: archived article pages are fetched again after factor × their age at
# the last fetch, kept between MIN and MAX seconds; every refetch is a conditional GET.
NEWSARC_INCREMENTAL = True
NEWSARC_RECRAWL_MIN = 3600
NEWSARC_RECRAWL_MAX = 30 * 86400
NEWSARC_RECRAWL_FACTOR = 0.5
NEWSARC_RESUME_CRAWLS: list[int] = []  # set by `newsarc crawl --resume`: crawls to continue
NEWSARC_SOURCE = ""  # the sources.yml entry a crawl runs, recorded in `crawls.source`
# Several workers sharing one crawl through Redis (crawler/distributed.py).
NEWSARC_REDIS_URL = ""  # redis://host:port/db; empty: a crawl of its own
NEWSARC_REDIS_KEY = "newsarc"  # the shared crawl's name: the prefix of its Redis keys
NEWSARC_REDIS_IDLE_TIMEOUT = 30.0  # stop once the whole frontier has been empty this long
NEWSARC_REDIS_HEARTBEAT_TTL = 10  # a worker silent this long is dead: its requests go back
NEWSARC_REDIS_WORKER = ""  # this worker's name (default: host-pid)

# `newsarc crawl --fast`: for servers you own (benchmarks, tests, the demo).
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
}
