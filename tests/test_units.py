"""The three units of reconstruction error, and the 2006 reference point in each."""

import pytest

from autoencoder import units


def test_the_2006_figure_in_every_unit():
    (deep,) = units.REFERENCES
    assert deep.latent_dim == 30
    assert deep.mse == pytest.approx(0.0038265, abs=1e-7)
    assert deep.psnr == pytest.approx(24.172, abs=1e-3)


@pytest.mark.parametrize("mse", [0.0034, 0.00383, 0.0455])
def test_conversions_go_there_and_back(mse):
    assert units.mse_from_squared_error(units.squared_error_per_image(mse)) == pytest.approx(mse)
    assert units.mse_from_psnr(units.psnr_from_mse(mse)) == pytest.approx(mse)


def test_a_modern_re_implementations_figure():
    # 2.65 per image, as re-implementations without pretraining report: 24.7 dB.
    assert units.psnr_from_mse(units.mse_from_squared_error(2.65)) == pytest.approx(24.71, abs=0.01)
    assert units.squared_error_per_image(units.mse_from_psnr(24.7)) < 2.66
