"""nginx from Debian serving the generated sites, started and stopped by the harness.

One nginx (master + one worker, `daemon off`) with its own configuration and prefix in a
temporary folder: each site on 127.0.0.N:PORT (free ports), `gzip on` (text/html, and
text/plain), `gzip_static on` (the generator writes every page gzipped at level 6 too, so the
server spends almost no CPU), `charset utf-8` in Content-Type (as news sites send it; without
it Scrapy guesses the charset of every gzipped body with charset_normalizer), access_log off.
A "latency" site answers every request after 100-300 ms (21 steps, chosen per URL by
split_clients, so the same for every crawler) with the echo module's `echo_sleep` then an
internal redirect to the file: Debian's libnginx-mod-http-echo (pulled in by nginx-light,
installed here when missing).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")
DELAYS = [round(0.1 + 0.01 * step, 2) for step in range(21)]  # 0.10 ... 0.30 s


class NginxError(Exception):
    """nginx is missing and could not be installed, or did not start."""


@dataclass(frozen=True)
class Served:
    """A folder served at a loopback address; delayed or not."""

    root: Path
    address: str  # 127.0.0.N
    delayed: bool = False
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}/"


def ensure_nginx() -> str:
    """The nginx binary, with the echo module; apt-get installs them if missing."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(binary).exists() and ECHO_MODULE.exists():
        return binary
    packages = ["libnginx-mod-http-echo"] if Path(binary).exists() else ["nginx-light"]
    print(f"bench: installing {' '.join(packages)} with apt-get", flush=True)
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})  # fmt: skip
        if done.returncode != 0:
            raise NginxError(
                f"`{' '.join(command)}` failed (nginx and libnginx-mod-http-echo from Debian are "
                f"needed; install them as root): {done.stderr.strip()[-500:]}"
            )
    if not (Path(binary).exists() or shutil.which("nginx")) or not ECHO_MODULE.exists():
        raise NginxError("nginx or its echo module is still missing after apt-get install")
    return shutil.which("nginx") or binary


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def server_block(site: Served) -> str:
    if not site.delayed:
        return f"server {{ listen {site.address}:{site.port}; root {site.root}; }}\n"
    return (
        f"server {{ listen {site.address}:{site.port}; root {site.root};\n"
        "  location / { echo_sleep $delay; echo_exec @file; }\n"
        "  location @file { try_files $uri $uri/index.html =404; }\n}\n"
    )


def config(prefix: Path, sites: list[Served]) -> str:
    share = f"{100 / len(DELAYS):.2f}%"
    buckets = "".join(f"  {share} {delay};\n" for delay in DELAYS[:-1]) + f"  * {DELAYS[-1]};\n"
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"{kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"load_module {ECHO_MODULE};\n{user}daemon off;\nworker_processes 1;\n"
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 4096; }\nhttp {\n"
        "access_log off;\nsendfile on;\ntcp_nopush on;\nkeepalive_requests 1000000;\n"
        "types { text/html html; text/plain txt; }\ndefault_type application/octet-stream;\n"
        "index index.html;\ncharset utf-8;\n"
        "gzip on;\ngzip_static on;\ngzip_vary on;\ngzip_comp_level 6;\ngzip_types text/plain;\n"
        f"{temp}"
        f'split_clients "perf-delay${{uri}}" $delay {{\n{buckets}}}\n'
        + "".join(server_block(site) for site in sites)
        + "}\n"
    )


def wait_listening(sites: list[Served], process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    for site in sites:
        while True:
            if process.poll() is not None:
                logs = (log, log.with_name("stderr.log"))
                text = "".join(p.read_text() for p in logs if p.exists())
                raise NginxError(f"nginx exited at start: {text[-1000:]}")
            try:
                socket.create_connection((site.address, site.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise NginxError(f"nginx is not listening on {site.base}") from None
                time.sleep(0.05)


@contextmanager
def running(sites: list[Served]) -> Iterator[tuple[list[Served], subprocess.Popen]]:
    """Serve SITES with nginx; yield them with their ports and the nginx master; stop it."""
    binary = ensure_nginx()
    with tempfile.TemporaryDirectory(prefix="perf-nginx-") as folder:
        prefix = Path(folder)
        placed = [Served(s.root, s.address, s.delayed, free_port(s.address)) for s in sites]
        (prefix / "nginx.conf").write_text(config(prefix, placed))
        log = prefix / "error.log"
        with open(prefix / "stderr.log", "w") as errors:
            master = subprocess.Popen(
                [binary, "-c", str(prefix / "nginx.conf"), "-p", str(prefix)],
                stdin=subprocess.DEVNULL, stdout=errors, stderr=errors, start_new_session=True,
            )  # fmt: skip
        try:
            wait_listening(placed, master, log)
            yield placed, master
        finally:
            stop(master)


def stop(master: subprocess.Popen) -> None:
    if master.poll() is None:
        master.send_signal(signal.SIGQUIT)  # graceful: the worker finishes, then both exit
        try:
            master.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()


def cpu_seconds(master: subprocess.Popen) -> float:
    """User + system CPU of the nginx master and its workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [master.pid, *children(master.pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found
