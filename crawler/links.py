"""The links of a page, as Scrapy's LinkExtractor finds them (`<a href>`, `<area href>`), for
less: no Link objects with their anchor text, no URL canonicalised for uniqueness, and w3lib's
safe_url_string only for the URLs that need it. A news page has 100-300 links; Scrapy's
extractor was a fifth of the crawler's time on 80 KB pages (bench/performance.py)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

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
    join = url_joiner(get_base_url(response))
    urls: list[str] = []
    for href in response.selector.root.xpath(LINKS_XPATH):
        try:
            urls.append(join(strip_html5_whitespace(str(href))))
        except ValueError:  # a bogus link (an invalid IPv6 host, say): skipped, as Scrapy does
            continue
    # "/" is safe and no hex digit: a page's URLs joined by it hold an unsafe character, or a
    # "%" that starts no escape, exactly when one of them does. Most pages hold none.
    if not UNSAFE_RE.search("/".join(urls)):
        return list(dict.fromkeys(urls))
    found: dict[str, None] = {}
    for url in urls:
        if UNSAFE_RE.search(url):
            try:
                url = safe_url_string(url, encoding=response.encoding)
            except ValueError:
                continue
        found.setdefault(url)
    return list(found)


def url_joiner(base_url: str) -> Callable[[str], str]:
    """`urljoin(base_url, href)`, as a function of href.

    Most of a news page's links are root-relative ("/world/2026/story.html?p=2"): for those
    that urljoin would only append to the base's scheme and host (no "." or ".." segment, no
    ";" parameters, no empty query or fragment, no character that urlsplit strips or that
    Python does not print), the join is that concatenation, without urljoin's parsing of both
    URLs; the other hrefs go to urljoin.
    """
    fallback = functools.partial(urljoin, base_url)
    try:
        base = urlsplit(base_url)
    except ValueError:
        return fallback
    if base.scheme not in ("http", "https") or not base.netloc:
        return fallback
    origin = f"{base.scheme}://{base.netloc}"

    def join(href: str) -> str:
        return origin + href if appends_to_origin(href) else fallback(href)

    return join


def appends_to_origin(href: str) -> bool:
    """Whether urljoin(an http(s) base, href) is the base's scheme and host followed by href."""
    return (
        href[:1] == "/"
        and href[1:2] != "/"
        and "/." not in href
        and ";" not in href
        and "?#" not in href
        and not href.endswith(("?", "#"))
        and " " not in href
        and href.isprintable()
    )
