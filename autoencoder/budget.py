"""Visitors' own models, held within one server-wide budget and given back when they leave.

The host's memory is shared by every visitor, and anyone may train or upload
a model, so each visitor's model is charged against one server-wide budget
(:class:`Holdings`): its weights plus what its results may cache. Past the
budget a new model is refused with one sentence (:data:`FULL_MESSAGE`) and
nothing else changes: the visitor keeps what they had, and the zoo still works.

Streamlit keeps a disconnected session (and everything in it) until its
session store is next written after ``server.disconnectedSessionTTL``, which on
a quiet server may be never. :meth:`Holdings.sweep` instead asks which visitors
are still connected and drops those gone for longer than a grace period, and
the sweeper hands them to the caller, which ends their sessions, and then
collects what those sessions held in reference cycles (:func:`heap.collect`):
memory comes back within a minute of a visitor leaving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoencoder import heap
from autoencoder.errors import AutoencoderError

FULL_MESSAGE = "The server is full of visitors' models; try again in a few minutes, or use the zoo."
GRACE_SECONDS = 30.0  # a reload or a network blip reconnects well within this
SWEEP_SECONDS = 10.0  # how often a sweeper looks for visitors who left
# Streamlit closes a stored session on its event loop, soon after it is asked to: the
# collection waits this long for it. In the hostile run (benchmarks/capacity.py) it freed
# 200 MB of 20 big-model sessions that neither closing nor trimming had given back.
CLOSE_SECONDS = 2.0
MODEL = "model"  # the part of what a visitor holds that most pages use


class BudgetFullError(AutoencoderError, RuntimeError):
    """No room for another visitor's model in the server-wide budget."""

    def __init__(self) -> None:
        super().__init__(FULL_MESSAGE)


@dataclass
class _Holding:
    value: Any
    nbytes: int
    seen: float  # when its visitor was last known to be connected


class Holdings:
    """What each owner (a session id) holds, by part (its model, its dataset file...), within
    ``limit_bytes`` for all owners together.

    Thread-safe: every session's script runs in a thread of its own.
    """

    def __init__(
        self,
        limit_bytes: int,
        grace_seconds: float = GRACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit_bytes = limit_bytes
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._held: dict[tuple[str, str], _Holding] = {}
        self._lock = threading.Lock()

    def put(self, owner: str, value: Any, nbytes: int, part: str = MODEL) -> None:
        """Hold ``value`` as ``owner``'s ``part`` in place of what it was; BudgetFullError if
        no room.

        The part's previous value is counted as given back: replacing one's own
        model never fails for want of the room it frees.
        """
        with self._lock:
            previous = self._held.get((owner, part))
            used = self._used() - (previous.nbytes if previous else 0)
            if used + nbytes > self.limit_bytes:
                raise BudgetFullError()
            self._held[owner, part] = _Holding(value, nbytes, self._clock())

    def get(self, owner: str, part: str = MODEL) -> Any | None:
        with self._lock:
            holding = self._held.get((owner, part))
            if holding is None:
                return None
            holding.seen = self._clock()
            return holding.value

    def drop(self, owner: str, part: str = MODEL) -> None:
        with self._lock:
            self._held.pop((owner, part), None)

    def sweep(self, connected: Callable[[str], bool]) -> list[str]:
        """Drop all that owners hold who have not been ``connected`` for the grace period."""
        now = self._clock()
        with self._lock:
            owners = sorted({owner for owner, _ in self._held})
        gone = []
        for owner in owners:  # ``connected`` may take locks of its own: not under ours
            alive = connected(owner)
            with self._lock:
                parts = [key for key in self._held if key[0] == owner]
                if not parts:
                    continue
                if alive:
                    for key in parts:
                        self._held[key].seen = now
                elif now - max(self._held[key].seen for key in parts) > self.grace_seconds:
                    for key in parts:
                        del self._held[key]
                    gone.append(owner)
        return gone

    @property
    def used_bytes(self) -> int:
        with self._lock:
            return self._used()

    def __len__(self) -> int:
        """How many owners hold anything."""
        with self._lock:
            return len({owner for owner, _ in self._held})

    def _used(self) -> int:
        return sum(holding.nbytes for holding in self._held.values())


def start_sweeper(
    holdings: Holdings,
    connected: Callable[[str], bool],
    every: float = SWEEP_SECONDS,
    after_drop: Callable[[list[str]], None] | None = None,
    close_seconds: float = CLOSE_SECONDS,
) -> threading.Thread:
    """A daemon thread that sweeps ``holdings`` every ``every`` seconds, for the process' life.

    ``after_drop`` gets the owners a sweep dropped (e.g. to close what else they
    hold); ``close_seconds`` later, what they held in reference cycles is collected
    and the freed heap handed back to the operating system.
    """

    def run() -> None:
        while True:
            time.sleep(every)
            try:
                gone = holdings.sweep(connected)
                if not gone:
                    continue
                if after_drop is not None:
                    after_drop(gone)
                time.sleep(close_seconds)
                heap.collect()
            except Exception:  # a sweeper that dies would leak every later visitor's model
                continue

    thread = threading.Thread(target=run, name="holdings-sweeper", daemon=True)
    thread.start()
    return thread
