"""`newsarc check`: every WARC file verified record by record, and the database against them.

Each WARC file is read once, streaming, with warcio's `ArchiveIterator(check_digests=True)`
(the digest verification `warcio check` uses), its gzip reader made strict: warcio writes a
gzip error on stderr and carries on with what it has, or takes a damaged member for
uncompressed data; here the error is a fault naming the file and the offset of the record,
and the pass goes on from the next gzip member that holds a WARC record. Besides the digests,
the pass sees everything a changed byte can touch in a per-record gzip file: the CRC and length
every member ends with, the member's 10-byte header (which no checksum covers: it must be the
same as the file's other members'), and where members start and end (no byte outside a
record, no record cut short).

What the pass learns of each record (where it starts, its length, type, and hashes of its
WARC-Record-ID, URI and payload digest) is kept in compact columns, never the bodies; the
database rows are then checked against those offsets without reading the files again, and
the checks that span files (unique record IDs, request/response pairs, revisits' originals)
run on the same columns.

`--repair` (`repair=True`) only ever adds: it closes `.open` files left by a crawl that died
(`recover_open_files`: cut after the last whole record, the only data it drops), adds the
captures rows records lack (`ingest_missing_records`) and writes missing or stale CDXJ
indexes; then what is left is reported.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import sqlite3
import zlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import DecompressingBufferedReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import BUFF_SIZE

from archive.ingest import ingest_missing_records
from archive.store import Store
from archive.warc import OPEN_SUFFIX, PROFILE_IDENTICAL, cdxj_path, recover_open_files, write_cdxj

# What each kind of fault means (the `kind` of a Fault; `newsarc check --help` lists them).
FAULT_KINDS = {
    "missing": "a WARC folder, or a WARC file that captures rows name, is not there",
    "io": "a WARC file cannot be read",
    "open": "a .open WARC file: left by a crawl that died (--repair closes it), or being written",
    "gzip": "a damaged gzip member: CRC or length mismatch, bad data, a changed gzip header",
    "truncated": "the file ends inside a record",
    "digest": "WARC-Block-Digest or WARC-Payload-Digest does not match the record",
    "structure": "warcinfo not first, a record that does not parse, a wrong Content-Length, "
    "bytes outside any record, a record without WARC-Record-ID",
    "duplicate-id": "a WARC-Record-ID that more than one record has",
    "pairing": "a response or revisit without its request record (WARC-Concurrent-To)",
    "refers-to": "a revisit whose WARC-Refers-To is no record checked, or does not match it",
    "cdxj": "a closed newsarc WARC without its CDXJ index, or an index that does not match it",
    "row": "a captures row that does not read back its record (offset, ID, URL, digest, length)",
    "no-row": "a response or revisit record without a captures row (--repair adds it)",
    "repair": "something --repair could not do",
}

WARC_SUFFIXES = (".warc.gz", ".warc")
NEWSARC_SOFTWARE = b"software: newsarc/"
PROGRESS_STEP = 1 << 20  # report progress every MiB read
SHOWN_IDS = 5  # row ids listed in one aggregated fault

# Record types as small integers, for the compact columns.
KINDS = {"warcinfo": 1, "response": 2, "request": 3, "revisit": 4, "resource": 5, "metadata": 6}
KIND_NAMES = {number: name for name, number in KINDS.items()}
RESPONSE, REQUEST, REVISIT = KINDS["response"], KINDS["request"], KINDS["revisit"]
CAPTURED = (RESPONSE, REVISIT)  # the records that get a captures row


class CheckError(Exception):
    """The archive cannot be checked at all (no database, not a newsarc database)."""


@dataclass(frozen=True)
class Fault:
    """One thing wrong: its kind (see FAULT_KINDS), the file, the record's offset, what."""

    kind: str
    file: str
    offset: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.offset is None else f"{self.file}@{self.offset}"
        return f"FAULT {self.kind} {where}: {self.message}"


@dataclass
class CheckReport:
    """What a check found and how much it looked at; `repairs` says what --repair did."""

    faults: list[Fault] = field(default_factory=list)
    files: int = 0
    records: int = 0
    rows: int = 0
    bytes: int = 0
    repairs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults

    def summary(self) -> str:
        files = f"{self.files:,} WARC file{'s' if self.files != 1 else ''}"
        records = f"{self.records:,} record{'s' if self.records != 1 else ''}"
        rows = f"{self.rows:,} database row{'s' if self.rows != 1 else ''}"
        faults = f"{len(self.faults):,} fault{'s' if len(self.faults) != 1 else ''}"
        return f"checked {files} ({records}) and {rows}: {faults}"


Progress = Callable[[int, int], None]  # (bytes read so far, bytes in all files)


def check_archive(
    db: Path | str | None,
    warc_dir: Path | str | None = None,
    *,
    warc_dir_required: bool = True,
    repair: bool = False,
    progress: Progress | None = None,
) -> CheckReport:
    """Check the WARC files of `warc_dir` and of every crawl of `db`, and `db` against them.

    `warc_dir_required=False` makes a missing `warc_dir` no fault (the CLI's default folder).
    With `db=None` only the WARC files are checked. `progress` is called every MiB or so.
    Raises CheckError if `db` is not there or not an archive database.
    """
    conn = open_for_check(db) if db is not None else None
    try:
        folders = archive_folders(conn, db, warc_dir, warc_dir_required)
        check = ArchiveCheck(folders, progress)
        if db is not None:
            check.base = Path(db).resolve().parent
        if repair:
            check.recover_open_files()
        check.scan()
        if conn is not None:
            check.check_rows(conn)
        if repair:
            check.repair(db, conn)
        return check.report()
    finally:
        if conn is not None:
            conn.close()


def open_for_check(db: Path | str) -> sqlite3.Connection:
    """The archive database, read only in practice (no schema changes, no writes)."""
    path = Path(db)
    if not path.is_file():
        raise CheckError(f"no archive database at {db}")
    try:
        conn = sqlite3.connect(path, timeout=60)
        conn.execute("PRAGMA query_only = ON")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as exc:
        raise CheckError(f"{db}: not an archive database ({exc})") from None
    if "captures" not in tables:
        conn.close()
        raise CheckError(f"{db}: not an archive database (no captures table)")
    return conn


# --- which folders and files ---------------------------------------------------------------


@dataclass
class Folder:
    """A WARC folder to check: `--warc-dir`, or where some crawls wrote."""

    path: Path  # resolved
    shown: str
    required: bool  # a fault if it is not there
    origin: str


def shown_path(path: Path) -> str:
    """A path as the report shows it: relative to the working folder if inside it."""
    with contextlib.suppress(ValueError, OSError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def archive_folders(
    conn: sqlite3.Connection | None,
    db: Path | str | None,
    warc_dir: Path | str | None,
    warc_dir_required: bool = True,
) -> list[Folder]:
    """`warc_dir` and every distinct `crawls.warc_dir`, resolved and de-duplicated.

    A crawl's folder is required if the crawl has captures rows (a crawl that archived nothing
    never made its folder). A relative `crawls.warc_dir` is taken from the database's folder.
    """
    folders: dict[Path, Folder] = {}
    if warc_dir is not None:
        path = Path(warc_dir).resolve()
        folders[path] = Folder(path, shown_path(path), warc_dir_required, "--warc-dir")
    if conn is None:
        return list(folders.values())
    columns = {row[1] for row in conn.execute("PRAGMA table_info(crawls)")}
    if "warc_dir" not in columns:
        return list(folders.values())
    base = Path(db).resolve().parent if db is not None else Path.cwd()
    rows = conn.execute(
        "SELECT warc_dir, group_concat(id, ', '), "
        "max(EXISTS (SELECT 1 FROM captures WHERE captures.crawl_id = crawls.id)) "
        "FROM crawls WHERE coalesce(warc_dir, '') != '' GROUP BY warc_dir ORDER BY min(id)"
    )
    for name, crawl_ids, used in rows:
        path = (base / name).resolve()
        origin = f"crawl{'s' if ',' in crawl_ids else ''} {crawl_ids}"
        if path in folders:
            folders[path].required = folders[path].required or bool(used)
            folders[path].origin += f"; {origin}"
            continue
        folders[path] = Folder(path, shown_path(path), bool(used), origin)
    return list(folders.values())


def is_warc_name(name: str) -> bool:
    return name.removesuffix(OPEN_SUFFIX).endswith(WARC_SUFFIXES)


@dataclass
class WarcFile:
    """One WARC file being checked, and where its records start."""

    number: int
    path: Path
    folder: Path
    shown: str
    primary: bool  # the first file of this name: its records count for IDs, pairs and rows
    size: int = 0
    offsets: dict[int, int] = field(default_factory=dict)  # record start → slot
    damaged: list[tuple[int, int]] = field(default_factory=list)  # unreadable byte ranges
    by_newsarc: bool = False  # its warcinfo says newsarc wrote it
    faulty: bool = False

    @property
    def name(self) -> str:
        """The name rows use (a `.open` file's final name)."""
        return self.path.name.removesuffix(OPEN_SUFFIX)

    @property
    def is_open(self) -> bool:
        return self.path.name.endswith(OPEN_SUFFIX)

    @property
    def gzipped(self) -> bool:
        return self.name.endswith(".gz")

    def damage_at(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.damaged)


def held_by_writer(path: Path) -> bool:
    """Whether a live writer holds the file (as RotatingWarcWriter does while writing)."""
    try:
        with open(path, "rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


# --- the pass over the WARC files ----------------------------------------------------------


class Unfinished(Exception):
    """A record whose block or gzip member does not end: the file ends inside it, or it is
    damaged; what follows it cannot be read from where warcio is."""

    def __init__(self, offset: int, short: int) -> None:
        super().__init__(offset, short)
        self.offset, self.short = offset, short


class GzipFault(Exception):
    """A gzip member that does not decompress, or whose CRC or length does not match."""


class StrictGzipReader(DecompressingBufferedReader):
    """warcio's reader, except that a gzip error is raised instead of being written to stderr
    and taken for the end of the data (or, at a member's first bytes, for uncompressed data).

    It also sees the one change zlib cannot: the bits after the end of a member's deflate data,
    in its last byte, are padding that inflate skips; a writer sets them to zero, so
    `padding_set` tells whether one of them was found set when the member ended.
    """

    def _init_decomp(self, decomp_type: str | None) -> None:
        super()._init_decomp(decomp_type)
        self.feeds: list[tuple[Any, bytes]] = []  # the member's last two (state before, data)
        self.padding_set = False

    def _decompress(self, data: bytes) -> bytes:
        if not self.decompressor or not data:
            return data
        ended = self.decompressor.eof
        before = None if ended else self.decompressor.copy()
        try:
            out = self.decompressor.decompress(data)
        except zlib.error as exc:
            raise GzipFault(gzip_problem(str(exc))) from None
        if not ended:
            self.feeds = [*self.feeds[-1:], (before, data)]
            if self.decompressor.eof:
                end = len(data) - len(self.decompressor.unused_data)
                self.padding_set = deflate_padding_set(self.feeds, end)
        return out


def deflate_padding_set(feeds: list[tuple[Any, bytes]], end: int) -> bool:
    """Whether the padding bits of a gzip member's last deflate byte (9 bytes before its end,
    `end` bytes into the last feed) hold a 1. Padding bits are the byte's high bits: if its
    highest set bit can be cleared and the member still inflates, with its CRC, that bit was
    padding; if it was data, every bit above it is padding, and zero."""
    state, data = feeds[-1]
    tail = bytearray(data[:end])
    if end < 9:  # the deflate data ended in the feed before
        if len(feeds) < 2:
            return False
        state, earlier = feeds[0]
        tail = bytearray(earlier) + tail
    last = len(tail) - 9
    if last < 0 or not tail[last]:
        return False
    tail[last] ^= 1 << (tail[last].bit_length() - 1)
    test = state.copy()
    try:
        inflate(test, bytes(tail))
    except zlib.error:
        return False
    return test.eof


def inflate(decompressor: Any, data: bytes) -> None:
    """Feed `data` to a zlib decompressor, its output thrown away a MiB at a time."""
    out = decompressor.decompress(data, PROGRESS_STEP)
    while not decompressor.eof and (decompressor.unconsumed_tail or len(out) == PROGRESS_STEP):
        out = decompressor.decompress(decompressor.unconsumed_tail, PROGRESS_STEP)


def gzip_problem(error: str) -> str:
    reason = error.rpartition(": ")[2]
    if reason == "incorrect data check":
        return "gzip CRC mismatch: the record's bytes have changed"
    if reason == "incorrect length check":
        return "gzip length mismatch: the record's bytes have changed"
    if reason == "incorrect header check":
        return "no gzip member starts here (bytes changed, or not a per-record gzip WARC)"
    return f"damaged gzip data ({reason})"


def strict_iterator(handle: io.BufferedReader, gzipped: bool) -> ArchiveIterator:
    """warcio's ArchiveIterator, digests checked, reading from the handle's position."""
    iterator = ArchiveIterator(handle, check_digests=True)
    iterator.reader = StrictGzipReader(
        iterator.fh, block_size=BUFF_SIZE, decomp_type="gzip" if gzipped else None
    )
    return iterator


def next_record_start(fd: int, after: int, size: int, gzipped: bool) -> int | None:
    """The first offset past `after` where a record starts (a gzip member holding `WARC/`)."""
    marker = b"\x1f\x8b\x08" if gzipped else b"WARC/"
    position = after + 1
    while position < size:
        chunk = os.pread(fd, PROGRESS_STEP + len(marker), position)
        found = chunk.find(marker)
        while found >= 0:
            candidate = position + found
            if not gzipped:
                if candidate == 0 or os.pread(fd, 1, candidate - 1) == b"\n":
                    return candidate
            else:
                with contextlib.suppress(zlib.error):
                    head = zlib.decompressobj(31).decompress(os.pread(fd, 4096, candidate), 8)
                    if head.startswith(b"WARC/"):
                        return candidate
            found = chunk.find(marker, found + 1)
        position += PROGRESS_STEP
    return None


def torn_member(fd: int, start: int, size: int) -> bool:
    """Whether the bytes from `start` to `size` are the beginning of a gzip member, cut short
    (too short for warcio to have made a record of them)."""
    decompressor = zlib.decompressobj(31)
    position = start
    try:
        while position < size and not decompressor.eof:
            data = os.pread(fd, min(PROGRESS_STEP, size - position), position)
            if not data:
                break
            position += len(data)
            inflate(decompressor, data)
    except zlib.error:
        return False
    return not decompressor.eof


class RecordTable:
    """What the pass learned of every record, in compact columns (one slot per record)."""

    def __init__(self) -> None:
        self.by_id: dict[str, int] = {}  # WARC-Record-ID → slot, records of primary files
        self.file = array("l")
        self.offset = array("q")
        self.length = array("q")
        self.kind = bytearray()
        self.id_hash = array("q")
        self.url_hash = array("q")
        self.digest_hash = array("q")
        self.has_row = bytearray()

    def add(
        self, file: int, offset: int, length: int, kind: int, record_id: str, url: str, digest: str
    ) -> int:
        self.file.append(file)
        self.offset.append(offset)
        self.length.append(length)
        self.kind.append(kind)
        self.id_hash.append(hash(record_id))
        self.url_hash.append(hash(url))
        self.digest_hash.append(hash(digest))
        self.has_row.append(0)
        return len(self.kind) - 1


@dataclass
class FileState:
    """Bookkeeping of the pass over one file."""

    fd: int
    expected: int | None = 0  # where the next record should start
    records: int = 0
    current_id: str | None = None
    headers: dict[bytes, list[int]] = field(default_factory=dict)  # gzip header → offsets


@dataclass
class Revisit:
    slot: int
    refers_to: str
    target_uri: str
    digest: str
    identical: bool


def header_values(headers: StatusAndHeaders, name: str) -> list[str]:
    wanted = name.lower()
    return [value for key, value in headers.headers if key.lower() == wanted]


def headers_at(path: Path, offset: int) -> StatusAndHeaders | None:
    """The WARC headers of the record at `offset` (for fault messages), or None."""
    try:
        with open(path, "rb") as handle, contextlib.redirect_stderr(io.StringIO()):
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)), None)
            return record.rec_headers if record is not None else None
    except Exception:  # noqa: BLE001 - only used to word a fault
        return None


class ArchiveCheck:
    """One check of a set of WARC folders (and of a database against them)."""

    def __init__(self, folders: list[Folder], progress: Progress | None = None) -> None:
        self.folders = folders
        self.progress = progress
        self.files: list[WarcFile] = []
        self.table = RecordTable()
        self.concurrent: set[str] = set()  # record IDs that requests name in WARC-Concurrent-To
        self.own_concurrent: dict[int, list[str]] = {}  # response slot → what it names
        self.revisits: list[Revisit] = []
        self.damaged_ids: set[str] = set()
        self.scan_faults: list[Fault] = []
        self.cross_faults: list[Fault] = []
        self.cdxj_faults: dict[int, Fault] = {}  # file number → fault
        self.row_faults: list[Fault] = []
        self.rowless_files: set[int] = set()
        self.rows = 0
        self.records = 0
        self.bytes_total = 0
        self.bytes_done = 0
        self.repairs: list[str] = []
        self.repair_faults: list[Fault] = []
        self.base = Path.cwd()  # what a relative crawls.warc_dir is relative to
        self.last_progress = 0

    def report(self) -> CheckReport:
        faults = [*self.scan_faults, *self.cross_faults, *self.cdxj_faults.values()]
        faults += [*self.row_faults, *self.repair_faults]
        return CheckReport(
            faults, len(self.files), self.records, self.rows, self.bytes_total, self.repairs
        )

    # --- --repair, before the pass ---

    def recover_open_files(self) -> None:
        for folder in self.folders:
            if not folder.path.is_dir():
                continue
            try:
                recovered = recover_open_files(folder.path)
            except OSError as exc:
                self.repair_faults.append(
                    Fault("repair", folder.shown, None, f"cannot close its .open files ({exc})")
                )
                continue
            for done in recovered:
                self.repairs.append(
                    f"closed {shown_path(done.path)}, left open by a crawl that died "
                    f"({done.records} records kept, {done.dropped_bytes} bytes of a torn "
                    "final record dropped)"
                )

    # --- the pass ---

    def scan(self) -> None:
        self.list_files()
        self.bytes_total = sum(f.size for f in self.files)
        for warc in self.files:
            self.scan_file(warc)
            self.bytes_done += warc.size
            self.report_progress(0, force=True)
        self.check_across_files()
        for warc in self.files:
            self.check_cdxj(warc)

    def list_files(self) -> None:
        seen: set[str] = set()
        for folder in self.folders:
            if not folder.path.is_dir():
                if folder.required:
                    what = "is missing" if not folder.path.exists() else "is not a folder"
                    self.scan_faults.append(
                        Fault(
                            "missing", folder.shown, None, f"WARC folder ({folder.origin}) {what}"
                        )
                    )
                continue
            try:
                paths = sorted(
                    path
                    for path in folder.path.iterdir()
                    if is_warc_name(path.name) and path.is_file()
                )
            except OSError as exc:
                self.scan_faults.append(Fault("io", folder.shown, None, f"cannot list ({exc})"))
                continue
            for path in paths:
                shown = f"{folder.shown.rstrip('/')}/{path.name}"
                name = path.name.removesuffix(OPEN_SUFFIX)
                warc = WarcFile(len(self.files), path, folder.path, shown, name not in seen)
                seen.add(name)
                with contextlib.suppress(OSError):
                    warc.size = path.stat().st_size
                self.files.append(warc)

    def fault(self, kind: str, warc: WarcFile, offset: int | None, message: str) -> None:
        warc.faulty = True
        self.scan_faults.append(Fault(kind, warc.shown, offset, message))

    def report_progress(self, position: int, force: bool = False) -> None:
        if self.progress is None:
            return
        done = self.bytes_done + position
        if force or done - self.last_progress >= PROGRESS_STEP:
            self.last_progress = done
            self.progress(min(done, self.bytes_total), self.bytes_total)

    def scan_file(self, warc: WarcFile) -> None:
        if warc.is_open:
            if held_by_writer(warc.path):
                message = "being written by a running crawl: check again once it has finished"
            else:
                message = (
                    "left open by a crawl that died: --repair closes it "
                    "(dropping a torn final record) and adds the rows its records lack"
                )
            self.fault("open", warc, None, message)
        try:
            handle = open(warc.path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            self.fault("io", warc, None, f"cannot read ({exc.strerror or exc})")
            return
        # warcio writes some warnings on stderr; each is a fault here, counted from `err_count`.
        with handle, contextlib.redirect_stderr(io.StringIO()):
            warc.size = os.fstat(handle.fileno()).st_size
            state = FileState(handle.fileno())
            start: int | None = 0
            while start is not None:
                start = self.read_from(handle, warc, state, start)
            self.finish_file(warc, state)

    def read_from(
        self, handle: io.BufferedReader, warc: WarcFile, state: FileState, start: int
    ) -> int | None:
        """Read records from `start` to the end; on a damaged record, report it and return
        where the next readable record starts (None: nothing more to read)."""
        handle.seek(start)
        iterator = strict_iterator(handle, warc.gzipped)
        try:
            for record in iterator:
                self.take_record(iterator, record, warc, state)
            return None
        except Unfinished as unfinished:
            where, short = unfinished.offset, unfinished.short
            resume = next_record_start(state.fd, where, warc.size, warc.gzipped)
            if resume is None:
                missing = f" ({short} bytes of its block are missing)" if short else ""
                self.fault("truncated", warc, where, f"the file ends inside this record{missing}")
            elif short:
                self.fault(
                    "structure",
                    warc,
                    where,
                    f"the record ends {short} bytes short of its Content-Length",
                )
            else:
                self.fault(
                    "gzip",
                    warc,
                    where,
                    "the record's compressed data does not end "
                    "where the next record starts: its bytes have changed",
                )
        except Exception as exc:  # noqa: BLE001 - whatever a damaged record makes warcio raise
            # Where the record being read starts: in a gzip file, where the last one ended
            # (warcio's own offset goes astray on some damage).
            where = state.expected if warc.gzipped and state.expected is not None else None
            where = max(start, iterator.offset if where is None else where)
            if isinstance(exc, GzipFault):
                self.fault("gzip", warc, where, str(exc))
            else:
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                detail = f"{type(exc).__name__}: {problem}" if problem else type(exc).__name__
                self.fault("structure", warc, where, f"record cannot be read ({detail})")
            resume = next_record_start(state.fd, where, warc.size, warc.gzipped)
        if state.current_id:
            self.damaged_ids.add(state.current_id)
        warc.damaged.append((where, warc.size if resume is None else resume))
        state.expected = resume
        return resume

    def take_record(
        self, iterator: ArchiveIterator, record: ArcWarcRecord, warc: WarcFile, state: FileState
    ) -> None:
        offset = iterator.offset
        headers = record.rec_headers
        record_id = headers.get_header("WARC-Record-ID")
        state.current_id = record_id
        info = record.raw_stream.read(1 << 16) if record.rec_type == "warcinfo" else b""
        warnings = iterator.err_count
        iterator.read_to_end()  # reads the block: warcio checks its digests as it goes
        length = iterator.get_record_length()
        state.current_id = None
        state.records += 1
        self.records += 1
        self.report_progress(offset + length)

        if offset == 0 and record.rec_type != "warcinfo":
            self.fault(
                "structure", warc, offset, f"the first record is a {record.rec_type}, not warcinfo"
            )
        if warc.gzipped and state.expected is not None and offset > state.expected:
            self.fault(
                "structure",
                warc,
                state.expected,
                f"{offset - state.expected} bytes that belong to no record",
            )
        state.expected = offset + length
        if warc.gzipped:
            state.headers.setdefault(os.pread(state.fd, 10, offset), []).append(offset)

        short = getattr(record.raw_stream, "limit", 0)
        decompressor = iterator.reader.decompressor if warc.gzipped else None
        if short or (decompressor is not None and not decompressor.eof):
            state.current_id = record_id
            raise Unfinished(offset, short)
        if decompressor is not None and iterator.reader.padding_set:
            self.fault(
                "gzip",
                warc,
                offset,
                "the unused bits after its compressed data are not zero: a byte has changed",
            )
        if iterator.err_count > warnings:
            self.fault(
                "structure",
                warc,
                offset,
                "the record is not followed by the blank lines "
                "that end it (a wrong Content-Length?)",
            )
        if record.digest_checker.passed is False:
            self.fault("digest", warc, offset, "; ".join(record.digest_checker.problems))
        if not record_id:
            self.fault(
                "structure", warc, offset, f"a {record.rec_type} record without WARC-Record-ID"
            )
            return
        if offset == 0 and NEWSARC_SOFTWARE in info:
            warc.by_newsarc = True
        self.register(warc, offset, length, record, record_id)

    def register(
        self, warc: WarcFile, offset: int, length: int, record: ArcWarcRecord, record_id: str
    ) -> None:
        headers = record.rec_headers
        kind = KINDS.get(record.rec_type, 0)
        url = headers.get_header("WARC-Target-URI") or ""
        digest = headers.get_header("WARC-Payload-Digest") or ""
        slot = self.table.add(warc.number, offset, length, kind, record_id, url, digest)
        warc.offsets[offset] = slot
        if not warc.primary:
            return  # a second copy of a file: checked, but its records are the first copy's
        earlier = self.table.by_id.get(record_id)
        if earlier is not None:
            other = self.files[self.table.file[earlier]]
            self.fault(
                "duplicate-id",
                warc,
                offset,
                f"{record.rec_type} record {record_id}: "
                f"the same WARC-Record-ID as {other.shown}@{self.table.offset[earlier]}",
            )
            return
        self.table.by_id[record_id] = slot
        concurrent = header_values(headers, "WARC-Concurrent-To")
        if kind == REQUEST:
            self.concurrent.update(concurrent)
        elif kind in CAPTURED and concurrent:
            self.own_concurrent[slot] = concurrent
        if kind == REVISIT:
            self.revisits.append(
                Revisit(
                    slot,
                    headers.get_header("WARC-Refers-To") or "",
                    headers.get_header("WARC-Refers-To-Target-URI") or "",
                    digest,
                    headers.get_header("WARC-Profile") == PROFILE_IDENTICAL,
                )
            )

    def finish_file(self, warc: WarcFile, state: FileState) -> None:
        if warc.gzipped and state.expected is not None and state.expected < warc.size:
            if torn_member(state.fd, state.expected, warc.size):
                self.fault("truncated", warc, state.expected, "the file ends inside this record")
            else:
                self.fault(
                    "structure",
                    warc,
                    state.expected,
                    f"{warc.size - state.expected} bytes after the last record",
                )
            warc.damaged.append((state.expected, warc.size))
        if state.records == 0 and not warc.faulty:
            self.fault("structure", warc, 0, "no records (an empty file)")
        self.check_gzip_headers(warc, state)

    def check_gzip_headers(self, warc: WarcFile, state: FileState) -> None:
        """The 10-byte gzip header (flags, time, OS) has no checksum: a writer that stamps no
        time writes the same header on every member, so a member whose header differs from
        the file's usual one has had a byte changed."""
        counts = sorted(state.headers.items(), key=lambda item: -len(item[1]))
        if len(counts) < 2:
            return
        usual, offsets = counts[0]
        total = sum(len(found) for _, found in counts)
        if len(offsets) * 2 <= total or usual[3] != 0 or usual[4:8] != b"\0\0\0\0":
            return  # no header most members share: a writer that stamps times or names
        for header, found in counts[1:]:
            for offset in found:
                self.fault(
                    "gzip",
                    warc,
                    offset,
                    f"the gzip header ({header.hex()}) differs from "
                    f"the file's other records' ({usual.hex()}): a byte has changed",
                )

    # --- checks across files ---

    def where(self, slot: int) -> tuple[WarcFile, int]:
        return self.files[self.table.file[slot]], self.table.offset[slot]

    def check_across_files(self) -> None:
        table = self.table
        for record_id, slot in table.by_id.items():
            if table.kind[slot] not in CAPTURED or record_id in self.concurrent:
                continue
            named = [table.by_id.get(value) for value in self.own_concurrent.get(slot, [])]
            if any(other is not None and table.kind[other] == REQUEST for other in named):
                continue
            warc, offset = self.where(slot)
            kind = KIND_NAMES[table.kind[slot]]
            self.cross_faults.append(
                Fault(
                    "pairing",
                    warc.shown,
                    offset,
                    f"{kind} record {record_id} has no request record (none names it in "
                    "WARC-Concurrent-To)",
                )
            )
        for revisit in self.revisits:
            if not revisit.refers_to:
                continue
            warc, offset = self.where(revisit.slot)
            original = table.by_id.get(revisit.refers_to)
            problem = None
            if original is None:
                damaged = " (damaged)" if revisit.refers_to in self.damaged_ids else ""
                problem = f"refers to {revisit.refers_to}, which is no readable record{damaged} "
                problem += "of the WARC files checked"
            elif table.kind[original] not in (RESPONSE, REVISIT, KINDS["resource"]):
                problem = f"refers to {revisit.refers_to}, a {KIND_NAMES.get(table.kind[original])}"
            elif (
                revisit.identical
                and revisit.digest
                and (table.digest_hash[original] != hash(revisit.digest))
            ):
                there, at = self.where(original)
                problem = f"its WARC-Payload-Digest is not that of {there.shown}@{at}, the record "
                problem += "it refers to"
            elif revisit.target_uri and table.url_hash[original] != hash(revisit.target_uri):
                there, at = self.where(original)
                problem = f"its WARC-Refers-To-Target-URI is not the URI of {there.shown}@{at}"
            if problem:
                self.cross_faults.append(Fault("refers-to", warc.shown, offset, problem))

    def check_cdxj(self, warc: WarcFile) -> None:
        """A closed newsarc WARC has its CDXJ index beside it; an index present must match."""
        self.cdxj_faults.pop(warc.number, None)
        if warc.is_open or warc.damaged or warc.faulty or not warc.offsets:
            return  # a damaged file's index cannot be judged; a repaired file gets a new one
        index = cdxj_path(warc.path)
        if not index.is_file():
            if warc.by_newsarc:
                self.cdxj_faults[warc.number] = Fault(
                    "cdxj",
                    warc.shown,
                    None,
                    f"no CDXJ index beside it ({index.name}): --repair writes it",
                )
            return
        wrong, first_wrong, indexed = 0, None, set()
        try:
            with open(index, encoding="utf-8") as lines:
                for line in lines:
                    offset = self.cdxj_entry(warc, line)
                    if offset is None:
                        continue
                    if offset < 0:
                        wrong += 1
                        first_wrong = first_wrong if first_wrong is not None else -offset - 1
                    else:
                        indexed.add(offset)
        except (OSError, UnicodeDecodeError) as exc:
            self.cdxj_faults[warc.number] = Fault(
                "cdxj", warc.shown, None, f"cannot read {index.name} ({exc})"
            )
            return
        unindexed = [
            offset
            for offset, slot in warc.offsets.items()
            if self.table.kind[slot] in CAPTURED and offset not in indexed
        ]
        if wrong or unindexed:
            problems = []
            if wrong:
                problems.append(f"{wrong} entries point at no record of this file")
            if unindexed:
                problems.append(f"{len(unindexed)} responses or revisits are not in it")
            at = first_wrong if first_wrong is not None else min(unindexed)
            self.cdxj_faults[warc.number] = Fault(
                "cdxj",
                warc.shown,
                at,
                f"its CDXJ index {index.name} does not match it ({', '.join(problems)}): "
                "--repair writes it again",
            )

    def cdxj_entry(self, warc: WarcFile, line: str) -> int | None:
        """The offset a CDXJ line gives if it points at a record of `warc` with its length;
        -offset-1 if it does not; None for a blank or header line."""
        line = line.strip()
        if not line or line.startswith("!"):
            return None
        try:
            entry = json.loads(line.split(" ", 2)[2])
            offset, length = int(entry["offset"]), int(entry["length"])
        except (IndexError, KeyError, TypeError, ValueError):
            return -1
        slot = warc.offsets.get(offset)
        if entry.get("filename", warc.name) != warc.name or slot is None:
            return -offset - 1
        return offset if self.table.length[slot] == length else -offset - 1

    # --- the database against the pass ---

    def check_rows(self, conn: sqlite3.Connection) -> None:
        """Every captures row reads back its record (by offset, from the pass's index), and
        every response and revisit record has a row."""
        table = self.table
        table.has_row[:] = bytes(len(table.has_row))
        self.row_faults, self.rowless_files, self.rows = [], set(), 0
        by_place = {(warc.folder, warc.name): warc for warc in self.files}
        by_name: dict[str, WarcFile] = {}
        for warc in self.files:
            by_name.setdefault(warc.name, warc)
        folders: dict[str, Path] = {}
        missing: dict[str, list] = {}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(crawls)")}
        warc_dir = "crawls.warc_dir" if "warc_dir" in columns else "NULL"
        cursor = conn.execute(
            "SELECT c.id, c.url, c.payload_digest, c.warc_filename, c.warc_offset, "
            f"c.warc_length, c.warc_record_id, c.record_type, {warc_dir} "
            "FROM captures c LEFT JOIN crawls ON crawls.id = c.crawl_id ORDER BY c.id"
        )
        for row in cursor:
            self.rows += 1
            row_id, _url, _digest, name, offset, _length, record_id, _type, folder = row
            slot = table.by_id.get(record_id) if record_id else None
            if slot is not None:
                table.has_row[slot] = 1
            if not name or offset is None:
                self.row_faults.append(
                    Fault(
                        "row",
                        name or "(no file)",
                        offset,
                        f"captures row {row_id} names no WARC file and offset",
                    )
                )
                continue
            if folder and folder not in folders:
                folders[folder] = (self.base / folder).resolve()
            warc = by_place.get((folders[folder], name)) if folder else None
            warc = warc or by_name.get(name)
            if warc is None:
                shown = shown_path(folders[folder] / name) if folder else name
                missing.setdefault(shown, []).append(row_id)
                continue
            problems = self.row_problems(warc, row)
            if problems:
                self.row_faults.append(
                    Fault(
                        "row", warc.shown, offset, f"captures row {row_id}: {'; '.join(problems)}"
                    )
                )
        for shown, row_ids in missing.items():
            listed = ", ".join(map(str, row_ids[:SHOWN_IDS])) + (
                ", …" if len(row_ids) > SHOWN_IDS else ""
            )
            self.row_faults.append(
                Fault(
                    "missing",
                    shown,
                    None,
                    f"{len(row_ids)} captures rows (id {listed}) name this WARC file, which is in "
                    "none of the WARC folders checked",
                )
            )
        for record_id, slot in table.by_id.items():
            if table.kind[slot] in CAPTURED and not table.has_row[slot]:
                warc, offset = self.where(slot)
                headers = headers_at(warc.path, offset)
                url = headers.get_header("WARC-Target-URI") if headers else None
                self.row_faults.append(
                    Fault(
                        "no-row",
                        warc.shown,
                        offset,
                        f"{KIND_NAMES[table.kind[slot]]} record {record_id}"
                        f"{f' ({url})' if url else ''} has no captures row",
                    )
                )
                self.rowless_files.add(warc.number)

    def row_problems(self, warc: WarcFile, row: tuple) -> list[str]:
        """What does not match between a captures row and the record at its offset."""
        row_id, url, digest, _name, offset, length, record_id, record_type, _folder = row
        table = self.table
        slot = warc.offsets.get(offset)
        if slot is None:
            if warc.damage_at(offset):
                return ["its record at this offset is damaged (see the fault above)"]
            problem = "no record starts at this offset"
            elsewhere = table.by_id.get(record_id) if record_id else None
            if elsewhere is not None:
                there, at = self.where(elsewhere)
                problem += f"; its record {record_id} is at {there.shown}@{at}"
            return [problem]
        read: list[StatusAndHeaders | None] = []

        def value(name: str) -> str:
            """The record's header, read (once) for a fault's message only."""
            if not read:
                read.append(headers_at(warc.path, offset))
            found = read[0].get_header(name) if read[0] is not None else None
            return found or "none"

        problems = []
        if table.id_hash[slot] != hash(record_id or ""):
            problems.append(
                f"its record ID {record_id} is not the record's ({value('WARC-Record-ID')})"
            )
        if table.url_hash[slot] != hash(url or ""):
            problems.append(f"its URL {url} is not the record's ({value('WARC-Target-URI')})")
        if table.digest_hash[slot] != hash(digest or ""):
            problems.append(
                f"its payload digest {digest or 'none'} is not the record's "
                f"({value('WARC-Payload-Digest')})"
            )
        if length is not None and length != table.length[slot]:
            problems.append(f"its length {length} is not the record's ({table.length[slot]})")
        kind = KIND_NAMES.get(table.kind[slot], "other")
        if record_type and record_type != kind:
            problems.append(f"it is a {record_type}, the record a {kind}")
        elif not record_type and table.kind[slot] not in CAPTURED:
            problems.append(f"it names a {kind} record, not a response or revisit")
        return problems

    # --- --repair, after the pass ---

    def repair(self, db: Path | str | None, conn: sqlite3.Connection | None) -> None:
        """Add the rows records lack and write missing or stale CDXJ indexes; check again."""
        added = self.add_missing_rows(db) if db is not None else False
        for number in sorted(self.cdxj_faults):
            warc = self.files[number]
            try:
                write_cdxj(warc.path)
            except Exception as exc:  # noqa: BLE001 - cdxj-indexer's errors, reported
                self.repair_faults.append(
                    Fault("repair", warc.shown, None, f"cannot write its CDXJ index ({exc})")
                )
                continue
            self.repairs.append(f"wrote the CDXJ index of {warc.shown}")
            self.check_cdxj(warc)
        if added and conn is not None:
            self.check_rows(conn)

    def add_missing_rows(self, db: Path | str) -> bool:
        if not self.rowless_files:
            return False
        store = Store(db)
        try:
            for number in sorted(self.rowless_files):
                warc = self.files[number]
                if warc.is_open or warc.damaged:
                    why = "a crawl is writing it" if warc.is_open else "it has damaged records"
                    self.repair_faults.append(
                        Fault("repair", warc.shown, None, f"rows not added: {why}")
                    )
                    continue
                try:
                    added = ingest_missing_records(store, warc.path)
                except Exception as exc:  # noqa: BLE001 - reported, the others still repaired
                    self.repair_faults.append(
                        Fault("repair", warc.shown, None, f"cannot add its missing rows ({exc})")
                    )
                    continue
                self.repairs.append(f"added {added} captures rows for records of {warc.shown}")
        finally:
            store.close()
        return True
