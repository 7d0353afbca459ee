"""`newsarc reindex` of the same WARCs by an earlier commit and by this checkout, alternating.

    python3 bench/reindex_ab.py BASE [--warcs bench/out-performance/newsarc/warcs]
        [--rounds 2] [--workers CORES]

BASE is any git revision (a commit, a tag, `HEAD~3`). It is checked out in a temporary
worktree, and each round reindexes the WARCs into an empty database twice, BASE's code first,
then this checkout's. The runs alternate so that a machine slowing down for a while, as
shared ones do by a few percent an hour, weighs on both sides alike. Prints each run's wall
time and CPU (user + system of `newsarc reindex` and its workers), and its steps' wall times
when the code prints them, then the medians and this checkout's ratio to BASE. The WARCs
default to those of the last `bench/performance.py` run, which must have been made first.

The figures are for a quiet machine: run nothing else meanwhile.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from perf.runs import reindex_steps

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
DEFAULT_WARCS = HERE / "out-performance" / "newsarc" / "warcs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the git revision to compare this checkout with")
    parser.add_argument("--warcs", type=Path, default=DEFAULT_WARCS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not args.warcs.exists():
        sys.exit(f"reindex_ab: no WARCs at {args.warcs}: run bench/performance.py first")
    with tempfile.TemporaryDirectory(prefix="newsarc-ab-") as scratch:
        base = Path(scratch) / "base"
        worktree("add", "--detach", str(base), args.base)
        try:
            runs = compare(base, args, Path(scratch) / "ab.db")
        finally:
            worktree("remove", "--force", str(base))
    report(runs, args.base)


def worktree(*arguments: str) -> None:
    result = subprocess.run(
        ["git", "-C", str(CHECKOUT), "worktree", *arguments], capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"reindex_ab: git worktree {arguments[0]} failed: {result.stderr.strip()}")


Run = tuple[float, float, dict[str, float]]  # wall s, CPU s, the steps' wall s


def compare(base: Path, args: argparse.Namespace, db: Path) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {"base": [], "this": []}
    for round_ in range(1, args.rounds + 1):
        for side, tree in (("base", base), ("this", CHECKOUT)):
            wall, cpu, steps = reindex(tree, args.warcs.resolve(), db, args.workers)
            runs[side].append((wall, cpu, steps))
            listed = "".join(f", {name} {seconds:.1f}" for name, seconds in steps.items())
            print(f"round {round_}, {side:4s}: {wall:6.2f} s wall, {cpu:6.2f} s CPU{listed}",
                  flush=True)  # fmt: skip
    return runs


def reindex(tree: Path, warcs: Path, db: Path, workers: int) -> Run:
    """Wall and CPU seconds of one reindex into an empty database with `tree`'s code, and
    the wall seconds of its steps (none from code that does not print them)."""
    for leftover in db.parent.glob(f"{db.name}*"):
        leftover.unlink()
    for hidden in db.parent.glob(f".{db.name}*"):
        shutil.rmtree(hidden, ignore_errors=True) if hidden.is_dir() else hidden.unlink()
    command = [sys.executable, "-m", "newsarc", "reindex", str(warcs), "--db", str(db)]
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "--workers", str(workers)], cwd=tree, env=environment,
        capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"reindex_ab: reindex with {tree} failed: {result.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, reindex_steps(result.stderr)


def report(runs: dict[str, list[Run]], base: str) -> None:
    wall = {side: statistics.median(run[0] for run in found) for side, found in runs.items()}
    cpu = {side: statistics.median(run[1] for run in found) for side, found in runs.items()}
    names = [name for name in runs["this"][0][2] if all(name in run[2] for r in runs.values()
             for run in r)]  # fmt: skip
    steps = {side: [statistics.median(run[2][name] for run in found) for name in names]
             for side, found in runs.items()}  # fmt: skip
    head = "".join(f" {name} s |" for name in names)
    print(f"\n| code | median wall s | median CPU s |{head}")
    print("| --- | ---: | ---: |" + " ---: |" * len(names))
    for side, label in (("base", base), ("this", "this checkout")):
        cells = "".join(f" {seconds:.2f} |" for seconds in steps[side])
        print(f"| {label} | {wall[side]:.2f} | {cpu[side]:.2f} |{cells}")
    print(
        f"\nthis checkout ÷ {base}: wall {wall['this'] / wall['base']:.3f}, "
        f"CPU {cpu['this'] / cpu['base']:.3f}"
    )


if __name__ == "__main__":
    main()
