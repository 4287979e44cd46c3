"""Corrupting images: each kind does what it says, seeded and bounded, with NumPy's generator
and with the portable one the browser shares (its JS twin: tests/test_live_js.py)."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder.noise import KINDS, corrupt, corrupt_portable, uniforms


@pytest.fixture
def clean() -> np.ndarray:
    return np.random.default_rng(0).random((50, 784), dtype=np.float32) * 0.5 + 0.25


@pytest.mark.parametrize("kind", KINDS)
def test_noise_is_seeded_bounded_and_keeps_the_shape(clean, kind):
    noisy = corrupt(clean, kind, 0.3, seed=4)
    assert noisy.shape == clean.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0 and noisy.max() <= 1
    np.testing.assert_array_equal(noisy, corrupt(clean, kind, 0.3, seed=4))
    assert not np.array_equal(noisy, corrupt(clean, kind, 0.3, seed=5))
    np.testing.assert_array_equal(corrupt(clean, kind, 0.0), clean)  # level 0: no noise


def test_gaussian_noise_has_the_level_as_its_spread(clean):
    difference = corrupt(clean, "gaussian", 0.05) - clean  # small: hardly any clipping
    assert difference.std() == pytest.approx(0.05, rel=0.05)


def test_masking_blacks_out_a_share_of_the_pixels(clean):
    noisy = corrupt(clean, "mask", 0.4)
    changed = noisy != clean
    assert changed.mean() == pytest.approx(0.4, abs=0.02)
    assert (noisy[changed] == 0).all()


def test_salt_and_pepper_sets_a_share_to_black_or_white(clean):
    noisy = corrupt(clean, "salt_pepper", 0.4)
    changed = noisy != clean
    assert changed.mean() == pytest.approx(0.4, abs=0.02)
    assert set(np.unique(noisy[changed])) == {0.0, 1.0}
    assert (noisy[changed] == 1).mean() == pytest.approx(0.5, abs=0.03)


def test_one_seed_nests_the_levels(clean):
    """Pixels hit at one level are hit at every higher level: curves over levels are smooth."""
    for kind in ("mask", "salt_pepper"):
        low, high = corrupt(clean, kind, 0.2), corrupt(clean, kind, 0.6)
        assert ((low != clean) <= (high != clean)).all()


def test_bad_kind_or_level_is_refused(clean):
    with pytest.raises(ValueError, match="noise must be one of"):
        corrupt(clean, "blur", 0.1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        corrupt(clean, "gaussian", 1.5)


def test_the_portable_uniforms_are_seeded_uniform_and_sliceable():
    values = uniforms(11, 200_000)
    assert values.dtype == np.float64 and values.min() >= 0 and values.max() < 1
    np.testing.assert_array_equal(values * 2**24, np.round(values * 2**24))  # 24-bit steps
    assert values.mean() == pytest.approx(0.5, abs=0.005)
    assert values.var() == pytest.approx(1 / 12, rel=0.02)
    assert abs(np.corrcoef(values[:-1], values[1:])[0, 1]) < 0.01  # neighbours unrelated
    np.testing.assert_array_equal(uniforms(11, 50), values[:50])
    assert not np.array_equal(uniforms(12, 50), values[:50])


@pytest.mark.parametrize("kind", KINDS)
def test_portable_noise_is_seeded_bounded_and_keeps_the_shape(clean, kind):
    noisy = corrupt_portable(clean, kind, 0.3, seed=4)
    assert noisy.shape == clean.shape and noisy.dtype == np.float32
    assert noisy.min() >= 0 and noisy.max() <= 1
    np.testing.assert_array_equal(noisy, corrupt_portable(clean, kind, 0.3, seed=4))
    assert not np.array_equal(noisy, corrupt_portable(clean, kind, 0.3, seed=5))
    np.testing.assert_array_equal(corrupt_portable(clean, kind, 0.0), clean)
    one = corrupt_portable(clean[0], kind, 0.3, seed=4)  # one image reads the stream's start
    np.testing.assert_array_equal(one, noisy[0])


def test_portable_gaussian_noise_is_one_field_scaled(clean):
    small = corrupt_portable(clean, "gaussian", 0.05) - clean
    assert small.std() == pytest.approx(0.05, rel=0.05)
    assert abs(small.mean()) < 0.002
    large = corrupt_portable(clean, "gaussian", 0.1) - clean
    unclipped = (np.abs(large) < 0.2) & (clean + large > 0) & (clean + large < 1)
    np.testing.assert_allclose(large[unclipped], 2 * small[unclipped], atol=1e-6)


def test_portable_masking_and_salt_hit_a_share_that_nests_with_the_level(clean):
    for kind in ("mask", "salt_pepper"):
        low, high = corrupt_portable(clean, kind, 0.2), corrupt_portable(clean, kind, 0.6)
        assert (low != clean).mean() == pytest.approx(0.2, abs=0.02)
        assert (high != clean).mean() == pytest.approx(0.6, abs=0.02)
        assert ((low != clean) <= (high != clean)).all()
    salted = corrupt_portable(clean, "salt_pepper", 0.4)
    changed = salted != clean
    assert set(np.unique(salted[changed])) == {0.0, 1.0}
    assert (salted[changed] == 1).mean() == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="noise must be one of"):
        corrupt_portable(clean, "blur", 0.1)
