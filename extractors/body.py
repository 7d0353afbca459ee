"""Body cleaning: the lines around an article that no article is made of.

trafilatura keeps, around the article, lines that are the page's furniture rather than its
text: "Related: …" and "Read more: …" links, "You may also like" blocks and the headlines
under them, newsletter, app and social prompts, comment counters, "Updated at" stamps, reading
times and reporting credits, bare image links and timestamps, the headline or the page's URL
once more. The rules look at short lines only, so no paragraph of the article can match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from extractors.titles import comparable

WORD_RE = re.compile(r"\w+")
FURNITURE_MAX_WORDS = 25
FURNITURE_MAX_CHARS = 400  # no need to count the words of a longer line
EDGE_LINES = 2  # the first and last lines, where datelines and stamps sit
HEADLINE_MAX_WORDS = 16
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*•·▪►]\s+)+")
# fmt: off
# Lines that open with a label or are nothing else: one anchored match per line.
FURNITURE_START_RE = re.compile("|".join(f"(?:{pattern})" for pattern in (
    r"(?:https?:)?//\S+\.(?:jpe?g|png|gif|webp|svg)(?:\?\S*)?$",  # a bare image link
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+$",  # a bare e-mail address
    r"\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$",  # a bare timestamp
    r"(?:last\s+)?(?:updated|published|posted|modified)\b(?:\s+(?:at|on))?\s*[:：]?.{0,50}\d.{0,20}$",
    r"(?:reading\s+time|tempo\s+de\s+leitura|tiempo\s+de\s+lectura|temps\s+de\s+lecture"
    r"|lesezeit|tempo\s+di\s+lettura)\s*[:：]?\s*\d", r"\d+\s*min(?:ute)?s?\s+read$",
    r"additional\s+reporting\s+by\b", r"source\s*[:：]\s*\S.{0,40}$",
    r"(?:write\s+to|reach|contact|e-?mail)\b.{0,100}(?:@\w|https?://|twitter\.com/)",
    r"\[?(?:related(?:\s+(?:post|article|story|content|link))?s?|(?:read|see|watch)\s+(?:more|also|next)"
    r"|also\s+read|more|also|see\s+also)\s*[:：]",
    r"follow\b.{0,60}\bon\s+(?:facebook|twitter|instagram|linkedin|youtube|tiktok|x)\b",
    r"download\s+(?:the|our)\b.{0,40}\bapp\b",
    r"tell\s+us\s+what\s+you\s+think\b", r"\d*\s*comments?$", r"tags?\s*[:：]?$",
    r"(?:tags?|keywords?)\s*[:：]\s*\S[^.!?]*$",  # "Tags: a, b, c"
    r"(?:previous|prev|next)(?:\s+(?:article|post|story|page))?\s*[:：]", r"[上下]一[篇页頁]",
    r"filed\s+under\s*[:：]", r"share(?:\s+this)?(?:\s+(?:article|story|post))?\s*[:：]?$",
    r"advertisement$", r"(?:order\s+reprints|print\s+(?:article|this(?:\s+\w+)?))$",
    r"explore\s+further$", r"this\s+article\s+has\s+been\s+sent\s+to\b",
)), re.IGNORECASE)
# Prompts anywhere in a short line, each behind a cheap keyword test.
FURNITURE_ANYWHERE = tuple((keyword, re.compile(pattern, re.IGNORECASE)) for keyword, pattern in (
    ("contributed", r"\bcontributed\s+(?:to\s+this\s+(?:report|story|article)|reporting)\b"),
    # Prompts, not sentences about subscriptions: "Millions subscribe to Netflix." stays.
    ("subscri", r"^\W*subscribe\s+to\b|\berror\s+processing\s+your\s+subscription\b"),
    ("thanks", r"\bthanks\s+for\s+(?:signing\s+up|subscribing)\b"),
    ("newsletter", r"\b(?:sign\s+up|subscribe|register)\b.{0,60}\bnewsletters?\b"
                   r"|\bnewsletters?\b.{0,40}\b(?:sign\s+up|subscribe|inbox|delivered)\b"
                   r"|^\W*(?:\w+\s+){0,3}newsletters?\W*$"),
    ("inbox", r"\bin\s+your\s+inbox\b"),
    ("friend", r"\bshare\s+(?:it|this(?:\s+\w+)?)\s+with\s+(?:a\s+)?friends?\b"),
    ("app", r"\bget\s+the\s+.{0,40}\bapp\b"),
))
# fmt: on
DATE_LINE_MAX_WORDS = 12
DATE_TOKEN_RE = re.compile(r"[^\W_]+")
YEAR_OR_TIME_RE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[:h]\d\d\b")
_DATE_WORDS = """
    am pm a m p m at on of the de del às as a à um le el h gmt utc bst cet cest est edt pst pdt
    ist jst
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    segunda terça terca quarta quinta sexta feira sábado sabado domingo janeiro fevereiro março
    marco maio junho julho agosto setembro outubro novembro dezembro
    lunes martes miércoles miercoles jueves viernes enero febrero marzo abril mayo junio julio
    septiembre setiembre octubre noviembre diciembre
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai
    juin juillet août aout septembre octobre novembre décembre decembre
    montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz maerz juni
    juli oktober dezember uhr
    lunedì martedì mercoledì giovedì venerdì sabato gennaio febbraio aprile maggio giugno luglio
    settembre ottobre dicembre ore
"""
DATE_WORDS = frozenset(_DATE_WORDS.split())
# fmt: off
RELATED_HEADER_RE = re.compile(
    r"^(?:you\s+(?:may|might)\s+also\s+like|(?:don'?t|do\s+not)\s+miss|most\s+(?:read|popular)\b.*"
    r"|popular\s+on\b.*|related\s+(?:articles|stories|posts|content|news|coverage|links)"
    r"|more\s+(?:from|on|stories)\b.*|recommended(?:\s+(?:for\s+you|reading|stories|articles))?"
    r"|trending(?:\s+now)?|read\s+next|what\s+to\s+read\s+next|further\s+reading)\W*$",
    re.IGNORECASE,
)
# fmt: on


def without_leading_headline(text: str, *headlines: str | None) -> str:
    """Drop a first line that merely repeats the headline."""
    first, _, rest = text.partition("\n")
    wanted = {comparable(h) for h in headlines if h} - {""}
    if comparable(first) in wanted:
        return rest.strip()
    return text


def clean_body(
    text: str, headlines: Iterable[str | None] = (), urls: Iterable[str | None] = ()
) -> str:
    """The text without furniture lines (see the module docstring), the headlines and the
    page's own URLs; the text itself if nothing would be left."""
    lines = without_related_blocks([line for line in text.split("\n") if line.strip()])
    named = [name for name in (*headlines, *urls) if name]
    titles = {comparable(name) for name in named} - {""}
    longest = 2 * max(map(len, named), default=0)
    last = len(lines) - EDGE_LINES
    kept = [
        line
        for at, line in enumerate(lines)
        if not (
            furniture_line(line, at < EDGE_LINES or at >= last)
            or (len(line) <= longest and comparable(line) in titles)
        )
    ]
    return "\n".join(kept) if kept else text


def furniture_line(line: str, at_edge: bool = False) -> bool:
    """A short line that is a link, a prompt, a credit or a timestamp, not article text; a bare
    date only counts at the edge of the text (inside, it may be the article's own timeline)."""
    if len(line) > FURNITURE_MAX_CHARS:
        return False
    bare = LIST_MARKER_RE.sub("", line).strip()
    if len(WORD_RE.findall(bare)) > FURNITURE_MAX_WORDS:
        return False
    if FURNITURE_START_RE.match(bare) or (at_edge and date_line(bare)):
        return True
    folded = bare.casefold()
    return any(word in folded and regex.search(bare) for word, regex in FURNITURE_ANYWHERE)


def date_line(line: str) -> bool:
    """A line that only gives a date and time ("Friday, 22 October 2010 at 20:13")."""
    words = DATE_TOKEN_RE.findall(line.casefold())
    return (
        0 < len(words) <= DATE_LINE_MAX_WORDS
        and bool(YEAR_OR_TIME_RE.search(line))
        and all(word.isdigit() or word in DATE_WORDS for word in words)
    )


def without_related_blocks(lines: list[str]) -> list[str]:
    """Drop "You may also like"-style headers and the headline-like lines that follow them."""
    kept: list[str] = []
    in_block = False
    for line in lines:
        bare = LIST_MARKER_RE.sub("", line).strip() if len(line) < FURNITURE_MAX_CHARS else line
        if RELATED_HEADER_RE.match(bare):
            in_block = True
        elif not (in_block and headline_like(bare)):
            in_block = False
            kept.append(line)
    return kept


def headline_like(line: str) -> bool:
    """Short and not a sentence: a link to another article."""
    return len(WORD_RE.findall(line)) <= HEADLINE_MAX_WORDS and not line.endswith((".", ":"))
