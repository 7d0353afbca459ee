"""Near-duplicate story clustering (`extractors.similarity`) on generated news with known copies.

    python3 bench/clustering.py [--seed 0] [--stories 1500] [--articles 100000]
        [--incremental 20000] [--skip-scale] [--compare-libraries] [--compare-shingles]

Quality. STORIES distinct stories from `newsarc.demo.prose`: eight categories whose stories
share sentence templates, and a third of them follow-ups that reuse an earlier story's cast
(same names, places and organisations, same subject, other events). Two thirds of the stories
get one to three copies of three kinds:

- exact: the text as it is;
- edited: one to three light edits: a sentence removed, a sentence from another story added,
  boilerplate lines ("Source: ...", "ADVERTISEMENT", "Follow us ...", a related headline);
- spun: 10-25 % of the words swapped for synonyms from a thesaurus (some of them phrases), the
  main character's surname misspelled two ways after its first mention (Joko -> Zoko, Zoco, as
  on the seed page), and a farm banner line.

Some copies are copies of copies. The articles go into a `StoryIndex` one by one in a
shuffled order, and into `cluster_all`; three more shuffles must give the same clusters. Pair
precision and recall count pairs of articles in one cluster against pairs that tell one story;
"merged" counts clusters that hold more than one story; "joined" is the share of copies in the
cluster of the article they were copied from. Source accuracy is the share of clusters with
copies that name the original as their source: a quarter of the originals are captured 3-10
days late (after some of their copies), a tenth have no date, and copies are published 2-72 h
after their source, with no date (15 %) or a forged date after their capture (15 %).

Scale. ARTICLES articles (a tenth of them copies of the three kinds) are written to a file; a
child process streams them into `signatures` and `cluster_all` and reports wall times and its
peak RSS (`ru_maxrss`); another adds the first INCREMENTAL of them one by one from their text,
as a crawl would.

`--compare-libraries [N]` times datasketch and rensa on the features of N articles (20,000):
signatures, and LSH build, query and memory beside `StoryIndex`. `--compare-shingles [N]` gives
the exact Jaccard of copies and of distinct stories under other shingles (N stories, 300). They
are the figures behind the choices in `extractors/similarity.py`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from extractors import similarity
from newsarc.demo import prose, vocab

EPOCH = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
CATEGORIES = list(vocab.CATEGORIES)
FOLLOW_UP_RATE = 1 / 3
KINDS = ("exact", "edited", "spun")
SPIN_RATE = (0.10, 0.25)

# A thesaurus of the kind article spinners use: the demo's SPIN_WORDS and common news words.
# fmt: off
THESAURUS = {
    **vocab.SPIN_WORDS,
    "plan": "proposal", "since": "ever since", "before": "prior to", "after": "following",
    "several": "various", "likely": "probable", "told": "informed", "about": "regarding",
    "announcement": "proclamation", "year": "twelvemonth", "public": "general public",
    "decade": "ten years", "called": "named", "according": "in accordance", "effect": "impact",
    "more": "additional", "last": "previous", "current": "present", "time": "occasion",
    "point": "juncture", "follow": "come after", "number": "quantity", "described": "portrayed",
    "independent": "autonomous", "approach": "method", "coming": "upcoming",
    "reporters": "journalists", "comment": "remark", "days": "times", "least": "minimum",
    "count": "tally", "keep": "maintain", "respond": "reply", "end": "conclusion",
    "released": "issued", "details": "particulars", "situation": "circumstances",
    "become": "turn out to be", "made": "produced", "data": "information",
    "companies": "firms", "adding": "including", "newspaper": "paper", "early": "premature",
    "making": "producing", "found": "discovered", "around": "approximately", "linked": "connected",
    "seen": "viewed", "however": "nevertheless", "treated": "handled", "came": "arrived",
    "clear": "evident", "published": "printed", "local": "regional", "idea": "notion",
    "much": "a lot", "few": "handful of", "council": "board", "organisation": "organization",
    "level": "degree", "official": "formal", "affect": "influence", "review": "evaluation",
    "immediately": "instantly", "available": "accessible", "warned": "alerted",
    "reach": "attain", "divisions": "rifts", "dozens": "scores", "budget": "spending plan",
    "national": "nationwide", "observers": "onlookers", "comparable": "similar",
    "agreement": "accord", "many": "numerous", "due": "scheduled", "later": "afterwards",
    "waiting": "holding out", "questions": "queries", "took": "took on", "reported": "stated",
    "full": "complete", "past": "previous", "survey": "poll", "rules": "regulations",
    "scheduled": "planned", "total": "overall", "vote": "ballot", "within": "inside",
    "committee": "panel", "climbed": "rose", "findings": "results", "community": "neighborhood",
    "estimates": "projections", "hundreds": "loads", "concerns": "worries",
    "proposal": "suggestion", "similar": "comparable", "suggested": "proposed",
    "earlier": "previously", "added": "included", "expect": "anticipate", "quick": "fast",
    "repeated": "duplicated", "requests": "demands", "near": "close to", "outside": "exterior",
    "familiar": "acquainted", "final": "last", "lowest": "least expensive", "difficult": "hard",
    "queued": "lined up", "director": "supervisor", "confirm": "verify", "experts": "specialists",
    "would": "will", "could": "might", "should": "ought to", "take": "consume",
    "show": "display", "pages": "web pages", "closer": "nearer", "requires": "needs",
    "runs": "operates", "put": "placed", "ties": "links", "gathered": "collected",
    "noted": "kept in mind", "pointed": "directed", "delays": "hold-ups", "ask": "inquire",
    "approval": "authorization", "planned": "intended", "meet": "satisfy", "late": "overdue",
    "highest": "greatest", "timetable": "routine", "step": "action", "further": "more",
    "repeatedly": "consistently", "raised": "elevated", "measure": "action",
    "recommendations": "suggestions", "originally": "initially", "declined": "decreased",
    "request": "demand", "negotiations": "arrangements", "members": "participants",
    "dispute": "disagreement", "question": "inquiry", "championed": "supported",
    "quickly": "swiftly", "firm": "company", "reform": "reorganization", "debate": "argument",
    "campaign": "project", "external": "outside", "audit": "inspection", "update": "upgrade",
    "allies": "partners", "timeline": "schedule", "compiled": "put together",
    "arrangements": "setups", "cuts": "reductions", "continue": "proceed", "lifted": "raised",
    "surprise": "shock", "conference": "seminar", "concern": "worry", "held": "kept",
    "pushed": "pressed", "package": "bundle", "speculation": "conjecture",
    "pressure": "stress", "leaders": "heads", "business": "company", "owners": "proprietors",
    "frustration": "irritation", "welcome": "greeting", "timing": "timing schedule",
    "scale": "range", "speed": "rate", "anticipated": "expected", "consequences": "effects",
    "benefits": "advantages", "sets": "establishes", "outlines": "describes",
    "series": "collection", "targets": "goals", "scheduled for": "set for", "clarify": "clarify",
    "explain": "discuss", "adopted": "embraced", "weighed": "considered", "cautioned": "advised",
    "signalled": "signaled", "priority": "top priority", "urgency": "necessity",
    "exposed": "revealed", "highlighted": "emphasized", "deepened": "grown",
    "simmered": "brewed", "easing": "relieving", "official count": "main count",
    "packed": "jam-packed", "voice": "articulate", "sign-off": "authorization",
    "pressing": "pushing", "lobbying": "campaigning", "clarity": "clearness", "action": "activity",
    "listening": "paying attention", "working": "functioning", "convinced": "persuaded",
    "results": "outcomes", "prominently": "conspicuously",
    "aware": "conscious", "risks": "dangers", "complaints": "grievances",
    "fell": "dropped", "record": "document",
    "percent": "per cent", "still": "nonetheless", "points": "factors", "research": "study",
    "say": "state", "regional": "local", "next": "following", "long": "lengthy",
    "roughly": "approximately", "news": "information", "feature": "include", "media": "press",
    "taken": "drawn", "relief": "alleviation", "supporters": "advocates", "trade": "commerce",
    "quarter": "fourth", "home": "house", "nobody": "no one", "board": "panel",
    "programme": "program", "alliance": "partnership", "security": "safety", "shares": "stocks",
    "close": "near", "hard": "tough", "prize": "award", "commentators": "pundits",
    "faster": "quicker", "move": "step", "little": "small", "figure": "number",
    "everyone": "everybody", "centre": "center", "moves": "steps", "film": "movie",
    "back": "again", "development": "growth", "border": "frontier", "cautious": "careful",
    "market": "marketplace", "trends": "patterns", "loom": "appear", "large": "big",
    "leaves": "departs", "numbers": "figures", "risen": "gone up", "insisted": "maintained",
    "industry": "sector", "matter": "issue", "far": "much", "chief": "head", "gave": "provided",
    "episode": "incident", "turning": "transforming", "ministry": "department",
    "quiet": "silent", "institute": "institution", "minister": "secretary", "chamber": "hall",
    "signs": "indications", "work": "job", "row": "quarrel", "argued": "contended",
    "received": "obtained", "adults": "grownups", "medical": "clinical", "bank": "lender",
    "spokesperson": "representative", "analysts": "experts", "opposed": "against",
    "consultation": "appointment", "reacted": "responded", "well": "effectively",
    "turnout": "attendance", "date": "day", "commission": "committee", "group": "team",
    "fees": "charges", "researchers": "scientists", "third": "3rd", "summit": "peak",
    "concessions": "compromises", "process": "procedure", "neighbours": "neighbors",
    "wording": "phrasing", "sent": "delivered", "argue": "contend", "emerged": "surfaced",
    "jumped": "leapt", "proposed": "suggested", "left": "remaining", "dark": "shadows",
    "head": "chief", "warn": "caution", "opponents": "challengers", "ordinary": "common",
    "tone": "mood", "summary": "overview", "poll": "survey", "records": "documents",
    "funding": "financing", "options": "alternatives", "argument": "dispute",
    "delivery": "shipment", "give": "provide", "newspapers": "papers", "slightly": "somewhat",
    "settled": "resolved", "unanswered": "unresolved", "documents": "papers",
    "speech": "address", "economists": "economic experts", "backers": "supporters",
    "hours": "hrs", "widely": "broadly", "broadcasters": "networks", "carefully": "cautiously",
    "effort": "attempt", "faced": "confronted", "scrutiny": "analysis", "surveys": "polls",
    "unusually": "remarkably", "blunt": "candid", "hearing": "session", "briefing": "rundown",
    "interview": "conversation", "mounting": "growing", "attendance": "presence",
    "heard": "listened to", "effects": "impacts", "town": "township", "pay": "wages",
    "assessments": "evaluations", "round": "cycle", "evening": "night", "households": "homes",
    "countered": "responded", "participation": "involvement", "emergency": "crisis",
    "groups": "teams",
}
# fmt: on
BOILERPLATE = (
    "ADVERTISEMENT",
    "Follow us on Telegram for more news like this.",
    "Source: {site}",
    "Related: {headline}",
    "This article first appeared on {site} and is republished with permission.",
    "Click here to subscribe to our daily newsletter.",
)
FARM_BANNERS = ("Job Recruitment Website", "Overseas Jobs Daily", "Visa News Hub")
SENTENCE_RE = re.compile(r"(?<=[.!?\"])\s+(?=[A-Z\"])")
WORD_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


@dataclass
class Story:
    """A distinct story: its paragraphs, main character and category."""

    number: int
    category: str
    paragraphs: list[str]
    protagonist: str
    headline: str
    cast_of: int | None = None  # a follow-up: the story whose cast it reuses


@dataclass
class Doc:
    """One captured article of the generated corpus, with its truth."""

    key: int
    story: int
    kind: str  # "original", "exact", "edited" or "spun"
    text: str
    when: str
    published: str | None
    parent: int | None = None  # the key of the article it was copied from
    spin_rate: float | None = None  # share of the words swapped, for spun copies


# -- the corpus ---------------------------------------------------------------------------------


def iter_stories(rng: random.Random) -> Iterator[Story]:
    """Distinct stories without end; about a third reuse the cast of a recent story."""
    casts: list[tuple[int, str, dict[str, str]]] = []
    for number in itertools.count():
        cast_of = None
        if casts and rng.random() < FOLLOW_UP_RATE:
            cast_of, category, cast = rng.choice(casts)
            cast = {**cast, **prose.make_cast(rng, category)} | _people(cast)
        else:
            category = rng.choice(CATEGORIES)
            cast = prose.make_cast(rng, category)
            casts = [*casts[-999:], (number, category, cast)]
        headline = prose.expand(rng.choice(vocab.CATEGORIES[category]["headlines"]), rng, cast)
        paragraphs = prose.write_paragraphs(rng, category, cast)
        yield Story(number, category, paragraphs, cast["last"], headline, cast_of)


def _people(cast: dict[str, str]) -> dict[str, str]:
    """The names, places and organisations that a follow-up story keeps."""
    keep = ("person", "last", "role", "role_cap", "person2", "last2", "role2", "org", "org_cap")
    return {name: cast[name] for name in (*keep, "city", "country", "org2")}


def sentences(paragraph: str) -> list[str]:
    return SENTENCE_RE.split(paragraph)


def edit(paragraphs: list[str], rng: random.Random, other: Story) -> list[str]:
    """One to three light edits: a sentence removed or added, boilerplate lines around."""
    paragraphs = list(paragraphs)
    for _ in range(rng.randint(1, 3)):
        operation = rng.choice(("remove", "add", "before", "after"))
        index = rng.randrange(len(paragraphs))
        parts = sentences(paragraphs[index])
        if operation == "remove" and len(parts) > 1:
            parts.pop(rng.randrange(len(parts)))
            paragraphs[index] = " ".join(parts)
        elif operation == "add":
            parts.insert(rng.randint(0, len(parts)), rng.choice(sentences(other.paragraphs[-1])))
            paragraphs[index] = " ".join(parts)
        else:
            line = rng.choice(BOILERPLATE).format(
                site=rng.choice(("The Daily Ledger", "Metro Tribune")), headline=other.headline
            )
            paragraphs.insert(0 if operation == "before" else len(paragraphs), line)
    return paragraphs


def spin(
    story: Story, paragraphs: list[str], rng: random.Random, rate: float | None = None
) -> tuple[list[str], float]:
    """Swap 10-25 % (or ``rate``) of the words for synonyms, misspell the main character."""
    text = "\n".join(paragraphs)
    words = list(WORD_RE.finditer(text))
    swappable = [m for m in words if m.group(0).lower() in THESAURUS]
    rate = rng.uniform(*SPIN_RATE) if rate is None else rate
    count = min(len(swappable), round(rate * len(words)))
    pieces, end = [], 0
    for match in sorted(rng.sample(swappable, count), key=lambda m: m.start()):
        word = match.group(0)
        synonym = THESAURUS[word.lower()]
        synonym = synonym.capitalize() if word[0].isupper() else synonym
        pieces += [text[end : match.start()], synonym]
        end = match.end()
    pieces.append(text[end:])
    spun = misspell("".join(pieces), story.protagonist)
    banner = f"{rng.choice(FARM_BANNERS)} - {story.headline}"
    return [banner, *spun.split("\n")], count / len(words)


def misspell(text: str, name: str) -> str:
    """Keep the first mention of ``name``; alternate two misspellings after it (Zoko, Zoco)."""
    variants = prose.misspellings(name)
    seen = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return name if seen == 1 else variants[seen % 2]

    return re.sub(rf"\b{re.escape(name)}\b", replace, text)


def copy_text(
    kind: str, story: Story, paragraphs: list[str], rng: random.Random, other: Story
) -> tuple[list[str], float | None]:
    if kind == "edited":
        return edit(paragraphs, rng, other), None
    if kind == "spun":
        return spin(story, paragraphs, rng)
    return list(paragraphs), None


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def original_dates(rng: random.Random) -> tuple[datetime, str, str | None]:
    """(published, capture time, published as shown) of an original: a quarter captured late."""
    published = EPOCH + timedelta(minutes=rng.randint(0, 60 * 24 * 365))
    late = rng.random() < 0.25
    delay = timedelta(days=rng.uniform(3, 10)) if late else timedelta(hours=rng.uniform(0.1, 6))
    shown = None if rng.random() < 0.1 else stamp(published)
    return published, stamp(published + delay), shown


def copy_dates(rng: random.Random, published: datetime) -> tuple[str, str | None]:
    """(capture time, published as shown) of a copy: 2-72 h after the source, missing or forged."""
    copied = published + timedelta(hours=rng.uniform(2, 72))
    captured = copied + timedelta(hours=rng.uniform(0.5, 24))
    roll = rng.random()
    if roll < 0.15:
        return stamp(captured), None
    if roll < 0.30:
        return stamp(captured), stamp(captured + timedelta(days=rng.randint(2, 4000)))
    return stamp(captured), stamp(copied)


def quality_corpus(seed: int, count: int) -> tuple[list[Doc], list[Story]]:
    """Originals of ``count`` stories and, for about two thirds of them, copies."""
    rng = random.Random(f"clustering:{seed}:quality")
    stories = list(itertools.islice(iter_stories(rng), count))
    docs: list[Doc] = []
    for story in stories:
        docs += story_docs(story, rng, stories, len(docs))
    return docs, stories


def story_docs(story: Story, rng: random.Random, stories: list[Story], first_key: int) -> list[Doc]:
    """The original capture of ``story`` and 0-3 copies, some of them copies of copies."""
    published, when, shown = original_dates(rng)
    docs = [Doc(first_key, story.number, "original", "\n\n".join(story.paragraphs), when, shown)]
    texts = [story.paragraphs]
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        kind = rng.choice(KINDS)
        parent = 0 if rng.random() < 0.8 else rng.randrange(len(texts))
        paragraphs, rate = copy_text(kind, story, texts[parent], rng, rng.choice(stories))
        texts.append(paragraphs)
        when, date = copy_dates(rng, published)
        key, text = first_key + len(docs), "\n\n".join(paragraphs)
        docs.append(Doc(key, story.number, kind, text, when, date, first_key + parent, rate))
    return docs


def scale_corpus(seed: int, count: int) -> Iterator[Doc]:
    """``count`` articles: nine in ten are distinct stories, the rest copies of recent ones."""
    rng = random.Random(f"clustering:{seed}:scale")
    stories = iter_stories(rng)
    recent: list[tuple[int, Story, datetime]] = []
    for key in range(count):
        if recent and rng.random() < 0.1:
            original, story, published = rng.choice(recent)
            kind = rng.choice(KINDS)
            other = rng.choice(recent)[1]
            paragraphs, rate = copy_text(kind, story, story.paragraphs, rng, other)
            when, date = copy_dates(rng, published)
            text = "\n\n".join(paragraphs)
            yield Doc(key, original, kind, text, when, date, original, rate)
        else:
            story = next(stories)
            published, when, shown = original_dates(rng)
            recent = [*recent[-999:], (key, story, published)]
            yield Doc(key, key, "original", "\n\n".join(story.paragraphs), when, shown)


def articles(docs: Iterable[Doc]) -> Iterator[similarity.Article]:
    for doc in docs:
        yield similarity.Article(doc.key, doc.text, None, doc.when, doc.published)


# -- scores -------------------------------------------------------------------------------------


def pair_set(groups: Iterable[list[int]]) -> set[tuple[int, int]]:
    return {pair for group in groups for pair in itertools.combinations(sorted(group), 2)}


def groups_of(labels: dict[int, int]) -> list[list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for key, label in labels.items():
        groups[label].append(key)
    return list(groups.values())


def score(docs: list[Doc], found: dict[int, similarity.Assignment]) -> dict:
    """Pair precision and recall, merged clusters, copies joined and sources named."""
    cluster = {key: a.cluster for key, a in found.items()}
    story = {doc.key: doc.story for doc in docs}
    predicted = pair_set(groups_of(cluster))
    true = pair_set(groups_of(story))
    hits = len(predicted & true)
    joined = {kind: [] for kind in KINDS}
    for doc in docs:
        if doc.parent is not None:
            joined[doc.kind].append(cluster.get(doc.key, -1) == cluster.get(doc.parent, -2))
    return {
        "precision": hits / len(predicted) if predicted else 1.0,
        "recall": hits / len(true) if true else 1.0,
        "merged": sum(len({story[k] for k in g}) > 1 for g in groups_of(cluster)),
        "joined": {kind: sum(v) / len(v) for kind, v in joined.items() if v},
        "source": source_accuracy(docs, found),
    }


def source_accuracy(docs: list[Doc], found: dict[int, similarity.Assignment]) -> float:
    originals = {doc.story: doc.key for doc in docs if doc.kind == "original"}
    copied = {doc.story for doc in docs if doc.kind != "original"}
    right = [found[originals[s]].source == originals[s] for s in copied if originals[s] in found]
    return sum(right) / len(right) if right else 1.0


# -- quality ------------------------------------------------------------------------------------


def incremental(docs: list[Doc], order_seed: str) -> dict[int, similarity.Assignment]:
    shuffled = list(docs)
    random.Random(order_seed).shuffle(shuffled)
    index = similarity.StoryIndex()
    for doc in shuffled:
        index.add(doc.key, doc.text, when=doc.when, published=doc.published)
    return index.assignments()


def run_quality(seed: int, count: int) -> None:
    docs, stories = quality_corpus(seed, count)
    started = time.perf_counter()
    found = incremental(docs, f"{seed}:order:0")
    seconds = time.perf_counter() - started
    same = all(incremental(docs, f"{seed}:order:{n}") == found for n in (1, 2, 3))
    same_batch = similarity.cluster_all(articles(docs)) == found
    figures = score(docs, found)
    rates = [doc.spin_rate for doc in docs if doc.spin_rate is not None]
    print_quality(docs, stories, figures, found, rates)
    print(
        f"\nFour arrival orders give the same clusters: {'yes' if same else 'NO'}; "
        f"`cluster_all` gives the same: {'yes' if same_batch else 'NO'}. "
        f"Adding {len(docs):,} articles one by one took {seconds:.1f} s."
    )


def print_quality(
    docs: list[Doc],
    stories: list[Story],
    figures: dict,
    found: dict[int, similarity.Assignment],
    rates: list[float],
) -> None:
    kinds = {kind: sum(doc.kind == kind for doc in docs) for kind in KINDS}
    follow_ups = sum(story.cast_of is not None for story in stories)
    print(
        f"### Copy detection ({len(stories):,} stories, {follow_ups:,} of them follow-ups; "
        f"{len(docs):,} articles)\n"
    )
    print("| measure | value |\n| --- | --- |")
    print(f"| pair precision | {figures['precision']:.4f} |")
    print(f"| pair recall | {figures['recall']:.4f} |")
    print(f"| clusters holding two or more stories (merged) | {figures['merged']} |")
    for kind, share in figures["joined"].items():
        sims = [found[d.key].similarity for d in docs if d.kind == kind and d.key in found]
        median = statistics.median(sims) if sims else float("nan")
        print(
            f"| {kind} copies joined ({kinds[kind]:,}; median similarity to earliest "
            f"{median:.2f}) | {share:.4f} |"
        )
    print(
        f"| spun copies: words swapped | {min(rates):.1%}–{max(rates):.1%}, "
        f"mean {statistics.mean(rates):.1%} |"
    )
    print(f"| probable source is the original | {figures['source']:.4f} |")


# -- scale --------------------------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    """Resident memory of this process now (Linux), else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def read_docs(path: Path, limit: int | None = None) -> Iterator[Doc]:
    with path.open(encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            yield Doc(**json.loads(line))


def scale_child_batch(path: Path, out: Path) -> dict:
    """Signatures in chunks of 2,048 texts, then `cluster_all` on them; texts are not kept."""
    started = time.perf_counter()
    items: list[similarity.Article] = []
    docs = read_docs(path)
    while chunk := list(itertools.islice(docs, 2048)):
        blobs = similarity.signatures([doc.text for doc in chunk])
        items += [
            similarity.Article(d.key, None, b, d.when, d.published)
            for d, b in zip(chunk, blobs, strict=True)
        ]
    signed = time.perf_counter()
    found = similarity.cluster_all(items)
    done = time.perf_counter()
    out.write_text(json.dumps({key: a.cluster for key, a in found.items()}))
    return {
        "signatures": signed - started,
        "cluster": done - signed,
        "rss": rss_mb(),
        "clustered": len(found),
    }


def scale_child_incremental(path: Path, limit: int) -> dict:
    index = similarity.StoryIndex()
    started = time.perf_counter()
    for doc in read_docs(path, limit):
        index.add(doc.key, doc.text, when=doc.when, published=doc.published)
    return {"seconds": time.perf_counter() - started, "rss": rss_mb()}


def child(*args: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"bench: child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_scale(seed: int, count: int, incremental_count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="newsarc-clustering-") as tmp:
        path, out = Path(tmp) / "articles.jsonl", Path(tmp) / "clusters.json"
        truth = write_corpus(path, scale_corpus(seed, count))
        batch = child("--child-batch", str(path), str(out))
        found = {int(k): v for k, v in json.loads(out.read_text()).items()}
        inc = child("--child-incremental", str(path), str(incremental_count))
    merged = sum(len({truth[k][0] for k in g}) > 1 for g in groups_of(found))
    copies = [k for k, (_, parent, _) in truth.items() if parent is not None]
    missed = Counter(truth[k][2] for k in copies if found.get(k, -1) != found.get(truth[k][1], -2))
    print_scale(count, len(copies), batch, inc, incremental_count, merged, missed)


def write_corpus(path: Path, docs: Iterable[Doc]) -> dict[int, tuple[int, int | None, str]]:
    """Write the articles as JSON lines; return (story, parent, kind) of each."""
    truth = {}
    with path.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(asdict(doc)) + "\n")
            truth[doc.key] = (doc.story, doc.parent, doc.kind)
    return truth


def print_scale(
    count: int, copies: int, batch: dict, inc: dict, inc_count: int, merged: int, missed: Counter
) -> None:
    total = batch["signatures"] + batch["cluster"]
    print(f"\n### Clustering {count:,} articles ({copies:,} copies), {os.cpu_count()} cores\n")
    print("| measure | value |\n| --- | --- |")
    print(f"| signatures from text (`signatures`) | {batch['signatures']:.1f} s |")
    print(f"| clustering the signatures (`cluster_all`) | {batch['cluster']:.1f} s |")
    print(f"| total | {total:.1f} s ({count / total:,.0f} articles/s) |")
    print(f"| peak RSS of that process | {batch['rss']:,.0f} MB |")
    print(f"| articles clustered (long enough) | {batch['clustered']:,} |")
    print(f"| clusters holding two or more stories | {merged} |")
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(missed.items())) or "none"
    print(f"| copies not in their source's cluster | {missed.total()} of {copies:,} ({kinds}) |")
    each = inc["seconds"] / inc_count * 1000
    print(
        f"| `add` one by one from text, first {inc_count:,} | {each:.2f} ms each, "
        f"peak RSS {inc['rss']:,.0f} MB |"
    )


# -- library comparison -------------------------------------------------------------------------


def run_library_comparison(seed: int, count: int) -> None:
    texts = [doc.text for doc in scale_corpus(seed, count)]
    features, offsets, _ = similarity._batch_features(texts)
    started = time.perf_counter()
    rows = similarity._digests(features, offsets, similarity.NUM_PERM)
    rensa_us = (time.perf_counter() - started) / count * 1e6
    datasketch_us = datasketch_signatures(features, offsets, min(count, 2000))
    with tempfile.TemporaryDirectory(prefix="newsarc-libraries-") as tmp:
        np.save(Path(tmp) / "rows.npy", rows)
        np.save(Path(tmp) / "features.npy", features)
        np.save(Path(tmp) / "offsets.npy", offsets)
        built = {lib: child("--child-lsh", lib, tmp) for lib in ("newsarc", "datasketch", "rensa")}
    print(f"\n### MinHash libraries, {count:,} articles, {similarity.NUM_PERM} permutations\n")
    print(
        "| library | signatures µs/article | LSH (128 bands × 2 rows): build + query | "
        "memory held by the index |\n| --- | --- | --- | --- |"
    )
    for lib, us in (
        ("newsarc (StoryIndex)", None),
        ("datasketch", datasketch_us),
        ("rensa", rensa_us),
    ):
        figures = built[lib.split()[0]]
        signing = "–" if us is None else f"{us:.1f}"
        print(
            f"| {lib} | {signing} | {figures['seconds']:.1f} s {figures['note']} | "
            f"{figures['rss']:,.0f} MB |"
        )


def datasketch_signatures(features: np.ndarray, offsets: np.ndarray, count: int) -> float:
    """µs per article for datasketch's fastest CPU scheme (affine32) on the same features."""
    from datasketch import MinHash

    bounds = offsets.astype(np.int64)
    low = [features[bounds[i] : bounds[i + 1]] & np.uint64(0xFFFFFFFF) for i in range(count)]
    started = time.perf_counter()
    list(MinHash.generator(low, num_perm=similarity.NUM_PERM, hashfunc=int, scheme="affine32"))
    return (time.perf_counter() - started) / count * 1e6


def child_lsh(lib: str, folder: Path) -> dict:
    rows = np.load(folder / "rows.npy")
    bands = similarity.NUM_PERM // similarity.ROWS
    if lib == "rensa":
        import rensa

        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            np.load(folder / "features.npy"),
            np.load(folder / "offsets.npy"),
            similarity.NUM_PERM,
            similarity.SEED,
        )
    blobs = [similarity._to_bytes(row) for row in rows]
    before = resident_mb()
    started = time.perf_counter()
    if lib == "newsarc":
        index = similarity.StoryIndex()
        index.add_many(similarity.Article(i, signature=b) for i, b in enumerate(blobs))
        note = "(candidates verified, clusters made)"
    elif lib == "datasketch":
        index, note = datasketch_lsh(rows, bands)
    else:
        index = rensa.RMinHashLSH(similarity.THRESHOLD, similarity.NUM_PERM, bands)
        index.insert_matrix(matrix, 0)
        index.query_duplicate_flags_matrix(matrix)
        note = "(duplicate flags only: no query by a stored signature)"
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss": resident_mb() - before, "note": note}


def datasketch_lsh(rows: np.ndarray, bands: int) -> tuple[object, str]:
    from datasketch import LeanMinHash, MinHashLSH

    index = MinHashLSH(num_perm=similarity.NUM_PERM, params=(bands, similarity.ROWS))
    hashes = [
        LeanMinHash(seed=similarity.SEED, hashvalues=row.astype(np.uint32), scheme="affine32")
        for row in rows
    ]
    for key, minhash in enumerate(hashes):
        index.insert(key, minhash)
    found = sum(len(index.query(minhash)) for minhash in hashes)
    return index, f"({found - len(hashes):,} candidates, not verified)"


# -- shingle comparison -------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    return [t for t in similarity.tokens(text) if t[0] not in ".!?\n。！？"]


def word_shingles(k: int):
    def make(text: str) -> set[str]:
        words = words_of(text)
        return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}

    return make


def char_shingles(text: str) -> set[str]:
    joined = " ".join(words_of(text))
    return {joined[i : i + 9] for i in range(len(joined) - 8)}


def word_pairs(text: str) -> set[str]:
    words = words_of(text)
    low, high = similarity.WINDOW
    return {
        f"{words[i]} {words[j]}"
        for i in range(len(words))
        for j in range(i + low, min(len(words), i + high + 1))
    }


def newsarc_features(text: str) -> set[int]:
    return set(similarity._batch_features([text])[0].tolist())


SCHEMES = {
    "words, k = 3": word_shingles(3),
    "words, k = 5": word_shingles(5),
    "characters, k = 9": char_shingles,
    "word pairs 8-10 apart": word_pairs,
    "newsarc: pairs 8-10 apart across sentences, no stop words": newsarc_features,
}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def run_shingle_comparison(seed: int, count: int) -> None:
    docs, stories = quality_corpus(seed, count)
    family = {s.number: s.number if s.cast_of is None else s.cast_of for s in stories}
    originals = [d for d in docs if d.kind == "original"]
    print(f"\n### Shingles: exact Jaccard, {count} stories and their copies\n")
    print(
        "| shingles | edited copies: min | spun copies: min / 1st percentile | distinct "
        "stories: max (follow-ups) | LSH candidates per 10⁶ distinct pairs |\n"
        "| --- | --- | --- | --- | --- |"
    )
    for name, make in SCHEMES.items():
        sets = {doc.key: make(doc.text) for doc in docs}
        copies = {
            kind: sorted(jaccard(sets[d.key], sets[d.parent]) for d in docs if d.kind == kind)
            for kind in ("edited", "spun")
        }
        distinct, follow = [], []
        for a, b in itertools.combinations(originals, 2):
            value = jaccard(sets[a.key], sets[b.key])
            (follow if family[a.story] == family[b.story] else distinct).append(value)
        load = np.mean(1 - (1 - np.array(distinct + follow) ** 2) ** 128) * 1e6
        spun = copies["spun"]
        print(
            f"| {name} | {copies['edited'][0]:.3f} | {spun[0]:.3f} / {spun[len(spun) // 100]:.3f}"
            f" | {max(distinct):.3f} ({max(follow):.3f}) | {load:,.0f} |"
        )


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stories", type=int, default=1500, help="stories of the quality set")
    parser.add_argument("--articles", type=int, default=100_000, help="articles of the scale run")
    parser.add_argument("--incremental", type=int, default=20_000, help="articles added one by one")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--compare-libraries",
        type=int,
        nargs="?",
        const=20_000,
        default=0,
        metavar="N",
        help="compare MinHash libraries on N articles",
    )
    parser.add_argument(
        "--compare-shingles",
        type=int,
        nargs="?",
        const=300,
        default=0,
        metavar="N",
        help="compare shingles on N stories",
    )
    parser.add_argument("--child-batch", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-incremental", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-lsh", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_batch or args.child_incremental or args.child_lsh:
        print(json.dumps(run_child(args)))
        return
    print(
        f"Seed {args.seed}, Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
        f"{datetime.now(UTC):%Y-%m-%d}\n"
    )
    run_quality(args.seed, args.stories)
    if not args.skip_scale:
        run_scale(args.seed, args.articles, min(args.incremental, args.articles))
    if args.compare_libraries:
        run_library_comparison(args.seed, args.compare_libraries)
    if args.compare_shingles:
        run_shingle_comparison(args.seed, args.compare_shingles)


def run_child(args: argparse.Namespace) -> dict:
    if args.child_batch:
        return scale_child_batch(Path(args.child_batch[0]), Path(args.child_batch[1]))
    if args.child_incremental:
        path, limit = args.child_incremental
        return scale_child_incremental(Path(path), int(limit))
    return child_lsh(args.child_lsh[0], Path(args.child_lsh[1]))


if __name__ == "__main__":
    main()
