"""Content-farm signals judged while a crawl goes on, in the extraction pool.

Each article the pipeline stores is judged a few seconds later, once the live story clustering
has placed it (so that a copy is judged against its source), with the digests of what it was
judged from (`archive.farm.Judging.digests`). At the end of the crawl `score_sites` judges
again only what no longer matches: texts the final re-cleaning changed, copies placed or
re-placed since (their copy signals only). The crawl's closing steps are left with that rest.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager

from archive.farm import TASK_ARTICLES, judge_many, judging_of
from archive.store import Store

FINISH_SECONDS = 60.0  # at most this long waiting for the judgments still running at the end


class LiveJudging:
    """Judges stored articles in a pool as the crawl goes; results are stored in the thread
    that calls `finished` (the reactor's, through `call_in_reactor`)."""

    def __init__(
        self,
        store: Store,
        writing: Callable[[str], AbstractContextManager[None]],
        call_in_reactor: Callable[..., object],
    ) -> None:
        self.store = store
        self.writing = writing  # the pipeline's guard for database writes
        self.call_in_reactor = call_in_reactor
        self.waiting: list[int] = []  # article ids stored since the last `submit`
        self.running: dict[Future, list[tuple[int, str]]] = {}  # a task → (id, host) of each
        self.stored = 0

    def add(self, article_id: int) -> None:
        self.waiting.append(article_id)

    def submit(self, pool: Executor) -> None:
        """Send the articles stored since the last call to `pool`, as they are stored now, a
        few to a task (one task a page would cost the reactor a pool round trip each)."""
        ids, self.waiting = self.waiting, []
        rows = self.store.articles_by_id(dict.fromkeys(ids))
        for start in range(0, len(rows), TASK_ARTICLES):
            chunk = rows[start : start + TASK_ARTICLES]
            tasks = [judging_of(self.store, row) for row in chunk]
            try:
                future = pool.submit(judge_many, tasks)
            except (BrokenProcessPool, RuntimeError):  # a pool being replaced or shut down:
                return  # the end of the crawl judges these
            self.running[future] = [(row["id"], row["host"]) for row in chunk]
            future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:  # in the pool's thread
        self.call_in_reactor(self.finished, future)

    def finished(self, future: Future) -> None:
        """Store a task's judgments (once; a failed task is left to the end of the crawl)."""
        entries = self.running.pop(future, None)
        if entries is None or future.cancelled() or future.exception() is not None:
            return
        with self.writing("store the signals of new articles"):
            for (article_id, host), (digests, found) in zip(entries, future.result(), strict=True):
                self.store.replace_article_signals(article_id, host, found, digests)
                self.stored += 1

    def finish(self, timeout: float = FINISH_SECONDS) -> int:
        """Wait for the judgments still running and store them; returns how many were stored
        during the whole crawl."""
        running = list(self.running)
        wait(running, timeout=timeout)
        for future in running:
            if future.done():
                self.finished(future)
        self.running.clear()  # any later callback finds nothing to store
        self.waiting.clear()
        return self.stored
