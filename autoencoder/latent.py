"""The code space: statistics of codes, main directions, paths and samples.

Everything here works on codes (the encoder's outputs, shape (n, latent_dim))
and is plain NumPy; decoding the results is the model's job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEAD_TOLERANCE = 1e-6  # a unit whose code never exceeds this is dead (a silent ReLU)


@dataclass(frozen=True)
class LatentStatistics:
    """How the test set's codes spread, unit by unit and as a cloud."""

    mean: np.ndarray  # (latent_dim,)
    std: np.ndarray
    low: np.ndarray  # 1st percentile of each unit
    high: np.ndarray  # 99th percentile
    maximum: np.ndarray
    dead: np.ndarray  # bool: the unit is zero for every code
    covariance: np.ndarray  # (latent_dim, latent_dim)
    components: np.ndarray  # principal directions, one per row, most variance first
    component_std: np.ndarray  # spread of the codes along each direction
    explained: np.ndarray  # share of the total variance along each direction

    @property
    def latent_dim(self) -> int:
        return len(self.mean)


def _as_codes(codes: np.ndarray) -> np.ndarray:
    array = np.asarray(codes, dtype=np.float64)
    if array.ndim != 2 or len(array) < 2:
        raise ValueError(f"codes must have shape (n >= 2, latent_dim), got {array.shape}")
    return array


def dead_units(codes: np.ndarray, tolerance: float = DEAD_TOLERANCE) -> np.ndarray:
    """True for each unit that stays (numerically) zero across all codes."""
    return np.abs(_as_codes(codes)).max(axis=0) <= tolerance


def statistics(codes: np.ndarray) -> LatentStatistics:
    """Per-unit spread, dead units and principal directions of ``codes``."""
    array = _as_codes(codes)
    mean = array.mean(axis=0)
    centred = array - mean
    # SVD of the centred cloud: rows of vt are the principal directions.
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    variance = singular**2 / (len(array) - 1)
    total = variance.sum()
    vt = _fix_signs(vt)
    return LatentStatistics(
        mean=mean,
        std=array.std(axis=0),
        low=np.percentile(array, 1, axis=0),
        high=np.percentile(array, 99, axis=0),
        maximum=array.max(axis=0),
        dead=dead_units(array),
        covariance=np.cov(array, rowvar=False).reshape(array.shape[1], array.shape[1]),
        components=vt,
        component_std=np.sqrt(variance),
        explained=variance / total if total > 0 else np.zeros_like(variance),
    )


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """Make each direction's largest entry positive, so runs agree on 'forward'."""
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return components * np.where(signs == 0, 1, signs)[:, np.newaxis]


def project(codes: np.ndarray, stats: LatentStatistics, dimensions: int = 2) -> np.ndarray:
    """Coordinates of ``codes`` along the first principal directions."""
    return (np.atleast_2d(codes) - stats.mean) @ stats.components[:dimensions].T


def unproject(coordinates: np.ndarray, stats: LatentStatistics) -> np.ndarray:
    """Codes at the given principal coordinates, kept non-negative as ReLU codes are."""
    coordinates = np.atleast_2d(coordinates)
    codes = stats.mean + coordinates @ stats.components[: coordinates.shape[1]]
    return np.maximum(codes, 0)


def along_direction(
    start: np.ndarray, stats: LatentStatistics, direction: int, steps: np.ndarray
) -> np.ndarray:
    """Codes from ``start`` moved ``steps`` standard deviations along one principal direction."""
    offsets = np.outer(steps * stats.component_std[direction], stats.components[direction])
    return np.maximum(np.asarray(start, dtype=np.float64) + offsets, 0)


def interpolate(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` codes evenly spaced on the straight line from ``start`` to ``end``."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(
            f"start and end must be codes of one shape, got {start.shape}, {end.shape}"
        )
    weights = np.linspace(0, 1, steps)[:, np.newaxis]
    return (1 - weights) * start + weights * end


def plane_grid(stats: LatentStatistics, codes: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """A size x size grid of codes across the plane of the first two directions.

    The grid spans the 2nd to 98th percentile of ``codes`` projected on that
    plane; returns (grid codes row by row, x values, y values).
    """
    points = project(codes, stats)
    low, high = np.percentile(points, 2, axis=0), np.percentile(points, 98, axis=0)
    xs = np.linspace(low[0], high[0], size)
    ys = np.linspace(high[1], low[1], size)  # top row = largest y, as on a plot
    grid = np.array([(x, y) for y in ys for x in xs])
    return unproject(grid, stats), xs, ys


def sample(stats: LatentStatistics, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random codes from a Gaussian fitted to the codes; dead units stay zero."""
    draws = rng.multivariate_normal(stats.mean, stats.covariance, size=count, method="eigh")
    draws[:, stats.dead] = 0
    return np.maximum(draws, 0)


def class_means(codes: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """The mean code of each class (a row of zeros for a class with no codes)."""
    array = _as_codes(codes)
    means = np.zeros((classes, array.shape[1]))
    for label in range(classes):
        members = array[np.asarray(labels) == label]
        if len(members):
            means[label] = members.mean(axis=0)
    return means
