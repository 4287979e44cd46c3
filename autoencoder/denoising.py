"""How well a model removes noise: PSNR against the clean images, level by level.

The noise comes from ``noise.corrupt`` with one seed for every level, so the
levels share one random draw: Gaussian noise is the same field scaled, and the
pixels hit by masking or salt-and-pepper at one level are hit at every higher
level too. The curves are then smooth, and a picture's noise only grows as its
level does. One image's picture (``restore``) is spoiled by ``noise.corrupt_portable``
instead, which nests the same way: the noise the browser's live view makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autoencoder import metrics
from autoencoder.network import Autoencoder
from autoencoder.noise import corrupt, corrupt_portable

CURVE_LEVELS = tuple(round(0.1 * step, 1) for step in range(1, 11))  # 0.1 .. 1.0


def psnr(clean: np.ndarray, outputs: np.ndarray) -> float:
    """PSNR in dB of the mean MSE over the images, as ``evaluation`` reports it."""
    return metrics.psnr(float(np.mean(metrics.mse_per_image(clean, outputs))))


def psnr_by_level(
    model: Autoencoder, images: np.ndarray, kind: str, levels: Sequence[float], seed: int = 0
) -> np.ndarray:
    """PSNR (dB) of ``model``'s outputs from noisy ``images`` against the clean ones, per level.

    One batched ``reconstruct`` per level: len(images) rows at a time, so the
    memory stays that of one noisy copy whatever the number of levels.
    """
    clean = metrics.unit_floats(images)
    return np.array(
        [psnr(clean, model.reconstruct(corrupt(clean, kind, level, seed))) for level in levels]
    )


def noisy_psnr_by_level(
    images: np.ndarray, kind: str, levels: Sequence[float], seed: int = 0
) -> np.ndarray:
    """PSNR (dB) of the noisy images themselves against the clean ones, per level: the
    baseline a model must beat to have removed any noise."""
    clean = metrics.unit_floats(images)
    return np.array([psnr(clean, corrupt(clean, kind, level, seed)) for level in levels])


@dataclass(frozen=True)
class Restoration:
    """One image made noisy, and what each model rebuilt from the noisy copy."""

    noisy: np.ndarray  # (784,) float32
    noisy_psnr: float  # dB against the clean image
    outputs: tuple[np.ndarray, ...]  # (784,) per model, in the order given
    output_psnrs: tuple[float, ...]


def restore(
    models: Sequence[Autoencoder], image: np.ndarray, kind: str, level: float, seed: int = 0
) -> Restoration:
    """Corrupt one image (784 or 28x28, in [0, 1]) and let each model clean it up.

    The portable noise: components/live/noise.js draws the same for the same seed.
    """
    clean = metrics.unit_floats(image).reshape(1, -1)
    noisy = corrupt_portable(clean, kind, level, seed)
    outputs = [model.reconstruct(noisy) for model in models]
    return Restoration(
        noisy=noisy[0],
        noisy_psnr=psnr(clean, noisy),
        outputs=tuple(output[0] for output in outputs),
        output_psnrs=tuple(psnr(clean, output) for output in outputs),
    )
