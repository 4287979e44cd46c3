"""New images from codes: prior samples, naive codes, the decoded plane, paths."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from autoencoder import generation
from autoencoder.config import Config
from tests.conftest import random_model

VAE_2 = Config(hidden_units=(8,), latent_dim=2, code_activation="linear", variational=True)
PLAIN_4 = Config(hidden_units=(8,), latent_dim=4)


def images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 784), dtype=np.float32)


def test_prior_samples_are_images_decoded_from_standard_normal_codes():
    model = random_model(VAE_2)
    samples = generation.prior_images(model, 6, np.random.default_rng(3))
    assert samples.shape == (6, 784) and samples.dtype == np.float32
    assert samples.min() >= 0 and samples.max() <= 1
    codes = np.random.default_rng(3).standard_normal((6, 2))
    np.testing.assert_allclose(samples, model.decode(codes), atol=1e-6)


def test_prior_samples_follow_the_rng():
    model = random_model(VAE_2)
    first, again, other = (
        generation.prior_images(model, 4, np.random.default_rng(seed)) for seed in (1, 1, 2)
    )
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_only_a_vae_has_a_prior():
    with pytest.raises(ValueError, match="variational"):
        generation.prior_images(random_model(PLAIN_4), 4, np.random.default_rng(0))


def test_naive_codes_stay_inside_each_units_range():
    low, high = np.array([0.0, -1.0, 5.0, 2.0]), np.array([1.0, 1.0, 9.0, 2.0])
    codes = generation.naive_codes(low, high, 2000, np.random.default_rng(0))
    assert codes.shape == (2000, 4)
    assert (codes >= low).all() and (codes <= high).all()
    assert (codes[:, 3] == 2).all()  # a dead unit's range is one value
    np.testing.assert_allclose(codes.mean(axis=0), (low + high) / 2, atol=0.1)
    # Independent units: no correlation between them.
    assert abs(np.corrcoef(codes[:, 0], codes[:, 1])[0, 1]) < 0.1


def test_naive_codes_reject_bad_ranges():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="low <= high"):
        generation.naive_codes(np.array([1.0]), np.array([0.0]), 3, rng)
    with pytest.raises(ValueError, match="one bound per unit"):
        generation.naive_codes(np.zeros(2), np.ones(3), 3, rng)


def test_naive_samples_decode_the_naive_codes():
    model = random_model(PLAIN_4)
    low, high = np.zeros(4), np.full(4, 3.0)
    samples = generation.naive_samples(model, low, high, 5, np.random.default_rng(7))
    codes = generation.naive_codes(low, high, 5, np.random.default_rng(7))
    np.testing.assert_allclose(samples, model.decode(codes), atol=1e-6)
    with pytest.raises(ValueError, match="one range per unit"):
        generation.naive_samples(model, low[:2], high[:2], 5, np.random.default_rng(7))


def test_gaussian_quantiles_are_even_in_probability():
    values = generation.gaussian_quantiles(15, span=2.0)
    assert values[0] == pytest.approx(-2) and values[-1] == pytest.approx(2)
    np.testing.assert_allclose(values, -values[::-1], atol=1e-9)  # symmetric
    probabilities = np.array([NormalDist().cdf(value) for value in values])
    np.testing.assert_allclose(np.diff(probabilities), np.diff(probabilities)[0])
    gaps = np.diff(values)
    assert gaps[7] < gaps[0]  # denser near 0 than in the tails
    with pytest.raises(ValueError, match="size >= 2"):
        generation.gaussian_quantiles(1)


def test_manifold_codes_run_across_then_down_like_a_plot():
    codes = generation.manifold_codes(3, span=1.0)
    assert codes.shape == (9, 2)
    assert codes[0, 0] == pytest.approx(-1) and codes[0, 1] == pytest.approx(1)  # top left
    assert codes[2, 0] == pytest.approx(1) and codes[2, 1] == pytest.approx(1)  # top right
    assert codes[8, 0] == pytest.approx(1) and codes[8, 1] == pytest.approx(-1)  # bottom right
    assert codes[4] == pytest.approx([0, 0])


def test_manifold_decodes_the_grid_of_a_2_number_code():
    model = random_model(VAE_2)
    grid = generation.manifold(model, size=4)
    assert grid.shape == (16, 784)
    np.testing.assert_allclose(grid, model.decode(generation.manifold_codes(4)), atol=1e-6)
    with pytest.raises(ValueError, match="2-number code"):
        generation.manifold(random_model(PLAIN_4))


@pytest.mark.parametrize(
    "config",
    [PLAIN_4, VAE_2, Config.for_family("pca", latent_dim=3)],
    ids=["dense", "vae", "pca"],
)
def test_interpolation_row_runs_between_the_two_codes(config):
    model = random_model(config)
    start, end = images(2)
    row = generation.interpolation_row(model, start, end.reshape(28, 28), 5)
    assert row.shape == (5, 784)
    np.testing.assert_allclose(row[0], model.decode(model.encode(start)), atol=1e-5)
    np.testing.assert_allclose(row[-1], model.decode(model.encode(end)), atol=1e-5)
    middle = (model.encode(start) + model.encode(end)) / 2
    np.testing.assert_allclose(row[2], model.decode(middle), atol=1e-5)


def test_cross_fade_blends_pixels():
    start, end = images(2)
    fade = generation.cross_fade(start, end.reshape(28, 28), 3)
    assert fade.shape == (3, 784) and fade.dtype == np.float32
    np.testing.assert_allclose(fade[0], start)
    np.testing.assert_allclose(fade[1], (start + end) / 2, atol=1e-6)
    np.testing.assert_allclose(fade[2], end)
