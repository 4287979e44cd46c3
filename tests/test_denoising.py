"""PSNR against the clean images, level by level, and one image restored."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import denoising, metrics
from autoencoder.config import Config
from autoencoder.network import Autoencoder
from autoencoder.noise import corrupt, corrupt_portable
from tests.conftest import random_model

LEVELS = (0.1, 0.3, 0.6, 0.9)


@pytest.fixture
def clean() -> np.ndarray:
    return np.random.default_rng(0).random((40, 784), dtype=np.float32)


class Identity:
    """A stand-in 'model' that returns its input: its PSNR is the noisy input's."""

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        return images


def test_psnr_is_that_of_the_mean_squared_error(clean):
    outputs = np.clip(clean + 0.1, 0, 1)
    mse = metrics.mse_per_image(clean, outputs).mean()
    assert denoising.psnr(clean, outputs) == pytest.approx(10 * np.log10(1 / mse))
    assert denoising.psnr(clean, clean) == pytest.approx(120)  # capped, not infinite


@pytest.mark.parametrize("kind", ["gaussian", "mask", "salt_pepper"])
def test_noisy_psnr_falls_as_the_level_rises(clean, kind):
    curve = denoising.noisy_psnr_by_level(clean, kind, LEVELS)
    assert curve.shape == (len(LEVELS),)
    assert (np.diff(curve) < 0).all()


def test_psnr_by_level_scores_the_models_outputs_from_the_seeded_noise(clean):
    model = random_model(Config(hidden_units=(8,), latent_dim=4))
    curve = denoising.psnr_by_level(model, clean, "mask", LEVELS, seed=3)
    expected = [
        denoising.psnr(clean, model.reconstruct(corrupt(clean, "mask", level, 3)))
        for level in LEVELS
    ]
    np.testing.assert_allclose(curve, expected)
    identity = denoising.psnr_by_level(Identity(), clean, "mask", LEVELS, seed=3)  # type: ignore[arg-type]
    np.testing.assert_allclose(identity, denoising.noisy_psnr_by_level(clean, "mask", LEVELS, 3))


def test_psnr_by_level_takes_uint8_pixels(clean):
    pixels = np.round(clean * 255).astype(np.uint8)
    model = random_model(Config(hidden_units=(8,), latent_dim=4))
    np.testing.assert_allclose(
        denoising.psnr_by_level(model, pixels, "gaussian", LEVELS),
        denoising.psnr_by_level(model, pixels / np.float32(255), "gaussian", LEVELS),
        rtol=1e-5,
    )


def test_restore_corrupts_one_image_and_scores_each_model(clean):
    models: list[Autoencoder] = [
        random_model(Config(hidden_units=(8,), latent_dim=4), seed=seed) for seed in (0, 1)
    ]
    image = clean[0].reshape(28, 28)
    result = denoising.restore(models, image, "gaussian", 0.5, seed=2)
    noisy = corrupt_portable(clean[:1], "gaussian", 0.5, 2)[0]  # the browser's noise
    np.testing.assert_array_equal(result.noisy, noisy)
    assert result.noisy_psnr == pytest.approx(denoising.psnr(clean[0], noisy))
    assert len(result.outputs) == len(result.output_psnrs) == 2
    for model, output, score in zip(models, result.outputs, result.output_psnrs, strict=True):
        np.testing.assert_allclose(output, model.reconstruct(noisy[np.newaxis])[0])
        assert score == pytest.approx(denoising.psnr(clean[0], output))
    stronger = denoising.restore(models, image, "gaussian", 0.9, seed=2)
    assert stronger.noisy_psnr < result.noisy_psnr
