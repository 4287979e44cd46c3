"""Cache policy: results about a model kept under its content, shared or per session, bounded.

The host has about 2.7 GB for every visitor at once, and visitors are
anonymous, so memory is kept in bounds by construction:

- results about a model are cached under the model's fingerprint (a hash of
  its settings and weights): shared by all sessions for the app's own models,
  kept in the visitor's own session for a model they trained or uploaded, and
  dropped when they leave (``by_model``);
- every cache is bounded in entries and bytes, and its entries are small:
  per-image errors, code statistics, 2-D map points, PNGs; never a copy of
  the test set or of 10,000 reconstructions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from operator import attrgetter
from types import CodeType
from typing import Any, TypeVar

import streamlit as st

from autoencoder import heap
from autoencoder.network import Autoencoder
from views import models

BY_FINGERPRINT = {Autoencoder: attrgetter("fingerprint")}  # a model's cache key: its content
SESSION_ENTRIES = 2  # a visitor's own models whose results their session keeps
SHARED_BYTES = "16MB"  # per cached function, over all sessions (entries are < 0.5 MB)
SESSION_BYTES = "1MB"  # per cached function and session (its entries are under 0.4 MB)

Result = TypeVar("Result")
CACHED_BY_MODEL: list[str] = []  # every function cached by model, once (a test counts them)
_MADE: dict[CodeType, Callable[..., Any]] = {}  # the cached version of each function's code


def is_shipped(model: Autoencoder) -> bool:
    """The process' own copy of the default or a zoo model, whose results every session
    may share; anything a visitor trained or uploaded is theirs alone."""
    return models.is_zoo_model(model)


def by_model(
    shared_entries: int, session_entries: int = SESSION_ENTRIES, spinner: str | bool = False
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Cache ``function(model, *args)`` under the model's fingerprint and ``args``.

    Results for a shipped model go to a cache all sessions share; those for a
    visitor's own model stay in that visitor's session and go when the session
    does, so a crafted model can neither fill the shared cache nor outlive its
    visitor. Both caches are bounded in entries and bytes.
    """

    def decorate(function: Callable[..., Result]) -> Callable[..., Result]:
        # Streamlit runs a page's file again on every rerun, and with it this decorator;
        # the file's code is compiled once, so its functions' code objects stay the same.
        # Made once per code, the caches cost no second inspect.getsource per rerun.
        made = _MADE.get(function.__code__)
        if made is not None and function.__closure__ is None:  # a closure's values may differ
            return made
        name = f"{function.__module__}.{function.__qualname__}"
        if name not in CACHED_BY_MODEL:
            CACHED_BY_MODEL.append(name)
        options: dict[str, Any] = {"hash_funcs": BY_FINGERPRINT, "show_spinner": spinner}
        shared = st.cache_data(
            function, max_entries=shared_entries, max_size=SHARED_BYTES, **options
        )
        private = st.cache_data(
            function,
            max_entries=session_entries,
            max_size=SESSION_BYTES,
            scope="session",
            **options,
        )

        @functools.wraps(function)
        def cached(model: Autoencoder, *args: Any) -> Result:
            return (shared if is_shipped(model) else private)(model, *args)

        cached.caches = (shared, private)  # type: ignore[attr-defined]  # for the tests
        _MADE[function.__code__] = cached
        return cached

    return decorate


def release_freed_memory() -> None:
    """Hand the pages freed by a big computation back to the OS.

    Streamlit runs each session's script in a thread, and glibc keeps freed heap
    memory in one arena per thread: trimming after a cache miss gives back
    5-10 MB a visit that would otherwise stay.
    """
    heap.trim()
