"""Extraction worker processes (live crawl and reindex): how they start and how they end."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading


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
