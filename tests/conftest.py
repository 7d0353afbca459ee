"""Shared fixtures: WARC checks and helpers; every server runs on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Every test server listens on 127.0.0.1, which the address guard refuses by default: the
# crawls the tests start (and Scrapy run in-process) may fetch it. tests/test_guard.py turns
# the guard back on where it tests it.
os.environ["NEWSARC_ALLOW_PRIVATE"] = "1"

WARCIO_MAIN = "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))"


def warcio_check(*paths: Path) -> subprocess.CompletedProcess:
    """`warcio check -v` on the files, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-c", WARCIO_MAIN, "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
    )


WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
]


def article_html(slug: str, headline: str) -> str:
    paragraphs = "".join(
        f"<p>{headline} was reported on {n}. The {WORDS[n % 13]} council met in the town hall to "
        f"discuss the {slug} plan, and officials said the {WORDS[(n + 3) % 13]} budget would "
        f"rise by {n * 7} percent next year, according to documents seen by reporters.</p>"
        for n in range(1, 8)
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{headline} | Test Gazette</title>"
        "<meta property='og:type' content='article'>"
        "<meta property='og:site_name' content='Test Gazette'>"
        "<meta property='article:published_time' content='2024-05-01T10:00:00Z'>"
        "</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{headline}</h1><p class='byline'>By Ann Writer</p>{paragraphs}</article>"
        "<footer>Copyright Test Gazette</footer></body></html>"
    )
