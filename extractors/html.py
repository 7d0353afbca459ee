"""Bytes → text → tree: sniffing, charset decoding and one robust lxml parse."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding, to_unicode

SNIFF_BINARY_BYTES = 4096
SNIFF_MARKUP_BYTES = 65536
DEFAULT_ENCODING = "utf-8"
# Content farms send pages whose bytes are not in the charset they declare (or default to):
# a cp1251 or Shift_JIS page "declared" UTF-8, or with no declaration at all. Decoded as UTF-8,
# nearly every non-ASCII byte of such a page is an invalid sequence; a real UTF-8 page with a
# few stray bytes has a handful. Past both bounds below, the charset is guessed from the bytes.
MIN_UTF8_ERRORS = 16
MIN_UTF8_ERROR_SHARE = 0.2  # of the non-ASCII bytes
CHARSET_SNIFF_BYTES = 65536  # the guess reads this much: enough text, bounded time
ASCII_BYTES = bytes(range(128))
# Readings within this of charset_normalizer's cleanest ("chaos", 0 to 1) count as clean too, and
# of those the charset the web uses most wins: "Café" reads the same in cp1252 and cp1257.
CHAOS_MARGIN = 0.03
# Legacy charsets by how many web pages use them (charset_normalizer's names).
# fmt: off
WEB_ENCODING_RANK = {name: rank for rank, name in enumerate([
    "cp1252", "cp1251", "cp932", "shift_jis", "gb18030", "gbk", "gb2312", "cp1250", "euc_kr",
    "cp949", "big5", "euc_jp", "cp1256", "cp1253", "cp1254", "cp1255", "cp874", "cp1257",
    "cp1258", "koi8_r", "koi8_u", "latin_1", "iso8859_2", "iso8859_15",
])}
# fmt: on

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
# Binary data (random bytes, executables, UTF-16 without a BOM) is full of NUL and other control
# bytes; a spam page with a few NULs in its HTML is still HTML (the parser drops them).
CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
MAX_CONTROL_SHARE = 0.05
CONTROL_CHARS_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

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
# Those characters in UTF-8 (a lone surrogate cannot be encoded): each of these bytes is one of
# them wherever it stands, and so is each of the two sequences.
INVALID_XML_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
INVALID_XML_SEQUENCES = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF

PARSER_OPTIONS = {
    "collect_ids": False,
    "default_doctype": False,
    "encoding": DEFAULT_ENCODING,
    "remove_comments": True,
    "remove_pis": True,
}


def html_parser(**options: object) -> etree.HTMLParser:
    """An HTML parser whose elements are all `lxml.html.HtmlElement`s.

    lxml.html's own parser picks each element's class in Python (form fields get classes of
    their own), a call for every element proxy made: a tenth of parsing and tree walking.
    Nothing here uses the form classes, and a default lookup is made in C.
    """
    parser = etree.HTMLParser(**options)
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


HTML_PARSER = html_parser(**PARSER_OPTIONS)
# Only for a second parse, after the first hit one of libxml2's limits (see `parse_html`):
# lifts its 10 MB cap on one text node and raises its depth limit from 256 to 2048.
HUGE_HTML_PARSER = html_parser(huge_tree=True, **PARSER_OPTIONS)

# A page longer than this is cut here (before a tag) ahead of parsing: 20 MB of HTML costs lxml,
# trafilatura and htmldate a minute and 700 MB in a worker, and no article needs that much (the
# largest page of the extraction benchmark is 1.5 M characters). The parser closes what is open.
MAX_HTML_CHARS = 5_000_000
# libxml2 stops parsing at element depth 256 and drops the rest of the document, so a page of
# 10,000 nested <div>s loses its article. Parsed again, such a page keeps only the tags nested
# less deeply than this (their text stays); 200 leaves room for the elements the parser adds.
MAX_DEPTH = 200
RESOURCE_LIMIT = etree.ErrorTypes.ERR_RESOURCE_LIMIT
TAG_RE = re.compile(r"<(/?)([a-zA-Z][^\s/<>]*)[^<>]*>")
# Not counted as depth: void elements never nest, and the parser closes these by itself when
# the next one opens (10,000 unclosed <p>s are siblings, not nested).
# fmt: off
FLAT_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "thead",
    "tbody", "tfoot",
})
# fmt: on


def looks_like_html(body: bytes) -> bool:
    """True when `body` plausibly is an HTML document: not binary and with some HTML markup."""
    if not body:
        return False
    head = body[:SNIFF_BINARY_BYTES]
    if head.lstrip().startswith(BINARY_MAGIC):
        return False
    if b"\x00" in head and not head.startswith(TEXT_BOMS) and is_binary(head):
        return False
    sample = body[:SNIFF_MARKUP_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        sample = decode_html(sample).encode(DEFAULT_ENCODING, "replace")
    return HTML_MARKUP_RE.search(sample) is not None


def is_binary(head: bytes) -> bool:
    """Whether control bytes make up more of `head` than text ever holds."""
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    return controls > MAX_CONTROL_SHARE * len(head)


def has_markup(text: str) -> bool:
    """`looks_like_html` for an already decoded document."""
    head = text[:SNIFF_BINARY_BYTES]
    # Binary served as text/html and decoded anyway: 200 KB of random bytes hold "<p " by chance.
    if len(CONTROL_CHARS_RE.findall(head)) > MAX_CONTROL_SHARE * len(head):
        return False
    return HTML_MARKUP_TEXT_RE.search(text, 0, SNIFF_MARKUP_BYTES) is not None


def decode_html(
    body: bytes, declared_charset: str | None = None, faults: list[str] | None = None
) -> str:
    """Decode an HTML body to str; never raises.

    Order: byte-order mark, then `declared_charset` (the HTTP Content-Type charset) when it
    names a known encoding, then `<meta charset>` / `http-equiv` / XML declaration in the
    first 4 KB, else UTF-8. Labels follow the WHATWG mapping (latin-1 → cp1252 etc.);
    undecodable bytes become U+FFFD. Declarations lie on spam sites: a body that is valid
    UTF-8 is UTF-8 whatever it declares, and one taken for UTF-8 that mostly is not (see
    MIN_UTF8_ERRORS) is decoded in the charset guessed from its bytes.

    `faults`, if given, gets what was wrong with the body (CONTENT_FAULTS): "wrong_charset"
    (it is not in the charset it declares), "invalid_bytes" (some bytes decode to nothing),
    "nul_bytes".
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return safe_decode(body[len(bom) :], bom_encoding)
    declared = known_encoding(declared_charset) or html_body_declared_encoding(body)
    encoding = declared or DEFAULT_ENCODING
    if encoding not in {DEFAULT_ENCODING, "utf-16", "utf-32"} and is_utf8(body):
        # Non-ASCII bytes that all form valid UTF-8 sequences are UTF-8 whatever the page
        # says (a "latin-1" header on a UTF-8 WordPress page): in a single- or multi-byte
        # legacy charset, text is practically never valid UTF-8 by chance.
        encoding = DEFAULT_ENCODING
    text = safe_decode(body, encoding)
    if encoding == DEFAULT_ENCODING and "\ufffd" in text:
        guessed = guessed_encoding(body, text)
        if guessed is not None:
            encoding, text = guessed, safe_decode(body, guessed)
    if faults is not None:
        faults.extend(decoding_faults(body, text, declared, encoding))
    return text


def decoding_faults(body: bytes, text: str, declared: str | None, used: str) -> list[str]:
    found = []
    if declared is not None and declared != used:
        found.append("wrong_charset")
    if text.count("\ufffd") > body.count("\ufffd".encode()):  # not the page's own U+FFFDs
        found.append("invalid_bytes")
    if b"\x00" in body and not body.startswith(TEXT_BOMS):
        found.append("nul_bytes")
    return found


def is_utf8(body: bytes) -> bool:
    """Whether `body` is valid UTF-8 holding some non-ASCII text."""
    if body.isascii():
        return False
    try:
        body.decode(DEFAULT_ENCODING)
    except UnicodeDecodeError:
        return False
    return True


def guessed_encoding(body: bytes, utf8_text: str) -> str | None:
    """The charset of a page that is mostly not UTF-8 (see MIN_UTF8_ERRORS), guessed by
    charset_normalizer from its first bytes; None when it is UTF-8 with a few bad bytes."""
    errors = utf8_text.count("\ufffd") - body.count("\ufffd".encode())  # literal U+FFFD
    if errors < MIN_UTF8_ERRORS:
        return None
    non_ascii = len(body.translate(None, ASCII_BYTES))
    if errors < MIN_UTF8_ERROR_SHARE * non_ascii:
        return None
    sample = body[:CHARSET_SNIFF_BYTES]
    if len(body) > CHARSET_SNIFF_BYTES:  # do not cut a multi-byte character in two
        sample = sample[: sample.rfind(b"<") + 1 or None]
    if HTML_MARKUP_RE.search(sample) is None:  # binary served as HTML: nothing to guess
        return None
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(sample))
    except Exception:  # a guess must never make decoding fail
        return None
    if not matches:
        return None
    clean = [match for match in matches if match.chaos <= matches[0].chaos + CHAOS_MARGIN]
    best = min(
        clean, key=lambda match: WEB_ENCODING_RANK.get(match.encoding, len(WEB_ENCODING_RANK))
    )
    encoding = known_encoding(best.encoding)
    return encoding if encoding != DEFAULT_ENCODING else None


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


def parse_html(html: str, faults: list[str] | None = None) -> lxml.html.HtmlElement | None:
    """Parse a decoded document into an `<html>`-rooted tree; None when there is nothing to parse.

    Strips what libxml2 refuses in a str (XML declarations with an encoding, NUL and other
    control characters, lone surrogates) and never raises. Work is bounded: a document is cut
    at MAX_HTML_CHARS, and one that hits libxml2's limits (nesting deeper than 256 elements, a
    text node over 10 MB), where the parser stops and drops the rest, is parsed again with its
    nesting cut to MAX_DEPTH. `faults`, if given, gets "huge_html" and "deep_nesting" when so.
    """
    if not html or html.isspace():
        return None
    cut = bounded(html)
    if faults is not None and len(cut) < len(html):
        faults.append("huge_html")
    cleaned = XML_DECLARATION_RE.sub("", cut, count=1)
    encoded = valid_utf8(cleaned)
    if encoded is None:
        cleaned = INVALID_XML_CHARS_RE.sub("", cleaned)
    if not cleaned.strip():
        return None
    tree = parse_with(HTML_PARSER, cleaned if encoded is None else encoded)
    if hit_limit(HTML_PARSER):
        if faults is not None:
            faults.append("deep_nesting")
        again = parse_with(HUGE_HTML_PARSER, flattened(cleaned))
        tree = tree if again is None else again
    return tree


def valid_utf8(html: str) -> bytes | None:
    """`html` in UTF-8 if it has none of the characters libxml2 refuses (INVALID_XML_CHARS_RE),
    else None. Checked on the bytes, this is three times cheaper than the regex on the str,
    and lxml parses the bytes (in the parser's UTF-8) as it would the str, without encoding it.
    """
    try:
        encoded = html.encode(DEFAULT_ENCODING)
    except UnicodeEncodeError:  # a lone surrogate
        return None
    if len(encoded.translate(None, INVALID_XML_BYTES)) < len(encoded):
        return None
    if any(sequence in encoded for sequence in INVALID_XML_SEQUENCES):
        return None
    return encoded


def bounded(html: str) -> str:
    """`html` cut at MAX_HTML_CHARS, or a little before if a tag starts there."""
    if len(html) <= MAX_HTML_CHARS:
        return html
    cut = html.rfind("<", MAX_HTML_CHARS - SNIFF_MARKUP_BYTES, MAX_HTML_CHARS)
    return html[: cut if cut > 0 else MAX_HTML_CHARS]


def parse_with(parser: etree.HTMLParser, html: str | bytes) -> lxml.html.HtmlElement | None:
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


def hit_limit(parser: etree.HTMLParser) -> bool:
    """Whether the last parse stopped at a libxml2 limit (libxml2 2.14 logs nothing else for
    HTML, so reading the log costs next to nothing)."""
    return any(error.type == RESOURCE_LIMIT for error in parser.error_log)


def flattened(html: str) -> str:
    """`html` without the tags nested MAX_DEPTH deep or deeper (their text is kept).

    A rough count (implied end tags and `<` inside scripts are not modelled), used only on
    the pages libxml2 gave up on.
    """
    pieces: list[str] = []
    kept_to = depth = 0
    for match in TAG_RE.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in FLAT_TAGS or match.group().endswith("/>"):
            continue
        if closing:
            depth = max(depth - 1, 0)
        drop = depth >= MAX_DEPTH
        if not closing:
            depth += 1
        if drop:
            pieces.append(html[kept_to : match.start()])
            kept_to = match.end()
    pieces.append(html[kept_to:])
    return "".join(pieces)
