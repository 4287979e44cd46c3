"""Corrupting images, in NumPy (training does the same in TF), and in step with the browser.

Seeded, so that a reported "PSNR on noisy test images" can be reproduced.
``corrupt`` draws from NumPy's generator: training's evaluation and the PSNR
curves use it. ``corrupt_portable`` draws from a small counter-based
generator written twice, here and in components/live/noise.js, so that the
Denoise page's picture is the same noise in the browser and on the server for
the same seed, kind and level.
"""

from __future__ import annotations

import numpy as np

KINDS = ("gaussian", "mask", "salt_pepper")
_GOLDEN = np.uint32(0x9E3779B9)  # 2^32 / the golden ratio: spreads consecutive seeds
_UNIT = 2.0**-24  # a uniform is the top 24 bits of a hash: exact in float32 and float64


def _check(kind: str, level: float) -> None:
    if kind not in KINDS:
        raise ValueError(f"noise must be one of {', '.join(KINDS)}, got {kind!r}")
    if not 0 <= level <= 1:
        raise ValueError(f"noise level must be between 0 and 1, got {level}")


def corrupt(
    images: np.ndarray, kind: str, level: float, seed: int | np.random.Generator = 0
) -> np.ndarray:
    """``images`` in [0, 1] with noise: gaussian (std ``level``, clipped), mask (a
    ``level`` fraction of pixels set to 0) or salt_pepper (a ``level`` fraction set
    to 0 or 1).

    Given one Generator for consecutive chunks of a set, gaussian and mask noise
    is the same as for the whole set at once (NumPy draws the same stream either
    way; salt_pepper's two draws per call interleave differently).
    """
    _check(kind, level)
    clean = np.asarray(images, dtype=np.float32)
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        noisy = clean + rng.normal(0, level, size=clean.shape).astype(np.float32)
        return np.clip(noisy, 0, 1)
    hit = rng.random(clean.shape, dtype=np.float32) < level
    if kind == "mask":
        return np.where(hit, np.float32(0), clean)
    salt = rng.random(clean.shape, dtype=np.float32) < 0.5
    return np.where(hit, salt.astype(np.float32), clean)


def _mix(x: np.ndarray) -> np.ndarray:
    """Chris Wellons' lowbias32 integer hash (uint32 arithmetic wraps, as Math.imul does)."""
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def uniforms(seed: int, count: int) -> np.ndarray:
    """``count`` numbers in [0, 1) for ``seed``: number i is a hash of (seed, i) alone, so
    any slice of the stream can be made on its own. float64, multiples of 2^-24."""
    with np.errstate(over="ignore"):
        key = _mix(np.uint32(seed & 0xFFFFFFFF) * _GOLDEN + np.uint32(1))
        counters = np.arange(count, dtype=np.uint32)
        bits = _mix(_mix(counters + key) ^ key)
    return (bits >> np.uint32(8)).astype(np.float64) * _UNIT


def corrupt_portable(images: np.ndarray, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """As :func:`corrupt`, from :func:`uniforms`: the noise components/live/noise.js makes.

    Pixel e (of the images flattened) reads numbers 2e and 2e + 1 of the stream:
    Gaussian noise is Box-Muller of the two; masking hits the pixel when the first
    is below ``level``, salt-and-pepper too, salt when the second is below 0.5. So
    the levels nest as with one NumPy seed: the same field scaled, the same pixels
    hit and more. Sums are float64, the result float32.
    """
    _check(kind, level)
    clean = np.asarray(images, dtype=np.float32)
    pairs = uniforms(seed, 2 * clean.size).reshape(*clean.shape, 2)
    first, second = pairs[..., 0], pairs[..., 1]
    if kind == "gaussian":
        normal = np.sqrt(-2 * np.log(1 - first)) * np.cos(2 * np.pi * second)
        return np.clip(clean + level * normal, 0, 1).astype(np.float32)
    hit = first < level
    if kind == "mask":
        return np.where(hit, np.float32(0), clean)
    return np.where(hit, (second < 0.5).astype(np.float32), clean)
