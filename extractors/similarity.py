"""Near-duplicate stories across sites: MinHash signatures, LSH and union-find clusters.

A cluster groups the copies of one story: exact copies, lightly edited ones and spun rewrites
(synonym swaps, misspelled names). No database: the caller stores signatures and assignments.
The only I/O is optional: ``spill=FOLDER`` keeps the signatures and most LSH bands (about 2 KB
an article) in files read through memory maps, so that a crawl's memory does not grow with the
archive.

API::

    signature(text, num_perm=NUM_PERM) -> bytes | None      # None: too short to cluster
    similarity(a: bytes, b: bytes) -> float                 # estimated Jaccard of two signatures
    index = StoryIndex(threshold=THRESHOLD, num_perm=NUM_PERM, verify=None, spill=None)
    index.add(key, text=None, signature=None, when=None, published=None) -> int | None
    index.add_many(items: Iterable[Article]) -> list[int | None]   # the same, vectorised
    index.assignment(key) -> Assignment | None
    index.assignments() -> dict[int, Assignment]
    index.members(key) -> list[int]                         # the keys of key's cluster
    index.clusters() -> list[Cluster]                       # clusters of two or more
    mark = index.mark(); ...; index.changed_since(mark) -> list[int]
    cluster_all(items: Iterable[Article], ...) -> dict[int, Assignment]   # reindex
    text_verifier(texts) -> verify; exact_similarity(a, b) -> float      # exact checks

``key`` is the caller's integer id (the ``articles.id`` row). ``when`` is the capture time and
``published`` the date the page claims, each an ISO 8601 or RFC 2822 string or a datetime (a
time without an offset is UTC).

Features. The text is normalised (NFKD, accents dropped, casefolded) and cut into words and
sentences (``. ! ?``, their CJK forms and line breaks end a sentence; a sentence is cut every
40 words; each CJK character is a word). Stop words (English) and one-letter words are left out
of the features but keep their positions. A feature is an ordered pair of words 8 to 10
positions apart that lie in different sentences. Why, measured on 300 generated stories of
``bench/clustering.py --compare-shingles`` (stories on one topic share sentence templates, and
follow-ups share names too), as exact Jaccard of 25 %-spun copies (lowest) against distinct
stories (highest): contiguous words, k = 3: 0.222 against 0.210, no gap; k = 5: 0.112 against
0.128; characters, k = 9: 0.303 against 0.290; word pairs 8-10 apart: 0.299 against 0.124, but
the shared template words make 181,000 LSH candidates per million distinct pairs; these
features: 0.162 against 0.035, and 670 candidates per million. A synonym swap costs a pair
only its own two words, an inserted word moves few pairs out of an 8-10 window, and two
stories on one topic seldom put the same words in the same order across sentence boundaries.
A misspelled name (Joko, Zoko, Zoco) costs the pairs of its few occurrences.

Signatures: rensa's ``RMinHash`` (seed 1) over the 64-bit feature hashes, ``num_perm`` values
of which the low 16 bits are kept (b-bit MinHash: half the bytes; a chance match adds at most
2**-16 to an estimate, which is corrected). Stored as 4 header bytes (scheme version, rensa's
algorithm version, ``num_perm``) and ``num_perm`` little-endian uint16: 516 bytes at 256. A
signature of another scheme is refused (``ValueError``), or recomputed when the text is given.

Texts with fewer than ``MIN_WORDS`` (80) content words (words that are not stop words, about
150 words of prose) are not clustered: ``signature`` gives None and ``add`` returns None. Short
texts share a larger part of their few features by chance: cut to their first 100 words
(60 content words), distinct generated stories reach an estimated 0.11, above the threshold;
cut to 150 words, 0.086.

Clusters. LSH with ``num_perm / 2`` bands of 2 rows makes candidates (a pair at Jaccard 0.17 is
a candidate with probability 0.98 at 256 permutations); a candidate pair becomes an edge when
its estimated Jaccard is at least ``threshold`` (0.1: on 1,500 generated stories, spun copies
are estimated at 0.125 and up, 0.16 at the 1st percentile, and distinct stories at 0.051 and
below). With ``verify`` (``text_verifier``), a pair estimated below ``SURE`` (0.2) joins only
if the exact Jaccard of the two texts' features reaches the threshold too: an estimate has a
standard error of about 0.02 at 0.1, so among the millions of candidate pairs of 100,000
articles a few distinct stories (exact 0.05) are estimated at 0.1 (seen: three generated
health stories, estimated 0.102, joined), while spun copies have an exact 0.16 and up. Clusters
are the connected components of the edges. Edges depend on the two articles only, so the
clusters are the same whatever the order of arrival, and
``cluster_all`` gives exactly what adding one by one gives. 100,000 articles take about 25 s
to sign and 10 s to cluster on two cores, in under 600 MB; ``add`` takes 0.4-0.9 ms.

- cluster id: the smallest key in the cluster (stable, order independent). A lone article is
  a cluster of one whose id is its own key. Keys are article ids, given in the order articles
  are stored: a crawl (as its pool finishes pages) and a reindex of its WARCs (in record order)
  may number the same articles apart, and so name a story after different members.
- earliest capture: the smallest ``when``, then the smallest ``name`` (two captures in the
  same millisecond get the same earliest in every archive, whatever their keys there), then the
  smallest key; a missing ``when`` comes last. ``Assignment.similarity`` is each member's
  estimated Jaccard with it (1.0 for itself).
- probable source: the member first seen earliest; ties go to the smaller ``name``, then key.
  First seen is the earlier of the capture time and the ``published`` date, so a date after the
  capture (forged, or a wrong time zone) counts for nothing; a missing or unparseable date, or
  one more than 14 hours in the future when the article is added, is ignored; with neither, an
  article is seen last. The earliest plausible ``published`` thus wins over the order of capture (a
  source crawled after its copies is still named); a back-dated copy cannot be told apart.
- changes: ``add`` returns the cluster id of the new article. When it merges clusters or
  changes a cluster's id, earliest capture or source, every member's assignment changes:
  ``changed_since(mark)`` lists the keys whose assignment may differ from what it was when
  ``mark()`` was taken.

A key is added once: adding it again with the same signature returns its cluster, with another
one raises ``ValueError`` (articles are not removed; rebuild with ``cluster_all``).
"""

from __future__ import annotations

import hashlib
import mmap
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from itertools import chain
from pathlib import Path
from typing import NamedTuple

import numpy as np
import rensa

from extractors.counts import KeyMap, Spellings

NUM_PERM = 256
ROWS = 2  # rows per LSH band
THRESHOLD = 0.1
WINDOW = (8, 10)  # a feature pairs words this many positions apart (inclusive)
MAX_SENTENCE = 40
MIN_WORDS = 80
SEED = 1
SCHEME = 1
HEADER = 4
SKEW = timedelta(hours=14)
_ALGORITHM = rensa.RMinHash.ALGORITHM_VERSION
_BBIT = 2.0**-16
_CHUNK = 2048  # texts per vectorised batch
_CACHE_LIMIT = 32_768  # token codes kept (about 4 MB, full after a few thousand articles)
_BOUNDARY = 1  # token codes: 0 stop word, 1 end of sentence, other values word hashes
SURE = 0.2  # an estimate this high is no chance match: such a pair is joined unverified
_PAIRS = 8192  # candidate pairs compared at once (two signatures each: 8 MB)
SPILL_ROWS = 4096  # signatures a block (2 MB at 256 permutations)
SPILL_ENTRIES = 1 << 18  # band entries of a run that goes to a file (2 MB)

# fmt: off
_STOP_WORDS = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves s t said says
"""
# fmt: on
STOP_WORDS = frozenset(_STOP_WORDS.split())
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|\d+(?:[.,]\d+)*|[^\W\d_]+|[.!?\n\u3002\uff01\uff1f]+")
# _TOKEN on casefolded ASCII text (most texts): the same tokens, a third faster.
_ASCII_TOKEN = re.compile(r"[a-z]+|[0-9]+(?:[.,][0-9]+)*|[.!?\n]+")
_END = frozenset(".!?\n\u3002\uff01\uff1f")


# Given unsure candidate pairs of keys, whether each is truly similar (see text_verifier).
Verifier = Callable[[list[tuple[int, int]]], list[bool]]


class Article(NamedTuple):
    """What ``add_many`` and ``cluster_all`` take: ``text`` or ``signature`` (or both)."""

    key: int
    text: str | None = None
    signature: bytes | None = None
    when: str | datetime | None = None
    published: str | datetime | None = None
    name: str | None = None  # breaks ties of time the same in every archive (the URL)


@dataclass(frozen=True)
class Assignment:
    """Where one article stands: its cluster and its place in it."""

    cluster: int  # the smallest key in the cluster
    similarity: float  # estimated Jaccard with the cluster's earliest capture
    source: int  # key of the cluster's probable source
    earliest: int  # key of the cluster's earliest capture


@dataclass(frozen=True)
class Cluster:
    """A cluster of two or more articles; ``similarity`` maps each member to its figure."""

    id: int
    members: tuple[int, ...]
    source: int
    earliest: int
    similarity: dict[int, float]


# -- features and signatures ---------------------------------------------------------------------

_codes: dict[str, int] = {}


def _code(token: str) -> int:
    if token[0] in _END:
        return _BOUNDARY
    if token in STOP_WORDS or (len(token) == 1 and token.isascii() and token.isalpha()):
        return 0
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    return max(int.from_bytes(digest, "little"), 2)


def tokens(text: str) -> list[str]:
    """Normalised words and sentence ends of ``text``."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.casefold())
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _TOKEN.findall(text.casefold())


def _token_codes(text: str) -> list[int]:
    found = tokens(text)
    try:
        return list(map(_codes.__getitem__, found))
    except KeyError:
        if len(_codes) > _CACHE_LIMIT:
            _codes.clear()
        for token in found:
            if token not in _codes:
                _codes[token] = _code(token)
        return list(map(_codes.__getitem__, found))


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 64-bit hash of the ordered pair (a, b) (murmur3's finaliser)."""
    x = (a * np.uint64(0x9E3779B97F4A7C15)) ^ b
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    return x


def _sentence_ids(codes: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Words of the batch (sentence ends removed) and their sentence numbers."""
    ends = codes == _BOUNDARY
    sentence = np.cumsum(ends) + docs  # a new document starts a new sentence
    words, sentence = codes[~ends], sentence[~ends]
    starts = np.flatnonzero(np.r_[True, sentence[1:] != sentence[:-1]])
    lengths = np.diff(np.r_[starts, len(sentence)])
    position = np.arange(len(sentence)) - np.repeat(starts, lengths)
    return words, sentence * (1 << 20) + position // MAX_SENTENCE


def _batch_features(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features of every text, in text order, with row offsets and content-word counts."""
    lists = [_token_codes(t) for t in texts]
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    codes = np.fromiter(chain.from_iterable(lists), dtype=np.uint64, count=int(sizes.sum()))
    docs = np.repeat(np.arange(len(texts), dtype=np.int64), sizes)
    content = np.bincount(docs[codes > _BOUNDARY], minlength=len(texts))
    words, sentence = _sentence_ids(codes, docs)
    word_docs = docs[codes != _BOUNDARY]
    found, owners = [], []
    for gap in range(WINDOW[0], WINDOW[1] + 1):
        a, b = words[:-gap], words[gap:]
        keep = (a > _BOUNDARY) & (b > _BOUNDARY) & (sentence[:-gap] != sentence[gap:])
        keep &= word_docs[:-gap] == word_docs[gap:]
        found.append(_mix(a[keep], b[keep]))
        owners.append(word_docs[:-gap][keep])
    owner = np.concatenate(owners)
    order = np.argsort(owner, kind="stable")
    offsets = np.searchsorted(owner[order], np.arange(len(texts) + 1))
    return np.concatenate(found)[order], offsets.astype(np.uint64), content


def _digests(features: np.ndarray, offsets: np.ndarray, num_perm: int) -> np.ndarray:
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(features, offsets, num_perm, SEED)
    rows = np.array(matrix.to_rows(), dtype=np.uint32).reshape(-1, num_perm)
    return (rows & 0xFFFF).astype(np.uint16)


def _signature_rows(texts: Sequence[str], num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """uint16 signatures of ``texts`` and a mask of those long enough to cluster."""
    features, offsets, content = _batch_features(texts)
    long_enough = (content >= MIN_WORDS) & (np.diff(offsets) > 0)
    return _digests(features, offsets, num_perm), long_enough


def _header(num_perm: int) -> bytes:
    return bytes([SCHEME, _ALGORITHM]) + num_perm.to_bytes(2, "little")


def _to_bytes(row: np.ndarray) -> bytes:
    return _header(len(row)) + row.astype("<u2").tobytes()


def _from_bytes(blob: bytes, num_perm: int) -> np.ndarray:
    if len(blob) != HEADER + 2 * num_perm or blob[:HEADER] != _header(num_perm):
        raise ValueError("signature of another scheme or size: recompute it from the text")
    return np.frombuffer(blob, dtype="<u2", offset=HEADER).astype(np.uint16)


def signature(text: str, num_perm: int = NUM_PERM) -> bytes | None:
    """The stored form of ``text``'s signature, or None when the text is too short."""
    rows, long_enough = _signature_rows([text], num_perm)
    return _to_bytes(rows[0]) if long_enough[0] else None


def signatures(texts: Sequence[str], num_perm: int = NUM_PERM) -> list[bytes | None]:
    """``signature`` of many texts at once (much faster than one by one)."""
    result: list[bytes | None] = []
    for start in range(0, len(texts), _CHUNK):
        rows, long_enough = _signature_rows(texts[start : start + _CHUNK], num_perm)
        result += [_to_bytes(r) if ok else None for r, ok in zip(rows, long_enough, strict=True)]
    return result


def _estimate(matches: np.ndarray) -> np.ndarray:
    """Jaccard from the share of equal 16-bit values (chance matches corrected)."""
    return np.clip((matches - _BBIT) / (1 - _BBIT), 0.0, 1.0)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two stored signatures."""
    num_perm = (len(a) - HEADER) // 2
    left, right = _from_bytes(a, num_perm), _from_bytes(b, num_perm)
    return float(_estimate(np.mean(left == right)))


# -- time ---------------------------------------------------------------------------------------


def _timestamp(value: str | datetime | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 or RFC 2822 date (UTC when no offset), or None."""
    if isinstance(value, datetime):
        moment = value
    elif not value:
        return None
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _times(
    when: str | datetime | None, published: str | datetime | None, now: float
) -> tuple[float, float]:
    """(capture time, first seen), infinite when unknown; see the module docstring."""
    captured = _timestamp(when)
    capture = np.inf if captured is None else captured
    claimed = _timestamp(published)
    if claimed is None or claimed > now + SKEW.total_seconds():
        return capture, capture
    return capture, min(claimed, capture)


# -- LSH ----------------------------------------------------------------------------------------


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + count)`` for every (start, count)."""
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return np.arange(int(counts.sum()), dtype=np.int64) + shift


def _band_keys(rows: np.ndarray) -> np.ndarray:
    """One 32-bit key per band: a hash of the band number and the band's ROWS 16-bit values.

    32 bits, not the exact 39, because the keys are most of the index's memory (128 a
    signature). Two bands that differ share a key by chance (at 50,000 articles, one article
    in five gets a spurious candidate): a candidate is only an edge if its estimated Jaccard
    reaches the threshold, so a chance match adds at most a pair of similar articles that no
    band caught, the same pair in any order of arrival.
    """
    pairs = rows.astype(np.uint64).reshape(len(rows), rows.shape[1] // ROWS, ROWS)
    values = (pairs[:, :, 0] << np.uint64(16)) | pairs[:, :, 1]
    bands = np.arange(pairs.shape[1], dtype=np.uint64) << np.uint64(32)
    mixed = (values | bands) * np.uint64(0x9E3779B97F4A7C15)  # wraps: a multiplicative hash
    return (mixed >> np.uint64(32)).astype(np.uint32)


class _Spill:
    """Arrays written to files in a folder and mapped read-only, so that an index of a million
    articles does not have to fit in memory (see ``StoryIndex(spill=...)``). The pages a search
    reads are dropped from the process after each call (``release``): they stay in the
    kernel's page cache, which gives them back when memory is short."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.count = 0
        self.mapped: dict[int, np.ndarray] = {}  # by id(): the arrays still in use

    def keep(self, array: np.ndarray) -> np.ndarray:
        """`array`, now in a file; the returned copy reads it from there."""
        path = self.folder / f"{self.count:06d}.npy"
        self.count += 1
        np.save(path, array)
        mapped = np.load(path, mmap_mode="r")
        path.unlink()  # the mapping keeps the file while it lives; nothing is left behind
        self.mapped[id(mapped)] = mapped
        return mapped

    def drop(self, array: np.ndarray) -> None:
        self.mapped.pop(id(array), None)

    def release(self) -> None:
        for mapped in self.mapped.values():
            handle = getattr(mapped, "_mmap", None)
            if handle is not None:
                handle.madvise(mmap.MADV_DONTNEED)


class _RowStore:
    """The signature rows by position, in blocks of ``SPILL_ROWS`` (full blocks spilled)."""

    def __init__(self, num_perm: int, spill: _Spill | None) -> None:
        self.num_perm = num_perm
        self.spill = spill
        self.blocks: list[np.ndarray] = []
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def append(self, row: np.ndarray) -> None:
        block, at = divmod(self.size, SPILL_ROWS)
        if at == 0:
            self.blocks.append(np.empty((SPILL_ROWS, self.num_perm), dtype=np.uint16))
        self.blocks[block][at] = row
        self.size += 1
        if at == SPILL_ROWS - 1 and self.spill is not None:
            self.blocks[block] = self.spill.keep(self.blocks[block])

    def __getitem__(self, where: int | np.ndarray | list[int]) -> np.ndarray:
        if isinstance(where, (int, np.integer)):
            block, at = divmod(int(where), SPILL_ROWS)
            return self.blocks[block][at]
        positions = np.asarray(where, dtype=np.int64)
        rows = np.empty((len(positions), self.num_perm), dtype=np.uint16)
        blocks, at = np.divmod(positions, SPILL_ROWS)
        for block in np.unique(blocks).tolist():
            mine = blocks == block
            rows[mine] = self.blocks[block][at[mine]]
        return rows

    def nbytes(self) -> int:
        """Bytes in memory (spilled blocks aside)."""
        return sum(b.nbytes for b in self.blocks if not isinstance(b, np.memmap))


class _BandStore:
    """Band keys of the indexed signatures as sorted runs, merged as they grow (an LSM tree).

    With a spill, a run of ``SPILL_ENTRIES`` or more is written to a file and merged no more:
    memory holds the small runs only, and a merge never needs more than twice that much.
    """

    def __init__(self, spill: _Spill | None = None) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.spill = spill

    def matches(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index in ``keys``, stored id) of every stored entry equal to one of ``keys``.

        ``keys`` should be sorted: searching runs in order is several times faster.
        """
        found_at, found_ids = [np.empty(0, np.int64)], [np.empty(0, np.int32)]
        for run_keys, run_ids in self._runs:
            low = np.searchsorted(run_keys, keys, "left")
            hit = np.flatnonzero(run_keys[np.minimum(low, len(run_keys) - 1)] == keys)
            if not len(hit):
                continue
            counts = np.searchsorted(run_keys, keys[hit], "right") - low[hit]
            found_at.append(np.repeat(hit, counts))
            found_ids.append(run_ids[_ranges(low[hit], counts)])
        return np.concatenate(found_at), np.concatenate(found_ids)

    def insert(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Add a run of sorted ``keys``; merge runs so that there are O(log n) of them."""
        if not len(keys):
            return
        runs = self._runs
        runs.append((keys, ids.astype(np.int32)))
        while len(runs) > 1 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
            if isinstance(runs[-2][0], np.memmap):
                break  # spilled: merged no more
            newer, older = runs.pop(), runs.pop()
            runs.append(_merge_runs(older, newer))
        if self.spill is not None and len(runs[-1][0]) >= SPILL_ENTRIES:
            keys, ids = runs.pop()
            runs.append((self.spill.keep(keys), self.spill.keep(ids)))

    def nbytes(self) -> int:
        """Bytes in memory (spilled runs aside)."""
        return sum(k.nbytes + i.nbytes for k, i in self._runs if not isinstance(k, np.memmap))


def _merge_runs(
    older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one, without the memory of a fresh sort."""
    (old_keys, old_ids), (new_keys, new_ids) = older, newer
    where = np.searchsorted(old_keys, new_keys, "right") + np.arange(len(new_keys))
    keys = np.empty(len(old_keys) + len(new_keys), dtype=old_keys.dtype)
    ids = np.empty(len(keys), dtype=old_ids.dtype)
    rest = np.ones(len(keys), dtype=bool)
    rest[where] = False
    keys[where], ids[where] = new_keys, new_ids
    keys[rest], ids[rest] = old_keys, old_ids
    return keys, ids


def _sorted_run(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    return keys[order], ids[order]


def _pairs_within(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of ids that share a key; ``keys`` sorted."""
    size = len(keys)
    if size < 2:
        return ids[:0], ids[:0]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    run_ends = np.append(starts[1:], size)
    ends = np.repeat(run_ends, run_ends - starts)
    counts = ends - np.arange(size) - 1
    first = np.repeat(np.arange(size), counts)
    return ids[first], ids[_ranges(np.arange(1, size + 1), counts)]


# -- the index ----------------------------------------------------------------------------------


class StoryIndex:
    """Clusters of near-duplicate articles, updated as articles arrive (see the module docs)."""

    def __init__(
        self,
        threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        verify: Verifier | None = None,
        spill: Path | None = None,
    ) -> None:
        """`spill`: a folder where the signatures and most of the LSH bands go, read through
        memory maps, instead of memory (about 2 KB an article); None: all in memory."""
        if num_perm % ROWS or not 0 < num_perm < 1 << 16:
            raise ValueError(f"num_perm must be a positive multiple of {ROWS} below 65536")
        self.threshold = threshold
        self.num_perm = num_perm
        self.verify = verify
        self._spill = _Spill(spill) if spill is not None else None
        # Per article, in arrays (8 bytes an article each, not a Python object): key, times,
        # union-find parent; key to position, signature digest to first position and name in
        # `extractors.counts` maps. Clusters of one have no `_members` or `_summary` entry.
        self._keys = array("q")
        self._position = KeyMap()
        self._rows = _RowStore(num_perm, self._spill)
        self._when = array("d")
        self._seen = array("d")
        self._parent = array("q")
        self._names = Spellings()  # position: name, for the articles given one
        self._members: dict[int, list[int]] = {}  # root: positions, for clusters of two or more
        self._summary: dict[int, tuple[int, int, int]] = {}  # root: (id, earliest, source)
        self._same = KeyMap()  # digest of a signature: first position holding it
        self._bands = _BandStore(self._spill)
        self._journal = array("q")  # keys added or changed, in order (see `mark`)

    def nbytes(self) -> int:
        """Bytes of signatures and bands held in memory (what a spill folder saves)."""
        return self._rows.nbytes() + self._bands.nbytes()

    def release(self) -> None:
        """Drop the spilled pages the last calls read from this process (see ``_Spill``)."""
        if self._spill is not None:
            self._spill.release()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._position

    # -- adding --

    def add(
        self,
        key: int,
        text: str | None = None,
        signature: bytes | None = None,
        when: str | datetime | None = None,
        published: str | datetime | None = None,
        name: str | None = None,
    ) -> int | None:
        """Index one article; return its cluster id, or None when it is too short to cluster."""
        return self.add_many([Article(key, text, signature, when, published, name)])[0]

    def add_many(self, items: Iterable[Article]) -> list[int | None]:
        """Index many articles; return the cluster id of each after all of them are in."""
        positions: list[int | None] = []
        batch: list[Article] = []
        for item in items:
            batch.append(Article(*item))
            if len(batch) == _CHUNK:
                positions += self._add_batch(batch)
                batch = []
        positions += self._add_batch(batch)
        self.release()
        return [None if p is None else self._summary_of(self._find(p))[0] for p in positions]

    def _add_batch(self, batch: list[Article]) -> list[int | None]:
        if not batch:
            return []
        rows, usable = self._rows_of(batch)
        positions: list[int | None] = []
        fresh: list[int] = []
        now = datetime.now(UTC).timestamp()
        for item, row, ok in zip(batch, rows, usable, strict=True):
            if item.key in self._position:
                positions.append(self._existing(item.key, row if ok else None))
            elif not ok:
                positions.append(None)
            else:
                positions.append(self._append(item, row, now))
                fresh.append(positions[-1])
        self._link(np.array(fresh, dtype=np.int64))
        return positions

    def _rows_of(self, batch: list[Article]) -> tuple[np.ndarray, np.ndarray]:
        """Signature rows of the batch and which of them can be clustered."""
        rows = np.zeros((len(batch), self.num_perm), dtype=np.uint16)
        usable = np.zeros(len(batch), dtype=bool)
        to_compute: list[int] = []
        for index, item in enumerate(batch):
            if item.signature is not None and _compatible(item.signature, self.num_perm):
                rows[index], usable[index] = _from_bytes(item.signature, self.num_perm), True
            elif item.text is not None:
                to_compute.append(index)
            elif item.signature is not None:
                _from_bytes(item.signature, self.num_perm)  # raises ValueError
        if to_compute:
            computed, long_enough = _signature_rows(
                [batch[i].text or "" for i in to_compute], self.num_perm
            )
            rows[to_compute], usable[to_compute] = computed, long_enough
        return rows, usable

    def _existing(self, key: int, row: np.ndarray | None) -> int:
        position = self._position[key]
        if row is None or not np.array_equal(self._rows[position], row):
            raise ValueError(f"key {key} is already indexed with another text")
        return position

    def _append(self, item: Article, row: np.ndarray, now: float) -> int:
        position = len(self._keys)
        self._rows.append(row)
        self._keys.append(item.key)
        self._position[item.key] = position
        when, seen = _times(item.when, item.published, now)
        self._when.append(when)
        self._seen.append(seen)
        self._parent.append(position)
        if item.name is not None:
            self._names.keep_least(position, item.name)
        self._journal.append(item.key)
        return position

    def _link(self, fresh: np.ndarray) -> None:
        """Find and verify the candidate pairs of the fresh positions, then join them."""
        if not len(fresh):
            return
        lows, highs, distinct = self._same_signatures(fresh)
        keys = _band_keys(self._rows[distinct])
        keys, owners = _sorted_run(keys.ravel(), np.repeat(distinct, keys.shape[1]))
        at, old = self._bands.matches(keys)
        inside = _pairs_within(keys, owners)
        self._bands.insert(keys, owners)
        low = np.concatenate([owners[at], inside[0]])
        high = np.concatenate([old, inside[1]])
        for a, b in zip(*self._verified(low, high), strict=True):
            self._union(int(a), int(b))
        for a, b in zip(lows, highs, strict=True):
            self._union(a, b)

    def _same_signatures(self, fresh: np.ndarray) -> tuple[list[int], list[int], np.ndarray]:
        """Join each fresh row to an earlier identical one; return the rows left to index."""
        lows, highs, distinct = [], [], []
        for position in fresh.tolist():
            row = self._rows[position]
            digest = int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest()) >> 1
            first = self._same.setdefault(digest, position)
            if first == position or not np.array_equal(row, self._rows[first]):
                distinct.append(position)
            else:
                lows.append(first)
                highs.append(position)
        return lows, highs, np.array(distinct, dtype=np.int64)

    def _verified(self, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The candidate pairs whose estimated Jaccard reaches the threshold."""
        low, high = low.astype(np.int64), high.astype(np.int64)
        codes = np.unique(np.minimum(low, high) << 32 | np.maximum(low, high))
        low, high = codes >> 32, codes & 0xFFFFFFFF
        keep = np.zeros(len(codes), dtype=bool)
        unsure = np.zeros(len(codes), dtype=bool)
        for start in range(0, len(codes), _PAIRS):
            part = slice(start, start + _PAIRS)
            equal = self._rows[low[part]] == self._rows[high[part]]
            estimate = _estimate(equal.mean(axis=1))
            keep[part] = estimate >= self.threshold
            unsure[part] = keep[part] & (estimate < SURE)
        if self.verify is not None and unsure.any():
            at = np.flatnonzero(unsure)
            keys = self._keys
            lows, highs = low[at].tolist(), high[at].tolist()
            pairs = [(keys[a], keys[b]) for a, b in zip(lows, highs, strict=True)]
            keep[at] = np.array(self.verify(pairs), dtype=bool)
        return low[keep], high[keep]

    # -- union-find --

    def _find(self, position: int) -> int:
        parent = self._parent
        root = position
        while parent[root] != root:
            root = parent[root]
        while parent[position] != root:
            parent[position], position = root, parent[position]
        return root

    def _union(self, a: int, b: int) -> None:
        a, b = self._find(a), self._find(b)
        if a == b:
            return
        if len(self._members_of(a)) < len(self._members_of(b)):
            a, b = b, a
        merged = self._merge(self._summary_of(a), self._summary_of(b))
        for root in (a, b):
            if self._summary_of(root) != merged:
                self._journal.extend(self._keys[p] for p in self._members_of(root))
        self._parent[b] = a
        self._members[a] = self._members_of(a) + self._members_of(b)
        self._members.pop(b, None)
        self._summary[a] = merged
        self._summary.pop(b, None)

    def _members_of(self, root: int) -> list[int]:
        return self._members.get(root) or [root]

    def _summary_of(self, root: int) -> tuple[int, int, int]:
        return self._summary.get(root) or (self._keys[root], root, root)

    def _merge(self, one: tuple[int, int, int], two: tuple[int, int, int]) -> tuple[int, int, int]:
        keys = self._keys
        names = self._names
        earliest = min(one[1], two[1], key=lambda p: (self._when[p], names.get(p, ""), keys[p]))
        source = min(one[2], two[2], key=lambda p: (self._seen[p], names.get(p, ""), keys[p]))
        return min(one[0], two[0]), earliest, source

    # -- reading --

    def mark(self) -> int:
        """A point in the change journal, for ``changed_since``."""
        return len(self._journal)

    def changed_since(self, mark: int) -> list[int]:
        """Keys added since ``mark`` and keys whose cluster id, earliest or source changed."""
        return sorted(set(self._journal[mark:]))

    def assignment(self, key: int) -> Assignment | None:
        """Where ``key`` stands, or None when it is not indexed."""
        position = self._position.get(key)
        if position is None:
            return None
        cluster, earliest, source = self._summary_of(self._find(position))
        equal = self._rows[position] == self._rows[earliest]
        keys = self._keys
        return Assignment(cluster, float(_estimate(equal.mean())), keys[source], keys[earliest])

    def members(self, key: int) -> list[int]:
        """The keys in ``key``'s cluster (``key`` alone when it stands alone), sorted."""
        position = self._position.get(key)
        if position is None:
            return []
        return sorted(self._keys[p] for p in self._members_of(self._find(position)))

    def assignments(self) -> dict[int, Assignment]:
        """The assignment of every indexed key."""
        result: dict[int, Assignment] = {}
        for cluster in self._all_clusters():
            for key in cluster.members:
                result[key] = Assignment(
                    cluster.id, cluster.similarity[key], cluster.source, cluster.earliest
                )
        self.release()
        return result

    def clusters(self) -> list[Cluster]:
        """Clusters of two or more articles, by id."""
        found = [c for c in self._all_clusters() if len(c.members) > 1]
        self.release()
        return found

    def _all_clusters(self) -> list[Cluster]:
        keys = self._keys
        result = []
        parent = self._parent
        for root in range(len(keys)):
            if parent[root] != root:
                continue
            members = self._members_of(root)
            cluster, earliest, source = self._summary_of(root)
            equal = self._rows[members] == self._rows[earliest]
            figures = _estimate(equal.mean(axis=1)).tolist()
            member_keys = [keys[p] for p in members]
            result.append(
                Cluster(
                    cluster,
                    tuple(sorted(member_keys)),
                    keys[source],
                    keys[earliest],
                    dict(zip(member_keys, figures, strict=True)),
                )
            )
        return sorted(result, key=lambda c: c.id)


def _compatible(blob: bytes, num_perm: int) -> bool:
    return len(blob) == HEADER + 2 * num_perm and blob[:HEADER] == _header(num_perm)


def cluster_all(
    items: Iterable[Article],
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    verify: Verifier | None = None,
    spill: Path | None = None,
) -> dict[int, Assignment]:
    """Cluster everything at once (reindex): the same result as ``add`` in any order."""
    index = StoryIndex(threshold, num_perm, verify, spill)
    index.add_many(items)
    return index.assignments()


# -- exact verification -------------------------------------------------------------------------


def features(text: str) -> np.ndarray:
    """The distinct feature hashes of ``text`` (what its signature summarises)."""
    found, _, _ = _batch_features([text])
    return np.unique(found)


def exact_similarity(a: str, b: str) -> float:
    """The exact Jaccard similarity of two texts' features."""
    return _jaccard(features(a), features(b))


def _jaccard(left: np.ndarray, right: np.ndarray) -> float:
    union = len(np.union1d(left, right))
    return len(np.intersect1d(left, right, assume_unique=True)) / union if union else 0.0


def text_verifier(
    texts: Callable[[list[int]], Mapping[int, str]], threshold: float = THRESHOLD
) -> Verifier:
    """A ``verify`` for StoryIndex that reads the texts of a batch of unsure pairs through
    ``texts(keys)`` and keeps the pairs whose exact similarity reaches ``threshold``."""

    def verify(pairs: list[tuple[int, int]]) -> list[bool]:
        found = texts(sorted({key for pair in pairs for key in pair}))
        cache: dict[int, np.ndarray] = {}

        def of(key: int) -> np.ndarray:
            if key not in cache:
                cache[key] = features(found.get(key) or "")
            return cache[key]

        return [_jaccard(of(a), of(b)) >= threshold for a, b in pairs]

    return verify
