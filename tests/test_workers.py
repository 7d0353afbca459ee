"""How a reindex starts its worker processes (archive.workers.worker_context)."""

from __future__ import annotations

import subprocess
import sys
import threading

from archive.workers import worker_context

ONE_THREAD = """
import sys
import threading
import wave  # imported here only: a forked worker has it, a spawned one would not
from concurrent.futures import ProcessPoolExecutor
from archive.workers import ignore_interrupts, worker_context

def has_wave() -> bool:  # in __main__ of a -c script: only a forked worker can run it
    return "wave" in sys.modules

context = worker_context()
with ProcessPoolExecutor(2, mp_context=context, initializer=ignore_interrupts) as pool:
    squares = list(pool.map(pow, range(5), [2] * 5))
    inherited = pool.submit(has_wave).result()
print(context.get_start_method(), threading.active_count(), inherited, squares)
"""


def test_a_process_running_one_thread_forks_its_workers_on_linux() -> None:
    if sys.platform != "linux":  # macOS's frameworks do not survive a fork
        assert worker_context().get_start_method() == "spawn"
        return
    done = subprocess.run(
        [sys.executable, "-c", ONE_THREAD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(maxsplit=3) == ["fork", "1", "True", "[0, 1, 4, 9, 16]\n"]


def test_a_process_running_another_thread_spawns_them() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert worker_context().get_start_method() == "spawn"
    finally:
        release.set()
        other.join()
