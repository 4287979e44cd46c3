"""The zoo models' detector figures, computed once and shipped in assets/zoo/detection.json.

For every zoo model and every score of ``detectors.SCORES``, on its own dataset's
test images ("in") against the other dataset's ("out"): the AUC, a thinned ROC
curve, histograms over shared bins and quantiles of both sets' scores. A page
lays these out and places a visitor's drawing on them (``place``); it never
scores 20,000 test images per visitor. ``python -m autoencoder zoo detection``
rebuilds the file from the shipped models and both test sets.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autoencoder import detection, detectors, zoo
from autoencoder.config import DATASET_LABELS
from autoencoder.data import load_dataset
from autoencoder.files import atomic_write_bytes
from autoencoder.network import Autoencoder

FILE = "detection.json"
OTHER = {"mnist": "fashion_mnist", "fashion_mnist": "mnist"}
SHORT = {"mnist": "digits", "fashion_mnist": "clothes"}  # a direction in a table: digits → clothes
TWIN_PREFIX = "fashion-"
QUANTILES = 201  # 0, 0.5, ..., 100 percent of each set's scores
ROC_POINTS = 200
BINS = 60
DIGITS = 6  # significant digits kept in the file


@dataclass(frozen=True)
class ScoreSummary:
    """One score of one model: how it separates "in" from "out" test images."""

    score: str
    auc: float  # below 0.5: the score finds the "out" images *more* familiar
    roc: detection.RocCurve
    histogram: detection.Histogram
    inside_quantiles: np.ndarray  # (QUANTILES,) from the minimum to the maximum
    outside_quantiles: np.ndarray

    @property
    def label(self) -> str:
        return detectors.LABELS[self.score]

    @property
    def fails(self) -> bool:
        """The score ranks "out" images as more familiar than "in" ones, more often than not."""
        return self.auc < 0.5

    @property
    def explanation(self) -> str:
        """In words: how well the score separates, and why it fails if it does."""
        if self.fails:
            return f"AUC {self.auc:.3f}, worse than a coin: {detectors.WHY[self.score]}."
        return f"AUC {self.auc:.3f}: a random stranger outscores a random familiar image " + (
            f"{self.auc:.1%} of the time."
        )

    def percentile(self, value: float) -> float:
        """Where ``value`` falls (0-100) among the "in" test images' scores."""
        return _share_below(self.inside_quantiles, value) * 100

    def rates(self, threshold: float) -> detection.Rates:
        """The shares of "in" and "out" test images flagged at ``threshold`` (interpolated)."""
        return detection.Rates(
            threshold=float(threshold),
            false_positive_rate=1 - _share_below(self.inside_quantiles, threshold),
            detection_rate=1 - _share_below(self.outside_quantiles, threshold),
        )

    def threshold_for(self, false_positive_rate: float) -> float:
        """The score that flags about ``false_positive_rate`` of the "in" images."""
        return self.quantile("inside", 1 - false_positive_rate)

    def quantile(self, which: str, share: float) -> float:
        """The score below which ``share`` of one set's ("inside" or "outside") images lie."""
        quantiles = self.inside_quantiles if which == "inside" else self.outside_quantiles
        return float(np.interp(share, np.linspace(0, 1, len(quantiles)), quantiles))

    def shares(self, edges: np.ndarray) -> detection.Histogram:
        """Both sets' shares over any bins, read off their quantiles (a piecewise-linear
        distribution function): the page draws the bins it likes from the shipped figures.
        Scores beyond the edges count in the end bins, so each set's shares sum to one."""
        edges = np.asarray(edges, np.float64)

        def over(quantiles: np.ndarray) -> np.ndarray:
            below = np.array([_share_below(quantiles, edge) for edge in edges])
            below[0], below[-1] = 0.0, 1.0
            return np.diff(below)

        return detection.Histogram(edges, over(self.inside_quantiles), over(self.outside_quantiles))


@dataclass(frozen=True)
class ModelDetection:
    """A model's three scores, in: its training dataset's test images; out: the other's."""

    name: str
    inside: str  # dataset names
    outside: str
    background: str  # the zoo model whose error the ratio score subtracts
    scores: dict[str, ScoreSummary]

    @property
    def caption(self) -> str:
        return f"in: {DATASET_LABELS[self.inside]}, out: {DATASET_LABELS[self.outside]}"

    def explanation(self, score: str) -> str:
        """``score``'s figures in words, and why it fails if it does; a model that is its own
        background gets a ratio of zero for every image, which ranks nothing."""
        if score == "ratio" and self.name == self.background:
            return (
                f"AUC {self.scores[score].auc:.3f}: {self.name} is its own background, so the "
                "ratio is zero for every image and tells nothing apart."
            )
        return self.scores[score].explanation


def summarize(
    name: str,
    model: Autoencoder,
    background: Autoencoder,
    background_name: str,
    inside: np.ndarray,
    outside: np.ndarray,
) -> ModelDetection:
    """The figures of every score over two sets of test images."""
    scores_in = detectors.score_all(model, background, inside)
    scores_out = detectors.score_all(model, background, outside)
    return _summary(name, model.config.dataset, background_name, scores_in, scores_out)


def from_scores(
    name: str, dataset: str, scores_in: dict[str, np.ndarray], scores_out: dict[str, np.ndarray]
) -> ModelDetection:
    """The figures of scores already computed (e.g. a visitor's model, on a sample of each
    test set), in the shipped file's form. A score missing from both is left out (the
    ratio, when the dataset's background model is not built)."""
    return _summary(name, dataset, detectors.BACKGROUND.get(dataset, ""), scores_in, scores_out)


def twin(name: str, names: Sequence[str]) -> str | None:
    """The same model trained on the other dataset, if ``names`` hold it: the zoo names a
    model of clothes after its model of digits (conv-32, fashion-conv-32)."""
    other = name.removeprefix(TWIN_PREFIX) if name.startswith(TWIN_PREFIX) else TWIN_PREFIX + name
    return other if other in names else None


def markdown_table(items: Sequence[ModelDetection]) -> str:
    """Model, direction and each score's AUC, one row per model: the README's table."""
    header = "| model | in → out | " + " | ".join(f"{s} AUC" for s in detectors.SCORES) + " |"
    rows = [header, "|" + " --- |" * (2 + len(detectors.SCORES))]
    for item in items:
        cells = [
            f"{item.scores[score].auc:.3f}" if score in item.scores else "n/a"
            for score in detectors.SCORES
        ]
        direction = f"{SHORT[item.inside]} → {SHORT[item.outside]}"
        rows.append(f"| {item.name} | {direction} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def read_all(folder: Path | None = None) -> tuple[ModelDetection, ...]:
    """Every model the shipped file covers, in the zoo's order."""
    return _read_all(folder or zoo.ZOO_DIR)


def _summary(
    name: str,
    dataset: str,
    background_name: str,
    scores_in: dict[str, np.ndarray],
    scores_out: dict[str, np.ndarray],
) -> ModelDetection:
    levels = np.linspace(0, 1, QUANTILES)
    summaries = {}
    for score in (score for score in detectors.SCORES if score in scores_in):
        low, high = scores_in[score], scores_out[score]
        curve = detection.roc_curve(low, high)
        summaries[score] = ScoreSummary(
            score=score,
            auc=curve.auc,
            roc=curve.thinned(ROC_POINTS),
            histogram=detection.histogram(low, high, bins=BINS),
            inside_quantiles=np.quantile(low, levels),
            outside_quantiles=np.quantile(high, levels),
        )
    return ModelDetection(name, dataset, OTHER[dataset], background_name, summaries)


def build(names: Sequence[str] | None = None, folder: Path | None = None) -> list[ModelDetection]:
    """Score the named zoo models (default: every built one) and rewrite the file."""
    folder = folder or zoo.ZOO_DIR
    built = [entry["name"] for entry in zoo.read_manifest(folder)]
    chosen = list(names) if names else built
    tests = {dataset: load_dataset(dataset, include_train=False).test.pixels for dataset in OTHER}
    existing = {item.name: item for item in _read_all(folder)} if names else {}
    # The background's errors and the PNG sizes of each test set, once for every model.
    parts: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for name in chosen:
        model = zoo.load(name, folder)
        dataset = model.config.dataset
        background_name = detectors.BACKGROUND[dataset]
        scores = []
        for images in (dataset, OTHER[dataset]):
            if (background_name, images) not in parts:
                background = zoo.load(background_name, folder)
                parts[background_name, images] = (
                    detectors.error_bits(background, tests[images]),
                    detectors.png_bits(tests[images]),
                )
            error = detectors.error_bits(model, tests[images])
            scores.append(detectors.combine(error, *parts[background_name, images]))
        existing[name] = _summary(name, dataset, background_name, *scores)
        print(
            f"{name}: "
            + ", ".join(f"{s} {existing[name].scores[s].auc:.4f}" for s in detectors.SCORES),
            flush=True,
        )
    order = {name: index for index, name in enumerate(built)}
    items = sorted(existing.values(), key=lambda item: order.get(item.name, len(order)))
    text = json.dumps({"models": [_to_json(item) for item in items]}, separators=(",", ":"))
    atomic_write_bytes(folder / FILE, text.encode() + b"\n")
    _read_all.cache_clear()
    return items


def read(name: str, folder: Path | None = None) -> ModelDetection | None:
    """A zoo model's shipped detector figures (None if the file does not cover it)."""
    for item in _read_all(folder or zoo.ZOO_DIR):
        if item.name == name:
            return item
    return None


def score_image(name: str, image: np.ndarray, folder: Path | None = None) -> dict[str, float]:
    """One image's scores under a zoo model (e.g. a visitor's drawing, floats in [0, 1])."""
    model = _model(name, folder or zoo.ZOO_DIR)
    background = _model(detectors.BACKGROUND[model.config.dataset], folder or zoo.ZOO_DIR)
    values = detectors.score_all(model, background, np.asarray(image).reshape(1, -1))
    return {score: float(values[score][0]) for score in detectors.SCORES}


def place(name: str, image: np.ndarray, folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """Per score: an image's value, its percentile among the "in" test images and
    whether the detector flags it at the threshold that flags 5% of them."""
    summary = read(name, folder)
    if summary is None:
        raise KeyError(
            f"no detector figures for {name!r}: run `python -m autoencoder zoo detection`"
        )
    placed = {}
    for score, value in score_image(name, image, folder).items():
        figures = summary.scores[score]
        threshold = figures.threshold_for(0.05)
        placed[score] = {
            "value": value,
            "percentile": figures.percentile(value),
            "threshold": threshold,
            "flagged": bool(detection.flagged(value, threshold)),
        }
    return placed


@functools.lru_cache(maxsize=8)
def _model(name: str, folder: Path) -> Autoencoder:
    # A drawing is scored on every stroke: its model and background load once per process.
    return zoo.load(name, folder)


@functools.lru_cache(maxsize=4)
def _read_all(folder: Path) -> tuple[ModelDetection, ...]:
    # Read once per process: the file changes only when the zoo is rebuilt.
    try:
        models = json.loads((folder / FILE).read_text())["models"]
    except FileNotFoundError:
        return ()
    return tuple(_from_json(item) for item in models)


def _share_below(quantiles: np.ndarray, value: float) -> float:
    levels = np.linspace(0, 1, len(quantiles))
    # np.interp needs increasing x: ties among quantiles are fine, it takes the last.
    return float(np.interp(value, quantiles, levels, left=0.0, right=1.0))


def _rounded(values: np.ndarray) -> list[float]:
    return [float(f"{value:.{DIGITS}g}") for value in np.asarray(values, np.float64)]


def _to_json(item: ModelDetection) -> dict[str, Any]:
    return {
        "name": item.name,
        "inside": item.inside,
        "outside": item.outside,
        "background": item.background,
        "scores": {
            score: {
                "auc": round(figures.auc, 6),
                "roc": {
                    "false_positive_rate": _rounded(figures.roc.false_positive_rate),
                    "detection_rate": _rounded(figures.roc.detection_rate),
                    # The first threshold is +inf, which JSON cannot hold.
                    "thresholds": _rounded(figures.roc.thresholds[1:]),
                },
                "histogram": {
                    "edges": _rounded(figures.histogram.edges),
                    "inside": _rounded(figures.histogram.inside),
                    "outside": _rounded(figures.histogram.outside),
                },
                "inside_quantiles": _rounded(figures.inside_quantiles),
                "outside_quantiles": _rounded(figures.outside_quantiles),
            }
            for score, figures in item.scores.items()
        },
    }


def _from_json(item: dict[str, Any]) -> ModelDetection:
    scores = {}
    for score, figures in item["scores"].items():
        roc, bars = figures["roc"], figures["histogram"]
        scores[score] = ScoreSummary(
            score=score,
            auc=float(figures["auc"]),
            roc=detection.RocCurve(
                np.asarray(roc["false_positive_rate"]),
                np.asarray(roc["detection_rate"]),
                np.r_[np.inf, roc["thresholds"]],
            ),
            histogram=detection.Histogram(
                np.asarray(bars["edges"]), np.asarray(bars["inside"]), np.asarray(bars["outside"])
            ),
            inside_quantiles=np.asarray(figures["inside_quantiles"]),
            outside_quantiles=np.asarray(figures["outside_quantiles"]),
        )
    return ModelDetection(item["name"], item["inside"], item["outside"], item["background"], scores)
