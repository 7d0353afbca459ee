"""The `news` spider: discovers pages by links, RSS/Atom feeds and sitemaps within its start hosts.

    scrapy crawl news -a url=https://example.com/
    scrapy crawl news -a url=https://a.example/,https://b.example/ -a feeds=https://a.example/rss
    scrapy crawl news -a url=https://a.example/ -a sitemaps=https://a.example/sitemap.xml

It does not decide what is an article: every HTML page goes to the pipeline, which classifies
it (listing pages are only captured and followed; article pages are extracted).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.http import Request, Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.encoding import http_content_type_encoding

from crawler.guard import AddressPolicy
from crawler.links import page_links
from crawler.middlewares import CAPTURE_META_KEY, PAGE_TYPE_META_KEY, due_articles, recrawl_policy
from crawler.pipelines import PageItem
from extractors import decode_html
from extractors.counts import KeySet, key_of
from extractors.urls import site_key

ATOM = "{http://www.w3.org/2005/Atom}"
SKIPPED_EXTENSIONS = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)  # for str.endswith
FEED_LINK_XPATH = (
    "//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href"
)
_XML_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, huge_tree=False
)


def response_charset(response: Response) -> str | None:
    """The charset the response's Content-Type header names, if any."""
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    return http_content_type_encoding(content_type)


def split_urls(value: str | Iterable[str] | None) -> list[str]:
    """Accept a comma/space separated string (from `-a`) or a list (from code)."""
    if not value:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [with_path(url.strip()) for url in value if url.strip()]


def with_path(url: str) -> str:
    """`http://host` → `http://host/`: the URL a browser (and the WARC) would name."""
    parts = urlsplit(url)
    return parts._replace(path="/").geturl() if not parts.path else url


def feed_entries(body: bytes) -> list[tuple[str, str | None]]:
    """(URL, title) of the entries of an RSS 2.0, RSS 1.0 or Atom feed."""
    try:
        root = etree.fromstring(body, parser=_XML_PARSER)
    except etree.XMLSyntaxError:  # empty or not XML at all
        return []
    if root is None:
        return []
    entries = [
        (link.strip(), entry_title(item, "*[local-name()='title']"))
        for item in root.xpath("//*[local-name()='item']")
        for link in item.xpath("*[local-name()='link']/text()")[:1]
    ]
    for entry in root.iter(f"{ATOM}entry"):
        for link in entry.iter(f"{ATOM}link"):
            if link.get("rel", "alternate") == "alternate" and link.get("href"):
                entries.append((link.get("href").strip(), entry_title(entry, "atom:title")))
                break
    return [(url, title) for url, title in entries if url]


def entry_title(entry: etree._Element, xpath: str) -> str | None:
    text = entry.xpath(f"string({xpath})", namespaces={"atom": ATOM[1:-1]})
    return " ".join(text.split()) or None


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        url: str | Iterable[str] | None = None,
        urls: str | Iterable[str] | None = None,
        feeds: str | Iterable[str] | None = None,
        sitemaps: str | Iterable[str] | None = None,
        hosts: str | Iterable[str] | None = None,
        join: str | bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = split_urls(url) + split_urls(urls)
        self.feed_urls = split_urls(feeds)
        self.sitemap_urls = split_urls(sitemaps)
        # A worker joining a shared crawl (newsarc worker): its requests come from Redis.
        self.join = join not in (False, "", "0", "false")
        if not (self.start_urls or self.feed_urls or self.sitemap_urls or self.join):
            raise ValueError("give at least one start URL (-a url=...), feed or sitemap")
        every_url = self.start_urls + self.feed_urls + self.sitemap_urls
        self.allowed_sites = {site_key(u) for u in every_url}
        if isinstance(hosts, str):
            hosts = hosts.replace(",", " ").split()
        self.allowed_sites |= {site_key(f"http://{host}/") for host in hosts or ()}
        self.followed = KeySet()  # links yielded, by depth (see `follows`)
        self.guard = AddressPolicy()  # the crawl's, once from_crawler has the settings

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        spider.guard = AddressPolicy.from_settings(crawler.settings)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        if self.join:
            return
        for url in self.start_urls:
            yield Request(url, self.parse_page, errback=self.start_failed, meta={"start": True})
        for url in self.feed_urls:
            yield Request(url, self.parse_feed, errback=self.start_failed, meta={"start": True})
        for url in self.sitemap_urls:
            yield Request(url, self.parse_sitemap, errback=self.start_failed, meta={"start": True})
        if not self.settings.getbool("ROBOTSTXT_OBEY"):
            # Otherwise RobotsTxtMiddleware fetches robots.txt and robots_parsed() reads it.
            for root in sorted({self.site_root(u) for u in self.start_urls}):
                yield Request(f"{root}/robots.txt", self.parse_robots)
        for url in self.due_recrawls():
            yield Request(url, self.parse_page, meta={"discovery": "recrawl"})

    def due_recrawls(self) -> list[str]:
        """Archived articles of these sites due to be fetched again (incremental crawls)."""
        if not self.settings.getbool("NEWSARC_INCREMENTAL"):
            return []
        policy = recrawl_policy(self.settings)
        urls = due_articles(self.settings.get("NEWSARC_DB"), self.allowed_sites, policy)
        self.crawler.stats.set_value("newsarc/recrawl/due", len(urls))
        return urls

    @staticmethod
    def site_root(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def is_allowed(self, url: str) -> bool:
        return url.startswith(("http://", "https://")) and site_key(url) in self.allowed_sites

    def follows(self, url: str, depth: int) -> bool:
        """Whether to follow a link found on a page: allowed, not a file that is no page
        (Scrapy's IGNORED_EXTENSIONS), and not yielded before at this depth. A news page
        repeats most of its 100+ links (menus, related stories): the duplicate filter would
        drop them, but only after a Request and every spider middleware. By depth, because
        a link DEPTH_LIMIT dropped deep down must still be followed from a shallower page."""
        key = key_of(f"{depth} {url}")
        if key in self.followed:  # first: most links are repeats, and parsing URLs costs more
            return False
        if not self.is_allowed(url):
            self.note_guarded_link(url)
            return False
        if urlsplit(url).path.lower().endswith(SKIPPED_EXTENSIONS):
            return False
        self.followed.add(key)
        return True

    def note_guarded_link(self, url: str) -> None:
        """Count a link (not followed: it leaves the crawl's sites) to an address the guard
        would refuse, such as a cloud metadata endpoint (newsarc/guard/links/<kind>): a page
        that points there says something about its site."""
        netloc = url.partition("://")[2].split("/", 1)[0]
        first = netloc.rpartition("@")[2][:1]
        if not (first.isdigit() or first == "["):  # a name, not an IP address: skipped
            return
        refusal = self.guard.refusal(urlsplit(url).hostname or "")
        if refusal is not None:
            self.crawler.stats.inc_value(f"newsarc/guard/links/{refusal.kind}")

    def start_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("newsarc/start_failed")
        self.crawler.stats.set_value(
            f"newsarc/start_error/{request.url}", failure.getErrorMessage() or repr(failure.value)
        )
        self.logger.error("could not fetch %s: %s", request.url, failure.getErrorMessage())

    def _count_start(self, response: Response) -> None:
        if response.meta.get("start"):
            self.crawler.stats.inc_value("newsarc/start_ok")

    def parse_page(self, response: Response) -> Iterator[Any]:
        self._count_start(response)
        if not isinstance(response, TextResponse) or b"html" not in (
            response.headers.get("Content-Type") or b"html"
        ):
            return
        # decode_html, as reindex does: the same text either way, and a page whose declared
        # charset lies (a content farm's cp1251 page "in UTF-8") reads right
        faults: list[str] = []
        html = decode_html(response.body, response_charset(response), faults)
        for fault in faults:
            self.crawler.stats.inc_value(f"newsarc/content/{fault}")
        yield PageItem(
            url=response.url,
            capture=response.meta.get(CAPTURE_META_KEY),
            html=html,
            discovery=response.meta.get("discovery", "link"),
            feed_title=response.meta.get("feed_title"),
            known_page_type=response.meta.get(PAGE_TYPE_META_KEY),
        )
        for href in response.xpath(FEED_LINK_XPATH).getall():
            feed_url = response.urljoin(href)
            if self.is_allowed(feed_url):
                yield Request(feed_url, self.parse_feed)
        depth = response.meta.get("depth", 0) + 1
        for url in page_links(response):
            if self.follows(url, depth):
                yield Request(url, self.parse_page)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        self._count_start(response)
        self.crawler.stats.inc_value("newsarc/feeds")
        for url, title in feed_entries(response.body):
            url = response.urljoin(url)
            if self.is_allowed(url):
                meta = {"discovery": "feed", "feed_title": title}
                yield Request(url, self.parse_page, meta=meta)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        self._count_start(response)
        body = response.body
        if body[:2] == b"\x1f\x8b":  # a .xml.gz file, not a Content-Encoding
            body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            sitemap = Sitemap(body)
        except (etree.XMLSyntaxError, StopIteration):
            self.logger.warning("not a sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value(f"newsarc/sitemaps/{sitemap.type}")
        for entry in sitemap:
            url = response.urljoin(entry.get("loc", ""))
            if not self.is_allowed(url):
                continue
            if sitemap.type == "sitemapindex":
                yield Request(url, self.parse_sitemap)
            else:
                yield Request(url, self.parse_page, meta={"discovery": "sitemap"})

    def parse_robots(self, response: Response) -> Iterator[Request]:
        from protego import Protego  # noqa: PLC0415 - only when robots.txt is not obeyed

        yield from self.sitemap_requests(Protego.parse(response.text).sitemaps)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """RobotsTxtMiddleware read a host's robots.txt: crawl the sitemaps it names."""
        sitemaps = getattr(getattr(robotparser, "rp", None), "sitemaps", [])
        for sitemap_request in self.sitemap_requests(sitemaps):
            self.crawler.engine.crawl(sitemap_request)

    def sitemap_requests(self, sitemap_urls: Iterable[str]) -> Iterator[Request]:
        for url in sitemap_urls:
            if self.is_allowed(url):
                yield Request(url, self.parse_sitemap)
