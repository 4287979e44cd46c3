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
    image; for a denoising model, PSNR on noisy test images against the clean ones.

    Chunk by chunk from the uint8 pixels: a training child calls this at its
    memory peak, and the whole test set in float32 (with its reconstructions,
    noisy copies and their outputs) would add over 100 MB there.
    """
    summary: dict[str, Any] = metrics.summary(*metrics.score(test.pixels, model.reconstruct))
    if model.config.variational:
        summary["neg_elbo"] = negative_elbo(model, test.pixels)
    if model.config.denoising:
        rng = np.random.default_rng(EVALUATION_SEED)
        noisy_mse, denoised_mse = [], []
        for clean in metrics.chunks(test.pixels):
            noisy = corrupt(clean, model.config.noise, model.config.noise_level, rng)
            noisy_mse.append(metrics.mse_per_image(clean, noisy))
            denoised_mse.append(metrics.mse_per_image(clean, model.reconstruct(noisy)))
        for name, errors in (("noisy_input_psnr", noisy_mse), ("denoised_psnr", denoised_mse)):
            summary[name] = metrics.psnr(float(np.mean(np.concatenate(errors))))
    return summary


def negative_elbo(model: Autoencoder, images: np.ndarray, seed: int = EVALUATION_SEED) -> float:
    """-ELBO in nats per image: summed pixel BCE of a sampled code's decoding + KL.

    One code sample per image (as PyTorch's reference VAE reports it), seeded.
    ``images`` are floats in [0, 1] or uint8 pixels.
    """
    rng = np.random.default_rng(seed)
    per_image = []
    for chunk in metrics.chunks(images):
        mean, log_var = model.encode_distribution(chunk)
        codes = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape, dtype=np.float32)
        bce = metrics.bce_per_image(chunk, model.decode(codes)) * INPUT_DIM
        kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)
        per_image.append(bce + kl)
    return float(np.mean(np.concatenate(per_image)))
