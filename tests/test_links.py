"""crawler.links.page_links finds what Scrapy's LinkExtractor finds (the URLs a crawl follows)."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urljoin

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url, safe_url_string

from crawler.links import appends_to_origin, page_links, url_joiner
from newsarc.demo import build_sites

TRICKY = """<html><head><base href="/section/"></head><body>
<a href="story-1.html">relative to the base</a> <a href=" /abs/path?b=2&a=1 ">spaces</a>
<a href="/abs/path?a=1&b=2">the same, reordered</a> <a href="#top">fragment</a>
<a href="//other.example/x">scheme-relative</a> <a href="javascript:void(0)">js</a>
<a href="mailto:desk@a.example">mail</a> <a href="http://[::1">bogus</a>
<a href="/путь/новость?q=знак">non-ASCII</a> <a href="/a b/c%zz">unsafe</a>
<area href="/map-area" alt="x"><a name="anchor-only">no href</a>
<a href="/story-1.html#comments">with a fragment</a><a href="/ok%20done">escaped</a>
</body></html>"""


def followed(urls: list[str]) -> list[str]:
    """What the duplicate filter would let through, in order (http and https only)."""
    seen: dict[str, None] = {}
    for url in urls:
        if url.startswith(("http://", "https://")):
            seen.setdefault(canonicalize_url(url), None)
    return list(seen)


def scrapy_links(response: HtmlResponse) -> list[str]:
    return [
        link.url for link in LinkExtractor(unique=True, deny_extensions=[]).extract_links(response)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_tricky_page(encoding: str) -> None:
    body = TRICKY.encode(encoding)
    response = HtmlResponse("http://a.example/news/page.html", body=body, encoding=encoding)
    assert followed(page_links(response)) == followed(scrapy_links(response))
    assert "http://a.example/section/story-1.html" in page_links(response)


def test_the_demo_sites(tmp_path: Path) -> None:
    build_sites(tmp_path / "sites", articles_per_site=30)
    pages = sorted((tmp_path / "sites").rglob("*.html"))
    assert len(pages) > 100
    for page in pages:
        url = "http://127.0.0.1:8000/" + page.relative_to(tmp_path / "sites").as_posix()
        response = HtmlResponse(url, body=page.read_bytes(), encoding="utf-8")
        assert followed(page_links(response)) == followed(scrapy_links(response)), page


# Hrefs made of every combination of these parts: the forms urljoin treats apart (dot segments,
# parameters, empty queries and fragments, characters urlsplit strips) and plain ones.
HREF_STARTS = ["/", "/a", "/a/b", "/a/", "//x", "", "a", "./", "../", "?", "#", "http://o.test"]
HREF_MIDDLES = ["", ".", "..", "/.", "/..", "//", ";p", " ", "\t", "\n", "é", "[1]", "%20", "%zz",
                "\x00", "\u00a0", "/./x", "/../x", "a.b", "\\"]  # fmt: skip
HREF_ENDS = ["", "?", "?q=1", "?#", "#", "#f", "?q#f", "??", "#?", "/", "?a=/.b", "#/..", ";x"]
BASES = ["http://a.test", "http://a.test/", "https://A.Test:8080/x/y.html?q=1#f",
         "http://u:p@a.test/d/e", "http://[::1]:80/x", "http://a.test/a/b/../c;p?q",
         "ftp://a.test/x"]  # fmt: skip


def joined(join, href: str) -> str | type[ValueError]:
    try:
        return join(href)
    except ValueError:
        return ValueError


@pytest.mark.parametrize("base", BASES)
def test_urls_are_joined_as_urljoin_joins_them(base: str) -> None:
    join = url_joiner(base)
    hrefs = ["".join(parts) for parts in itertools.product(HREF_STARTS, HREF_MIDDLES, HREF_ENDS)]
    for href in hrefs:
        assert joined(join, href) == joined(lambda h: urljoin(base, h), href), (base, href)
    # the shortcut is taken for the plain root-relative hrefs, and only for them
    assert appends_to_origin("/a/b.html?q=1#f")
    assert sum(map(appends_to_origin, hrefs)) > 100
    assert not any(map(appends_to_origin, ["/a/./b", "/a;p", "/a?", "/a#", "/a?#f", "//x", "a"]))


def test_a_page_with_unsafe_urls_gets_each_once_made_safe() -> None:
    """As w3lib's safe_url_string makes each, then each once: "/c d" and "/c%20d" are one."""
    links = ["/a", "/b", "/a", "/c d", "/b", "/e%zz", "/c%20d", "/f"]
    body = "".join(f'<a href="{href}">x</a>' for href in links)
    response = HtmlResponse("http://a.example/", body=f"<html><body>{body}</body></html>",
                            encoding="utf-8")  # fmt: skip
    expected = [safe_url_string(urljoin("http://a.example/", href)) for href in links]
    assert page_links(response) == list(dict.fromkeys(expected))
    assert page_links(response) == [
        "http://a.example/a", "http://a.example/b", "http://a.example/c%20d",
        "http://a.example/e%zz", "http://a.example/f",
    ]  # fmt: skip
    safe = HtmlResponse("http://a.example/", body="<a href='/a'>a</a><a href='/a'>a</a>",
                        encoding="utf-8")  # fmt: skip
    assert page_links(safe) == ["http://a.example/a"]
