"""Run a command and print its figures as JSON: wall, CPU and memory of its whole process tree.

    python3 bench/perf/measured.py [--timeout SECONDS] -- COMMAND...

Like bench/crawl_speed.py's MEASURE snippet (CPU = user + system time of the command and all
its descendants, from getrusage(RUSAGE_CHILDREN); `rss_mb` = ru_maxrss, the peak RSS of the
largest single process), plus a sampler that reads /proc every 0.25 s and keeps the peak of the
tree's summed RSS and summed PSS (PSS shares the pages that processes have in common, so the
summed PSS is what the tree really holds) and each process's CPU seconds as last seen
(`cpu_by_process`, the command's own process first: up to 0.25 s of each is missed). With
--timeout, the command's process group gets SIGTERM at that time (then SIGKILL 15 s later) and
`timed_out` is true. The command's output goes to this script's stderr; its exit status is in
`code`. This wrapper's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

INTERVAL = 0.25
TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def field_kb(path: Path, name: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def command_line(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(word.decode(errors="replace") for word in words[:4])[:80]


class TreeSampler(threading.Thread):
    """Peak summed RSS and PSS (kB) of a process tree, and each process's CPU, sampled."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.stopped = pid, threading.Event()
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.cpu: dict[int, dict] = {}  # pid: its command and CPU seconds when last seen

    def run(self) -> None:
        while not self.stopped.wait(INTERVAL):
            pids = descendants(self.pid)
            rss = sum(field_kb(Path(f"/proc/{p}/status"), "VmRSS:") for p in pids)
            pss = sum(field_kb(Path(f"/proc/{p}/smaps_rollup"), "Pss:") for p in pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            for pid in pids:
                self.note_cpu(pid)

    def note_cpu(self, pid: int) -> None:
        seconds = cpu_seconds(pid)
        if seconds is None:
            return
        if pid not in self.cpu:
            self.cpu[pid] = {"command": command_line(pid), "cpu": seconds}
        self.cpu[pid]["cpu"] = seconds


def run(command: list[str], timeout: float | None) -> dict:
    start = time.monotonic()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr,
                             start_new_session=True)  # fmt: skip
    sampler = TreeSampler(child.pid)
    sampler.start()
    timed_out = False
    try:
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        code = stop(child)
    wall = time.monotonic() - start
    sampler.stopped.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
        "user": usage.ru_utime, "system": usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
        "tree_rss_mb": sampler.peak_rss / 1024, "tree_pss_mb": sampler.peak_pss / 1024,
        "processes": sampler.peak_processes, "timed_out": timed_out,
        "wrapper_cpu": own.ru_utime + own.ru_stime,  # this script's, with its /proc sampling
        "cpu_by_process": list(sampler.cpu.values()),  # the command's own process first
    }  # fmt: skip


def stop(child: subprocess.Popen) -> int:
    os.killpg(child.pid, signal.SIGTERM)
    try:
        return child.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        return child.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    print(json.dumps(run(command, args.timeout)), flush=True)


if __name__ == "__main__":
    main()
