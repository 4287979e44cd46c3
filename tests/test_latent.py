import numpy as np
import pytest

from autoencoder import latent
from autoencoder.config import Config
from tests.conftest import random_model

SMALL = Config(hidden_units=(8,), latent_dim=4)


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
    stats = latent.statistics(codes, non_negative=True)
    np.testing.assert_allclose(stats.mean, codes.mean(axis=0))
    assert (stats.low <= stats.mean).all()
    assert (stats.mean <= stats.high).all()
    assert (stats.high <= stats.maximum).all()
    assert stats.dead.tolist() == [False, False, False, True]
    assert stats.latent_dim == 4


def test_principal_direction_is_found(cloud):
    codes, direction = cloud
    stats = latent.statistics(codes, non_negative=True)
    np.testing.assert_allclose(stats.components[0], direction, atol=0.02)
    assert stats.explained[0] > 0.95
    assert stats.component_std[0] == pytest.approx(3, rel=0.1)
    np.testing.assert_allclose(stats.explained.sum(), 1)


def test_project_and_unproject_round_trip(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes, non_negative=True)
    coordinates = latent.project(codes[:5], stats, dimensions=4)
    np.testing.assert_allclose(latent.unproject(coordinates, stats), codes[:5], atol=1e-9)


def test_dead_units_of_a_model_with_a_silent_unit():
    model = random_model(SMALL)
    weights = dict(model.weights)
    weights["latent.bias"] = weights["latent.bias"].copy()
    weights["latent.bias"][1] = -1e3  # unit 1 can never fire
    silent = type(model)(config=model.config, weights=weights)
    images = np.random.default_rng(0).random((200, 784))
    assert latent.dead_units(silent.encode(images)).tolist() == [False, True, False, False]


def test_interpolation_ends_decode_to_the_ends_own_reconstructions():
    model = random_model(SMALL)
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
    stats = latent.statistics(codes, non_negative=True)
    start = stats.mean
    path = latent.along_direction(start, stats, 0, np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_allclose(path[1], start)
    np.testing.assert_allclose(path[2] - start, stats.component_std[0] * stats.components[0])
    assert path.min() >= 0


def test_plane_grid_spans_the_codes(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes, non_negative=True)
    grid, xs, ys = latent.plane_grid(stats, latent.project(codes, stats), size=5)
    assert grid.shape == (25, 4)
    assert xs[0] < xs[-1]
    assert ys[0] > ys[-1]  # top row first
    assert grid.min() >= 0


def test_samples_follow_the_codes_and_keep_dead_units_zero(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes, non_negative=True)
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


@pytest.fixture
def linear_cloud():
    """Codes of a linear layer: centred on 0, so half of every unit is negative."""
    rng = np.random.default_rng(3)
    return rng.normal(0, [1.0, 2.0, 0.5], size=(4000, 3))


def test_linear_codes_are_never_clamped(linear_cloud):
    stats = latent.statistics(linear_cloud)
    assert not stats.non_negative
    assert (stats.low < 0).all()
    assert latent.unproject(np.array([[-4.0, 0.0]]), stats).min() < 0
    assert latent.along_direction(stats.mean, stats, 0, np.array([-3.0, 3.0])).min() < 0
    assert latent.move(stats.mean, stats, np.array([-3.0])).min() < 0
    assert latent.sample(stats, 500, np.random.default_rng(0)).min() < 0
    grid, _, _ = latent.plane_grid(stats, latent.project(linear_cloud, stats), size=4)
    assert grid.min() < 0


def test_relu_codes_stay_non_negative(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes, non_negative=True)
    far = np.array([-50.0, 50.0])
    assert latent.along_direction(stats.mean, stats, 0, far).min() >= 0
    assert latent.move(stats.mean, stats, np.array([-50.0])).min() >= 0
    assert latent.unproject(np.array([[-50.0, 0.0]]), stats).min() >= 0


def test_move_goes_standard_deviations_along_the_directions(linear_cloud):
    stats = latent.statistics(linear_cloud)
    moved = latent.move(stats.mean, stats, np.array([2.0, -1.0]))
    expected = stats.mean + 2 * stats.component_std[0] * stats.components[0]
    expected -= stats.component_std[1] * stats.components[1]
    np.testing.assert_allclose(moved, expected)


def test_slider_bounds_span_the_middle_of_each_unit_a_little_widened(linear_cloud):
    stats = latent.statistics(linear_cloud)
    low, high = latent.slider_bounds(stats, stats.mean)
    span = stats.high - stats.low
    np.testing.assert_allclose(low, stats.low - latent.SLIDER_MARGIN * span)
    np.testing.assert_allclose(high, stats.high + latent.SLIDER_MARGIN * span)
    assert (low < 0).all()  # a linear unit's slider reaches its negative values
    assert (np.percentile(linear_cloud, 1, axis=0) >= low).all()

    outlier = np.array([100.0, -100.0, 0.0])
    low, high = latent.slider_bounds(stats, outlier)
    assert high[0] == 100 and low[1] == -100  # the start always fits


def test_relu_slider_bounds_stop_at_zero(cloud):
    codes, _ = cloud
    low, high = latent.slider_bounds(latent.statistics(codes, non_negative=True), codes[0])
    assert (low >= 0).all()
    assert (high[:3] > np.percentile(codes, 99, axis=0)[:3]).all()


def test_a_vae_slides_over_its_prior_and_samples_it(linear_cloud):
    stats = latent.statistics(linear_cloud)
    low, high = latent.slider_bounds(stats, np.zeros(3), prior=True)
    assert low.tolist() == [-3, -3, -3] and high.tolist() == [3, 3, 3]
    draws = latent.sample_prior(3, 20_000, np.random.default_rng(0))
    assert draws.shape == (20_000, 3)
    np.testing.assert_allclose(draws.mean(axis=0), 0, atol=0.03)
    np.testing.assert_allclose(draws.std(axis=0), 1, atol=0.03)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_codes_are_refused_with_a_clear_message(linear_cloud, bad):
    codes = linear_cloud.copy()
    codes[[5, 9], 1] = bad
    with pytest.raises(ValueError, match="codes of 2 of 4,000 images hold NaN or infinite"):
        latent.statistics(codes)
    with pytest.raises(ValueError, match="NaN or infinite"):
        latent.dead_units(codes)
    with pytest.raises(ValueError, match="NaN or infinite"):
        latent.class_means(codes, np.zeros(len(codes), dtype=int))


def test_huge_but_finite_codes_still_give_statistics():
    """Codes of absurd weights (3e38, float32's edge) once made the SVD fail to converge."""
    codes = np.random.default_rng(4).normal(0, 1, (500, 4)) * np.float32(3e38)
    stats = latent.statistics(codes)
    assert np.isfinite(stats.component_std).all()
    assert np.isfinite(stats.explained).all()


def test_unit_sliders_hold_their_start_and_mark_dead_units():
    rng = np.random.default_rng(0)
    codes = np.abs(rng.normal(size=(500, 3)))
    codes[:, 1] = 0  # a dead ReLU unit
    stats = latent.statistics(codes, non_negative=True)
    start = np.array([codes[:, 0].max() * 1.5, 0.0, 0.123456])
    spec = latent.unit_sliders(stats, start)
    assert [slider.label for slider in spec.sliders] == ["z0", "z1", "z2"]
    assert [slider.dead for slider in spec.sliders] == [False, True, False]
    for slider, value in zip(spec.sliders, start, strict=True):
        assert slider.low <= slider.value <= slider.high  # rounded outwards: the start is inside
        assert slider.low >= 0  # a ReLU code never goes below 0
        assert slider.step > 0
        assert slider.value == round(value, 3)
    assert spec.caption.endswith("1 of 3 units never fire (dead ReLUs).")
    prior = latent.unit_sliders(stats, start * 0, prior=True)
    assert {(slider.low, slider.high) for slider in prior.sliders} == {(-3.0, 3.0)}
    assert "N(0, 1) prior" in prior.caption


def test_direction_sliders_span_three_deviations_and_skip_dead_units(cloud):
    codes, _ = cloud
    stats = latent.statistics(codes, non_negative=True)
    spec = latent.direction_sliders(stats, 2)
    assert [(slider.low, slider.high, slider.step) for slider in spec.sliders] == [
        (-3.0, 3.0, 0.1)
    ] * 2
    assert spec.sliders[0].label.startswith("Direction 1: ")
    assert latent.direction_count(stats, 99) == 3  # unit 3 is dead
    dead = latent.statistics(np.zeros((50, 4)), non_negative=True)
    assert latent.direction_count(dead, 5) == 0
