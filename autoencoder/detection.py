"""Reconstruction error as an out-of-distribution detector.

An autoencoder rebuilds images like its training data well and anything else
badly, so its per-image error (BCE) is a score: the higher, the less the image
looks like the training set. Test images of the training dataset are "in",
those of another dataset "out". Flagging every image whose score is at or
above a threshold gives a false-positive rate (the share of "in" images
flagged) and a detection rate (the share of "out" images flagged). The ROC
curve traces both over every threshold; the area under it (AUC) is the chance
that a random "out" image scores above a random "in" one, ties counting half
(the Mann-Whitney U statistic, scaled to [0, 1]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autoencoder import metrics
from autoencoder.config import INPUT_DIM
from autoencoder.network import Autoencoder

CHUNK = metrics.CHUNK  # images reconstructed at a time: a few MB, whatever the split's size


def scores(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    """Per-image BCE (float64, (n,)) of ``model``'s reconstructions of ``images``.

    ``images`` are (n, 784) or (n, 28, 28) uint8 pixels or floats in [0, 1]; they are
    converted and reconstructed a chunk at a time, in batches.
    """
    images = np.asarray(images).reshape(-1, INPUT_DIM)
    parts = [np.zeros(0)]
    for start in range(0, len(images), CHUNK):
        originals = metrics.unit_floats(images[start : start + CHUNK])
        parts.append(metrics.bce_per_image(originals, model.reconstruct(originals)))
    return np.concatenate(parts)


def flagged(values: np.ndarray | float, threshold: float) -> np.ndarray:
    """Which scores the detector calls "out": those at or above ``threshold``."""
    return np.asarray(values) >= threshold


@dataclass(frozen=True)
class Rates:
    """What one threshold does: the shares of "in" and "out" images it flags."""

    threshold: float
    false_positive_rate: float  # "in" images flagged
    detection_rate: float  # "out" images flagged


def rates(inside: np.ndarray, outside: np.ndarray, threshold: float) -> Rates:
    return Rates(
        threshold=float(threshold),
        false_positive_rate=float(np.mean(flagged(inside, threshold))) if len(inside) else 0.0,
        detection_rate=float(np.mean(flagged(outside, threshold))) if len(outside) else 0.0,
    )


def threshold_for(inside: np.ndarray, false_positive_rate: float) -> float:
    """A threshold that flags about ``false_positive_rate`` of the "in" images."""
    return float(np.quantile(inside, 1 - false_positive_rate))


@dataclass(frozen=True)
class RocCurve:
    """ROC points, from nothing flagged (0, 0) to everything flagged (1, 1).

    Point ``i`` is what flagging scores >= ``thresholds[i]`` gives; the first
    threshold is +inf.
    """

    false_positive_rate: np.ndarray
    detection_rate: np.ndarray
    thresholds: np.ndarray

    @property
    def auc(self) -> float:
        """Area under the curve, by the trapezoid rule (exact for a step curve with ties)."""
        widths = np.diff(self.false_positive_rate)
        heights = (self.detection_rate[1:] + self.detection_rate[:-1]) / 2
        return float(np.sum(widths * heights))

    def thinned(self, points: int) -> RocCurve:
        """At most about ``points`` points, evenly spread along the curve, ends kept: enough
        to draw it (20,001 points would be a megabyte of chart data)."""
        if len(self.thresholds) <= points:
            return self
        # fpr + tpr grows from 0 to 2 along the curve, so it spaces the points by length.
        walked = self.false_positive_rate + self.detection_rate
        keep = np.unique(
            np.concatenate(
                [np.searchsorted(walked, np.linspace(0, 2, points)), [len(walked) - 1]]
            ).clip(0, len(walked) - 1)
        )
        return RocCurve(
            self.false_positive_rate[keep], self.detection_rate[keep], self.thresholds[keep]
        )


def roc_curve(inside: np.ndarray, outside: np.ndarray) -> RocCurve:
    """The ROC curve of the scores, one point per distinct score (ties move together)."""
    inside, outside = np.asarray(inside, np.float64), np.asarray(outside, np.float64)
    if not len(inside) or not len(outside):
        raise ValueError("the ROC curve needs at least one 'in' and one 'out' score")
    values = np.concatenate([inside, outside])
    is_out = np.concatenate([np.zeros(len(inside)), np.ones(len(outside))])
    order = np.argsort(-values, kind="stable")
    values, is_out = values[order], is_out[order]
    # The last position of each distinct score: lowering the threshold past it
    # flags that score's images all at once.
    last = np.flatnonzero(np.r_[np.diff(values) != 0, True])
    caught = np.cumsum(is_out)[last]
    false_alarms = (last + 1) - caught
    return RocCurve(
        false_positive_rate=np.r_[0.0, false_alarms / len(inside)],
        detection_rate=np.r_[0.0, caught / len(outside)],
        thresholds=np.r_[np.inf, values[last]],
    )


def auc(inside: np.ndarray, outside: np.ndarray) -> float:
    """P(an "out" score > an "in" score) + half P(they tie)."""
    return roc_curve(inside, outside).auc


@dataclass(frozen=True)
class Separation:
    """How well the score tells the two sets apart: every score, the ROC curve, its AUC."""

    inside: np.ndarray
    outside: np.ndarray
    roc: RocCurve  # thinned: enough points to draw
    auc: float


def separation(inside: np.ndarray, outside: np.ndarray, roc_points: int = 300) -> Separation:
    curve = roc_curve(inside, outside)
    return Separation(inside=inside, outside=outside, roc=curve.thinned(roc_points), auc=curve.auc)


@dataclass(frozen=True)
class Histogram:
    """Both sets' scores over the same bins, as shares of each set (so they compare)."""

    edges: np.ndarray  # (bins + 1,)
    inside: np.ndarray  # (bins,) share of the "in" scores in each bin
    outside: np.ndarray


def histogram(
    inside: np.ndarray,
    outside: np.ndarray,
    bins: int = 60,
    log: bool = False,
    upper: float | None = None,
) -> Histogram:
    """Shared bins over both sets' range: even in the score, or in its logarithm.

    Scores above ``upper`` (if given) count in the last bin: a few very bad
    reconstructions would otherwise squeeze every other bar into a corner.
    """
    values = np.concatenate([inside, outside])
    low, high = float(values.min()), float(values.max())
    if upper is not None:
        high = min(high, upper)
    if log:
        low = max(low, 1e-6)  # a BCE is positive; the floor guards the logarithm
        edges = np.geomspace(low, max(high, low * 1.01), bins + 1)
    else:
        edges = np.linspace(low, max(high, low + 1e-6), bins + 1)

    def shares(part: np.ndarray) -> np.ndarray:
        counts, _ = np.histogram(np.clip(part, edges[0], edges[-1]), edges)
        return counts / max(len(part), 1)

    return Histogram(edges=edges, inside=shares(inside), outside=shares(outside))
