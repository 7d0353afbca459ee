"""Deterministic news prose: headlines and paragraphs built from :mod:`newsarc.demo.vocab`."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from newsarc.demo import vocab

_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_VOWELS = "aeiou"
_SPIN_RE = re.compile(
    r"\b(" + "|".join(sorted(vocab.SPIN_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


@dataclass
class StoryText:
    """A generated story: headline, body paragraphs and its main character's surname."""

    category: str
    headline: str
    paragraphs: list[str]
    protagonist: str


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def expand(template: str, rng: random.Random, slots: dict[str, str]) -> str:
    """Pick one alternative for each ``[a|b]`` group, then fill ``{slot}`` fields."""
    chosen = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return _cap(chosen.format_map(slots))


def _numbers(rng: random.Random) -> dict[str, str]:
    unit = rng.choice(["million", "million", "billion"])
    pct = rng.randint(2, 48)
    return {
        "num": str(rng.randint(3, 60)),
        "num2": str(rng.randint(2, 95)),
        "big": f"{rng.randint(1200, 98000):,}",
        "pct": rng.choice([str(pct), f"{pct}.{rng.randint(1, 9)}"]),
        "amount": f"${rng.randint(2, 950)} {unit}",
        "price": f"${rng.randint(5, 180)}",
        "year": str(rng.randint(2009, 2023)),
        "day": rng.choice(vocab.DAYS),
        "month": rng.choice(vocab.MONTHS),
    }


def make_cast(rng: random.Random, category: str) -> dict[str, str]:
    """Choose the people, places and organisations of one story."""
    bank = vocab.CATEGORIES[category]
    last, last2 = rng.sample(vocab.LAST_NAMES, 2)
    places = {"city": rng.choice(vocab.CITIES), "country": rng.choice(vocab.COUNTRIES)}
    role, role2 = (r.format_map(places) for r in rng.sample(bank["roles"], 2))
    org, org2 = (o.format_map(places) for o in rng.sample(bank["orgs"], 2))
    thing, thing2 = rng.sample(bank["things"], 2)
    cast = {
        **places,
        "person": f"{rng.choice(vocab.FIRST_NAMES)} {last}",
        "last": last,
        "role": role,
        "role_cap": _cap(role),
        "person2": f"{rng.choice(vocab.FIRST_NAMES)} {last2}",
        "last2": last2,
        "role2": role2,
        "org": org,
        "org_cap": _cap(org),
        "org2": org2,
        "thing": thing,
        "thing2": thing2,
    }
    return {**cast, **_numbers(rng)}


def _sentence(template: str, rng: random.Random, cast: dict[str, str]) -> str:
    return expand(template, rng, {**cast, **_numbers(rng)})


def _quote(rng: random.Random, cast: dict[str, str], quotes: list[str], second: bool) -> str:
    frames = vocab.SECOND_QUOTE_FRAMES if second else vocab.QUOTE_FRAMES
    key = "quote2" if second else "quote"
    text = expand(rng.choice(quotes), rng, cast)
    return _sentence(rng.choice(frames), rng, {**cast, key: text})


def _sentence_stream(rng: random.Random, category: str):
    pool = vocab.CATEGORIES[category]["sentences"] + vocab.GENERIC_SENTENCES
    while True:
        order = pool[:]
        rng.shuffle(order)
        yield from order


def write_paragraphs(rng: random.Random, category: str, cast: dict[str, str]) -> list[str]:
    """Return 5-12 paragraphs of prose about ``cast``."""
    bank = vocab.CATEGORIES[category]
    stream = _sentence_stream(rng, category)
    quotes = rng.sample(bank["quotes"], len(bank["quotes"]))
    count = rng.randint(5, 12)
    quote_at = {1, rng.randint(2, count - 1)}
    paragraphs = []
    for index in range(count):
        if index == 0:
            parts = [_sentence(rng.choice(bank["leads"]), rng, cast)]
            if cast["person"] not in parts[0]:
                parts.append(_sentence(rng.choice(vocab.INTRO_SENTENCES), rng, cast))
            parts += [_sentence(next(stream), rng, cast) for _ in range(rng.randint(2, 3))]
        elif index in quote_at:
            second = index != 1
            parts = [_quote(rng, cast, quotes[index % len(quotes) :], second)]
            parts += [_sentence(next(stream), rng, cast) for _ in range(rng.randint(1, 2))]
        else:
            parts = [_sentence(next(stream), rng, cast) for _ in range(rng.randint(3, 5))]
        paragraphs.append(" ".join(parts))
    while sum(p.count(cast["last"]) for p in paragraphs) < 3:
        paragraphs[-1] += " " + _quote(rng, cast, quotes, second=False)
    return paragraphs


def write_story(rng: random.Random, category: str, taken: set[str]) -> StoryText:
    """Generate a story whose headline is not in ``taken`` (and add it there)."""
    bank = vocab.CATEGORIES[category]
    for _attempt in range(50):
        cast = make_cast(rng, category)
        headline = expand(rng.choice(bank["headlines"]), rng, cast)
        if headline not in taken:
            break
    else:
        headline = f"{headline} ({len(taken) + 1})"
    taken.add(headline)
    return StoryText(category, headline, write_paragraphs(rng, category, cast), cast["last"])


def misspellings(name: str) -> tuple[str, str]:
    """Two different plausible misspellings of ``name`` (like Lukashenko/Lukashenka)."""
    lower = name.lower()
    last_vowel = max((i for i, ch in enumerate(lower) if ch in _VOWELS), default=len(name) - 1)
    ch = lower[last_vowel]
    swapped = _VOWELS[(_VOWELS.index(ch) + 1) % 5] if ch in _VOWELS else "e"
    first = name[:last_vowel] + swapped + name[last_vowel + 1 :]
    second = _double_or_single(name)
    return first, second


def _double_or_single(name: str) -> str:
    lower = name.lower()
    for i in range(1, len(name) - 1):
        if lower[i - 1] in _VOWELS and lower[i + 1] in _VOWELS and lower[i] not in _VOWELS:
            return name[: i + 1] + name[i] + name[i + 1 :]
    for i in range(1, len(name)):
        if lower[i] == lower[i - 1]:
            return name[:i] + name[i + 1 :]
    return name + "e"


def _case_like(word: str, model: str) -> str:
    return _cap(word) if model[:1].isupper() else word


def spin(paragraphs: list[str], rng: random.Random, protagonist: str) -> list[str]:
    """Content-farm rewrite: synonym swaps and the protagonist's name misspelled two ways."""

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if rng.random() > 0.8:
            return word
        return _case_like(vocab.SPIN_WORDS[word.lower()], word)

    variants = misspellings(protagonist)
    seen = 0

    def misspell(match: re.Match[str]) -> str:
        nonlocal seen
        seen += 1
        return protagonist if seen == 1 else variants[seen % 2]

    name_re = re.compile(rf"\b{re.escape(protagonist)}\b")
    return [name_re.sub(misspell, _SPIN_RE.sub(swap, p)) for p in paragraphs]
