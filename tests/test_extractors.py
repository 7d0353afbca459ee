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
    TitleParts,
    analyze_page,
    classify_page,
    clean_title,
    decode_html,
    extract_article,
    looks_like_html,
    split_title,
)
from extractors.article import iso_date
from extractors.html import parse_html
from extractors.meta import PageMeta, read_page_meta

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


def test_clean_title_with_markup_gives_way_to_the_h1() -> None:
    parts = clean_title("<script>alert(1)</script>", "Quiet story", None)
    assert parts.title == "Quiet story"
    assert clean_title("<b>Bold</b> claim", None, None).title == "<b>Bold</b> claim"


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


# --- title styles ------------------------------------------------------------------------------

HEADLINE = "Harbour channel dredging approved after three-year dispute"


def article_page(
    title: str | None,
    *,
    h1: str | None = None,
    head: str = "",
    header: str = "",
    footer: str = "",
) -> str:
    """A plain article page: `title`, extra `<head>` markup, an optional H1 and site chrome."""
    paragraphs = "\n".join(f"<p>{escape(text)}</p>" for text in NEWS_PARAGRAPHS)
    title_tag = "" if title is None else f"<title>{escape(title)}</title>"
    heading = "" if h1 is None else f"<h1>{escape(h1)}</h1>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">{title_tag}{head}</head>
<body><header>{header}</header>
<article>{heading}<div class="entry-content">{paragraphs}</div></article>
<footer>{footer}</footer></body></html>"""


def parts_of(html: str, url: str | None = None, **kwargs) -> tuple:
    analysis = analyze_page(html, url, **kwargs)
    assert analysis.article is not None, analysis.reason
    article = analysis.article
    return article.title, article.category, article.site_name


@pytest.mark.parametrize("with_h1", [True, False])
def test_title_site_category_headline(with_h1: bool) -> None:
    title = f"The Daily Ledger - Local news - {HEADLINE}"
    page = article_page(title, h1=HEADLINE if with_h1 else None)
    assert parts_of(page) == (HEADLINE, "Local news", "The Daily Ledger")
    assert analyze_page(page).article.raw_title == title


@pytest.mark.parametrize(
    "title",
    [f"{HEADLINE} | The Daily Ledger", f"{HEADLINE} - The Daily Ledger"],
)
def test_title_headline_then_site(title: str) -> None:
    assert clean_title(title, None, None) == TitleParts(HEADLINE, None, "The Daily Ledger")
    assert parts_of(article_page(title, h1=HEADLINE)) == (HEADLINE, None, "The Daily Ledger")


def test_title_site_then_headline() -> None:
    for separator in [" | ", " :: ", " ~ ", " » "]:
        title = f"Ledger{separator}Rates rise"
        parts = clean_title(title, None, None, host="www.ledger.example")
        assert (parts.title, parts.site_name) == ("Rates rise", "Ledger"), separator


def test_title_underscore_separators() -> None:
    assert split_title(f"{HEADLINE}_Job Recruitment Website") == [
        HEADLINE,
        "Job Recruitment Website",
    ]
    parts = clean_title(f"{HEADLINE}_Job Recruitment Website", None, None)
    assert (parts.title, parts.site_name) == (HEADLINE, "Job Recruitment Website")
    parts = clean_title("普京即将访问中亚_国际新闻_求职招聘网", None, None)
    assert parts == TitleParts("普京即将访问中亚", "国际新闻", "求职招聘网")
    parts = clean_title(f"{HEADLINE} _ Local news _ The Daily Ledger", None, None)
    assert parts == TitleParts(HEADLINE, "Local news", "The Daily Ledger")
    # spaced separators win: underscores inside words are then left alone
    assert split_title("Using snake_case names - Dev Blog") == [
        "Using snake_case names",
        "Dev Blog",
    ]
    assert split_title("How __init__ works") == ["How __init__ works"]
    assert split_title("Rename my_var safely") == ["Rename my_var safely"]  # snake_case
    assert split_title("Is it over?_Job Recruitment Website") == [
        "Is it over?",
        "Job Recruitment Website",
    ]
    assert split_title("港口疏浚计划获批-新闻网") == ["港口疏浚计划获批", "新闻网"]


def test_title_bracketed_category() -> None:
    title = f"【Local news】{HEADLINE} - The Daily Ledger"
    assert split_title(title) == ["Local news", HEADLINE, "The Daily Ledger"]
    assert clean_title(title, None, None) == TitleParts(HEADLINE, "Local news", "The Daily Ledger")
    parts = clean_title(f"[Sport] {HEADLINE}", None, "The Daily Ledger")
    assert parts == TitleParts(HEADLINE, "Sport", "The Daily Ledger")
    assert clean_title("【视频】港口疏浚计划获批", None, None).title == "港口疏浚计划获批"


def test_title_headline_with_its_own_separators() -> None:
    colon = "Brexit: what happens next for the harbour"
    assert clean_title(f"{colon} - The Daily Ledger", None, None).title == colon
    dashed = "Biden - Xi summit ends without a deal"
    title = f"{dashed} | The Daily Ledger"
    page = article_page(title, head=f'<meta property="og:title" content="{dashed}">')
    assert parts_of(page)[0] == dashed
    assert clean_title(title, None, None, headline=dashed).title == dashed
    # an og:title repeating the whole <title> is no hint: it would keep the category
    title = f"{HEADLINE} _ Local news _ The Daily Ledger"
    parts = clean_title(title, None, "The Daily Ledger", og_title=title)
    assert parts == TitleParts(HEADLINE, "Local news", "The Daily Ledger")


def test_title_site_name_from_the_host_only() -> None:
    title = "Rates rise | Harbour Ledger Online"
    assert clean_title(title, None, None).title == "Harbour Ledger Online"  # longest: wrong
    parts = clean_title(title, None, None, host="www.harbour-ledger-online.example")
    assert (parts.title, parts.site_name) == ("Rates rise", "Harbour Ledger Online")
    url = "https://harbourledgeronline.co.uk/2024/03/12/rates-rise"
    assert parts_of(article_page(title), url) == ("Rates rise", None, "Harbour Ledger Online")


def test_title_jsonld_headline_without_h1() -> None:
    title = "Ledger - Ranking of immigration countries in Europe - Visa rules change"
    assert clean_title(title, None, None).title == "Ranking of immigration countries in Europe"
    jsonld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Visa rules change"}</script>'
    )
    assert parts_of(article_page(title, head=jsonld)) == (
        "Visa rules change",
        "Ranking of immigration countries in Europe",
        "Ledger",
    )


def test_title_h1_that_is_the_logo() -> None:
    title = "Visa rules change | Ledger"
    assert clean_title(title, "Ledger", None).title == "Ledger"  # no sign it is the logo
    assert clean_title(title, "Ledger", None, logo="Ledger").title == "Visa rules change"
    assert clean_title(title, "Ledger", None, host="ledger.example").title == "Visa rules change"
    page = article_page(None, h1=HEADLINE).replace(
        "<header></header>", '<header><h1 class="site-logo"><a href="/">Ledger</a></h1></header>'
    )
    page = page.replace("<head>", f"<head><title>{HEADLINE} | Ledger</title>")
    assert parts_of(page) == (HEADLINE, None, "Ledger")
    # several H1s: the site's is skipped, the story's is used
    title = "Ledger | Visa | rules change"
    assert clean_title(title, None, "Ledger").title == "rules change"
    parts = clean_title(title, None, "Ledger", h1s=["Ledger", "Visa | rules change"])
    assert (parts.title, parts.site_name) == ("Visa | rules change", "Ledger")


def test_title_known_affixes_are_never_the_headline() -> None:
    title = "Ranking of immigration countries - Visa rules change - Ledger"
    assert clean_title(title, None, None).title == "Ranking of immigration countries"
    affixes = ["Ranking of immigration countries", "Ledger"]
    parts = clean_title(title, None, None, known_affixes=affixes)
    assert parts == TitleParts("Visa rules change", "Ranking of immigration countries", "Ledger")
    # even when an H1 names the affix (a category heading on the page)
    assert clean_title(title, affixes[0], None, known_affixes=affixes).title == "Visa rules change"
    assert parts_of(article_page(title), site_affixes=affixes)[0] == "Visa rules change"
    assert extract_article(article_page(title), site_affixes=affixes).title == "Visa rules change"


def test_title_breadcrumb_and_copyright_signals() -> None:
    title = "Ranking of immigration countries - Visa rules change - Ledger"
    crumbs = ["Home", "Ranking of immigration countries"]
    parts = clean_title(title, None, None, breadcrumb=crumbs)
    assert parts == TitleParts("Visa rules change", "Ranking of immigration countries", "Ledger")
    title = "Visa rules change - Job Recruitment Website Worldwide"
    copyright = "Copyright 2022 Job Recruitment Website Worldwide. All rights reserved."
    parts = clean_title(title, None, None, copyright=copyright)
    assert (parts.title, parts.site_name) == (
        "Visa rules change",
        "Job Recruitment Website Worldwide",
    )


def test_title_site_name_sources() -> None:
    # a title segment the publisher names beats an og:site_name the title never mentions
    parts = clean_title("Oil drifts lower - Reuters", None, "U.S.", publisher="Reuters")
    assert parts.site_name == "Reuters"
    # without a site segment in the title, application-name / publisher name the site
    assert clean_title("Oil drifts lower", None, None, application_name="Oilwatch").site_name == (
        "Oilwatch"
    )
    assert clean_title("Oil drifts lower", None, None, publisher="Reuters").site_name == "Reuters"
    # an H1 and og:title agreeing on a headline the SEO <title> does not hold
    parts = clean_title(
        "Oil down", None, None, h1s=["Oil prices slide"], og_title="Oil prices slide"
    )
    assert parts.title == "Oil prices slide"


def test_split_title() -> None:
    assert split_title(FARM_TITLE) == [
        "Job Recruitment Website",
        "Ranking of immigration countries",
        FARM_HEADLINE,
    ]
    assert split_title("  Just  one\ttitle ") == ["Just one title"]
    assert split_title("|Headline|") == ["Headline"]
    assert split_title(None) == [] and split_title("") == []


# --- metadata ----------------------------------------------------------------------------------

JOBS_URL = "https://jobs.example/ranking/visa-rules-change.html"
GRAPH_JSONLD = """{"@context": "https://schema.org", "@graph": [
 {"@type": "Organization", "@id": "https://jobs.example/#org", "name": "Job Recruitment Website"},
 {"@type": "WebSite", "@id": "https://jobs.example/#website", "name": "Jobs",
  "publisher": {"@id": "https://jobs.example/#org"}},
 {"@type": "WebPage", "@id": "https://jobs.example/visa/#webpage", "name": "Visa page",
  "datePublished": "2000-01-01", "breadcrumb": {"@id": "https://jobs.example/visa/#crumbs"}},
 {"@type": "BreadcrumbList", "@id": "https://jobs.example/visa/#crumbs", "itemListElement": [
  {"@type": "ListItem", "position": 2, "name": "Ranking of immigration countries",
   "item": "https://jobs.example/ranking/"},
  {"@type": "ListItem", "position": 1, "item": {"@id": "https://jobs.example/", "name": "Home"}},
  {"@type": "ListItem", "position": 3, "name": "Visa rules change"}]},
 {"@type": ["Article", "NewsArticle"], "@id": "https://jobs.example/visa/#article",
  "headline": "Visa rules change", "datePublished": "2022-06-27T08:00:00+00:00",
  "dateModified": "2022-06-28T10:30:00Z",
  "author": [{"@id": "https://jobs.example/#/person/1"}, {"@type": "Person", "name": "Li Wei"}],
  "publisher": {"@id": "https://jobs.example/#org"}, "image": {"@id": "https://jobs.example/#img"},
  "keywords": ["visa", "immigration", "Visa"],
  "articleSection": ["Ranking of immigration countries"]},
 {"@type": "ImageObject", "@id": "https://jobs.example/#img", "url": "https://jobs.example/visa.jpg"},
 {"@type": "Person", "@id": "https://jobs.example/#/person/1", "name": "Maria &amp; Keller"}
]}"""


def jsonld_script(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


def page_meta(html: str) -> PageMeta:
    tree = parse_html(html)
    assert tree is not None
    return read_page_meta(tree)


def test_jsonld_graph_page_meta() -> None:
    title = "Visa rules change - Ranking of immigration countries - Job Recruitment Website"
    meta = page_meta(article_page(title, head=jsonld_script(GRAPH_JSONLD)))
    assert meta.jsonld_headline == "Visa rules change"
    assert meta.jsonld_author == "Maria & Keller, Li Wei"
    assert meta.jsonld_published == "2022-06-27T08:00:00+00:00"
    assert meta.jsonld_modified == "2022-06-28T10:30:00Z"
    assert meta.jsonld_publisher == "Job Recruitment Website"
    assert meta.jsonld_section == "Ranking of immigration countries"
    assert meta.jsonld_keywords == ["visa", "immigration"]
    assert meta.image == "https://jobs.example/visa.jpg"
    assert meta.breadcrumb == ["Home", "Ranking of immigration countries", "Visa rules change"]
    assert {"Article", "NewsArticle", "BreadcrumbList"} <= set(meta.jsonld_types)


def test_jsonld_graph_page_article() -> None:
    title = "Visa rules change - Ranking of immigration countries - Job Recruitment Website"
    head = jsonld_script(GRAPH_JSONLD) + '<link rel="canonical" href="/visa-rules-change/">'
    article = extract_article(article_page(title, head=head), JOBS_URL)
    assert article is not None
    assert (article.title, article.category, article.site_name) == (
        "Visa rules change",
        "Ranking of immigration countries",
        "Job Recruitment Website",
    )
    assert article.raw_title == title
    assert article.author == "Maria & Keller, Li Wei"
    assert article.published == "2022-06-27T08:00:00+00:00"
    assert article.modified == "2022-06-28T10:30:00+00:00"
    assert article.image == "https://jobs.example/visa.jpg"
    assert article.canonical_url == "https://jobs.example/visa-rules-change/"
    assert article.tags == ["visa", "immigration"]
    assert article.categories == ["Ranking of immigration countries"]


def test_jsonld_main_entity_and_lists() -> None:
    nested = """[{"@type": "WebSite", "name": "Ledger"},
      {"@type": "WebPage", "mainEntity": {"@type": "BlogPosting", "headline": "Rates rise",
       "author": "By Jane Doe", "publisher": {"@type": "Organization", "name": "Ledger Media"},
       "image": ["https://ledger.example/a.jpg", "https://ledger.example/b.jpg"],
       "keywords": "rates, banks; economy", "articleSection": "Business"}}]"""
    meta = page_meta(article_page("Rates rise", head=jsonld_script(nested)))
    assert meta.jsonld_headline == "Rates rise"
    assert meta.jsonld_author == "By Jane Doe"
    assert meta.jsonld_publisher == "Ledger Media"
    assert meta.image == "https://ledger.example/a.jpg"
    assert meta.jsonld_keywords == ["rates", "banks", "economy"]
    assert meta.jsonld_section == "Business"
    article = extract_article(article_page("Rates rise", head=jsonld_script(nested)))
    assert article is not None
    assert article.author == "Jane Doe"
    assert article.site_name == "Ledger Media"


OPENGRAPH_HEAD = """
<meta property="og:type" content="article">
<meta property="og:title" content="Visa rules change">
<meta property="og:site_name" content="Ledger">
<meta property="og:url" content="https://ledger.example/visa">
<meta property="og:image" content="//cdn.ledger.example/visa.jpg">
<meta property="og:description" content="New rules from June.">
<meta property="og:updated_time" content="2024-03-13">
<meta property="article:published_time" content="2024-03-12T09:30:00Z">
<meta property="article:section" content="Politics">
<meta property="article:tag" content="visa">
<meta property="article:tag" content="immigration">
<meta property="article:author" content="https://facebook.example/maria">
"""


def test_opengraph_only_page() -> None:
    meta = page_meta(article_page(None, head=OPENGRAPH_HEAD))
    assert meta.title is None and meta.og_title == "Visa rules change"
    assert meta.site_name == "Ledger"
    assert meta.canonical_url == "https://ledger.example/visa"
    assert meta.image == "//cdn.ledger.example/visa.jpg"
    assert meta.description == "New rules from June."
    assert meta.modified_time == "2024-03-13"
    assert meta.published_time == "2024-03-12T09:30:00Z"
    assert meta.keywords == ["visa", "immigration"]
    assert meta.author_meta is None  # a profile URL is not a name
    article = extract_article(article_page(None, head=OPENGRAPH_HEAD))
    assert article is not None
    assert (article.title, article.category, article.site_name) == (
        "Visa rules change",
        "Politics",
        "Ledger",
    )
    assert article.raw_title is None
    assert article.url == article.canonical_url == "https://ledger.example/visa"
    assert article.image == "https://cdn.ledger.example/visa.jpg"
    assert article.description == "New rules from June."
    assert article.published == "2024-03-12T09:30:00+00:00"
    assert article.modified == "2024-03-13"
    assert article.tags == ["visa", "immigration"]
    assert article.categories == ["Politics"]


META_HEAD = """
<meta name="description" content="New visa rules from June.">
<meta name="author" content="Maria Keller">
<meta name="keywords" content="visa, immigration; work permits">
<meta name="application-name" content="Ledger">
<link rel="alternate canonical" href="https://ledger.example/visa">
"""
META_CRUMBS = (
    '<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/politics/">Politics</a></nav>'
)


def test_meta_only_page() -> None:
    html = article_page(
        "Visa rules change | Ledger",
        h1="Visa rules change",
        head=META_HEAD,
        header=META_CRUMBS,
        footer="<p>About us</p><p>© 2024 Ledger Media. All rights reserved.</p>",
    )
    meta = page_meta(html)
    assert meta.description == "New visa rules from June."
    assert meta.author_meta == "Maria Keller"
    assert meta.keywords == ["visa", "immigration", "work permits"]
    assert meta.application_name == meta.site_name == "Ledger"
    assert meta.canonical_url == "https://ledger.example/visa"
    assert meta.breadcrumb == ["Home", "Politics"]
    assert meta.h1s == ["Visa rules change"]
    assert meta.copyright == "© 2024 Ledger Media. All rights reserved."
    assert meta.jsonld_headline is None and meta.jsonld_types == []
    article = extract_article(html, "https://ledger.example/visa?utm=x")
    assert article is not None
    assert (article.title, article.category, article.site_name) == (
        "Visa rules change",
        "Politics",
        "Ledger",
    )
    assert article.author == "Maria Keller"
    assert article.description == "New visa rules from June."
    assert article.tags == ["visa", "immigration", "work permits"]
    assert article.categories == ["Politics"]
    assert article.url == "https://ledger.example/visa?utm=x"
    assert article.canonical_url == "https://ledger.example/visa"


def test_breadcrumb_class_on_a_page_wrapper_is_ignored() -> None:
    links = "".join(f'<a href="/x/{i}">Link number {i} in a long body</a>' for i in range(8))
    html = f"""<html><body class="has-breadcrumbs"><div>{links}{"text " * 200}</div>
    <ol aria-label="Breadcrumb"><li><a href="/">Home</a></li><li><a href="/w/">World</a></li></ol>
    </body></html>"""
    assert page_meta(html).breadcrumb == ["Home", "World"]


BROKEN_JSONLD = {
    "comments and trailing commas": """{"@type": "NewsArticle", // a comment
        "headline": "Visa rules
        change", "author": {"@type": "Person", "name": "Maria Keller",},
        "datePublished": "2024-03-12",}""",
    "single quotes": """{"@type": "NewsArticle", "description": 'oops',
        "headline": "Visa rules change", "datePublished": "2024-03-12",
        "author": {"@type": "Person", "name": "Maria Keller"}}""",
    "two objects and a semicolon": """{"@type": "WebSite", "name": "Ledger"};
        {"@type": "NewsArticle", "headline": "Visa rules change", "datePublished": "2024-03-12",
         "author": {"name": "Maria Keller"}}""",
    "html comment wrapper": """<!-- {"@type": "NewsArticle", "headline": "Visa rules change",
        "datePublished": "2024-03-12", "author": "Maria Keller"} -->""",
}


@pytest.mark.parametrize("name", list(BROKEN_JSONLD))
def test_broken_jsonld_still_gives_its_fields(name: str) -> None:
    meta = page_meta(article_page("Visa rules change", head=jsonld_script(BROKEN_JSONLD[name])))
    assert meta.jsonld_headline == "Visa rules change"
    assert meta.jsonld_published == "2024-03-12"
    assert meta.jsonld_author == "Maria Keller"
    assert "NewsArticle" in meta.jsonld_types


@pytest.mark.parametrize(
    "text",
    ["", "   ", "{{{{", "[" * 100_000, '{"@graph": ' * 5000, "null", "42", '"x"', "[1, [2]]"],
)
def test_garbage_jsonld_never_raises(text: str) -> None:
    html = article_page("Visa rules change", head=jsonld_script(text))
    meta = page_meta(html)
    assert meta.jsonld_headline is None
    assert analyze_page(html).page_type in {"article", "listing", "empty"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-12", "2024-03-12"),
        ("2024-03-12T09:30:00Z", "2024-03-12T09:30:00+00:00"),
        ("2024-03-12T09:30:00.000+0100", "2024-03-12T09:30:00+01:00"),
        ("2024-03-12 09:30", "2024-03-12T09:30:00"),
        ("Tue, 12 Mar 2024 09:30:00 GMT", "2024-03-12T09:30:00+00:00"),
        ("2024/3/12", "2024-03-12"),
        ("2024/03/12 9:30 Uhr", "2024-03-12"),
        ("12 March 2024", None),
        ("1970-01-01", None),
        ("2024-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_date(value: str | None, expected: str | None) -> None:
    assert iso_date(value) == expected


def test_declared_date_gains_the_time_another_tag_gives() -> None:
    head = (
        jsonld_script('{"@type": "NewsArticle", "datePublished": "2024-03-12"}')
        + '<meta property="article:published_time" content="2024-03-12T09:30:00+00:00">'
    )
    article = extract_article(article_page("Visa rules change", head=head))
    assert article is not None
    assert article.published == "2024-03-12T09:30:00+00:00"


def test_author_that_is_the_publisher_is_no_author() -> None:
    jsonld = (
        '{"@type": "NewsArticle", "author": {"@type": "Organization", "name": "BBC News"},'
        '"publisher": {"@type": "Organization", "name": "BBC News"}}'
    )
    article = extract_article(
        article_page("Visa rules change - BBC News", head=jsonld_script(jsonld))
    )
    assert article is not None
    assert article.site_name == "BBC News"
    assert article.author is None


def test_article_record_positional_construction_and_pickling() -> None:
    record = ArticleRecord("u", "t", "text", "s", "c", "a", "2024-03-12", "en", "d")
    assert (record.raw_title, record.modified, record.image, record.canonical_url) == (None,) * 4
    meta = page_meta(article_page("Visa rules change", head=jsonld_script(GRAPH_JSONLD)))
    assert pickle.loads(pickle.dumps(meta)) == meta


def test_feed_title_tells_the_headline_when_the_page_cannot() -> None:
    paragraphs = "".join(
        f"<p>Leaders met for the {n}th round of talks in the capital on Tuesday, officials "
        f"said, and agreed to keep the trade corridor open for another {n} months.</p>"
        for n in range(2, 9)
    )
    html = (
        "<html lang='en'><head><title>Job Site - Visa tips - Biden - Xi summit ends</title>"
        "<meta property='og:type' content='article'></head>"
        f"<body><article>{paragraphs}</article></body></html>"
    )
    url = "http://jobsite.example/news/1.html"
    hinted = analyze_page(html, url, feed_title="Biden - Xi summit ends")
    assert hinted.article is not None
    assert hinted.article.title == "Biden - Xi summit ends"
    assert hinted.article.category == "Visa tips"


LINKY_BODY = """<html><body> Lead text <!-- a comment --> tail
<p>Para <a href=/a>link <b>bold</b></a> after</p><script>var x = "<a>not</a>";</script>
<noscript><style>.a{}</style><a href=/n>hidden link</a></noscript><template>tpl</template>
<svg><text>svg</text></svg><div><a href=/b> spaced   link </a>
</div><a href=/c><a href=/d>nested</a>tail</a>
<a href=/e><div>one<a href=/f>two <span><a href=/g>three</a></span></a></div></a></body></html>"""


@pytest.mark.parametrize("html", [LINKY_BODY, "<html><body></body></html>", "<p>fragment</p>"])
def test_text_and_link_chars_are_those_of_itertext(html: str) -> None:
    from extractors.pagetype import TEXT_SKIP_TAGS, body_of, text_and_link_chars

    def stripped(texts) -> int:
        return sum(len(text.strip()) for text in texts)

    body = body_of(parse_html(html))
    text_chars = stripped(body.itertext())
    for hidden in body.iter(*TEXT_SKIP_TAGS):
        text_chars -= stripped(hidden.itertext())
    link_chars = stripped(text for link in body.iter("a") for text in link.itertext())
    assert text_and_link_chars(body) == (max(text_chars, 0), link_chars)
    assert text_chars > 0 or "fragment" not in html


def test_every_parsed_element_is_an_html_element_with_its_text() -> None:
    tree = parse_html(
        "<html><body><form><label>Find</label><input name=q><select><option>All</option>"
        "</select><textarea>Say</textarea></form><p>Body <b>text</b></p></body></html>"
    )
    assert tree is not None
    assert all(isinstance(element, lxml.html.HtmlElement) for element in tree.iter())
    assert tree.body.text_content() == "FindAllSayBody text"
    assert [element.tag for element in tree.cssselect("form > *")] == [
        "label",
        "input",
        "select",
        "textarea",
    ]


@pytest.mark.parametrize("text", ["", "one", "one two three", "a, b; c\nd", "x " * 150, None])
def test_has_words_tells_whether_a_text_has_that_many_words(text: str | None) -> None:
    from types import SimpleNamespace

    from extractors.article import has_words, word_count

    document = SimpleNamespace(text=text)
    for count in (0, 1, 3, 4, 100, 150, 151):
        assert has_words(document, count) == (word_count(document) >= count)
    assert has_words(None, 0) and not has_words(None, 1)


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="windows-1251">',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        '<meta charset="utf-16">',
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
    ],
)
def test_a_decoded_page_keeps_its_text_whatever_charset_it_declares(declaration: str) -> None:
    text = "Привет мир, café, 日本語 “quotes” — €"
    tree = parse_html(f"<html><head>{declaration}</head><body><p>{text}</p></body></html>")
    assert tree is not None and tree.findtext(".//p") == text


@pytest.mark.parametrize("bad", ["\x00", "\x0b", "\x1f", "\ud800", "\ufffe", "\uffff"])
def test_characters_libxml2_refuses_are_dropped_before_parsing(bad: str) -> None:
    tree = parse_html(f"<html><body><p>caf{bad}é “ok”</p><p>x{bad * 3}y</p></body></html>")
    assert tree is not None
    assert [p.text for p in tree.iter("p")] == ["café “ok”", "xy"]
