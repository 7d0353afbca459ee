"""bench/reindex_budget.py: a reindex's CPU split by step, against plain trafilatura."""

from __future__ import annotations

import gzip
import io
import re
import subprocess
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.reindex import STEPS

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import reindex_budget  # noqa: E402

HTML = [("Content-Type", "text/html; charset=utf-8")]


def article(number: int) -> bytes:
    paragraph = f"<p>Boat {number} went out at dawn and came back with nets full of fish.</p>"
    return (
        f"<html><head><title>Story {number}</title></head><body><article><h1>Story {number}"
        f"</h1>{paragraph * 20}</article></body></html>"
    ).encode()


def write_warc(path: Path) -> None:
    """Three article pages (one gzipped), a 404 page and an image: three pages to analyse."""
    responses = [
        ("http://news.test/1", "200 OK", HTML, article(1)),
        ("http://news.test/2", "200 OK", [*HTML, ("Content-Encoding", "gzip")],
         gzip.compress(article(2))),
        ("http://news.test/3", "200 OK", HTML, article(3)),
        ("http://news.test/gone", "404 Not Found", HTML, article(4)),
        ("http://news.test/logo.png", "200 OK", [("Content-Type", "image/png")], b"\x89PNG" * 9),
    ]  # fmt: skip
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, status, headers, body in responses:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
            ))  # fmt: skip


def test_the_pages_are_those_a_reindex_analyses_decoded(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz")
    pages = reindex_budget.html_pages([tmp_path / "a.warc.gz"])
    assert [url for *_, url in pages] == [f"http://news.test/{n}" for n in (1, 2, 3)]
    assert [body for body, *_ in pages] == [article(n) for n in (1, 2, 3)]


def test_each_step_has_the_cpu_of_this_process_and_of_the_workers(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz")
    pages, steps = reindex_budget.reindex_cpu([tmp_path / "a.warc.gz"], workers=1)
    assert pages == 3
    assert list(steps) == ["start-up", *STEPS]
    assert steps["start-up"].work == 0  # no worker yet: the pool starts them at its first task
    assert steps["extraction"].work > 0  # the pages were analysed in the worker
    assert all(step.own >= 0 and step.work >= 0 and step.wall > 0 for step in steps.values())
    # no more cores busy than there are processes: the worker and this one
    assert 0 < steps["extraction"].cores() <= workers_and_this_process(1) + 0.2


def workers_and_this_process(workers: int) -> int:
    return workers + 1


def test_the_command_prints_the_split_and_the_ratio(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz")
    done = subprocess.run(
        [sys.executable, str(BENCH / "reindex_budget.py"), "--warcs", str(tmp_path),
         "--rounds", "1", "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    number = r"(\d+\.\d+)"
    rows = re.findall(rf"^\| (.+?) \| {number} \| {number} \| {number} \| {number} \|$",
                      done.stdout, re.M)  # fmt: skip
    assert [name for name, *_ in rows] == ["start-up", *STEPS]
    total = re.search(
        rf"\*\*all\*\* \(3 pages\) \| \| \*\*{number}\*\* together \| {number} \| {number} \|",
        done.stdout,
    )
    assert total, done.stdout
    cpu = sum(float(own) + float(work) for _, own, work, _, _ in rows)
    assert abs(cpu - float(total.group(1))) < 0.05  # ms a page: the steps add up
    wall = sum(float(seconds) for *_, seconds, _ in rows)
    assert abs(wall - float(total.group(2))) < 0.05
    for _, own, work, seconds, cores in rows:  # cores busy: CPU ÷ wall, per step
        if float(seconds) >= 0.2:
            assert abs(3 * (float(own) + float(work)) / 1000 / float(seconds) - float(cores)) < 0.1
    plain = re.search(r"^plain trafilatura: (\d+\.\d+) ms a page", done.stdout, re.M)
    ratio = re.search(r"it spends (\d+\.\d+): ratio ≈ (\d+\.\d+)", done.stdout)
    assert plain and ratio, done.stdout
    assert ratio.group(1) == total.group(1)
    expected = float(plain.group(1)) / float(total.group(1))
    assert abs(float(ratio.group(2)) - expected) < 0.02


def test_missing_warcs_are_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "reindex_budget.py"), "--warcs", str(tmp_path / "none")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no such folder; run python3 bench/performance.py first" in done.stderr
