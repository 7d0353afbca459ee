"""Extraction worker processes (live crawl and reindex): how they start, how work is sent to
them, and how they end."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

T = TypeVar("T")


def worker_context() -> BaseContext:
    """How a reindex starts its workers: forked from this process on Linux while it runs one
    Python thread, spawned otherwise.

    A forked worker starts with newsarc, trafilatura and lxml imported (a spawned one spends
    0.7 s of CPU importing them, and the first pages wait for it). A fork copies only the
    thread that forks, so a lock another Python thread held would stay held in the child: with
    a second one running, workers are spawned. (numpy's OpenBLAS threads prepare themselves
    for a fork; Python 3.12+ still warns of them with a DeprecationWarning.) macOS spawns, as
    CPython does there by default: its system frameworks do not survive a fork. The crawl
    always spawns (Twisted runs threads), and so does merge, whose pool starts from a big
    process. The pool forks all its workers at its first task, before its own threads.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def ignore_interrupts() -> None:
    """In extraction workers: Ctrl+C is for the crawler, which then shuts the pool down; and
    a crawler killed outright (SIGKILL) takes its workers with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()


def exit_with_parent() -> None:
    """End this worker process when the process that started it dies, however it dies.

    (The pool's queues keep both pipe ends open in each worker, so a killed parent is never
    noticed otherwise.)
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def in_order(
    executor: Executor, calls: Iterable[tuple[T, Callable[..., Any], tuple]], ahead: int
) -> Iterator[tuple[T, Any]]:
    """(key, result) of each (key, function, args) of `calls`, run in `executor`, in the order
    of `calls`; `ahead` calls are sent before the first result is awaited, and `calls` is read
    no further than that (what they carry stays bounded in memory)."""
    running: deque[tuple[T, Future]] = deque()
    for key, function, args in calls:
        running.append((key, executor.submit(function, *args)))
        if len(running) >= ahead:
            done, future = running.popleft()
            yield done, future.result()
    while running:
        done, future = running.popleft()
        yield done, future.result()
