"""Bytes → text → tree: sniffing, charset decoding and one robust lxml parse."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding, to_unicode

SNIFF_BINARY_BYTES = 4096
SNIFF_MARKUP_BYTES = 65536
DEFAULT_ENCODING = "utf-8"

BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"PK\x03\x04",  # ZIP (and docx, xlsx, epub, ...)
    b"PK\x05\x06",  # empty ZIP
    b"\x1f\x8b",  # gzip
)
# UTF-16/32 text legitimately contains NUL bytes: a BOM lets it through the NUL check.
TEXT_BOMS: tuple[bytes, ...] = (b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")

HTML_MARKUP_PATTERN = (
    r"<(?:!doctype\s+html|html|head|body|title|meta|div|p|a|span|table|article|section"
    r"|h[1-6]|br|ul|li|img|script|frameset)[\s/>]"
)
HTML_MARKUP_RE = re.compile(HTML_MARKUP_PATTERN.encode("ascii"), re.IGNORECASE)
HTML_MARKUP_TEXT_RE = re.compile(HTML_MARKUP_PATTERN, re.IGNORECASE)
XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# Characters libxml2 rejects or mangles in a str: C0 controls except tab/newline/CR,
# lone surrogates and the two non-characters U+FFFE/U+FFFF.
INVALID_XML_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

HTML_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding=DEFAULT_ENCODING,
    remove_comments=True,
    remove_pis=True,
)


def looks_like_html(body: bytes) -> bool:
    """True when `body` plausibly is an HTML document: not binary and with some HTML markup."""
    if not body:
        return False
    head = body[:SNIFF_BINARY_BYTES]
    if head.lstrip().startswith(BINARY_MAGIC):
        return False
    if b"\x00" in head and not head.startswith(TEXT_BOMS):
        return False
    sample = body[:SNIFF_MARKUP_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        sample = decode_html(sample).encode(DEFAULT_ENCODING, "replace")
    return HTML_MARKUP_RE.search(sample) is not None


def has_markup(text: str) -> bool:
    """`looks_like_html` for an already decoded document."""
    return HTML_MARKUP_TEXT_RE.search(text, 0, SNIFF_MARKUP_BYTES) is not None


def decode_html(body: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML body to str; never raises.

    Order: byte-order mark, then `declared_charset` (the HTTP Content-Type charset) when it
    names a known encoding, then `<meta charset>` / `http-equiv` / XML declaration in the
    first 4 KB, else UTF-8. Labels follow the WHATWG mapping (latin-1 → cp1252 etc.);
    undecodable bytes become U+FFFD.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return safe_decode(body[len(bom) :], bom_encoding)
    encoding = known_encoding(declared_charset) or html_body_declared_encoding(body)
    return safe_decode(body, encoding or DEFAULT_ENCODING)


def known_encoding(label: str | None) -> str | None:
    """The codec name for a charset label, or None when it is empty or unknown."""
    if not label or not label.strip():
        return None
    try:
        return resolve_encoding(label.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None


def safe_decode(body: bytes, encoding: str) -> str:
    if encoding in {"utf-16", "utf-32"}:
        encoding += "-be"  # no BOM was found, so big-endian is the standard default
    try:
        return to_unicode(body, encoding)
    except (LookupError, ValueError, TypeError):
        return body.decode(DEFAULT_ENCODING, "replace")


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """Parse a decoded document into an `<html>`-rooted tree; None when there is nothing to parse.

    Strips what libxml2 refuses in a str (XML declarations with an encoding, NUL and other
    control characters, lone surrogates) and never raises. Nesting deeper than libxml2's
    limit (256) is cut off by the parser rather than failing.
    """
    if not html or html.isspace():
        return None
    cleaned = INVALID_XML_CHARS_RE.sub("", XML_DECLARATION_RE.sub("", html, count=1))
    if not cleaned.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(cleaned, parser=HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None
