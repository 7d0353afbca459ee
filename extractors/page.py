"""The per-page entry point: classify, then extract only what is an article."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from extractors.article import ArticleRecord, article_from_tree, title_parts
from extractors.html import MAX_HTML_CHARS, has_markup, parse_html
from extractors.meta import read_page_meta
from extractors.pagetype import ARTICLE, classify_page
from extractors.spam import ad_slots, tracker_ids
from extractors.titles import MAX_TITLE_CHARS

EMPTY = "empty"
# An article decoded with the wrong charset (a cp1251 page taken for the UTF-8 it claimed to be)
# is mostly U+FFFD where its letters were: noise, not a record. A page with a few stray bytes
# keeps its article.
MIN_REPLACEMENTS = 16
MAX_REPLACEMENT_SHARE = 0.1  # of the text's characters, spaces aside
# What can be wrong with a page's content, each counted in a crawl's stats as
# newsarc/content/<fault>: found when decoding (extractors.html.decode_html) or analysing it.
CONTENT_FAULTS = {
    "wrong_charset": "not in the charset it declares (decoded in the one it is in)",
    "invalid_bytes": "bytes that are no character in its charset (read as U+FFFD)",
    "nul_bytes": "NUL bytes (dropped before parsing)",
    "not_html": "served as HTML but binary or without markup",
    "huge_html": f"over {MAX_HTML_CHARS:,} characters (parsed up to there)",
    "deep_nesting": "nested deeper than the parser goes (parsed again, flattened)",
    "huge_title": f"a <title> over {MAX_TITLE_CHARS:,} characters (not taken as the headline)",
}


@dataclass
class PageAnalysis:
    """What a page is. `page_type` is "article" exactly when `article` is set.

    page_type: "article", "listing", or "empty" (nothing usable: an empty document, no HTML,
        text in the wrong charset, or an article-like page trafilatura found no text in).
    title: the page's cleaned title (headline), for listings too.
    reason: why there is no article ("empty document", "not HTML", "undecodable text (wrong
        or missing charset)", "listing page", "no text extracted", "extraction failed:
        <error>"), else None.
    """

    page_type: str
    article: ArticleRecord | None = None
    title: str | None = None
    reason: str | None = None
    trackers: list[tuple[str, str]] = field(default_factory=list)  # (kind, ad/analytics ID)
    ad_slots: int = 0
    faults: list[str] = field(default_factory=list)  # CONTENT_FAULTS found on the way


def analyze_page(
    html: str,
    url: str | None = None,
    *,
    site_affixes: Collection[str] = (),
    feed_title: str | None = None,
) -> PageAnalysis:
    """Parse once, classify, and run trafilatura only on article pages. Never raises.

    Picklable in and out: the function the crawler and reindex run in a process pool. An
    unexpected failure on hostile input becomes an "empty" page whose reason names the error.
    `site_affixes`: title segments known to recur across the site (see `clean_title`);
    `feed_title`: the title a feed or news sitemap gave the page, a hint for the headline.
    """
    try:
        faults: list[str] = []
        analysis = analysis_of(html, url, site_affixes, feed_title, faults)
        analysis.faults = faults
        if analysis.page_type != EMPTY or analysis.title:
            # Who runs the site: its ad and analytics IDs (content-farm operators share them).
            analysis.trackers = tracker_ids(html)
            analysis.ad_slots = ad_slots(html) if analysis.article else 0
        return analysis
    except Exception as error:  # one bad page must not take down a worker
        return PageAnalysis(EMPTY, reason=f"extraction failed: {type(error).__name__}")


def analysis_of(
    html: str,
    url: str | None,
    site_affixes: Collection[str],
    feed_title: str | None = None,
    faults: list[str] | None = None,
) -> PageAnalysis:
    faults = [] if faults is None else faults
    if not html or html.isspace():
        return PageAnalysis(EMPTY, reason="empty document")
    tree = parse_html(html, faults) if has_markup(html) else None
    if tree is None:
        faults.append("not_html")
        return PageAnalysis(EMPTY, reason="not HTML")
    meta = read_page_meta(tree)
    if len(meta.title or "") > MAX_TITLE_CHARS:
        faults.append("huge_title")
    parts = title_parts(
        meta, None, url or meta.canonical_url, site_affixes=site_affixes, feed_title=feed_title
    )
    title = parts.title
    page_type = classify_page(tree, url, meta)
    if page_type != ARTICLE:
        return PageAnalysis(page_type, title=title, reason=f"{page_type} page")
    article = article_from_tree(tree, url, meta, parts=parts)
    if article is None:
        return PageAnalysis(EMPTY, title=title, reason="no text extracted")
    if undecodable(f"{article.title} {article.text}"):
        return PageAnalysis(EMPTY, reason="undecodable text (wrong or missing charset)")
    return PageAnalysis(ARTICLE, article=article, title=article.title or title)


def undecodable(text: str) -> bool:
    """Whether U+FFFD makes up much of `text` (see MIN_REPLACEMENTS)."""
    replacements = text.count("\ufffd")
    if replacements < MIN_REPLACEMENTS:
        return False
    return replacements > MAX_REPLACEMENT_SHARE * len("".join(text.split()))
