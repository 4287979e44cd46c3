"""A model's test figures: reconstruction error, a VAE's ELBO and NLL, a denoiser's gain.

What training records, ``python -m autoencoder evaluate`` prints and the zoo's
manifest lists all come from ``evaluate``, so they agree to the last digit.
A model trained on binarised images is scored on the test images binarised
with a fixed seed (``likelihood.binarized``), so its ELBO is a bound on the
likelihood of that data and its NLL the importance-sampled estimate of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autoencoder import likelihood, metrics, units
from autoencoder.config import INPUT_DIM, Config
from autoencoder.data import Split
from autoencoder.network import Autoencoder
from autoencoder.noise import corrupt

EVALUATION_SEED = 0  # the noise and the VAE's code samples are drawn from this seed


def test_pixels(config: Config, test: Split) -> np.ndarray:
    """The test images a model is scored on: binarised (fixed seed) if it trained so."""
    return likelihood.binarized(test.pixels) if config.binarize else test.pixels


def evaluate(
    model: Autoencoder,
    test: Split,
    nll_samples: int | None = likelihood.NLL_SAMPLES,
    nll_images: int | None = None,
) -> dict[str, Any]:
    """Mean BCE, MSE, PSNR and BCE percentiles, the squared error summed over an
    image (``squared_error``); a VAE's negative ELBO in nats per image; for a
    denoising model, PSNR on noisy test images against the clean ones.

    A VAE trained on binarised images also gets its importance-sampled NLL
    (``nll``, nats per image, from ``nll_samples`` codes per image; None skips
    it), the Monte Carlo standard error of that mean (``nll_se``) and the
    standard error over test images (``nll_test_se``), over the first
    ``nll_images`` test images (default: all; k = 5000 codes for each of
    10,000 images is 50 million decodings, most of an hour of one CPU core).

    Chunk by chunk from the uint8 pixels: a training child calls this at its
    memory peak, and the whole test set in float32 (with its reconstructions,
    noisy copies and their outputs) would add over 100 MB there.
    """
    pixels = test_pixels(model.config, test)
    summary: dict[str, Any] = metrics.summary(*metrics.score(pixels, model.reconstruct))
    summary["squared_error"] = units.squared_error_per_image(summary["mse"])  # 2006's unit
    if model.config.variational:
        summary["neg_elbo"] = negative_elbo(model, pixels)
    if model.config.variational and model.config.binarize and nll_samples:
        estimate = likelihood.negative_log_likelihood(
            model, pixels[:nll_images], samples=nll_samples, seed=EVALUATION_SEED
        )
        summary["nll"] = estimate.mean
        summary["nll_se"] = estimate.standard_error
        summary["nll_test_se"] = estimate.test_set_error
        summary["nll_samples"] = nll_samples
        summary["nll_images"] = len(estimate.per_image)
    if model.config.denoising:
        rng = np.random.default_rng(EVALUATION_SEED)
        noisy_mse, denoised_mse = [], []
        for clean in metrics.chunks(pixels):
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
