"""The code space: statistics of codes, main directions, paths and samples.

Everything here works on codes (the encoder's outputs, shape (n, latent_dim))
and is plain NumPy; decoding the results is the model's job. Codes of a ReLU
layer are never negative, so what is derived from them is kept >= 0 too
(``LatentStatistics.non_negative``); linear codes (PCA, conv, VAE) are not
clamped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEAD_TOLERANCE = 1e-6  # a unit whose code never exceeds this is dead (a silent ReLU)
SLIDER_MARGIN = 0.1  # widen each unit's 1st-99th percentile range by this share, each side
PRIOR_SPAN = 3.0  # a VAE's sliders span +-3 standard deviations of its N(0, 1) prior
SLIDER_DECIMALS = 3  # a unit slider's bounds, rounded outwards so its start lies inside
SLIDER_STEPS = 100  # steps across a unit slider
DIRECTION_SPAN, DIRECTION_STEP = 3.0, 0.1  # direction sliders: standard deviations


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
    non_negative: bool = False  # ReLU codes: every code made from these stays >= 0

    @property
    def latent_dim(self) -> int:
        return len(self.mean)

    def clamp(self, codes: np.ndarray) -> np.ndarray:
        """``codes`` as the encoder could give them: >= 0 for ReLU codes, else unchanged."""
        return np.maximum(codes, 0) if self.non_negative else codes


def _as_codes(codes: np.ndarray) -> np.ndarray:
    array = np.asarray(codes, dtype=np.float64)
    if array.ndim != 2 or len(array) < 2:
        raise ValueError(f"codes must have shape (n >= 2, latent_dim), got {array.shape}")
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        # A model with absurd weights overflows; SVD would then fail obscurely.
        raise ValueError(
            f"the codes of {int((~finite).sum()):,} of {len(array):,} images hold NaN or "
            "infinite values: this model's weights are unusable"
        )
    return array


def dead_units(codes: np.ndarray, tolerance: float = DEAD_TOLERANCE) -> np.ndarray:
    """True for each unit that stays (numerically) zero across all codes."""
    return np.abs(_as_codes(codes)).max(axis=0) <= tolerance


def statistics(codes: np.ndarray, *, non_negative: bool = False) -> LatentStatistics:
    """Per-unit spread, dead units and principal directions of ``codes``.

    ``non_negative``: the codes come from a ReLU, so codes derived from these
    statistics are clamped at 0. Raises ``ValueError`` for NaN or infinite codes.
    """
    array = _as_codes(codes)
    mean = array.mean(axis=0)
    centred = array - mean
    # SVD of the centred cloud: rows of vt are the principal directions.
    try:
        _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"the codes' main directions cannot be found ({error})") from None
    with np.errstate(over="ignore"):  # checked just below
        variance = singular**2 / (len(array) - 1)
        total = variance.sum()
    if not np.isfinite(total):
        raise ValueError("the codes are too large to measure their spread")
    return LatentStatistics(
        mean=mean,
        std=array.std(axis=0),
        low=np.percentile(array, 1, axis=0),
        high=np.percentile(array, 99, axis=0),
        maximum=array.max(axis=0),
        dead=np.abs(array).max(axis=0) <= DEAD_TOLERANCE,
        covariance=np.cov(array, rowvar=False).reshape(array.shape[1], array.shape[1]),
        components=_fix_signs(vt),
        component_std=np.sqrt(variance),
        explained=variance / total if total > 0 else np.zeros_like(variance),
        non_negative=non_negative,
    )


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """Make each direction's largest entry positive, so runs agree on 'forward'."""
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    return components * np.where(signs == 0, 1, signs)[:, np.newaxis]


def slider_bounds(
    stats: LatentStatistics, start: np.ndarray, *, prior: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Where each unit's slider runs: (lowest, highest) values, one per unit.

    The 1st to 99th percentile of the unit over the codes, widened by
    ``SLIDER_MARGIN`` of that span on each side (ReLU codes stop at 0); with
    ``prior`` (a VAE) +-``PRIOR_SPAN``, the prior's standard deviations.
    Either way wide enough to hold ``start``.
    """
    start = np.asarray(start, dtype=np.float64)
    if prior:
        low, high = np.full_like(start, -PRIOR_SPAN), np.full_like(start, PRIOR_SPAN)
    else:
        margin = SLIDER_MARGIN * np.maximum(stats.high - stats.low, 1e-3)
        low, high = stats.low - margin, stats.high + margin
        if stats.non_negative:
            low = np.maximum(low, 0)
    return np.minimum(low, start), np.maximum(high, start)


@dataclass(frozen=True)
class Slider:
    """One slider of a code: the server's st.slider and the browser's draw the same."""

    label: str
    low: float
    high: float
    value: float  # where it starts
    step: float
    dead: bool = False  # a unit that is always 0: shown as such, not as a slider


@dataclass(frozen=True)
class Sliders:
    sliders: tuple[Slider, ...]
    caption: str  # what the sliders span, said once above them


def unit_sliders(stats: LatentStatistics, start: np.ndarray, *, prior: bool = False) -> Sliders:
    """One slider per unit of the code, starting at ``start`` (``prior``: a VAE's)."""
    low, high = slider_bounds(stats, start, prior=prior)
    scale = 10**SLIDER_DECIMALS
    low, high = np.floor(low * scale) / scale, np.ceil(high * scale) / scale
    if prior:
        spread = (
            f"±{PRIOR_SPAN:g} standard deviations of the N(0, 1) prior the model was trained "
            "towards"
        )
    else:
        spread = "the middle 98% of that unit's values over the test set, a little widened"
    kind = "never fire (dead ReLUs)" if stats.non_negative else "are always 0"
    dead = int(stats.dead.sum())
    sliders = tuple(
        Slider(
            label=f"z{unit}",
            low=float(low[unit]),
            high=float(high[unit]),
            value=0.0 if stats.dead[unit] else float(round(start[unit], SLIDER_DECIMALS)),
            step=round(float(high[unit] - low[unit]) / SLIDER_STEPS, 4) or 0.001,
            dead=bool(stats.dead[unit]),
        )
        for unit in range(stats.latent_dim)
    )
    caption = f"Each slider spans {spread}. {dead} of {stats.latent_dim} units {kind}."
    return Sliders(sliders, caption)


def direction_sliders(stats: LatentStatistics, count: int) -> Sliders:
    """Sliders along the first ``count`` main directions, in their standard deviations."""
    sliders = tuple(
        Slider(
            label=f"Direction {direction + 1}: {stats.explained[direction]:.0%} of the spread",
            low=-DIRECTION_SPAN,
            high=DIRECTION_SPAN,
            value=0.0,
            step=DIRECTION_STEP,
        )
        for direction in range(count)
    )
    caption = (
        "The directions along which the test codes spread most (principal components), "
        "in standard deviations from the starting code."
    )
    return Sliders(sliders, caption)


def direction_count(stats: LatentStatistics, most: int) -> int:
    """How many main directions to offer: at most ``most``, and no more than live units."""
    return min(most, int((~stats.dead).sum()), len(stats.explained))


def project(codes: np.ndarray, stats: LatentStatistics, dimensions: int = 2) -> np.ndarray:
    """Coordinates of ``codes`` along the first principal directions."""
    return (np.atleast_2d(codes) - stats.mean) @ stats.components[:dimensions].T


def unproject(coordinates: np.ndarray, stats: LatentStatistics) -> np.ndarray:
    """Codes at the given principal coordinates (clamped as ``stats.clamp`` says)."""
    coordinates = np.atleast_2d(coordinates)
    return stats.clamp(stats.mean + coordinates @ stats.components[: coordinates.shape[1]])


def move(start: np.ndarray, stats: LatentStatistics, offsets: np.ndarray) -> np.ndarray:
    """``start`` moved ``offsets[i]`` standard deviations along principal direction i."""
    offsets = np.asarray(offsets, dtype=np.float64)
    count = len(offsets)
    shift = (offsets * stats.component_std[:count]) @ stats.components[:count]
    return stats.clamp(np.asarray(start, dtype=np.float64) + shift)


def along_direction(
    start: np.ndarray, stats: LatentStatistics, direction: int, steps: np.ndarray
) -> np.ndarray:
    """Codes from ``start`` moved ``steps`` standard deviations along one principal direction."""
    offsets = np.outer(steps * stats.component_std[direction], stats.components[direction])
    return stats.clamp(np.asarray(start, dtype=np.float64) + offsets)


def interpolate(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` vectors evenly spaced on the straight line from ``start`` to ``end``.

    For two codes it is a path in code space; for two images, a pixel cross-fade.
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(
            f"start and end must be codes of one shape, got {start.shape}, {end.shape}"
        )
    weights = np.linspace(0, 1, steps)[:, np.newaxis]
    return (1 - weights) * start + weights * end


def plane_grid(
    stats: LatentStatistics, points: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A size x size grid of codes across the plane of the first two directions.

    ``points`` are codes already projected on that plane (``project``); the
    grid spans their 2nd to 98th percentile. Returns (grid codes row by row,
    x values, y values).
    """
    low, high = np.percentile(points, 2, axis=0), np.percentile(points, 98, axis=0)
    xs = np.linspace(low[0], high[0], size)
    ys = np.linspace(high[1], low[1], size)  # top row = largest y, as on a plot
    grid = np.array([(x, y) for y in ys for x in xs])
    return unproject(grid, stats), xs, ys


def sample(stats: LatentStatistics, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random codes from a Gaussian fitted to the codes; dead units stay zero."""
    draws = rng.multivariate_normal(stats.mean, stats.covariance, size=count, method="eigh")
    draws[:, stats.dead] = 0
    return stats.clamp(draws)


def sample_prior(latent_dim: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random codes from a VAE's prior, the standard normal (``generation.prior_images``
    decodes them)."""
    return rng.standard_normal((count, latent_dim))


def class_means(codes: np.ndarray, labels: np.ndarray, classes: int = 10) -> np.ndarray:
    """The mean code of each class (a row of zeros for a class with no codes)."""
    array = _as_codes(codes)
    means = np.zeros((classes, array.shape[1]))
    for label in range(classes):
        members = array[np.asarray(labels) == label]
        if len(members):
            means[label] = members.mean(axis=0)
    return means
