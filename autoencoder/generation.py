"""New images from codes: a VAE's prior, naive random codes, a decoded plane, paths.

A VAE is trained so that codes drawn from its prior N(0, I) decode to images
like its training set; a plain autoencoder makes no such promise, and
``naive_samples`` shows what that means. Every function decodes in one
batched call; all randomness comes from the ``rng`` passed in.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from autoencoder import latent
from autoencoder.network import Autoencoder

MANIFOLD_SIZE = 15  # a 15x15 grid, as in the keras-io VAE example
MANIFOLD_SPAN = 2.0  # the grid runs from -2 to +2 standard deviations of the prior


def prior_images(model: Autoencoder, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` images (count, 784) decoded from codes drawn from a VAE's prior N(0, I)
    (``latent.sample_prior``)."""
    if not model.config.variational:
        raise ValueError("only a variational model has a prior to sample; see naive_samples")
    return model.decode(latent.sample_prior(model.latent_dim, count, rng))


def naive_codes(
    low: np.ndarray, high: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` codes with each unit drawn uniformly and independently from [low, high].

    What a user without a prior would try: every value is one the unit takes on
    real images, but the units are combined at random.
    """
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    if low.shape != high.shape or low.ndim != 1 or (low > high).any():
        raise ValueError("low and high must be one bound per unit, with low <= high")
    return rng.uniform(low, high, size=(count, len(low)))


def naive_samples(
    model: Autoencoder,
    low: np.ndarray,
    high: np.ndarray,
    count: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``count`` images decoded from ``naive_codes`` in each unit's range [low, high]."""
    if len(low) != model.latent_dim:
        raise ValueError(f"need one range per unit ({model.latent_dim}), got {len(low)}")
    return model.decode(naive_codes(low, high, count, rng))


def gaussian_quantiles(size: int, span: float = MANIFOLD_SPAN) -> np.ndarray:
    """``size`` values from -span to +span, evenly spaced in probability under N(0, 1).

    Denser near 0, where most of the prior's mass (and of the codes) lies.
    """
    if size < 2 or span <= 0:
        raise ValueError(f"need size >= 2 and span > 0, got {size} and {span}")
    normal = NormalDist()
    probabilities = np.linspace(normal.cdf(-span), normal.cdf(span), size)
    return np.array([normal.inv_cdf(float(p)) for p in probabilities])


def manifold_codes(size: int = MANIFOLD_SIZE, span: float = MANIFOLD_SPAN) -> np.ndarray:
    """A size x size grid of 2-number codes, row by row, top row at the largest z1 (as on
    a plot), columns from the smallest z0: (size * size, 2)."""
    values = gaussian_quantiles(size, span)
    z0, z1 = np.meshgrid(values, values[::-1])
    return np.column_stack([z0.ravel(), z1.ravel()])


def manifold(
    model: Autoencoder, size: int = MANIFOLD_SIZE, span: float = MANIFOLD_SPAN
) -> np.ndarray:
    """The decoded grid of ``manifold_codes``: (size * size, 784), for a 2-number code."""
    if model.latent_dim != 2:
        raise ValueError(f"the manifold is drawn for a 2-number code, not {model.latent_dim}")
    return model.decode(manifold_codes(size, span))


def interpolation_row(
    model: Autoencoder, start: np.ndarray, end: np.ndarray, steps: int
) -> np.ndarray:
    """``steps`` images (steps, 784) decoded along the straight line between the codes of
    two images (784 or 28x28 each)."""
    codes = model.encode(np.stack([np.ravel(start), np.ravel(end)]))  # one batched call
    return model.decode(latent.interpolate(codes[0], codes[1], steps))


def cross_fade(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """The same trip in pixel space: ``steps`` images blending ``start`` into ``end``."""
    return latent.interpolate(np.ravel(start), np.ravel(end), steps).astype(np.float32)
