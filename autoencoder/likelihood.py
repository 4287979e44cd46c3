"""A VAE's negative log-likelihood of binarised images, estimated by importance sampling.

The ELBO only bounds log p(x). Drawing k codes z_1..z_k from the encoder's
q(z | x) and averaging the importance weights w_i = p(x | z_i) p(z_i) / q(z_i | x)
gives an unbiased estimate of p(x) itself; its logarithm is the IWAE bound
(Burda et al., 2015), which is the ELBO at k = 1 and tightens towards log p(x)
as k grows. VAE papers report it at k = 5000 as the NLL, in nats per image, on
binarised MNIST: a Bernoulli decoder is a normalised likelihood of black-and-white
pixels only (on grey pixels its "likelihood" is not one).

Everything is NumPy, seeded and batched: the codes of a few images are decoded
together, a few thousand rows at a time, and each image's log-mean-exp of its
weights is accumulated block by block, so k = 5000 never holds 5000 decodings
of an image in memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autoencoder import metrics
from autoencoder.config import INPUT_DIM
from autoencoder.network import Autoencoder

NLL_SAMPLES = 5000  # codes per image, as Burda et al. report the NLL
BINARIZE_SEED = 0  # the fixed binarisation of test images that validation and evaluation use
ROWS = 8192  # decoded rows per block: about 25 MB of float32 probabilities
LOG_2PI = math.log(2 * math.pi)

# (images (n, D), codes (n, s, d)) -> log p(x | z) of each image under each of its codes (n, s)
LogLikelihood = Callable[[np.ndarray, np.ndarray], np.ndarray]


def binarized(images: np.ndarray, seed: int = BINARIZE_SEED) -> np.ndarray:
    """Each pixel black (0) or white (255), white with its grey level as the probability.

    Seeded and drawn chunk by chunk in order, so the same images and seed give the
    same binary images whatever the memory (uint8, shape of ``images``).
    """
    images = np.asarray(images)
    flat = images.reshape(len(images), -1) if images.ndim > 1 else images[np.newaxis]
    rng = np.random.default_rng(seed)
    parts = [np.zeros((0, flat.shape[1]), np.uint8)]
    for start in range(0, len(flat), metrics.CHUNK):
        grey = metrics.unit_floats(flat[start : start + metrics.CHUNK])
        white = rng.random(grey.shape, dtype=np.float32) < grey
        parts.append(white.astype(np.uint8) * np.uint8(255))
    return np.concatenate(parts).reshape(images.shape)


@dataclass(frozen=True)
class NllEstimate:
    """Per-image NLL estimates (nats) and the Monte Carlo variance of each."""

    per_image: np.ndarray  # (n,) -log of the mean importance weight
    variance: np.ndarray  # (n,) delta-method variance of each estimate, from its own weights
    samples: int

    @property
    def mean(self) -> float:
        return float(np.mean(self.per_image))

    @property
    def standard_error(self) -> float:
        """Monte Carlo standard error of the mean: what another seed would move it by."""
        return float(math.sqrt(float(np.sum(self.variance))) / len(self.per_image))

    @property
    def test_set_error(self) -> float:
        """Standard error over images: what another test set of this size would move it by."""
        return float(np.std(self.per_image, ddof=1) / math.sqrt(len(self.per_image)))


def importance_sampled_nll(
    images: np.ndarray,
    mean: np.ndarray,
    log_var: np.ndarray,
    log_likelihood: LogLikelihood,
    samples: int = NLL_SAMPLES,
    seed: int = 0,
) -> NllEstimate:
    """-log p(x) of each image from ``samples`` codes drawn from q(z|x) = N(mean, exp(log_var)).

    The prior is N(0, I). ``log_likelihood`` scores a block of images against a
    block of their codes. The weights are combined in log space (a running
    log-sum-exp), and so are their squares, for the variance of each estimate:
    var(log mean w) ~ (mean(w^2) / mean(w)^2 - 1) / k.
    """
    if samples < 1:
        raise ValueError(f"samples must be positive, got {samples}")
    images = np.asarray(images)
    mean, log_var = np.asarray(mean, np.float64), np.asarray(log_var, np.float64)
    count, dim = mean.shape
    block = min(samples, ROWS)  # codes per image per block
    per_block = max(1, ROWS // block)  # images per block
    rng = np.random.default_rng(seed)
    log_sum = np.full(count, -np.inf)
    log_sum_sq = np.full(count, -np.inf)
    for first in range(0, count, per_block):
        rows = slice(first, first + per_block)
        std = np.exp(0.5 * log_var[rows])[:, np.newaxis]  # (n, 1, d)
        for drawn in range(0, samples, block):
            size = min(block, samples - drawn)
            noise = rng.standard_normal((len(std), size, dim))  # (n, s, d)
            codes = mean[rows][:, np.newaxis] + std * noise
            log_q = -0.5 * np.sum(noise**2 + LOG_2PI + log_var[rows][:, np.newaxis], axis=2)
            log_prior = -0.5 * np.sum(codes**2 + LOG_2PI, axis=2)
            log_w = log_likelihood(images[rows], codes) + log_prior - log_q  # (n, s)
            log_sum[rows] = np.logaddexp(log_sum[rows], _log_sum_exp(log_w))
            log_sum_sq[rows] = np.logaddexp(log_sum_sq[rows], _log_sum_exp(2 * log_w))
    log_mean = log_sum - math.log(samples)
    # mean(w^2) / mean(w)^2, in logs; the weights' spread sets each estimate's error.
    spread = np.expm1(np.maximum(log_sum_sq - math.log(samples) - 2 * log_mean, 0.0))
    return NllEstimate(per_image=-log_mean, variance=spread / samples, samples=samples)


def _log_sum_exp(values: np.ndarray) -> np.ndarray:
    top = np.max(values, axis=1)
    return top + np.log(np.sum(np.exp(values - top[:, np.newaxis]), axis=1))


def bernoulli_log_likelihood(model: Autoencoder) -> LogLikelihood:
    """log p(x | z) of binary images under ``model``'s decoder, one Bernoulli per pixel.

    Probabilities are clipped as Keras' loss clips them in training, so the
    figure is the one the model was trained to improve.
    """

    def log_likelihood(images: np.ndarray, codes: np.ndarray) -> np.ndarray:
        count, size, dim = codes.shape
        white = metrics.unit_floats(images).reshape(count, 1, INPUT_DIM) > 0.5
        ink = model.decode(codes.reshape(count * size, dim).astype(np.float32))
        ink = np.clip(ink.reshape(count, size, INPUT_DIM), metrics.EPSILON, 1 - metrics.EPSILON)
        return np.sum(np.log(np.where(white, ink, 1 - ink)), axis=2, dtype=np.float64)

    return log_likelihood


def negative_log_likelihood(
    model: Autoencoder, images: np.ndarray, samples: int = NLL_SAMPLES, seed: int = 0
) -> NllEstimate:
    """A VAE's importance-sampled NLL of binary ``images`` (0/255 uint8 or 0/1 floats)."""
    if not model.config.variational:
        raise ValueError("the NLL needs a VAE: its encoder gives q(z | x) to sample from")
    flat = np.asarray(images).reshape(-1, INPUT_DIM)
    mean, log_var = model.encode_distribution(metrics.unit_floats(flat))
    return importance_sampled_nll(
        flat, mean, log_var, bernoulli_log_likelihood(model), samples=samples, seed=seed
    )
