"""Fast in-memory static server for the demo sites built by :func:`build_sites`.

``python -m newsarc.demo.server ROOT`` serves every site folder of ROOT on its own free port,
prints one JSON line ``{"ledger": "http://127.0.0.1:PORT", ...}`` and serves until SIGTERM or
SIGINT. ``running_sites(root)`` does the same in a subprocess for tests and the CLI.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"{{BASE}}"
SITE_ORDER = ("ledger", "tribune", "farm", "visas")
CHUNKED_SITES = frozenset({"tribune"})
CHUNK_SIZE = 2048
PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>404 Not Found'
    b"</title></head><body><h1>Not Found</h1><p>The page you requested does not exist.</p>"
    b"</body></html>\n"
)


@dataclass(frozen=True)
class Resource:
    """One preloaded response body, plain and gzip-compressed."""

    body: bytes
    gz: bytes
    chunked_gz: bytes  # ``gz`` in chunked framing (only for sites that send chunked)
    content_type: str


def content_type(name: str, data: bytes) -> str:
    """Content type of a site file from its name (and, for XML, its root element)."""
    if name.endswith((".html", ".htm")):
        return "text/html; charset=utf-8"
    if name.endswith(".xml"):
        start = data[:400]
        if b"<rss" in start:
            return "application/rss+xml"
        if b"<feed" in start:
            return "application/atom+xml"
        return "application/xml"
    if name.endswith(".txt"):
        return "text/plain"
    if name.endswith(".json"):
        return "application/json"
    return "application/octet-stream"


def chunk_frames(data: bytes, size: int = CHUNK_SIZE) -> bytes:
    """``data`` framed for ``Transfer-Encoding: chunked`` (with the final empty chunk)."""
    frames = [
        b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size])
        for i in range(0, len(data), size)
    ]
    return b"".join(frames) + b"0\r\n\r\n"


def load_site(directory: Path, base: str, chunked: bool = False) -> dict[str, Resource]:
    """Read every file of a site, substitute ``{{BASE}}`` and index it by URL path."""
    resources: dict[str, Resource] = {}
    for file in sorted(directory.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(directory).as_posix()
        data = file.read_bytes().replace(PLACEHOLDER, base.encode())
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        framed = chunk_frames(packed) if chunked else b""
        res = Resource(data, packed, framed, content_type(rel, data))
        resources["/" + rel] = res
        if rel == "index.html" or rel.endswith("/index.html"):
            resources["/" + rel[: -len("index.html")]] = res
    return resources


def accepts_gzip(header: str | None) -> bool:
    """True when an ``Accept-Encoding`` value allows gzip (``q=0`` refuses it)."""
    for part in (header or "").split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip"):
            continue
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


class SiteServer(ThreadingHTTPServer):
    """One listener per site; handlers read the preloaded resources from here."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], key: str, use_gzip: bool, chunked: bool):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, DemoHandler)
        self.key = key
        self.use_gzip = use_gzip
        self.chunked = chunked
        self.resources: dict[str, Resource] = {}

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that disconnect or send garbage."""


class DemoHandler(BaseHTTPRequestHandler):
    """GET/HEAD from memory, with optional gzip and chunked transfer encoding."""

    protocol_version = "HTTP/1.1"
    server_version = "newsarc-demo/1.0"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 60
    server: SiteServer

    def log_message(self, format: str, *args: object) -> None:
        """No per-request logging."""

    def do_GET(self) -> None:  # noqa: N802
        self.respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        path = unquote(urlsplit(self.path).path) or "/"
        res = self.server.resources.get(path)
        if res is None and not path.endswith("/") and path + "/" in self.server.resources:
            self.reply(HTTPStatus.MOVED_PERMANENTLY, [("Location", path + "/")], b"", send_body)
        elif res is None:
            headers = [("Content-Type", "text/html; charset=utf-8")]
            self.reply(HTTPStatus.NOT_FOUND, headers, NOT_FOUND, send_body)
        else:
            self.reply_resource(res, send_body)

    def reply_resource(self, res: Resource, send_body: bool) -> None:
        headers = [("Content-Type", res.content_type)]
        if self.server.use_gzip:
            headers.append(("Vary", "Accept-Encoding"))
        if not (self.server.use_gzip and accepts_gzip(self.headers.get("Accept-Encoding"))):
            self.reply(HTTPStatus.OK, headers, res.body, send_body)
            return
        headers.append(("Content-Encoding", "gzip"))
        if self.server.chunked and self.request_version == "HTTP/1.1":
            headers.append(("Transfer-Encoding", "chunked"))
            self.reply(HTTPStatus.OK, headers, res.chunked_gz, send_body, framed=True)
        else:
            self.reply(HTTPStatus.OK, headers, res.gz, send_body)

    def reply(
        self,
        status: HTTPStatus,
        headers: list[tuple[str, str]],
        body: bytes,
        send_body: bool,
        framed: bool = False,
    ) -> None:
        """Write status line, headers and body with a single ``send``."""
        if self.request_version != "HTTP/1.1":
            self.close_connection = True
        lines = [
            f"HTTP/1.1 {status.value} {status.phrase}",
            f"Server: {self.server_version}",
            f"Date: {formatdate(usegmt=True)}",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        if not framed:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body if send_body else head)


# -- process entry point ------------------------------------------------------------------
def site_keys(root: Path) -> list[str]:
    """Site folders of ``root``: ledger, tribune, farm, visas first, then any others."""
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [k for k in SITE_ORDER if k in found] + [k for k in found if k not in SITE_ORDER]


def start_servers(
    root: Path, host: str = "127.0.0.1", use_gzip: bool = True, chunked_gzip: bool = False
) -> dict[str, SiteServer]:
    """Bind a free port per site, preload its files and serve each in a daemon thread."""
    servers: dict[str, SiteServer] = {}
    for key in site_keys(root):
        server = SiteServer((host, 0), key, use_gzip, chunked_gzip and key in CHUNKED_SITES)
        server.resources = load_site(root / key, server.base_url, server.chunked)
        thread = threading.Thread(target=server.serve_forever, name=f"demo-{key}", daemon=True)
        thread.start()
        servers[key] = server
    return servers


def stop_servers(servers: dict[str, SiteServer]) -> None:
    for server in servers.values():
        server.shutdown()
        server.server_close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m newsarc.demo.server", description="Serve the newsarc demo sites."
    )
    parser.add_argument("root", type=Path, help="folder written by build_sites()")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--gzip",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gzip responses for clients that accept it (default: on)",
    )
    parser.add_argument(
        "--chunked-gzip",
        action="store_true",
        help="the tribune site sends gzip bodies with Transfer-Encoding: chunked",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.root.is_dir() or not site_keys(args.root):
        print(f"newsarc.demo.server: no site folders in {args.root}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    servers = start_servers(args.root, args.host, args.gzip, args.chunked_gzip)
    urls = {key: server.base_url for key, server in servers.items()}
    sys.stdout.write(json.dumps(urls) + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    stop_servers(servers)
    return 0


# -- helper for tests and the CLI ---------------------------------------------------------
def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(PROJECT_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _read_line(proc: subprocess.Popen, timeout: float) -> bytes:
    """First stdout line of ``proc``, or an error if it exits or stays silent."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buffer = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"demo server did not start within {timeout:g} s")
            if not selector.select(remaining):
                continue
            data = os.read(fd, 65536)
            if not data:
                break
            buffer += data
    return buffer.split(b"\n", 1)[0] if b"\n" in buffer else b""


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def _error_text(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode("utf-8", "replace").strip()[-2000:]


@contextmanager
def running_sites(
    root: Path,
    *,
    gzip: bool = True,
    chunked_gzip: bool = False,
    host: str = "127.0.0.1",
    timeout: float = 20.0,
) -> Iterator[dict[str, str]]:
    """Serve the demo sites under ``root`` in a subprocess; yield ``{site key: base URL}``."""
    command = [sys.executable, "-m", "newsarc.demo.server", str(root), "--host", host]
    command.append("--gzip" if gzip else "--no-gzip")
    if chunked_gzip:
        command.append("--chunked-gzip")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_child_env(),
        )
        try:
            try:
                line = _read_line(proc, timeout)
            except TimeoutError as exc:
                raise RuntimeError(f"{exc}; stderr: {_error_text(errors)}") from None
            if not line:
                code = proc.wait(timeout=10)
                raise RuntimeError(
                    f"demo server exited with code {code} before listening: {_error_text(errors)}"
                )
            yield json.loads(line)
        finally:
            _stop(proc)


if __name__ == "__main__":
    sys.exit(main())
