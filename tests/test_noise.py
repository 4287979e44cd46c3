"""Corrupting images: each kind does what it says, seeded and bounded."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder.noise import KINDS, corrupt


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
