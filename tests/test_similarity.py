"""extractors.similarity: copies join their source, distinct stories stay apart, order is moot."""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from extractors import similarity
from extractors.similarity import Article, StoryIndex, cluster_all, signature

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import clustering as bench  # noqa: E402  (the bench's story generator and copiers)

SEED_PAGE = ROOT / "newsarc" / "demo" / "data" / "seed.txt"
T0 = "2024-03-01T08:00:00+00:00"


def stories(count: int, seed: int = 7) -> list[bench.Story]:
    return list(itertools.islice(bench.iter_stories(random.Random(seed)), count))


def text_of(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def copies(story: bench.Story, rng: random.Random, other: bench.Story) -> dict[str, str]:
    """An exact copy, a lightly edited one and two spun ones (10 % and 25 % of words)."""
    return {
        "exact": text_of(story.paragraphs),
        "edited": text_of(bench.edit(story.paragraphs, rng, other)),
        "spun 10%": text_of(bench.spin(story, story.paragraphs, rng, rate=0.10)[0]),
        "spun 25%": text_of(bench.spin(story, story.paragraphs, rng, rate=0.25)[0]),
    }


@pytest.fixture(scope="module")
def corpus() -> list[Article]:
    """Thirty stories (some sharing a cast), copies, copies of copies, a page carrying two
    stories and a short text."""
    rng = random.Random(11)
    written = stories(30)
    items: list[Article] = []
    for story in written:
        items.append(Article(len(items), text_of(story.paragraphs), None, T0, T0))
        if story.number % 3:
            continue
        for text in copies(story, rng, rng.choice(written)).values():
            items.append(Article(len(items), text, None, "2024-03-02T08:00:00Z", None))
        edited = bench.edit(story.paragraphs, rng, written[0])
        twice = bench.spin(story, edited, rng, rate=0.15)[0]  # a copy of a copy
        items.append(Article(len(items), text_of(twice), None, "2024-03-03", None))
    both = text_of(written[0].paragraphs + written[3].paragraphs)  # joins two clusters
    items.append(Article(len(items), both, None, "2024-03-04", None))
    items.append(Article(len(items), "Breaking: markets fell sharply today.", None, T0, None))
    return items


def clusters_of(found: dict[int, similarity.Assignment]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for key, assignment in found.items():
        groups.setdefault(assignment.cluster, set()).add(key)
    return {frozenset(g) for g in groups.values()}


# -- copies join, distinct stories do not -------------------------------------------------------


def test_exact_edited_and_spun_copies_join_their_source() -> None:
    written = stories(12, seed=3)
    rng = random.Random(5)
    index = StoryIndex()
    for story in written:
        source = 1000 * story.number
        assert index.add(source, text_of(story.paragraphs), when=T0) == source
        for offset, (kind, text) in enumerate(copies(story, rng, written[0]).items(), 1):
            cluster = index.add(source + offset, text, when="2024-03-05T00:00:00Z")
            assert cluster == source, f"{kind} copy of story {story.number} did not join"
            figure = index.assignment(source + offset).similarity
            if kind == "exact":
                assert figure == 1.0
            elif kind == "edited":
                assert 0.5 < figure <= 1.0
            else:
                assert similarity.THRESHOLD <= figure < 0.9, (kind, figure)
    assert len(index.clusters()) == len(written)


def test_unsure_pairs_are_verified_on_the_texts() -> None:
    """Pairs estimated between the threshold and SURE go to ``verify``; the others do not."""
    written = stories(6, seed=4)
    rng = random.Random(8)
    texts: dict[int, str] = {}
    for story in written:
        source = 100 * story.number
        texts[source] = text_of(story.paragraphs)
        texts[source + 1] = texts[source]  # exact: estimated 1.0
        texts[source + 2] = text_of(bench.spin(story, story.paragraphs, rng, rate=0.25)[0])
    asked: list[tuple[int, int]] = []

    def refuse(pairs: list[tuple[int, int]]) -> list[bool]:
        asked.extend(pairs)
        return [False] * len(pairs)

    refused = cluster_all([Article(k, t) for k, t in texts.items()], verify=refuse)
    spun = [k for k in texts if k % 100 == 2]
    estimates = {
        k: similarity.similarity(signature(texts[k]), signature(texts[k - 2])) for k in spun
    }
    unsure = [k for k in spun if estimates[k] < similarity.SURE]
    assert unsure, estimates  # 25 % spun copies are estimated under SURE
    assert {tuple(sorted(pair)) for pair in asked} >= {(k - 2, k) for k in unsure}
    assert all(refused[k].cluster == k for k in unsure)  # refused: alone
    assert all(refused[k - 1].cluster == k - 2 for k in spun)  # exact copies need no check
    checked = similarity.text_verifier(lambda keys: {k: texts[k] for k in keys})
    found = cluster_all([Article(k, t) for k, t in texts.items()], verify=checked)
    assert all(found[k].cluster == k - 2 for k in spun)  # real copies pass the exact check
    for a, b in itertools.combinations([100 * s.number for s in written], 2):
        assert similarity.exact_similarity(texts[a], texts[b]) < 0.05
    assert all(similarity.exact_similarity(texts[k], texts[k - 2]) >= 0.1 for k in spun)


def test_the_real_spun_seed_page_joins_its_source_with_the_names_right() -> None:
    lines = SEED_PAGE.read_text(encoding="utf-8").splitlines()
    spun = "\n\n".join(line for line in lines[3:] if line.strip())
    source = re.sub(r"\bZo[kc]o\b", "Joko", spun).replace("Lukashenka", "Lukashenko")
    source = source.replace('"Lianbang Summit"', "G7 summit")
    found = cluster_all([Article(1, source, when=T0), Article(2, spun, when="2024-06-29")])
    assert found[2].cluster == 1
    assert found[2].source == 1
    assert 0.5 < found[2].similarity < 1.0


def test_stories_on_one_topic_with_the_same_names_stay_apart() -> None:
    """Follow-ups share the cast (names, places, organisations) and subject of a story."""
    written = stories(60, seed=21)
    follow_ups = [s for s in written if s.cast_of is not None]
    assert len(follow_ups) >= 15
    family = {s.number for s in follow_ups} | {s.cast_of for s in follow_ups}
    items = [Article(s.number, text_of(s.paragraphs)) for s in written if s.number in family]
    found = cluster_all(items)
    assert len(found) == len(items)
    assert all(a.cluster == key for key, a in found.items()), "two distinct stories merged"
    sigs = [signature(item.text or "") for item in items]
    closest = max(similarity.similarity(a, b) for a, b in itertools.combinations(sigs, 2))
    assert closest < similarity.THRESHOLD / 1.5


def test_accents_and_case_do_not_matter() -> None:
    text = text_of(stories(1, seed=4)[0].paragraphs)
    changed = text.replace("e", "é").upper()
    assert signature(changed) == signature(text)


# -- order of arrival ---------------------------------------------------------------------------


def test_arrival_order_does_not_change_the_clusters(corpus: list[Article]) -> None:
    expected = cluster_all(corpus)
    sizes = sorted(len(group) for group in clusters_of(expected))
    assert sizes[-1] == 13 and sizes[-2] == 6 and sizes.count(1) == 20, sizes
    for seed in range(5):
        shuffled = list(corpus)
        random.Random(seed).shuffle(shuffled)
        index = StoryIndex()
        for item in shuffled:
            index.add(*item)
        assert index.assignments() == expected, f"shuffle {seed}"


def test_batch_equals_incremental_with_stored_signatures(corpus: list[Article]) -> None:
    blobs = similarity.signatures([item.text or "" for item in corpus])
    stored = [
        item._replace(text=None, signature=blob) for item, blob in zip(corpus, blobs, strict=True)
    ]
    stored = [item for item in stored if item.signature is not None]
    index = StoryIndex()
    rng = random.Random(2)
    rest = stored[::-1]
    while rest:
        size = rng.randint(1, 7)
        index.add_many(rest[:size])
        rest = rest[size:]
    assert index.assignments() == cluster_all(corpus) == cluster_all(stored)


def test_a_spilled_index_gives_the_same_clusters_in_less_memory(
    corpus: list[Article], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signatures and bands in files (tiny blocks and runs, so that most of them spill)."""
    monkeypatch.setattr(similarity, "SPILL_ROWS", 4)
    monkeypatch.setattr(similarity, "SPILL_ENTRIES", 300)
    in_memory = StoryIndex()
    spilled = StoryIndex(spill=tmp_path / "spill")
    for item in corpus:  # one by one, like a crawl: many small runs, merged and spilled
        in_memory.add(*item)
        spilled.add(*item)
    assert spilled.assignments() == in_memory.assignments() == cluster_all(corpus)
    assert spilled.clusters() == in_memory.clusters()
    assert spilled.nbytes() < in_memory.nbytes() / 4
    assert any(isinstance(keys, np.memmap) for keys, _ in spilled._bands._runs)
    assert not list((tmp_path / "spill").iterdir())  # the mappings hold the files, not the disk
    spilled_all = cluster_all(corpus, spill=tmp_path / "again")
    assert spilled_all == in_memory.assignments()


def test_identical_texts_join_whatever_their_number() -> None:
    text = text_of(stories(1, seed=8)[0].paragraphs)
    found = cluster_all([Article(k, text) for k in (9, 4, 7, 5)])
    assert {a.cluster for a in found.values()} == {4}
    assert {a.similarity for a in found.values()} == {1.0}


# -- probable source and earliest capture -------------------------------------------------------


def add_all(index: StoryIndex, text: str, rows: list[tuple[int, str | None, str | None]]) -> None:
    for key, when, published in rows:
        index.add(key, text, when=when, published=published)


def test_probable_source_ignores_missing_future_and_after_capture_dates() -> None:
    text = text_of(stories(1, seed=9)[0].paragraphs)
    index = StoryIndex()
    add_all(index, text, [
        (5, "2024-03-02T00:00:00Z", "2031-01-01T00:00:00Z"),  # forged: in the future
        (6, "2024-03-03T00:00:00Z", "2024-03-09T00:00:00Z"),  # published after its capture
        (8, "2024-03-01T10:00:00Z", None),  # the source: no date, captured first
        (9, None, "2099-05-05"),  # no capture time and a date in the future
    ])  # fmt: skip
    found = index.assignment(6)
    assert (found.cluster, found.source, found.earliest) == (5, 8, 8)


def test_without_capture_times_only_past_dates_count() -> None:
    text = text_of(stories(1, seed=17)[0].paragraphs)
    index = StoryIndex()
    add_all(index, text, [(22, None, "2099-01-01T00:00:00Z"), (21, None, None)])
    assert index.assignment(22).source == 21
    add_all(index, text, [(23, None, "2024-01-01T00:00:00Z"), (24, None, "yesterday")])
    assert index.assignment(22).source == 23
    assert index.assignment(22).earliest == 21
    index.add(25, text, published="Fri, 29 Dec 2023 10:00:00 +0000")
    index.add(26, text, published=datetime(2023, 12, 29, 9, 0))
    assert index.assignment(22).source == 26


def test_plausible_published_dates_beat_the_order_of_capture() -> None:
    text = text_of(stories(1, seed=10)[0].paragraphs)
    index = StoryIndex()
    add_all(index, text, [
        (3, "2024-03-02T00:00:00Z", None),  # a copy crawled first
        (4, "2024-03-05T00:00:00Z", "2024-03-01T08:00:00+00:00"),  # the source, crawled late
        (2, "2024-03-02T12:00:00Z", "2024-03-01T23:00:00-05:00"),  # a copy with a local time
        (7, "2024-03-04T00:00:00Z", "2024-03-03T23:30:00"),  # no offset: UTC
    ])  # fmt: skip
    assert index.assignment(7) == similarity.Assignment(2, 1.0, 4, 3)


# -- signatures, short texts, changes -----------------------------------------------------------


def test_signatures_round_trip_through_bytes() -> None:
    text = text_of(stories(1, seed=12)[0].paragraphs)
    blob = signature(text)
    assert isinstance(blob, bytes)
    assert len(blob) == similarity.HEADER + 2 * similarity.NUM_PERM
    assert similarity.similarity(blob, blob) == 1.0
    index = StoryIndex()
    index.add(1, text=text)
    assert index.add(2, signature=bytes(blob)) == 1
    assert index.assignment(2).similarity == 1.0


def test_signatures_do_not_drift_between_versions() -> None:
    """Stored signatures must stay comparable: a change in rensa or here needs a new SCHEME."""
    text = " ".join(
        f"Sentence number {i} tells of the harbour at Port Halden and its {i * 7} cranes."
        for i in range(30)
    )
    blob = signature(text)
    assert blob[:4].hex() == "01020001"
    assert hashlib.sha256(blob).hexdigest()[:16] == "9d3ef343f46f0554"


def test_signatures_of_another_scheme_are_refused_or_recomputed() -> None:
    text = text_of(stories(1, seed=13)[0].paragraphs)
    blob = signature(text)
    old = bytes([blob[0] + 1]) + blob[1:]
    index = StoryIndex()
    with pytest.raises(ValueError):
        index.add(1, signature=old)
    with pytest.raises(ValueError):
        index.add(1, signature=signature(text, num_perm=128))
    assert index.add(1, text=text, signature=old) == 1
    assert index.add(2, signature=blob) == 1


def content_words(text: str, count: int) -> str:
    """The start of ``text`` up to its ``count``-th word that is not a stop word."""
    seen = 0
    for match in re.finditer(r"\w+", text):
        seen += match.group(0).lower() not in similarity.STOP_WORDS
        if seen == count:
            return text[: match.end()] + "."
    raise AssertionError("text too short")


def test_short_texts_are_not_clustered() -> None:
    text = text_of(stories(1, seed=14)[0].paragraphs)
    short = content_words(text, similarity.MIN_WORDS - 1)
    enough = content_words(text, similarity.MIN_WORDS)
    assert signature(short) is None
    assert signature(enough) is not None
    index = StoryIndex()
    assert index.add(1, short) is None
    assert index.add(2, short) is None
    assert index.assignment(1) is None
    assert 1 not in index and len(index) == 0
    assert index.add(3, "") is None


def test_adding_a_key_again() -> None:
    one, two = (text_of(s.paragraphs) for s in stories(2, seed=15))
    index = StoryIndex()
    assert index.add(1, one) == 1
    assert index.add(1, one) == 1
    with pytest.raises(ValueError):
        index.add(1, two)
    with pytest.raises(ValueError):
        index.add(1, "Too short now.")
    assert index.assignment(1) == similarity.Assignment(1, 1.0, 1, 1)


def test_changes_are_reported_when_clusters_merge_or_change() -> None:
    """A page that carries two stories joins their clusters; a new earliest capture changes all."""
    first, second = stories(2, seed=16)
    one, two = text_of(first.paragraphs), text_of(second.paragraphs)
    index = StoryIndex()
    index.add(10, one, when="2024-03-02")
    index.add(20, two, when="2024-03-02")
    mark = index.mark()
    assert index.add(11, one, when="2024-03-03") == 10
    assert index.changed_since(mark) == [11]
    mark = index.mark()
    assert index.add(12, one, when="2024-03-01") == 10
    assert index.changed_since(mark) == [10, 11, 12]
    index.add(21, two, when="2024-03-03")
    mark = index.mark()
    assert index.add(30, one + "\n\n" + two, when="2024-03-04") == 10
    assert index.changed_since(mark) == [20, 21, 30]
    assert index.assignment(21).cluster == 10
    assert [c.members for c in index.clusters()] == [(10, 11, 12, 20, 21, 30)]


# -- the bench ----------------------------------------------------------------------------------


def test_the_bench_runs() -> None:
    command = [sys.executable, str(ROOT / "bench" / "clustering.py"), "--stories", "40",
               "--articles", "400", "--incremental", "50"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "| pair precision | 1.0000 |" in done.stdout
    assert "Four arrival orders give the same clusters: yes" in done.stdout
    assert "| clusters holding two or more stories | 0 |" in done.stdout


def test_the_fast_sequence_matcher_aligns_copies_as_difflib_does() -> None:
    """spun_markers and the story page use cydifflib for difflib's SequenceMatcher: the same
    opcodes on spun, edited and verbatim copies, word by word."""
    import difflib  # noqa: PLC0415

    from cydifflib import SequenceMatcher  # noqa: PLC0415

    rng = random.Random(5)
    written = stories(12, seed=3)
    for story in written:
        for text in copies(story, rng, rng.choice(written)).values():
            source = text_of(story.paragraphs).casefold().split()
            copy = text.casefold().split()
            expected = difflib.SequenceMatcher(None, source, copy, autojunk=False).get_opcodes()
            found = SequenceMatcher(None, source, copy, autojunk=False).get_opcodes()
            assert [tuple(op) for op in found] == [tuple(op) for op in expected]


def test_captures_in_the_same_millisecond_have_one_earliest_whatever_their_keys() -> None:
    """Two archives of the same captures (a merge and a reindex) number them differently:
    the earliest of a tie is chosen by name (the URL), not by key."""
    text = text_of(stories(1)[0].paragraphs)
    at = "2024-03-01T08:00:00.123+00:00"

    def earliest(keys: dict[str, int]) -> str:
        found = cluster_all([Article(key, text, None, at, None, url) for url, key in keys.items()])
        by_key = {key: url for url, key in keys.items()}
        return by_key[next(iter(found.values())).earliest]

    assert earliest({"http://b.example/1": 1, "http://a.example/1": 2}) == "http://a.example/1"
    assert earliest({"http://b.example/1": 2, "http://a.example/1": 1}) == "http://a.example/1"


def test_ascii_texts_give_the_tokens_of_the_general_pattern() -> None:
    from extractors.similarity import _TOKEN, tokens

    texts = [
        "Hello, World! It's 3.14 or 1,000,000.5 -- ok?\nNew_line\tTab_x A1b2 x.y.z ...!!",
        "UPPER lower MiXeD 42nd 7-11 e.g. U.S. (c) #tag @user snake_case __init__ 0.5.",
        "".join(chr(code) for code in range(128)) * 2,
        "",
    ]
    for text in texts:
        assert text.isascii()
        assert tokens(text) == _TOKEN.findall(text.casefold())
    assert tokens("Café 12 x") == ["cafe", "12", "x"]  # not ASCII: normalised first
