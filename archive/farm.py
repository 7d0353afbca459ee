"""Content-farm signals kept in the archive: per article, per site, and the site's score.

The signals themselves are pure functions (`extractors.spam`, documented in
docs/spam-signals.md); this module feeds them what the database holds and stores what they
say. It runs once at the end of a crawl or reindex, over the sites that crawl touched (their
articles are cleaned for the last time just before), and for shared ad/analytics IDs over every
site, since a new site can link old ones.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import NamedTuple, TypeVar

from archive.store import Store, chunked
from extractors import spam
from extractors.spam import (
    AGGREGATES,
    COPIED,
    SHARED_TRACKERS,
    SPUN,
    Signal,
    ad_density,
    article_signals,
    copied_from,
    copy_share,
    publishing_rate,
    registrable,
    shared_trackers,
    site_aggregate,
    site_score,
    spun_markers,
)

COPY_SIGNALS = (COPIED, SPUN)
T = TypeVar("T")


def score_sites(
    store: Store,
    hosts: Iterable[str],
    fresh_copies: Container[int] | None = None,
    executor: Executor | None = None,
) -> int:
    """Compute and store the article and site signals of `hosts`, then every site's score.

    A copy's signals (`copied_from`, `spun_markers`: a difflib alignment, milliseconds per
    article) are computed again for the articles in `fresh_copies` (by default all), and
    otherwise kept as stored. Articles are judged in `executor`'s processes when one is
    given. Returns how many articles were judged."""
    judged = 0
    for host in sorted(set(hosts)):
        judged += judge_site(store, host, fresh_copies, executor)
    link_shared_trackers(store)
    for host in store.scored_hosts():
        score, reason = site_score(store.site_signals(host))
        store.set_spam_score(host, score, reason)
    store.flush()
    return judged


def judge_site(
    store: Store,
    host: str,
    fresh_copies: Container[int] | None = None,
    executor: Executor | None = None,
) -> int:
    """Article signals for each of the site's articles, then the site signals they add up to.
    Returns how many articles were judged (the others' signals were judged from the same
    content before)."""
    values: dict[str, list[float]] = defaultdict(list)
    dates: list[str | None] = []
    count = 0
    judged = 0
    # The next batch is read and sent while the workers judge this one.
    batches = (Batch.of(store, rows, fresh_copies, executor) for rows in
               chunked(store.site_articles(host), JUDGE_BATCH))  # fmt: skip
    for batch in ahead(batches):
        results = batch.finish(store)
        judged += len(batch.due)
        for row, found in zip(batch.rows, results, strict=True):
            for item in found:
                values[item.name].append(item.value)
            dates.append(row["published"])
            count += 1
    site = [site_aggregate(name, values.get(name, []), count) for name in AGGREGATES]
    site.append(copy_share(count, len(values.get(COPIED, []))))
    site.append(publishing_rate(dates))
    store.replace_site_signals(host, [item for item in site if item.value > 0 or item.reason])
    return judged


@dataclass
class Batch:
    """Articles of one site being judged.

    Each of an article's two parts, its own signals and its copy signals, is computed only
    when what it is judged from changed since it was stored (see `Judging.digests`), so a
    crawl of a few new pages does not judge the whole site again, and a copy placed under
    another source has only its copy signals computed again. Copy signals of an article not
    in `fresh_copies` (default: all are) are kept as stored. An article judged for the first
    time is due whatever its digests: with an executor, they are computed there."""

    rows: list[dict]
    # What each row's signals will have been judged from (None: the executor computes it).
    digests: list[tuple[str, str | None] | None]
    kept: dict[int, list[Signal]]
    due: dict[int, Judging]  # row index → what is due
    results: list[Future] | None  # judge_all's, TASK_ARTICLES a task, when in an executor

    @classmethod
    def of(
        cls,
        store: Store,
        rows: list[dict],
        fresh_copies: Container[int] | None,
        executor: Executor | None,
    ) -> Batch:
        """Read what the rows are judged from, and send what is due to `executor`."""
        tasks = [judging_of(store, row) for row in rows]
        stored = store.judgment_digests(row["id"] for row in rows)
        kept = store.signals_of_articles(row["id"] for row in rows)
        digests: list[tuple[str, str | None] | None] = []
        due: dict[int, Judging] = {}
        for at, (row, task) in enumerate(zip(rows, tasks, strict=True)):
            before = stored.get(row["id"]) if kept.get(row["id"]) else None  # lost: all due
            fresh = fresh_copies is None or row["id"] in fresh_copies
            if before is None and executor is not None:
                digests.append(None)
                due[at] = task._replace(own=True, copy=fresh)
                continue
            own_digest, copy_digest = task.digests()
            own = before is None or before[0] != own_digest
            copy = fresh and (before is None or before[1] != copy_digest)
            if own or copy:
                due[at] = task._replace(own=own, copy=copy)
            if not copy:  # its copy signals are kept as stored: so is what they were judged from
                copy_digest = before[1] if before else None
            digests.append((own_digest, copy_digest))
        sent = None
        if executor is not None:
            tasks_due = [(task, digests[at] is None) for at, task in due.items()]
            sent = [
                executor.submit(judge_all, tasks_due[start : start + TASK_ARTICLES])
                for start in range(0, len(tasks_due), TASK_ARTICLES)
            ]
        return cls(rows, digests, kept, due, sent)

    def finish(self, store: Store) -> list[list[Signal]]:
        """Every row's signals: those judged now, stored, and the others as they were."""
        if self.results is None:
            found = [judge(task) for task in self.due.values()]
        else:
            answers = [answer for future in self.results for answer in future.result()]
            for at, (digests, _) in zip(self.due, answers, strict=True):
                if digests is not None:  # judged for the first time: kept only if judged now
                    self.digests[at] = (digests[0], digests[1] if self.due[at].copy else None)
            found = [signals for _, signals in answers]
        judged = dict(zip(self.due, found, strict=True))
        signals_of = []
        for at, row in enumerate(self.rows):
            signals = self.kept.get(row["id"], [])
            if at in judged:
                task = self.due[at]
                own = judged[at] if task.own else signals
                copy = judged[at] if task.copy else signals
                signals = [s for s in own if s.name not in COPY_SIGNALS] + [
                    s for s in copy if s.name in COPY_SIGNALS
                ]
                store.replace_article_signals(row["id"], row["host"], signals, self.digests[at])
            signals_of.append(signals)
        return signals_of


def ahead(items: Iterable[T]) -> Iterator[T]:
    """`items`, each made before the previous one is handed out (work sent ahead)."""
    previous: T | None = None
    started = False
    for item in items:
        if started:
            yield previous  # type: ignore[misc]
        previous, started = item, True
    if started:
        yield previous  # type: ignore[misc]


TASK_ARTICLES = 8  # articles judged in one round trip to a worker


def judging_of(store: Store, row: dict) -> Judging:
    """What judging a stored article needs (its columns and its copy source)."""
    return Judging(judged_fields(row), copy_source(store, row))


def digest(*parts: object) -> str:
    """What a judgment is made from, with the code that makes it: the parts' JSON, in which
    each long text stands as its own digest (hashing a text costs a tenth of escaping it)."""
    parts = tuple(map(texts_hashed, parts))
    text = json.dumps([JUDGING_CODE, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return text_digest(text)


HASHED_TEXT_CHARS = 64  # a longer text is hashed on its own before the JSON is made


def texts_hashed(part: object) -> object:
    """A dict's long text values as ["blake2b", digest] (a list: no column holds one)."""
    if not isinstance(part, dict):
        return part
    return {
        key: ["blake2b", text_digest(value)]
        if isinstance(value, str) and len(value) > HASHED_TEXT_CHARS
        else value
        for key, value in part.items()
    }


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def code_digest(modules: Iterable[ModuleType], packages: Iterable[str]) -> str:
    """A digest of these modules' source and these packages' versions: signals judged by
    other code are judged again."""
    digest = hashlib.blake2b(digest_size=8)
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    for package in packages:
        digest.update(f"{package} {metadata.version(package)}".encode())
    return digest.hexdigest()


# spun_markers aligns texts with cydifflib's SequenceMatcher.
JUDGING_CODE = code_digest([spam, sys.modules[__name__]], ["cydifflib"])
JUDGE_BATCH = 256
JUDGED_COLUMNS = (
    "host", "title", "category", "text", "raw_text", "language", "ad_slots", "word_count",
    "cluster_similarity",
)  # fmt: skip


class Judging(NamedTuple):
    """What judging one article needs (sent to a worker process): its columns, and its
    source's host, URL and text when it copies another article; which of its two parts are
    due (its own signals, its copy signals)."""

    row: dict
    source: dict | None
    own: bool = True
    copy: bool = True

    def digests(self) -> tuple[str, str]:
        """What each part is judged from, with the code that judges it: the own signals from
        the judged columns, the copy signals from the copy, its source and its similarity
        (nothing when it copies no other site's article)."""
        own = digest({k: self.row[k] for k in OWN_COLUMNS})
        if not copies_other_site(self.row, self.source):
            return own, digest(None)
        copied = {k: self.row[k] for k in COPY_COLUMNS}
        return own, digest(copied, self.source)


# What judge_article reads of an article, and what judge_copy reads of a copy.
OWN_COLUMNS = ("title", "category", "text", "raw_text", "language", "ad_slots", "word_count")
COPY_COLUMNS = ("host", "text", "cluster_similarity")


def copies_other_site(row: dict, source: dict | None) -> bool:
    return source is not None and registrable(source["host"]) != registrable(row["host"])


def judged_fields(row: dict) -> dict:
    return {name: row.get(name) for name in JUDGED_COLUMNS}


def copy_source(store: Store, row: dict) -> dict | None:
    if row.get("copy_of") is None:
        return None
    return store.article_texts([row["copy_of"]]).get(row["copy_of"])


def judge(task: Judging) -> list[Signal]:
    """One article's signals, the parts that are due (run in a worker process when there is
    a pool)."""
    own = judge_article(task.row) if task.own else []
    return own + (judge_copy(task.row, task.source) if task.copy else [])


def judge_all(
    tasks: list[tuple[Judging, bool]],
) -> list[tuple[tuple[str, str] | None, list[Signal]]]:
    """`judge` for each task, and its digests where asked (an article judged for the first
    time: this process hashes its texts, not the one that sent it), in one round trip to a
    worker process."""
    return [(task.digests() if digest else None, judge(task)) for task, digest in tasks]


def judge_many(tasks: list[Judging]) -> list[tuple[tuple[str, str], list[Signal]]]:
    """The digests and signals of each task, in one round trip to a worker process (the
    digests are computed there too: hashing the texts is work the crawler's reactor is
    spared)."""
    return [(task.digests(), judge(task)) for task in tasks]


def judge_article(row: dict) -> list[Signal]:
    found = article_signals(
        title=row["title"],
        category=row["category"],
        text=row["text"] or "",
        raw_text=row["raw_text"],
        language=row["language"],
    )
    if row.get("ad_slots") is not None:
        found.append(ad_density(row["ad_slots"], row["word_count"] or 0))
    return found


def judge_copy(row: dict, source: dict | None) -> list[Signal]:
    """An article whose story cluster's probable source is on another site: that it copies
    (`copied_from`), and how much it was spun (`spun_markers` against the source's text)."""
    if not copies_other_site(row, source):
        return []
    found = [copied_from(source["url"], source["host"], row["cluster_similarity"] or 0.0)]
    spun = spun_markers(source["text"] or "", row["text"] or "")
    return found + ([spun] if spun else [])


def link_shared_trackers(store: Store) -> None:
    """The `shared_trackers` site signal of every site, from all sites' IDs."""
    linked = shared_trackers(store.trackers_by_host())
    store.replace_signal_everywhere(SHARED_TRACKERS, linked)
