import numpy as np
import pytest

from autoencoder import latent
from tests.conftest import random_model


@pytest.fixture
def cloud():
    """Codes stretched along a known direction, with unit 3 dead."""
    rng = np.random.default_rng(0)
    direction = np.array([0.6, 0.8, 0.0, 0.0])
    codes = 5 + np.outer(rng.normal(0, 3, 2000), direction) + rng.normal(0, 0.1, (2000, 4))
    codes[:, 3] = 0
    return np.maximum(codes, 0), direction


def test_statistics_per_unit(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes)
    np.testing.assert_allclose(stats.mean, codes.mean(axis=0))
    assert (stats.low <= stats.mean).all()
    assert (stats.mean <= stats.high).all()
    assert (stats.high <= stats.maximum).all()
    assert stats.dead.tolist() == [False, False, False, True]
    assert stats.latent_dim == 4


def test_principal_direction_is_found(cloud):
    codes, direction = cloud
    stats = latent.statistics(codes)
    np.testing.assert_allclose(stats.components[0], direction, atol=0.02)
    assert stats.explained[0] > 0.95
    assert stats.component_std[0] == pytest.approx(3, rel=0.1)
    np.testing.assert_allclose(stats.explained.sum(), 1)


def test_project_and_unproject_round_trip(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes)
    coordinates = latent.project(codes[:5], stats, dimensions=4)
    np.testing.assert_allclose(latent.unproject(coordinates, stats), codes[:5], atol=1e-9)


def test_dead_units_of_a_model_with_a_silent_unit():
    model = random_model()
    weights = dict(model.weights)
    weights["latent.bias"] = weights["latent.bias"].copy()
    weights["latent.bias"][1] = -1e3  # unit 1 can never fire
    silent = type(model)(config=model.config, weights=weights)
    images = np.random.default_rng(0).random((200, 784))
    assert latent.dead_units(silent.encode(images)).tolist() == [False, True, False, False]


def test_interpolation_ends_decode_to_the_ends_own_reconstructions():
    model = random_model()
    images = np.random.default_rng(1).random((2, 784)).astype(np.float32)
    start, end = model.encode(images)
    path = latent.interpolate(start, end, steps=7)
    assert path.shape == (7, 4)
    decoded = model.decode(path)
    reconstructions = model.reconstruct(images)
    np.testing.assert_allclose(decoded[0], reconstructions[0], atol=1e-6)
    np.testing.assert_allclose(decoded[-1], reconstructions[1], atol=1e-6)
    np.testing.assert_allclose(path[3], (start + end) / 2, atol=1e-6)


def test_interpolation_input_checks():
    with pytest.raises(ValueError, match="at least 2"):
        latent.interpolate(np.zeros(3), np.ones(3), steps=1)
    with pytest.raises(ValueError, match="one shape"):
        latent.interpolate(np.zeros(3), np.ones(4), steps=3)


def test_moving_along_a_direction(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes)
    start = stats.mean
    path = latent.along_direction(start, stats, 0, np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_allclose(path[1], start)
    np.testing.assert_allclose(path[2] - start, stats.component_std[0] * stats.components[0])
    assert path.min() >= 0


def test_plane_grid_spans_the_codes(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes)
    grid, xs, ys = latent.plane_grid(stats, codes, size=5)
    assert grid.shape == (25, 4)
    assert xs[0] < xs[-1]
    assert ys[0] > ys[-1]  # top row first
    assert grid.min() >= 0


def test_samples_follow_the_codes_and_keep_dead_units_zero(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes)
    draws = latent.sample(stats, 5000, np.random.default_rng(2))
    assert draws.shape == (5000, 4)
    assert (draws[:, 3] == 0).all()
    assert draws.min() >= 0
    np.testing.assert_allclose(draws[:, :3].mean(axis=0), stats.mean[:3], atol=0.2)


def test_class_means():
    codes = np.array([[1.0, 0], [3, 0], [0, 2], [0, 4]])
    means = latent.class_means(codes, np.array([0, 0, 1, 1]), classes=3)
    np.testing.assert_allclose(means, [[2, 0], [0, 3], [0, 0]])


def test_rejects_too_few_codes():
    with pytest.raises(ValueError, match="codes must have shape"):
        latent.statistics(np.zeros((1, 4)))
