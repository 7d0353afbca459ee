"""RotatingWarcWriter: conventions, offsets that read back, rotation."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
from base64 import b32encode
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    HttpExchange,
    Original,
    RotatingWarcWriter,
    cdxj_path,
    payload_digest,
    read_response,
    recover_open_files,
    warc_file_name,
)
from conftest import warcio_check


def sha1_b32(data: bytes) -> str:
    return "sha1:" + b32encode(hashlib.sha1(data).digest()).decode()


def exchange(url: str = "http://example.com/a?b=1", body: bytes = b"<html>hi</html>", **kw):
    headers = kw.pop("headers", [("Content-Type", "text/html")])
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "test")],
        request_body=b"",
        status=kw.pop("status", 200),
        response_headers=headers,
        body=body,
        **kw,
    )


def records(path: Path) -> list:
    with open(path, "rb") as stream:
        return [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]


def test_file_name_follows_heritrix_convention() -> None:
    name = warc_file_name("newsarc", 7)
    prefix, stamp, serial, rest = name.split("-", 3)
    assert prefix == "newsarc" and len(stamp) == 17 and stamp.isdigit() and serial == "00007"
    assert "~" in rest and rest.endswith(".warc.gz")


def test_records_pair_and_read_back_by_offset(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    first = writer.write_exchange(exchange())
    second = writer.write_exchange(exchange("http://example.com/404", b"gone", status=404))
    assert (tmp_path / (first.filename + ".open")).exists()
    writer.close()
    path = tmp_path / first.filename
    assert path.exists() and not list(tmp_path.glob("*.open"))

    found = records(path)
    assert [r[0] for r in found] == ["warcinfo", "response", "request", "response", "request"]
    response, request = found[1][1], found[2][1]
    assert request.get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
    assert response.get_header("WARC-Target-URI") == "http://example.com/a?b=1"
    assert response.get_header("WARC-Payload-Digest") == sha1_b32(b"<html>hi</html>")
    assert response.get_header("WARC-Block-Digest").startswith("sha1:")
    assert (found[2][2].protocol, found[2][2].statusline) == ("GET", "/a?b=1 HTTP/1.1")
    assert found[2][2].get_header("Host") == "example.com"

    for location, body, status in ((first, b"<html>hi</html>", 200), (second, b"gone", 404)):
        stored = read_response(path, location.offset)
        assert (stored.body, stored.status) == (body, status)
        assert stored.record_id == location.record_id
    check = warcio_check(path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_gzip_body_is_stored_encoded_and_chunked_framing_dropped(tmp_path: Path) -> None:
    html = b"<html><body>" + b"news " * 500 + b"</body></html>"
    raw = gzip.compress(html)
    headers = [
        ("Content-Type", "text/html"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
    ]
    writer = RotatingWarcWriter(tmp_path)
    location = writer.write_exchange(exchange(body=raw, headers=headers))
    writer.close()
    stored = read_response(tmp_path / location.filename, location.offset)
    assert stored.raw_body == raw and stored.body == html
    names = {name.lower(): value for name, value in stored.http_headers}
    assert names["content-length"] == str(len(raw))
    assert names["content-encoding"] == "gzip"
    assert "transfer-encoding" not in names
    assert location.payload_digest == sha1_b32(raw)


def test_rotation_starts_new_file_with_warcinfo(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, max_size=2_000)
    body = random.Random(0).randbytes(3_000)  # incompressible: each pair passes the limit
    names = {writer.write_exchange(exchange(f"http://e.com/{i}", body)).filename for i in range(4)}
    writer.close()
    assert len(names) == 4 and len(writer.closed_files) == 4
    for path in writer.closed_files:
        assert records(path)[0][0] == "warcinfo"


def test_truncated_response_is_marked(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    location = writer.write_exchange(exchange(body=b"part", truncated="length"))
    writer.close()
    response = records(tmp_path / location.filename)[1][1]
    assert response.get_header("WARC-Truncated") == "length"


def test_closed_files_get_a_cdxj_index(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, max_size=2_000)
    body = random.Random(1).randbytes(3_000)
    locations = [writer.write_exchange(exchange(f"http://e.com/{i}", body)) for i in range(3)]
    writer.close()
    for location in locations:
        index = tmp_path / location.filename.replace(".warc.gz", ".cdxj")
        [line] = index.read_text().splitlines()
        assert f'"offset": "{location.offset}"' in line
        assert f'"length": "{location.length}"' in line


def test_revisit_records_refer_to_their_original(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    body = b"<html>same</html>"
    first = writer.write_exchange(exchange(body=body))
    original = Original("http://example.com/a?b=1", first.record_id, first.warc_date,
                        first.payload_digest)  # fmt: skip
    same = writer.write_revisit(exchange(body=body), original)
    not_modified = writer.write_revisit(exchange(body=b"", status=304), original)
    writer.close()
    assert (same.record_type, not_modified.record_type) == ("revisit", "revisit")
    found = [r for r in records(tmp_path / first.filename) if r[0] == "revisit"]
    assert len(found) == 2
    for (_, headers, _http, payload), profile in zip(
        found, [PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED], strict=True
    ):
        assert headers.get_header("WARC-Profile") == profile
        assert headers.get_header("WARC-Refers-To") == first.record_id
        assert headers.get_header("WARC-Refers-To-Target-URI") == original.url
        assert headers.get_header("WARC-Refers-To-Date") == first.warc_date
        assert payload == b""  # headers only: the payload is the original's
    assert found[0][1].get_header("WARC-Payload-Digest") == payload_digest(body)
    assert found[0][2].get_statuscode() == "200" and found[1][2].get_statuscode() == "304"
    assert same.payload_digest == first.payload_digest == payload_digest(body)
    assert warcio_check(tmp_path / first.filename).returncode == 0


def test_a_file_left_open_by_a_killed_writer_is_cut_after_its_last_whole_record(
    tmp_path: Path,
) -> None:
    writer = RotatingWarcWriter(tmp_path)
    kept = [writer.write_exchange(exchange(f"http://example.com/{n}")) for n in range(3)]
    open_path = tmp_path / (kept[0].filename + ".open")
    whole = open_path.stat().st_size
    with open(open_path, "ab") as torn:  # a record cut short by the kill
        torn.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 500)[:-40])
    assert recover_open_files(tmp_path) == []  # the writer still holds the file
    writer._file.close()  # the process dies: its lock goes with it  # noqa: SLF001
    (recovered,) = recover_open_files(tmp_path)
    final = tmp_path / kept[0].filename
    assert recovered.path == final and recovered.dropped_bytes > 0
    assert final.stat().st_size == whole and recovered.records == 7  # warcinfo + 3 pairs
    assert not list(tmp_path.glob("*.open")) and cdxj_path(final).exists()
    assert warcio_check(final).returncode == 0
    assert read_response(final, kept[2].offset).url == "http://example.com/2"


def test_recovery_cuts_inside_a_record_too(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    first = writer.write_exchange(exchange("http://example.com/1"))
    second = writer.write_exchange(exchange("http://example.com/2", body=bytes(range(256)) * 50))
    writer._file.close()  # noqa: SLF001
    open_path = tmp_path / (first.filename + ".open")
    with open(open_path, "r+b") as handle:
        handle.truncate(second.offset + second.length // 2)
    (recovered,) = recover_open_files(tmp_path)
    assert recovered.path.stat().st_size == second.offset  # the first pair, whole
    assert warcio_check(recovered.path).returncode == 0


def test_chunked_bodies_as_wget_stores_them_are_decoded(tmp_path: Path) -> None:
    page = b"<html><body>" + b"chunked " * 300 + b"</body></html>"
    raw = gzip.compress(page)
    chunked = (
        b"".join(
            b"%x\r\n%s\r\n" % (len(raw[i : i + 1000]), raw[i : i + 1000])
            for i in range(0, len(raw), 1000)
        )
        + b"0\r\n\r\n"
    )
    path = tmp_path / "wget.warc"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=False)
        framing = [("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]
        headers = StatusAndHeaders("200 OK", framing, protocol="HTTP/1.1")
        record = writer.create_warc_record("http://example.com/", "response",
                                           payload=io.BytesIO(chunked), length=len(chunked),
                                           http_headers=headers)  # fmt: skip
        writer.write_record(record)
    stored = read_response(path, 0)
    assert stored.raw_body == chunked and stored.body == page
