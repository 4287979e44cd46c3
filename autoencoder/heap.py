"""Giving freed memory back to the operating system, so that a shared host's RSS falls again.

Three things keep memory a process no longer uses:

- Objects in reference cycles (a closed Streamlit session's state, frames and
  widgets) wait for Python's cyclic collector, which the app runs less often
  than Streamlit would (``runner.postScriptGC = false``, see
  .streamlit/config.toml). :func:`collect` runs it.
- glibc keeps free pages inside its heaps; :func:`trim` hands them back.
- glibc gives each thread an arena of its own (up to eight per core), and
  each time it frees a big block it raises its thresholds: blocks of up to
  32 MB then come from the arenas, and an arena keeps up to 64 MB free at its
  top, where ``malloc_trim`` reaches only in the main one. Streamlit runs each
  rerun in a thread of its own, so after a class came and went the free tops
  of many arenas stayed resident: 100 MB above where the server began (the
  hostile run of benchmarks/capacity.py, README). :func:`tune` fixes the
  thresholds.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from typing import Any

# mallopt's options (glibc's malloc.h) and the values the server runs with (SETTINGS).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# About where glibc's own rule ends up once the app has freed a test set's array: blocks
# from 32 MB up get mappings of their own. Lower values cost time: at 80 visitors, 256 KB
# or 1 MB made p95 2.5 to 5 times as long (mapping and unmapping small arrays, likely).
MMAP_BYTES = 32 * 2**20
# An arena gives back a free top over 8 MB as soon as it forms, instead of over 64 MB.
TRIM_BYTES = 8 * 2**20
SETTINGS = ((M_MMAP_THRESHOLD, MMAP_BYTES), (M_TRIM_THRESHOLD, TRIM_BYTES))


def trim() -> None:
    """Hand the heap's free pages back (glibc's ``malloc_trim``; elsewhere nothing)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def collect() -> int:
    """Collect every reference cycle, then trim: how many objects were unreachable."""
    found = gc.collect()
    trim()
    return found


def tune() -> bool:
    """Make glibc give back what threads free, for the rest of the process (:data:`SETTINGS`):
    whether it took them (False without glibc, where nothing changes)."""
    libc = _glibc()
    return libc is not None and all(libc.mallopt(option, value) == 1 for option, value in SETTINGS)


@functools.cache
def _glibc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")  # Linux, as on Community Cloud
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
