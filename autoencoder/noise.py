"""Corrupting images for a denoising autoencoder, in NumPy (training does the same in TF).

Seeded, so that a reported "PSNR on noisy test images" can be reproduced.
"""

from __future__ import annotations

import numpy as np

KINDS = ("gaussian", "mask", "salt_pepper")


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
    if kind not in KINDS:
        raise ValueError(f"noise must be one of {', '.join(KINDS)}, got {kind!r}")
    if not 0 <= level <= 1:
        raise ValueError(f"noise level must be between 0 and 1, got {level}")
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
