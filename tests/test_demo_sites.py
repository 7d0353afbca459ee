"""The bundled demo sites: generator, manifest and the local static server (127.0.0.1 only)."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from extractors.spam import is_placeholder_id, tracker_ids
from newsarc.demo import build_sites, running_sites
from newsarc.demo.server import PROJECT_ROOT
from newsarc.demo.sites import url_to_file
from newsarc.demo.vocab import FARM_CATEGORIES, VISA_CATEGORIES

ARTICLES = 12
SEED_FILE = Path(__file__).resolve().parents[1] / "newsarc" / "demo" / "data" / "seed.txt"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}
BODY_XPATH = {
    "ledger": '//div[@class="entry-content"]/p',
    "tribune": '//div[@class="story-body"]/p',
    "farm": '//div[@class="td-post-content"]/p',
    "visas": '//div[@class="td-post-content"]/p',
}
FARMS = ("farm", "visas")
SHARED_IDS = [("adsense", "ca-pub-4817293650128374"), ("ga4", "G-7QK2M9XR4T")]


# -- helpers ------------------------------------------------------------------------------
class Reply:
    def __init__(self, response: http.client.HTTPResponse, body: bytes) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = body
        self.chunked = response.chunked

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def text(self) -> str:
        raw = gzip.decompress(self.body) if self.header("Content-Encoding") == "gzip" else self.body
        return raw.decode("utf-8")


def fetch(base: str, path: str, method: str = "GET", headers: dict | None = None) -> Reply:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response, response.read())
    finally:
        conn.close()


def page_links(html: str, base: str = "") -> set[str]:
    """Paths of every same-site href on a page (anchors and <link> elements)."""
    links = set()
    for href in lxml.html.fromstring(html).xpath("//a/@href | //link/@href"):
        parts = urlsplit(href)
        local = parts.scheme in ("", "http") and parts.netloc in ("", urlsplit(base).netloc)
        if local and parts.path:
            links.add(parts.path)
    return links


def disk_pages(root: Path, key: str) -> dict[str, str]:
    """URL path → text of every HTML page of a built site."""
    site = root / key
    pages = {}
    for file in site.rglob("*.html"):
        rel = file.relative_to(site).as_posix()
        path = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        pages[path] = file.read_text(encoding="utf-8")
    return pages


def site_entry(manifest: dict, key: str) -> dict:
    return manifest["sites"][key]


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo") / "sites"
    return root, build_sites(root, articles_per_site=ARTICLES, seed=0)


@pytest.fixture(scope="module")
def sites(built: tuple[Path, dict]):
    with running_sites(built[0]) as urls:
        yield urls


@pytest.fixture(scope="module")
def chunked_sites(built: tuple[Path, dict]):
    with running_sites(built[0], chunked_gzip=True) as urls:
        yield urls


# -- generator ----------------------------------------------------------------------------
def test_manifest_describes_four_sites(built: tuple[Path, dict]) -> None:
    root, manifest = built
    assert json.loads((root / "manifest.json").read_text()) == manifest
    names = {k: v["name"] for k, v in manifest["sites"].items()}
    assert names == {
        "ledger": "The Daily Ledger",
        "tribune": "Metro Tribune",
        "farm": "Job Recruitment Website",
        "visas": "Overseas Visa Jobs",
    }
    discovery = {
        key: [a["discovery"] for a in entry["articles"]] for key, entry in manifest["sites"].items()
    }
    assert discovery["ledger"].count("feed") >= 2 and "sitemap" not in discovery["ledger"]
    assert discovery["tribune"].count("sitemap") >= 2 and "feed" not in discovery["tribune"]
    assert set(discovery["farm"]) == {"link"}
    assert set(discovery["visas"]) == {"link"}
    for entry in manifest["sites"].values():
        assert len(entry["articles"]) == ARTICLES
        headlines = [a["title"] for a in entry["articles"]]
        assert len(set(headlines)) == len(headlines)
        assert entry["disallowed"] == ["/private/secret.html"]


def test_every_served_file_is_counted_once(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for key, entry in manifest["sites"].items():
        counted = [a["path"] for a in entry["articles"]] + entry["listings"] + entry["disallowed"]
        assert len(counted) == len(set(counted))
        special = {"/robots.txt", *entry["feeds"], *entry["sitemaps"]}
        files = [p for p in (root / key).rglob("*") if p.is_file()]
        on_disk = {"/" + p.relative_to(root / key).as_posix() for p in files}
        expected = {"/" + url_to_file(p) for p in counted} | special
        assert on_disk == expected


def test_farm_copies_reference_real_stories(built: tuple[Path, dict]) -> None:
    _, manifest = built
    sources = {
        f"{key}:{a['path']}": a
        for key in ("ledger", "tribune")
        for a in site_entry(manifest, key)["articles"]
    }
    farm = site_entry(manifest, "farm")["articles"]
    copies = [a for a in farm if a["copy_of"]]
    assert len(copies) == ARTICLES - 1
    assert any(a["spun"] for a in copies) and not all(a["spun"] for a in copies)
    for copy in copies:
        assert copy["title"] == sources[copy["copy_of"]]["title"]


def test_visas_copies_half_the_farms_stories_and_half_others(built: tuple[Path, dict]) -> None:
    _, manifest = built
    sources = {
        f"{key}:{a['path']}": a
        for key in ("ledger", "tribune")
        for a in site_entry(manifest, key)["articles"]
    }
    farmed = {a["copy_of"] for a in site_entry(manifest, "farm")["articles"] if a["copy_of"]}
    visas = site_entry(manifest, "visas")["articles"]
    assert len(visas) == ARTICLES and all(a["copy_of"] in sources for a in visas)
    assert len({a["copy_of"] for a in visas}) == ARTICLES  # no story copied twice
    shared = [a for a in visas if a["copy_of"] in farmed]
    assert len(shared) == ARTICLES // 2  # three captures each: the original and two copies
    assert sum(a["spun"] for a in visas) == ARTICLES // 2
    for copy in visas:
        source = sources[copy["copy_of"]]
        assert copy["title"] == source["title"]
        delay = datetime.fromisoformat(copy["published"]) - datetime.fromisoformat(
            source["published"]
        )
        assert timedelta(hours=3) <= delay <= timedelta(hours=96)
    seed_headline = SEED_FILE.read_text(encoding="utf-8").splitlines()[2]
    assert seed_headline not in {a["title"] for a in visas}


def body_of(root: Path, key: str, path: str) -> list[str]:
    html = (root / key / url_to_file(path)).read_text(encoding="utf-8")
    return [p.text_content() for p in lxml.html.fromstring(html).xpath(BODY_XPATH[key])]


def test_spun_and_verbatim_copies(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for farm in FARMS:
        for copy in site_entry(manifest, farm)["articles"]:
            if not copy["copy_of"]:
                continue
            key, path = copy["copy_of"].split(":", 1)
            original, farmed = body_of(root, key, path), body_of(root, farm, copy["path"])
            assert len(original) == len(farmed) >= 5
            if copy["spun"]:
                assert original != farmed
            else:
                assert original == farmed


def test_the_two_farms_spin_a_shared_story_differently(tmp_path: Path) -> None:
    manifest = build_sites(tmp_path, articles_per_site=40, seed=0)
    farm = {a["copy_of"]: a for a in site_entry(manifest, "farm")["articles"] if a["spun"]}
    both = [
        (farm[a["copy_of"]], a)
        for a in site_entry(manifest, "visas")["articles"]
        if a["spun"] and a["copy_of"] in farm
    ]
    assert both
    for farm_copy, visas_copy in both:
        assert body_of(tmp_path, "farm", farm_copy["path"]) != body_of(
            tmp_path, "visas", visas_copy["path"]
        )


def test_build_is_deterministic(tmp_path: Path, built: tuple[Path, dict]) -> None:
    root, manifest = built

    def snapshot(base: Path) -> dict[str, bytes]:
        return {
            p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()
        }

    assert build_sites(tmp_path / "again", ARTICLES, seed=0) == manifest
    assert snapshot(tmp_path / "again") == snapshot(root)
    other = build_sites(tmp_path / "other", ARTICLES, seed=1)
    assert other["sites"]["ledger"]["articles"] != manifest["sites"]["ledger"]["articles"]


def test_article_and_listing_pages_look_real(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for key, entry in manifest["sites"].items():
        for article in entry["articles"]:
            html = (root / key / url_to_file(article["path"])).read_text(encoding="utf-8")
            assert 8_000 <= len(html.encode()) <= 40_000
            tree = lxml.html.fromstring(html)
            assert tree.get("lang") == "en"
            assert tree.findtext(".//title") == article["html_title"]
            meta = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
            assert meta["og:type"] == "article"
            assert meta["og:site_name"] == entry["name"]
            assert meta["article:published_time"] == article["published"]
            assert 5 <= len(tree.xpath(BODY_XPATH[key])) <= 12
            assert "By " in tree.text_content()
        for path in entry["listings"]:
            tree = lxml.html.fromstring((root / key / url_to_file(path)).read_bytes())
            assert tree.xpath('//meta[@property="og:type"]/@content') == ["website"]
            assert max(len(p.text_content()) for p in tree.xpath("//p")) < 400


def test_visas_titles_boilerplate_and_urls(built: tuple[Path, dict]) -> None:
    root, manifest = built
    farm_path = site_entry(manifest, "farm")["articles"][0]["path"]
    farm_html = (root / "farm" / url_to_file(farm_path)).read_text(encoding="utf-8")
    for article in site_entry(manifest, "visas")["articles"]:
        prefix = "Overseas Visa Jobs » "
        assert article["html_title"].startswith(prefix)
        category, sep, headline = article["html_title"][len(prefix) :].partition(" » ")
        assert sep and category in VISA_CATEGORIES and headline == article["title"]
        assert re.fullmatch(r"/20\d\d/[01]\d/[a-z0-9-]+\.html", article["path"])
        assert article["path"][1:8] == article["published"][:7].replace("-", "/")
        html = (root / "visas" / url_to_file(article["path"])).read_text(encoding="utf-8")
        tree = lxml.html.fromstring(html)
        assert tree.findtext(".//title") == article["html_title"]
        assert tree.findtext(".//h1").strip() == article["title"]
        assert 'type="application/rss+xml"' in html and "/rss.xml" in html
        notice = tree.findtext('.//div[@class="copyright-notice"]')
        assert notice.startswith("Disclaimer: ") and notice not in farm_html
    assert not set(VISA_CATEGORIES) & set(FARM_CATEGORIES)
    footers = {
        key: lxml.html.fromstring((root / key / "index.html").read_bytes())
        .xpath('//div[@class="td-footer-wrap"]/p')[0]
        .text_content()
        for key in FARMS
    }
    assert footers["farm"] != footers["visas"] and "Overseas Visa Jobs" in footers["visas"]


def test_both_farms_share_one_operators_ids_and_the_ledger_has_its_own(
    built: tuple[Path, dict],
) -> None:
    root, manifest = built
    for key, entry in manifest["sites"].items():
        pages = [a["path"] for a in entry["articles"]] + entry["listings"]
        found = {
            tuple(tracker_ids((root / key / url_to_file(path)).read_text(encoding="utf-8")))
            for path in pages
        }
        expected = {
            "ledger": [("ga4", "G-L3DG3R2024")],
            "tribune": [],
            "farm": SHARED_IDS,
            "visas": SHARED_IDS,
        }[key]
        assert found == {tuple(expected)}, key  # on every page of the site
        assert not any(is_placeholder_id(tracker_id) for _, tracker_id in expected)


# -- server -------------------------------------------------------------------------------
def test_manifest_paths_are_served(built: tuple[Path, dict], sites: dict[str, str]) -> None:
    _, manifest = built
    assert list(sites) == ["ledger", "tribune", "farm", "visas"]
    feed_types = {
        "/feed.xml": "application/rss+xml",
        "/atom.xml": "application/atom+xml",
        "/rss.xml": "application/rss+xml",
    }
    for key, entry in manifest["sites"].items():
        base = sites[key]
        pages = [a["path"] for a in entry["articles"]] + entry["listings"] + entry["disallowed"]
        for path in pages:
            reply = fetch(base, path)
            assert reply.status == 200, (key, path)
            assert reply.header("Content-Type") == "text/html; charset=utf-8"
            assert "{{BASE}}" not in reply.text()
        for path in entry["feeds"]:
            assert fetch(base, path).header("Content-Type") == feed_types[path]
        for path in entry["sitemaps"]:
            assert fetch(base, path).header("Content-Type") == "application/xml"
        robots = fetch(base, "/robots.txt")
        assert robots.status == 200 and robots.header("Content-Type") == "text/plain"
        missing = fetch(base, "/no/such/page.html")
        assert missing.status == 404 and b"Not Found" in missing.body


def test_head_redirect_and_query(sites: dict[str, str]) -> None:
    base = sites["ledger"]
    head = fetch(base, "/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.header("Content-Length")) == len(fetch(base, "/").body)
    moved = fetch(base, "/category/world")
    assert moved.status == 301 and moved.header("Location") == "/category/world/"
    assert fetch(base, "/?utm_source=test").status == 200


def test_feed_and_sitemap_urls_are_absolute(
    built: tuple[Path, dict], sites: dict[str, str]
) -> None:
    _, manifest = built
    ledger, tribune, farm = sites["ledger"], sites["tribune"], sites["farm"]

    rss = ET.fromstring(fetch(ledger, "/feed.xml").body)
    links = [e.text for e in rss.iter("link")]
    assert links and all(link.startswith(ledger + "/") for link in links)
    feed_only = {
        a["path"] for a in site_entry(manifest, "ledger")["articles"] if a["discovery"] == "feed"
    }
    assert feed_only <= {urlsplit(link).path for link in links}

    atom = ET.fromstring(fetch(farm, "/atom.xml").body)
    hrefs = [e.get("href") for e in atom.iter(f"{{{NS['atom']}}}link")]
    assert hrefs and all(h.startswith(farm + "/") for h in hrefs)

    visas = sites["visas"]
    visas_rss = ET.fromstring(fetch(visas, "/rss.xml").body)
    links = [e.text for e in visas_rss.iter("link")]
    assert links and all(link.startswith(visas + "/") for link in links)
    self_link = visas_rss.find(f"channel/{{{NS['atom']}}}link")
    assert self_link is not None and self_link.get("href") == f"{visas}/rss.xml"
    newest = [a["path"] for a in site_entry(manifest, "visas")["articles"]]
    assert [urlsplit(link).path for link in links[1:]] == newest[: len(links) - 1]

    robots = fetch(tribune, "/robots.txt").text()
    assert f"Sitemap: {tribune}/sitemap_index.xml" in robots.splitlines()
    index = ET.fromstring(fetch(tribune, "/sitemap_index.xml").body)
    maps = [e.text for e in index.iterfind("sm:sitemap/sm:loc", NS)]
    assert [urlsplit(m).path for m in maps] == ["/sitemap-news.xml", "/sitemap-articles.xml"]
    listed = set()
    for sitemap in maps:
        assert sitemap.startswith(tribune + "/")
        tree = ET.fromstring(fetch(tribune, urlsplit(sitemap).path).body)
        locs = [e.text for e in tree.iterfind("sm:url/sm:loc", NS)]
        assert locs and all(loc.startswith(tribune + "/") for loc in locs)
        listed |= {urlsplit(loc).path for loc in locs}
    news = ET.fromstring(fetch(tribune, "/sitemap-news.xml").body)
    first = news.find("sm:url/news:news", NS)
    assert first.findtext("news:publication/news:name", namespaces=NS) == "Metro Tribune"
    assert first.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert first.findtext("news:title", namespaces=NS)
    assert first.findtext("news:publication_date", namespaces=NS)
    articles = {a["path"] for a in site_entry(manifest, "tribune")["articles"]}
    assert articles == listed


def test_hidden_articles_are_not_linked(built: tuple[Path, dict]) -> None:
    root, manifest = built
    for key in ("ledger", "tribune"):
        articles = site_entry(manifest, key)["articles"]
        hidden = {a["path"] for a in articles if a["discovery"] != "link"}
        assert len(hidden) >= 2
        for path, html in disk_pages(root, key).items():
            assert not (page_links(html) & (hidden - {path})), (key, path)


def test_crawl_from_home_finds_exactly_the_linked_articles(
    built: tuple[Path, dict], sites: dict[str, str]
) -> None:
    _, manifest = built
    for key, entry in manifest["sites"].items():
        base = sites[key]
        seen, queue = {"/"}, deque(["/"])
        while queue:
            path = queue.popleft()
            reply = fetch(base, path)
            assert reply.status == 200, (key, path)
            if not reply.header("Content-Type").startswith("text/html"):
                continue
            for link in page_links(reply.text(), base):
                link = urlsplit(urljoin(path, link)).path
                if link.startswith("/private/") or link.endswith(".xml") or link in seen:
                    continue
                seen.add(link)
                queue.append(link)
        linked = {a["path"] for a in entry["articles"] if a["discovery"] == "link"}
        assert seen & {a["path"] for a in entry["articles"]} == linked
        assert seen >= set(entry["listings"])


def test_robots_disallows_private_page(built: tuple[Path, dict], sites: dict[str, str]) -> None:
    _, manifest = built
    for key, base in sites.items():
        parser = RobotFileParser()
        parser.parse(fetch(base, "/robots.txt").text().splitlines())
        assert not parser.can_fetch("*", f"{base}/private/secret.html")
        assert parser.can_fetch("*", f"{base}/")
        home_links = page_links(fetch(base, "/").text(), base)
        assert "/private/secret.html" in home_links
        assert fetch(base, "/private/secret.html").status == 200
        robots = fetch(base, "/robots.txt").text()
        assert ("Sitemap:" in robots) == (key == "tribune")


def test_farm_titles_and_seed_page(built: tuple[Path, dict], sites: dict[str, str]) -> None:
    _, manifest = built
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    seeds = [a for a in site_entry(manifest, "farm")["articles"] if a["title"] == lines[2]]
    assert len(seeds) == 1 and seeds[0]["html_title"] == lines[0]
    for article in site_entry(manifest, "farm")["articles"]:
        prefix = "Job Recruitment Website - "
        assert article["html_title"].startswith(prefix)
        category, sep, headline = article["html_title"][len(prefix) :].partition(" - ")
        assert sep and category in FARM_CATEGORIES and headline == article["title"]
        html = fetch(sites["farm"], article["path"]).text()
        tree = lxml.html.fromstring(html)
        assert tree.findtext(".//title") == article["html_title"]
        assert tree.findtext(".//h1").strip() == article["title"]
        assert tracker_ids(html) == SHARED_IDS
        assert 'type="application/atom+xml"' in html
    seed_html = fetch(sites["farm"], seeds[0]["path"]).text()
    text = lxml.html.fromstring(seed_html).text_content()
    for paragraph in filter(None, (line.strip() for line in lines[3:])):
        assert paragraph in text


def test_gzip_responses(built: tuple[Path, dict], sites: dict[str, str]) -> None:
    _, manifest = built
    path = site_entry(manifest, "ledger")["articles"][0]["path"]
    plain = fetch(sites["ledger"], path)
    packed = fetch(sites["ledger"], path, headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.header("Content-Encoding") is None
    assert packed.header("Content-Encoding") == "gzip"
    assert packed.header("Vary") == "Accept-Encoding"
    assert int(packed.header("Content-Length")) == len(packed.body) < len(plain.body)
    assert gzip.decompress(packed.body) == plain.body
    refused = fetch(sites["ledger"], path, headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.header("Content-Encoding") is None
    tribune = fetch(sites["tribune"], "/", headers={"Accept-Encoding": "gzip"})
    assert not tribune.chunked and tribune.header("Content-Length")


def test_chunked_gzip_on_tribune(built: tuple[Path, dict], chunked_sites: dict[str, str]) -> None:
    _, manifest = built
    gz = {"Accept-Encoding": "gzip"}
    for path in ["/", site_entry(manifest, "tribune")["articles"][0]["path"], "/robots.txt"]:
        reply = fetch(chunked_sites["tribune"], path, headers=gz)
        assert reply.chunked and reply.header("Transfer-Encoding") == "chunked"
        assert reply.header("Content-Length") is None
        assert reply.header("Content-Encoding") == "gzip"
        assert reply.text() == fetch(chunked_sites["tribune"], path).text()
    ledger = fetch(chunked_sites["ledger"], "/", headers=gz)
    assert not ledger.chunked and int(ledger.header("Content-Length")) == len(ledger.body)


def test_server_process_exits_quietly(built: tuple[Path, dict]) -> None:
    command = [sys.executable, "-m", "newsarc.demo.server", str(built[0]), "--no-gzip"]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
    )
    try:
        urls = json.loads(proc.stdout.readline())
        reply = fetch(urls["farm"], "/", headers={"Accept-Encoding": "gzip"})
        assert reply.status == 200 and reply.header("Content-Encoding") is None
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0 and out == b"" and err == b""


def test_running_sites_reports_a_dead_server(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="no site folders"), running_sites(tmp_path):
        pass
