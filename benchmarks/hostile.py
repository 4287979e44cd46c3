"""The hostile run: many sessions each holding the largest model the app accepts.

``holders`` sessions upload (through ``st.file_uploader``'s own protocol: a file
URL asked for, a multipart PUT to ``/_stcore/upload_file/...``, then the widget's
state) the model with the most parameters ``Config`` allows
(:func:`largest_config`); ``tourers`` of them then open every page, again and
again, with that model chosen. Normal visitors tour beside them. Then everyone
leaves and the server's memory is watched for ``settle`` seconds.

The upload is refused once the server's budget is full, with the app's sentence
(``autoencoder.budget.FULL_MESSAGE``); those are counted.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from autoencoder.artifact import model_to_zip
from autoencoder.config import Config
from autoencoder.network import Autoencoder, parameter_count, weight_shapes
from benchmarks.machine import tree_rss_mb
from benchmarks.protocol import Outcome, Session
from benchmarks.visitor import Timing

WIDTHS = (256, 384, 512, 640, 768, 896, 1024)
CODES = (32, 64, 128)
UPLOAD_PAGE = "Train your own"
UPLOAD_LABEL_PART = ".zip"  # the model uploader's label ("A .zip downloaded from this page")
FULL_PART = "server is full"  # budget.FULL_MESSAGE: "The server is full of visitors' models..."
LOADED_PART = "Loaded your model"
NONZERO_SHARE = 0.01  # weights mostly zero: a 16 MB model in a zip under the 5 MB upload cap


def largest_config() -> Config:
    """The dense model (VAE or not) with the most parameters the caps allow."""
    best: tuple[int, Config] | None = None
    for layers in range(1, 5):
        for widths in itertools.combinations_with_replacement(sorted(WIDTHS, reverse=True), layers):
            for code, variational in itertools.product(CODES, (False, True)):
                try:
                    config = Config(
                        hidden_units=tuple(widths),
                        latent_dim=code,
                        variational=variational,
                        code_activation="linear" if variational else "relu",
                    )
                except ValueError:  # past MAX_PARAMETERS or MAX_OPERATIONS
                    continue
                count = parameter_count(config)
                if best is None or count > best[0]:
                    best = (count, config)
    assert best is not None
    return best[1]


def largest_model_zip(seed: int = 0) -> tuple[Config, bytes]:
    """That model as the app's own download zip, its weights sparse enough to compress."""
    config = largest_config()
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in weight_shapes(config).items():
        array = np.zeros(shape, dtype=np.float32)
        mask = rng.random(shape) < NONZERO_SHARE
        array[mask] = rng.normal(0, 0.05, int(mask.sum())).astype(np.float32)
        weights[name] = array
    model = Autoencoder(config=config, weights=weights, record={"note": "capacity benchmark"})
    return config, model_to_zip(model)


@dataclass
class Holder:
    """A session that uploads the large model and, if a tourer, opens every page."""

    url: str
    data: bytes
    tour: bool
    timeout: float = 60.0
    accepted: bool = False
    refused_full: bool = False
    upload_errors: list[str] = field(default_factory=list)
    tour_timings: list[Timing] = field(default_factory=list)
    session: Session | None = None

    async def upload(self) -> None:
        session = Session(self.url, timeout=self.timeout)
        self.session = session
        opened = await session.open()
        self.upload_errors += opened.errors
        page = session.page(UPLOAD_PAGE)
        if page is None:
            self.upload_errors.append(f"missing: page {UPLOAD_PAGE!r}")
            return
        self.upload_errors += (await session.switch_page(page)).errors
        uploader = next(
            (
                widget
                for widget in session.widgets.values()
                if widget.kind == "file_uploader" and UPLOAD_LABEL_PART in widget.label
            ),
            None,
        )
        if uploader is None:
            self.upload_errors.append("missing: the model uploader")
            return
        outcome = await session.upload(uploader, "model.zip", self.data)
        self.upload_errors += outcome.errors
        self._read(outcome)

    def _read(self, outcome: Outcome) -> None:
        self.refused_full = any(FULL_PART in notice for notice in outcome.notices)
        self.accepted = any(LOADED_PART in notice for notice in outcome.notices)
        if not (self.accepted or self.refused_full):  # refused for another reason: say which
            self.upload_errors.append(f"not loaded: {' / '.join(outcome.notices) or 'no notice'}")

    async def tour_pages(self, until: float) -> None:
        """Every page, in turn, until ``until`` (no pause: an attacker does not read)."""
        session = self.session
        if session is None:
            return
        while time.monotonic() < until:
            for page in list(session.pages):
                if time.monotonic() >= until:
                    return
                started = time.monotonic()
                outcome = await session.switch_page(page)
                self.tour_timings.append(
                    Timing(f"attacker {page.name}", started, outcome.seconds, tuple(outcome.errors))
                )
                if outcome.disconnected:
                    return

    async def leave(self) -> None:
        if self.session is not None:
            await self.session.close()


@dataclass
class Settling:
    """The server's RSS after everyone left: when it came back within ``margin`` of before."""

    before_mb: float
    samples: list[tuple[float, float]]  # (seconds after leaving, MB)
    margin_mb: float = 100.0

    @property
    def last_mb(self) -> float:
        return self.samples[-1][1] if self.samples else math.nan

    @property
    def back_after(self) -> float | None:
        for seconds, megabytes in self.samples:
            if megabytes <= self.before_mb + self.margin_mb:
                return seconds
        return None


async def settle(pids: list[int], before_mb: float, seconds: float) -> Settling:
    """Sample the servers' RSS once a second for ``seconds`` (in a thread: psutil blocks)."""
    samples: list[tuple[float, float]] = []
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) <= seconds:
        samples.append((elapsed, await asyncio.to_thread(tree_rss_mb, pids)))
        await asyncio.sleep(1.0)
    return Settling(before_mb, samples)
