"""pywb replays the WARC files newsarc writes, byte for byte.

pywb pins redis<3, which conflicts with the project's environment, so it lives in its own cached
virtualenv (built once under a file lock, marked complete only when it works) and the tests drive
its `wb-manager` and `wayback` commands as subprocesses. The crawl and the replay both run on
127.0.0.1; only the first build of the virtualenv installs pywb from the package index.
"""

from __future__ import annotations

import fcntl
import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from werkzeug import Response

from conftest import article_html

PYWB_REQUIREMENTS = ["pywb>=2.8,<2.11", "setuptools<81"]  # pywb imports pkg_resources
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsarc-tests"
VENV = CACHE_DIR / "pywb-venv"
READY_MARKER = VENV / ".newsarc-ready"
COLLECTION = "news"

GZIP_PAGE = article_html("gzip", "Compressed council story").encode("utf-8")
GZIP_BODY = gzip.compress(GZIP_PAGE, mtime=0)
PLAIN_BODY = article_html("plain", "Plain council story").encode("utf-8")


@dataclass(frozen=True)
class Replayed:
    status: int
    headers: Message
    body: bytes


# --- the pywb virtualenv ---------------------------------------------------------------------


def venv_env() -> dict[str, str]:
    """The environment for pywb's commands, without anything pointing at the project's Python."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    return {key: value for key, value in os.environ.items() if key not in drop}


def venv_works() -> bool:
    if not READY_MARKER.is_file():
        return False
    try:
        probe = subprocess.run(
            [str(VENV / "bin" / "wb-manager"), "-V"],
            capture_output=True, text=True, timeout=120, env=venv_env(),
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):  # missing or broken interpreter or script
        return False
    return probe.returncode == 0 and probe.stdout.startswith("wb-manager 2.")


def build_venv() -> None:
    shutil.rmtree(VENV, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(VENV)],
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *PYWB_REQUIREMENTS],
    ]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, timeout=900, env=venv_env())
        assert result.returncode == 0, f"{step}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    READY_MARKER.write_text("ok\n")  # last: a half-built venv never has the marker


@pytest.fixture(scope="session")
def pywb_bin() -> Path:
    """The bin/ of a working pywb virtualenv, reused from the cache or (re)built."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / "pywb-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; others wait, then reuse
        if not venv_works():
            build_venv()
            assert venv_works(), "the freshly built pywb virtualenv does not run wb-manager"
    return VENV / "bin"


# --- the crawl ---------------------------------------------------------------------------------


def serve_site(server: HTTPServer) -> None:
    home = '<html><body><a href="/gz.html">gz</a> <a href="/plain.html">plain</a></body></html>'
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/").respond_with_data(home, content_type="text/html")
    gzipped = Response(GZIP_BODY, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})
    server.expect_request("/gz.html").respond_with_response(gzipped)
    server.expect_request("/plain.html").respond_with_data(PLAIN_BODY, content_type="text/html")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Path]]:
    """Crawl the local site; return its base URL and the WARC files written."""
    out = tmp_path_factory.mktemp("pywb-crawl")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        serve_site(server)
        result = subprocess.run(
            [sys.executable, "-m", "newsarc", "crawl", server.url_for("/"), "--fast",
             "--db", str(out / "archive.db"), "--warc-dir", str(out / "warcs")],
            capture_output=True, text=True, timeout=180, cwd=out,
        )  # fmt: skip
        base = server.url_for("/").rstrip("/")
    assert result.returncode == 0, result.stderr[-2000:]
    warcs = sorted((out / "warcs").glob("*.warc.gz"))
    assert warcs, f"no *.warc.gz in {out / 'warcs'}"
    return base, warcs


def capture_timestamp(warcs: list[Path], url: str) -> str:
    """The 14-digit WARC-Date of the response record for url."""
    for path in warcs:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                if record.rec_type == "response" and headers.get_header("WARC-Target-URI") == url:
                    date = headers.get_header("WARC-Date")
                    return "".join(char for char in date if char.isdigit())[:14]
    raise AssertionError(f"no response record for {url} in {warcs}")


# --- pywb --------------------------------------------------------------------------------------


def wb_manager(bin_dir: Path, cwd: Path, *args: str) -> None:
    result = subprocess.run(
        [str(bin_dir / "wb-manager"), *args],
        capture_output=True, text=True, timeout=300, cwd=cwd, env=venv_env(),
    )  # fmt: skip
    assert result.returncode == 0, f"wb-manager {args}: {result.stderr[-2000:]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(process: subprocess.Popen, url: str, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"wayback exited: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"wayback did not answer {url} in {timeout} s: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def wayback(
    pywb_bin: Path, crawled: tuple[str, list[Path]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A running `wayback` over a collection holding our WARCs; yields its root URL."""
    root = tmp_path_factory.mktemp("pywb-root")
    wb_manager(pywb_bin, root, "init", COLLECTION)
    wb_manager(pywb_bin, root, "add", COLLECTION, *map(str, crawled[1]))
    port, log = free_port(), root / "wayback.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [str(pywb_bin / "wayback"), "--bind", "127.0.0.1", "--port", str(port)],
            cwd=root, env=venv_env(), stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_up(process, f"http://127.0.0.1:{port}/", log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def replay(
    wayback: str, crawled: tuple[str, list[Path]], path: str, accept_encoding: str = "identity"
) -> Replayed:
    """Fetch a capture in pywb's id_ (original bytes) mode; urllib never decompresses."""
    url = crawled[0] + path
    timestamp = capture_timestamp(crawled[1], url)
    request = urllib.request.Request(
        f"{wayback}/{COLLECTION}/{timestamp}id_/{url}", headers={"Accept-Encoding": accept_encoding}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return Replayed(response.status, response.headers, response.read())


# --- the tests ---------------------------------------------------------------------------------


def test_gzip_capture_replays_its_original_compressed_bytes(
    wayback: str, crawled: tuple[str, list[Path]]
) -> None:
    replayed = replay(wayback, crawled, "/gz.html", accept_encoding="gzip")
    assert replayed.status == 200
    assert replayed.headers["Content-Encoding"] == "gzip"
    assert replayed.headers.get_content_type() == "text/html"
    assert replayed.body == GZIP_BODY  # the very bytes the server sent
    assert gzip.decompress(replayed.body) == GZIP_PAGE


def test_gzip_capture_is_decoded_for_a_client_without_gzip(
    wayback: str, crawled: tuple[str, list[Path]]
) -> None:
    replayed = replay(wayback, crawled, "/gz.html")
    assert replayed.status == 200
    assert replayed.headers["Content-Encoding"] is None
    assert replayed.headers["X-Archive-Orig-Content-Encoding"] == "gzip"
    assert replayed.body == GZIP_PAGE


def test_plain_capture_replays_its_exact_bytes(
    wayback: str, crawled: tuple[str, list[Path]]
) -> None:
    replayed = replay(wayback, crawled, "/plain.html", accept_encoding="gzip")
    assert replayed.status == 200
    assert replayed.headers["Content-Encoding"] is None
    assert replayed.headers.get_content_type() == "text/html"
    assert replayed.body == PLAIN_BODY


def test_replay_is_dated_by_the_warc_capture_time(
    wayback: str, crawled: tuple[str, list[Path]]
) -> None:
    timestamp = capture_timestamp(crawled[1], crawled[0] + "/plain.html")
    replayed = replay(wayback, crawled, "/plain.html")
    memento = time.strptime(replayed.headers["Memento-Datetime"], "%a, %d %b %Y %H:%M:%S GMT")
    assert time.strftime("%Y%m%d%H%M%S", memento) == timestamp
