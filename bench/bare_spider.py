"""A bare Scrapy spider: follows every link within its start hosts, stores nothing.

The baseline of bench/crawl_speed.py. Run with `scrapy runspider bench/bare_spider.py
-a urls=http://a/,http://b/ -a stats=out.json`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import scrapy
from scrapy.linkextractors import LinkExtractor


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: str, stats: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = urls.split(",")
        self.hosts = {urlsplit(url).netloc for url in self.start_urls}
        self.stats_path = stats
        self.links = LinkExtractor(unique=True)

    def parse(self, response):
        if not hasattr(response, "text"):
            return
        for link in self.links.extract_links(response):
            if urlsplit(link.url).netloc in self.hosts:
                yield scrapy.Request(link.url, self.parse)

    def closed(self, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        with open(self.stats_path, "w") as out:
            json.dump(stats, out, default=str)
