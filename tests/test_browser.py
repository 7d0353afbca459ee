"""A real browser (Playwright driving Debian's Chromium) walks the archive as a person would.

Search for a word, open the article, follow its capture link, and check that the capture renders
while its `<script>` and `<img onerror>` stay dead. A control page serves the same hostile HTML
without the sandbox, to prove that the markers this test looks for do appear when scripts run.
"""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import article_html

CHROMIUM = "/usr/bin/chromium"
# Flags for a root, offline machine: no sandbox (root), no background calls to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE_PAGE = article_html("hostile", "Lighthouse keepers return").replace(
    "</body>",
    "<script>document.body.insertAdjacentHTML('beforeend', '<p id=\"script-ran\">ran</p>')"
    "</script>"
    '<img src="/missing.png" onerror="document.body.insertAdjacentHTML(\'beforeend\','
    " '<p id=&quot;onerror-ran&quot;>ran</p>')\"></body>",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site() -> Iterator[HTTPServer]:
    with HTTPServer(host="127.0.0.1", port=0) as server:
        home = '<html><body><a href="/keepers.html">Lighthouse keepers</a></body></html>'
        server.expect_request("/").respond_with_data(home, content_type="text/html")
        body = gzip.compress(HOSTILE_PAGE.encode("utf-8"))
        headers = {"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"}
        keepers = Response(body, headers=headers)
        server.expect_request("/keepers.html").respond_with_response(keepers)
        yield server


@pytest.fixture(scope="module")
def served_archive(site: HTTPServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Crawl the site into an archive and serve it with `newsarc serve`; yields its base URL."""
    out = tmp_path_factory.mktemp("browser")
    db = out / "archive.db"
    crawl = subprocess.run(
        [sys.executable, "-m", "newsarc", "crawl", site.url_for("/"), "--fast",
         "--db", str(db), "--warc-dir", str(out / "warcs")],
        capture_output=True, text=True, timeout=120, cwd=out,
    )  # fmt: skip
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "newsarc", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=out,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_up(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"newsarc serve exited: {server.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"newsarc serve did not answer on {base} within {timeout} s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def test_control_the_hostile_page_does_run_scripts_without_the_sandbox(
    page: Page, site: HTTPServer
) -> None:
    page.goto(site.url_for("/keepers.html"))
    page.wait_for_selector("#script-ran", timeout=5000)
    page.wait_for_selector("#onerror-ran", timeout=5000)


def test_search_article_capture_in_two_clicks_and_nothing_runs(
    page: Page, served_archive: str
) -> None:
    page.goto(served_archive + "/archive/articles?_search=lighthouse")
    row_link = page.locator("table.rows-and-columns td.col-id a").first
    row_link.click()  # click 1: the article's row
    page.wait_for_load_state()
    assert "/archive/articles/" in page.url
    assert page.locator("h1").first.inner_text().strip() != ""
    page.get_by_role("link", name="capture", exact=False).first.click()  # click 2: its capture
    page.wait_for_load_state()
    assert "/-/capture/" in page.url
    banner = page.locator("body").inner_text()
    assert "Archived capture" in banner and "/keepers.html" in banner and "HTTP 200" in banner

    frame = page.frame_locator("iframe")
    frame.locator("h1").wait_for(timeout=10_000)
    assert frame.locator("h1").inner_text() == "Lighthouse keepers return"  # it renders
    page.wait_for_timeout(500)  # give a script or an onerror handler time to fire
    assert frame.locator("#script-ran").count() == 0
    assert frame.locator("#onerror-ran").count() == 0
    assert page.locator("#script-ran, #onerror-ran").count() == 0
    assert page.locator("iframe").get_attribute("sandbox") == ""
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_body_opened_directly_is_still_sandboxed(page: Page, served_archive: str) -> None:
    page.goto(served_archive + "/archive/captures?url__endswith=/keepers.html&status=200")
    capture_link = page.locator("a", has_text="capture").first
    number = capture_link.get_attribute("href").rsplit("/", 1)[-1]
    response = page.goto(f"{served_archive}/-/capture/{number}/body")
    assert response is not None and "sandbox" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Lighthouse keepers return"
    page.wait_for_timeout(500)
    assert page.locator("#script-ran").count() == 0
    assert page.locator("#onerror-ran").count() == 0
