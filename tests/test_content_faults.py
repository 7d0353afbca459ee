"""What is wrong with a page's content is named (CONTENT_FAULTS, counted in a crawl's stats)."""

from __future__ import annotations

import pytest

from conftest import article_html
from extractors import html as html_module
from extractors.html import decode_html
from extractors.page import analyze_page

STORY = article_html("harbour", "Ferry strike ends after talks")


def decoding_faults(body: bytes, declared: str | None = None) -> list[str]:
    faults: list[str] = []
    decode_html(body, declared, faults)
    return faults


def test_decoding_faults() -> None:
    russian = STORY.replace("Ferry strike ends", "Паром снова ходит по расписанию, забастовка")
    assert decoding_faults(russian.encode("cp1251"), "utf-8") == ["wrong_charset"]
    assert decoding_faults(russian.encode("utf-8"), "windows-1252") == ["wrong_charset"]
    assert decoding_faults(russian.encode("utf-8"), "utf-8") == []
    assert decoding_faults(STORY.encode() + b"\xff\xfe\xfa tail") == ["invalid_bytes"]
    assert decoding_faults(STORY.replace("<p>", "<p>\x00").encode()) == ["nul_bytes"]
    assert decoding_faults("<p>a literal \ufffd stays</p>".encode()) == []


def test_analysis_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert analyze_page(STORY, "http://a.example/s").faults == []
    deep = STORY.replace("<body>", "<body>" + "<div>" * 10_000, 1)
    assert analyze_page(deep, "http://a.example/s").faults == ["deep_nesting"]
    stuffed = STORY.replace("<title>", "<title>" + "cheap visa jobs " * 100, 1)
    assert analyze_page(stuffed, "http://a.example/s").faults == ["huge_title"]
    binary = "".join(chr(n % 32) for n in range(5000))
    assert analyze_page(binary, "http://a.example/s").faults == ["not_html"]
    monkeypatch.setattr(html_module, "MAX_HTML_CHARS", len(STORY) // 2)
    assert analyze_page(STORY, "http://a.example/s").faults == ["huge_html"]
