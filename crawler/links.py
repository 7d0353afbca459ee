"""The links of a page, as Scrapy's LinkExtractor finds them (`<a href>`, `<area href>`), for
less: no Link objects with their anchor text, no URL canonicalised for uniqueness, and w3lib's
safe_url_string only for the URLs that need it. A news page has 100-300 links; Scrapy's
extractor was a fifth of the crawler's time on 80 KB pages (bench/performance.py)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from w3lib.html import strip_html5_whitespace
from w3lib.url import safe_url_string

LINKS_XPATH = "//a/@href | //area/@href"  # document order
# What safe_url_string would change: characters a URL may not hold as they are, or a % that
# starts no escape.
UNSAFE_RE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")


def page_links(response: TextResponse) -> list[str]:
    """The absolute URLs the page links to, each once, in the order they first appear."""
    base_url = get_base_url(response)
    found: dict[str, None] = {}
    for href in response.selector.root.xpath(LINKS_XPATH):
        try:
            url = urljoin(base_url, strip_html5_whitespace(str(href)))
            if UNSAFE_RE.search(url):
                url = safe_url_string(url, encoding=response.encoding)
        except ValueError:  # a bogus link (an invalid IPv6 host, say): skipped, as Scrapy does
            continue
        found.setdefault(url)
    return list(found)
