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
from collections.abc import Container, Iterable
from concurrent.futures import Executor
from pathlib import Path
from types import ModuleType
from typing import NamedTuple

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
    for rows in chunked(store.site_articles(host), JUDGE_BATCH):
        results, due = judge_rows(store, rows, fresh_copies, executor)
        judged += due
        for row, found in zip(rows, results, strict=True):
            for item in found:
                values[item.name].append(item.value)
            dates.append(row["published"])
            count += 1
    site = [site_aggregate(name, values.get(name, []), count) for name in AGGREGATES]
    site.append(copy_share(count, len(values.get(COPIED, []))))
    site.append(publishing_rate(dates))
    store.replace_site_signals(host, [item for item in site if item.value > 0 or item.reason])
    return judged


def judge_rows(
    store: Store,
    rows: list[dict],
    fresh_copies: Container[int] | None,
    executor: Executor | None,
) -> tuple[list[list[Signal]], int]:
    """The signals of these articles (of one site), stored, and how many were judged: each
    row's signals are computed only when what they are judged from changed since they were
    stored (see `digest_of`), so a crawl of a few new pages does not judge the whole site
    again."""
    fresh = [fresh_copies is None or row["id"] in fresh_copies for row in rows]
    tasks = [
        Judging(judged_fields(row), copy_source(store, row) if new else None)
        for row, new in zip(rows, fresh, strict=True)
    ]
    digests = [digest_of(task, new) for task, new in zip(tasks, fresh, strict=True)]
    stored = store.judgment_digests(row["id"] for row in rows)
    same = [row["id"] for at, row in enumerate(rows) if stored.get(row["id"]) == digests[at]]
    kept = store.signals_of_articles(same)
    # Signals deleted since (by hand, or an older newsarc's merge) are judged again.
    due = [at for at, row in enumerate(rows) if not kept.get(row["id"])]
    due_tasks = [tasks[at] for at in due]
    judged = dict(
        zip(
            due,
            executor.map(judge, due_tasks, chunksize=8) if executor else map(judge, due_tasks),
            strict=True,
        )
    )
    results = []
    for at, row in enumerate(rows):
        if at not in judged:
            results.append(kept.get(row["id"], []))
            continue
        found = judged[at]
        if not fresh[at]:
            found += store.article_signals_of(row["id"], COPY_SIGNALS)
        store.replace_article_signals(row["id"], row["host"], found, digests[at])
        results.append(found)
    return results, len(due)


def digest_of(task: Judging, fresh: bool) -> str:
    """What an article's signals are judged from: its columns, its copy source (or that its
    copy signals were kept as stored), and the code that judges them."""
    judged = [JUDGING_CODE, task.row, task.source, fresh]
    text = json.dumps(judged, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def code_digest(*modules: ModuleType) -> str:
    """A digest of these modules' source: signals judged by other code are judged again."""
    digest = hashlib.blake2b(digest_size=8)
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


JUDGING_CODE = code_digest(spam, sys.modules[__name__])
JUDGE_BATCH = 256
JUDGED_COLUMNS = (
    "host", "title", "category", "text", "raw_text", "language", "ad_slots", "word_count",
    "cluster_similarity",
)  # fmt: skip


class Judging(NamedTuple):
    """What judging one article needs (sent to a worker process): its columns, and its
    source's host, URL and text when it copies another article and its copy signals are due."""

    row: dict
    source: dict | None


def judged_fields(row: dict) -> dict:
    return {name: row.get(name) for name in JUDGED_COLUMNS}


def copy_source(store: Store, row: dict) -> dict | None:
    if row.get("copy_of") is None:
        return None
    return store.article_texts([row["copy_of"]]).get(row["copy_of"])


def judge(task: Judging) -> list[Signal]:
    """One article's signals (run in a worker process when there is a pool)."""
    return judge_article(task.row) + judge_copy(task.row, task.source)


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
    if source is None or registrable(source["host"]) == registrable(row["host"]):
        return []
    found = [copied_from(source["url"], source["host"], row["cluster_similarity"] or 0.0)]
    spun = spun_markers(source["text"] or "", row["text"] or "")
    return found + ([spun] if spun else [])


def link_shared_trackers(store: Store) -> None:
    """The `shared_trackers` site signal of every site, from all sites' IDs."""
    linked = shared_trackers(store.trackers_by_host())
    store.replace_signal_everywhere(SHARED_TRACKERS, linked)
