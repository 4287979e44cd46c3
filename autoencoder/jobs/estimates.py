"""How long a run will take: scaled from the zoo's training times and this server's runs."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autoencoder.config import Config
from autoencoder.jobs import supervisor
from autoencoder.network import parameter_count

PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
ZOO_MANIFEST = PACKAGE_ROOT / "assets" / "zoo" / "manifest.json"
TENSORFLOW_START_SECONDS = 8.0  # importing TensorFlow and compiling, before epoch 1


@dataclass(frozen=True)
class Estimate:
    seconds: float
    basis: tuple[str, ...]  # the zoo models (or this server's runs) whose pace it scales
    on_this_server: bool = False  # paced by runs this server finished, not by the zoo's


def measured_runs() -> list[dict[str, Any]]:
    """This server's recent runs, with their pace, in the zoo manifest's shape (newest last)."""
    return supervisor.current().runs()


def read_zoo_timings(path: Path | None = None) -> list[dict[str, Any]]:
    """The zoo models with a measured training time (``ZOO_MANIFEST``); [] without one."""
    try:
        models = json.loads((path or ZOO_MANIFEST).read_text()).get("models", [])
    except (OSError, ValueError, AttributeError):
        return []
    usable = []
    for model in models if isinstance(models, list) else []:
        if not isinstance(model, dict):
            continue
        numbers = [model.get(key) for key in ("training_seconds", "epochs", "train_images")]
        if all(isinstance(n, (int, float)) and n > 0 for n in numbers):
            usable.append(model)
    return usable


def estimate_seconds(
    config: Config,
    train_images: int,
    zoo: Sequence[Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]] = (),
) -> Estimate | None:
    """A run's wall time, scaled from measured models like it; None if none is like it.

    The pace (seconds per image per epoch) is the median over the models of
    the same kind (dense, conv, vae) and family, else the same family, that
    are within 2x of this model's parameters (else the nearest one): one
    timing taken on a busy machine must not set the estimate. It is scaled by
    this run's images and epochs, plus TensorFlow's start. Runs this server
    finished (``measured_runs()``) come first when one was set up alike (same
    kind, batch size and corruption, within 2x in parameters and images: an
    epoch also validates on the whole test set, so a small run's pace per
    image is higher): they were timed on this host's CPUs, as the app runs
    them; the zoo was built elsewhere.
    """

    def same_kind(model: Mapping[str, Any]) -> bool:
        return model.get("kind") == config.kind and model.get("family") == config.family

    def same_setup(model: Mapping[str, Any]) -> bool:
        return (
            same_kind(model)
            and model.get("batch_size") == config.batch_size
            and model.get("denoising") == config.denoising
            and _within_2x(model.get("train_images"), train_images)
        )

    here = _estimate(config, train_images, runs, (same_setup,), nearest=False)
    if here is not None:
        return Estimate(here.seconds, here.basis, on_this_server=True)
    return _estimate(
        config, train_images, zoo, (same_kind, lambda m: m.get("family") == config.family)
    )


def _distance(theirs: Any, ours: float) -> float:
    """How many times apart two sizes are, on a log scale; infinite for a size missing."""
    if not isinstance(theirs, (int, float)) or theirs <= 0:
        return math.inf
    return abs(math.log(theirs / ours))


def _within_2x(theirs: Any, ours: float) -> bool:
    return _distance(theirs, ours) <= math.log(2)


def _estimate(
    config: Config,
    train_images: int,
    measured: Sequence[Mapping[str, Any]],
    matchers: Sequence[Callable[[Mapping[str, Any]], bool]],
    *,
    nearest: bool = True,
) -> Estimate | None:
    """Scaled from the first matcher's models within 2x in size, else (``nearest``) the nearest."""
    for matches in matchers:
        candidates = [model for model in measured if matches(model)]
        if candidates:
            break
    else:
        return None
    parameters = parameter_count(config)
    alike = [model for model in candidates if _within_2x(model.get("parameters"), parameters)]
    if not alike and not nearest:
        return None
    alike = alike or [min(candidates, key=lambda m: _distance(m.get("parameters"), parameters))]
    pace = statistics.median(
        model["training_seconds"] / (model["epochs"] * model["train_images"]) for model in alike
    )
    compiling = statistics.median(float(model.get("compile_seconds", 0.0)) for model in alike)
    return Estimate(
        seconds=TENSORFLOW_START_SECONDS + compiling + pace * train_images * config.epochs,
        basis=tuple(str(model.get("name", "?")) for model in alike),
    )
