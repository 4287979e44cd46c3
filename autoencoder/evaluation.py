"""A model's test figures: reconstruction error, a VAE's ELBO, a denoiser's gain.

What training records, ``python -m autoencoder evaluate`` prints and the zoo's
manifest lists all come from ``evaluate``, so they agree to the last digit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autoencoder import metrics
from autoencoder.config import INPUT_DIM
from autoencoder.data import Split
from autoencoder.network import Autoencoder
from autoencoder.noise import corrupt

EVALUATION_SEED = 0  # the noise and the VAE's code samples are drawn from this seed


def evaluate(model: Autoencoder, test: Split) -> dict[str, Any]:
    """Mean BCE, MSE, PSNR and BCE percentiles; a VAE's negative ELBO in nats per
    image; for a denoising model, PSNR on noisy test images against the clean ones."""
    images = test.images
    summary: dict[str, Any] = metrics.summarize(images, model.reconstruct(images))
    if model.config.variational:
        summary["neg_elbo"] = negative_elbo(model, images)
    if model.config.denoising:
        noisy = corrupt(images, model.config.noise, model.config.noise_level, EVALUATION_SEED)
        summary["noisy_input_psnr"] = _psnr(images, noisy)
        summary["denoised_psnr"] = _psnr(images, model.reconstruct(noisy))
    return summary


def negative_elbo(model: Autoencoder, images: np.ndarray, seed: int = EVALUATION_SEED) -> float:
    """-ELBO in nats per image: summed pixel BCE of a sampled code's decoding + KL.

    One code sample per image (as PyTorch's reference VAE reports it), seeded.
    """
    mean, log_var = model.encode_distribution(images)
    rng = np.random.default_rng(seed)
    codes = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape, dtype=np.float32)
    bce = metrics.bce_per_image(images, model.decode(codes)) * INPUT_DIM
    kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)
    return float(np.mean(bce + kl))


def _psnr(originals: np.ndarray, outputs: np.ndarray) -> float:
    mse = float(np.mean(metrics.mse_per_image(originals, outputs)))
    return float(10 * np.log10(1 / max(mse, 1e-12)))
