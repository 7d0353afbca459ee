"""The C allocator's free memory, given back to the system now and then during a long crawl.

glibc's malloc keeps the memory that Python and numpy free in its heaps (one per thread that
allocates: the reactor, the WARC writer, Twisted's thread pool), and gives it back to the
system only from the top of each heap. A long crawl frees a lot in between (response bodies,
parsed pages, arrays replaced by bigger ones), so its RSS grows with pages that hold nothing.
`malloc_trim(0)` returns every free page of every heap; on another C library it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

MB = 1024 * 1024


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )  # fmt: skip
    ]


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim"):
        return None
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    if hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _Mallinfo2
    return libc


def available() -> bool:
    """Whether this process's C library is glibc (has malloc_trim)."""
    return _libc() is not None


def trim() -> bool:
    """Give the allocator's free pages back to the system; True if some were."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def heap_mb() -> dict[str, float]:
    """The C allocator's heaps: bytes in use and free (held, not returned), in MB; {} if
    the C library cannot tell (glibc before 2.33, or not glibc)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return {}
    info = libc.mallinfo2()
    return {
        "in use": round((info.uordblks + info.hblkhd) / MB, 1),
        "free": round(info.fordblks / MB, 1),
    }
