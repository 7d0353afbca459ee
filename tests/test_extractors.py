"""Offline tests of the pure HTML → record functions in `extractors`."""

from __future__ import annotations

import pickle
from html import escape
from pathlib import Path

import lxml.html
import pytest

from extractors import (
    ArticleRecord,
    PageAnalysis,
    analyze_page,
    classify_page,
    clean_title,
    decode_html,
    extract_article,
    looks_like_html,
)
from extractors.html import parse_html

DATA = Path(__file__).parent / "data" / "extractors"
SEED_LINES = (DATA / "seed.txt").read_text(encoding="utf-8").splitlines()
FARM_TITLE = SEED_LINES[0]
FARM_HEADLINE = SEED_LINES[2]
FARM_PARAGRAPHS = [line for line in SEED_LINES[3:] if line.strip()]
FARM_URL = (
    "https://jobs-recruit.example/ranking-of-immigration-countries/putin-central-asia-trip.html"
)

NAV_ITEMS = ["Home", "Ranking of immigration countries", "Job Hunting Tips", "Visa Guide"]
SIDEBAR_TEXT = "Top 10 countries that hand out work permits fastest"
FOOTER_TEXT = "Copyright 2022 Job Recruitment Website. All rights reserved."


def farm_page() -> str:
    """The seed content-farm page, wrapped the way such a WordPress-style site serves it."""
    nav = "".join(
        f'<li><a href="/c/{i}/">{escape(name)}</a></li>' for i, name in enumerate(NAV_ITEMS)
    )
    sidebar = "".join(f'<li><a href="/p/{i}.html">{SIDEBAR_TEXT} ({i})</a></li>' for i in range(8))
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in FARM_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{escape(FARM_TITLE)}</title>
<meta property="og:site_name" content="Job Recruitment Website">
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>var ga = "UA-000000-1"; function track() {{ return ga; }}</script>
<style>.menu {{ display: flex; }}</style>
</head>
<body class="post-template-default single">
<header class="site-header">
  <div class="site-title"><a href="/">Job Recruitment Website</a></div>
  <nav class="main-menu"><ul>{nav}</ul></nav>
</header>
<div class="breadcrumbs"><a href="/">Home</a> »
  <a href="/c/1/">Ranking of immigration countries</a></div>
<div id="content" class="site-content">
  <div class="content-area">
    <div class="post">
      <h1 class="entry-title">{escape(FARM_HEADLINE)}</h1>
      <div class="entry-meta">Posted on 2022-06-27 in Ranking of immigration countries</div>
      <div class="entry-content">
{paragraphs}
      </div>
      <div class="share">Share this: Facebook Twitter WhatsApp</div>
    </div>
  </div>
  <aside class="widget-area"><h3>Recent Posts</h3><ul>{sidebar}</ul></aside>
</div>
<footer class="site-footer"><p>{FOOTER_TEXT}</p><a href="/privacy">Privacy Policy</a></footer>
</body>
</html>"""


NEWS_PARAGRAPHS = [
    "The harbour authority approved on Tuesday a plan to dredge the northern channel, ending a "
    "dispute that had stalled the project for almost three years and left larger container "
    "ships waiting offshore for the tide.",
    "Under the plan, the channel will be deepened by two metres over eighteen months. Work "
    "will pause each spring while migrating fish pass through the estuary, a condition that "
    "environmental groups had demanded from the start of the negotiations.",
    "Shipping companies welcomed the decision. A spokesperson for the port operators said the "
    "delays had cost members millions in fuel and fees, and that several lines had threatened "
    "to move their weekly services to a competing port further down the coast.",
    "Residents of the fishing villages along the channel were more cautious. At a public "
    "meeting last month, many asked how the dredged sand would be disposed of and whether "
    "the work would disturb the oyster beds that support dozens of local families.",
    "The authority said the sand would be used to rebuild eroded beaches to the south, and "
    "that independent divers would monitor the oyster beds every week during the works, with "
    "results published online for anyone to check.",
    "Construction is expected to begin in the autumn, once the final permits are issued by "
    "the regional environment agency and the contract has been awarded after a public tender.",
]


def news_page() -> str:
    """A conventional newspaper article with full Open Graph and JSON-LD metadata."""
    paragraphs = "\n".join(f"<p>{text}</p>" for text in NEWS_PARAGRAPHS)
    related = "".join(
        f'<li><h3><a href="/2024/03/0{i}/other-story-{i}">Other story number {i}</a></h3></li>'
        for i in range(1, 6)
    )
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Harbour channel dredging approved after three-year dispute | The Daily Ledger</title>
<meta property="og:type" content="article">
<meta property="og:title" content="Harbour channel dredging approved after three-year dispute">
<meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2024-03-12T09:30:00+00:00">
<meta property="article:section" content="Local">
<meta name="author" content="Maria Keller">
<meta name="description" content="The northern channel will be deepened by two metres.">
<script type="application/ld+json">
{{"@context": "https://schema.org", "@type": "NewsArticle",
  "headline": "Harbour channel dredging approved after three-year dispute",
  "datePublished": "2024-03-12T09:30:00+00:00",
  "author": {{"@type": "Person", "name": "Maria Keller"}}}}
</script>
</head>
<body>
<nav><a href="/">Home</a> <a href="/local/">Local</a> <a href="/business/">Business</a></nav>
<main>
<article>
<h1>Harbour channel dredging approved after three-year dispute</h1>
<p class="byline">By <a rel="author" href="/authors/maria-keller">Maria Keller</a></p>
<time datetime="2024-03-12T09:30:00+00:00">12 March 2024</time>
<div class="article-body">
{paragraphs}
</div>
</article>
<aside><h2>More from Local</h2><ul>{related}</ul></aside>
</main>
<footer>© The Daily Ledger. Subscribe to our newsletter.</footer>
</body>
</html>"""


NEWS_URL = "https://ledger.example/2024/03/12/harbour-channel-dredging-approved"


def home_page(teasers: int = 30) -> str:
    """A news home page: headline links with one-line teasers, the way front pages list them."""
    items = "\n".join(
        f"""<article class="teaser">
  <h2><a href="/2024/03/{i % 28 + 1:02d}/story-{i}">Council votes on plan number {i} for
  the city centre</a></h2>
  <p>Councillors debated the proposal for two hours before the vote on item {i}.</p>
  <span class="time">{i} hours ago</span>
</article>"""
        for i in range(teasers)
    )
    return f"""<!doctype html>
<html lang="en">
<head><title>The Daily Ledger - News, sport and weather from the coast</title>
<meta property="og:type" content="website">
<meta property="og:site_name" content="The Daily Ledger"></head>
<body>
<header><a href="/">The Daily Ledger</a><nav><a href="/local/">Local</a>
<a href="/sport/">Sport</a></nav></header>
<main>{items}</main>
<footer>© The Daily Ledger</footer>
</body></html>"""


def plain_listing_page() -> str:
    """A category page with no metadata at all: only its structure says "listing"."""
    items = "\n".join(
        f'<div class="item"><h3><a href="/news/item-{i}.html">Item {i}: a market report for '
        f'the week</a></h3><div class="excerpt">Prices rose slightly on item {i}.</div></div>'
        for i in range(20)
    )
    return f"<html><head><title>Market news</title></head><body><div>{items}</div></body></html>"


# --- the content-farm seed page ---------------------------------------------------------------


@pytest.fixture(scope="module")
def farm_analysis() -> PageAnalysis:
    return analyze_page(farm_page(), FARM_URL)


def test_farm_page_is_an_article(farm_analysis: PageAnalysis) -> None:
    assert farm_analysis.page_type == "article"
    assert farm_analysis.reason is None
    assert farm_analysis.article is not None


def test_farm_page_title_category_and_site(farm_analysis: PageAnalysis) -> None:
    article = farm_analysis.article
    assert article is not None
    assert article.title == FARM_HEADLINE
    assert farm_analysis.title == FARM_HEADLINE
    assert article.category == "Ranking of immigration countries"
    assert article.site_name == "Job Recruitment Website"


def test_farm_page_text_is_the_story_only(farm_analysis: PageAnalysis) -> None:
    article = farm_analysis.article
    assert article is not None
    assert "Lianbang Summit" in article.text
    assert article.text.startswith("Returning to friendly countries")
    assert not article.text.startswith(FARM_HEADLINE)
    for boilerplate in [*NAV_ITEMS[2:], SIDEBAR_TEXT, FOOTER_TEXT, "Share this", "UA-000000"]:
        assert boilerplate not in article.text


def test_farm_page_language_and_counts(farm_analysis: PageAnalysis) -> None:
    article = farm_analysis.article
    assert article is not None
    assert article.language == "en"  # no lang attribute on the page: detected from the text
    assert article.url == FARM_URL
    seed_words = sum(len(p.split()) for p in FARM_PARAGRAPHS)
    assert 0.9 * seed_words <= article.word_count <= 1.1 * seed_words
    assert article.published == "2022-06-27"


def test_headline_prepended_by_trafilatura_is_dropped() -> None:
    article = extract_article(farm_page())  # without a URL trafilatura keeps the H1 in the text
    assert article is not None
    assert article.text.startswith("Returning to friendly countries")
    assert article.title == FARM_HEADLINE


def test_extract_article_matches_analyze_page(farm_analysis: PageAnalysis) -> None:
    assert extract_article(farm_page(), FARM_URL) == farm_analysis.article


# --- a conventional article and a listing ----------------------------------------------------


def test_news_article_metadata() -> None:
    article = extract_article(news_page(), NEWS_URL)
    assert isinstance(article, ArticleRecord)
    assert article.title == "Harbour channel dredging approved after three-year dispute"
    assert article.site_name == "The Daily Ledger"
    assert article.category == "Local"
    assert article.author == "Maria Keller"
    assert article.published is not None
    assert article.published.startswith("2024-03-12")
    assert article.language == "en"
    assert article.description == "The northern channel will be deepened by two metres."
    assert article.text.startswith("The harbour authority approved")
    assert "oyster beds" in article.text
    assert "Subscribe to our newsletter" not in article.text
    assert article.word_count > 200


def test_news_article_is_classified_article_without_url() -> None:
    assert analyze_page(news_page()).page_type == "article"


def test_home_page_is_a_listing() -> None:
    analysis = analyze_page(home_page(), "https://ledger.example/")
    assert analysis.page_type == "listing"
    assert analysis.article is None
    assert analysis.reason == "listing page"
    assert analysis.title == "News, sport and weather from the coast"


def test_listing_structure_alone_is_enough() -> None:
    tree = lxml.html.document_fromstring(home_page())
    assert classify_page(tree, None) == "listing"
    plain = lxml.html.document_fromstring(plain_listing_page())
    assert classify_page(plain, None) == "listing"
    assert classify_page(plain, "https://market.example/news/category/weekly/") == "listing"


def test_listing_urls_outweigh_a_thin_page() -> None:
    thin = "<html><body><p>Latest stories</p></body></html>"
    tree = lxml.html.document_fromstring(thin)
    for url in ["https://x.example/", "https://x.example/tag/harbour/", "https://x.example/page/3"]:
        assert classify_page(tree, url) == "listing"


def test_farm_article_without_metadata_is_an_article() -> None:
    tree = lxml.html.document_fromstring(farm_page())
    assert classify_page(tree, None) == "article"


# --- sniffing and decoding --------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj <html>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR<html><body>",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a<html>",
        b"PK\x03\x04<html><body>",
        b"\x1f\x8b\x08\x00<html>",
        b"<html><body>\x00\x01\x02 binary after all</body></html>",
        b"Just a plain text file.\nNo markup in it at all, only words < and > signs.",
        b"",
    ],
)
def test_looks_like_html_rejects(body: bytes) -> None:
    assert looks_like_html(body) is False


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
        b"  \n<HTML><BODY><P>upper case</P></BODY></HTML>",
        b"<div class='fragment'>only a div</div>",
        b"\xef\xbb\xbf<html><body>BOM first</body></html>",
        "\ufeff<html><body>UTF-16</body></html>".encode("utf-16-le"),
    ],
)
def test_looks_like_html_accepts(body: bytes) -> None:
    assert looks_like_html(body) is True


LATIN1_BODY = "<html><head><meta charset='utf-8'></head><body>Café São</body></html>".encode(
    "latin-1"
)


def test_decode_html_header_charset_beats_meta() -> None:
    assert "Café São" in decode_html(LATIN1_BODY, "ISO-8859-1")


def test_decode_html_meta_charset_used_without_header() -> None:
    body = "<html><head><meta charset='iso-8859-1'></head><body>Café</body></html>"
    assert "Café" in decode_html(body.encode("latin-1"))
    http_equiv = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "</head><body>Привет</body></html>"
    )
    assert "Привет" in decode_html(http_equiv.encode("cp1251"))


def test_decode_html_bom_wins() -> None:
    body = "\ufeff<html><body>Grüße</body></html>".encode("utf-16-le")
    assert decode_html(body, "iso-8859-1") == "<html><body>Grüße</body></html>"
    assert decode_html(b"\xef\xbb\xbf<p>\xc3\xa9</p>", "latin-1") == "<p>é</p>"


def test_decode_html_unknown_charsets_fall_back() -> None:
    body = "<html><body>naïve</body></html>".encode()
    assert "naïve" in decode_html(body, "x-no-such-charset")
    assert "naïve" in decode_html(body, "")
    bogus_meta = b"<meta charset='bogus-8'><p>na\xc3\xafve</p>"
    assert "naïve" in decode_html(bogus_meta, None)


def test_decode_html_never_raises_on_bad_bytes() -> None:
    text = decode_html(b"<p>\xff\xfe\xfa broken \xc3</p>", "utf-8")
    assert "broken" in text and "\ufffd" in text


# --- hostile and broken input -----------------------------------------------------------------

GARBAGE = {
    "empty": "",
    "whitespace": " \n\t ",
    "no body": "<html><head><title>Only a head</title></head></html>",
    "deep nesting": "<html><body>" + "<div>" * 10_000 + "deep" + "</div>" * 10_000 + "</body>",
    "unclosed nesting": "<p>" * 10_000 + "x",
    "nul bytes": "<html><body><p>" + "text\x00with\x00nuls " * 200 + "</p></body></html>",
    "huge title": "<html><head><title>" + "x" * 1_000_000 + "</title></head><body></body></html>",
    "huge split title": "<title>" + "a - " * 250_000 + "</title><h1>" + "h " * 50_000 + "</h1>",
    "xml declaration": "<?xml version='1.0' encoding='iso-8859-1'?><html><body><p>é</p></body>",
    "plain text": "no markup here at all",
    "lone surrogate": "<html><body><p>\ud800 text</p></body></html>",
    "frameset": "<frameset><frame src='a.html'></frameset>",
    "control chars": "\x01\x02\x03\x04",
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_never_raises(name: str) -> None:
    html = GARBAGE[name]
    analysis = analyze_page(html, "https://x.example/some-article-slug-here")
    assert analysis.page_type in {"article", "listing", "empty"}
    assert (analysis.page_type == "article") == (analysis.article is not None)
    article = extract_article(html)
    assert article is None or isinstance(article, ArticleRecord)
    tree = parse_html(html)
    if tree is not None:
        assert classify_page(tree, None) in {"article", "listing"}


def test_empty_and_non_html_reasons() -> None:
    assert analyze_page("") == PageAnalysis("empty", reason="empty document")
    assert analyze_page("plain words only").reason == "not HTML"
    no_text = analyze_page("<html><body><nav>Menu</nav></body></html>", "https://x.example/a")
    assert no_text.article is None
    assert no_text.reason in {"listing page", "no text extracted"}
    assert extract_article("") is None


def test_classify_page_on_trees_without_body() -> None:
    for html in ["<html><head><title>t</title></head></html>", "<div>fragment</div>"]:
        assert classify_page(lxml.html.fromstring(html), None) in {"article", "listing"}


# --- titles ------------------------------------------------------------------------------------


def test_clean_title_content_farm() -> None:
    parts = clean_title(FARM_TITLE, None, None)
    assert parts.title == FARM_HEADLINE
    assert parts.category == "Ranking of immigration countries"
    assert parts.site_name == "Job Recruitment Website"
    assert clean_title(FARM_TITLE, FARM_HEADLINE, "Job Recruitment Website") == parts


def test_clean_title_headline_then_site() -> None:
    parts = clean_title("Harbour dredging approved | The Daily Ledger", None, None)
    assert (parts.title, parts.category, parts.site_name) == (
        "Harbour dredging approved",
        None,
        "The Daily Ledger",
    )


def test_clean_title_site_category_headline() -> None:
    parts = clean_title("Ledger - Sport - Harbour rowing club wins the regatta", None, None)
    assert (parts.title, parts.category, parts.site_name) == (
        "Harbour rowing club wins the regatta",
        "Sport",
        "Ledger",
    )
    parts = clean_title("Site - Cat - Head", None, "Site")
    assert (parts.title, parts.category, parts.site_name) == ("Head", "Cat", "Site")


def test_clean_title_without_separators() -> None:
    assert clean_title("Just-a-title: no separators here", None, None).title == (
        "Just-a-title: no separators here"
    )
    parts = clean_title("  Spaced   out\n title ", None, "Ledger")
    assert (parts.title, parts.category, parts.site_name) == ("Spaced out title", None, "Ledger")


def test_clean_title_keeps_dash_in_headline_when_h1_says_so() -> None:
    title = "Biden - Xi summit ends without a deal | World | The Daily Ledger"
    parts = clean_title(title, "Biden - Xi summit ends without a deal", "The Daily Ledger")
    assert parts.title == "Biden - Xi summit ends without a deal"
    assert parts.category == "World"
    assert parts.site_name == "The Daily Ledger"


def test_clean_title_site_name_variants() -> None:
    assert clean_title("Headline text here - Ledger.com", None, "Ledger").title == (
        "Headline text here"
    )
    # a site name that contains a separator itself is not mistaken for a category
    parts = clean_title(
        "Story title - Remember 80/90 - Memorabilia", None, "Remember 80/90 - Memorabilia"
    )
    assert (parts.title, parts.category) == ("Story title", None)
    # a bare hostname as site name gives way to the site's own spelling in the title
    assert clean_title("Story title - News Nation", None, "newsnation.example").site_name == (
        "News Nation"
    )


def test_clean_title_logo_h1_and_missing_title() -> None:
    parts = clean_title("Real story headline | Ledger", "Ledger", "Ledger")
    assert parts.title == "Real story headline"
    assert clean_title(None, "Only an H1", None).title == "Only an H1"
    assert clean_title("Ledger", "The real headline", "Ledger").title == "The real headline"
    assert clean_title(None, None, None) == clean_title("", "  ", None)


# --- pickling for the process pool ------------------------------------------------------------


def test_results_are_picklable(farm_analysis: PageAnalysis) -> None:
    for value in [
        farm_analysis,
        analyze_page(home_page(), "https://ledger.example/"),
        analyze_page(""),
    ]:
        assert pickle.loads(pickle.dumps(value)) == value
    parts = clean_title(FARM_TITLE, None, None)
    assert pickle.loads(pickle.dumps(parts)) == parts
