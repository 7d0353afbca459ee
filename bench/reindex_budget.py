"""Where a reindex's CPU goes, page by page, against plain trafilatura on the same pages.

    python3 bench/reindex_budget.py [--warcs bench/out-performance/newsarc/warcs]
        [--rounds 2] [--workers CORES]

Issue 10's reindex target compares a reindex on every core with plain `trafilatura.extract` on
each of them: on a CPU-bound machine the ratio is about trafilatura's CPU per page ÷ the
reindex's CPU per page. This script splits the reindex's CPU so that the gap can be read:

1. One `Reindexer` run of the WARCs into an empty database: the CPU of this process and of its
   workers in each step (extraction, re-cleaning, story clusters, farm signals), each step's wall
   time, and how many cores it kept busy (its CPU ÷ its wall time: 2.0 on 2 cores is a step that
   waits for nothing but the CPU).
2. The same WARCs' HTML pages (2xx responses, as a reindex picks them) through plain
   `trafilatura.extract` and through the page analysis that a reindex worker runs
   (`archive.reindex.analyze_batch`: trafilatura in newsarc's modes plus newsarc's own analysis),
   in this process, alternating for `--rounds` rounds.

It ends with the CPU a page may cost for the 0.8 target (trafilatura's ÷ 0.8). The WARCs
default to those of the last `bench/performance.py` run. Run nothing else meanwhile.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import trafilatura
from perf.measured import cpu_seconds, descendants
from perf.runs import run_trafilatura
from w3lib.encoding import http_content_type_encoding
from warcio.archiveiterator import ArchiveIterator

from archive.ingest import capture_from_record
from archive.reindex import DECODED, Reindexer, analyze_batch, page_body, warc_files
from archive.warc import body_encodings, decode_payload
from extractors import decode_html

HERE = Path(__file__).resolve().parent
DEFAULT_WARCS = HERE / "out-performance" / "newsarc" / "warcs"
TARGET = 0.8

Page = tuple[bytes, tuple, str | None, str]  # as analyze_batch takes it: decoded body first


def html_pages(files: list[Path]) -> list[Page]:
    """The pages a reindex analyses, their bodies decoded."""
    pages: list[Page] = []
    for path in files:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                if record.rec_type != "response":
                    continue
                raw = record.raw_stream.read()
                capture = capture_from_record(record, path.name, 0, 0, len(raw))
                found = page_body(capture, raw, body_encodings(record.http_headers))
                if found:
                    body = decode_payload(found[0], *found[1])
                    pages.append((body, DECODED, capture.content_type, capture.url))
    return pages


def per_page_cpu(pages: list[Page], rounds: int) -> tuple[float, float]:
    """Median ms of CPU a page: plain trafilatura, then a reindex worker's page analysis."""
    texts = [decode_html(body, http_content_type_encoding(kind or ""))
             for body, _, kind, _ in pages]  # fmt: skip
    for html in texts[:5]:  # imports and caches
        trafilatura.extract(html)
    analyze_batch(pages[:5])
    plain, analysed = [], []
    for number in range(rounds):
        # measured as the harness measures it, for the same reference
        plain.append(1000 * run_trafilatura("trafilatura", texts)["cpu"] / len(pages))
        start = time.process_time()
        analyze_batch(pages)
        analysed.append(1000 * (time.process_time() - start) / len(pages))
        print(f"  round {number + 1}: plain trafilatura {plain[-1]:.2f} ms a page, "
              f"newsarc's page analysis {analysed[-1]:.2f} ms", flush=True)  # fmt: skip
    return statistics.median(plain), statistics.median(analysed)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def workers_cpu(others: set[int]) -> float:
    """CPU of the live descendants but OTHERS (the pool's workers), from /proc."""
    return sum(cpu_seconds(pid) or 0.0 for pid in descendants(os.getpid()) if pid not in others)


class Step(NamedTuple):
    own: float  # CPU seconds of this process
    work: float  # CPU seconds of the workers
    wall: float  # seconds

    def cores(self) -> float:
        """Cores kept busy: CPU ÷ wall time."""
        return (self.own + self.work) / self.wall if self.wall > 0 else 0.0


def reindex_cpu(files: list[Path], workers: int) -> tuple[int, dict[str, Step]]:
    """Pages, and each step's CPU seconds (this process's, the workers') and wall time in one
    reindex."""
    marks: list[tuple[str, float, float, float]] = []  # name, when, own CPU, workers' CPU
    others = set(descendants(os.getpid()))  # this process, and any child it had already
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        started, start = time.monotonic(), own_cpu()
        reindexer = Reindexer(
            Path(folder) / "budget.db",
            workers,
            on_step=lambda name: marks.append(
                (name, time.monotonic(), own_cpu(), workers_cpu(others))
            ),
        )
        stats = reindexer.run(files)
        ended, end_own = time.monotonic(), own_cpu()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, now ended
    end_workers = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    _, first, first_own, first_work = marks[0]
    steps = {"start-up": Step(first_own - start, first_work, first - started)}
    ends = [mark[1:] for mark in marks[1:]] + [(ended, end_own, end_workers)]
    for (name, when, own, work), (next_when, next_own, next_work) in zip(marks, ends, strict=True):
        steps[name] = Step(next_own - own, next_work - work, next_when - when)
    return stats.pages, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warcs", type=Path, default=DEFAULT_WARCS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not args.warcs.exists():
        parser.error(f"{args.warcs}: no such folder; run python3 bench/performance.py first")
    files = warc_files([args.warcs])
    # The reindex first: its workers fork from this process, which must not have analysed
    # the pages already (what they learn stays in its caches).
    print(f"reindex of {len(files)} WARC files with {args.workers} workers ...", flush=True)
    count, steps = reindex_cpu(files, args.workers)
    pages = html_pages(files)
    print(f"{len(pages)} HTML pages through trafilatura and newsarc, in turn", flush=True)
    plain, analysed = per_page_cpu(pages, args.rounds)
    total = sum(step.own + step.work for step in steps.values())
    wall = sum(step.wall for step in steps.values())
    print("\n| part of the reindex | this process, ms a page | workers, ms a page | wall, s "
          "| cores busy |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, step in steps.items():
        print(f"| {name} | {1000 * step.own / count:.2f} | {1000 * step.work / count:.2f} "
              f"| {step.wall:.2f} | {step.cores():.2f} |")  # fmt: skip
    print(f"| **all** ({count} pages) | | **{1000 * total / count:.2f}** together "
          f"| {wall:.2f} | {total / wall if wall else 0:.2f} |\n")  # fmt: skip
    print(f"plain trafilatura: {plain:.2f} ms a page; newsarc's page analysis in a worker: "
          f"{analysed:.2f} ms ({analysed / plain:.2f} ×)")  # fmt: skip
    print(f"at {TARGET} of trafilatura's rate on every core, a reindex may spend "
          f"{plain / TARGET:.2f} ms a page; it spends {1000 * total / count:.2f}: "
          f"ratio ≈ {plain / (1000 * total / count):.2f} on a machine it keeps busy")  # fmt: skip


if __name__ == "__main__":
    main()
