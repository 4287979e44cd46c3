"""A model's test figures, computed chunk by chunk from uint8 pixels."""

import tracemalloc

import numpy as np
import pytest

from autoencoder import likelihood, metrics
from autoencoder.config import INPUT_DIM, Config
from autoencoder.data import Split
from autoencoder.evaluation import EVALUATION_SEED, evaluate
from autoencoder.noise import corrupt
from tests.conftest import random_model, synthetic_digits

VAE = Config(hidden_units=(8,), latent_dim=3, code_activation="linear", variational=True)
DENOISER = Config(hidden_units=(8,), latent_dim=4, noise="gaussian", noise_level=0.5)


def split(count: int) -> Split:
    images, labels = synthetic_digits(count, seed=5)
    return Split(pixels=images.reshape(count, INPUT_DIM), labels=labels)


def whole_set_figures(model, test: Split) -> dict[str, float]:
    """The same figures from the whole test set at once, the plain way."""
    images = test.images
    figures = metrics.summarize(images, model.reconstruct(images))
    figures["squared_error"] = figures["mse"] * INPUT_DIM
    if model.config.variational:
        mean, log_var = model.encode_distribution(images)
        rng = np.random.default_rng(EVALUATION_SEED)
        codes = mean + np.exp(0.5 * log_var) * rng.standard_normal(mean.shape, dtype=np.float32)
        bce = metrics.bce_per_image(images, model.decode(codes)) * INPUT_DIM
        kl = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1)
        figures["neg_elbo"] = float(np.mean(bce + kl))
    if model.config.denoising:
        noisy = corrupt(images, DENOISER.noise, DENOISER.noise_level, EVALUATION_SEED)
        for name, outputs in (
            ("noisy_input_psnr", noisy),
            ("denoised_psnr", model.reconstruct(noisy)),
        ):
            mse = np.mean(metrics.mse_per_image(images, outputs))
            figures[name] = float(10 * np.log10(1 / mse))
    return figures


@pytest.mark.parametrize("config", [None, VAE, DENOISER], ids=["plain", "vae", "denoising"])
def test_chunks_give_the_whole_sets_figures(config):
    # Over two chunks and a ragged end, the noise and the code samples included.
    model, test = random_model(config), split(metrics.CHUNK * 2 + 37)
    got, want = evaluate(model, test), whole_set_figures(model, test)
    assert set(got) == set(want)
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-6, atol=1e-7, err_msg=name)


def test_evaluation_never_holds_the_test_set_in_float32():
    # A training child evaluates at its memory peak. The whole set in float32 is
    # 16384 x 784 x 4 bytes = 51 MB, and a denoiser's noisy copies and outputs more.
    model, test = random_model(DENOISER), split(16384)
    tracemalloc.start()
    evaluate(model, test)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 32 * 2**20, f"evaluation peaked at {peak / 2**20:.0f} MB"


BINARY_VAE = Config(
    hidden_units=(8,), latent_dim=3, code_activation="linear", variational=True, binarize=True
)


def test_a_binarised_vae_is_scored_on_binarised_images_with_its_nll():
    model, test = random_model(BINARY_VAE), split(300)
    got = evaluate(model, test, nll_samples=64)
    binary = likelihood.binarized(test.pixels)
    floats = metrics.unit_floats(binary)
    assert got["val_bce"] == pytest.approx(
        float(np.mean(metrics.bce_per_image(floats, model.reconstruct(floats)))), rel=1e-6
    )
    estimate = likelihood.negative_log_likelihood(model, binary, samples=64, seed=EVALUATION_SEED)
    assert got["nll"] == pytest.approx(estimate.mean)
    assert got["nll_se"] == pytest.approx(estimate.standard_error)
    assert got["nll_samples"] == 64
    # 64 codes per image bound the likelihood more tightly than the one-sample ELBO.
    assert got["nll"] < got["neg_elbo"]
    assert "nll" not in evaluate(model, test, nll_samples=None)
    first = evaluate(model, test, nll_samples=64, nll_images=100)
    assert first["nll_images"] == 100 and got["nll_images"] == 300
    assert first["nll"] == pytest.approx(
        likelihood.negative_log_likelihood(model, binary[:100], samples=64).mean
    )
    assert "nll" not in evaluate(random_model(VAE), test, nll_samples=64)  # grey: no likelihood
