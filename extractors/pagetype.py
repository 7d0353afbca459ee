"""Is a page one article, or a listing of many? Cheap structural scoring, no extraction."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from extractors.meta import PageMeta, read_page_meta

ARTICLE = "article"
LISTING = "listing"

# fmt: off
ARTICLE_JSONLD_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
    "OpinionNewsArticle", "ReviewNewsArticle", "BackgroundNewsArticle", "LiveBlogPosting",
    "TechArticle", "ScholarlyArticle", "Report",
})
# fmt: on
LISTING_JSONLD_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage"})

LISTING_PATH_RE = re.compile(
    r"/(?:category|categories|tag|tags|topic|topics|section|sections|archive|archives|author"
    r"|authors|page|search|label|feed)(?:/|$)|/page/\d+/?$",
    re.IGNORECASE,
)
HOME_PATH_RE = re.compile(r"^/(?:index\.(?:html?|php|aspx?)|default\.aspx?)?$", re.IGNORECASE)
LISTING_QUERY_RE = re.compile(r"(?:^|&)(?:page|paged|p|s|q|cat|tag)=", re.IGNORECASE)
DATED_PATH_RE = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)")
SLUG_WORD_RE = re.compile(r"[^\W_]+")
SLUG_MIN_WORDS = 4
ARTICLE_ID_RE = re.compile(r"\d{5,}|[-_/]\d+\.html?$", re.IGNORECASE)

LONG_PARAGRAPH_CHARS = 150
# fmt: off
BLOCK_TAGS = frozenset({
    "br", "p", "div", "section", "article", "aside", "header", "footer", "nav", "ul", "ol", "li",
    "table", "form", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "hr", "pre",
    "dl", "main", "script", "style", "noscript", "iframe", "img", "video", "select",
})
CONTENT_CLASSES = frozenset({
    "entry-content", "post-content", "article-body", "article-content", "articlebody",
    "story-body", "post-body", "article__body", "article-text", "story-content", "single-post",
})
# fmt: on
TEXT_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg"})
MAX_SCANNED_ELEMENTS = 50_000


@dataclass
class PageSignals:
    """Counts the score is computed from; kept separate so the scoring can be tested and tuned."""

    long_paragraphs: int = 0
    long_paragraph_chars: int = 0
    best_paragraph_run: int = 0
    paragraph_runs: int = 0
    article_elements: int = 0
    content_containers: int = 0
    headline_links: int = 0
    text_chars: int = 0
    link_chars: int = 0

    @property
    def link_density(self) -> float:
        return self.link_chars / self.text_chars if self.text_chars else 1.0


def classify_page(tree: HtmlElement, url: str | None, meta: PageMeta | None = None) -> str:
    """Return "article" or "listing" from cheap signals; score > 0 means article.

    Metadata (what the page claims):
      +3  og:type is "article" (or another non-"website" type such as "blog"/"news")
      +3  JSON-LD @type NewsArticle/Article/BlogPosting/ReportageNewsArticle/...
      +2  article:published_time meta
      -3  JSON-LD @type CollectionPage/ItemList/SearchResultsPage
      -1  og:type "website" with no article JSON-LD
    URL (what the address suggests):
      -4  home page: path "/" or empty (and no query)
      -3  /category/, /tag/, /topic/, /section/, /archive/, /author/, /search/, /page/N, index.html
      -1  ?page= / ?s= / ?q= / ?tag= query
      +1  dated path (/2019/11/...), a long slug (4+ words) or a numeric article id
    Structure (what the body looks like):
      +2  ≥ 3 long paragraphs (≥ 150 chars) side by side under one parent (+3 when ≥ 6)
      +1  ≥ 1500 chars of long-paragraph text
      +1  exactly one `<article>` element
      +1  one or two article-body containers (itemprop=articleBody, class entry-content,
          article-body, story-body, ...)
      -2  ≥ 6 `<article>` elements, -2 more with ≥ 12 and no paragraph run of 6
      -3  ≥ 3 separate runs of 3+ long paragraphs and ≥ 3 `<article>` elements (full posts)
      -2  ≥ 12 links inside h2-h4 headings with no run of 3 long paragraphs
      -2  link density > 0.5 (-1 when > 0.35)
      -2  body text shorter than 500 chars with no long paragraph

    Pages with no body or no text score from metadata and URL alone; ties go to "listing".
    Element scans stop after 50,000 elements so huge pages stay cheap.
    """
    if meta is None:
        meta = read_page_meta(tree)
    score = metadata_score(meta) + url_score(url) + structure_score(page_signals(tree))
    return ARTICLE if score > 0 else LISTING


def metadata_score(meta: PageMeta) -> int:
    types = set(meta.jsonld_types)
    score = 0
    if meta.og_type and meta.og_type not in {"website", "object", "profile"}:
        score += 3
    elif meta.og_type == "website" and not types & ARTICLE_JSONLD_TYPES:
        score -= 1
    if types & ARTICLE_JSONLD_TYPES:
        score += 3
    if types & LISTING_JSONLD_TYPES:
        score -= 3
    if meta.published_time:
        score += 2
    return score


def url_score(url: str | None) -> int:
    if not url:
        return 0
    try:
        parts = urlsplit(url)
    except ValueError:
        return 0
    path = parts.path or "/"
    if HOME_PATH_RE.match(path) and not parts.query:
        return -4
    score = 0
    if LISTING_PATH_RE.search(path):
        score -= 3
    if parts.query and LISTING_QUERY_RE.search(parts.query):
        score -= 1
    if DATED_PATH_RE.search(path) or is_slug(path) or ARTICLE_ID_RE.search(path):
        score += 1
    return score


def is_slug(path: str) -> bool:
    """True when the last path segment reads like a headline: 4+ words joined by - or _."""
    last = path.rstrip("/").rpartition("/")[2]
    return ("-" in last or "_" in last) and len(SLUG_WORD_RE.findall(last)) >= SLUG_MIN_WORDS


def structure_score(signals: PageSignals) -> int:
    score = 0
    if signals.best_paragraph_run >= 6:
        score += 3
    elif signals.best_paragraph_run >= 3:
        score += 2
    if signals.long_paragraph_chars >= 1500:
        score += 1
    if signals.article_elements == 1:
        score += 1
    if 1 <= signals.content_containers <= 2:
        score += 1
    if signals.article_elements >= 6:
        score -= 2
        if signals.article_elements >= 12 and signals.best_paragraph_run < 6:
            score -= 2
    if signals.paragraph_runs >= 3 and signals.article_elements >= 3:
        score -= 3  # several full posts, each in its own <article>: a blog front page
    if signals.headline_links >= 12 and signals.best_paragraph_run < 3:
        score -= 2
    if signals.link_density > 0.5:
        score -= 2
    elif signals.link_density > 0.35:
        score -= 1
    if signals.text_chars < 500 and not signals.long_paragraphs:
        score -= 2
    return score


def page_signals(tree: HtmlElement) -> PageSignals:
    body = body_of(tree)
    if body is None:
        return PageSignals()
    signals = PageSignals()
    runs: dict[HtmlElement, int] = {}
    for index, element in enumerate(body.iter("p", "div", "article", "section", "main")):
        if index >= MAX_SCANNED_ELEMENTS:
            break
        if element.tag == "article":
            signals.article_elements += 1
        if element.tag != "p" and is_content_container(element):
            signals.content_containers += 1
        if element.tag not in {"p", "div"}:
            continue
        lengths = paragraph_lengths(element)
        if not lengths:
            continue
        signals.long_paragraphs += len(lengths)
        signals.long_paragraph_chars += sum(lengths)
        container = paragraph_container(element, len(lengths))
        runs[container] = runs.get(container, 0) + len(lengths)
    signals.best_paragraph_run = max(runs.values(), default=0)
    signals.paragraph_runs = sum(run >= 3 for run in runs.values())
    signals.headline_links = len(body.xpath("(.//h2 | .//h3 | .//h4)//a[@href]"))
    signals.text_chars, signals.link_chars = text_and_link_chars(body)
    return signals


def body_of(tree: HtmlElement) -> HtmlElement | None:
    """The `<body>` of a document, or the element itself when given a fragment."""
    if not isinstance(tree.tag, str):
        return None
    if tree.tag in {"html", "head"}:
        return tree.find("body")
    return tree


def is_content_container(element: HtmlElement) -> bool:
    """An element marked up as an article's body (schema.org itemprop or a CMS class name)."""
    if element.get("itemprop") == "articleBody":
        return True
    classes = element.get("class")
    return bool(classes) and not CONTENT_CLASSES.isdisjoint(classes.lower().split())


def paragraph_lengths(element: HtmlElement) -> list[int]:
    """Lengths of the long paragraphs an element holds directly.

    A `<p>` is one paragraph; a `<div>` counts the long runs of its own text between block
    children and `<br>`s (the way content farms often write), inline children included.
    """
    if element.tag == "p":
        length = len(element.text_content().strip())
        return [length] if length >= LONG_PARAGRAPH_CHARS else []
    chunks, current = [], len((element.text or "").strip())
    for child in element:
        if not isinstance(child.tag, str) or child.tag in BLOCK_TAGS:
            chunks.append(current)
            current = 0
        else:
            current += len(child.text_content().strip())
        current += len((child.tail or "").strip())
    chunks.append(current)
    return [length for length in chunks if length >= LONG_PARAGRAPH_CHARS]


def paragraph_container(element: HtmlElement, paragraphs: int) -> HtmlElement:
    """The element a paragraph's siblings share, looking through one-child wrappers.

    A `<div>` holding several `<br>`-separated paragraphs is its own container; a paragraph
    wrapped alone in a `<div>` (as many CMSs do) belongs to the wrapper's parent.
    """
    if element.tag == "div" and paragraphs > 1:
        return element
    node, container = element, element.getparent()
    for _ in range(2):
        if container is None or not is_only_child(node):
            break
        parent = container.getparent()
        if parent is None:
            break
        node, container = container, parent
    return container if container is not None else element


def is_only_child(element: HtmlElement) -> bool:
    """O(1), unlike `len(parent) == 1`, which walks all of lxml's children."""
    return element.getprevious() is None and element.getnext() is None


# Text nodes as plain strings, in C: no Python element for each of a page's ~1,000 nodes.
TEXT_NODES = etree.XPath(".//text()", smart_strings=False)


@functools.lru_cache(maxsize=8)
def link_text_nodes(depth: int) -> etree.XPath:
    """The text nodes inside at least `depth` nested links."""
    return etree.XPath("." + "//a" * depth + "//text()", smart_strings=False)


def text_and_link_chars(body: HtmlElement) -> tuple[int, int]:
    """Visible text length of the body (without scripts/styles) and the part of it in links
    (a link's text counted once for each link it is in, as summing each link's text does)."""
    text_chars = stripped_length(TEXT_NODES(body))
    for hidden in body.iter(*TEXT_SKIP_TAGS):
        text_chars -= stripped_length(TEXT_NODES(hidden))
    link_chars, depth = 0, 1
    while nodes := link_text_nodes(depth)(body):  # nested links are rare: one more query
        link_chars += stripped_length(nodes)
        depth += 1
    return max(text_chars, 0), link_chars


def stripped_length(texts: list[str]) -> int:
    return sum(map(len, map(str.strip, texts)))
