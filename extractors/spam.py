"""Explainable content-farm signals, per article and per site, and a site score.

Every signal is a `Signal(name, value, reason)`: `value` in 0..1, where 1 is the most farm-like,
and `reason` one short sentence with the evidence ("category 'Ranking of immigration countries'
shares no topic word with the title and text (0 of 2: ranking, immigration)"). The inputs are
what the archive holds: a page's HTML, an article's title, category, page-level and cleaned
text, publication dates, counts. No I/O, no database. `docs/spam-signals.md` documents each
signal, its scale, thresholds and known false positives.

Article level: `category_mismatch`, `generator_text`, `boilerplate_density`, `ad_density`,
`name_variants`, `spun_markers` (a copy against its source); `article_signals` runs the ones
one page gives. Site level: `copy_share`, `publishing_rate`, `shared_trackers`,
`site_aggregate` (an article signal averaged over a site); `site_score` combines them.
`tracker_ids` and `ad_slots` read a page's HTML in the extraction workers.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

# difflib's SequenceMatcher in C++, with the same results (the same opcodes, tested on the
# copies of bench/performance.py's site) ten times faster: a copy's alignment took 8 ms.
from cydifflib import SequenceMatcher

from extractors.titles import HOST_PREFIXES, SECOND_LEVEL_DOMAINS

CATEGORY_MISMATCH = "category_mismatch"
GENERATOR_TEXT = "generator_text"
BOILERPLATE = "boilerplate"
AD_DENSITY = "ad_density"
NAME_VARIANTS = "name_variants"
SPUN = "spun_markers"
COPY_SHARE = "copy_share"
COPIED = "copied_from"
PUBLISHING_RATE = "publishing_rate"
SHARED_TRACKERS = "shared_trackers"


@dataclass(frozen=True)
class Signal:
    """One piece of evidence: `value` 0..1 (1 = most farm-like) and the reason in words."""

    name: str
    value: float
    reason: str

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:  # also rejects NaN
            raise ValueError(f"signal {self.name!r}: value {self.value!r} is not in 0..1")


def signal(name: str, value: float, reason: str) -> Signal:
    """A Signal with its value clamped to 0..1 and rounded to 3 decimals."""
    return Signal(name, round(min(1.0, max(0.0, value)), 3), reason)


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def ramp(value: float, low: float, high: float) -> float:
    """0 at or below `low`, 1 at or above `high`, linear between."""
    return clamp((value - low) / (high - low))


def quoted(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text if len(text) <= limit else text[: limit - 1] + '…'}'"


def listed(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


# --- tracker IDs ------------------------------------------------------------------------------

ADSENSE, UNIVERSAL_ANALYTICS, GA4, GTM = "adsense", "google_analytics", "ga4", "gtm"
FACEBOOK_PIXEL, YANDEX_METRIKA = "facebook_pixel", "yandex_metrika"
# Every alternative opens with a literal, so that the engine skips ahead to those few letters:
# one pass over a 150 KB page takes about a millisecond. Word boundaries and the context of
# GA4/GTM IDs are checked in Python on the few matches.
TRACKER_RE = re.compile(
    r"pub-(?P<pub>\d{16})(?!\d)"
    r"|UA-(?P<ua>\d{4,10}-\d{1,4})(?![\w-])"
    r"|G(?P<tm>TM)?-(?P<gid>[A-Z0-9]{4,12})(?![\w-])"
    r"|fbq\(\s*['\"]init['\"]\s*,\s*['\"]?(?P<fbq>\d{6,20})(?!\d)"
    r"|facebook\.com/tr/?\?id=(?P<fbtr>\d{6,20})(?!\d)"
    r"|ym\(\s*(?P<ym>\d{4,12})\s*,\s*['\"]init"
    r"|mc\.yandex\.ru/watch/(?P<ymw>\d{4,12})(?!\d)"
    r"|yaCounter(?P<ymc>\d{4,12})(?!\d)"
)
# What stands right before a GA4 or GTM ID in the snippets that load them: `?id=` in the
# gtag.js / gtm.js / ns.html URLs, `gtag('config', '…')`, the GTM loader's `'dataLayer','…'`,
# Optimize's `ga('require', '…')` and anti-flicker `{'GTM-…': true}`, or a settings key
# (`measurementId: "…"`, `"send_to": "…"`).
ID_CONTEXT_RE = re.compile(
    r"(?:[?&;]id=|['\"](?:config|dataLayer|require)['\"]\s*,\s*['\"]"
    r"|dataLayer['\"]\s*,\s*\d+\s*,\s*\{\s*['\"]"
    r"|(?:measurement|tracking|container|gtm|ga4?)_?id['\"]?\s*[:=]\s*['\"]?"
    r"|send_to['\"]?\s*[:=]\s*['\"]?)$",
    re.IGNORECASE,
)
ID_CONTEXT_CHARS = 60
CONTEXT_KEYS = ("id", "config", "datalayer", "require", "send_to")  # one is in every context
GA4_LENGTHS, GTM_LENGTHS = range(6, 13), range(4, 10)  # with a loader's context
BARE_GA4_LENGTHS, BARE_GTM_LENGTHS = {10}, range(6, 9)  # without: the usual lengths, mixed


def tracker_ids(html: str) -> list[tuple[str, str]]:
    """(kind, id) of the ad and analytics accounts a page names, each once, in page order.

    Kinds: "adsense" ("ca-pub-" and 16 digits, also from `data-ad-client` and ads.txt's
    "pub-…"), "google_analytics" ("UA-1234567-1"), "ga4" ("G-…"), "gtm" ("GTM-…"),
    "facebook_pixel" and "yandex_metrika" (their numbers, from the loader snippets only).
    A GA4 or GTM ID counts when a loader snippet names it, or when it has the usual length
    and both letters and digits: "G-SHOCK" or "GTM-2024" in a sentence are not IDs.
    """
    found: dict[tuple[str, str], None] = {}
    for match in TRACKER_RE.finditer(html):
        item = tracker_of(match, html)
        if item is not None:
            found.setdefault(item)
    return list(found)


def tracker_of(match: re.Match[str], html: str) -> tuple[str, str] | None:
    start = match.start()
    group = match.group
    if group("pub"):
        prefix = 3 if html[max(0, start - 3) : start] == "ca-" else 0
        return (ADSENSE, f"ca-pub-{group('pub')}") if bounded(html, start - prefix) else None
    if group("ua"):
        return (UNIVERSAL_ANALYTICS, match.group()) if bounded(html, start) else None
    if group("gid"):
        return google_tag(match, html)
    if number := group("fbq") or group("fbtr"):
        return FACEBOOK_PIXEL, number
    return YANDEX_METRIKA, group("ym") or group("ymw") or group("ymc")


def google_tag(match: re.Match[str], html: str) -> tuple[str, str] | None:
    start, tag = match.start(), match.group("gid")
    if not bounded(html, start):
        return None
    kind = GTM if match.group("tm") else GA4
    mixed = any(c.isdigit() for c in tag) and any(c.isalpha() for c in tag)
    if mixed and len(tag) in (BARE_GTM_LENGTHS if kind == GTM else BARE_GA4_LENGTHS):
        return kind, match.group()
    if len(tag) in (GTM_LENGTHS if kind == GTM else GA4_LENGTHS) and in_loader(html, start):
        return kind, match.group()
    return None


def in_loader(html: str, start: int) -> bool:
    """Does a loader snippet's context (`ID_CONTEXT_RE`) end right before `start`?"""
    window = html[max(0, start - ID_CONTEXT_CHARS) : start]
    lower = window.lower()
    return any(key in lower for key in CONTEXT_KEYS) and bool(ID_CONTEXT_RE.search(window))


def bounded(html: str, start: int) -> bool:
    """No letter, digit, "_" or "-" right before the ID."""
    return start == 0 or not (html[start - 1].isalnum() or html[start - 1] in "_-")


PLACEHOLDER_DIGITS = "12345678901234567890"


def is_placeholder_id(tracker_id: str) -> bool:
    """A documentation example or template placeholder: "ca-pub-1234567890123456",
    "UA-12345-1", "G-XXXXXXXXXX", "GTM-0000000". Many unrelated sites carry one, so it
    links no sites together."""
    body = tracker_id.removeprefix("ca-pub-").split("-", 1)[-1]
    account = body.split("-")[0]
    return len(set(account)) == 1 or PLACEHOLDER_DIGITS.startswith(account)


def operator_key(tracker: str | tuple[str, str]) -> str:
    """What identifies the account behind an ID: the whole ID, except that Universal Analytics
    properties "UA-1234567-1" and "UA-1234567-2" belong to one account "UA-1234567"; numeric
    IDs (pixels, counters) are prefixed with their kind."""
    kind, tracker_id = tracker if isinstance(tracker, tuple) else ("", tracker)
    if tracker_id.startswith("UA-"):
        return tracker_id.rsplit("-", 1)[0]
    if tracker_id.isdigit() and kind:
        return f"{kind}:{tracker_id}"
    return tracker_id


# Case-sensitive, as pages write them; `[^<>]` keeps every try within one tag.
AD_SLOT_RE = re.compile(r"<ins\b([^<>]{0,1000})|<amp-ad\b|div-gpt-ad-([\w-]{1,80})")
AD_SLOT_LITERALS = ("<ins", "<amp-ad", "div-gpt-ad-")


def finditer_from(
    pattern: re.Pattern[str], literals: Iterable[str], text: str
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern without lookbehind each of whose matches starts
    with one of `literals`: the pattern is tried only where they occur. str.find skips ahead
    faster than the regex engine, which tries every "<" and "d" of a page (for a few literals:
    each costs a pass over the text)."""
    starts = sorted({at for literal in literals for at in occurrences(literal, text)})
    end = 0
    for at in starts:
        if at >= end and (match := pattern.match(text, at)):
            end = max(match.end(), at + 1)
            yield match


def occurrences(literal: str, text: str) -> Iterator[int]:
    at = text.find(literal)
    while at >= 0:
        yield at
        at = text.find(literal, at + 1)


def ad_slots(html: str) -> int:
    """Ad units on a page: AdSense `<ins class="adsbygoogle">`, `<amp-ad>`, and Google Ad
    Manager slots (`div-gpt-ad-…` ids, each once however often scripts name it)."""
    units, gpt = 0, set()
    for match in finditer_from(AD_SLOT_RE, AD_SLOT_LITERALS, html):
        ins, slot = match.groups()
        if slot:
            gpt.add(slot)
        elif ins is None or "adsbygoogle" in ins:
            units += 1
    return units + len(gpt)


# --- words ------------------------------------------------------------------------------------

LETTERS_RE = re.compile(r"[^\W\d_]+")
ASCII_LETTERS_RE = re.compile(r"[A-Za-z]+")  # LETTERS_RE on an ASCII text: no Unicode class
MAX_LATIN = 0x24F  # Basic Latin to Latin Extended-B


def _letters(keep: Callable[[str], bool]) -> str:
    """A regex character class of the characters up to MAX_LATIN that LETTERS_RE takes (so
    "²" and "½" too) and `keep` accepts."""
    chars = (chr(code) for code in range(MAX_LATIN + 1))
    return "[" + "".join(re.escape(c) for c in chars if LETTERS_RE.match(c) and keep(c)) + "]"


# A whole run of 4+ Latin letters, a capital then no capital: every word that can be a name
# (name_like decides the rest), a tenth of a text's words. The capital comes before the
# lookbehind (no letter before it) so that the engine skips ahead to capitals: 4× faster.
NAME_RE = re.compile(
    _letters(str.isupper)
    + r"(?<![^\W\d_][\s\S])"
    + _letters(lambda c: not (c.isupper() or c.istitle()))
    + r"{3,}(?![^\W\d_])"
)
WORD_RE = re.compile(r"\w+")
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
# Longest first; a suffix goes only if 3 letters stay.
SUFFIXES = (
    "ically", "ations", "icians", "ation", "ician", "ities", "ments", "ness", "ings", "ians",
    "ists", "isms", "ical", "ment", "ing", "ics", "ist", "ism", "ian", "ity", "ies", "ied",
    "ed", "es", "ly", "al", "s", "e",
)  # fmt: skip
Y_SUFFIXES = {"ies": "y", "ied": "y"}


@functools.lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light suffix-stripping stem: politics, political → polit; countries → country."""
    word = word.casefold()
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix in ("s", "es") and word.endswith(("ss", "us", "is")):
                continue
            return word[: -len(suffix)] + Y_SUFFIXES.get(suffix, "")
    return word


@functools.lru_cache(maxsize=64)  # a text is read by several signals in a row
def letters_of(text: str) -> tuple[str, ...]:
    """The text's words, letters only (LETTERS_RE), in order."""
    return tuple((ASCII_LETTERS_RE if text.isascii() else LETTERS_RE).findall(text))


def has_words(text: str, count: int) -> bool:
    """Whether `text` has at least `count` words (WORD_RE), without counting them all."""
    return sum(1 for _ in itertools.islice(WORD_RE.finditer(text), count)) >= count


RELATED_PREFIX = 4  # related stems of 4+ letters share their first 4 (see `related`)


def by_prefix(stems: Iterable[str]) -> dict[str, list[str]]:
    """Stems of 4+ letters by their first 4, in order: the only ones `related` can join to
    another stem of 4+ letters."""
    found: dict[str, list[str]] = defaultdict(list)
    for s in stems:
        if len(s) >= RELATED_PREFIX:
            found[s[:RELATED_PREFIX]].append(s)
    return found


def related(a: str, b: str) -> bool:
    """Two stems of one word family: equal, one a prefix (4+ letters) of the other, or a
    common prefix of at least 5 letters that leaves at most 2 letters of the shorter one."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and long.startswith(short):
        return True
    common = len(commonprefix(a, b))
    return common >= 5 and common >= len(short) - 2


def commonprefix(a: str, b: str) -> str:
    for at, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[:at]
    return a[: min(len(a), len(b))]


# --- category / text mismatch -----------------------------------------------------------------

# Function words (English and the main European languages; words of 1-2 letters are skipped
# anyway) and category words that name a scope, a format or a genre rather than a topic.
_STOPWORDS = """
    and the for with from about into over under your our how why what who when where which
    more most best all any new top
    und der die das des dem den für mit von vom zum zur les une des pour avec sur aux par
    del los las una con por para sobre dos das uma com pelo pela della dei delle degli con per
    het een van voor met
"""
_GENERIC = """
    news latest breaking headline headlines top today daily weekly trending popular featured
    feature features story stories article articles post posts blog blogs update updates
    world international national local global regional domestic foreign general other others
    misc miscellaneous uncategorized uncategorised home homepage main front page section
    sections topic topics various everything special specials more info information
    opinion opinions analysis editorial editorials column columns columnist columnists
    commentary views view comment comments interview interviews report reports insight
    insights explainer explainers guide guides tip tips advice howto faq
    video videos photo photos picture pictures gallery galleries media multimedia podcast
    podcasts live
    country countries nation nations state states region regions city cities area areas metro
    europe european asia asian africa african america americas latin middle east west north
    south pacific caribbean oceania arab gulf usa
    nachrichten aktuell aktuelles welt inland ausland actualités actualites monde noticias
    mundo notícias noticias últimas ultimas notizie mondo nieuws binnenland buitenland
    новости мир
"""
STOPWORDS = frozenset(_STOPWORDS.split())
# Words too common to be a name or to show what a text is about.
_COMMON = """
    the this that these those there then they them their theirs than thus though through
    when where what which while whom whose who why how with within without would will was
    were what after before about above also among and any are because been being both but
    could did does doing during each even every first from further had has have having here
    her hers him his into its just last later least less like many more most much must near
    next none not now off once one only other others our ours out over own same she should
    since some still such take than that under until upon very well what whether yet you your
    according however meanwhile moreover nevertheless therefore although despite
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december
"""
COMMON_WORDS = STOPWORDS | frozenset(_COMMON.split())
GENERIC_WORDS = frozenset(_GENERIC.split())
GENERIC_STEMS = frozenset(map(stem, GENERIC_WORDS))
# fmt: off
GENERIC_CJK = ("新闻", "资讯", "国际", "国内", "综合", "热点", "头条", "首页", "其他", "其它",
               "最新", "时事", "要闻", "本地", "新聞", "資訊", "國際", "國內", "綜合", "熱點",
               "頭條", "首頁", "ニュース", "国際", "国内", "뉴스", "국제", "종합", "频道", "栏目",
               "专题", "專題", "动态", "動態", "快讯", "快訊", "报道", "報道")
# fmt: on
# The usual news sections, and words a story of theirs is bound to use: "Politics" fits a story
# about a presidential summit that never says "politics". Two of them must occur.
# fmt: off
_SECTIONS = {
    "politics political government election elections diplomacy":
        "president minister government parliament election vote voters party senator senate "
        "congress lawmakers legislation policy campaign opposition mayor governor diplomatic "
        "diplomacy summit treaty cabinet referendum coalition sanctions ambassador impeachment "
        "testimony committee republicans democrats conservative liberal assembly speaker "
        "elected electoral reform council backbenchers politician poll polls",
    "business economy economics money finance financial markets market companies biz":
        "company companies market markets shares stocks investors profit revenue sales prices "
        "inflation economy economic bank banks billion trade industry firm business finance "
        "financial earnings customers deal",
    "technology tech digital gadgets gaming":
        "technology software internet online app apps digital data computer smartphone "
        "artificial intelligence cyber startup chips devices platform users security privacy "
        "hackers cloud engineers passwords outage robots drones semiconductor gaming game games "
        "console streaming google microsoft apple amazon facebook phones laptop wireless",
    "science sci":
        "scientists researchers research study university species space physics biology "
        "experiment laboratory discovery journal spacecraft planets planet astronauts nasa "
        "telescope disease bacteria cells genetic fossils climate chemistry",
    "health wellness medicine":
        "health hospital doctors patients medical disease vaccine virus treatment nurses drug "
        "drugs cancer mental clinic symptoms diet",
    "sport sports":
        "team match game games season league coach players player championship tournament cup "
        "goal win victory club fans olympic race signing transfer football soccer basketball "
        "baseball hockey tennis golf captain goalkeeper striker marathon stadium supporters "
        "scored winner athletes medal referee",
    "culture arts entertainment music film movies books celebrity":
        "art artist museum exhibition film music theatre theater festival book novel concert "
        "gallery album actor director audience band tour singer song songs rock television "
        "series netflix hollywood movie star stars tickets",
    "crime justice law courts":
        "police court judge trial arrested charged prison crime criminal lawyer sentence "
        "investigation",
    "education":
        "school schools students teachers university education college pupils exam",
    "environment climate":
        "climate emissions environment pollution carbon energy wildlife forests warming",
    "travel tourism":
        "travel tourists tourism flights hotel destination airport trip visitors",
}
# fmt: on
SECTION_WORDS: dict[str, frozenset[str]] = {
    stem(name): frozenset(map(stem, words.split()))
    for names, words in _SECTIONS.items()
    for name in names.split()
}
SECTION_HITS = 2
SINGLE_WORD_WEIGHT = 0.5  # a lone topic word that no section lexicon knows
MIN_TEXT_WORDS = 50  # a shorter text says too little about its topic


def category_mismatch(category: str | None, title: str | None, text: str) -> Signal | None:
    """How little the category has to do with the article: the share of the category's topic
    words (function words and scope/format words like "News", "World", "Tips" set aside) that
    no word of the title and text shares a stem with. CJK categories: the share of their
    characters not covered by a 2-character sequence the text contains.

    A topic word also counts as found when two words of its section's lexicon occur
    ("Politics": president, summit…; see `SECTION_WORDS`). A single topic word outside those
    sections ("Spotlight", "Innovation": a desk's name as often as a topic) counts half.

    None when there is nothing to judge: no category, a generic one ("News", "World",
    "Latest", "Europe"), or a text under 50 words.
    """
    if not category or not category.strip() or not has_words(text, MIN_TEXT_WORDS):
        return None
    if CJK_RE.search(category):
        return cjk_category_mismatch(category, f"{title or ''}\n{text}")
    topic = topic_words(category)
    if not topic:
        return None
    stems = text_stems(title, text)
    starts = prefixes(topic)
    prefixed = by_prefix(s for s in stems if s.startswith(starts))  # what evidence reads
    found = {word: evidence(word, stems, prefixed) for word in topic}
    missing = [word for word, hit in found.items() if hit is None]
    value = len(missing) / len(topic)
    label = f"category {quoted(category)}"
    weak = len(topic) == 1 and stem(topic[0]) not in SECTION_WORDS
    if not missing:
        pairs = "; ".join(f"{word}: {hit}" for word, hit in found.items())
        return signal(CATEGORY_MISMATCH, 0, f"{label} matches the text ({pairs})")
    if len(missing) == len(topic):
        reason = (
            f"{label} shares no topic word with the title and text "
            f"(0 of {len(topic)}: {', '.join(topic)})"
        )
    else:
        present = [f"{word} ({found[word]})" for word in topic if word not in missing]
        reason = (
            f"{label}: {len(missing)} of {len(topic)} topic words never occur in the title and "
            f"text ({', '.join(missing)}; found: {', '.join(present)})"
        )
    if weak:  # "Spotlight", "Innovation": a desk's name more often than a topic
        value *= SINGLE_WORD_WEIGHT
        reason += "; a one-word category outside the known sections is weak evidence"
    return signal(CATEGORY_MISMATCH, value, reason)


def text_stems(title: str | None, text: str) -> dict[str, str]:
    """The stems of the title's and text's words, common words aside → the first word with
    each."""
    stems: dict[str, str] = {}
    for word in dict.fromkeys((*letters_of(title or ""), *letters_of(text))):
        if (word_stem := topic_stem(word)) is not None:
            stems.setdefault(word_stem, word)
    return stems


def prefixes(topic: Iterable[str]) -> tuple[str, ...]:
    """What the stems related to the topic words' stems start with (see `by_prefix`)."""
    return tuple({stem(word)[:RELATED_PREFIX] for word in topic})


@functools.lru_cache(maxsize=8192)
def topic_stem(word: str) -> str | None:
    """The word's stem, None for a common word: one cached call for each word of a text."""
    return None if word.casefold() in COMMON_WORDS else stem(word)


def evidence(
    word: str, stems: Mapping[str, str], prefixed: Mapping[str, list[str]] | None = None
) -> str | None:
    """The text's words that show it is about `word` (a word of its family, or two of its
    section's words), else None. `stems`: the text's stems → a word of each; `prefixed`:
    `by_prefix(stems)`, to look at the stems that can be related only."""
    own = stem(word)
    if prefixed is None:
        prefixed = by_prefix(stems)
    if len(own) < RELATED_PREFIX:
        hit = stems.get(own)  # a stem this short is related to itself only
    else:
        candidates = prefixed.get(own[:RELATED_PREFIX], ())
        hit = next((stems[s] for s in candidates if related(own, s)), None)
    if hit is not None:
        return hit
    section = [stems[s] for s in SECTION_WORDS.get(own, ()) if s in stems]
    return ", ".join(sorted(section)[:4]) if len(section) >= SECTION_HITS else None


def topic_words(category: str) -> list[str]:
    """The category's words that name a topic, lower-case, each once."""
    words = (word.casefold() for word in LETTERS_RE.findall(category))
    return list(
        dict.fromkeys(
            word
            for word in words
            if len(word) > 2 and word not in COMMON_WORDS and stem(word) not in GENERIC_STEMS
        )
    )


def cjk_category_mismatch(category: str, text: str) -> Signal | None:
    chars = "".join(CJK_RE.findall(category))
    for generic in GENERIC_CJK:
        chars = chars.replace(generic, " ")
    runs = [run for run in chars.split() if run]
    total = sum(map(len, runs))
    if not total:
        return None
    covered = 0
    for run in runs:
        hit = [False] * len(run)
        for at in range(len(run) - 1):
            if run[at : at + 2] in text:
                hit[at] = hit[at + 1] = True
        if len(run) == 1:
            hit[0] = run in text
        covered += sum(hit)
    value = 1 - covered / total
    label = f"category {quoted(category)}"
    if covered == total:
        return signal(CATEGORY_MISMATCH, 0, f"{label} matches the text")
    return signal(
        CATEGORY_MISMATCH,
        value,
        f"{label}: {total - covered} of {total} topic characters appear in no 2-character "
        "sequence of the title and text",
    )


# --- leftover generator text ------------------------------------------------------------------

SPIN_ALT = r"[\w'](?:[\w' -]{0,38}[\w'])?"  # "{good|very good}", not "{ a | b }" in code
# (label, anchors, pattern, weight). The pattern runs only on texts that hold one of its
# anchors (a plain substring test on the lower-cased text, so most texts cost one scan per
# anchor); the weight is the chance alone that a match is a generator's leftover.
# fmt: off
GENERATOR_PHRASES: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("as an AI language model", ("model",),
     r"\bas an? (?:ai|artificial intelligence)(?: language)? model\b", 0.9),
    ("as an AI, I", ("as an ai",), r"\bas an ai(?: assistant)?,? i\b", 0.8),
    ("I am a language model", (" am a", "'m a", "’m a"),
     r"\bi(?:['’]m| am) (?:just |only )?an? (?:ai|large language model|language model"
     r"|ai language model|ai assistant)\b", 0.7),
    ("regenerate response", ("regenerate",), r"\bregenerate response\b", 0.9),
    ("stop generating", ("stop generating",), r"\bstop generating\b", 0.6),
    ("knowledge cutoff", ("knowledge", "as of my last"),
     r"\b(?:my|as of my) (?:last )?knowledge (?:cutoff|cut-off|update)\b"
     r"|\bas of my last (?:training|update)\b", 0.8),
    ("cannot fulfill the request", ("cannot", "can't", "can’t", "can not", "am unable"),
     r"\bi (?:cannot|can['’]t|can not|am unable to) (?:fulfill|comply with|assist with"
     r"|help with) (?:this|that|your) request\b", 0.7),
    ("no real-time access", ("real-time", "browsing", "internet access"),
     r"\bi (?:do not|don['’]t) have (?:access to )?(?:real-time|browsing|internet access)\b",
     0.6),
    ("here is the rewritten article",
     ("rewritten", "paraphrased", "rephrased", "reworded", "revised", "spun", "unique",
      "plagiarism"),
     r"\bhere(?:['’]s| is) (?:a |an |the |your )?(?:rewritten|paraphrased|rephrased|reworded"
     r"|revised|spun|unique|plagiarism-free) (?:version|article|text|content)\b", 0.9),
    ("rewrite prompt", ("rewrite", "paraphrase", "spin "),
     r"\b(?:rewrite|paraphrase|spin) (?:this|the following|the above) "
     r"(?:article|text|content|paragraph)\b", 0.7),
    ("certainly! here is", ("! here",),
     r"\b(?:certainly|sure|absolutely)! here(?:['’]s| is| are)\b", 0.6),
    ("let me know if you'd like me to", ("like me to",),
     r"\blet me know if you(?:['’]d| would) like me to\b", 0.6),
    ("SEO field", ("meta description", "seo title", "focus key"),
     r"^\W*(?:meta description|seo title|focus key(?:word|phrase))\s*:", 0.6),
    ("[insert …] placeholder", ("[insert",), r"\[insert [^\]\n]{1,40}\]", 0.7),
    ("spintax", ("|",), rf"(?<!\{{)\{{{SPIN_ALT}(?:\|{SPIN_ALT})+\}}(?!\}})", 0.9),
    ("lorem ipsum", ("lorem ipsum",), r"\blorem ipsum\b", 0.5),
)
# fmt: on
GENERATOR_RES = tuple(
    re.compile(pattern, re.IGNORECASE | re.MULTILINE) for _, _, pattern, _ in GENERATOR_PHRASES
)


def generator_text(text: str) -> Signal | None:
    """Phrases a text generator or article spinner leaves behind ("As an AI language model",
    "Regenerate response", unexpanded spintax "{good|great}"), case-insensitive; None if the
    text has none. Value: 1 − Π(1 − weight) over the distinct phrases found."""
    lower = text.lower()
    hits: list[tuple[float, str, int]] = []
    for (_, anchors, _, weight), regex in zip(GENERATOR_PHRASES, GENERATOR_RES, strict=True):
        if any(anchor in lower for anchor in anchors):
            found = [match.group() for match in regex.finditer(text)]
            if found:
                hits.append((weight, found[0], len(found)))
    if not hits:
        return None
    value = 1 - math.prod(1 - weight for weight, _, _ in hits)
    shown = [
        quoted(first, 40) + (f" ×{count}" if count > 1 else "")
        for _, first, count in sorted(hits, key=lambda hit: -hit[0])
    ]
    return signal(GENERATOR_TEXT, value, f"leftover generator text: {listed(shown, 4)}")


# --- boilerplate and ads ----------------------------------------------------------------------


def boilerplate_density(raw_text: str, cleaned_text: str) -> Signal:
    """The share of the page-level text's lines (`articles.raw_text`) that site cleaning
    removed as the site's boilerplate (`articles.text`): disclaimers, ad labels, link lists."""
    raw = squashed_lines(raw_text)
    if not raw:
        return signal(BOILERPLATE, 0, "no page text")
    kept = Counter(raw if cleaned_text == raw_text else squashed_lines(cleaned_text))
    removed = []
    for line in raw:
        if kept[line] > 0:
            kept[line] -= 1
        else:
            removed.append(line)
    value = len(removed) / len(raw)
    if not removed:
        return signal(BOILERPLATE, 0, f"none of the {len(raw)} text lines is site boilerplate")
    words = sum(len(WORD_RE.findall(line)) for line in removed)
    return signal(
        BOILERPLATE,
        value,
        f"{len(removed)} of {len(raw)} text lines ({percent(value)}, {words} words) are site "
        f"boilerplate, e.g. {quoted(removed[0])}",
    )


def squashed_lines(text: str) -> list[str]:
    """The text's lines that are not blank, each with its runs of whitespace made one space."""
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


FULL_AD_DENSITY = 20.0  # ad units per 1,000 words of article text: one every 50 words


def ad_density(n_ad_slots: int, word_count: int) -> Signal:
    """Ad units (see `ad_slots`) per 1,000 words of article text, 1.0 at 20 or more."""
    if n_ad_slots <= 0:
        return signal(AD_DENSITY, 0, "no ad units on the page")
    per_1000 = 1000 * n_ad_slots / max(word_count, 1)
    return signal(
        AD_DENSITY,
        per_1000 / FULL_AD_DENSITY,
        f"{n_ad_slots} ad units for {word_count} words ({per_1000:.1f} per 1,000 words)",
    )


# --- names spelled several ways ---------------------------------------------------------------

# Distinct real names a spelling rule would join.
# fmt: off
KNOWN_DISTINCT = frozenset(frozenset(pair) for pair in (
    ("iran", "iraq"), ("iranian", "iraqi"), ("austria", "australia"),
    ("austrian", "australian"), ("austrians", "australians"), ("gambia", "zambia"),
    ("slovakia", "slovenia"), ("slovak", "slovene"), ("iceland", "ireland"), ("mali", "bali"),
    ("oman", "roman"), ("poland", "holland"), ("guinea", "guyana"), ("niger", "nigeria"),
    ("sweden", "swedes"), ("denmark", "danmark"), ("mark", "mary"), ("john", "joan"),
    ("jon", "john"), ("carl", "karl"), ("eric", "erik"), ("brian", "bryan"), ("alan", "allan"),
    ("steven", "stephen"), ("sara", "sarah"), ("phillip", "philip"), ("jeffrey", "geoffrey"),
    ("hong", "hang"),
))
# fmt: on
# Endings that make another form of one word, after the two words' common prefix:
# Russia/Russian, Germany/Germans, Ministry/Ministers, Mexico/Mexican, Nature/Natural. Two
# endings in MORPHOLOGY, or a pair in TAIL_PAIRS. Not a/e or o/a, which misspell a name
# (Mendoza/Mendoze, Lukashenko/Lukashenka).
_MORPHOLOGY = """
    s es n ns an ans ian ians is ese ish ic ics ism ist ists er ers ern al ial ite ites y ies
    ry ries um en us ing ed ment ments ion ions ity ities
"""
_TAIL_PAIRS = "/a /i a/an a/ans a/ian a/ians a/ese a/i o/an o/ans e/ian e/es e/al"
MORPHOLOGY = frozenset(_MORPHOLOGY.split()) | {""}
TAIL_PAIRS = frozenset(frozenset(pair.split("/")) for pair in _TAIL_PAIRS.split())


SENTENCE_END = ".!?:;\n"
OPENERS = " \t\"'“‘«([—–-"


@dataclass
class Names:
    """The name-like words of a text: Latin-script, capitalised then lower-case ("Joko", not
    "CSTO", "SpaceX" or "DSPs"), 4+ letters, not a common word, never written in lower case in
    the text.

    counts: each name's occurrences; order: first occurrence; mid_sentence: names used at
    least once other than first in a sentence; adjacent: pairs written next to each other
    ("Hong Kong", "Coca-Cola"), parts of one longer name.
    """

    counts: Counter[str]
    order: dict[str, int]
    mid_sentence: set[str]
    adjacent: set[frozenset[str]]


def text_names(texts: Iterable[str]) -> Names:
    names = Names(Counter(), {}, set(), set())
    for text in texts:
        one = names_in(text)
        names.counts.update(one.counts)
        for word in one.order:
            names.order.setdefault(word, len(names.order))
        names.mid_sentence |= one.mid_sentence
        names.adjacent |= one.adjacent
    return names


@functools.lru_cache(maxsize=64)  # a copy's text is read by its article and its copy signals
def names_in(text: str) -> Names:
    """The names of one text (never changed: `text_names` copies what it takes, and
    `spelling_variants` only reads it)."""
    if not text:
        return Names(Counter(), {}, set(), set())
    # [gap, word, gap, word, …, rest]: each word that may be a name (NAME_RE) after the text
    # before it, without a match object each. A word between two names is not in a gap:
    # `previous` is reset, so they are not taken for one name.
    parts = NAME_SPLIT_RE.split(text)
    names = real_names(text, set(parts[1::2]))
    found: list[str] = []
    mid_sentence: set[str] = set()
    adjacent: set[frozenset[str]] = set()
    previous = ""  # the word before if it is a name
    for at in range(1, len(parts), 2):
        gap, word = parts[at - 1], parts[at]
        if word not in names:
            previous = ""
            continue
        found.append(word)
        if word not in mid_sentence and not first_in_sentence(gap, at == 1):
            mid_sentence.add(word)
        # Adjacent: one space or hyphen between them.
        if gap in (" ", "-") and previous and previous != word:
            adjacent.add(frozenset((previous, word)))
        previous = word
    order = {word: at for at, word in enumerate(dict.fromkeys(found))}
    return Names(Counter(found), order, mid_sentence, adjacent)


NAME_SPLIT_RE = re.compile(f"({NAME_RE.pattern})")


def real_names(text: str, candidates: Iterable[str]) -> set[str]:
    """The candidates (NAME_RE's words of `text`) that are names: NAME_RE took care of the rest
    of `name_like`."""
    words = word_set(text)
    return {word for word in candidates if maybe_name(word) and not written_lower(word, words)}


def maybe_name(word: str) -> bool:
    """What `name_like` asks of a NAME_RE word, but that its text never writes it in lower
    case (`written_lower`)."""
    return word.casefold() not in COMMON_WORDS and word[1:].islower()


def written_lower(word: str, words: Container[str] | str) -> bool:
    """Whether a text writes `word` in lower case as one of its words: `words` is the text's
    word set (`word_set`), or the text itself, searched (`has_word`)."""
    folded = word.casefold()
    if not folded.islower():
        return False
    return has_word(words, folded) if isinstance(words, str) else folded in words


LETTER_RE = re.compile(r"[^\W\d_]")


def has_word(text: str, word: str) -> bool:
    """Whether `word` is one of the text's words (`letters_of`): str.find finds it with no
    letter before or after it. For a few words, cheaper than reading all the text's words."""
    if not LETTERS_RE.fullmatch(word):
        return False
    at = text.find(word)
    while at >= 0:
        if not (at and LETTER_RE.match(text, at - 1)) and not LETTER_RE.match(text, at + len(word)):
            return True
        at = text.find(word, at + 1)
    return False


def first_in_sentence(gap: str, first_word: bool) -> bool:
    """Whether a word opens a sentence: no other character than an opener in the 4 before it,
    or a sentence end is the last. `gap`: the text between it and the word before (whose
    letters end the 4 when the gap is shorter); `first_word`: no word before."""
    before = gap[-4:].rstrip(OPENERS)
    if before:
        return before[-1] in SENTENCE_END
    return first_word or len(gap) >= 4


@functools.lru_cache(maxsize=64)
def word_set(text: str) -> frozenset[str]:
    return frozenset(letters_of(text))


def name_like(word: str, lower: Collection[str]) -> bool:
    return (
        len(word) >= 4
        and word[0].isupper()
        and word[1:].islower()
        and ord(max(word)) <= MAX_LATIN
        and word.casefold() not in COMMON_WORDS
        and word.casefold() not in lower
    )


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, or `limit + 1` once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def spelling_variant(a: str, b: str, distance: int = 1) -> bool:
    """Two names close enough to be one misspelled (Joko/Zoko, Lukashenko/Lukashenka): at
    most `distance` edits apart (1 for names under 6 letters), not another form of one word
    (Russia/Russian), nor a known pair of distinct names (Iran/Iraq)."""
    a, b = a.casefold(), b.casefold()
    if a == b or frozenset((a, b)) in KNOWN_DISTINCT:
        return False
    common = len(commonprefix(a, b))
    tails = (a[common:], b[common:])
    if all(tail in MORPHOLOGY for tail in tails) or frozenset(tails) in TAIL_PAIRS:
        return False
    limit = distance if min(len(a), len(b)) >= 6 else 1
    return edit_distance(a, b, limit) <= limit


@functools.lru_cache(maxsize=1024)  # names recur from article to article (~3 KB each)
def deletions(word: str, depth: int) -> frozenset[str]:
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:at] + w[at + 1 :] for w in frontier for at in range(len(w))}
        found |= frontier
    return frozenset(found)


def near_pairs(
    names: Collection[str], others: Collection[str] | None = None, distance: int = 1
) -> Iterator[tuple[str, str]]:
    """Pairs (a, b) of `names` (a from `names`, b from `others` if given) that are spelling
    variants, found through an index of their deletions rather than by comparing every pair."""
    pool = names if others is None else others
    keys = {
        name: deletions(name.casefold(), distance if len(name) >= 6 else 1)
        for name in (*names, *pool)
    }
    seen: set[frozenset[str]] = set()
    candidates = shared_deletions(names, pool, keys)
    for name in names:
        for other in sorted(candidates.get(name, ())):
            pair = frozenset((name, other))
            if other != name and pair not in seen and spelling_variant(name, other, distance):
                seen.add(pair)
                yield name, other


def shared_deletions(
    names: Collection[str], pool: Collection[str], keys: Mapping[str, frozenset[str]]
) -> dict[str, set[str]]:
    """Each of `names` → the names of `pool` it shares a key with (`keys`: each name's
    deletions), itself among them at times. Only the keys that both sides (two names, when
    `pool` is `names`) have are indexed, found by set operations: most names share none."""
    if pool is names:
        counts = Counter(itertools.chain.from_iterable(keys[name] for name in names))
        shared = {key for key, count in counts.items() if count > 1}
    else:
        shared = set(itertools.chain.from_iterable(keys[name] for name in names))
        shared.intersection_update(itertools.chain.from_iterable(keys[name] for name in pool))
    index: dict[str, set[str]] = defaultdict(set)
    for name in pool:
        for key in keys[name] & shared:
            index[key].add(name)
    found: dict[str, set[str]] = defaultdict(set)
    for name in names:
        for key in keys[name] & shared:
            found[name] |= index[key]
    return found


SHORT_NAME = 6


def spelling_variants(texts: Sequence[str]) -> dict[str, list[str]]:
    """Names spelled several ways across the texts (one article, or the copies of one story):
    the most frequent spelling (the first seen on a tie) → its other spellings, by frequency.

    Spellings one edit apart join, in chains (Joko–Zoko–Zoco), unless neither is ever used
    mid-sentence (Walking/Talking opening two paragraphs) or they stand side by side as one
    name (Hong Kong, Coca-Cola). A group of short names (under 6 letters) needs 3 spellings:
    Mason/Jason or Fort/Ford are more often two names than one misspelled.
    """
    names = names_in(texts[0]) if len(texts) == 1 else text_names(texts)  # read, not changed
    group_of = {name: [name] for name in names.counts}  # each name → its group (shared lists)
    for a, b in near_pairs(list(names.counts)):
        if group_of[a] is group_of[b] or not (a in names.mid_sentence or b in names.mid_sentence):
            continue
        if any(frozenset((x, y)) in names.adjacent for x in group_of[a] for y in group_of[b]):
            continue  # Mong (Kok) – Hong – Kong: Hong Kong is one name
        joined = group_of[a] + group_of[b]
        for name in joined:
            group_of[name] = joined
    groups = {id(group): group for group in group_of.values()}.values()
    result = {}
    for members in groups:
        if len(members) >= (2 if max(map(len, members)) >= SHORT_NAME else 3):
            members.sort(key=lambda name: (-names.counts[name], names.order[name]))
            result[members[0]] = members[1:]
    return dict(sorted(result.items(), key=lambda item: names.order[item[0]]))


def name_variants(texts: str | Sequence[str], language: str | None = None) -> Signal | None:
    """Names spelled several ways in one article (or the copies of one story), a mark of
    spinning and bad machine translation; None if there are none, or if the text is not in
    English (`language` other than "en" or None: German capitalises every noun, Italian and
    Slavic names inflect). Value 1 − 0.5^n, n the number of extra spellings (Joko/Zoko/Zoco:
    2)."""
    if language not in (None, "en"):
        return None
    groups = spelling_variants([texts] if isinstance(texts, str) else texts)
    if not groups:
        return None
    extra = sum(map(len, groups.values()))
    shown = ["/".join([name, *others]) for name, others in groups.items()]
    return signal(NAME_VARIANTS, 1 - 0.5**extra, f"names spelled several ways: {listed(shown, 4)}")


# --- a copy against its source ----------------------------------------------------------------

TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*")
MIN_ALIGNED = 0.25  # below this share of the source's words in order, the texts do not align
SWAP_MAX_WORDS = 3  # a replaced run this short on both sides is a substitution, not a rewrite
SWAPS_NORMAL, SWAPS_SPUN = 0.01, 0.08  # share of aligned words swapped: editing vs spinning
MISSPELLING_WEIGHT = 0.4  # one misspelled name alone: a typo fixed or made is not spinning
MAX_COMPARED_WORDS = 3000  # difflib's time grows with the square of a long text: compare the start


def spun_markers(source_text: str, copy_text: str) -> Signal | None:
    """How much a copy was spun relative to its source: short word-for-word substitutions
    (said → stated) among the words the two texts share in order (difflib), and names
    misspelled (Joko → Zoko). None when the copy does not follow the source (less than a
    quarter of the source's words in order). Texts longer than 3,000 words are compared on
    their first 3,000.

    Value: 1 − (1 − s)(1 − m), s rising from 0 at 1% swapped words to 1 at 8%, m = 1 − 0.6^k
    for k misspelled names (0.4, 0.64, 0.78, …).
    """
    source = TOKEN_RE.findall(source_text)[:MAX_COMPARED_WORDS]
    copy = TOKEN_RE.findall(copy_text)[:MAX_COMPARED_WORDS]
    if not source or not copy:
        return None
    if source_text == copy_text:  # a verbatim copy: what the alignment would find, at once
        return signal(SPUN, 0.0, f"0 of {len(source)} aligned words (0.0%) swapped one for one")
    matcher = SequenceMatcher(
        None, [w.casefold() for w in source], [w.casefold() for w in copy], autojunk=False
    )
    opcodes = matcher.get_opcodes()
    aligned = sum(i2 - i1 for op, i1, i2, _, _ in opcodes if op == "equal")
    if aligned < MIN_ALIGNED * len(source):
        return None
    swaps = [
        (" ".join(source[i1:i2]), " ".join(copy[j1:j2]))
        for op, i1, i2, j1, j2 in opcodes
        if op == "replace" and i2 - i1 <= SWAP_MAX_WORDS and j2 - j1 <= SWAP_MAX_WORDS
    ]
    swapped = sum(len(a.split()) for a, _ in swaps)
    share = swapped / (aligned + swapped)
    misspelled = misspelled_names(source_text, copy_text)
    s = ramp(share, SWAPS_NORMAL, SWAPS_SPUN)
    m = 1 - (1 - MISSPELLING_WEIGHT) ** len(misspelled)
    parts = [
        f"{swapped} of {aligned + swapped} aligned words ({100 * share:.1f}%) swapped one for one"
        + (f" ({listed([f'{a}→{b}' for a, b in swaps], 4)})" if swaps else "")
    ]
    if misspelled:
        by_name: dict[str, list[str]] = {}
        for original, spelled in misspelled:
            by_name.setdefault(original, []).append(spelled)
        shown = [f"{name}→{'/'.join(spellings)}" for name, spellings in by_name.items()]
        parts.append(f"names misspelled: {listed(shown, 4)}")
    return signal(SPUN, 1 - (1 - s) * (1 - m), "; ".join(parts))


def copied_from(source_url: str, source_host: str, similarity: float) -> Signal:
    """An article that copies another site's article (its story cluster's probable source):
    value 1, and the source in the reason. `similarity` is the estimated Jaccard with the
    story's earliest capture (spun copies reach 0.1-0.3, verbatim ones 1)."""
    return signal(
        COPIED,
        1.0,
        f"copy of {source_url} ({source_host}), similarity {similarity:.2f} to the story's "
        "earliest capture",
    )


def misspelled_names(source_text: str, copy_text: str) -> list[tuple[str, str]]:
    """(source name, copy spelling) for the copy's names that the source never writes but
    that are a spelling variant (up to 2 edits for names of 6+ letters) of one of its names."""
    # A name is one of the source's words when NAME_RE finds it there (it has a name's shape).
    source_words = set(NAME_RE.findall(source_text))
    new = [name for name in names_in(copy_text).counts if name not in source_words]
    if not new:  # a verbatim or lightly edited copy: every name is the source's
        return []
    # The source's names (`names_in`) among its words that may be names: whether the source
    # writes one in lower case is looked up for the few that a new name pairs with only.
    pool = [word for word in source_words if maybe_name(word)]
    pairs = [p for p in near_pairs(new, pool, distance=2) if not written_lower(p[1], source_text)]
    pairs.sort(key=lambda pair: new.index(pair[0]))
    return [(original, spelled) for spelled, original in pairs]


# --- site level -------------------------------------------------------------------------------

MIN_SITE_ARTICLES = 10  # shares over fewer articles are damped by n / 10


def copy_share(n_articles: int, n_copies_of_other_sites: int) -> Signal:
    """The share of a site's archived articles that copy another site's article (verbatim or
    spun), damped by n/10 below 10 articles."""
    if n_articles <= 0:
        return signal(COPY_SHARE, 0, "no archived articles")
    copies = min(n_copies_of_other_sites, n_articles)
    share = copies / n_articles
    damp = min(1.0, n_articles / MIN_SITE_ARTICLES)
    reason = f"{copies} of {n_articles} archived articles ({percent(share)}) copy other sites"
    if damp < 1 and copies:
        reason += f" (damped: only {n_articles} articles)"
    return signal(COPY_SHARE, share * damp, reason)


# How an article signal becomes a site signal: value = min(1, mean / full), the mean taken
# over the site's articles (a missing row counts 0), and what a value of 0.5 or more says.
AGGREGATES: dict[str, tuple[float, str]] = {
    CATEGORY_MISMATCH: (1.0, "have a category unrelated to their text"),
    GENERATOR_TEXT: (0.2, "contain leftover generator text"),
    NAME_VARIANTS: (0.3, "spell a name several ways"),
    SPUN: (0.5, "are spun copies of another site's article"),
    BOILERPLATE: (0.5, "are half or more site boilerplate"),
    AD_DENSITY: (1.0, "carry an ad unit for every 100 words or less"),
}
STRONG = 0.5


def site_aggregate(name: str, values: Iterable[float], n_articles: int) -> Signal:
    """A site signal from one article signal's stored values on the site's articles.

    Value min(1, mean / full) (see `AGGREGATES`): with full = 0.2, a site where a fifth of the
    articles hold generator text scores 1. The mean is over `n_articles` (articles without a
    row count as 0), except for category_mismatch, whose rows are the judged articles; it is
    damped by n/10 below 10 articles, like `copy_share`.
    """
    if name not in AGGREGATES:
        raise ValueError(f"{name!r} is not an article signal (one of {', '.join(AGGREGATES)})")
    full, what = AGGREGATES[name]
    values = list(values)
    n = len(values) if name == CATEGORY_MISMATCH else max(n_articles, len(values))
    if n <= 0:
        return signal(name, 0, "no articles to judge")
    mean = sum(values) / n
    strong = sum(value >= STRONG for value in values)
    damp = min(1.0, n / MIN_SITE_ARTICLES)
    reason = f"{strong} of {n} articles ({percent(strong / n)}) {what}; mean {mean:.2f}"
    if damp < 1 and mean:
        reason += f" (damped: only {n} articles)"
    return signal(name, min(1.0, mean / full) * damp, reason)


MIN_DATED = 10  # fewer dated articles say nothing about a rate
RATE_LOW, RATE_HIGH = 50, 500  # articles on the peak day: 0 at 50, 1 at 500
BURST_LOW, BURST_HIGH, BURST_MIN_PEAK = 5.0, 20.0, 20  # peak / median articles per active day
STAMP_GROUP = 3  # articles sharing one exact timestamp, at least
STAMP_LOW, STAMP_HIGH = 0.1, 0.5  # share of timed articles in such groups


def publishing_rate(published_dates: Iterable[str | None]) -> Signal:
    """How machine-like a site's publishing is, from its articles' dates (ISO 8601): the
    largest of three components —

    - volume: articles on the busiest day, 0 at 50, 1 at 500;
    - burst: busiest day / median active day, 0 at ×5, 1 at ×20 (needs a 20-article peak);
    - stamps: the share of timed articles published at exactly the same second as 2+ others
      (bulk imports), 0 at 10%, 1 at 50% (midnight stamps, date-only values, are left out).

    Counts are of archived articles: a lower bound of what the site publishes.
    """
    stamps = [parsed for parsed in map(parse_stamp, published_dates) if parsed is not None]
    if len(stamps) < MIN_DATED:
        return signal(PUBLISHING_RATE, 0, f"only {len(stamps)} dated articles: not judged")
    per_day = Counter(day_of(stamp) for stamp in stamps)
    # The first of the busiest days: the same whatever order the dates come in.
    peak_day, peak = max(per_day.items(), key=lambda item: (item[1], -item[0].toordinal()))
    median = statistics.median(per_day.values())
    volume = ramp(peak, RATE_LOW, RATE_HIGH)
    burst = ramp(peak / median, BURST_LOW, BURST_HIGH) if peak >= BURST_MIN_PEAK else 0.0
    timed = [s for s in stamps if isinstance(s, datetime) and s.time() != datetime.min.time()]
    groups = Counter(timed)
    bulk = sum(count for count in groups.values() if count >= STAMP_GROUP)
    bulk_share = bulk / len(timed) if timed else 0.0
    repeated = ramp(bulk_share, STAMP_LOW, STAMP_HIGH)
    reason = (
        f"peak {peak} articles on {peak_day}, median {median:g} per active day over "
        f"{len(per_day)} days"
    )
    if burst:
        reason += f" (burst ×{peak / median:.0f})"
    if bulk:
        reason += f"; {bulk} of {len(timed)} timed articles ({percent(bulk_share)}) share a stamp"
    return signal(PUBLISHING_RATE, max(volume, burst, repeated), reason)


def parse_stamp(value: str | None) -> date | datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) <= 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def day_of(stamp: date | datetime) -> date:
    """The day as the publisher wrote it (in the stamp's own offset)."""
    return stamp.date() if isinstance(stamp, datetime) else stamp


MAX_NAMED_SITES = 3


def shared_trackers(
    site_trackers: Mapping[str, Iterable[str | tuple[str, str]]],
) -> dict[str, Signal]:
    """Sites that name the same ad or analytics account as other sites (likely one operator).

    `site_trackers`: host → its tracker IDs (strings, or `tracker_ids`' (kind, id) pairs).
    IDs are compared by `operator_key` (UA properties by account); placeholders
    (`is_placeholder_id`) and hosts of one registrable domain (www.x.com, news.x.com) link
    nothing. Value 1 − 1/(1 + n) for n other sites: 0.5, 0.67, 0.75, … Hosts that share
    nothing are absent from the result.
    """
    owners: dict[str, dict[str, str]] = defaultdict(dict)  # key → {host: id as written}
    for host, trackers in site_trackers.items():
        for tracker in trackers:
            tracker_id = tracker[1] if isinstance(tracker, tuple) else tracker
            if not is_placeholder_id(tracker_id):
                owners[operator_key(tracker)].setdefault(host, tracker_id)
    result = {}
    for host in site_trackers:
        site = registrable(host)
        shared: list[tuple[str, list[str]]] = []
        partners: set[str] = set()
        for key, hosts in owners.items():
            if host not in hosts:
                continue
            others = sorted(other for other in hosts if registrable(other) != site)
            if others:
                shared.append((key, others))
                partners.update(registrable(other) for other in others)
        if shared:
            result[host] = signal(
                SHARED_TRACKERS, 1 - 1 / (1 + len(partners)), shared_reason(shared, partners)
            )
    return result


def shared_reason(shared: list[tuple[str, list[str]]], partners: set[str]) -> str:
    parts = []
    for key, others in sorted(shared, key=lambda item: (id_rank(item[0]), -len(item[1]))):
        parts.append(f"{display_id(key)} with {listed(others, MAX_NAMED_SITES)}")
    others = f"{len(partners)} other site{'s' if len(partners) > 1 else ''}"
    return f"shares {'; '.join(parts[:4])} ({others})"


ID_PREFIXES = ("ca-pub-", "UA-", "GTM-", "G-")  # the strongest links first: a payee account


def id_rank(key: str) -> tuple[int, str]:
    rank = next((at for at, p in enumerate(ID_PREFIXES) if key.startswith(p)), len(ID_PREFIXES))
    return rank, key


def display_id(key: str) -> str:
    if key.startswith("UA-"):
        return f"Google Analytics account {key}"
    if key.startswith("ca-pub-"):
        return f"AdSense {key}"
    if key.startswith("GTM-"):
        return f"Tag Manager {key}"
    if key.startswith("G-"):
        return f"GA4 {key}"
    kind, _, number = key.partition(":")
    return f"{kind.replace('_', ' ')} {number}" if number else key


def registrable(host: str) -> str:
    """The site a host belongs to, roughly: "news.bbc.co.uk" → "bbc.co.uk", "www.x.com" →
    "x.com"; a host with a port, or an IP address, is its own site."""
    host = host.lower().rstrip(".")
    if ":" in host or host.replace(".", "").isdigit():
        return host
    labels = [label for label in host.split(".") if label]
    while len(labels) > 2 and labels[0] in HOST_PREFIXES:
        labels = labels[1:]
    country_sld = len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_DOMAINS
    return ".".join(labels[-(3 if len(labels) >= 3 and country_sld else 2) :])


# --- the site score ---------------------------------------------------------------------------

# The most each signal can add on its own: site_score = 1 − Π(1 − weight × value).
WEIGHTS: dict[str, float] = {
    COPY_SHARE: 0.7,
    SPUN: 0.7,
    GENERATOR_TEXT: 0.8,
    CATEGORY_MISMATCH: 0.6,
    NAME_VARIANTS: 0.4,
    PUBLISHING_RATE: 0.4,
    SHARED_TRACKERS: 0.4,
    BOILERPLATE: 0.3,
    AD_DENSITY: 0.2,
}
TOP_CONTRIBUTORS = 3


def site_score(
    signals: Iterable[Signal], weights: Mapping[str, float] = WEIGHTS
) -> tuple[float, str]:
    """The site's spam score 0..1 and why: a noisy-OR, 1 − Π(1 − weight × value), over its
    site signals (each name once: the highest value). A missing signal adds nothing; no one
    signal can lift the score above its weight; names without a weight are ignored. The
    reason names the top three contributors with their value, weight and evidence."""
    best: dict[str, Signal] = {}
    for item in signals:
        if item.name in weights and (item.name not in best or item.value > best[item.name].value):
            best[item.name] = item
    parts = sorted(
        ((weights[name] * item.value, item) for name, item in best.items()),
        key=lambda part: (-part[0], part[1].name),
    )
    score = round(1 - math.prod(1 - part for part, _ in parts), 3)
    top = [(part, item) for part, item in parts if part >= 0.01][:TOP_CONTRIBUTORS]
    if not top:
        return score, f"score {score:.2f}: no farm-like signal"
    shown = "; ".join(
        f"{item.name} {item.value:.2f}×{weights[item.name]:g} ({item.reason})" for _, item in top
    )
    more = len([part for part, _ in parts if part >= 0.01]) - len(top)
    return score, f"score {score:.2f} from {shown}" + (f"; +{more} weaker" if more > 0 else "")


# --- one page's article signals ---------------------------------------------------------------


def article_signals(
    *,
    title: str | None,
    category: str | None,
    text: str,
    raw_text: str | None = None,
    html: str | None = None,
    language: str | None = None,
) -> list[Signal]:
    """The article signals one page gives (its copy-against-source signal needs the source:
    `spun_markers`). `text` is the cleaned text (`articles.text`), `raw_text` the page-level
    one (`articles.raw_text`), `html` the page, for its ad units, `language` the article's
    (`articles.language`). Signals that find nothing to judge or nothing at all (no
    category, no generator text) are left out."""
    found = [
        category_mismatch(category, title, text),
        generator_text(text),
        name_variants(text, language),
    ]
    if raw_text is not None:
        found.append(boilerplate_density(raw_text, text))
    if html is not None:
        found.append(ad_density(ad_slots(html), len(WORD_RE.findall(text))))
    return [item for item in found if item is not None]
