"""Ad and analytics IDs: extracted from every page in the workers, counted per site, and the
sites that share one found by a canned query."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

from archive.publish import make_datasette
from conftest import article_html

SHARED = "ca-pub-4817293650128374"
ADSENSE = (
    '<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?'
    'client={id}"></script><ins class="adsbygoogle" data-ad-client="{id}" data-ad-slot="1"></ins>'
)


def serve_site(server: HTTPServer, tracker_html: str) -> None:
    links = "".join(f'<a href="/news/{n}.html">story {n}</a> ' for n in range(3))
    server.expect_request("/").respond_with_data(
        f"<html><head>{tracker_html}</head><body>{links}</body></html>", content_type="text/html"
    )
    for n in range(3):
        page = article_html(f"s{n}-{server.port}", f"Story {n} from {server.port}")
        page = page.replace("</body>", f"{tracker_html}</body>")
        server.expect_request(f"/news/{n}.html").respond_with_data(page, content_type="text/html")


def test_sites_sharing_an_id_are_found(tmp_path: Path) -> None:
    gtm = '<script>(function(w){w.gtm="GTM-K9PQ2ZT"})(window)</script>'
    with (
        HTTPServer(host="127.0.0.1", port=0) as first,
        HTTPServer(host="127.0.0.1", port=0) as second,
        HTTPServer(host="127.0.0.1", port=0) as other,
    ):
        serve_site(first, ADSENSE.format(id=SHARED))
        serve_site(second, ADSENSE.format(id=SHARED) + gtm)
        serve_site(other, ADSENSE.format(id="ca-pub-9031846275501937"))
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", first.url_for("/"), second.url_for("/"),
             other.url_for("/"), "--fast", "--db", str(tmp_path / "a.db"),
             "--warc-dir", str(tmp_path / "warcs")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        hosts = {server.port: f"127.0.0.1:{server.port}" for server in (first, second, other)}
    assert result.returncode == 0, result.stderr[-2000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        trackers = conn.execute(
            "SELECT host, kind, tracker_id, pages FROM site_trackers ORDER BY host, tracker_id"
        ).fetchall()
        slots = conn.execute("SELECT min(ad_slots), count(*) FROM articles").fetchone()
    assert (hosts[first.port], "adsense", SHARED, 4) in trackers  # the home page and 3 stories
    assert (hosts[second.port], "gtm", "GTM-K9PQ2ZT", 4) in trackers
    assert slots == (1, 9)

    datasette = make_datasette(tmp_path / "a.db")
    response = asyncio.run(datasette.client.get("/a/shared_trackers.json?_shape=objects"))
    assert response.status_code == 200, response.text[:300]
    rows = response.json()["rows"]
    assert [(row["tracker_id"], row["sites"]) for row in rows] == [(SHARED, 2)]
    assert hosts[first.port] in rows[0]["hosts"] and hosts[second.port] in rows[0]["hosts"]
    assert hosts[other.port] not in rows[0]["hosts"]
