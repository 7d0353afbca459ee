"""WARC writing (rotating, per-record gzip, Heritrix-style names) and reading by offset."""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import io
import logging
import os
import socket
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import __version__

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 1_000_000_000
OPEN_SUFFIX = ".open"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"

# Scrapy has already removed the chunked framing and (for truncated bodies) the body no longer
# matches the server's length: these headers would describe bytes that are not in the record.
_FRAMING_HEADERS = {"transfer-encoding", "content-length"}

Headers = list[tuple[str, str]]


@dataclass
class HttpExchange:
    """One request and the response it got, as sent and received on the wire."""

    url: str
    method: str
    request_headers: Headers
    request_body: bytes
    status: int
    response_headers: Headers
    body: bytes
    protocol: str = "HTTP/1.1"
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ip_address: str | None = None
    truncated: str | None = None  # WARC-Truncated reason ("length", "time", ...)


@dataclass
class WarcLocation:
    """Where a response record landed, and what identifies it."""

    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str
    warc_date: str
    record_type: str = "response"


@dataclass
class Original:
    """The response record a revisit refers to."""

    url: str
    record_id: str
    warc_date: str
    payload_digest: str | None


class WarcWriteError(OSError):
    """A record could not be written (a full disk, a file-size limit, an I/O error).

    The file has been cut back to its last whole record, so no half record is left for a row
    to point at; `strerror` is a one-line message naming the problem and the file.
    """

    @property
    def disk_full(self) -> bool:
        return self.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_error(exc: OSError, path: Path) -> WarcWriteError:
    problem = exc.strerror or str(exc)
    return WarcWriteError(exc.errno, f"{problem[:1].lower()}{problem[1:]} writing WARC file {path}")


def serialized(record: ArcWarcRecord) -> bytes:
    """A record as its (gzip member) bytes, made in memory."""
    buffer = io.BytesIO()
    WARCWriter(buffer, gzip=True, warc_version="WARC/1.1").write_record(record)
    return buffer.getvalue()


def payload_digest(body: bytes) -> str:
    """`sha1:BASE32`, as WARC-Payload-Digest has it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_file_name(prefix: str, serial: int, when: datetime | None = None) -> str:
    """`{prefix}-{YYYYmmddHHMMSSfff}-{serial:05d}-{pid}~{host}.warc.gz`, as Heritrix names them."""
    when = when or datetime.now(UTC)
    stamp = when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"
    return f"{prefix}-{stamp}-{serial:05d}-{os.getpid()}~{socket.gethostname()}.warc.gz"


def stored_response_headers(headers: Headers, body_length: int) -> Headers:
    """The response headers to archive: framing replaced by the length of the stored body."""
    kept = [(name, value) for name, value in headers if name.lower() not in _FRAMING_HEADERS]
    chunked = [v for n, v in headers if n.lower() == "transfer-encoding"]
    if chunked:
        kept.append(("X-Newsarc-Orig-Transfer-Encoding", ", ".join(chunked)))
    kept.append(("Content-Length", str(body_length)))
    return kept


def request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class RotatingWarcWriter:
    """Writes request/response pairs into `.warc.gz.open` files, renamed when closed.

    A new file (with its own warcinfo record) is started once the current one reaches
    `max_size` bytes.
    """

    def __init__(
        self,
        directory: Path | str,
        prefix: str = "newsarc",
        max_size: int = DEFAULT_MAX_SIZE,
        warcinfo: dict[str, str] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.warcinfo = {"software": f"newsarc/{__version__}", "format": "WARC File Format 1.1"}
        self.warcinfo.update(warcinfo or {})
        self.serial = 0
        self.closed_files: list[Path] = []
        self._indexing: ThreadPoolExecutor | None = None
        self._file: BinaryIO | None = None
        self._name = ""
        self._writer: WARCWriter | None = None

    @property
    def current_name(self) -> str:
        return self._name

    def write_exchange(self, exchange: HttpExchange) -> WarcLocation:
        """Write the response record, then its request record; return the response's location."""
        writer, _out = self._ensure_open()
        return self._write_pair(exchange, self._response_record(writer, exchange))

    def write_revisit(self, exchange: HttpExchange, original: Original) -> WarcLocation:
        """Write a revisit record (and its request) instead of a second copy of a payload.

        A 304 answer is a `server-not-modified` revisit; a body identical to the original's
        an `identical-payload-digest` one. Either way the record holds HTTP headers only and
        refers to the original by URI, date and record ID.
        """
        writer, _out = self._ensure_open()
        return self._write_pair(exchange, self._revisit_record(writer, exchange, original))

    def _write_pair(self, exchange: HttpExchange, response: ArcWarcRecord) -> WarcLocation:
        writer, out = self._ensure_open()
        # Both records are made in memory, then appended in one write that reaches the kernel
        # before the caller stores a row naming them (a row never outlives its record, even
        # when the process is killed); a kill can only tear the file's end, and a failed
        # write is cut off again (see `_append`).
        first = serialized(response)
        offset = self._append(first + serialized(self._request_record(writer, exchange, response)))
        location = WarcLocation(
            filename=self._name,
            offset=offset,
            length=len(first),
            record_id=response.rec_headers.get_header("WARC-Record-ID"),
            payload_digest=response.rec_headers.get_header("WARC-Payload-Digest") or "",
            warc_date=response.rec_headers.get_header("WARC-Date"),
            record_type=response.rec_type,
        )
        if out.tell() >= self.max_size:
            self._close_file()
        return location

    def close(self) -> None:
        """Close the current file and wait until every closed file has its CDXJ index."""
        self._close_file()
        if self._indexing is not None:
            self._indexing.shutdown(wait=True)
            self._indexing = None

    def _append(self, data: bytes) -> int:
        """Append whole records to the open file; return the offset they start at.

        On a write error (ENOSPC, EFBIG, EIO) the file is cut back to that offset and a
        WarcWriteError raised: what is left ends with a whole record, and stays appendable.
        """
        assert self._file is not None
        offset = self._file.tell()
        try:
            view = memoryview(data)
            while view:  # an unbuffered write may write part of the data
                view = view[self._file.write(view) or 0 :]
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._file.truncate(offset)
                self._file.seek(offset)
            raise write_error(exc, self.directory / self._name) from exc
        return offset

    def _close_file(self) -> None:
        if self._file is None:
            return
        self._file.close()
        final = self.directory / self._name
        final.with_name(self._name + OPEN_SUFFIX).rename(final)
        self.closed_files.append(final)
        self._file = self._writer = None
        # Indexing reads the whole file: not on the caller's (the crawler's reactor) thread.
        if self._indexing is None:
            self._indexing = ThreadPoolExecutor(1, thread_name_prefix="cdxj")
        self._indexing.submit(write_cdxj, final)

    def _ensure_open(self) -> tuple[WARCWriter, BinaryIO]:
        if self._file is None:
            self.serial += 1
            self._name = warc_file_name(self.prefix, self.serial)
            path = self.directory / (self._name + OPEN_SUFFIX)
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                # Unbuffered: every `_append` is in the file when it returns, or not at all.
                self._file = open(path, "xb", buffering=0)  # noqa: SIM115
            except OSError as exc:  # a full disk: no file is left behind
                raise write_error(exc, path) from exc
            # Held while the file is written: recovery only touches files nobody holds.
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._writer = WARCWriter(self._file, gzip=True, warc_version="WARC/1.1")
            info = self._writer.create_warcinfo_record(self._name, self.warcinfo)
            try:
                self._append(serialized(info))
            except WarcWriteError:  # not even the warcinfo fits: no empty file is left behind
                self._file.close()
                path.unlink(missing_ok=True)
                self._file = self._writer = None
                raise
        assert self._writer is not None
        return self._writer, self._file

    @staticmethod
    def _response_record(writer: WARCWriter, exchange: HttpExchange) -> ArcWarcRecord:
        reason = _reason_phrase(exchange.status)
        http_headers = StatusAndHeaders(
            f"{exchange.status} {reason}".strip(),
            stored_response_headers(exchange.response_headers, len(exchange.body)),
            protocol=exchange.protocol,
        )
        warc_headers = {"WARC-Date": warc_date(exchange.fetched_at)}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        return writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    @staticmethod
    def _revisit_record(
        writer: WARCWriter, exchange: HttpExchange, original: Original
    ) -> ArcWarcRecord:
        reason = _reason_phrase(exchange.status)
        http_headers = StatusAndHeaders(
            f"{exchange.status} {reason}".strip(),
            stored_response_headers(exchange.response_headers, len(exchange.body)),
            protocol=exchange.protocol,
        )
        warc_headers = {
            "WARC-Date": warc_date(exchange.fetched_at),
            "WARC-Refers-To": original.record_id,
        }
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.status == 304:
            record = writer.create_warc_record(
                exchange.url, "revisit", http_headers=http_headers, warc_headers_dict=warc_headers
            )
            record.rec_headers.add_header("WARC-Profile", PROFILE_NOT_MODIFIED)
            record.rec_headers.add_header("WARC-Refers-To-Target-URI", original.url)
            record.rec_headers.add_header("WARC-Refers-To-Date", original.warc_date)
            return record
        return writer.create_revisit_record(
            exchange.url,
            original.payload_digest,
            original.url,
            original.warc_date,
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    @staticmethod
    def _request_record(
        writer: WARCWriter, exchange: HttpExchange, response: ArcWarcRecord
    ) -> ArcWarcRecord:
        headers = list(exchange.request_headers)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", urlsplit(exchange.url).netloc))
        if exchange.request_body:
            headers.append(("Content-Length", str(len(exchange.request_body))))
        # Scrapy's HTTP/1.1 handler sends HTTP/1.1 whatever version the server answers with.
        http_headers = StatusAndHeaders(
            f"{exchange.method} {request_target(exchange.url)} HTTP/1.1",
            headers,
            is_http_request=True,
        )
        return writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Date": response.rec_headers.get_header("WARC-Date"),
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )


def cdxj_path(warc: Path) -> Path:
    """`x.warc.gz` → `x.cdxj`, beside it."""
    return warc.with_name(warc.name.removesuffix(".gz").removesuffix(".warc") + ".cdxj")


def write_cdxj(warc: Path) -> Path:
    """Write the CDXJ index (cdxj-indexer's format, as pywb reads it) beside a closed WARC."""
    target = cdxj_path(warc)
    partial = target.with_name(target.name + ".partial")
    try:
        # Imported here: cdxj_indexer brings pyamf and pkg_resources, 0.15 s of every start.
        from cdxj_indexer.main import write_cdx_index  # noqa: PLC0415

        write_cdx_index(str(partial), [str(warc)], {"sort": True})
    except OSError:  # a full disk: no half index is left (`newsarc check --repair` writes it)
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    return target


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def warc_date(when: datetime) -> str:
    """WARC-Date with milliseconds: the precision of `captures.fetched_at`, so that a revisit
    can name its original's exact WARC-Date from the database alone."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class StoredResponse:
    """A response record read back: headers, the raw stored body and the decoded body."""

    url: str
    record_id: str
    warc_date: str
    payload_digest: str | None
    status: int
    http_headers: Headers
    raw_body: bytes
    body: bytes


def decoded_body(raw_body: bytes, http_headers: StatusAndHeaders | None) -> bytes:
    """A stored body as the browser would have used it (see `decode_payload`)."""
    return decode_payload(raw_body, *body_encodings(http_headers))


def body_encodings(http_headers: StatusAndHeaders | None) -> tuple[str | None, bool]:
    """How a stored body is encoded: its content encoding (one warcio decodes, else None) and
    whether it is chunked. Small enough to send along with the body to another process."""
    if not http_headers:
        return None, False
    encoding = (http_headers.get_header("Content-Encoding") or "").strip().lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    chunked = (http_headers.get_header("Transfer-Encoding") or "").strip().lower() == "chunked"
    return encoding, chunked


def read_response(path: Path | str, offset: int) -> StoredResponse:
    """Read one response record by offset; `body` is decoded from its Content-Encoding."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)), None)
        if record is None:
            raise ValueError(f"no WARC record at offset {offset} of {path}")
        raw_body = record.raw_stream.read()
    body = decoded_body(raw_body, record.http_headers)
    return StoredResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
        warc_date=record.rec_headers.get_header("WARC-Date"),
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        status=int(record.http_headers.get_statuscode() or 0) if record.http_headers else 0,
        http_headers=list(record.http_headers.headers) if record.http_headers else [],
        raw_body=raw_body,
        body=body,
    )


def decode_payload(raw_body: bytes, encoding: str | None, chunked: bool) -> bytes:
    """The payload without its transfer encoding (chunked, as wget and Heritrix store it) or
    content encoding (gzip, deflate, br; see `body_encodings`); the raw bytes if they do not
    decode."""
    if not raw_body or (not chunked and encoding is None):
        return raw_body
    stream = io.BytesIO(raw_body)
    reader = (
        ChunkedDataReader(stream, decomp_type=encoding)
        if chunked
        else BufferedReader(stream, decomp_type=encoding)
    )
    try:
        return reader.read()
    except Exception:  # noqa: BLE001 - a broken encoding: show what was stored
        return raw_body


# --- recovery of files left open by a killed crawl ---------------------------------------------


@dataclass
class Recovered:
    """An `.open` file closed after its writer died: what was kept and what was dropped."""

    path: Path
    records: int
    dropped_bytes: int


def recover_open_files(directory: Path | str) -> list[Recovered]:
    """Close every `.warc.gz.open` file in `directory` that no live writer holds.

    The file is cut after its last complete record (a record torn by the kill is dropped),
    renamed to its final name and indexed, as a clean close would have done.
    """
    recovered = []
    for open_path in sorted(Path(directory).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        with open(open_path, "r+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a running crawl is writing it
            size = handle.seek(0, os.SEEK_END)
            end, records = complete_records_end(handle)
            handle.truncate(end)
        final = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
        if records == 0:
            open_path.unlink()
            continue
        open_path.rename(final)
        write_cdxj(final)
        logger.warning(
            "closed %s, left open by a crawl that died (%d bytes of a torn record dropped)",
            final.name,
            size - end,
        )
        recovered.append(Recovered(final, records, size - end))
    return recovered


def complete_records_end(handle: BinaryIO) -> tuple[int, int]:
    """The offset just past the last complete (gzip member) record, and the records before it."""
    handle.seek(0)
    members: list[tuple[int, int]] = []
    iterator = ArchiveIterator(handle)
    try:
        for _record in iterator:
            iterator.read_to_end()
            members.append((iterator.get_record_offset(), iterator.get_record_length()))
    except Exception:  # noqa: BLE001 - a torn record: everything before it is kept
        pass
    end = 0
    for count, (offset, length) in enumerate(members):
        handle.seek(offset)
        if offset != end or not is_whole_gzip_member(handle.read(length)):
            return end, count
        end = offset + length
    return end, len(members)


def is_whole_gzip_member(data: bytes) -> bool:
    decompressor = zlib.decompressobj(wbits=31)
    try:
        decompressor.decompress(data)
    except zlib.error:
        return False
    return decompressor.eof and not decompressor.unused_data
