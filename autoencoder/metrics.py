"""Reconstruction quality: per image and averaged (BCE, MSE, PSNR).

Everything runs in float32 over chunks of rows, with float64 sums: scoring the
10,000 test images at once in float64 cost about 400 MB of temporaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

# Keras clips probabilities to [EPSILON, 1 - EPSILON] before taking logs.
EPSILON = 1e-7
QUANTILE_COUNT = 101  # percentiles 0..100 of the per-image BCE, kept in the config
CHUNK = 1024  # rows per step: a few MB of float32 temporaries, whatever the input size


def unit_floats(images: np.ndarray) -> np.ndarray:
    """Images as float32 in [0, 1]: uint8 pixels (0-255) are divided by 255."""
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    return np.asarray(array, dtype=np.float32)


def _pair(originals: np.ndarray, reconstructions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    target, output = np.asarray(originals), np.asarray(reconstructions)
    if target.shape != output.shape:
        raise ValueError(f"shapes differ: {target.shape} and {output.shape}")
    if target.ndim == 1:
        target, output = target[np.newaxis], output[np.newaxis]
    return target.reshape(len(target), -1), output.reshape(len(output), -1)


def _per_chunk(
    function: Callable[[np.ndarray, np.ndarray], np.ndarray],
    originals: np.ndarray,
    reconstructions: np.ndarray,
) -> np.ndarray:
    target, output = _pair(originals, reconstructions)
    if not len(target):
        return np.zeros(0)
    return np.concatenate(
        [
            function(unit_floats(target[i : i + CHUNK]), unit_floats(output[i : i + CHUNK]))
            for i in range(0, len(target), CHUNK)
        ]
    )


def _bce(target: np.ndarray, output: np.ndarray) -> np.ndarray:
    # 1 - output is taken before clipping: float32 cannot hold 1 - EPSILON, but
    # it holds EPSILON, so log(1 - p) matches the float64 result near p = 1.
    ink = np.log(np.clip(output, EPSILON, 1 - EPSILON))
    paper = np.log(np.clip(1 - output, EPSILON, 1 - EPSILON))
    losses = target * ink
    losses += (1 - target) * paper
    return -losses.mean(axis=1, dtype=np.float64)


def _mse(target: np.ndarray, output: np.ndarray) -> np.ndarray:
    difference = target - output
    return np.square(difference, out=difference).mean(axis=1, dtype=np.float64)


def bce_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Binary cross-entropy of each image, averaged over its pixels (Keras' loss)."""
    return _per_chunk(_bce, originals, reconstructions)


def mse_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    return _per_chunk(_mse, originals, reconstructions)


def psnr_per_image(originals: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio in dB for pixels in [0, 1]."""
    mse = np.maximum(mse_per_image(originals, reconstructions), 1e-12)
    return 10 * np.log10(1 / mse)


def score(
    images: np.ndarray, reconstruct: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-image BCE and MSE of ``reconstruct`` (a model's) over ``images``.

    ``images`` are floats in [0, 1] or uint8 pixels. Only one chunk is
    reconstructed at a time, so the whole test set costs a few MB, not the
    31 MB of all its reconstructions at once.
    """
    bce, mse = [], []
    for originals in chunks(images):
        outputs = reconstruct(originals)
        bce.append(bce_per_image(originals, outputs))
        mse.append(mse_per_image(originals, outputs))
    return np.concatenate(bce), np.concatenate(mse)


def chunks(images: np.ndarray) -> Iterator[np.ndarray]:
    """``images`` as float32 in [0, 1], CHUNK rows at a time."""
    for start in range(0, len(images), CHUNK):
        yield unit_floats(images[start : start + CHUNK])


def psnr(mean_mse: float) -> float:
    """PSNR in dB of a mean squared error, for images in [0, 1]."""
    return float(10 * np.log10(1 / max(mean_mse, 1e-12)))


def summary(bce: np.ndarray, mse: np.ndarray) -> dict[str, float]:
    """Mean BCE and MSE, and PSNR of the mean MSE, plus the BCE percentiles.

    ``bce_quantiles`` lets the app place a new drawing's error against the
    test set without loading the test set.
    """
    mean_mse = float(np.mean(mse))
    return {
        "val_bce": float(np.mean(bce)),
        "mse": mean_mse,
        "psnr": psnr(mean_mse),
        "count": len(bce),
        "bce_quantiles": [float(q) for q in np.quantile(bce, np.linspace(0, 1, QUANTILE_COUNT))],
    }


def summarize(originals: np.ndarray, reconstructions: np.ndarray) -> dict[str, float]:
    """``summary`` of the per-image errors of ``reconstructions``."""
    return summary(
        bce_per_image(originals, reconstructions), mse_per_image(originals, reconstructions)
    )


def percentile_of(value: float, quantiles: list[float] | np.ndarray) -> float:
    """Where ``value`` falls (0-100) in a distribution given by evenly spaced quantiles."""
    levels = np.linspace(0, 100, len(quantiles))
    return float(np.interp(value, np.asarray(quantiles, dtype=np.float64), levels))
