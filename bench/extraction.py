"""Article extraction scored for newsarc and plain trafilatura, side by side in one run.

    python3 bench/extraction.py [--bench-dir ../shared/bench/article-extraction]
        [--farm-sites 12 --farm-pages 40] [--seed 0] [--quick]

Three extractors run on the same pages in the same process, one after the other:
`newsarc` (`extractors.site.extract_site`, called once per site with all its pages),
`trafilatura` (`bare_extraction`, metadata on, comments off) and `trafilatura favor_precision`.

Table 1 scores them on the article-extraction benchmark (gzipped pages and `ground-truth.json`)
with its own metric: `\\w+` tokens, 4-token shingles, per-document multiset TP/FP/FN normalised
to sum 1, precision averaged over documents with a prediction, recall over documents with a
gold text, F1 the harmonic mean of the two averages, accuracy an exact token-sequence match,
± the bootstrap standard deviation of F1 (1,000 resamples, seeded). Pages of one host form one
site for newsarc.

Table 2 scores them on the generated content-farm sites of `farm_sites.py`: headline exact
match (whitespace-normalised), body F1 (the same metric against the true article text), the
share of pages whose text still holds a boilerplate block (the block's lowercased word sequence,
or 80 % of its 4-shingles, found in the text; each line of a multi-line block counts on its
own) and site-name accuracy (case-insensitive). docs/s is pages over the wall time of the
extraction calls alone, in one process, after a warm-up on ten pages (lazy imports, language
model) that is not timed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura
from farm_sites import FarmPage, generate

from extractors.article import ArticleRecord
from extractors.site import extract_site

HERE = Path(__file__).resolve().parent
DEFAULT_BENCH_DIR = HERE.parent.parent / "shared" / "bench" / "article-extraction"
TOKEN_RE = re.compile(r"\w+")
TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)
SHINGLE = 4
BOOTSTRAP = 1000
WARM_UP_PAGES = 10
QUICK = {"farm_sites": 4, "farm_pages": 6, "max_docs": 12}
FULL = {"farm_sites": 12, "farm_pages": 40, "max_docs": None}

Page = tuple[str, str]  # (url, html)
TpFpFn = tuple[float, float, float]


@dataclass
class Prediction:
    title: str | None
    text: str
    site_name: str | None
    category: str | None


Extractor = Callable[[list[list[Page]]], list[list[Prediction | None]]]


# -- the metric (as the benchmark's evaluate.py computes it) -----------------------------------


def tokenize(text: str | None) -> list[str]:
    return TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n tokens is one shingle."""
    tokens = tokenize(text)
    grams = (tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))
    return Counter(gram for gram in grams if gram)


def shingle_match(true: str, pred: str) -> TpFpFn:
    """TP, FP, FN over shingles, normalised to sum 1 so that long texts weigh no more."""
    gold, guess = shingles(true), shingles(pred)
    tp = float(sum((gold & guess).values()))
    fp = float(sum((guess - gold).values()))
    fn = float(sum((gold - guess).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def mean(values: Sequence[float]) -> float:
    return statistics.mean(values) if values else 0.0


def scores(counts: Sequence[TpFpFn]) -> dict[str, float]:
    """F1, precision and recall of a set of documents' (TP, FP, FN)."""
    precision = mean([precision_score(*c) for c in counts if c[0] + c[1] > 0])
    recall = mean([recall_score(*c) for c in counts if c[0] + c[2] > 0])
    total = precision + recall
    f1 = 2 * precision * recall / total if total else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def accuracy(true: str, pred: str) -> float:
    return float(tokenize(true) == tokenize(pred))


def f1_std(counts: Sequence[TpFpFn], rounds: int = BOOTSTRAP, seed: int = 0) -> float:
    """Bootstrap standard deviation of F1 over documents."""
    if len(counts) < 2:
        return 0.0
    rng = random.Random(seed)
    n = len(counts)
    values = [scores([counts[rng.randrange(n)] for _ in range(n)])["f1"] for _ in range(rounds)]
    return statistics.stdev(values)


# -- extractors --------------------------------------------------------------------------------


def run_newsarc(sites: list[list[Page]]) -> list[list[Prediction | None]]:
    return [[from_record(record) for record in extract_site(pages)] for pages in sites]


def from_record(record: ArticleRecord | None) -> Prediction | None:
    if record is None:
        return None
    return Prediction(record.title, record.text or "", record.site_name, record.category)


def trafilatura_extractor(favor_precision: bool) -> Extractor:
    def run(sites: list[list[Page]]) -> list[list[Prediction | None]]:
        return [[trafilatura_one(url, html, favor_precision) for url, html in s] for s in sites]

    return run


def trafilatura_one(url: str, html: str, favor_precision: bool) -> Prediction | None:
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            favor_precision=favor_precision,
        )
    except Exception:  # a crash on one page scores as no prediction
        return None
    if document is None:
        return None
    categories = document.categories or []
    category = categories[0] if categories else None
    return Prediction(document.title, document.text or "", document.sitename, category)


EXTRACTORS: dict[str, Extractor] = {
    "newsarc": run_newsarc,
    "trafilatura": trafilatura_extractor(False),
    "trafilatura favor_precision": trafilatura_extractor(True),
}


@dataclass
class Run:
    predictions: list[Prediction | None]
    seconds: float

    def docs_per_second(self) -> float:
        return len(self.predictions) / self.seconds if self.seconds else 0.0


def timed(extractor: Extractor, sites: list[list[Page]]) -> Run:
    """Predictions in page order and the wall time of the extraction alone."""
    start = time.perf_counter()
    out = extractor(sites)
    seconds = time.perf_counter() - start
    return Run([prediction for site in out for prediction in site], seconds)


def warm_up(sites: list[list[Page]]) -> None:
    """A few pages through every extractor, so lazy imports and model loads are not timed."""
    sample = [site[:1] for site in sites[:WARM_UP_PAGES]]
    for extractor in EXTRACTORS.values():
        extractor(sample)


def run_all(sites: list[list[Page]]) -> dict[str, Run]:
    return {name: timed(extractor, sites) for name, extractor in EXTRACTORS.items()}


# -- table 1: the article-extraction benchmark ---------------------------------------------------


@dataclass
class BenchDoc:
    key: str
    url: str
    html: str
    gold: str


def load_bench(bench_dir: Path, max_docs: int | None = None) -> list[BenchDoc]:
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:max_docs]
    return [bench_doc(bench_dir, key, truth[key]) for key in keys]


def bench_doc(bench_dir: Path, key: str, truth: dict[str, str]) -> BenchDoc:
    return BenchDoc(key, truth.get("url", ""), read_page(bench_dir, key), truth["articleBody"])


def read_page(bench_dir: Path, key: str) -> str:
    with gzip.open(bench_dir / "html" / f"{key}.html.gz", "rb") as handle:
        return handle.read().decode("utf-8", errors="replace")


def by_host(urls: Sequence[str]) -> list[list[int]]:
    """Page indices grouped by host, groups in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for index, url in enumerate(urls):
        groups.setdefault(urlsplit(url).hostname or f"#{index}", []).append(index)
    return list(groups.values())


def in_site_order(pages: Sequence[Page], groups: list[list[int]]) -> list[list[Page]]:
    return [[pages[i] for i in group] for group in groups]


def bench_runs(docs: list[BenchDoc]) -> dict[str, Run]:
    """Each extractor's run on the benchmark, predictions back in document order."""
    groups = by_host([doc.url for doc in docs])
    sites = in_site_order([(doc.url, doc.html) for doc in docs], groups)
    warm_up(sites)
    order = [i for group in groups for i in group]
    runs = run_all(sites)
    for run in runs.values():
        unsorted = dict(zip(order, run.predictions, strict=True))
        run.predictions = [unsorted[i] for i in range(len(docs))]
    return runs


def bench_row(docs: list[BenchDoc], run: Run) -> dict[str, float]:
    texts = [prediction.text if prediction else "" for prediction in run.predictions]
    counts = [shingle_match(doc.gold, text) for doc, text in zip(docs, texts, strict=True)]
    row = scores(counts)
    row["std"] = f1_std(counts)
    row["accuracy"] = mean([accuracy(d.gold, t) for d, t in zip(docs, texts, strict=True)])
    row["docs_s"] = run.docs_per_second()
    return row


def bench_table(docs: list[BenchDoc], runs: dict[str, Run]) -> list[str]:
    lines = [
        "| extractor | F1 | ± | precision | recall | accuracy | docs/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in runs.items():
        r = bench_row(docs, run)
        lines.append(
            f"| {name} | {r['f1']:.3f} | {r['std']:.3f} | {r['precision']:.3f} | "
            f"{r['recall']:.3f} | {r['accuracy']:.3f} | {r['docs_s']:.1f} |"
        )
    return lines


# -- table 2: content-farm sites ---------------------------------------------------------------


def normalised(text: str | None) -> str:
    return " ".join((text or "").split())


def words(text: str | None) -> str:
    return " ".join(token.lower() for token in tokenize(text))


def line_present(line: str, text_words: str, text_shingles: set[tuple[str, ...]]) -> bool:
    """A boilerplate line is in the text: all its words in a row, or 80 % of its 4-shingles."""
    line_words = words(line)
    if not line_words:
        return False
    if f" {line_words} " in f" {text_words} ":
        return True
    grams = list(shingles(line_words))
    if len(tokenize(line_words)) < SHINGLE:
        return False
    found = sum(1 for gram in grams if gram in text_shingles)
    return found >= 0.8 * len(grams)


def holds_boilerplate(page: FarmPage, text: str) -> bool:
    text_words = words(text)
    text_shingles = set(shingles(text_words))
    lines = (line for block in page.boilerplate for line in block.split("\n"))
    return any(line_present(line, text_words, text_shingles) for line in lines)


def farm_row(pages: list[FarmPage], run: Run) -> dict[str, float]:
    predictions = run.predictions
    texts = [prediction.text if prediction else "" for prediction in predictions]
    titles = [prediction.title if prediction else None for prediction in predictions]
    names = [prediction.site_name if prediction else None for prediction in predictions]
    pairs = list(zip(pages, texts, strict=True))
    return {
        "title": percent(same_title(t, page.title) for page, t in zip(pages, titles, strict=True)),
        "f1": scores([shingle_match(page.body, text) for page, text in pairs])["f1"],
        "boilerplate": percent(holds_boilerplate(page, text) for page, text in pairs),
        "site_name": percent(
            same_name(n, page.site_name) for page, n in zip(pages, names, strict=True)
        ),
        "docs_s": run.docs_per_second(),
    }


def same_title(found: str | None, true: str) -> bool:
    return normalised(found) == normalised(true)


def same_name(found: str | None, true: str) -> bool:
    return normalised(found).casefold() == normalised(true).casefold()


def percent(flags: Iterable[bool]) -> float:
    values = [bool(flag) for flag in flags]
    return 100.0 * sum(values) / len(values) if values else 0.0


def farm_runs(pages: list[FarmPage]) -> dict[str, Run]:
    sites = by_site(pages)
    warm_up(sites)
    return run_all(sites)


def by_site(pages: list[FarmPage]) -> list[list[Page]]:
    """(url, html) per site; the generator emits pages site after site."""
    groups: dict[str, list[Page]] = {}
    for page in pages:
        groups.setdefault(page.site, []).append((page.url, page.html))
    return list(groups.values())


def farm_table(pages: list[FarmPage], runs: dict[str, Run]) -> list[str]:
    lines = [
        "| extractor | title exact % | body F1 | boilerplate left % | site name % | docs/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, run in runs.items():
        r = farm_row(pages, run)
        lines.append(
            f"| {name} | {r['title']:.1f} | {r['f1']:.3f} | {r['boilerplate']:.1f} | "
            f"{r['site_name']:.1f} | {r['docs_s']:.1f} |"
        )
    return lines


def site_details(pages: list[FarmPage], runs: dict[str, Run]) -> list[str]:
    """Per farm site: its first `<title>`, `<h1>` count, og:site_name; title/left/name % each."""
    names = list(runs)
    lines = [
        "| site | first page's `<title>` | h1s | og:site_name | "
        + " | ".join(f"{name}: title/left/name %" for name in names)
        + " |",
        "| --- | --- | ---: | --- |" + " ---: |" * len(names),
    ]
    groups: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        groups.setdefault(page.site, []).append(index)
    for group in groups.values():
        site_pages = [pages[i] for i in group]
        cells = [site_cell(site_pages, [r.predictions[i] for i in group]) for r in runs.values()]
        lines.append(f"| {site_summary(site_pages[0])} | " + " | ".join(cells) + " |")
    return lines


def site_summary(page: FarmPage) -> str:
    """Host, `<title>`, number of `<h1>`s and og:site_name of a site's page, as table cells."""
    found = TITLE_RE.search(page.html)
    title = normalised(unescape(found.group(1))) if found else ""
    og = "yes" if 'property="og:site_name"' in page.html else "no"
    return f"{page.site} | {title.replace('|', '&#124;')} | {page.html.count('<h1')} | {og}"


def site_cell(pages: list[FarmPage], predictions: list[Prediction | None]) -> str:
    row = farm_row(pages, Run(predictions, 0.0))
    return f"{row['title']:.0f}/{row['boilerplate']:.0f}/{row['site_name']:.0f}"


# -- the report --------------------------------------------------------------------------------


def speed_line(runs: dict[str, Run]) -> str:
    ours, theirs = runs["newsarc"].docs_per_second(), runs["trafilatura"].docs_per_second()
    ratio = ours / theirs if theirs else 0.0
    return f"Speed: newsarc {ours:.1f} docs/s = {ratio:.2f}× trafilatura default ({theirs:.1f})."


def machine_line() -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now} · {platform.platform()} · {cpu_model()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · trafilatura {trafilatura.__version__}"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def report(
    bench_dir: Path, sizes: dict[str, int | None], seed: int, details: bool = False
) -> list[str]:
    docs = load_bench(bench_dir, sizes["max_docs"])
    bench = bench_runs(docs)
    hosts = len(by_host([doc.url for doc in docs]))
    pages = generate(sizes["farm_sites"], sizes["farm_pages"], seed)
    farm = farm_runs(pages)
    title = f"{sizes['farm_sites']} sites × {sizes['farm_pages']} pages, seed {seed}"
    return [
        "# Extraction benchmark",
        "",
        machine_line(),
        "",
        f"## Article extraction benchmark ({len(docs)} pages, {hosts} hosts)",
        "",
        *bench_table(docs, bench),
        "",
        speed_line(bench),
        "",
        f"## Content-farm sites ({title}: {len(pages)} articles)",
        "",
        *farm_table(pages, farm),
        "",
        speed_line(farm),
        "",
        combined_speed_line(bench, farm),
        *(["", "### Per farm site", "", *site_details(pages, farm)] if details else []),
    ]


def combined_speed_line(*tables: dict[str, Run]) -> str:
    def rate(name: str) -> float:
        docs = sum(len(t[name].predictions) for t in tables)
        seconds = sum(t[name].seconds for t in tables)
        return docs / seconds if seconds else 0.0

    ratio = rate("newsarc") / rate("trafilatura") if rate("trafilatura") else 0.0
    return f"Both sets: newsarc runs at {ratio:.2f}× the speed of trafilatura default."


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR)
    parser.add_argument("--farm-sites", type=int, help="farm sites (12; 4 with --quick)")
    parser.add_argument("--farm-pages", type=int, help="pages per farm site (40; 6 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="farm generator seed")
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument("--details", action="store_true", help="add a per-farm-site table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if not (args.bench_dir / "ground-truth.json").is_file():
        sys.exit(f"bench: no ground-truth.json in {args.bench_dir}")
    sizes = dict(QUICK if args.quick else FULL)
    if args.farm_sites is not None:
        sizes["farm_sites"] = args.farm_sites
    if args.farm_pages is not None:
        sizes["farm_pages"] = args.farm_pages
    print("\n".join(report(args.bench_dir, sizes, args.seed, args.details)))


if __name__ == "__main__":
    main()
