"""`newsarc merge`: the shard databases of several crawler workers combined into one archive,
as `newsarc reindex` of all their WARC files would build it."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.runs import RunKey, run_lock
from extractors.boilerplate import SiteProfile
from newsarc.demo import build_sites
from newsarc.demo.server import load_site, running_sites, start_servers, stop_servers
from newsarc.demo.sites import url_to_file

ARTICLES = (
    "SELECT a.url, a.title, a.text, a.site_name, a.category, a.published, a.version_count, "
    "a.removed_at, a.first_seen, a.last_seen, c.warc_filename, c.warc_offset "
    "FROM articles a JOIN captures c ON c.id = a.capture_id ORDER BY a.url"
)
CAPTURES = (
    "SELECT c.url, c.status, c.fetched_at, c.payload_digest, c.page_type, c.warc_filename, "
    "c.warc_offset, c.warc_length, c.warc_record_id, c.record_type, o.warc_record_id "
    "FROM captures c LEFT JOIN captures o ON o.id = c.revisit_of ORDER BY c.warc_record_id"
)
VERSIONS = (
    "SELECT a.url, v.version, v.title, v.text, v.word_count, v.fetched_at, c.warc_filename, "
    "c.warc_offset FROM article_versions v JOIN articles a ON a.id = v.article_id "
    "JOIN captures c ON c.id = v.capture_id ORDER BY a.url, v.version"
)
TRACKERS = "SELECT * FROM site_trackers ORDER BY host, tracker_id"
# Not first_seen and last_seen: a crawl or reindex whose captures are committed together with
# its sites' profiles leaves them NULL (min(NULL, x) in Store._upsert_sites); a merge sets them.
SITES = (
    "SELECT host, name, capture_count, article_count, title_affixes, boilerplate_lines, "
    "profile, spam_score, spam_reason FROM sites ORDER BY host"
)
SITE_SIGNALS = "SELECT host, signal, round(value, 6), reason FROM site_signals ORDER BY 1, 2"
ARTICLE_SIGNALS = (
    "SELECT a.url, s.signal, round(s.value, 6), s.reason FROM article_signals s "
    "JOIN articles a ON a.id = s.article_id ORDER BY 1, 2"
)
# A cluster's id is its smallest article id, and ids differ: clusters compare by members.
PLACEMENTS = (
    "SELECT a.url, a.cluster_id IS NOT NULL, a.cluster_similarity, s.url FROM articles a "
    "LEFT JOIN articles s ON s.id = a.copy_of ORDER BY a.url"
)
STORIES = (
    "SELECT s.title, s.size, s.site_count, s.source_host, s.hosts, s.first_seen, s.last_seen, "
    "src.url, early.url FROM story_clusters s JOIN articles src ON src.id = s.source_id "
    "JOIN articles early ON early.id = s.earliest_id ORDER BY src.url"
)
COMPARED = {
    "articles": ARTICLES,
    "captures": CAPTURES,
    "versions": VERSIONS,
    "trackers": TRACKERS,
    "sites": SITES,
    "site signals": SITE_SIGNALS,
    "article signals": ARTICLE_SIGNALS,
    "placements": PLACEMENTS,
    "stories": STORIES,
}


def clusters(db: Path) -> list[tuple[str, ...]]:
    """Every story cluster as the sorted URLs of its members."""
    members: dict[int, list[str]] = {}
    for cluster, url in rows(db, "SELECT cluster_id, url FROM articles WHERE cluster_id > 0"):
        members.setdefault(cluster, []).append(url)
    return sorted(tuple(sorted(urls)) for urls in members.values())


def newsarc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsarc", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd)  # fmt: skip


def crawl(urls: list[str], out: Path, *settings: str) -> None:
    extra = [item for setting in settings for item in ("-s", setting)]
    result = newsarc("crawl", *urls, "--fast", "--db", str(out / "shard.db"),
                     "--warc-dir", str(out / "warcs"), *extra)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


def merge(db: Path, *shards: Path) -> subprocess.CompletedProcess:
    result = newsarc("merge", *map(str, shards), "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table (FTS shadow tables aside)."""
    with sqlite3.connect(db) as conn:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%'"
        tables = [name for (name,) in conn.execute(sql)]
        return {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two workers' shards of disjoint sites (a news site and a farm each: the farm of shard A
    copies stories of the news site of shard B), their merge, and reindex of all the WARCs."""
    root = tmp_path_factory.mktemp("merge")
    build_sites(root / "sites", articles_per_site=20)
    with running_sites(root / "sites") as bases:
        crawl([bases["ledger"], bases["farm"]], root / "a")
        crawl([bases["tribune"], bases["visas"]], root / "b")
    result = merge(root / "merged.db", root / "a" / "shard.db", root / "b" / "shard.db")
    reindex = newsarc("reindex", str(root / "a" / "warcs"), str(root / "b" / "warcs"),
                      "--db", str(root / "reindexed.db"))  # fmt: skip
    assert reindex.returncode == 0, reindex.stderr[-2000:]
    return {
        "root": root,
        "a": root / "a" / "shard.db",
        "b": root / "b" / "shard.db",
        "merged": root / "merged.db",
        "reindexed": root / "reindexed.db",
        "stderr": result.stderr,  # type: ignore[dict-item]
    }


@pytest.mark.parametrize("what", list(COMPARED))
def test_the_merge_is_what_reindex_of_every_warc_builds(shards, what: str) -> None:
    merged = rows(shards["merged"], COMPARED[what])
    assert merged, what
    assert merged == rows(shards["reindexed"], COMPARED[what])


def test_the_merge_has_the_story_clusters_reindex_finds(shards) -> None:
    found = clusters(shards["merged"])
    assert len(found) >= 20 and found == clusters(shards["reindexed"])


def test_the_merge_holds_both_shards(shards) -> None:
    for table in ("captures", "articles", "article_versions"):
        both = sum(rows(shards[key], f"SELECT count(*) FROM {table}")[0][0] for key in "ab")
        assert rows(shards["merged"], f"SELECT count(*) FROM {table}") == [(both,)]
    assert len(rows(shards["merged"], ARTICLES)) == 80
    crawls = rows(shards["merged"], "SELECT warc_dir, status FROM crawls ORDER BY id")
    assert crawls == [(str((shards["root"] / k / "warcs").resolve()), "finished") for k in "ab"]
    lines = str(shards["stderr"]).strip().splitlines()
    assert lines[0].startswith(f"newsarc: shard {shards['a']}: ")
    assert lines[1].startswith(f"newsarc: shard {shards['b']}: ")
    assert lines[-1].startswith(f"newsarc: merged 2 shards into {shards['merged']}: ")
    assert "80 articles (80 new, 0 updated), 80 versions" in lines[-1]


def test_copies_across_shards_join_their_sources_story(shards) -> None:
    manifest = json.loads((shards["root"] / "sites" / "manifest.json").read_text())
    names = dict(rows(shards["merged"], "SELECT name, host FROM sites"))
    base = {key: "http://" + names[site["name"]] for key, site in manifest["sites"].items()}
    placed = {
        url: (cluster, source)
        for url, cluster, source in rows(
            shards["merged"],
            "SELECT a.url, a.cluster_id, s.url FROM articles a "
            "LEFT JOIN articles s ON s.id = a.copy_of",
        )
    }
    across = 0
    for entry in manifest["sites"]["farm"]["articles"]:
        if entry["copy_of"] and entry["copy_of"].startswith("tribune:"):
            source = base["tribune"] + entry["copy_of"].split(":", 1)[1]
            copy = base["farm"] + entry["path"]
            assert placed[copy][0] is not None and placed[copy][0] == placed[source][0], copy
            across += 1
    assert across >= 5
    signals = rows(
        shards["merged"],
        "SELECT count(*) FROM article_signals WHERE signal = 'copied_from' "
        f"AND host = '{names['Job Recruitment Website']}' AND reason LIKE '%{base['tribune']}%'",
    )
    assert signals[0][0] >= across - 1  # a verbatim copy may be taken for the source


def test_check_passes_on_the_merged_archive(shards) -> None:
    result = newsarc("check", "--db", str(shards["merged"]), cwd=shards["root"])
    assert result.returncode == 0, result.stdout[-2000:]
    assert "FAULT" not in result.stdout


def test_merging_again_changes_nothing(shards, tmp_path: Path) -> None:
    db = tmp_path / "twice.db"
    shutil.copy(shards["merged"], db)
    before = dump(db)
    again = merge(db, shards["a"], shards["b"])
    assert "0 captures added" in again.stderr
    assert dump(db) == before


def test_a_merge_stopped_half_way_is_finished_by_the_next(shards, tmp_path: Path) -> None:
    db = tmp_path / "stopped.db"
    shutil.copy(shards["merged"], db)
    with sqlite3.connect(db) as conn:  # stopped before stories, signals and profiles
        conn.execute("UPDATE articles SET cluster_id = NULL, cluster_similarity = NULL, "
                     "copy_of = NULL")  # fmt: skip
        for table in ("story_clusters", "article_signatures", "article_signals", "site_signals"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("UPDATE sites SET spam_score = NULL, spam_reason = NULL")
    (tmp_path / ".stopped.db.merge.lock").write_bytes(b"pending")
    again = merge(db, shards["a"], shards["b"])
    assert "finished the merge that was stopped before" in again.stderr
    assert (tmp_path / ".stopped.db.merge.lock").read_bytes() == b""
    for what, sql in COMPARED.items():
        assert rows(db, sql) == rows(shards["merged"], sql), what
    assert clusters(db) == clusters(shards["merged"])


def test_shards_merged_one_by_one_give_the_same_archive(shards, tmp_path: Path) -> None:
    db = tmp_path / "one-by-one.db"
    merge(db, shards["b"])
    merge(db, shards["a"], shards["b"])  # b again: already there
    for what, sql in COMPARED.items():
        assert rows(db, sql) == rows(shards["merged"], sql), what
    assert clusters(db) == clusters(shards["merged"])


def edit_article(site: Path, path: str) -> None:
    """A correction added to the first paragraph of an article page."""
    page = site / url_to_file(path)
    html = page.read_text(encoding="utf-8")
    assert html.count("<p>") > 3
    correction = "<p>Correction: an earlier version of this story gave the wrong figure. "
    page.write_text(html.replace("<p>", correction, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One site crawled twice into shard A (the second time every article again: revisits),
    then, after one article changed and another was taken down (still linked: a 404), once
    into shard B, which knows nothing of A."""
    root = tmp_path_factory.mktemp("versions")
    manifest = build_sites(root / "sites", articles_per_site=8)
    servers = start_servers(root / "sites")
    try:
        ledger = servers["ledger"]
        crawl([ledger.base_url], root / "a")
        crawl([ledger.base_url], root / "a", "NEWSARC_RECRAWL_MAX=0")
        changed = manifest["sites"]["ledger"]["articles"][0]["path"]
        edit_article(root / "sites" / "ledger", changed)
        removed = manifest["sites"]["ledger"]["articles"][1]["path"]
        (root / "sites" / "ledger" / url_to_file(removed)).unlink()
        ledger.resources = load_site(root / "sites" / "ledger", ledger.base_url, ledger.chunked)
        crawl([ledger.base_url], root / "b")
    finally:
        stop_servers(servers)
    merge(root / "merged.db", root / "a" / "shard.db", root / "b" / "shard.db")
    return {
        "root": root,
        "a": root / "a" / "shard.db",
        "b": root / "b" / "shard.db",
        "merged": root / "merged.db",
        "changed": ledger.base_url + changed,  # type: ignore[dict-item]
        "removed": ledger.base_url + removed,  # type: ignore[dict-item]
    }


def test_an_article_changed_between_shards_has_two_versions(recrawled) -> None:
    counts = dict(rows(recrawled["merged"], "SELECT url, version_count FROM articles"))
    assert len(counts) == 8
    assert counts.pop(str(recrawled["changed"])) == 2
    assert set(counts.values()) == {1}
    versions = rows(
        recrawled["merged"],
        "SELECT v.text, c.crawl_id FROM article_versions v JOIN articles a ON a.id = "
        f"v.article_id JOIN captures c ON c.id = v.capture_id WHERE a.url = "
        f"'{recrawled['changed']}' ORDER BY v.version",
    )
    assert "Correction:" not in versions[0][0] and "Correction:" in versions[1][0]
    assert versions[0][1] != versions[1][1]  # shard A's crawl, then shard B's
    latest = rows(
        recrawled["merged"], f"SELECT text FROM articles WHERE url = '{recrawled['changed']}'"
    )
    assert latest == [(versions[1][0],)]


def test_an_article_gone_in_a_later_shard_is_marked_removed(recrawled) -> None:
    url = str(recrawled["removed"])
    assert rows(recrawled["b"], f"SELECT count(*) FROM articles WHERE url = '{url}'") == [(0,)]
    gone = rows(
        recrawled["merged"],
        f"SELECT c.fetched_at FROM captures c JOIN crawls ON crawls.id = c.crawl_id "
        f"WHERE c.url = '{url}' AND c.status = 404",
    )
    assert len(gone) == 1
    found = rows(
        recrawled["merged"],
        f"SELECT removed_at, last_seen, version_count FROM articles WHERE url = '{url}'",
    )
    assert found == [(gone[0][0], gone[0][0], 1)]


def test_versions_across_shards_are_what_reindex_finds(recrawled, tmp_path: Path) -> None:
    db = tmp_path / "reindexed.db"
    warcs = [str(recrawled["root"] / key / "warcs") for key in "ab"]
    result = newsarc("reindex", *warcs, "--db", str(db))
    assert result.returncode == 0, result.stderr[-2000:]
    for what in ("articles", "captures", "versions", "sites"):
        assert rows(recrawled["merged"], COMPARED[what]) == rows(db, COMPARED[what]), what


def test_revisits_in_a_shard_point_at_their_originals(recrawled) -> None:
    revisits = rows(
        recrawled["merged"],
        "SELECT c.url, c.refers_to, o.url, o.warc_record_id, o.record_type FROM captures c "
        "LEFT JOIN captures o ON o.id = c.revisit_of WHERE c.record_type = 'revisit'",
    )
    assert len(revisits) >= 8
    for url, refers_to, original_url, original_id, kind in revisits:
        assert (original_url, original_id, kind) == (url, refers_to, "response")


def split_by_crawl(shard: Path, first: Path, second: Path) -> None:
    """Shard A as two workers would have written it: the first crawl in one shard; the
    second crawl's captures in another, whose revisits know their originals only by
    WARC-Refers-To (half of them not even that: URL and digest then)."""
    for out in (first, second):
        with sqlite3.connect(shard) as source, sqlite3.connect(out) as copy:
            source.backup(copy)
    with sqlite3.connect(first) as conn:
        conn.execute("DELETE FROM captures WHERE crawl_id = 2")
        conn.execute("DELETE FROM crawls WHERE id = 2")
    with sqlite3.connect(second) as conn:
        for table in ("article_signals", "article_signatures", "story_clusters",
                      "article_versions", "articles", "site_trackers"):  # fmt: skip
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM captures WHERE crawl_id = 1")
        conn.execute("DELETE FROM crawls WHERE id = 1")
        conn.execute("UPDATE captures SET revisit_of = NULL")
        conn.execute("UPDATE captures SET refers_to = NULL WHERE id % 2 = 0")
        conn.execute("UPDATE sites SET profile = NULL")


def test_revisits_whose_original_is_in_another_shard_resolve(recrawled, tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    split_by_crawl(recrawled["a"], first, second)
    whole, split = tmp_path / "whole.db", tmp_path / "split.db"
    merge(whole, recrawled["a"])
    result = merge(split, second, first)  # the revisits' shard first
    resolved = rows(split, "SELECT count(*) FROM captures WHERE record_type = 'revisit'")[0][0]
    assert resolved >= 8 and f"{resolved} revisits resolved across shards" in result.stderr
    for what in ("captures", "articles", "versions"):  # last_seen from the other shard's revisits
        assert rows(split, COMPARED[what]) == rows(whole, COMPARED[what]), what


def test_a_shard_merged_again_after_it_grew(recrawled, tmp_path: Path) -> None:
    before, rest = tmp_path / "before.db", tmp_path / "rest.db"
    split_by_crawl(recrawled["a"], before, rest)  # shard A as it was after its first crawl
    db, whole = tmp_path / "grown.db", tmp_path / "whole.db"
    merge(db, before)
    merge(db, recrawled["a"])
    merge(whole, recrawled["a"])
    for what in ("captures", "articles", "versions", "trackers", "sites"):
        assert rows(db, COMPARED[what]) == rows(whole, COMPARED[what]), what


def test_a_shard_without_site_profiles_is_learned_from_its_articles(shards, tmp_path) -> None:
    killed = tmp_path / "killed.db"  # as a crawl killed before its end leaves it
    with sqlite3.connect(shards["a"]) as source, sqlite3.connect(killed) as copy:
        source.backup(copy)
    with sqlite3.connect(killed) as conn:
        conn.execute("UPDATE sites SET profile = NULL, title_affixes = NULL")
    db, whole = tmp_path / "learned.db", tmp_path / "whole.db"
    merge(db, killed)
    merge(whole, shards["a"])
    learned = "SELECT host, title_affixes, boilerplate_lines FROM sites ORDER BY host"
    assert rows(db, learned) == rows(whole, learned)
    assert rows(db, ARTICLES) == rows(whole, ARTICLES)


# --- errors -----------------------------------------------------------------------------------


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


def test_bad_shards_are_one_line_errors_and_nothing_is_written(shards, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    missing = newsarc("merge", str(tmp_path / "nope.db"), "--db", str(target))
    assert one_line_error(missing) == f"Error: {tmp_path / 'nope.db'}: no such file"
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to look like a file header\n" * 20)
    one_line_error(newsarc("merge", str(text), "--db", str(target)), "not a newsarc database")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    one_line_error(newsarc("merge", str(other), "--db", str(target)), "not a newsarc database")
    one_line_error(
        newsarc("merge", str(shards["a"]), str(text), "--db", str(target)), str(text)
    )  # a good shard before a bad one: still nothing written
    assert not target.exists() and not list(tmp_path.glob(".target.db*"))
    # A target that is not an archive is left alone.
    before = digest(other)
    one_line_error(newsarc("merge", str(shards["a"]), "--db", str(other)), "not a newsarc")
    assert digest(other) == before


def test_the_target_cannot_be_a_shard(shards, tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    shutil.copy(shards["a"], db)
    before = digest(db)
    one_line_error(
        newsarc("merge", str(shards["b"]), "archive.db", "--db", str(db), cwd=tmp_path),
        "target",
    )
    assert digest(db) == before


def test_a_shard_still_being_crawled_is_refused(shards, tmp_path: Path) -> None:
    shard = tmp_path / "busy.db"
    with sqlite3.connect(shards["a"]) as source, sqlite3.connect(shard) as copy:
        source.backup(copy)
    with sqlite3.connect(shard) as conn:
        conn.execute("UPDATE crawls SET status = 'running', finished_at = NULL")
        source_name, start_urls = conn.execute("SELECT source, start_urls FROM crawls").fetchone()
    target = tmp_path / "target.db"
    shutil.copy(shards["b"], target)
    before = digest(target)
    with run_lock(shard, RunKey(source_name, json.loads(start_urls))):
        busy = newsarc("merge", str(shard), "--db", str(target))
    one_line_error(busy, str(shard), "still running")
    assert digest(target) == before
    # Its process gone (the lock free), the crawl is one that died: the shard can be merged.
    merge(target, shard)
    assert rows(target, "SELECT status FROM crawls ORDER BY id")[-1] == ("running",)


# --- SiteProfile.merge ------------------------------------------------------------------------


def learned(pages: range, host: str = "farm.example") -> SiteProfile:
    profile = SiteProfile(host)
    for n in pages:
        text = "\n".join(
            [f"Story {n} is about harbour {n * 7}.", "ADVERTISEMENT", f"Tags: harbour, s{n}"]
        )
        profile.learn(text, [f"Story {n}", "Farm News"], page=f"https://farm.example/{n}")
    return profile


def test_site_profiles_merge_as_if_one_had_learned_every_page() -> None:
    first, second = learned(range(0, 12)), learned(range(12, 30))
    first.merge(second)
    assert first.to_json() == learned(range(30)).to_json()
    assert first.has_learned("https://farm.example/29")
    assert not first.has_learned("https://farm.example/30")
    assert first.title_affixes() == ["Farm News"]
    assert first.clean_text("Story 3 is about harbour 21.\nADVERTISEMENT") == (
        "Story 3 is about harbour 21."
    )


def test_a_page_learned_by_two_profiles_is_counted_twice() -> None:
    both = learned(range(0, 10))
    both.merge(learned(range(5, 10)))
    alone = learned(range(0, 10))
    assert both.pages == 15 and both.seen == alone.seen
    assert both.lines != alone.lines
    with pytest.raises(ValueError):
        both.merge(learned(range(3), host="other.example"))
