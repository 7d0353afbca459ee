"""Scrapy settings for newsarc: polite by default; `-s` or `newsarc crawl --fast` for local work."""

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
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
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
    # After RobotsTxtMiddleware (100): pages robots.txt forbids do not use up the budget.
    # After RobotsTxtMiddleware too; before the budget, which replayed pages do not use up.
    "crawler.middlewares.IncrementalMiddleware": 105,
    "crawler.middlewares.HostBudgetMiddleware": 110,
    # Above RedirectMiddleware (600) and HttpCompressionMiddleware (590): sees every response,
    # redirects and errors included, with the body still as it came over the wire.
    "crawler.middlewares.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

# newsarc's own settings
NEWSARC_DB = "archive.db"
NEWSARC_WARC_DIR = "warcs"
NEWSARC_WARC_PREFIX = "newsarc"
NEWSARC_WARC_MAX_SIZE = 1_000_000_000
NEWSARC_MAX_PAGES_PER_HOST = 20_000
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

# `newsarc crawl --fast`: for servers you own (benchmarks, tests, the demo).
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
}
