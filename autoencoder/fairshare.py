"""Heavy work for visitors' own models shares the CPU: sized by its cost, one at a time.

A shipped model's results over a test set are computed once per process and
shared by everyone. A visitor's own model is another matter: its results are
computed for that visitor alone, and a model at the bounds of ``Config`` costs
150 times the seed's network per image. So each such pass over a test set is

- **sized**: estimated from the model's multiply-adds per image and the pace
  this process has measured, and cut to an evenly spaced sample of the test set
  when the whole set would take longer than ``seconds`` (:func:`sample`);
- **queued**: one at a time for all visitors' own models together
  (:class:`Lane`), so a crafted model can take at most one core's share while
  every other visitor's pages keep being served.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from autoencoder.config import Config
from autoencoder.network import operation_count

HEAVY_SECONDS = 3.0  # the longest one pass for a visitor's model should take
MIN_IMAGES = 500  # below this a histogram or a ranking says little
# Multiply-adds per second of one serving thread, before this process measures its
# own: a conservative figure (benchmarks/serving.py measures 5-17 billion per second
# on this 2-core machine for dense and conv models).
DEFAULT_RATE = 2e9


@dataclass(frozen=True)
class Sample:
    """Which test images a pass uses: all of them, or every ``step``-th."""

    indices: np.ndarray  # sorted, into the test set
    total: int  # images in the whole test set

    @property
    def whole(self) -> bool:
        return len(self.indices) == self.total

    def describe(self) -> str:
        """For a caption: ``all 10,000 test images`` or ``2,000 of the 10,000 ...``."""
        if self.whole:
            return f"all {self.total:,} test images"
        return f"{len(self.indices):,} of the {self.total:,} test images (evenly spaced)"


class Lane:
    """One heavy pass at a time; it learns the pace (multiply-adds per second) as it goes."""

    def __init__(self, rate: float = DEFAULT_RATE) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._waiting = 0
        self._count = threading.Lock()

    @property
    def waiting(self) -> int:
        """Passes queued behind the one that runs (for a progress message)."""
        return self._waiting

    def seconds(self, config: Config, images: int) -> float:
        """The estimated time of one pass of ``config`` over ``images``."""
        return images * operation_count(config) / self.rate

    def sample(
        self,
        config: Config,
        total: int,
        seconds: float = HEAVY_SECONDS,
        *,
        passes: int = 1,
        minimum: int = MIN_IMAGES,
    ) -> Sample:
        """The test images ``passes`` passes may use: all of them if they fit in ``seconds``."""
        fits = int(seconds * self.rate / (max(operation_count(config), 1) * passes))
        count = min(total, max(minimum, fits))
        indices = np.unique(np.linspace(0, total - 1, count).round().astype(np.int64))
        return Sample(indices=indices, total=total)

    @contextlib.contextmanager
    def turn(self, config: Config, images: int) -> Iterator[None]:
        """Wait for the lane, then hold it for a pass of ``config`` over ``images``."""
        with self._count:
            self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._count:
                self._waiting -= 1
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self._lock.release()
            if elapsed > 0.05:  # too short a pass measures the overhead, not the pace
                measured = images * operation_count(config) / elapsed
                self.rate = 0.5 * self.rate + 0.5 * measured
