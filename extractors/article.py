"""One article out of one page: trafilatura for the text, our own title, metadata and language.

trafilatura runs without its own metadata extraction (a third of its time): the page's JSON-LD,
OpenGraph and `<meta>` tags, read in `extractors.meta`, come first; trafilatura's date, author,
category and tag finders only fill what they leave empty.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Collection, Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from extractors.body import WORD_RE, clean_body, without_leading_headline
from extractors.html import parse_html
from extractors.meta import PageMeta, language_code, read_page_meta
from extractors.titles import DOMAIN_RE, TitleParts, clean_title, comparable, same_text

# trafilatura logs a warning for every page it finds no text in; a library stays quiet unless
# the application configures logging.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MIN_WORDS_FOR_LANGID = 20
LANGID_SAMPLE_CHARS = 5000
TAG_SPLIT_RE = re.compile(r"\s*[,;，、；]\s*")
MAX_TAGS = 50
DATE_PREFIX_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d])")
MIN_YEAR, MAX_YEAR = 1990, 2100
# fmt: off
HOME_CRUMBS = frozenset(map(comparable, [
    "Home", "Homepage", "Start", "首页", "主页", "首頁", "Accueil", "Inicio", "Startseite",
    "Главная",
]))
# fmt: on
MAX_CATEGORY_WORDS = 6
JUNK_SECTIONS = frozenset(
    map(
        comparable, ["post", "posts", "article", "articles", "homepage", "page", "story", "default"]
    )
)
# trafilatura's byline finder (`trafilatura.xpaths.AUTHOR_XPATHS`, `AUTHOR_DISCARD_XPATHS`):
# a native XPath picks every element any of its tests could accept, Python tests the few.
_AUTHOR_HINTS = (
    "uthor", "yline", "byl", "BBL", "username", "channel-name", "zuozhe", "bianji", "xiaobian",
    "submitted-by", "posted-by", "journalist-name", "screenname", "writer",
)  # fmt: skip
AUTHOR_HINT_RE = re.compile("|".join(_AUTHOR_HINTS))
AUTHOR_ATTRIBUTES = etree.XPath(
    "//@class|//@id|//@itemprop|//@rel|//@data-testid|//@data-component|//author|//rel"
)
AUTHOR_NAME_CLASS_RE = re.compile("author-?name|AuthorName|authorName")
AUTHOR_ID_RE = re.compile("author|zuozhe|bianji|xiaobian")
AUTHOR_CLASS_RE = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
LAST_AUTHOR_ID_RE = re.compile("[Aa]uthor")
LAST_AUTHOR_CLASS_RE = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
PRUNED_ID_RE = re.compile("^comments|comment-?list|ProductReviews")
PRUNED_CLASS_RE = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
MAX_AUTHOR_CHARS = 120
# trafilatura's category and tag finders keep links whose href matches "/categor(y|ies|s)?/" or
# "/tag(y|ies|s)?/", and fall back to these `<meta>` tags for categories.
CATSTAGS_LINK = {
    "category": etree.XPath("boolean(//a[contains(@href, '/categor')])"),
    "tag": etree.XPath("boolean(//a[contains(@href, '/tag')])"),
}
SECTION_METAS = etree.XPath(
    './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'
)
STUB_WORDS = 100  # a precision-mode text this short may have lost the article...
STUB_SHARE = 0.5  # ...if the default mode finds more than twice as much
BYLINE_PREFIX_RE = re.compile(r"^(?:by|von|par|por)\s+", re.IGNORECASE)
JUNK_AUTHORS = frozenset({"admin", "administrator", "webmaster", "root", "user", "guest"})


@dataclass
class ArticleRecord:
    """One article. Dates are ISO 8601 (a date, or a date and time with its offset if given).

    raw_title: the page's `<title>`, whitespace squashed, before cleaning.
    categories: breadcrumb entries and the section, else trafilatura's categories, each once.
    tags: JSON-LD keywords, meta keywords / `article:tag`, else trafilatura's tags, each once.
    """

    url: str | None
    title: str | None
    text: str
    site_name: str | None
    category: str | None
    author: str | None
    published: str | None
    language: str | None
    description: str | None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    word_count: int = 0
    raw_title: str | None = None
    modified: str | None = None
    image: str | None = None
    canonical_url: str | None = None


def extract_article(
    html: str, url: str | None = None, *, site_affixes: Collection[str] = ()
) -> ArticleRecord | None:
    """The article in an HTML page, or None when there is no text to extract. Never raises.

    `site_affixes`: title segments known to recur across the page's site (see `clean_title`).
    """
    try:
        tree = parse_html(html)
        return None if tree is None else article_from_tree(tree, url, site_affixes=site_affixes)
    except Exception:  # hostile HTML must never crash a worker
        return None


def article_from_tree(
    tree: HtmlElement,
    url: str | None,
    meta: PageMeta | None = None,
    *,
    site_affixes: Collection[str] = (),
    parts: TitleParts | None = None,
) -> ArticleRecord | None:
    """`extract_article` on an already parsed tree (trafilatura works on its own copy)."""
    if meta is None:
        meta = read_page_meta(tree)
    page_url = url or absolute(meta.canonical_url, None)
    document = run_trafilatura(tree, page_url)
    if document is None or not (document.text or "").strip():
        return None
    if parts is None:
        parts = title_parts(meta, None, page_url, site_affixes=site_affixes)
    text = without_leading_headline(document.text.strip(), parts.title, meta.h1)
    text = clean_body(
        text, (parts.title, meta.h1, meta.og_title, meta.title), (page_url, meta.canonical_url)
    )
    if not text:
        return None
    crumbs = category_crumbs(meta, parts)
    categories = page_categories(meta, crumbs, tree)
    return ArticleRecord(
        url=page_url,
        title=parts.title or meta.h1 or meta.og_title,
        text=text,
        site_name=parts.site_name,
        category=parts.category or next(iter(sections(meta)), None) or last(crumbs),
        author=page_author(meta, parts.site_name, tree),
        published=page_published(meta, tree, page_url),
        language=meta.language or detect_language(text),
        description=meta.description,
        categories=categories,
        tags=page_tags(meta, tree),
        word_count=len(WORD_RE.findall(text)),
        raw_title=meta.title,
        modified=precise_date(meta.jsonld_modified, meta.modified_time),
        image=absolute(meta.image, page_url),
        canonical_url=absolute(meta.canonical_url, page_url),
    )


def run_trafilatura(tree: HtmlElement, url: str | None) -> Any:
    """trafilatura's Document for the tree in fast precision mode, or in its default mode when
    that leaves only a stub of what the default finds; None if there is no text.

    `favor_precision` drops more related-links lists, teasers and widgets, and `fast` skips the
    readability/jusText comparison, which on article pages mostly adds a page dump. On a few
    layouts the pair loses most of the article, which a short text against a longer default
    one betrays; only those pages pay for the second, full run.
    """
    precise = trafilatura_document(tree, url, precision=True)
    if has_words(precise, STUB_WORDS):
        return precise
    default = trafilatura_document(tree, url, precision=False)
    if word_count(precise) >= STUB_SHARE * word_count(default):
        return precise
    return default


def trafilatura_document(tree: HtmlElement, url: str | None, *, precision: bool) -> Any:
    """One `bare_extraction` run, None on failure (hostile HTML must never crash a worker)."""
    try:
        return trafilatura.bare_extraction(tree, options=extraction_options(url, precision))
    except Exception:  # any failure inside trafilatura counts as no text
        return None


def word_count(document: Any) -> int:
    text = getattr(document, "text", None) or ""
    return len(WORD_RE.findall(text))


def has_words(document: Any, count: int) -> bool:
    """`word_count(document) >= count`, reading no further than the count-th word."""
    text = getattr(document, "text", None) or ""
    return sum(1 for _ in islice(WORD_RE.finditer(text), count)) >= count


def extraction_options(url: str | None, precision: bool) -> Extractor:
    """`bare_extraction(url=url, include_comments=False, favor_precision=precision,
    fast=precision)`'s options, without reading the configuration for every page."""
    options = copy(options_template(precision))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


@functools.cache
def options_template(precision: bool) -> Extractor:
    return Extractor(
        output_format="python",
        comments=False,
        with_metadata=False,
        precision=precision,
        fast=precision,
    )


# --- titles -----------------------------------------------------------------------------------


def title_parts(
    meta: PageMeta,
    trafilatura_site: str | None = None,
    url: str | None = None,
    *,
    site_affixes: Collection[str] = (),
    feed_title: str | None = None,
) -> TitleParts:
    """Clean the page title with every signal the page gives (see `clean_title`).

    `og:title` stands in for a missing `<title>`; `trafilatura_site` is a last resort for the
    site name; `feed_title` is the title a feed gave the page (a headline hint, like JSON-LD's).
    """
    parts = clean_title(
        meta.title or meta.og_title,
        None,
        meta.site_name,
        h1s=meta.h1s,
        og_title=meta.og_title,
        headline=meta.jsonld_headline or feed_title,
        application_name=meta.application_name,
        publisher=meta.jsonld_publisher,
        logo=meta.logo_text,
        host=host_name(url) or host_name(meta.canonical_url),
        breadcrumb=meta.breadcrumb,
        section=next(iter(sections(meta)), None),
        copyright=meta.copyright,
        known_affixes=site_affixes,
    )
    if not parts.site_name and trafilatura_site and not same_text(trafilatura_site, parts.title):
        parts.site_name = trafilatura_site
    return parts


def host_name(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


# --- metadata: the page's own first, trafilatura's finders second -----------------------------


def page_author(meta: PageMeta, site_name: str | None, tree: HtmlElement) -> str | None:
    """JSON-LD author(s), else `<meta name=author>`, else trafilatura's byline finder. An
    "author" that is only the site's or publisher's name is no author."""
    names = publishers(meta, site_name)
    for author in map(byline, (meta.jsonld_author, meta.author_meta)):
        if author and not any(same_text(author, name) for name in names):
            return author
    author = text_author(tree)
    return author if isinstance(author, str) and author else None


def byline(author: str | None) -> str | None:
    """ "By JANE DOE" → "JANE DOE"; None for placeholders such as "admin"."""
    if not author:
        return None
    author = BYLINE_PREFIX_RE.sub("", author).strip()
    return author if author and author.casefold() not in JUNK_AUTHORS else None


def text_author(tree: HtmlElement) -> str | None:
    """trafilatura's byline finder (`metadata.extract_author`), without its copy of the tree.

    trafilatura copies the tree, prunes comments, dates and figures from it, then tries three
    XPath expressions with Python regular expressions over every element. The same tests run
    here in Python on the few elements a native XPath preselects; an author element that holds
    a pruned node, or any surprise, falls back to trafilatura itself.
    """
    try:
        candidates = author_candidates(tree)
        for matches in AUTHOR_TESTS:
            for element in candidates:
                if matches(element) and not pruned_for_author(element):
                    found = author_text(element)
                    if found is not None:
                        return found
        return None
    except UnprunedAuthor:
        return trafilatura_finder("extract_author", tree)
    except Exception:  # hostile HTML must never crash a worker
        return None


class UnprunedAuthor(Exception):
    """A case the Python tests do not mirror exactly (a node trafilatura would prune inside an
    author candidate, a `<rel>` element): let trafilatura decide."""


def author_candidates(tree: HtmlElement) -> list[HtmlElement]:
    """Elements any author test could accept, once each, in document order."""
    found: dict[HtmlElement, None] = {}
    for value in AUTHOR_ATTRIBUTES(tree):
        if isinstance(value, str):
            if AUTHOR_HINT_RE.search(value):
                found[value.getparent()] = None
        elif value.tag == "rel":
            raise UnprunedAuthor
        else:
            found[value] = None
    return list(found)


def author_text(element: HtmlElement) -> str | None:
    """The candidate's normalised name, None to try the next candidate."""
    if any(pruned_node(node) for node in element.iterdescendants()):
        raise UnprunedAuthor
    content = " ".join(" ".join(element.itertext()).split())
    if not 2 < len(content) < MAX_AUTHOR_CHARS:
        return None
    from trafilatura.json_metadata import normalize_authors

    return normalize_authors(None, content) or ""


def pruned_for_author(element: HtmlElement) -> bool:
    return pruned_node(element) or any(pruned_node(node) for node in element.iterancestors())


def pruned_node(element: HtmlElement) -> bool:
    """trafilatura's `AUTHOR_DISCARD_XPATHS`: comments, sidebars, dates, figures..."""
    tag = element.tag
    if tag in ("time", "figure"):
        return True
    if tag not in ("a", "div", "section", "span"):
        return False
    node_id, node_class = element.get("id"), element.get("class")
    return (
        node_id == "comments"
        or node_class in ("comments", "title", "date")
        or bool(node_id and PRUNED_ID_RE.search(node_id))
        or bool(node_class and PRUNED_CLASS_RE.search(node_class))
        or "Figure" in (element.get("data-component") or "")
    )


def specific_author(element: HtmlElement) -> bool:
    """trafilatura's first author XPath: rel/id/class "author", itemprop, test ids."""
    if element.tag == "author":
        return True
    if element.tag not in ("a", "address", "div", "link", "p", "span", "strong"):
        return False
    get = element.get
    return (
        get("rel") == "author"
        or get("id") == "author"
        or get("class") == "author"
        or get("itemprop") == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or bool(AUTHOR_NAME_CLASS_RE.search(get("class") or ""))
    )


def generic_author(element: HtmlElement) -> bool:
    """trafilatura's second author XPath: byline classes and author-ish ids and classes."""
    if element.tag not in ("a", "div", "h3", "h4", "p", "span"):
        return False
    get = element.get
    return (
        get("class") in ("byline", "username", "byl", "BBL")
        or "author" in (get("itemprop") or "")
        or bool(AUTHOR_ID_RE.search(get("id") or ""))
        or bool(AUTHOR_CLASS_RE.search(get("class") or ""))
    )


def any_author(element: HtmlElement) -> bool:
    """trafilatura's last-resort author XPath, on any element."""
    get = element.get
    return (
        "Byline" in (get("data-component") or "")
        or "author" in (get("itemprop") or "")
        or bool(LAST_AUTHOR_ID_RE.search(get("id") or ""))
        or bool(LAST_AUTHOR_CLASS_RE.search(get("class") or ""))
    )


AUTHOR_TESTS = (specific_author, generic_author, any_author)


def publishers(meta: PageMeta, site_name: str | None) -> list[str]:
    names = (site_name, meta.site_name, meta.jsonld_publisher, meta.application_name)
    return [name for name in names if name]


def page_published(meta: PageMeta, tree: HtmlElement, url: str | None) -> str | None:
    """The publication date the page declares, else the one htmldate finds in it."""
    return precise_date(meta.jsonld_published, meta.published_time) or text_date(tree, url)


def precise_date(*values: str | None) -> str | None:
    """The first valid date, with the time another value gives for the same day if it has none."""
    dates = [date for date in map(iso_date, values) if date]
    if not dates:
        return None
    same_day = [date for date in dates if date[:10] == dates[0][:10]]
    return max(same_day, key=len)


def text_date(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's original publication date, as trafilatura would look for it."""
    try:
        from htmldate import find_date

        found = find_date(
            tree,
            url=url,
            original_date=True,
            extensive_search=True,
            max_date=datetime.now().astimezone().strftime("%Y-%m-%d"),
        )
    except Exception:  # hostile HTML must never crash a worker
        return None
    return iso_date(found)


def category_crumbs(meta: PageMeta, parts: TitleParts) -> list[str]:
    """Breadcrumb entries that name categories: not "Home", the site, or the headline."""
    skip = HOME_CRUMBS | {comparable(text) for text in (parts.title, parts.site_name) if text}
    return [
        crumb
        for crumb in meta.breadcrumb
        if comparable(crumb) not in skip and usable_category(crumb)
    ]


def sections(meta: PageMeta) -> list[str]:
    """The page's declared section(s), without placeholders ("post", "Homepage", a hostname)."""
    values = string_list([meta.section or "", meta.jsonld_section or ""])
    return [value for value in values if usable_category(value)]


def usable_category(value: str) -> bool:
    return (
        comparable(value) not in JUNK_SECTIONS
        and not DOMAIN_RE.match(value)
        and len(WORD_RE.findall(value)) <= MAX_CATEGORY_WORDS
    )


def last(items: list[str]) -> str | None:
    return items[-1] if items else None


def page_categories(meta: PageMeta, crumbs: list[str], tree: HtmlElement) -> list[str]:
    """Breadcrumb categories, the section, else trafilatura's categories."""
    found = string_list([*crumbs, *sections(meta)])
    return found or string_list(text_catstags("category", tree))


def page_tags(meta: PageMeta, tree: HtmlElement) -> list[str]:
    found = string_list([*meta.jsonld_keywords, *meta.keywords])
    return found or string_list(text_catstags("tag", tree))


def text_catstags(metatype: str, tree: HtmlElement) -> Any:
    """trafilatura's category or tag finder (`metadata.extract_catstags`), which only keeps links
    to /category/ or /tag/ paths: when the page has none, only its `<meta>` fallback for
    categories can answer, and its half-dozen XPath scans are skipped."""
    if CATSTAGS_LINK[metatype](tree):
        return trafilatura_finder("extract_catstags", metatype, tree)
    if metatype != "category":
        return []
    try:
        from trafilatura.utils import line_processing

        contents = (element.get("content") for element in SECTION_METAS(tree))
        return [
            text for text in dict.fromkeys(map(line_processing, filter(None, contents))) if text
        ]
    except Exception:  # hostile HTML must never crash a worker
        return None


def trafilatura_finder(name: str, *args: Any) -> Any:
    """Call one of trafilatura's metadata finders (internal API: None if it changed or fails)."""
    try:
        from trafilatura import metadata

        return getattr(metadata, name)(*args)
    except Exception:  # hostile HTML must never crash a worker
        return None


def iso_date(value: str | None) -> str | None:
    """A date as ISO 8601: "2024-03-12", or "2024-03-12T09:30:00+00:00" when it has a time.

    Accepts ISO 8601 (a trailing "Z", "+0000" offsets), RFC 2822 and "2024/03/12"-like
    prefixes; None for anything else or a year outside 1990-2100.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed = parse_date(value)
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return parsed.isoformat()


def parse_date(value: str) -> date | datetime | None:
    if len(value) <= 10:
        match = DATE_PREFIX_RE.match(value)
        return calendar_date(match) if match else None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    match = DATE_PREFIX_RE.match(value)
    return calendar_date(match) if match else None


def calendar_date(match: re.Match[str]) -> date | None:
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None


def absolute(link: str | None, base: str | None) -> str | None:
    """A link made absolute against the page's URL ("//cdn/x.jpg" gets https:)."""
    if not link:
        return None
    if link.startswith("//") and not base:
        return f"https:{link}"
    try:
        return urljoin(base, link) if base else link
    except ValueError:
        return link


# --- language and lists -----------------------------------------------------------------------


def detect_language(text: str) -> str | None:
    """2-letter language code guessed by py3langid, for texts of 20 words or more."""
    if len(WORD_RE.findall(text[:LANGID_SAMPLE_CHARS])) < MIN_WORDS_FOR_LANGID:
        return None
    try:
        import py3langid
    except ImportError:  # pragma: no cover - py3langid is a declared dependency
        return None
    code, _score = py3langid.classify(text[:LANGID_SAMPLE_CHARS])
    return language_code(code)


def string_list(values: Any) -> list[str]:
    """Categories/tags as a clean list, each once (compared case-insensitively, first spelling
    kept), at most 50; a value may be one comma-joined string."""
    if not values:
        return []
    if isinstance(values, str):
        values = [values]
    items = (item.strip() for value in values for item in TAG_SPLIT_RE.split(str(value)))
    return unique(item for item in items if item)[:MAX_TAGS]


def unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())
