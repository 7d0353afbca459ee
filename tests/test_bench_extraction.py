"""bench/extraction.py: the benchmark's metric, the content-farm generator and a --quick run."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import defaultdict
from html import unescape
from pathlib import Path

import pytest
from lxml import html as lxml_html

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import extraction  # noqa: E402
import farm_sites  # noqa: E402
from extraction import Prediction, holds_boilerplate, scores, shingle_match, shingles  # noqa: E402
from farm_sites import TITLE_STYLES, FarmPage, generate  # noqa: E402

LONG_LINE = "The second other story is here right now"  # 8 words, 5 shingles
EXTRACTOR_NAMES = ["newsarc", "trafilatura", "trafilatura favor_precision"]


@pytest.fixture(scope="module")
def farm() -> list[FarmPage]:
    return generate(n_sites=12, pages_per_site=10, seed=0)


def by_site(pages: list[FarmPage]) -> dict[str, list[FarmPage]]:
    sites: dict[str, list[FarmPage]] = defaultdict(list)
    for page in pages:
        sites[page.site].append(page)
    return sites


def page_title(page: FarmPage) -> str:
    tree = lxml_html.fromstring(page.html)
    return tree.findtext(".//title")


def norm(text: str) -> str:
    return " ".join(text.split())


# -- the metric --------------------------------------------------------------------------------


def test_identical_text_scores_one() -> None:
    text = "The council met on Monday to discuss the new budget for schools."
    assert shingle_match(text, text) == (1.0, 0.0, 0.0)
    assert scores([shingle_match(text, text)]) == {"f1": 1.0, "precision": 1.0, "recall": 1.0}
    assert extraction.accuracy(text, " ".join(text.split()) + " ") == 1.0


def test_disjoint_texts_score_zero() -> None:
    counts = shingle_match("one two three four five", "six seven eight nine ten")
    assert counts[0] == 0.0
    assert scores([counts]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_partial_overlap_by_hand() -> None:
    # gold shingles: (1 2 3 4) (2 3 4 5); predicted: (1 2 3 4) (2 3 4 6) (3 4 6 7)
    # TP 1, FP 2, FN 1, normalised by 4; precision 1/3, recall 1/2, F1 0.4
    counts = shingle_match("one two three four five", "one two three four six seven")
    assert counts == (0.25, 0.5, 0.25)
    result = scores([counts])
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == pytest.approx(1 / 2)
    assert result["f1"] == pytest.approx(0.4)
    assert extraction.accuracy("one two three four five", "one two three four six seven") == 0.0


def test_empty_prediction_is_left_out_of_precision() -> None:
    good = shingle_match("a b c d e f", "a b c d e f")
    empty = shingle_match("a b c d e f", "")
    assert empty == (0.0, 0.0, 1.0)
    result = scores([good, empty])
    assert result["precision"] == 1.0
    assert result["recall"] == 0.5
    assert result["f1"] == pytest.approx(2 * 0.5 / 1.5)


def test_empty_gold_is_left_out_of_recall() -> None:
    extra = shingle_match("", "some words that should not be here")
    assert extra == (0.0, 1.0, 0.0)
    result = scores([shingle_match("a b c d e", "a b c d e"), extra])
    assert result["recall"] == 1.0
    assert result["precision"] == 0.5


def test_tokens_and_short_texts() -> None:
    assert shingles("Hello, world!") == {("Hello", "world"): 1}
    assert shingles("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    assert extraction.accuracy("Hello, world!", "Hello world") == 1.0
    assert extraction.accuracy("Hello world", "hello world") == 0.0


def test_boilerplate_presence() -> None:
    page = FarmPage(
        "a.example",
        "https://a.example/1",
        "",
        "Headline",
        "A",
        None,
        "Body text.",
        ["ADVERTISEMENT", "Recommended reading\nFirst story\n" + LONG_LINE],
    )
    assert holds_boilerplate(page, "Body text.\nAdvertisement")
    assert holds_boilerplate(page, "Body text.\n- The second other story is here right now")
    assert holds_boilerplate(page, "Body text.\nRECOMMENDED  reading:")
    # 80 % of a line's shingles are enough: 4 of 5 here, not 3 of 5
    assert holds_boilerplate(page, "Body text. The second other story is here right")
    assert not holds_boilerplate(page, "Body text. The second other story is here")
    assert not holds_boilerplate(page, "Body text. The advertisements were everywhere.")


def test_bench_predictions_come_back_in_document_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def echo(sites: list[list[tuple[str, str]]]) -> list[list[Prediction | None]]:
        return [[Prediction(None, url, None, None) for url, _html in site] for site in sites]

    monkeypatch.setattr(extraction, "EXTRACTORS", {"echo": echo})
    urls = ["https://a.example/1", "https://b.example/1", "https://a.example/2"]
    docs = [extraction.BenchDoc(str(n), url, "<p>x</p>", "x") for n, url in enumerate(urls)]
    assert extraction.by_host(urls) == [[0, 2], [1]]
    runs = extraction.bench_runs(docs)
    assert [p.text for p in runs["echo"].predictions] == urls


# -- the content-farm generator ----------------------------------------------------------------


def test_generator_is_deterministic(farm: list[FarmPage]) -> None:
    assert generate(n_sites=12, pages_per_site=10, seed=0) == farm
    assert generate(n_sites=12, pages_per_site=10, seed=1) != farm
    assert len(farm) == 120
    assert len(by_site(farm)) == 12


def test_generator_ignores_the_hash_seed() -> None:
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]); from farm_sites import generate; "
        "print(hashlib.sha256(repr(generate(4, 5, seed=2)).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, str(BENCH)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_every_title_style_is_used(farm: list[FarmPage]) -> None:
    used = set()
    for page in farm:
        title = page_title(page)
        assert page.title in title
        for style in TITLE_STYLES:
            filled = style.format(
                site=page.site_name, category=page.category or "", headline=page.title
            )
            if filled == title:
                used.add(style)
    assert used == set(TITLE_STYLES)
    assert any(":" in page.title for page in farm)
    assert any("-" in page.title for page in farm)


def test_sites_with_and_without_a_headline_h1(farm: list[FarmPage]) -> None:
    kinds = set()
    for pages in by_site(farm).values():
        h1s = [lxml_html.fromstring(page.html).findall(".//h1") for page in pages]
        if all(not found for found in h1s):
            kinds.add("none")
        elif all(norm(f[0].text_content()) == p.title for f, p in zip(h1s, pages, strict=True)):
            kinds.add("headline")
        elif all(norm(f[0].text_content()) == p.site_name for f, p in zip(h1s, pages, strict=True)):
            kinds.add("logo")
    assert kinds == {"none", "headline", "logo"}


def test_og_site_name_on_some_sites_only(farm: list[FarmPage]) -> None:
    flags = {pages[0].site: "og:site_name" in pages[0].html for pages in by_site(farm).values()}
    assert set(flags.values()) == {True, False}


def article_container(page: FarmPage) -> lxml_html.HtmlElement:
    tree = lxml_html.fromstring(page.html)
    first = page.body.split("\n")[0]
    paragraph = next(p for p in tree.iter("p") if norm(p.text_content()) == first)
    return paragraph.getparent()


def test_truth_matches_the_html(farm: list[FarmPage]) -> None:
    for page in farm:
        assert page.title in unescape(page_title(page))
        assert 4 <= len(page.body.split("\n")) <= 10
        container = norm(article_container(page).text_content())
        for paragraph in page.body.split("\n"):
            assert paragraph in container
        for block in page.boilerplate:
            for line in block.split("\n"):
                assert norm(line) in container, (page.url, line)


def test_boilerplate_fixed_per_site_and_varied_per_page(farm: list[FarmPage]) -> None:
    disclaimers = tuple(d.split(":")[0] + ":" for d in farm_sites.DISCLAIMERS)
    tag_prefixes = tuple(farm_sites.TAG_PREFIXES)
    fixed_checked = varied_checked = 0
    for pages in by_site(farm).values():
        blocks = [block for page in pages for block in page.boilerplate]
        fixed = {b for b in blocks if b.startswith(disclaimers)}
        tags = [b for b in blocks if b.startswith(tag_prefixes)]
        assert len(fixed) <= 1
        fixed_checked += len(fixed)
        if len(tags) > 1:
            assert len(set(tags)) > 1
            varied_checked += 1
    assert fixed_checked and varied_checked
    assert sum(bool(page.boilerplate) for page in farm) > 0.9 * len(farm)


def test_some_stories_are_copied_across_sites(farm: list[FarmPage]) -> None:
    hosts: dict[str, set[str]] = defaultdict(set)
    for page in farm:
        hosts[page.title].add(page.site)
    assert any(len(sites) > 1 for sites in hosts.values())
    for pages in by_site(farm).values():
        assert len({page.title for page in pages}) == len(pages)


# -- the script --------------------------------------------------------------------------------


def tiny_bench(root: Path) -> Path:
    """Three articles in the article-extraction-benchmark layout, two on one host."""
    pages = generate(n_sites=2, pages_per_site=2, seed=5)[:3]
    (root / "html").mkdir(parents=True)
    truth = {}
    for n, page in enumerate(pages):
        key = f"{n:064x}"
        truth[key] = {"articleBody": page.body, "url": page.url}
        (root / "html" / f"{key}.html.gz").write_bytes(gzip.compress(page.html.encode()))
    (root / "ground-truth.json").write_text(json.dumps(truth))
    return root


def test_quick_run_prints_both_tables(tmp_path: Path) -> None:
    bench_dir = tiny_bench(tmp_path / "bench")
    done = subprocess.run(
        [sys.executable, str(BENCH / "extraction.py"), "--quick", "--bench-dir", str(bench_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "## Article extraction benchmark (3 pages, 2 hosts)" in out
    assert "## Content-farm sites (4 sites × 6 pages, seed 0: 24 articles)" in out
    assert "| extractor | F1 | ± | precision | recall | accuracy | docs/s |" in out
    assert "| extractor | title exact % | body F1 | boilerplate left % | site name % |" in out
    for name in EXTRACTOR_NAMES:
        assert out.count(f"| {name} |") == 2
    assert out.count("× trafilatura default") == 2
    assert "cores" in out


def test_missing_bench_dir_is_an_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / "extraction.py"), "--quick", "--bench-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ground-truth.json" in done.stderr
