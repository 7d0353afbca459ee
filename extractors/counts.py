"""Exact counts of many 63-bit keys in little memory: what a site profile counts per line.

A site of 50,000 pages has about a million distinct text lines, nearly all seen once (each
article's own paragraphs). Held in a dict of hex strings they took 140 bytes a line, the
largest thing in a long crawl's memory; here they take 12: two sorted numpy arrays (keys,
counts), with the keys counted since the last compaction waiting in a small dict. Counts are
exact, so a profile decides what it decided before, and do not depend on the order of the
pages. `KeySet` is the same without counts (the pages and texts a profile has learned),
`KeyMap` maps keys to integers (16 bytes an entry) and `Spellings` keeps one text per key in
one UTF-8 buffer (the first spelling of each title part, the name of each indexed article).
"""

from __future__ import annotations

import base64
import hashlib
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

COMPACT_AT = 4096  # keys waiting in the dict (~100 bytes each) before they go into the arrays
KEY_DTYPE = np.dtype("<i8")
COUNT_DTYPE = np.dtype("<u4")


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


class Counts:
    """key → how many times it was counted; a mapping's reads (`get`, `items`, `len`, `==`)."""

    def __init__(self) -> None:
        self._keys = np.empty(0, KEY_DTYPE)
        self._counts = np.empty(0, COUNT_DTYPE)
        self._recent: dict[int, int] = {}  # counted since the last compaction (not in _keys)

    def add(self, key: int, count: int = 1) -> None:
        recent = self._recent
        at = self._position(key)
        if at is not None:
            self._counts[at] += count
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
        for key in keys:
            self.add(key)

    def get(self, key: int, default: int = 0) -> int:
        at = self._position(key)
        if at is not None:
            return int(self._counts[at])
        return self._recent.get(key, default)

    def get_many(self, keys: list[int]) -> list[int]:
        """The count of each key (0 if never counted), in one pass over the arrays."""
        if not keys:
            return []
        wanted = np.fromiter(keys, KEY_DTYPE, len(keys))
        at = np.minimum(self._keys.searchsorted(wanted), max(len(self._keys) - 1, 0))
        found = np.zeros(len(keys), np.int64)
        if len(self._keys):
            hit = self._keys[at] == wanted
            found[hit] = self._counts[at[hit]]
        recent = self._recent
        return [int(count) or recent.get(key, 0) for key, count in zip(keys, found, strict=True)]

    def __contains__(self, key: object) -> bool:
        if key in self._recent:  # what was just counted is asked for most
            return True
        return isinstance(key, int) and self._position(key) is not None

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def items(self) -> Iterator[tuple[int, int]]:
        self._compact()
        return zip(self._keys.tolist(), self._counts.tolist(), strict=True)

    def key_array(self) -> np.ndarray:
        """Every key, sorted."""
        self._compact()
        return self._keys

    def at_least(self, count: int) -> int:
        """How many keys were counted `count` times or more."""
        self._compact()
        return int(np.count_nonzero(self._counts >= count))

    def counted_at_least(self, count: int) -> list[tuple[int, int]]:
        """(key, count) of the keys counted `count` times or more."""
        self._compact()
        at = np.flatnonzero(self._counts >= count)
        return list(zip(self._keys[at].tolist(), self._counts[at].tolist(), strict=True))

    def merge(self, other: Counts) -> None:
        """Add every count of `other`."""
        self._compact()
        other._compact()
        keys = np.concatenate([self._keys, other._keys])
        counts = np.concatenate([self._counts, other._counts])
        self._keys, first = np.unique(keys, return_inverse=True)
        self._counts = np.zeros(len(self._keys), COUNT_DTYPE)
        np.add.at(self._counts, first, counts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Counts):
            return NotImplemented
        self._compact()
        other._compact()
        return np.array_equal(self._keys, other._keys) and np.array_equal(
            self._counts, other._counts
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def nbytes(self) -> int:
        """Memory held, roughly (the dict at ~100 bytes an entry)."""
        return self._keys.nbytes + self._counts.nbytes + 100 * len(self._recent)

    def to_json_value(self) -> dict[str, str]:
        self._compact()
        return {"keys": _encode(self._keys), "counts": _encode(self._counts)}

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

    def _position(self, key: int) -> int | None:
        keys = self._keys
        if not len(keys):
            return None
        at = int(keys.searchsorted(key))
        return at if at < len(keys) and keys[at] == key else None

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


class KeySet:
    """A set of keys, 8 bytes each (see `Counts`)."""

    def __init__(self, keys: Iterable[int] = ()) -> None:
        self._counts = Counts()
        for key in keys:
            self.add(key)

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
        return KeySet.of_sorted(np.union1d(self._counts.key_array(), other._counts.key_array()))

    def nbytes(self) -> int:
        return self._counts.nbytes()

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

    def __init__(self, items: Iterable[tuple[int, str]] = ()) -> None:
        self._slots = KeyMap()  # key → its text's slot
        self._ends = array("q")  # end offset of each slot's text in _buffer
        self._buffer = bytearray()
        for key, text in items:
            self.keep_least(key, text)

    def get(self, key: int, default: str | None = None) -> str | None:
        slot = self._slots.get(key)
        if slot is None:
            return default
        start = self._ends[slot - 1] if slot else 0
        return self._buffer[start : self._ends[slot]].decode()

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
        self._ends.append(len(self._buffer))
        self._slots[key] = len(self._ends) - 1

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
        return self._slots.nbytes() + self._ends.itemsize * len(self._ends) + len(self._buffer)
