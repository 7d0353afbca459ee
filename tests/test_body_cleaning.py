"""Body cleaning and the cheaper metadata finders in `extractors.article`, on small pages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import trafilatura
from trafilatura import metadata

from extractors import analyze_page
from extractors import article as article_module
from extractors.article import run_trafilatura, text_author, text_catstags
from extractors.body import clean_body, date_line, furniture_line, without_related_blocks
from extractors.html import parse_html

URL = "https://news.example/2024/03/12/harbour-dredging-plan-approved.html"
HEADLINE = "Harbour dredging plan approved after two-year fight"
PARAGRAPHS = [
    "The harbour authority approved on Tuesday a plan to dredge the northern channel, ending a "
    "two-year dispute between shipping companies and the fishermen who work its shallows.",
    "Under the plan, about 400,000 cubic metres of silt will be removed over three winters, "
    "when the channel carries the least traffic and the fish have moved to deeper water.",
    "The authority said the sand would be used to rebuild eroded beaches to the south, and "
    "that an independent panel would monitor the water quality every month of the work.",
    "Fishermen's groups, who had opposed an earlier plan that ran through the spawning season, "
    "said they were satisfied with the timetable but would watch the first winter closely.",
]
BODY = "\n".join(PARAGRAPHS)


def page(body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{HEADLINE} | Harbour News</title>
<meta property="og:type" content="article">{head}</head>
<body><article><h1>{HEADLINE}</h1>{body}</article></body></html>"""


def paragraphs_html(lines: list[str]) -> str:
    return "".join(f"<p>{line}</p>" for line in lines)


# --- clean_body: one line at a time -----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Related: Port cranes to be replaced next year",
        "[Related: Port cranes to be replaced next year]",
        "Read more: Port cranes to be replaced next year",
        "SEE ALSO: the harbour in pictures",
        "- Read more: a list item pointing elsewhere",
        "Sign up to our newsletter for the week's harbour news",
        "Get the latest updates right in your inbox.",
        "Thanks for signing up!",
        "There was an error processing your subscription.",
        "Subscribe to Harbour News on YouTube for more videos:",
        "Follow Harbour News on Facebook, Twitter and Instagram.",
        "Like this story? Share it with a friend!",
        "CLICK HERE TO GET THE HARBOUR NEWS APP",
        "Download our free app for the latest headlines",
        "Tell us what YOU think...",
        "Comments",
        "12 comments",
        "Tags",
        "Tags: harbour, dredging, fishing",
        "Keywords: Sandoval, Stonebridge, Science",
        "Previous: Granite Logistics opens a regional plant in Tidewater",
        "Next article: Ferry timetable changes for the winter",
        "上一篇：港口疏浚计划获批",
        "Filed under: Ports |",
        "Share this article",
        "Advertisement",
        "Order Reprints",
        "Print Article",
        "Explore further",
        "This article has been sent to",
        "Updated at 1:23 p.m.",
        "UPDATED: Tue., Nov. 19, 2019",
        "Published 18 November 2019",
        "Reading time: 3 minutes",
        "Tempo de leitura: 2 minutos",
        "4 min read",
        "Jane Roe contributed reporting from Rotterdam.",
        "Harbour News' John Doe contributed to this report.",
        "Additional reporting by Joseph Smith",
        "SOURCE: News agencies",
        "Write to Jane Roe at jane.roe@news.example",
        "Reach the reporter on Twitter at https://twitter.com/janeroe",
        "jane.roe@news.example",
        "2019-11-19T08:57:40+01:00",
        "https://cdn.news.example/images/harbour.jpg",
    ],
)
def test_furniture_lines_are_dropped(line: str) -> None:
    assert furniture_line(line)
    assert clean_body(f"{BODY}\n{line}") == BODY


@pytest.mark.parametrize(
    "line",
    [
        "Click here to get more information or download this game.",
        "Next up is the drum dance, performed with the smallest drums of the festival!",
        "(Reporting by Will Dunham; Editing by Tom Brown)",
        "More than 400 fishermen signed the petition against the first plan.",
        "The newsletter of the fishermen's union, read by about 3,000 members each month, had "
        "called the first plan an act of vandalism against the spawning grounds of the bay and "
        "the families who depend on them.",
        "Posted guards will watch the channel at night, the authority said, while the dredgers "
        "work through the winter months and until the first spring tides arrive in March.",
        "http://amzn.to/2iJFhRj",
        "www.harbour-museum.example",
    ],
)
def test_article_lines_are_kept(line: str) -> None:
    assert not furniture_line(line)
    text = f"{PARAGRAPHS[0]}\n{line}\n{PARAGRAPHS[1]}"
    assert clean_body(text) == text


def test_a_bare_date_goes_at_the_edges_only() -> None:
    assert date_line("sexta-feira, 22 de outubro de 2010 às 20:13")
    assert date_line("Friday, 22 October 2010 at 20:13")
    assert not date_line("22 fishermen")
    assert clean_body(f"Friday, 22 October 2010 at 20:13\n{BODY}") == BODY
    inside = f"{PARAGRAPHS[0]}\n{PARAGRAPHS[1]}\n4:14 p.m.\n{PARAGRAPHS[2]}\n{PARAGRAPHS[3]}"
    assert clean_body(inside) == inside


def test_headline_and_page_url_lines_are_dropped() -> None:
    text = f"{PARAGRAPHS[0]}\n{HEADLINE}\n{URL}\n{PARAGRAPHS[1]}"
    cleaned = clean_body(text, (HEADLINE,), (URL,))
    assert cleaned == f"{PARAGRAPHS[0]}\n{PARAGRAPHS[1]}"


def test_related_block_header_and_its_headlines_are_dropped() -> None:
    lines = [
        PARAGRAPHS[0],
        "DON'T MISS",
        "Port cranes to be replaced next year [INSIGHT]",
        "Ferry timetable changes for the winter",
        PARAGRAPHS[1],
        "You may also like...",
        "Who will run the harbour in 2025?",
    ]
    assert without_related_blocks(lines) == [PARAGRAPHS[0], PARAGRAPHS[1]]


def test_related_block_stops_at_a_sentence() -> None:
    lines = ["Most read", "Short sentence that ends with a period.", PARAGRAPHS[0]]
    assert without_related_blocks(lines) == lines[1:]


def test_nothing_left_keeps_the_text() -> None:
    assert clean_body("Advertisement\nComments") == "Advertisement\nComments"


def test_analyze_page_cleans_the_body() -> None:
    furniture = [
        "Updated at 1:23 p.m.",
        "Read more: Port cranes to be replaced next year",
        "Follow Harbour News on Facebook, Twitter and Instagram.",
        "Jane Roe contributed reporting from Rotterdam.",
    ]
    body = paragraphs_html([furniture[0], *PARAGRAPHS[:2], furniture[1], *PARAGRAPHS[2:]])
    html = page(body + paragraphs_html(furniture[2:]))
    analysis = analyze_page(html, URL)
    assert analysis.article is not None
    text = analysis.article.text
    assert all(paragraph in text for paragraph in PARAGRAPHS)
    assert not any(line in text for line in furniture)


# --- trafilatura in fast precision mode, with a fallback for stubs ---------------------------


def fake_runs(monkeypatch: pytest.MonkeyPatch, precise: str, default: str) -> list[bool]:
    calls: list[bool] = []

    def document(tree: Any, url: str | None, *, precision: bool) -> Any:
        calls.append(precision)
        return SimpleNamespace(text=precise if precision else default)

    monkeypatch.setattr(article_module, "trafilatura_document", document)
    return calls


def test_precision_run_is_enough_for_a_full_article(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_runs(monkeypatch, "word " * 150, "word " * 400)
    assert run_trafilatura(parse_html(page("")), URL).text == "word " * 150
    assert calls == [True]


def test_a_stub_falls_back_to_the_default_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_runs(monkeypatch, "word " * 30, "word " * 300)
    assert run_trafilatura(parse_html(page("")), URL).text == "word " * 300
    assert calls == [True, False]


def test_a_short_article_stays_short(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_runs(monkeypatch, "word " * 60, "word " * 80)
    assert run_trafilatura(parse_html(page("")), URL).text == "word " * 60


def test_run_matches_bare_extraction_in_the_same_mode() -> None:
    html = page(paragraphs_html(PARAGRAPHS * 2))
    expected = trafilatura.bare_extraction(
        parse_html(html), url=URL, include_comments=False, favor_precision=True, fast=True
    )
    found = run_trafilatura(parse_html(html), URL)
    assert found.text == expected.text
    other = run_trafilatura(parse_html(html), "https://other.example/a.html")
    assert other.text == expected.text  # the shared options template keeps no page's URL


# --- the byline, category and tag finders give trafilatura's answers -------------------------

AUTHOR_PAGES = [
    '<p class="byline">By <a rel="author" href="/authors/maria">Maria Keller</a></p>',
    '<div class="info"><span class="time">2024-05-23</span> <span class="author">Li</span></div>',
    '<div class="post-author-name">Jane Roe</div><span class="author">John Doe</span>',
    '<span itemprop="author"><span itemprop="name">Ana Lima</span></span>',
    '<div id="comments"><span class="author">A commenter</span></div><p class="byline">Jo Ng</p>',
    '<div class="byline">Jo Ng <time datetime="2024-03-12">12 March</time></div>',
    '<section class="sidebar"><span class="author">Sidebar Person</span></section>',
    '<div class="writer">https://news.example/staff/jo</div><span class="author">Jo Ng</span>',
    "<p>No byline on this page at all.</p>",
    '<span class="author">X</span><span class="authorName">Kim Park</span>',
]


@pytest.mark.parametrize("snippet", AUTHOR_PAGES)
def test_author_finder_agrees_with_trafilatura(snippet: str) -> None:
    tree = parse_html(page(snippet + paragraphs_html(PARAGRAPHS)))
    assert text_author(tree) == metadata.extract_author(tree)


CATEGORY_PAGES = [
    '<div class="entry-meta"><a href="/category/ports/">Ports</a></div>',
    '<span class="cat-links"><a href="/categories/ships/">Ships</a></span>',
    '<div class="tags"><a href="/tag/dredging/">dredging</a><a href="/tags/silt/">silt</a></div>',
    '<div class="meta"><a href="/section/ports/">Ports</a></div>',
    "",
]


@pytest.mark.parametrize("snippet", CATEGORY_PAGES)
@pytest.mark.parametrize("head", ["", '<meta property="article:section" content="Harbour">'])
@pytest.mark.parametrize("kind", ["category", "tag"])
def test_category_and_tag_finders_agree_with_trafilatura(
    snippet: str, head: str, kind: str
) -> None:
    tree = parse_html(page(snippet + paragraphs_html(PARAGRAPHS), head))
    assert text_catstags(kind, tree) == metadata.extract_catstags(kind, tree)


def test_sentences_about_newsletters_and_subscriptions_stay() -> None:
    for sentence in (
        "The newsletter, launched in 2019, now has 40,000 readers.",
        "Millions subscribe to Netflix in India.",
    ):
        assert not furniture_line(sentence)
    for prompt in ("Sign up for our daily newsletter", "Newsletter", "Subscribe to our newsletter"):
        assert furniture_line(prompt)
