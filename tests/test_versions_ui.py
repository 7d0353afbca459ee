"""Article versions in Datasette: the versions page, diffs, links from rows, canned queries."""

from __future__ import annotations

import asyncio
import html
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from archive.datasette_plugin import MAX_DIFF_PAIRS, diff_text, diff_words
from archive.publish import make_datasette
from archive.store import Store

T1, T2, T3 = "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(2)&gt;"
STORY = "http://example.com/story"
GONE = "http://example.com/gone"
STEADY = "http://example.com/steady"
# Three versions of one story: a word added to the title, words changed, then hostile markup.
VERSIONS = [
    (
        "Minister opens bridge",
        "The minister opened the old bridge on Monday.\nCrowds gathered on both banks.\n"
        "Traffic resumed at noon.",
    ),
    (
        "Minister opens new bridge",
        "The minister opened the new bridge on Tuesday.\nCrowds gathered on both banks.\n"
        "Traffic resumed at noon.",
    ),
    (
        f"Minister opens new bridge {SCRIPT}",
        f"The minister opened the new bridge on Tuesday.\nCrowds gathered on both banks. {IMG}\n"
        f"Tolls start in {SCRIPT} March.",
    ),
]


def capture(n: int, crawl_id: int, **extra: object) -> dict:
    return {
        "url": f"http://example.com/{n}",
        "host": "example.com",
        "status": 200,
        "fetched_at": f"2026-01-0{min(n, 3)}T00:00:00",
        "content_type": "text/html",
        "payload_digest": f"sha1:{n}",
        "warc_filename": "a.warc.gz",
        "warc_offset": n * 100,
        "warc_length": 100,
        "warc_record_id": f"<urn:uuid:{n}>",
        "crawl_id": crawl_id,
        "record_type": "response",
        **extra,
    }


def article(url: str, title: str, text: str, capture_id: int, crawl_id: int) -> dict:
    return {
        "url": url,
        "host": "example.com",
        "site_name": "Example",
        "title": title,
        "text": text,
        "word_count": len(text.split()),
        "capture_id": capture_id,
        "crawl_id": crawl_id,
    }


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("versions") / "archive.db"
    store = Store(path)
    crawl = store.start_crawl([STORY], "warcs", source="example")
    ids = [store.add_capture(capture(n, crawl)) for n in range(1, 6)]  # captures 1..5
    for (title, text), capture_id, when in zip(VERSIONS, ids[:3], (T1, T2, T3), strict=True):
        store.add_article(article(STORY, title, text, capture_id, crawl), when, new_version=True)
    store.add_article(article(GONE, "Gone story", "Soon deleted.", ids[3], crawl), T1, True)
    store.mark_removed(GONE, T3)
    steady = article(STEADY, "Steady story", "Never changes.", ids[4], crawl)
    store.add_article(steady, T1, new_version=True)
    store.add_article(steady, T2, new_version=False)  # fetched again, unchanged
    store.add_capture(capture(6, crawl, record_type="revisit", revisit_of=ids[4]))
    store.finish_crawl(crawl, "finished", {})
    store.close()
    return path


def get(db: Path, path: str):
    datasette = make_datasette(db)
    return asyncio.run(datasette.client.get(path))


def article_id(db: Path, url: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]


def diff_boxes(page: str) -> list[str]:
    """The title and the text diff of a diff page."""
    return re.findall(r'<div class="diff">(.*?)</div>', page, re.S)


def marks(box: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}>(.*?)</{tag}>", box, re.S)


def sides(box: str) -> tuple[str, str]:
    """The old and the new text a diff was made from, read back from its markup."""
    old = re.sub(r"<ins>.*?</ins>|</?del>", "", box, flags=re.S)
    new = re.sub(r"<del>.*?</del>|</?ins>", "", box, flags=re.S)
    return html.unescape(old), html.unescape(new)


def test_versions_page_lists_versions_newest_first(archive: Path) -> None:
    story = article_id(archive, STORY)
    response = get(archive, f"/-/article/{story}/versions")
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    page = response.text
    positions = [page.index(f"<tr><td>{n}</td>") for n in (3, 2, 1)]
    assert positions == sorted(positions)
    for n in (1, 2, 3):
        assert f'<a href="/-/capture/{n}">capture {n}</a>' in page
    assert f'href="/-/article/{story}/diff?from=2&amp;to=3"' in page
    assert f'href="/-/article/{story}/diff?from=1&amp;to=2"' in page
    assert page.count("/diff?from=") == 2 and "first version" in page
    assert f'href="/archive/articles/{story}"' in page
    assert "3 versions, newest first" in page and "Removed" not in page


def test_versions_page_of_a_removed_article_says_so(archive: Path) -> None:
    page = get(archive, f"/-/article/{article_id(archive, GONE)}/versions").text
    assert f"404 or 410 at {T3}" in page and "1 version, newest first" in page


def test_diff_marks_inserted_and_deleted_words(archive: Path) -> None:
    story = article_id(archive, STORY)
    page = get(archive, f"/-/article/{story}/diff?from=1&to=2").text
    title, text = diff_boxes(page)
    assert title == "Minister opens <ins>new </ins>bridge"
    assert marks(text, "del") == ["old", "Monday."] and marks(text, "ins") == ["new", "Tuesday."]
    assert text.endswith("\nCrowds gathered on both banks.\nTraffic resumed at noon.")
    assert (sides(title), sides(text)) == tuple(zip(VERSIONS[0], VERSIONS[1], strict=True))
    assert f"version 1</strong>, fetched {T1}" in page
    assert f"version 2</strong>, fetched {T2}" in page


def test_diff_defaults_to_the_last_two_versions(archive: Path) -> None:
    page = get(archive, f"/-/article/{article_id(archive, STORY)}/diff").text
    title, text = diff_boxes(page)
    assert marks(title, "ins") == [f" {ESCAPED_SCRIPT}"] and marks(title, "del") == []
    assert "Traffic resumed at noon." in "".join(marks(text, "del"))
    assert "Tolls start in" in "".join(marks(text, "ins"))
    assert (sides(title), sides(text)) == tuple(zip(VERSIONS[1], VERSIONS[2], strict=True))
    assert "version 2</strong>" in page and "version 3</strong>" in page


@pytest.mark.parametrize(
    "path", ["versions", "diff", "diff?from=1&to=3", "diff?from=3&to=1", "diff?from=3&to=3"]
)
def test_hostile_text_is_only_escaped_on_our_pages(archive: Path, path: str) -> None:
    page = get(archive, f"/-/article/{article_id(archive, STORY)}/{path}").text
    assert "<script" not in page and "<img" not in page
    assert ESCAPED_SCRIPT in page
    if path != "versions":  # the versions page lists titles, not texts
        assert ESCAPED_IMG in page


@pytest.mark.parametrize("table", ["articles", "article_versions"])
def test_hostile_text_is_escaped_in_tables(archive: Path, table: str) -> None:
    page = get(archive, f"/archive/{table}").text
    assert SCRIPT not in page and "<img src=x" not in page and ESCAPED_SCRIPT in page


def test_a_single_version_has_nothing_to_compare(archive: Path) -> None:
    response = get(archive, f"/-/article/{article_id(archive, STEADY)}/diff")
    assert response.status_code == 200 and "no other to compare" in response.text
    assert all("<ins>" not in box and "<del>" not in box for box in diff_boxes(response.text))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/-/article/999/versions", 404),
        ("/-/article/999/diff", 404),
        ("/-/article/{story}/diff?from=9", 404),
        ("/-/article/{story}/diff?from=1&to=0", 404),
        ("/-/article/{story}/diff?from=abc", 400),
        ("/-/article/{story}/diff?to=-1", 400),
        ("/-/article/99999999999999999999/versions", 404),  # beyond SQLite's integers
        ("/-/capture/99999999999999999999", 404),
    ],
)
def test_unknown_articles_and_versions(archive: Path, path: str, status: int) -> None:
    response = get(archive, path.format(story=article_id(archive, STORY)))
    assert response.status_code == status, response.text[:300]


def test_rows_link_to_versions_and_captures(archive: Path) -> None:
    story, steady = article_id(archive, STORY), article_id(archive, STEADY)
    articles = get(archive, "/archive/articles").text
    assert f'<a href="/-/article/{story}/versions">3 versions</a>' in articles
    assert f'<a href="/-/article/{steady}/versions">1 version</a>' in articles
    versions = get(archive, "/archive/article_versions").text
    for n in (1, 2, 3):
        assert f'<a href="/-/capture/{n}">capture {n}</a>' in versions
    revisit = get(archive, "/archive/captures/6").text
    assert '<a href="/-/capture/5">capture 5</a>' in revisit


def test_versions_table_is_sorted_and_faceted(archive: Path) -> None:
    versions = get(archive, "/archive/article_versions.json?_shape=objects").json()
    assert [row["fetched_at"] for row in versions["rows"]][:2] == [T3, T2]
    assert "crawl_id" in versions["facet_results"]
    captures = get(archive, "/archive/captures.json").json()
    assert "record_type" in captures["facet_results"]


def test_changed_articles_query(archive: Path) -> None:
    rows = get(archive, "/archive/changed_articles.json?_shape=objects").json()["rows"]
    story = article_id(archive, STORY)
    assert [(row["article_id"], row["version_count"], row["last_changed"]) for row in rows] == [
        (story, 3, T3)
    ]
    page = get(archive, "/archive/changed_articles").text
    assert f'<a href="/-/article/{story}/versions">3 versions</a>' in page


def test_removed_articles_query(archive: Path) -> None:
    rows = get(archive, "/archive/removed_articles.json?_shape=objects").json()["rows"]
    assert [(row["url"], row["removed_at"]) for row in rows] == [(GONE, T3)]


def test_word_diff_escapes_and_keeps_line_breaks_apart() -> None:
    assert diff_words("a <b> c", "a <i> c") == "a <del>&lt;b&gt;</del><ins>&lt;i&gt;</ins> c"
    # a rewritten phrase is one deletion and one insertion, not word by word
    assert diff_words("a old bridge z", "a new tunnel z") == (
        "a <del>old bridge</del><ins>new tunnel</ins> z"
    )
    assert diff_text("one\ntwo\n", "one\n2\n") == "one\n<del>two</del><ins>2</ins>\n"
    assert diff_words("x\ny", "z\nw") == "<del>x</del><ins>z</ins>\n<del>y</del><ins>w</ins>"
    assert diff_text("same", "same") == "same"


def test_huge_diffs_fall_back_to_delete_and_insert() -> None:
    count = int(MAX_DIFF_PAIRS**0.5) + 1
    old, new = " ".join(["x"] * count), " ".join(["y"] * count)
    assert diff_words(old, new) == f"<del>{old}</del><ins>{new}</ins>"


def test_the_capture_of_an_older_version_links_to_its_article(archive: Path) -> None:
    warcs = archive.parent / "warcs"
    warcs.mkdir(exist_ok=True)
    (warcs / "a.warc.gz").touch()  # the banner page only needs the file to exist
    story = article_id(archive, STORY)
    page = get(archive, "/-/capture/1").text  # version 1: no longer the article's capture_id
    assert f'href="/archive/articles/{story}">article</a>' in page
    assert f'href="/-/article/{story}/versions">versions</a>' in page


def test_an_archive_without_versions_still_serves_captures(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    store = Store(path)
    crawl = store.start_crawl([STEADY], "warcs")
    store.add_capture(capture(1, crawl))
    store.add_article(article(STEADY, "Steady", "Text.", 1, crawl), T1, new_version=True)
    store.finish_crawl(crawl, "finished", {})
    store.close()
    with closing(sqlite3.connect(path)) as conn:  # an older newsarc's archive, never migrated
        conn.execute("DROP TABLE article_versions")
        conn.commit()
    (tmp_path / "warcs").mkdir()
    (tmp_path / "warcs" / "a.warc.gz").touch()
    page = get(path, "/-/capture/1")
    assert page.status_code == 200 and 'href="/archive/articles/1">article</a>' in page.text
    assert "/versions" not in page.text
    assert get(path, "/-/article/1/versions").status_code == 404
