"""crawler.links.page_links finds what Scrapy's LinkExtractor finds (the URLs a crawl follows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url

from crawler.links import page_links
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
