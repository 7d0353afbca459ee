"""Cheap page metadata read straight from the parsed tree (before trafilatura touches it).

One walk over the tree collects `<title>`, `<meta>`, `<link>`, JSON-LD `<script>`s, `<h1>`s and
the elements whose class or id names a breadcrumb, a logo or a footer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from itertools import islice
from typing import Any

from lxml.html import HtmlElement

MAX_FIELD_CHARS = 2000
MAX_JSONLD_CHARS = 200_000
MAX_JSONLD_NODES = 200
MAX_JSONLD_DEPTH = 6
MAX_LIST_ITEMS = 30
MAX_H1S = 5
MAX_CRUMBS = 10
MAX_BREADCRUMB_CANDIDATES = 5
MAX_BREADCRUMB_CHARS = 400
MAX_COPYRIGHT_CHARS = 300
MAX_FOOTERS = 10
MAX_SCANNED_ELEMENTS = 50_000

JSONLD_TYPE_RE = re.compile(r'"@type"\s*:\s*(\[[^\]]*\]|"[^"]*")')
QUOTED_RE = re.compile(r'"([^"]*)"')
LANGUAGE_CODE_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$", re.IGNORECASE)
WHITESPACE_RE = re.compile(r"\s+")
LIST_SPLIT_RE = re.compile(r"\s*[,;，、；]\s*")
URL_RE = re.compile(r"^(?:https?:)?//|^www\.", re.IGNORECASE)
# Repairs for the JSON-LD that real pages ship: `// comments`, trailing commas, HTML comments.
JSON_COMMENT_RE = re.compile(r"(^|[,{\[])\s*//[^\n]*", re.MULTILINE)
JSON_TRAILING_COMMA_RE = re.compile(r",(\s*[}\]])")
JSON_WRAPPER_RE = re.compile(
    r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$"
)
# Last resort on JSON-LD that does not parse: the first `"key": "string"` of a few keys.
JSON_STRING_FIELD_RE = re.compile(
    r'"(headline|datePublished|dateModified|articleSection)"\s*:\s*"((?:[^"\\]|\\.)*)"'
)
JSON_NAMED_FIELD_RE = re.compile(
    r'"(author|publisher)"\s*:\s*\[?\s*\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)"'
)

ARTICLE_TYPE_RE = re.compile(r"(?:Article|BlogPosting|Report|Posting)$")
PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage"})
PUBLISHER_TYPES = frozenset({"Organization", "NewsMediaOrganization", "Corporation", "WebSite"})
# Markers in class/id attributes, lower-cased.
BREADCRUMB_MARK = "crumb"  # breadcrumb(s), bread-crumb, crumbs
LOGO_MARKS = ("logo", "site-title", "site-name", "navbar-brand")
FOOTER_MARKS = ("footer", "copyright")
MARKS_RE = re.compile("rumb|ogo|ooter|opyright|site[-_]?(?:title|name)|navbar-brand")
LOGO_RE = re.compile("|".join(LOGO_MARKS).replace("-", "[-_]?"))
FOOTER_RE = re.compile("|".join(FOOTER_MARKS))
COPYRIGHT_RE = re.compile(r"©|&copy;|\(c\)|copyright|版权所有", re.IGNORECASE)


@dataclass
class PageMeta:
    """What the page says about itself in `<head>`, its JSON-LD, its `<h1>`s and its chrome.

    Dates are as the page writes them (see `extractors.article.iso_date`); lists are capped.
    """

    title: str | None = None
    og_title: str | None = None
    h1: str | None = None
    site_name: str | None = None
    og_type: str | None = None
    published_time: str | None = None
    section: str | None = None
    language: str | None = None
    jsonld_types: list[str] = field(default_factory=list)
    jsonld_headline: str | None = None
    jsonld_author: str | None = None
    jsonld_published: str | None = None
    jsonld_modified: str | None = None
    jsonld_publisher: str | None = None
    jsonld_section: str | None = None
    jsonld_keywords: list[str] = field(default_factory=list)
    application_name: str | None = None
    modified_time: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    author_meta: str | None = None
    keywords: list[str] = field(default_factory=list)
    h1s: list[str] = field(default_factory=list)
    logo_text: str | None = None
    copyright: str | None = None


@dataclass
class JsonLd:
    """The fields read from a page's JSON-LD blocks."""

    headline: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    publisher: str | None = None
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    image: str | None = None
    breadcrumb: list[str] = field(default_factory=list)


@dataclass
class Scan:
    """What one walk over the tree collects."""

    title: str | None = None
    metas: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    canonical: str | None = None
    jsonld_texts: list[str] = field(default_factory=list)
    h1s: list[str] = field(default_factory=list)
    logo: str | None = None
    breadcrumbs: list[HtmlElement] = field(default_factory=list)
    footers: list[HtmlElement] = field(default_factory=list)


def read_page_meta(tree: HtmlElement) -> PageMeta:
    """Everything `PageMeta` holds, from one walk over the tree. Never raises on odd markup."""
    scan = scan_tree(tree)
    metas = scan.metas
    ld = read_jsonld(scan.jsonld_texts)
    return PageMeta(
        title=scan.title,
        og_title=pick(metas, "og:title", "twitter:title"),
        h1=scan.h1s[0] if scan.h1s else None,
        site_name=pick(metas, "og:site_name", "application-name"),
        og_type=lowered(pick(metas, "og:type")),
        published_time=pick(
            metas, "article:published_time", "og:article:published_time", "datepublished"
        ),
        section=pick(metas, "article:section"),
        language=page_language(tree, metas),
        jsonld_types=jsonld_types(scan.jsonld_texts),
        jsonld_headline=ld.headline,
        jsonld_author=ld.author,
        jsonld_published=ld.published,
        jsonld_modified=ld.modified,
        jsonld_publisher=ld.publisher,
        jsonld_section=ld.section,
        jsonld_keywords=ld.keywords,
        application_name=pick(metas, "application-name"),
        modified_time=pick(
            metas, "article:modified_time", "og:updated_time", "datemodified", "last-modified"
        ),
        image=not_empty(
            pick(metas, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
            or ld.image
        ),
        canonical_url=scan.canonical or pick(metas, "og:url"),
        description=pick(metas, "description", "og:description", "twitter:description"),
        breadcrumb=ld.breadcrumb or breadcrumb_links(scan.breadcrumbs),
        author_meta=meta_author(metas),
        keywords=meta_keywords(metas, scan.tags),
        h1s=scan.h1s,
        logo_text=scan.logo,
        copyright=copyright_text(scan.footers),
    )


# --- the walk ---------------------------------------------------------------------------------


def scan_tree(tree: HtmlElement) -> Scan:
    scan = Scan()
    handlers = TAG_HANDLERS
    for element in islice(tree.iter(), MAX_SCANNED_ELEMENTS):
        handler = handlers.get(element.tag)
        if handler is not None:
            handler(scan, element)
        marks = element.get("class")
        if marks is not None and MARKS_RE.search(marks):
            read_marks(scan, element, marks.lower())
        marks = element.get("id")
        if marks is not None and MARKS_RE.search(marks):
            read_marks(scan, element, marks.lower())
    return scan


def read_title(scan: Scan, element: HtmlElement) -> None:
    if scan.title is None and not any(True for _ in element.iterancestors("svg")):
        scan.title = squash(element.text_content())


def read_meta(scan: Scan, element: HtmlElement) -> None:
    """`<meta>` contents by lower-cased property/name/itemprop (http-equiv as `http-equiv:X`).

    The first non-empty value of a key wins; every `article:tag` is kept.
    """
    content = squash(element.get("content"))
    if not content:
        return
    for attribute, prefix in (
        ("property", ""),
        ("name", ""),
        ("itemprop", ""),
        ("http-equiv", "http-equiv:"),
    ):
        key = element.get(attribute)
        if key:
            key = prefix + key.strip().lower()
            scan.metas.setdefault(key, content)
            if key == "article:tag" and len(scan.tags) < MAX_LIST_ITEMS:
                scan.tags.append(content)


def read_link(scan: Scan, element: HtmlElement) -> None:
    if scan.canonical is None and "canonical" in (element.get("rel") or "").lower().split():
        scan.canonical = not_empty(squash(element.get("href")))


def read_script(scan: Scan, element: HtmlElement) -> None:
    if "ld+json" in (element.get("type") or "").lower() and element.text:
        scan.jsonld_texts.append(element.text[:MAX_JSONLD_CHARS])


def read_h1(scan: Scan, element: HtmlElement) -> None:
    if len(scan.h1s) >= MAX_H1S:
        return
    text = squash(element.text_content())
    if text:
        scan.h1s.append(text)


def read_nav(scan: Scan, element: HtmlElement) -> None:
    """`<nav aria-label="Breadcrumb">`."""
    if "rumb" in (element.get("aria-label") or ""):
        add_breadcrumb(scan, element)


TAG_HANDLERS = {
    "title": read_title,
    "meta": read_meta,
    "link": read_link,
    "script": read_script,
    "h1": read_h1,
    "footer": lambda scan, element: add_footer(scan, element),
    "nav": read_nav,
    "ol": read_nav,
}


def read_marks(scan: Scan, element: HtmlElement, marks: str) -> None:
    """Breadcrumb, logo and footer elements, told by their class, id or aria-label."""
    if BREADCRUMB_MARK in marks:
        add_breadcrumb(scan, element)
    elif scan.logo is None and LOGO_RE.search(marks):
        scan.logo = logo_text(element)
    if FOOTER_RE.search(marks):
        add_footer(scan, element)


def add_breadcrumb(scan: Scan, element: HtmlElement) -> None:
    if len(scan.breadcrumbs) < MAX_BREADCRUMB_CANDIDATES:
        scan.breadcrumbs.append(element)


def add_footer(scan: Scan, element: HtmlElement) -> None:
    """Remember the last few footer elements (the copyright line is near the page's end)."""
    scan.footers.append(element)
    if len(scan.footers) > 2 * MAX_FOOTERS:
        del scan.footers[:MAX_FOOTERS]


def logo_text(element: HtmlElement) -> str | None:
    """The text of a logo element, or its image's alt text."""
    text = squash(element.text_content())
    if text and len(text) <= 100:
        return text
    for image in element.iter("img"):
        alt = squash(image.get("alt") or image.get("title"))
        if alt:
            return alt
    return None


def breadcrumb_links(elements: list[HtmlElement]) -> list[str]:
    """The link texts of the first breadcrumb-marked element small enough to be one (a page
    wrapper's class may mention breadcrumbs too)."""
    for element in elements:
        links = [squash(link.text_content()) for link in islice(element.iter("a"), MAX_CRUMBS + 1)]
        if len(links) > MAX_CRUMBS:
            continue
        text = element.text_content()
        if len(text) <= MAX_BREADCRUMB_CHARS or len(squash(text) or "") <= MAX_BREADCRUMB_CHARS:
            return unique(link for link in links if link)
    return []


def copyright_text(footers: list[HtmlElement]) -> str | None:
    """The copyright line of the last footer element that has one."""
    for footer in reversed(footers[-MAX_FOOTERS:]):
        text = squash(footer.text_content()[-MAX_FIELD_CHARS * 4 :]) or ""
        match = COPYRIGHT_RE.search(text)
        if match:
            return text[match.start() : match.start() + MAX_COPYRIGHT_CHARS]
    return None


# --- `<meta>` values --------------------------------------------------------------------------


def pick(metas: dict[str, str], *keys: str) -> str | None:
    """The value of the first of `keys` present in `metas`."""
    return next((metas[key] for key in keys if key in metas), None)


def meta_author(metas: dict[str, str]) -> str | None:
    for key in ("author", "article:author", "dc.creator", "parsely-author", "byl"):
        value = metas.get(key)
        if value and not URL_RE.match(value):
            return value.removeprefix("By ").removeprefix("by ").strip() or None
    return None


def meta_keywords(metas: dict[str, str], tags: list[str]) -> list[str]:
    values = [*tags, metas.get("keywords", ""), metas.get("news_keywords", "")]
    return split_list(values)


def split_list(values: list[str]) -> list[str]:
    """Comma-separated values as one list, each once (first spelling kept), capped."""
    items = (item.strip() for value in values for item in LIST_SPLIT_RE.split(value or ""))
    return unique(item for item in items if item)[:MAX_LIST_ITEMS]


def unique(items: Iterator[str] | list[str]) -> list[str]:
    """Each item once, compared case-insensitively, in first-seen order."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())


def squash(text: str | None) -> str | None:
    """Collapse whitespace; None for empty text. Caps absurdly long values."""
    if not text:
        return None
    squashed = WHITESPACE_RE.sub(" ", text[: MAX_FIELD_CHARS * 4]).strip()
    return squashed[:MAX_FIELD_CHARS] or None


def not_empty(text: str | None) -> str | None:
    return text if text and text.strip("#/ ") else None


def lowered(text: str | None) -> str | None:
    return text.lower() if text else None


def page_language(tree: HtmlElement, metas: dict[str, str]) -> str | None:
    """2-letter language code from `<html lang>`, `og:locale` or a content-language meta."""
    candidates = [
        tree.get("lang"),
        tree.get("xml:lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        pick(metas, "og:locale", "language", "dc.language", "content-language"),
        pick(metas, "http-equiv:content-language"),
    ]
    return next((code for code in map(language_code, candidates) if code), None)


def language_code(value: str | None) -> str | None:
    """`en-US`, `en_GB`, `EN` → `en`; None for anything that is not a language tag."""
    if not value:
        return None
    match = LANGUAGE_CODE_RE.match(value.split(",")[0].strip())
    if not match or len(match.group(1)) != 2:
        return None
    return match.group(1).lower()


# --- JSON-LD ----------------------------------------------------------------------------------


def jsonld_types(texts: list[str]) -> list[str]:
    """Every schema.org `@type` named in the page's JSON-LD (regex scan: broken JSON is common)."""
    found: list[str] = []
    for text in texts:
        for match in JSONLD_TYPE_RE.finditer(text):
            found.extend(QUOTED_RE.findall(match.group(1)))
    return found


def read_jsonld(texts: list[str]) -> JsonLd:
    """Article fields from every JSON-LD block; blocks that do not parse give what a regex finds.

    Handles `@graph`, top-level lists and nested `mainEntity`; `@id` references to authors
    and publishers are resolved within the page.
    """
    nodes: list[dict] = []
    broken: list[str] = []
    for text in texts:
        parsed = parse_json(text)
        if parsed is None:
            broken.append(text)
        else:
            nodes.extend(json_nodes(parsed))
    ld = jsonld_fields(nodes) if nodes else JsonLd()
    for text in broken:
        fill_from_broken(ld, text)
    return ld


def parse_json(text: str) -> list[Any] | None:
    """The JSON values in a script (several may follow each other), or None if it is broken."""
    text = JSON_WRAPPER_RE.sub("", text.strip())
    values = decode_all(text)
    if values is None:
        repaired = JSON_TRAILING_COMMA_RE.sub(r"\1", JSON_COMMENT_RE.sub(r"\1", text))
        values = decode_all(repaired)
    return values


DECODER = json.JSONDecoder(strict=False)
JSON_GAP_RE = re.compile(r"[\s;,]*")


def decode_all(text: str) -> list[Any] | None:
    values: list[Any] = []
    position = JSON_GAP_RE.match(text).end()
    while position < len(text):
        try:
            value, position = DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            return values or None
        values.append(value)
        position = JSON_GAP_RE.match(text, position).end()
    return values


def json_nodes(value: Any) -> list[dict]:
    """The typed objects of a JSON-LD value: top-level ones, `@graph` members, `mainEntity`s."""
    nodes: list[dict] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and len(nodes) < MAX_JSONLD_NODES:
        item, depth = stack.pop()
        if depth > MAX_JSONLD_DEPTH:
            continue
        if isinstance(item, list):
            stack.extend((child, depth + 1) for child in reversed(item[:MAX_JSONLD_NODES]))
        elif isinstance(item, dict):
            nodes.append(item)
            for key in ("mainEntity", "@graph"):
                if key in item:
                    stack.append((item[key], depth + 1))
    return nodes


def node_types(node: dict) -> set[str]:
    """`@type`s without their schema.org prefix."""
    types = node.get("@type")
    values = types if isinstance(types, list) else [types]
    return {str(t).rpartition("/")[2].rpartition(":")[2] for t in values if t}


def jsonld_fields(nodes: list[dict]) -> JsonLd:
    index = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    article = find_node(nodes, lambda types: any(map(ARTICLE_TYPE_RE.search, types)))
    page = find_node(nodes, lambda types: bool(types & PAGE_TYPES))
    main = article or find_node(nodes, lambda types: True, "headline") or page or {}
    crumbs = find_node(nodes, lambda types: "BreadcrumbList" in types)
    return JsonLd(
        headline=text_value(main.get("headline")) or (article and text_value(article.get("name"))),
        author=names(main.get("author") or main.get("creator"), index),
        published=text_value(main.get("datePublished") or (page or {}).get("datePublished")),
        modified=text_value(main.get("dateModified") or (page or {}).get("dateModified")),
        publisher=publisher_name(main, nodes, index),
        section=text_value(first(main.get("articleSection"))),
        keywords=keyword_list(main.get("keywords")),
        image=image_url(main.get("image") or (page or {}).get("image"), index),
        breadcrumb=crumb_names(crumbs, index),
    )


def find_node(nodes: list[dict], wanted: Any, key: str | None = None) -> dict | None:
    """The first node whose types satisfy `wanted` (and that has `key`, if given)."""
    for node in nodes:
        if (key is None or key in node) and wanted(node_types(node)):
            return node
    return None


def resolve(value: Any, index: dict[str, dict]) -> Any:
    """A `{"@id": ...}` reference replaced by the node it names, when the page has it."""
    if isinstance(value, dict) and isinstance(value.get("@id"), str) and "name" not in value:
        return index.get(value["@id"], value)
    return value


def first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def text_value(value: Any) -> str | None:
    """A JSON string as plain text (JSON-LD often carries HTML entities)."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return squash(unescape(str(value)))


def names(value: Any, index: dict[str, dict]) -> str | None:
    """Author name(s) joined by ", "; URLs (profile links) are not names."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items[:MAX_LIST_ITEMS]:
        name = text_value(resolve(item, index))
        if name and not URL_RE.match(name):
            found.append(name)
    return ", ".join(unique(found)) or None


def publisher_name(main: dict, nodes: list[dict], index: dict[str, dict]) -> str | None:
    publisher = resolve(first(main.get("publisher")), index)
    name = text_value(publisher) if isinstance(publisher, dict | str) else None
    if name:
        return name
    organisation = find_node(nodes, lambda types: bool(types & PUBLISHER_TYPES), "name")
    return text_value(organisation.get("name")) if organisation else None


def keyword_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return split_list([text for text in map(text_value, items[:MAX_LIST_ITEMS]) if text])


def image_url(value: Any, index: dict[str, dict]) -> str | None:
    image = resolve(first(value), index)
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl") or image.get("@id")
    return not_empty(text_value(first(image)))


def crumb_names(crumbs: dict | None, index: dict[str, dict]) -> list[str]:
    """BreadcrumbList entry names, in `position` order."""
    if not crumbs:
        return []
    items = crumbs.get("itemListElement")
    entries = [
        item for item in (items if isinstance(items, list) else []) if isinstance(item, dict)
    ]
    entries.sort(key=crumb_position)
    found = []
    for entry in entries[:MAX_CRUMBS]:
        item = resolve(entry.get("item"), index)
        name = text_value(entry.get("name")) or (isinstance(item, dict) and text_value(item))
        if name and not URL_RE.match(name):
            found.append(name)
    return found


def crumb_position(entry: dict) -> int:
    try:
        return int(entry.get("position"))
    except (TypeError, ValueError):
        return 0


def fill_from_broken(ld: JsonLd, text: str) -> None:
    """Fill the still-empty fields from `"key": "value"` pairs of JSON-LD that does not parse."""
    fields = {
        "headline": "headline",
        "datePublished": "published",
        "dateModified": "modified",
        "articleSection": "section",
        "author": "author",
        "publisher": "publisher",
    }
    matches = [*JSON_STRING_FIELD_RE.finditer(text), *JSON_NAMED_FIELD_RE.finditer(text)]
    for match in matches:
        name = fields[match.group(1)]
        if getattr(ld, name) is None:
            setattr(ld, name, text_value(json_string(match.group(2))))


def json_string(escaped: str) -> str:
    try:
        return json.loads(f'"{escaped}"', strict=False)
    except ValueError:
        return escaped
