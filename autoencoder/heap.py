"""Giving freed memory back to the operating system, so that a shared host's RSS falls again.

Two things keep memory a process no longer uses. Objects in reference cycles
(a closed Streamlit session's state, frames and widgets) wait for Python's
cyclic collector, which the app runs less often than Streamlit would
(``runner.postScriptGC = false``, see .streamlit/config.toml); and glibc keeps
freed heap pages for reuse, in one arena per thread. :func:`collect` runs the
collector, :func:`trim` hands the free pages back.
"""

from __future__ import annotations

import ctypes
import functools
import gc
from typing import Any


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


@functools.cache
def _glibc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")  # Linux, as on Community Cloud
    except OSError:
        return None
