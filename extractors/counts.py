"""Exact counts of many 63-bit keys in little memory: what a site profile counts per line.

A site of 50,000 pages has about a million distinct text lines, nearly all seen once (each
article's own paragraphs). Held in a dict of hex strings they took 140 bytes a line, the
largest thing in a long crawl's memory; here they take 12: two sorted numpy arrays (keys,
counts), with the keys counted since the last compaction waiting in a small dict. Counts are
exact, so a profile decides what it decided before, and do not depend on the order of the
pages. `KeySet` is the same without counts (the pages and texts a profile has learned),
`KeyMap` maps keys to integers (16 bytes an entry) and `Spellings` keeps one text per key in
one UTF-8 buffer (the first spelling of each title part, the name of each indexed article).

With a `Spill` (a folder), a `Counts` or `KeySet` whose arrays outgrow `SPILL_BYTES` moves them
to files mapped into memory: the counts of a long crawl's profiles then stay out of the
process's own memory. Each operation that read the files drops the pages it read from the
process (`madvise(MADV_DONTNEED)`; they stay in the kernel's page cache), so the memory held
is the same whether a site has a hundred thousand lines or a million. The counts are the
same, spilled or not.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import logging
import mmap
import os
import weakref
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)
COMPACT_AT = 4096  # keys waiting in the dict (~100 bytes each) before they go into the arrays
KEY_DTYPE = np.dtype("<i8")
COUNT_DTYPE = np.dtype("<u4")
SPILL_BYTES = 256 * 1024  # in-memory arrays this big are merged into the spilled files
SPILL_CHUNK = 65536  # keys read at a time from the spilled files (768 KB with their counts)


def key_of(text: str) -> int:
    """The 63-bit key of a text (non-negative, so it fits numpy's int64 anywhere)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") >> 1


def legacy_key(hex_digest: str) -> int:
    """The key of a text from the 16-hex-digit digest older profiles stored (the same blake2b
    digest: `legacy_key(digest.hexdigest()) == key_of(text)`)."""
    return int.from_bytes(bytes.fromhex(hex_digest), "little") >> 1


def _encode(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode("ascii")


def _decode(text: str, dtype: np.dtype) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()


class Spill:
    """A folder where `Counts` keep their big arrays (one folder for many of them). A file is
    removed as soon as it is mapped (the mapping keeps it while it lives): nothing is left
    behind, whatever happens to the process."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._names = itertools.count()

    def open_file(self) -> int:
        """A descriptor of a new, empty file (already unlinked: closing it removes it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"texts-{next(self._names):06d}"
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        path.unlink()
        return handle

    def write(self, pieces: Iterable[tuple[np.ndarray, np.ndarray]]) -> _SpilledRun | None:
        """Sorted keys and their counts, piece by piece, as a run in two new files (None if
        there are none)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self.folder / f"counts-{next(self._names):06d}"
        key_path, count_path = stem.with_suffix(".keys"), stem.with_suffix(".counts")
        try:
            with open(key_path, "wb") as key_file, open(count_path, "wb") as count_file:
                for keys, counts in pieces:
                    key_file.write(np.ascontiguousarray(keys, KEY_DTYPE).data)
                    count_file.write(np.ascontiguousarray(counts, COUNT_DTYPE).data)
            if not key_path.stat().st_size:
                return None
            return _SpilledRun(_mapped(key_path, writable=False), _mapped(count_path, True))
        finally:
            key_path.unlink(missing_ok=True)
            count_path.unlink(missing_ok=True)


def _mapped(path: Path, writable: bool) -> mmap.mmap:
    handle = os.open(path, os.O_RDWR if writable else os.O_RDONLY)
    try:  # shared: counts written through the map go to the file, not to the process
        return mmap.mmap(handle, 0, access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ)
    finally:
        os.close(handle)


class _SpilledRun:
    """Sorted keys (read-only) and their counts (written in place) in mapped files."""

    def __init__(self, key_map: mmap.mmap, count_map: mmap.mmap) -> None:
        self._maps = (key_map, count_map)
        self.keys = np.frombuffer(key_map, KEY_DTYPE)
        self.counts = np.frombuffer(count_map, COUNT_DTYPE)
        self.size = len(self.keys)  # still there once closed (read by other threads)

    def __len__(self) -> int:
        return self.size

    def positions(self, wanted: np.ndarray) -> np.ndarray:
        """The position of each key, -1 where it is not there."""
        keys = self.keys
        at = np.minimum(keys.searchsorted(wanted), len(keys) - 1)
        return np.where(keys[at] == wanted, at, -1)

    def position(self, key: int) -> int | None:
        at = int(self.keys.searchsorted(key))
        return at if at < len(self.keys) and self.keys[at] == key else None

    def chunks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(start, keys, counts) a chunk at a time, each dropped from memory once read."""
        for start in range(0, len(self.keys), SPILL_CHUNK):
            yield (
                start,
                self.keys[start : start + SPILL_CHUNK],
                self.counts[start : start + SPILL_CHUNK],
            )
            self.release()

    def release(self) -> None:
        """Drop the pages read (or written: they go on to the file) from the process."""
        for handle in self._maps:
            handle.madvise(mmap.MADV_DONTNEED)

    def close(self) -> None:
        del self.keys, self.counts
        for handle in self._maps:
            with contextlib.suppress(BufferError):  # an array still reads it: closed with it
                handle.close()


class Counts:
    """key → how many times it was counted; a mapping's reads (`get`, `items`, `len`, `==`).

    Three parts hold distinct keys: the keys counted since the last compaction (a dict), the
    sorted arrays, and with a `Spill`, the spilled run (sorted arrays in files) that the
    arrays are merged into once they reach `SPILL_BYTES`.
    """

    def __init__(self, spill: Spill | None = None) -> None:
        self._keys = np.empty(0, KEY_DTYPE)
        self._counts = np.empty(0, COUNT_DTYPE)
        self._recent: dict[int, int] = {}  # counted since the last compaction (not in _keys)
        self._spill = spill
        self._spilled: _SpilledRun | None = None  # keys in neither _keys nor _recent

    def spill_to(self, spill: Spill | None) -> None:
        """Keep the arrays in files of `spill` from now on, once they are big."""
        self._spill = spill
        self._spill_if_big()

    def add(self, key: int, count: int = 1) -> None:
        recent = self._recent
        at = self._position(key)
        if at is not None:
            self._counts[at] += count
            return
        spilled = self._spilled
        if spilled is not None and (at := spilled.position(key)) is not None:
            spilled.counts[at] += count
            spilled.release()
            return
        recent[key] = recent.get(key, 0) + count
        if len(recent) >= COMPACT_AT:
            self._compact()

    def add_new(self, key: int) -> None:
        """Count a key known not to be counted yet (no look-up)."""
        self._recent[key] = 1
        if len(self._recent) >= COMPACT_AT:
            self._compact()

    def add_all(self, keys: Iterable[int]) -> None:
        spilled = self._spilled
        if spilled is None:
            for key in keys:
                self.add(key)
            return
        # One pass over the arrays and the files for all of them.
        tally: dict[int, int] = {}
        for key in keys:
            tally[key] = tally.get(key, 0) + 1
        if not tally:
            return
        distinct = list(tally)
        wanted = np.fromiter(distinct, KEY_DTYPE, len(distinct))
        amounts = np.fromiter(tally.values(), COUNT_DTYPE, len(distinct))
        in_memory = self._positions(wanted)
        found = in_memory >= 0
        self._counts[in_memory[found]] += amounts[found]  # distinct positions
        rest = np.flatnonzero(~found)
        on_file = spilled.positions(wanted[rest])
        found = on_file >= 0
        spilled.counts[on_file[found]] += amounts[rest[found]]
        spilled.release()
        recent, new = self._recent, []
        for key in (distinct[at] for at in rest[~found].tolist()):
            if key in recent:
                recent[key] += tally[key]
            else:
                new.append(key)
        for key in new:  # in no part: compacting does not change that
            recent[key] = tally[key]
            if len(recent) >= COMPACT_AT:
                self._compact()
                recent = self._recent

    def get(self, key: int, default: int = 0) -> int:
        at = self._position(key)
        if at is not None:
            return int(self._counts[at])
        spilled = self._spilled
        if spilled is not None and (at := spilled.position(key)) is not None:
            count = int(spilled.counts[at])
            spilled.release()
            return count
        return self._recent.get(key, default)

    def get_many(self, keys: list[int]) -> list[int]:
        """The count of each key (0 if never counted), in one pass over the arrays."""
        if not keys:
            return []
        wanted = np.fromiter(keys, KEY_DTYPE, len(keys))
        at = self._positions(wanted)
        found = np.zeros(len(keys), np.int64)
        found[at >= 0] = self._counts[at[at >= 0]]
        spilled = self._spilled
        if spilled is not None:
            rest = np.flatnonzero(at < 0)
            on_file = spilled.positions(wanted[rest])
            found[rest[on_file >= 0]] = spilled.counts[on_file[on_file >= 0]]
            spilled.release()
        recent = self._recent
        return [int(count) or recent.get(key, 0) for key, count in zip(keys, found, strict=True)]

    def __contains__(self, key: object) -> bool:
        if key in self._recent:  # what was just counted is asked for most
            return True
        if not isinstance(key, int):
            return False
        if self._position(key) is not None:
            return True
        spilled = self._spilled
        if spilled is None:
            return False
        found = spilled.position(key) is not None
        spilled.release()
        return found

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent) + len(self._spilled or ())

    def items(self) -> Iterator[tuple[int, int]]:
        keys, counts = self._arrays()
        return zip(keys.tolist(), counts.tolist(), strict=True)

    def key_array(self) -> np.ndarray:
        """Every key, sorted."""
        return self._arrays()[0]

    def at_least(self, count: int) -> int:
        """How many keys were counted `count` times or more."""
        self._compact()
        found = int(np.count_nonzero(self._counts >= count))
        if self._spilled is not None:
            for _, _, counts in self._spilled.chunks():
                found += int(np.count_nonzero(counts >= count))
        return found

    def counted_at_least(self, count: int) -> list[tuple[int, int]]:
        """(key, count) of the keys counted `count` times or more."""
        self._compact()
        at = np.flatnonzero(self._counts >= count)
        found = list(zip(self._keys[at].tolist(), self._counts[at].tolist(), strict=True))
        if self._spilled is not None:
            for _, keys, counts in self._spilled.chunks():
                at = np.flatnonzero(counts >= count)
                found += zip(keys[at].tolist(), counts[at].tolist(), strict=True)
            found.sort()
        return found

    def only_at_least(self, count: int) -> Counts:
        """A copy (in memory) of the counts of the keys counted `count` times or more."""
        kept = Counts()
        found = self.counted_at_least(count)
        if found:
            keys, counts = zip(*found, strict=True)
            kept._keys, kept._counts = np.array(keys, KEY_DTYPE), np.array(counts, COUNT_DTYPE)
        return kept

    def merge(self, other: Counts) -> None:
        """Add every count of `other`."""
        mine, theirs = self._arrays(), other._arrays()
        keys = np.concatenate([mine[0], theirs[0]])
        counts = np.concatenate([mine[1], theirs[1]])
        self._drop_spilled()
        self._keys, first = np.unique(keys, return_inverse=True)
        self._counts = np.zeros(len(self._keys), COUNT_DTYPE)
        np.add.at(self._counts, first, counts)
        self._spill_if_big()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Counts):
            return NotImplemented
        (keys, counts), (other_keys, other_counts) = self._arrays(), other._arrays()
        return np.array_equal(keys, other_keys) and np.array_equal(counts, other_counts)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def nbytes(self) -> int:
        """Memory held, roughly (the dict at ~100 bytes an entry; the spilled run aside)."""
        return self._keys.nbytes + self._counts.nbytes + 100 * len(self._recent)

    def spilled_nbytes(self) -> int:
        """Bytes in the spilled files."""
        spilled = self._spilled
        return 0 if spilled is None else len(spilled) * (KEY_DTYPE.itemsize + COUNT_DTYPE.itemsize)

    def to_json_value(self) -> dict[str, str]:
        keys, counts = self._arrays()
        return {"keys": _encode(keys), "counts": _encode(counts)}

    @classmethod
    def from_json_value(cls, value: Any, legacy: Any = legacy_key) -> Counts:
        """From `to_json_value`, or from an older profile's {digest or text: count} dict,
        whose keys `legacy` turns into keys."""
        counts = cls()
        if isinstance(value, dict) and set(value) == {"keys", "counts"}:
            counts._keys = _decode(value["keys"], KEY_DTYPE)
            counts._counts = _decode(value["counts"], COUNT_DTYPE)
            return counts
        for old, count in (value or {}).items():
            counts.add(legacy(old), int(count))
        counts._compact()
        return counts

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key, sorted, and its count (in memory: a copy of the spilled run)."""
        self._compact()
        spilled = self._spilled
        if spilled is None:
            return self._keys, self._counts
        at = spilled.keys.searchsorted(self._keys)  # none of them is there
        keys = np.insert(spilled.keys, at, self._keys)
        counts = np.insert(spilled.counts, at, self._counts)
        spilled.release()
        return keys, counts

    def _position(self, key: int) -> int | None:
        keys = self._keys
        if not len(keys):
            return None
        at = int(keys.searchsorted(key))
        return at if at < len(keys) and keys[at] == key else None

    def _positions(self, wanted: np.ndarray) -> np.ndarray:
        """The position of each key in the arrays, -1 where it is not there."""
        keys = self._keys
        if not len(keys):
            return np.full(len(wanted), -1, np.int64)
        at = np.minimum(keys.searchsorted(wanted), len(keys) - 1)
        return np.where(keys[at] == wanted, at, -1)

    def _compact(self) -> None:
        if not self._recent:
            return
        new = np.fromiter(self._recent.keys(), KEY_DTYPE, len(self._recent))
        counts = np.fromiter(self._recent.values(), COUNT_DTYPE, len(self._recent))
        order = np.argsort(new)
        new, counts = new[order], counts[order]
        at = self._keys.searchsorted(new)  # none of them is there (see `add`)
        self._keys = np.insert(self._keys, at, new)
        self._counts = np.insert(self._counts, at, counts)
        self._recent = {}
        self._spill_if_big()

    def _spill_if_big(self) -> None:
        """Merge the arrays into a new spilled run if they reached `SPILL_BYTES`."""
        if self._spill is None or self._keys.nbytes + self._counts.nbytes < SPILL_BYTES:
            return
        old = self._spilled
        try:
            run = self._spill.write(_merged(old, self._keys, self._counts))
        except OSError as exc:  # a full disk: the same counts, in memory from now on
            logger.warning("site profile counts stay in memory: cannot write %s: %s",
                           self._spill.folder, exc)  # fmt: skip
            self._spill = None
            return
        self._spilled = run
        self._keys = np.empty(0, KEY_DTYPE)
        self._counts = np.empty(0, COUNT_DTYPE)
        if old is not None:
            old.close()

    def _drop_spilled(self) -> None:
        if self._spilled is not None:
            self._spilled.close()
            self._spilled = None


def _merged(
    run: _SpilledRun | None, keys: np.ndarray, counts: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A spilled run and sorted arrays of other keys, merged, a chunk of the run at a time."""
    if run is None:
        yield keys, counts
        return
    at = run.keys.searchsorted(keys)
    run.release()
    for start, run_keys, run_counts in run.chunks():
        end = start + len(run_keys)
        first = int(at.searchsorted(start))
        last = len(at) if end == len(run) else int(at.searchsorted(end))
        where = at[first:last] - start
        yield (
            np.insert(run_keys, where, keys[first:last]),
            np.insert(run_counts, where, counts[first:last]),
        )


class KeySet:
    """A set of keys, 8 bytes each (see `Counts`; spilled like them)."""

    def __init__(self, keys: Iterable[int] = (), spill: Spill | None = None) -> None:
        self._counts = Counts(spill)
        for key in keys:
            self.add(key)

    def spill_to(self, spill: Spill | None) -> None:
        self._counts.spill_to(spill)

    def add(self, key: int) -> None:
        if key not in self._counts:
            self._counts.add_new(key)

    def __contains__(self, key: object) -> bool:
        return key in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[int]:
        return iter(self._counts.key_array().tolist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (set, frozenset)):
            return len(other) == len(self) and all(key in self for key in other)
        if not isinstance(other, KeySet):
            return NotImplemented
        return np.array_equal(self._counts.key_array(), other._counts.key_array())

    __hash__ = None  # type: ignore[assignment]

    def update(self, keys: Iterable[int]) -> None:
        for key in keys:
            self.add(key)

    def isdisjoint(self, other: KeySet) -> bool:
        mine, theirs = self._counts.key_array(), other._counts.key_array()
        return not np.intersect1d(mine, theirs, assume_unique=True).size

    def union(self, other: KeySet) -> KeySet:
        """The keys of both (spilled where this one is)."""
        found = KeySet.of_sorted(np.union1d(self._counts.key_array(), other._counts.key_array()))
        found.spill_to(self._counts._spill)
        return found

    def nbytes(self) -> int:
        return self._counts.nbytes()

    def spilled_nbytes(self) -> int:
        return self._counts.spilled_nbytes()

    def to_json_value(self) -> str:
        return _encode(self._counts.key_array())

    @classmethod
    def from_json_value(cls, value: Any) -> KeySet:
        """From `to_json_value`, or from an older profile's list of hex digests."""
        if isinstance(value, str):
            return cls.of_sorted(_decode(value, KEY_DTYPE))
        return cls(legacy_key(digest) for digest in value or [])

    @classmethod
    def of_sorted(cls, keys: np.ndarray) -> KeySet:
        """A set of these distinct keys, sorted."""
        found = cls()
        found._counts._keys = keys.astype(KEY_DTYPE)
        found._counts._counts = np.ones(len(keys), COUNT_DTYPE)
        return found


class KeyMap:
    """key → integer, 16 bytes an entry (sorted key and value arrays, see `Counts`)."""

    def __init__(self) -> None:
        self._keys = np.empty(0, KEY_DTYPE)
        self._values = np.empty(0, KEY_DTYPE)
        self._recent: dict[int, int] = {}  # set since the last compaction (not in _keys)

    def get(self, key: int, default: int | None = None) -> int | None:
        found = self._recent.get(key)
        if found is not None:
            return found
        at = self._position(key)
        return default if at is None else int(self._values[at])

    def __getitem__(self, key: int) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        if key in self._recent:
            return True
        return isinstance(key, int) and self._position(key) is not None

    def __setitem__(self, key: int, value: int) -> None:
        at = self._position(key)
        if at is not None:
            self._values[at] = value
            return
        self._recent[key] = value
        if len(self._recent) >= COMPACT_AT:
            self._compact()

    def setdefault(self, key: int, value: int) -> int:
        found = self.get(key)
        if found is not None:
            return found
        self[key] = value
        return value

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def items(self) -> Iterator[tuple[int, int]]:
        self._compact()
        return zip(self._keys.tolist(), self._values.tolist(), strict=True)

    def nbytes(self) -> int:
        """Memory held, roughly (the dict at ~100 bytes an entry)."""
        return self._keys.nbytes + self._values.nbytes + 100 * len(self._recent)

    def _position(self, key: int) -> int | None:
        keys = self._keys
        if not len(keys) or not -(1 << 63) <= key < 1 << 63:
            return None
        at = int(keys.searchsorted(key))
        return at if at < len(keys) and keys[at] == key else None

    def _compact(self) -> None:
        if not self._recent:
            return
        new = np.fromiter(self._recent.keys(), KEY_DTYPE, len(self._recent))
        values = np.fromiter(self._recent.values(), KEY_DTYPE, len(self._recent))
        order = np.argsort(new)
        at = self._keys.searchsorted(new[order])  # none of them is there (see __setitem__)
        self._keys = np.insert(self._keys, at, new[order])
        self._values = np.insert(self._values, at, values[order])
        self._recent = {}


class Spellings:
    """key → text, each text once in one UTF-8 buffer (~20 bytes an entry besides the text,
    instead of ~150 for a dict of str). `keep_least` keeps the smallest text seen for a key."""

    def __init__(self, items: Iterable[tuple[int, str]] = (), spill: Spill | None = None) -> None:
        self._slots = KeyMap()  # key → its text's slot
        self._ends = array("q")  # end offset of each slot's text (in the file, then _buffer)
        self._buffer = bytearray()
        self._spill = spill
        self._file: int | None = None  # with a spill: the texts written out (an unlinked file)
        self._written = 0  # bytes of text in the file; _buffer holds those after them
        for key, text in items:
            self.keep_least(key, text)

    def spill_to(self, spill: Spill | None) -> None:
        """Write the texts to a file of `spill` once they reach `SPILL_BYTES` (read back
        with `pread`: they never come back into the process's memory)."""
        self._spill = spill
        self._spill_if_big()

    def get(self, key: int, default: str | None = None) -> str | None:
        slot = self._slots.get(key)
        if slot is None:
            return default
        start, end = self._ends[slot - 1] if slot else 0, self._ends[slot]
        if end <= self._written:
            assert self._file is not None
            return os.pread(self._file, end - start, start).decode()
        return self._buffer[start - self._written : end - self._written].decode()

    def __getitem__(self, key: int) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def __len__(self) -> int:
        return len(self._slots)

    def keep_least(self, key: int, text: str) -> None:
        """Keep `text` for `key` unless a smaller one is kept (the same text whatever the
        order the texts come in)."""
        old = self.get(key)
        if old is not None and old <= text:
            return
        self._buffer += text.encode()  # a replaced text stays in the buffer (rare)
        self._ends.append(self._written + len(self._buffer))
        self._slots[key] = len(self._ends) - 1
        self._spill_if_big()

    def _spill_if_big(self) -> None:
        if self._spill is None or len(self._buffer) < SPILL_BYTES:
            return
        try:
            if self._file is None:
                self._file = self._spill.open_file()
                weakref.finalize(self, os.close, self._file)
            with memoryview(self._buffer) as text:
                done = 0
                while done < len(text):  # after the texts written before
                    done += os.pwrite(self._file, text[done:], self._written + done)
        except OSError as exc:  # a full disk: the same texts, in memory from now on
            logger.warning("title texts stay in memory: cannot write %s: %s",
                           self._spill.folder, exc)  # fmt: skip
            self._spill = None
            return
        self._written += len(self._buffer)
        self._buffer = bytearray()

    def items(self) -> Iterator[tuple[int, str]]:
        for key, _ in self._slots.items():
            yield key, self[key]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dict):
            return dict(self.items()) == other
        if not isinstance(other, Spellings):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]  # mutable

    def nbytes(self) -> int:
        """Memory held (the texts written to a file aside)."""
        return self._slots.nbytes() + self._ends.itemsize * len(self._ends) + len(self._buffer)

    def spilled_nbytes(self) -> int:
        return self._written
