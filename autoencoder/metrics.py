"""Reconstruction quality: per image and averaged (BCE, MSE, PSNR)."""

from __future__ import annotations

import numpy as np

# Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs.
EPSILON = 1e-7
QUANTILE_COUNT = 101  # percentiles 0..100 of the per-image BCE, kept in the config


def _pair(originals: np.ndarray, reconstructions: np.ndarray) -> tuple[np.ndarray, ...]:
    target = np.asarray(originals, dtype=np.float64)
    output = np.asarray(reconstructions, dtype=np.float64)
    if target.shape != output.shape:
        raise ValueError(f"shapes differ: {target.shape} and {output.shape}")
    if target.ndim == 1:
        target, output = target[np.newaxis], output[np.newaxis]
    return target.reshape(len(target), -1), output.reshape(len(output), -1)


def bce_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Binary cross-entropy of each image, averaged over its pixels (Keras' loss)."""
    target, output = _pair(originals, reconstructions)
    output = np.clip(output, EPSILON, 1 - EPSILON)
    losses = -(target * np.log(output) + (1 - target) * np.log(1 - output))
    return losses.mean(axis=1)


def mse_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    target, output = _pair(originals, reconstructions)
    return ((target - output) ** 2).mean(axis=1)


def psnr_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio in dB for pixels in [0, 1]."""
    mse = np.maximum(mse_per_image(originals, reconstructions), 1e-12)
    return 10 * np.log10(1 / mse)


def summarize(originals: np.ndarray, reconstructions: np.ndarray) -> dict[str, float]:
    """Mean BCE and MSE, and PSNR of the mean MSE, plus the BCE percentiles.

    ``bce_quantiles`` lets the app place a new drawing's error against the
    test set without loading the test set.
    """
    bce = bce_per_image(originals, reconstructions)
    mse = mse_per_image(originals, reconstructions)
    return {
        "val_bce": float(bce.mean()),
        "mse": float(mse.mean()),
        "psnr": float(10 * np.log10(1 / max(float(mse.mean()), 1e-12))),
        "count": len(bce),
        "bce_quantiles": [float(q) for q in np.quantile(bce, np.linspace(0, 1, QUANTILE_COUNT))],
    }


def percentile_of(value: float, quantiles: list[float] | np.ndarray) -> float:
    """Where ``value`` falls (0-100) in a distribution given by evenly spaced quantiles."""
    levels = np.linspace(0, 100, len(quantiles))
    return float(np.interp(value, np.asarray(quantiles, dtype=np.float64), levels))
