"""Story clusters kept in the archive: who copied what, and which article is the source.

`extractors.similarity` does the analysis; this module feeds it what the database holds and
stores what it finds:

- ``article_signatures``: one MinHash signature per article text (an empty one when the text is
  too short to cluster). A trigger deletes it when the article's text changes.
- ``articles.cluster_id``, ``cluster_similarity`` (estimated Jaccard with the cluster's earliest
  capture) and ``copy_of`` (the cluster's probable source, on every member but the source);
  all NULL for an article that no other article resembles.
- ``story_clusters``: one row per cluster of two or more articles.

During a crawl, `StoryClusters` keeps a `StoryIndex` loaded from the stored signatures and adds
each new article as it is stored (`add`, written every few seconds by `update`): clusters grow
as the crawl goes. `finish` makes them exact: it signs every article whose text is new (the
crawl re-cleans its sites' articles at the end), then clusters again from the stored
signatures when a text changed under the live index, and writes what differs. `newsarc
reindex` uses `finish` alone. Clusters do not depend on the order of arrival, so both paths give
the same rows.
"""

from __future__ import annotations

import logging
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from archive.store import Store, chunked
from archive.workers import in_order
from extractors.counts import KeySet
from extractors.similarity import (
    Article,
    Assignment,
    StoryIndex,
    cluster_all,
    signatures,
    text_verifier,
)

logger = logging.getLogger(__name__)

BATCH = 2048  # articles signed or read at a time
SIGN_TASK, SIGN_TASKS_RUNNING = 256, 8  # articles a signing task, and tasks sent at a time


@dataclass(frozen=True)
class Placement:
    """What the articles row says of one article's cluster (all None: it stands alone)."""

    cluster_id: int | None
    similarity: float | None
    copy_of: int | None


ALONE = Placement(None, None, None)


def placement(key: int, found: Assignment, size: int) -> Placement:
    if size < 2:
        return ALONE
    copy_of = None if found.source == key else found.source
    return Placement(found.cluster, round(found.similarity, 4), copy_of)


class StoryClusters:
    """The story clusters of one archive, updated as articles are stored (see the module docs)."""

    def __init__(self, store: Store, executor: Executor | None = None) -> None:
        self.store = store
        self.executor = executor  # signs texts in its processes when given (reindex)
        self.index: StoryIndex | None = None
        self.pending: list[int] = []
        self.stale = False  # an indexed article's text changed: only a full pass is exact
        self.hosts: set[str] = set()  # of the articles whose placement changed
        # Articles whose copy signals may have changed: placement, own text or source's text
        # (a set of ids, 8 bytes each: every article of a crawl is in it).
        self.rejudge = KeySet()
        # A pair whose estimate is near the threshold is checked on the texts themselves.
        self.verify = text_verifier(self.texts)
        self._spill: tempfile.TemporaryDirectory[str] | None = None

    def spill_folder(self) -> Path:
        """Where the index keeps its signatures and bands (a hidden folder beside the
        database, on its disk: a temporary folder may be memory), removed by `close`."""
        if self._spill is None:
            path = self.store.path
            self._spill = tempfile.TemporaryDirectory(
                prefix=f".{path.name}-stories-", dir=path.parent
            )
        return Path(self._spill.name)

    def close(self) -> None:
        self.index = None
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None

    def texts(self, article_ids: list[int]) -> dict[int, str]:
        return {key: row["text"] for key, row in self.store.article_texts(article_ids).items()}

    def load(self) -> int:
        """Start the live index from the signatures stored; return how many were loaded."""
        self.index = StoryIndex(verify=self.verify, spill=self.spill_folder() / "live")
        self.index.add_many(self.store.stored_signatures())
        return len(self.index)

    def add(self, article_id: int) -> None:
        """An article was stored (new, or with a new text): cluster it at the next `update`."""
        self.pending.append(article_id)

    def update(self) -> int:
        """Sign and cluster the articles added since the last update; write what changed.

        Returns how many articles' placement changed."""
        if self.index is None or not self.pending:
            return 0
        wanted, self.pending = list(dict.fromkeys(self.pending)), []
        fresh = [key for key in wanted if key not in self.index]
        self.stale |= len(fresh) < len(wanted)  # a known article with a new text
        items = self.sign(fresh)
        mark = self.index.mark()
        self.index.add_many(item for item in items if item.signature)
        changed: dict[int, Placement] = {}
        heads: dict[int, tuple[int, int]] = {}
        for key in self.index.changed_since(mark):
            if key in changed:
                continue
            # Every member: a lone article that gains a copy keeps its assignment but not
            # its placement.
            members = self.index.members(key)
            for member in members:
                found = self.index.assignment(member)
                assert found is not None
                changed[member] = placement(member, found, len(members))
            heads[found.cluster] = (found.source, found.earliest)
        self.index.release()
        return self.write(changed, heads)

    def finish(self) -> set[str]:
        """Make the clusters exact (see the module docs); return the hosts of the articles
        whose copy signals must be judged again (`rejudge` lists those articles)."""
        self.update()
        unsigned = self.sign(self.store.unsigned_articles())
        if self.index is not None and any(item.key in self.index for item in unsigned):
            self.stale = True  # re-cleaned at the end of the crawl
        if self.index is not None and not self.stale:
            self.index.add_many(item for item in unsigned if item.signature)
            found = self.index.assignments()
        else:
            self.index = None  # not two indexes at once
            spill = self.spill_folder() / "exact"
            found = cluster_all(self.store.stored_signatures(), verify=self.verify, spill=spill)
        self.close()  # the index is not needed any more
        sizes: dict[int, int] = defaultdict(int)
        for assignment in found.values():
            sizes[assignment.cluster] += 1
        placements = {key: placement(key, item, sizes[item.cluster]) for key, item in found.items()}
        changed = {
            key: now
            for key, *stored in self.store.story_placements()
            if (now := placements.get(key, ALONE)) != Placement(*stored)
        }
        heads = {item.cluster: (item.source, item.earliest) for item in found.values()}
        moved = {cid for cid, *head in self.store.story_heads() if heads.get(cid) != tuple(head)}
        # A copy's spun markers are judged against its source's text, which may be new.
        self.write(changed, heads, moved)
        self.store.flush()
        new_texts = [item.key for item in unsigned]
        copies = self.store.copies_of(new_texts)
        self.rejudge.update(new_texts)
        self.rejudge.update(copies)
        return self.hosts | self.store.hosts_of(copies)

    def sign(self, article_ids: Iterable[int]) -> list[Article]:
        """Compute and store the signatures of these articles (an empty one: too short)."""
        signed: list[Article] = []
        for rows, blobs in self._signed(self.store.articles_to_sign(article_ids)):
            self.store.save_signatures(
                [(row["id"], blob or b"") for row, blob in zip(rows, blobs, strict=True)]
            )
            signed += [
                Article(row["id"], None, blob, row["first_seen"], row["published"], row["url"])
                for row, blob in zip(rows, blobs, strict=True)
            ]
        return signed

    def _signed(self, rows: Iterable[dict]) -> Iterator[tuple[list[dict], list[bytes | None]]]:
        """Batches of rows with their texts' signatures, signed in the executor if there is
        one (a few batches at a time: the texts in memory stay bounded), in order."""
        if self.executor is None:
            for batch in chunked(rows, BATCH):
                yield batch, signatures([row["text"] or "" for row in batch])
            return
        calls = (
            (batch, signatures, ([row["text"] or "" for row in batch],))
            for batch in chunked(rows, SIGN_TASK)
        )
        yield from in_order(self.executor, calls, SIGN_TASKS_RUNNING)

    def write(
        self,
        changed: dict[int, Placement],
        heads: dict[int, tuple[int, int]],
        moved: Iterable[int] = (),
    ) -> int:
        """Store these placements, and rebuild the story_clusters rows they touch (and those
        of `moved`); `heads` maps a cluster id to its (probable source, earliest capture)."""
        moved = set(moved)
        if not changed and not moved:
            return 0
        self.hosts |= self.store.hosts_of(changed)
        self.rejudge.update(changed)
        before = self.store.cluster_ids_of(list(changed))
        self.store.set_placements(
            [(p.cluster_id, p.similarity, p.copy_of, key) for key, p in changed.items()]
        )
        touched = before | {p.cluster_id for p in changed.values() if p.cluster_id is not None}
        touched |= set(moved)
        self.store.rebuild_story_rows({cid: heads.get(cid) for cid in touched})
        return len(changed)
