"""Story clusters kept in an archive database: the cost at the end of a crawl, and of the next.

    python3 bench/story_archive.py [--articles 100000] [--new 2000] [--seed 0]

Fills a database with ARTICLES generated articles (bench/clustering.py's scale corpus: nine in
ten distinct stories, the rest exact, edited and spun copies; originals on 50 news sites,
copies on 20 farms), then measures, each in a fresh process:

1. `StoryClusters.finish()` on it, as `newsarc reindex` runs it: every text signed, clustered,
   placements and story rows written;
2. the next crawl: `load()` the stored signatures, NEW new articles stored and clustered live
   (`update()` every 200), then `finish()` (the exact pass: only new texts are signed).

Prints seconds, peak RSS, and how the stored clusters compare with the truth (copies apart from
their source, clusters holding two stories).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import clustering  # noqa: E402  (the corpus generator)

from archive.store import Store  # noqa: E402
from archive.stories import StoryClusters  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row_of(doc: clustering.Doc) -> dict:
    host = (
        f"farm{doc.key % 20}.example" if doc.parent is not None else f"news{doc.key % 50}.example"
    )
    return {
        "url": f"https://{host}/{doc.key}",
        "host": host,
        "title": f"story {doc.story}",
        "text": doc.text,
        "word_count": len(doc.text.split()),
        "first_seen": doc.when,
        "last_seen": doc.when,
        "published": doc.published,
    }


def fill(path: Path, docs: list[clustering.Doc]) -> None:
    store = Store(path, batch_size=5000)
    for doc in docs:
        store.add_article(row_of(doc), doc.when, new_version=True)
    store.close()


def child_full(path: Path) -> dict:
    store = Store(path)
    started = time.perf_counter()
    StoryClusters(store).finish()
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": seconds, "rss": peak_mb()}


def child_next(path: Path, docs_path: Path) -> dict:
    docs = [clustering.Doc(**json.loads(line)) for line in docs_path.read_text().splitlines()]
    store = Store(path)
    stories = StoryClusters(store)
    started = time.perf_counter()
    loaded = stories.load()
    load_seconds = time.perf_counter() - started
    live = 0.0
    for start in range(0, len(docs), 200):
        for doc in docs[start : start + 200]:
            stories.add(store.add_article(row_of(doc), doc.when, new_version=True))
        began = time.perf_counter()
        stories.update()
        live += time.perf_counter() - began
    began = time.perf_counter()
    stories.finish()
    finish = time.perf_counter() - began
    store.close()
    return {
        "load": load_seconds,
        "loaded": loaded,
        "live": live,
        "finish": finish,
        "rss": peak_mb(),
    }


def child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"bench: child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(path: Path, docs: list[clustering.Doc]) -> tuple[int, int, int]:
    """(copies not with their source, clusters holding two stories, copies) in the database."""
    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(path) as conn:
        cluster = {
            int(url.rsplit("/", 1)[1]): cid
            for url, cid in conn.execute("SELECT url, cluster_id FROM articles")
        }
    story = {doc.key: doc.story for doc in docs}
    copies = [doc for doc in docs if doc.parent is not None]
    apart = sum(
        cluster[d.key] is None or cluster[d.key] != cluster[d.parent]
        for d in copies
        if d.parent in cluster
    )
    stories_in: dict[int, set[int]] = {}
    for key, cid in cluster.items():
        if cid is not None:
            stories_in.setdefault(cid, set()).add(story[key])
    merged = sum(len(found) > 1 for found in stories_in.values())
    return apart, merged, len(copies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child-full", nargs=1, help=argparse.SUPPRESS)
    parser.add_argument("--child-next", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_full:
        print(json.dumps(child_full(Path(args.child_full[0]))))
        return
    if args.child_next:
        print(json.dumps(child_next(Path(args.child_next[0]), Path(args.child_next[1]))))
        return
    docs = list(clustering.scale_corpus(args.seed, args.articles + args.new))
    first, later = docs[: args.articles], docs[args.articles :]
    with tempfile.TemporaryDirectory(prefix="newsarc-stories-") as tmp:
        path, later_path = Path(tmp) / "archive.db", Path(tmp) / "later.jsonl"
        began = time.perf_counter()
        fill(path, first)
        print(
            f"filled {len(first):,} articles in {time.perf_counter() - began:.0f} s",
            file=sys.stderr,
        )
        full = child("--child-full", str(path))
        apart, merged, copies = compare(path, first)
        later_path.write_text("\n".join(json.dumps(clustering.asdict(d)) for d in later))
        nxt = child("--child-next", str(path), str(later_path))
        apart2, merged2, copies2 = compare(path, docs)
    print(
        f"\n### Story clusters in an archive of {args.articles:,} articles, "
        f"{os.cpu_count()} cores\n"
    )
    print("| step | time | peak RSS |\n| --- | --- | --- |")
    print(
        f"| full pass (reindex): sign, cluster, write | {full['seconds']:.1f} s "
        f"| {full['rss']:,.0f} MB |"
    )
    print(f"| next crawl: load {nxt['loaded']:,} signatures | {nxt['load']:.1f} s | |")
    print(
        f"| next crawl: {len(later):,} new articles clustered live | {nxt['live']:.1f} s "
        f"({1000 * nxt['live'] / max(1, len(later)):.2f} ms each) | |"
    )
    print(f"| next crawl: exact pass at its end | {nxt['finish']:.1f} s | {nxt['rss']:,.0f} MB |")
    print(
        f"\nAfter the full pass: {apart} of {copies:,} copies apart from their source, "
        f"{merged} clusters holding two stories. After the next crawl: {apart2} of "
        f"{copies2:,}, {merged2}."
    )


if __name__ == "__main__":
    main()
