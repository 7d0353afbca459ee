"""Site profiles whose big counts are kept in files (`SiteProfile.spill_to`): the same
decisions and the same stored JSON as in memory, and no file left once the crawl closes."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from archive.ingest import Capture
from archive.reindex import Reindexer
from conftest import article_html
from crawler.pipelines import ArchivePipeline, PageItem
from extractors import counts as counts_module
from extractors.boilerplate import SiteProfile
from extractors.counts import Spill


@pytest.fixture(autouse=True)
def tiny_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compact every 5 keys and spill arrays of 16 keys: every path runs on small sites."""
    monkeypatch.setattr(counts_module, "COMPACT_AT", 5)
    monkeypatch.setattr(counts_module, "SPILL_BYTES", 16 * 12)
    monkeypatch.setattr(counts_module, "SPILL_CHUNK", 8)


NAV = ["Home", "World", "Business", "Sport", "Share this story", "Subscribe to our newsletter"]
FOOTER = ["Copyright Daily Ledger", "Contact us", "Privacy"]


def site_page(rng: random.Random, n: int) -> tuple[str, list[str]]:
    """A page: the site's navigation (some of it), its own paragraphs, a template line, a link
    to another page's headline, the footer; its title segments."""
    own = [
        f"Story {n} paragraph {j}: " + " ".join(rng.choice("abcdefgh") * 3 for _ in range(9))
        for j in range(rng.randrange(2, 8))
    ]
    extra = [f"Tags: {rng.choice(['visas', 'jobs', 'ports'])}", f"Headline {rng.randrange(n + 1)}"]
    nav = [line for line in NAV if rng.random() < 0.8]
    section = rng.choice(["World", "Business", "Sport"])
    return "\n".join([*nav, *own, *extra, *FOOTER]), [f"Headline {n}", section, "Daily Ledger"]


def decisions(profile: SiteProfile, text: str, title: list[str]) -> tuple:
    lines = text.split("\n")
    return (
        profile.boilerplate_lines(lines),
        profile.other_page_names(lines, set(title)),
        profile.clean_text(text, title),
        profile.title_affixes(),
        profile.site_name(),
    )


def test_a_spilled_profile_decides_and_saves_like_one_in_memory(tmp_path: Path) -> None:
    rng = random.Random(12)
    in_memory, spilled = SiteProfile("a.example"), SiteProfile("a.example")
    spilled.spill_to(Spill(tmp_path / "spill"))
    for n in range(150):
        text, title = site_page(rng, n)
        page = f"http://a.example/{n % 140}"  # a few pages learned again: refused by both
        assert spilled.learn(text, title, page) == in_memory.learn(text, title, page)
        assert decisions(spilled, text, title) == decisions(in_memory, text, title)
        if n % 25 == 0:
            assert spilled.to_json() == in_memory.to_json()
    assert spilled.lines._spilled is not None and spilled.seen._counts._spilled is not None
    assert spilled.title_parts._spilled is not None
    assert spilled.title_part_text.spilled_nbytes() > 0
    assert spilled.lines.nbytes() < in_memory.lines.nbytes() / 4
    assert spilled.to_json() == in_memory.to_json()
    assert spilled == in_memory and spilled.has_learned("http://a.example/7")
    # Loaded from its JSON and spilled again; merged with another shard's profile.
    loaded = SiteProfile.from_json(spilled.to_json())
    loaded.spill_to(Spill(tmp_path / "loaded"))
    other = SiteProfile("a.example")
    for n in range(150, 190):
        other.learn(*site_page(rng, n), page=f"http://a.example/{n}")
    loaded.merge(other)
    in_memory.merge(other)
    assert loaded.lines._spilled is not None and loaded.seen._counts._spilled is not None
    assert loaded.to_json() == in_memory.to_json()
    text, title = site_page(rng, 500)
    assert decisions(loaded, text, title) == decisions(in_memory, text, title)
    assert not list((tmp_path / "spill").iterdir())  # the mappings hold the files


def page(pipeline: ArchivePipeline, n: int) -> PageItem:
    url = f"http://a.example/story/{n}"
    capture = Capture(url, 200, "2026-01-01T00:00:00", "text/html", 1, "sha1:X", "f.warc.gz",
                      0, 1, f"<urn:uuid:{n}>")  # fmt: skip
    pipeline.capture_archived(capture, response=None)
    html = article_html(f"plan{n}", f"Story {n} of the harbour")
    return PageItem(url=url, capture=capture, html=html)


def test_the_crawl_spills_profiles_beside_the_database_and_removes_them(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    crawler = get_crawler(Spider, {"NEWSARC_DB": str(db), "NEWSARC_EXTRACT_WORKERS": 1})
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    folders = list(tmp_path.glob(".a.db-profiles-*"))
    assert len(folders) == 1 and folders[0].is_dir()

    async def run() -> list[PageItem]:
        return [await pipeline.process_item(page(pipeline, n)) for n in range(6)]

    try:
        items = asyncio.run(run())
        profile = pipeline.profiles["a.example"]
        assert profile.lines._spilled is not None  # in the crawl's folder
        expected = profile.to_json()
    finally:
        pipeline.close_spider()
        pipeline.spider_closed("finished")
    assert [item.page_type for item in items] == ["article"] * 6
    assert not folders[0].exists()
    assert not list(tmp_path.glob(".a.db-profiles-*"))
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT profile FROM sites WHERE host = 'a.example'").fetchone()[0]
    assert stored == expected and SiteProfile.from_json(stored).pages == 6


def test_a_reindex_removes_its_profile_folder(tmp_path: Path) -> None:
    reindexer = Reindexer(tmp_path / "b.db", workers=1)
    assert len(list(tmp_path.glob(".b.db-profiles-*"))) == 1
    reindexer.run([])
    assert not list(tmp_path.glob(".b.db-profiles-*"))
