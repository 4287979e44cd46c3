"""The importance-sampled NLL against likelihoods known in closed form, and binarisation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autoencoder import likelihood
from autoencoder.config import INPUT_DIM, Config
from autoencoder.network import Autoencoder, weight_shapes
from tests.conftest import synthetic_digits

# A linear-Gaussian factor model: z ~ N(0, I_2), x | z ~ N(W z + b, s^2 I_3), so
# x ~ N(b, W W' + s^2 I) and the posterior q*(z | x) is Gaussian too.
W = np.array([[1.0, 0.5], [-0.3, 0.8], [0.2, -1.1]])
B = np.array([0.1, -0.2, 0.3])
NOISE_STD = 0.4


def gaussian_log_likelihood(points: np.ndarray, codes: np.ndarray) -> np.ndarray:
    residual = points[:, np.newaxis, :] - (codes @ W.T + B)  # (n, s, 3)
    return -0.5 * np.sum(residual**2 / NOISE_STD**2 + math.log(2 * math.pi * NOISE_STD**2), 2)


def exact_log_marginal(points: np.ndarray) -> np.ndarray:
    covariance = W @ W.T + NOISE_STD**2 * np.eye(3)
    residual = points - B
    _, log_det = np.linalg.slogdet(covariance)
    mahalanobis = np.sum(residual @ np.linalg.inv(covariance) * residual, axis=1)
    return -0.5 * (mahalanobis + log_det + 3 * math.log(2 * math.pi))


def posterior(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact posterior's mean, and the log of its covariance's diagonal."""
    precision = np.eye(2) + W.T @ W / NOISE_STD**2
    covariance = np.linalg.inv(precision)
    mean = (points - B) @ W @ covariance.T / NOISE_STD**2
    return mean, np.log(np.broadcast_to(np.diag(covariance), mean.shape))


POINTS = np.random.default_rng(0).normal(size=(6, 3)) * 1.5


def test_a_rough_proposal_converges_to_the_exact_likelihood():
    # The diagonal of the posterior's covariance, widened and shifted: the weights
    # vary, and with many samples the estimate still meets the closed form.
    mean, log_var = posterior(POINTS)
    estimate = likelihood.importance_sampled_nll(
        POINTS, mean + 0.3, log_var + 0.5, gaussian_log_likelihood, samples=20000, seed=1
    )
    exact = -exact_log_marginal(POINTS)
    error = np.sqrt(estimate.variance)
    assert np.all(np.abs(estimate.per_image - exact) < 4 * error + 1e-3)
    assert estimate.standard_error < 0.01


def test_more_samples_tighten_the_bound_from_the_elbo_up():
    # IWAE: E[estimate] is an upper bound on the NLL that falls as k grows.
    mean, log_var = posterior(POINTS)
    args = (POINTS, mean + 0.5, log_var + 1.0, gaussian_log_likelihood)
    exact = -exact_log_marginal(POINTS).mean()
    nll = [likelihood.importance_sampled_nll(*args, samples=k, seed=2).mean for k in (1, 10, 1000)]
    assert nll[0] > nll[1] > nll[2] > exact - 0.01


def test_the_standard_error_predicts_the_spread_over_seeds():
    mean, log_var = posterior(POINTS)
    runs = [
        likelihood.importance_sampled_nll(
            POINTS, mean + 0.3, log_var + 0.5, gaussian_log_likelihood, samples=200, seed=seed
        )
        for seed in range(40)
    ]
    spread = np.std([run.mean for run in runs])
    predicted = np.mean([run.standard_error for run in runs])
    assert 0.6 < spread / predicted < 1.6


def test_blocks_of_images_and_samples_do_not_change_the_estimate(monkeypatch):
    mean, log_var = posterior(POINTS)
    args = (POINTS, mean + 0.3, log_var, gaussian_log_likelihood)
    whole = likelihood.importance_sampled_nll(*args, samples=300, seed=3)
    monkeypatch.setattr(likelihood, "ROWS", 300)  # one image per block, in one block
    again = likelihood.importance_sampled_nll(*args, samples=300, seed=3)
    np.testing.assert_allclose(again.per_image, whole.per_image, rtol=1e-12)


def constant_vae(ink: np.ndarray) -> Autoencoder:
    """A VAE whose decoder ignores the code (pixel i is white with probability ink[i])
    and whose encoder gives the prior: then p(x) is a product of Bernoullis."""
    config = Config(
        hidden_units=(4,), latent_dim=2, code_activation="linear", variational=True, binarize=True
    )
    weights = {name: np.zeros(shape, np.float32) for name, shape in weight_shapes(config).items()}
    weights["reconstruction.bias"] = np.log(ink / (1 - ink)).astype(np.float32)
    return Autoencoder(config=config, weights=weights, record={})


def test_a_bernoulli_model_with_a_known_likelihood():
    ink = np.random.default_rng(4).uniform(0.05, 0.95, INPUT_DIM)
    images = likelihood.binarized(synthetic_digits(5, seed=6)[0])
    white = images.reshape(5, INPUT_DIM) == 255
    exact = -np.sum(np.log(np.where(white, ink, 1 - ink)), axis=1)
    estimate = likelihood.negative_log_likelihood(constant_vae(ink), images, samples=50)
    np.testing.assert_allclose(estimate.per_image, exact, rtol=1e-4)
    assert estimate.standard_error == pytest.approx(0, abs=1e-4)


def test_binarisation_is_seeded_and_follows_the_grey_levels():
    grey = np.tile(np.array([0, 64, 128, 255], np.uint8), (2000, 1))
    once, again = likelihood.binarized(grey), likelihood.binarized(grey)
    np.testing.assert_array_equal(once, again)
    assert set(np.unique(once)) <= {0, 255}
    np.testing.assert_allclose((once == 255).mean(axis=0), [0, 64 / 255, 128 / 255, 1], atol=0.03)
    assert not np.array_equal(likelihood.binarized(grey, seed=1), once)


def test_the_nll_needs_a_vae():
    with pytest.raises(ValueError, match="needs a VAE"):
        likelihood.negative_log_likelihood(
            Autoencoder(
                config=Config(),
                weights={k: np.zeros(s, np.float32) for k, s in weight_shapes(Config()).items()},
            ),
            np.zeros((1, INPUT_DIM), np.uint8),
        )
