"""The compact structures that keep a long crawl's memory flat, and the allocator trim."""

from __future__ import annotations

import random

import numpy as np
import pytest

from crawler import memory
from extractors import counts
from extractors.boilerplate import SiteProfile
from extractors.counts import KeyMap, KeySet, Spellings
from extractors.similarity import StoryIndex


@pytest.fixture
def small_compactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compact every few keys, so that tests go through the sorted arrays too."""
    monkeypatch.setattr(counts, "COMPACT_AT", 7)


@pytest.mark.usefixtures("small_compactions")
def test_a_key_map_reads_like_a_dict() -> None:
    rng = random.Random(3)
    found, expected = KeyMap(), {}
    for _ in range(500):
        key, value = rng.randrange(-(1 << 63), 1 << 63), rng.randrange(1 << 40)
        if rng.random() < 0.3 and expected:
            key = rng.choice(list(expected))
        found[key] = value
        expected[key] = value
        assert found.setdefault(key, -1) == value
    assert len(found) == len(expected)
    assert all(found[key] == value and key in found for key, value in expected.items())
    assert dict(found.items()) == expected and list(found.items()) == sorted(expected.items())
    assert found.get(12345) is None and 12345 not in found and "x" not in found
    assert found.get(1 << 70) is None and found.setdefault(42, 7) == 7 and found[42] == 7
    with pytest.raises(KeyError):
        found[43]


@pytest.mark.usefixtures("small_compactions")
def test_spellings_keep_the_least_text_whatever_the_order() -> None:
    texts = [(n % 13, f"Part {n % 13} {'ABC'[n % 3]} é") for n in range(100)]
    forward, backward = Spellings(texts), Spellings(reversed(texts))
    expected: dict[int, str] = {}
    for key, text in texts:
        expected[key] = min(text, expected.get(key, text))
    assert forward == backward == expected and len(forward) == 13
    assert forward[4] == "Part 4 A é" and forward.get(99) is None and 5 in forward
    assert forward.nbytes() < 2000


@pytest.mark.usefixtures("small_compactions")
def test_a_key_set_takes_many_keys_and_equals_the_same_set() -> None:
    keys = KeySet()
    keys.update(range(0, 60, 3))
    keys.update([3, 6, 100])
    assert keys == set(range(0, 60, 3)) | {100} and keys != {3, 6}
    assert len(keys) == 21 and 57 in keys and 58 not in keys


def test_a_profile_keeps_each_title_part_once_in_its_least_spelling() -> None:
    one, other = SiteProfile("a.example"), SiteProfile("a.example")
    pages = [
        (f"http://a.example/{n}", ["Daily Ledger" if n % 2 else "DAILY  ledger"]) for n in range(8)
    ]
    for url, parts in pages:
        one.learn(f"Story {url}", parts, page=url)
    for url, parts in reversed(pages):
        other.learn(f"Story {url}", parts, page=url)
    assert one.title_affixes() == other.title_affixes() == ["DAILY  ledger"]
    assert SiteProfile.from_json(one.to_json()) == one == other


def test_ties_of_capture_time_still_go_to_the_smaller_name() -> None:
    text = " ".join(f"word{n} other{n % 17} thing{n % 5}." for n in range(300))
    index = StoryIndex()
    index.add(1, text=text, when="2026-11-01T00:00:00Z", name="http://b.example/x")
    index.add(2, text=text, when="2026-11-01T00:00:00Z", name="http://a.example/x")
    found = index.assignment(1)
    assert found is not None and found.earliest == 2 and found.source == 2 and found.cluster == 1
    assert index.members(2) == [1, 2] and 3 not in index and 1 in index


def test_the_allocator_gives_free_memory_back() -> None:
    blocks = [np.ones(20_000) for _ in range(200)]  # 160 KB each: in the heap, not mmap'd
    del blocks[::2]
    if not memory.available():  # not glibc: nothing to trim, nothing to tell
        assert memory.trim() is False and memory.heap_mb() == {}
        return
    before = memory.heap_mb()
    memory.trim()
    after = memory.heap_mb()
    assert after["in use"] > 0 and after["free"] <= before["free"]
