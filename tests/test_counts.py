"""extractors.counts: exact compact counters, and site profiles stored by older versions."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from crawler.dupefilter import CompactDupeFilter
from extractors import counts as counts_module
from extractors.boilerplate import SiteProfile, normalize
from extractors.counts import Counts, KeySet, Spellings, Spill, key_of, legacy_key


@pytest.fixture(autouse=True)
def small_compactions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counts_module, "COMPACT_AT", 7)  # compact often: both paths run


def test_counts_equal_a_dict_of_the_same_adds_in_any_order() -> None:
    rng = random.Random(3)
    adds = [rng.randrange(0, 200) * 7_919_000_000_007 for _ in range(3000)]
    expected: dict[int, int] = {}
    for key in adds:
        expected[key] = expected.get(key, 0) + 1
    forward, backward = Counts(), Counts()
    forward.add_all(adds)
    backward.add_all(reversed(adds))
    assert dict(forward.items()) == expected
    assert forward == backward
    assert len(forward) == len(expected)
    probe = [*rng.sample(sorted(expected), 20), 1, 2, 3]
    assert forward.get_many(probe) == [expected.get(key, 0) for key in probe]
    assert [forward.get(key) for key in probe] == [expected.get(key, 0) for key in probe]
    assert forward.at_least(20) == sum(1 for count in expected.values() if count >= 20)
    assert sorted(forward.counted_at_least(20)) == sorted(
        (key, count) for key, count in expected.items() if count >= 20
    )


def test_counts_merge_and_round_trip() -> None:
    one, two, both = Counts(), Counts(), Counts()
    for key in range(0, 50, 3):
        one.add(key)
        both.add(key)
    for key in range(0, 50, 5):
        two.add(key, 2)
        both.add(key, 2)
    one.merge(two)
    assert one == both
    again = Counts.from_json_value(json.loads(json.dumps(one.to_json_value())))
    assert again == both and again.get(15) == 3 and again.get(16) == 0


def test_keysets() -> None:
    a, b = KeySet([5, 1, 9]), KeySet([2, 7])
    assert 9 in a and 2 not in a and len(a) == 3
    assert a.isdisjoint(b) and not a.isdisjoint(KeySet([9]))
    assert list(a.union(b)) == [1, 2, 5, 7, 9]
    assert KeySet.from_json_value(a.to_json_value()) == a


def test_legacy_keys_are_the_keys_of_the_same_texts() -> None:
    text = "Tags: visas, jobs"
    old_digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    assert legacy_key(old_digest) == key_of(text)
    assert 0 <= key_of(text) < 1 << 63


def old_profile_json(profile: SiteProfile, lines: dict[str, int], parts: dict[str, int]) -> str:
    """The JSON an older newsarc stored: hex digests, title parts by their normalised text."""

    def digest(text: str) -> str:
        return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()

    return json.dumps({
        "host": profile.host,
        "pages": profile.pages,
        "lines": {digest(normalize(line)): count for line, count in lines.items()},
        "templates": profile.templates,
        "title_parts": {normalize(part): count for part, count in parts.items()},
        "title_part_text": {normalize(part): part for part in parts},
        "seen": sorted(digest(f"url:http://a.example/{n}") for n in range(profile.pages)),
    })  # fmt: skip


def test_a_profile_stored_by_an_older_version_decides_the_same() -> None:
    profile = SiteProfile("a.example")
    lines = {"Share this story": 0, "Subscribe to our newsletter": 0}
    parts = {"Daily Ledger": 0, "Sports": 0}
    for n in range(12):
        own = f"Story number {n} happened today in the harbour."
        profile.learn(
            "\n".join([own, *lines]), [f"Headline {n}", *parts], page=f"http://a.example/{n}"
        )
    counted_lines = dict.fromkeys(lines, 12) | {
        f"Story number {n} happened today in the harbour.": 1 for n in range(12)
    }
    counted_parts = dict.fromkeys(parts, 12) | {f"Headline {n}": 1 for n in range(12)}
    old = SiteProfile.from_json(old_profile_json(profile, counted_lines, counted_parts))
    assert old.lines == profile.lines and old.title_parts == profile.title_parts
    assert old.title_affixes() == profile.title_affixes() == ["Daily Ledger", "Sports"]
    assert old.site_name() == profile.site_name()
    assert old.has_learned("http://a.example/3") and not old.has_learned("http://a.example/99")
    page = "A new paragraph.\nShare this story\nHeadline 4"
    assert old.clean_text(page) == profile.clean_text(page) == "A new paragraph."
    assert SiteProfile.from_json(profile.to_json()) == profile


def test_the_compact_duplicate_filter_filters_like_scrapys(tmp_path: Path) -> None:
    crawler = get_crawler(Spider, {"JOBDIR": str(tmp_path)})
    first = CompactDupeFilter.from_crawler(crawler)
    urls = [f"http://a.example/{n % 40}?x={n % 7}" for n in range(300)]
    scrapy_filter = RFPDupeFilter.from_crawler(get_crawler(Spider))
    expected = [scrapy_filter.request_seen(Request(url)) for url in urls]
    assert [first.request_seen(Request(url)) for url in urls] == expected
    assert len(first.seen) == expected.count(False) == 280
    first.close("finished")
    resumed = CompactDupeFilter.from_crawler(crawler)  # JOBDIR: what was seen is still seen
    assert all(resumed.request_seen(Request(url)) for url in urls)
    assert not resumed.request_seen(Request("http://a.example/new"))
    resumed.close("finished")


def test_spilled_counts_equal_counts_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Arrays of 64 keys and more go to files (read 16 keys at a time): many spills and merges
    of spilled runs, the same counts, look-ups and JSON as in memory."""
    monkeypatch.setattr(counts_module, "SPILL_BYTES", 64 * 12)
    monkeypatch.setattr(counts_module, "SPILL_CHUNK", 16)
    rng = random.Random(9)
    spill = Spill(tmp_path / "spill")
    pool = [rng.randrange(0, 1 << 63) for _ in range(2000)]
    in_memory, spilled = Counts(), Counts(spill)
    for _ in range(400):
        batch = [rng.choice(pool) for _ in range(rng.randrange(0, 30))]
        step = rng.random()
        for counts in (in_memory, spilled):
            if step < 0.5:
                counts.add_all(batch)  # duplicates in a batch too
            elif step < 0.8:
                for key in batch:
                    counts.add(key, 3)
            else:
                for key in batch:
                    if key not in counts:
                        counts.add_new(key)
        probe = [*batch, *rng.sample(pool, 5), 0, 1]
        assert spilled.get_many(probe) == in_memory.get_many(probe)
        assert [spilled.get(key) for key in probe] == [in_memory.get(key) for key in probe]
        assert [key in spilled for key in probe] == [key in in_memory for key in probe]
        assert len(spilled) == len(in_memory)
    assert spilled._spilled is not None and len(spilled._spilled) > 1000
    assert spilled.nbytes() < in_memory.nbytes() / 4 and spilled.spilled_nbytes() > 12_000
    assert not list((tmp_path / "spill").iterdir())  # the mappings hold the files
    assert spilled == in_memory and in_memory == spilled
    assert list(spilled.items()) == list(in_memory.items())
    assert spilled.to_json_value() == in_memory.to_json_value()
    for least in (1, 2, 4, 7):
        assert spilled.at_least(least) == in_memory.at_least(least)
        assert spilled.counted_at_least(least) == in_memory.counted_at_least(least)
    other = Counts()
    for key in rng.sample(pool, 300) + [5, 6]:
        other.add(key, 2)
    spilled.merge(other)
    in_memory.merge(other)
    assert spilled._spilled is not None
    assert spilled.to_json_value() == in_memory.to_json_value()
    loaded = Counts.from_json_value(json.loads(json.dumps(spilled.to_json_value())))
    assert loaded == in_memory and loaded._spilled is None
    loaded.spill_to(spill)  # a stored profile, spilled as it is loaded
    assert loaded._spilled is not None and loaded == in_memory
    assert loaded.get_many(pool[:50]) == in_memory.get_many(pool[:50])


def test_spilled_key_sets_equal_key_sets_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counts_module, "SPILL_BYTES", 32 * 12)
    rng = random.Random(4)
    keys = [rng.randrange(0, 1 << 63) for _ in range(600)]
    in_memory, spilled = KeySet(keys[:400]), KeySet(keys[:400], spill=Spill(tmp_path))
    assert spilled._counts._spilled is not None
    assert spilled == in_memory and list(spilled) == list(in_memory) == sorted(set(keys[:400]))
    assert all(key in spilled for key in keys[:400])
    assert not any(key in spilled for key in keys[400:])
    assert spilled.to_json_value() == in_memory.to_json_value()
    both = spilled.union(KeySet(keys[350:]))
    assert both == set(keys) and both._counts._spilled is not None
    assert not spilled.isdisjoint(KeySet(keys[399:401])) and spilled.isdisjoint(KeySet(keys[400:]))


def test_counts_that_cannot_be_spilled_stay_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counts_module, "SPILL_BYTES", 16 * 12)
    (tmp_path / "taken").write_text("a file, not a folder")
    counts, expected = Counts(Spill(tmp_path / "taken")), Counts()
    for key in range(0, 3000, 7):
        counts.add(key)
        expected.add(key)
    assert counts._spilled is None and counts._spill is None
    assert counts == expected and counts.get(700) == 1


def test_spilled_spellings_equal_spellings_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counts_module, "SPILL_BYTES", 40)
    rng = random.Random(6)
    texts = [(rng.randrange(60), f"Title {rng.randrange(1000)} é") for _ in range(400)]
    in_memory, spilled = Spellings(), Spellings(spill=Spill(tmp_path))
    for key, text in texts:  # many replaced by a smaller text, kept before or after a spill
        in_memory.keep_least(key, text)
        spilled.keep_least(key, text)
        assert spilled.get(key) == in_memory.get(key)
    assert spilled.spilled_nbytes() > 1000 and len(spilled._buffer) < 40
    assert spilled == in_memory and dict(spilled.items()) == dict(in_memory.items())
    assert spilled.nbytes() < in_memory.nbytes() and not list(tmp_path.iterdir())
