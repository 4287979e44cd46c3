"""What the servers and the client cost the machine: RSS and CPU of process trees (psutil).

A :class:`TreeSampler` samples, in a thread of its own, the resident memory of
each server process and its descendants (training children included), summed
over the servers, and keeps its peak; CPU is the trees' CPU-seconds over the
wall time, in cores. The client's own cost is :func:`own_cpu_seconds`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

MB = 1024 * 1024


def tree(pid: int) -> list[psutil.Process]:
    """The process and its living descendants ([] once it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def tree_rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for process in tree(pid):
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
    return total / MB


def tree_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        for process in tree(pid):
            try:
                times = process.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


def own_cpu_seconds() -> float:
    """This process's CPU (every thread), not its children's (a browser is counted apart)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


def steal_share(before: Any, after: Any) -> float:
    """The share of the machine's CPU time between two ``psutil.cpu_times()`` that the
    hypervisor gave to other guests (Linux's ``steal``); NaN where it is not counted.

    On a shared host a timing is only as good as the CPU it got: a thread preempted while
    it holds the interpreter lock stalls every session of its process.
    """
    steal = getattr(after, "steal", None)
    if steal is None:
        return math.nan
    # guest time is already inside user time (Linux counts it twice)
    fields = [name for name in after._fields if name not in ("guest", "guest_nice")]
    total = sum(getattr(after, name) - getattr(before, name) for name in fields)
    return (steal - before.steal) / total if total > 0 else math.nan


@dataclass(frozen=True)
class Usage:
    rss_peak_mb: float
    rss_last_mb: float
    cpu_cores: float  # CPU-seconds per wall second over the window
    machine_steal: float = math.nan  # share of the machine's CPU time taken by the host


class TreeSampler:
    """Peak RSS and CPU of some process trees between ``start()`` and ``stop()``."""

    def __init__(self, pids: list[int], interval: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval
        self._peak = 0.0
        self._last = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu0 = 0.0
        self._wall0 = 0.0
        self._machine0 = psutil.cpu_times()

    def start(self) -> TreeSampler:
        self._peak = self._last = tree_rss_mb(self.pids)
        self._cpu0 = tree_cpu_seconds(self.pids)
        self._machine0 = psutil.cpu_times()
        self._wall0 = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tree-sampler")
        self._thread.start()
        return self

    def stop(self) -> Usage:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        wall = max(time.monotonic() - self._wall0, 1e-9)
        cores = (tree_cpu_seconds(self.pids) - self._cpu0) / wall
        return Usage(self._peak, self._last, cores, steal_share(self._machine0, psutil.cpu_times()))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._last = tree_rss_mb(self.pids)
            self._peak = max(self._peak, self._last)
