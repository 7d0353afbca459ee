"""`newsarc check`: a clean archive passes; every kind of damage is reported with its file and
offset; `--repair` closes what a killed crawl left open and adds the rows records lack."""

from __future__ import annotations

import bisect
import gzip
import io
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.check import check_archive
from archive.warc import HttpExchange, Original, RotatingWarcWriter, cdxj_path
from conftest import article_html, warcio_check
from newsarc.demo import build_sites
from newsarc.demo.server import running_sites

ARTICLES = [f"/news/story-{n}.html" for n in range(1, 7)]
ARCHIVE_OPTIONS = ("--db", "archive.db", "--warc-dir", "warcs")


def newsarc(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsarc", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def check(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    """`newsarc check` on the archive in `folder` (archive.db, warcs/), run from there."""
    return newsarc("check", *ARCHIVE_OPTIONS, *extra, cwd=folder)


def faults(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("FAULT ")]


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def change(db: Path, sql: str, *params: object) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(sql, params)
        conn.commit()


def records_of(paths: list[Path]) -> list[tuple[str, str, int]]:
    """(type, file name, offset) of every record."""
    found = []
    for path in paths:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream)
            for record in iterator:
                iterator.read_to_end()
                found.append((record.rec_type, path.name, iterator.get_record_offset()))
    return found


# --- an archive of a small local site, crawled twice (the second time: revisits) ------------


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("check-archive")
    with HTTPServer(host="127.0.0.1", port=0) as server:
        links = "".join(f'<a href="{path}">story</a> ' for path in ARTICLES)
        home = f"<html><body>{links}<a href='/gone.html'>gone</a></body></html>"
        server.expect_request("/").respond_with_data(home, content_type="text/html")
        server.expect_request("/robots.txt").respond_with_data("", status=404)
        server.expect_request("/gone.html").respond_with_data("gone", status=404)
        for n, path in enumerate(ARTICLES, 1):
            page = article_html(f"story{n}", f"Council story number {n}")
            server.expect_request(path).respond_with_data(page, content_type="text/html")
        for extra in ((), ("-s", "NEWSARC_RECRAWL_MIN=0", "-s", "NEWSARC_RECRAWL_MAX=0")):
            command = ("crawl", server.url_for("/"), "--fast", *ARCHIVE_OPTIONS, *extra)
            result = newsarc(*command, cwd=out)
            assert result.returncode == 0, result.stderr[-2000:]
    return out


def copy_archive(source: Path, target: Path) -> Path:
    """A copy of an archive whose crawls name the copy's WARC folder."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "warcs", target / "warcs")
    source_db = closing(sqlite3.connect(source / "archive.db"))
    with source_db as src, closing(sqlite3.connect(target / "archive.db")) as dst:
        src.backup(dst)
    change(target / "archive.db", "UPDATE crawls SET warc_dir = ?", str(target.resolve() / "warcs"))
    return target


def a_response(db: Path, path: str = ARTICLES[2]) -> tuple[int, str, int, int]:
    """(row id, WARC file name, offset, length) of an article's first response."""
    return query(
        db,
        "SELECT id, warc_filename, warc_offset, warc_length FROM captures "
        "WHERE url LIKE ? AND record_type = 'response' ORDER BY id LIMIT 1",
        ("%" + path,),
    )[0]


def test_a_clean_archive_passes(archive: Path) -> None:
    warcs = sorted((archive / "warcs").glob("*.warc.gz"))
    assert len(warcs) == 2  # one per crawl
    records = records_of(warcs)
    rows = query(archive / "archive.db", "SELECT record_type, count(*) FROM captures GROUP BY 1")
    assert dict(rows)["revisit"] >= len(ARTICLES)  # the second crawl found them unchanged
    started = time.monotonic()
    result = check(archive)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"checked 2 WARC files ({len(records)} records) and {sum(n for _, n in rows)} "
        "database rows: 0 faults"
    ]
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert elapsed < 30


def test_the_archive_is_checked_from_anywhere(archive: Path, tmp_path: Path) -> None:
    """The default --warc-dir may be missing: the crawls' own folders are checked."""
    result = newsarc("check", "--db", str(archive / "archive.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("checked 2 WARC files")


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda length: length // 2, id="compressed-data"),
        pytest.param(lambda length: 5, id="gzip-header-time"),
        pytest.param(lambda length: length - 6, id="gzip-crc"),
    ],
)
def test_a_flipped_byte_is_reported_with_file_and_offset(
    archive: Path, tmp_path: Path, where
) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    row_id, name, offset, length = a_response(copy / "archive.db")
    path = copy / "warcs" / name
    data = bytearray(path.read_bytes())
    data[offset + where(length)] ^= 0x04
    path.write_bytes(data)
    result = check(copy)
    assert result.returncode == 1
    lines = faults(result)
    at = f"warcs/{name}@{offset}:"
    assert any(line.startswith(("FAULT gzip ", "FAULT digest ")) and at in line for line in lines)
    if where(length) != 5:  # the record cannot be read: its row cannot read it back
        assert f"FAULT row {at} captures row {row_id}: its record at this offset is damaged" in (
            "\n".join(lines)
        )
    assert f": {len(lines)} fault" in result.stdout.splitlines()[-1]
    # --repair leaves a damaged record alone, and says so
    repaired = check(copy, "--repair")
    assert repaired.returncode == 1 and path.read_bytes() == data
    assert any(at in line for line in faults(repaired))


def small_warc(folder: Path) -> tuple[Path, list[int]]:
    """A WARC written as the crawler writes them: a response, and two revisits of it."""
    writer = RotatingWarcWriter(folder)

    def exchange(body: bytes, status: int = 200) -> HttpExchange:
        return HttpExchange(
            url="http://example.com/a",
            method="GET",
            request_headers=[("User-Agent", "test")],
            request_body=b"",
            status=status,
            response_headers=[("Content-Type", "text/html")],
            body=body,
        )

    body = b"<html><body><p>A short page about the council budget.</p></body></html>"
    first = writer.write_exchange(exchange(body))
    original = Original(
        "http://example.com/a", first.record_id, first.warc_date, first.payload_digest
    )
    writer.write_revisit(exchange(body), original)
    writer.write_revisit(exchange(b"", 304), original)
    writer.close()
    path = folder / first.filename
    return path, [offset for _, _, offset in records_of([path])]


def test_every_changed_bit_of_a_warc_is_reported_at_its_record(tmp_path: Path) -> None:
    """Digests cover blocks, gzip CRCs cover whole records; the gzip header and the padding
    bits after the compressed data are covered too: no single changed bit goes unnoticed."""
    path, starts = small_warc(tmp_path)
    assert check_archive(None, tmp_path).ok
    data = path.read_bytes()
    ends = [*starts[1:], len(data)]
    flips = {(position, 1 << (position % 8)) for position in range(len(data))}
    for end in ends:  # every bit of each record's gzip trailer and last compressed byte
        flips |= {(position, 1 << bit) for position in range(end - 10, end) for bit in range(8)}
    unnoticed, misplaced = [], []
    for position, bit in sorted(flips):
        changed = bytearray(data)
        changed[position] ^= bit
        path.write_bytes(changed)
        report = check_archive(None, tmp_path)
        record = starts[bisect.bisect_right(starts, position) - 1]
        if report.ok:
            unnoticed.append((position, bit))
        elif not any(fault.offset == record for fault in report.faults):
            misplaced.append((position, bit, [str(fault) for fault in report.faults]))
    assert len(flips) > len(data) and unnoticed == [] and misplaced == []


def test_a_changed_body_in_a_whole_gzip_member_fails_its_digests(tmp_path: Path) -> None:
    """A record whose body was changed and compressed again (valid gzip, so no CRC error),
    and the same change in an uncompressed WARC: the digests catch both."""
    path, starts = small_warc(tmp_path)
    data = path.read_bytes()
    response = starts[1]
    member = gzip.decompress(data[response : starts[2]])
    assert member.count(b"council budget") == 1
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # as warcio compresses: no time stamp
    changed = member.replace(b"council budget", b"council budgie")
    changed = compressor.compress(changed) + compressor.flush()
    path.write_bytes(data[:response] + changed + data[starts[2] :])
    report = check_archive(None, tmp_path)
    assert [(fault.kind, fault.offset) for fault in report.faults] == [("digest", response)]
    assert "block digest failed" in report.faults[0].message
    assert "payload digest failed" in report.faults[0].message

    plain = tmp_path / "plain"
    plain.mkdir()
    whole = gzip.decompress(data)  # every member, uncompressed: a .warc file
    (plain / "a.warc").write_bytes(whole.replace(b"council budget", b"council budgie"))
    report = check_archive(None, plain)
    assert [fault.kind for fault in report.faults] == ["digest"]
    assert report.faults[0].offset == records_of([plain / "a.warc"])[1][2]  # the response


def test_a_truncated_file_is_reported(archive: Path, tmp_path: Path) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    row_id, name, offset, length = a_response(copy / "archive.db", ARTICLES[-1])
    path = copy / "warcs" / name
    with open(path, "r+b") as handle:
        handle.truncate(offset + length // 2)
    result = check(copy)
    assert result.returncode == 1
    text = "\n".join(faults(result))
    assert f"FAULT truncated warcs/{name}@{offset}: the file ends inside this record" in text
    assert f"FAULT row warcs/{name}@{offset}: captures row {row_id}:" in text


def test_a_missing_warc_file_is_reported(archive: Path, tmp_path: Path) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    first = sorted((copy / "warcs").glob("*.warc.gz"))[0]
    first.unlink()
    rows = query(
        copy / "archive.db", "SELECT count(*) FROM captures WHERE warc_filename = ?", (first.name,)
    )[0][0]
    result = check(copy)
    assert result.returncode == 1
    lines = faults(result)
    assert (
        f"FAULT missing warcs/{first.name}: {rows} captures rows (id 1, 2, 3, 4, 5, …) name "
        "this WARC file, which is in none of the WARC folders checked" in lines
    )
    # the second crawl's revisits refer to records of the missing file
    assert any(
        line.startswith("FAULT refers-to ") and "no readable record" in line for line in lines
    )


def test_a_missing_warc_folder_is_reported(archive: Path, tmp_path: Path) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    result = newsarc("check", "--db", "archive.db", "--warc-dir", "elsewhere", cwd=copy)
    assert result.returncode == 1
    assert faults(result) == ["FAULT missing elsewhere: WARC folder (--warc-dir) is missing"]
    shutil.rmtree(copy / "warcs")
    result = newsarc("check", "--db", "archive.db", cwd=copy)
    assert result.returncode == 1
    missing = [line for line in faults(result) if line.startswith("FAULT missing ")]
    assert missing[0] == "FAULT missing warcs: WARC folder (--warc-dir; crawls 1, 2) is missing"
    assert len(missing) == 3  # the folder, and each file rows name


def test_rows_that_do_not_read_back_their_record(archive: Path, tmp_path: Path) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    db = copy / "archive.db"
    moved, name, offset, _ = a_response(db, ARTICLES[0])
    renamed, name2, offset2, _ = a_response(db, ARTICLES[1])
    relabelled, name3, offset3, _ = a_response(db, ARTICLES[2])
    change(db, "UPDATE captures SET warc_offset = warc_offset + 1 WHERE id = ?", moved)
    change(db, "UPDATE captures SET warc_record_id = '<urn:uuid:0000>' WHERE id = ?", renamed)
    change(db, "UPDATE captures SET url = url || '?x', payload_digest = 'sha1:AAAA' WHERE id = ?",
           relabelled)  # fmt: skip
    result = check(copy)
    assert result.returncode == 1
    text = "\n".join(faults(result))
    moved_line = f"FAULT row warcs/{name}@{offset + 1}: captures row {moved}: no record starts "
    assert f"{moved_line}at this offset; its record <urn:uuid:" in text
    assert f"is at warcs/{name}@{offset}\n" in text
    assert (
        f"FAULT row warcs/{name2}@{offset2}: captures row {renamed}: its record ID "
        "<urn:uuid:0000> is not the record's (<urn:uuid:" in text
    )
    # the record the row used to name now has no row
    assert f"FAULT no-row warcs/{name2}@{offset2}: response record <urn:uuid:" in text
    assert f"FAULT row warcs/{name3}@{offset3}: captures row {relabelled}: its URL " in text
    assert "its payload digest sha1:AAAA is not the record's (sha1:" in text
    assert len(faults(result)) == 4


def test_a_record_without_row_is_reported_and_repair_adds_it(archive: Path, tmp_path: Path) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    db = copy / "archive.db"
    row_id, name, offset, length = a_response(db)
    before = query(
        db, "SELECT url, warc_record_id, payload_digest FROM captures WHERE id = ?", (row_id,)
    )[0]
    change(db, "DELETE FROM captures WHERE id = ?", row_id)
    result = check(copy)
    assert result.returncode == 1
    assert faults(result) == [
        f"FAULT no-row warcs/{name}@{offset}: response record {before[1]} ({before[0]}) has no "
        "captures row"
    ]
    repaired = check(copy, "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert f"REPAIRED added 1 captures rows for records of warcs/{name}" in repaired.stdout
    assert repaired.stdout.splitlines()[-1].endswith(": 0 faults")
    after = query(
        db,
        "SELECT url, warc_record_id, payload_digest, warc_filename, warc_offset, "
        "warc_length FROM captures WHERE warc_record_id = ?",
        (before[1],),
    )
    assert after == [(*before, name, offset, length)]
    assert check(copy).returncode == 0


def test_a_missing_or_stale_cdxj_index_is_reported_and_rewritten(
    archive: Path, tmp_path: Path
) -> None:
    copy = copy_archive(archive, tmp_path / "copy")
    first, second = sorted((copy / "warcs").glob("*.warc.gz"))
    cdxj_path(first).unlink()
    index = cdxj_path(second)
    lines = index.read_text().splitlines()
    index.write_text("\n".join(lines[1:]) + "\n")  # an entry lost
    result = check(copy)
    assert result.returncode == 1
    lines = faults(result)
    assert (
        f"FAULT cdxj warcs/{first.name}: no CDXJ index beside it ({cdxj_path(first).name}): "
        "--repair writes it" in lines
    )
    assert any(
        line.startswith(f"FAULT cdxj warcs/{second.name}@")
        and "1 responses or revisits are not in it" in line
        for line in lines
    )
    assert len(lines) == 2
    repaired = check(copy, "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert cdxj_path(first).is_file() and check(copy).returncode == 0


# --- structure, written by hand ------------------------------------------------------------


def hand_written(path: Path, records: list[tuple[str, dict[str, str], bytes]]) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        for rec_type, headers, body in records:
            if rec_type == "warcinfo":
                record = writer.create_warcinfo_record(path.name, {"software": "test"})
            else:
                http = (
                    StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                    if rec_type == "response"
                    else None
                )
                if rec_type == "request":
                    http = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
                record = writer.create_warc_record(
                    "http://example.com/",
                    rec_type,
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict=headers,
                )
            writer.write_record(record)


def test_structure_faults(tmp_path: Path) -> None:
    first = "<urn:uuid:11111111-1111-1111-1111-111111111111>"
    lonely = "<urn:uuid:22222222-2222-2222-2222-222222222222>"
    hand_written(
        tmp_path / "a.warc.gz",
        [
            ("warcinfo", {}, b""),
            ("response", {"WARC-Record-ID": first}, b"hello"),
            ("request", {"WARC-Concurrent-To": first}, b""),
            ("response", {"WARC-Record-ID": lonely}, b"no request for me"),
            ("revisit", {"WARC-Refers-To": "<urn:uuid:nowhere>"}, b""),
        ],
    )
    hand_written(
        tmp_path / "b.warc.gz",
        [
            ("response", {"WARC-Record-ID": first}, b"again"),
            ("request", {"WARC-Concurrent-To": first}, b""),
        ],
    )
    report = check_archive(None, tmp_path)
    found = {(fault.kind, Path(fault.file).name, fault.offset) for fault in report.faults}
    offsets = {
        (name, offset): kind
        for kind, name, offset in records_of([tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"])
    }
    by_kind = {}
    for (name, offset), kind in offsets.items():
        by_kind.setdefault((name, kind), []).append(offset)
    assert found == {
        ("structure", "b.warc.gz", 0),  # the first record is no warcinfo
        ("duplicate-id", "b.warc.gz", 0),
        ("pairing", "a.warc.gz", by_kind[("a.warc.gz", "response")][1]),
        ("pairing", "a.warc.gz", by_kind[("a.warc.gz", "revisit")][0]),
        ("refers-to", "a.warc.gz", by_kind[("a.warc.gz", "revisit")][0]),
    }, [str(fault) for fault in report.faults]
    assert report.files == 2 and report.records == 7


def test_a_file_being_written_is_reported_and_left_alone(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path / "warcs")
    writer.write_exchange(HttpExchange("http://example.com/", "GET", [], b"", 200, [], b"hi"))
    open_file = tmp_path / "warcs" / (writer.current_name + ".open")
    size = open_file.stat().st_size
    report = check_archive(None, tmp_path / "warcs", repair=True)
    assert [(fault.kind, fault.message) for fault in report.faults] == [
        ("open", "being written by a running crawl: check again once it has finished")
    ]
    assert open_file.stat().st_size == size and report.repairs == []
    writer.close()
    assert check_archive(None, tmp_path / "warcs").ok


def test_progress_is_reported_up_to_every_byte(archive: Path) -> None:
    calls = []
    report = check_archive(
        archive / "archive.db",
        archive / "warcs",
        progress=lambda done, total: calls.append((done, total)),
    )
    total = sum(path.stat().st_size for path in (archive / "warcs").glob("*.warc.gz"))
    assert report.ok and report.bytes == total
    assert calls[-1] == (total, total) and calls == sorted(calls)


# --- a crawl killed in its stride -----------------------------------------------------------


def committed_captures(db: Path) -> int:
    try:
        return query(db, "SELECT count(*) FROM captures")[0][0]
    except sqlite3.Error:
        return 0


def archived_responses(warc_dir: Path) -> int:
    """Response records in a crawl's open WARC files so far (not the one being written)."""
    count = 0
    for path in warc_dir.glob("*.warc.gz.open"):
        with open(path, "rb") as stream:
            try:
                for record in ArchiveIterator(stream):
                    count += record.rec_type == "response"
            except Exception:  # noqa: BLE001 - the record being written ends the count
                pass
    return count


def kill_between_commits(
    crawl: subprocess.Popen, db: Path, warc_dir: Path, deadline: float
) -> None:
    """SIGKILL the crawl once its WARC holds a response that no committed row names (rows are
    committed every 2 s): the kill leaves records without rows. A kill at a fixed time may come
    right after a commit, when every record has its row."""
    committed = committed_captures(db)
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = committed_captures(db)
        if now != committed:  # a commit: what the WARC holds beyond it has no row yet
            committed = now
        elif archived_responses(warc_dir) > committed and committed_captures(db) == committed:
            break
    crawl.send_signal(signal.SIGKILL)


def test_a_killed_crawl_is_reported_and_repaired(tmp_path: Path) -> None:
    build_sites(tmp_path / "sites", articles_per_site=600)
    db, warc_dir = tmp_path / "archive.db", tmp_path / "warcs"
    with running_sites(tmp_path / "sites") as bases:
        crawl = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsarc",
                "crawl",
                *bases.values(),
                "--fast",
                "--db",
                str(db),
                "--warc-dir",
                str(warc_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while committed_captures(db) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        kill_between_commits(crawl, db, warc_dir, deadline)
        crawl.wait(timeout=60)
    [open_file] = warc_dir.glob("*.warc.gz.open")
    rows = committed_captures(db)
    assert rows >= 100
    # Records are flushed a pair at a time, so the kill rarely tears one: tear one here, as a
    # kill in the middle of a write would (half of a copy of the file's last record).
    whole = open_file.stat().st_size
    last = records_of([open_file])[-1][2]
    torn = open_file.read_bytes()[last:]
    with open(open_file, "ab") as handle:
        handle.write(torn[: len(torn) // 2])

    result = check(tmp_path)
    assert result.returncode == 1
    lines = faults(result)
    assert lines[:2] == [
        f"FAULT open warcs/{open_file.name}: left open by a crawl that died: --repair closes it "
        "(dropping a torn final record) and adds the rows its records lack",
        f"FAULT truncated warcs/{open_file.name}@{whole}: the file ends inside this record",
    ]
    no_rows = [line for line in lines[2:] if line.startswith("FAULT no-row ")]
    assert no_rows and len(no_rows) == len(lines) - 2, lines
    assert open_file.stat().st_size == whole + len(torn) // 2  # a check alone changes nothing

    repaired = check(tmp_path, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    closed = warc_dir / open_file.name.removesuffix(".open")
    assert (
        f"REPAIRED closed warcs/{closed.name}, left open by a crawl that died "
        f"({len(records_of([closed]))} records kept, {len(torn) // 2} bytes of a torn final "
        "record dropped)" in repaired.stdout
    )
    assert closed.stat().st_size == whole
    assert not list(warc_dir.glob("*.open")) and cdxj_path(closed).is_file()
    responses = [r for r in records_of([closed]) if r[0] in ("response", "revisit")]
    assert committed_captures(db) == len(responses) > rows
    assert (
        f"REPAIRED added {len(responses) - rows} captures rows for records of "
        f"warcs/{closed.name}" in repaired.stdout
    )
    assert warcio_check(closed).returncode == 0
    again = check(tmp_path)
    assert again.returncode == 0, again.stdout
    assert again.stdout == (
        f"checked 1 WARC file ({len(records_of([closed])):,} records) and "
        f"{len(responses):,} database rows: 0 faults\n"
    )


# --- the command line ------------------------------------------------------------------------


def test_a_missing_database_is_a_one_line_error(tmp_path: Path) -> None:
    result = newsarc("check", "--db", "nowhere.db", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "Error: no archive database at nowhere.db\n"
    (tmp_path / "notes.db").write_text("not a database")
    result = newsarc("check", "--db", "notes.db", cwd=tmp_path)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("Error: notes.db: not an archive database")


def test_help_has_examples(tmp_path: Path) -> None:
    result = newsarc("check", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Examples:" in result.stdout and "newsarc check --repair" in result.stdout
    assert "--repair" in result.stdout and "FAULT <kind> <file>@<offset>" in result.stdout
