import numpy as np
import pytest

from autoencoder import metrics


def test_perfect_reconstruction():
    images = np.random.default_rng(0).integers(0, 2, size=(3, 784)).astype(np.float32)
    assert metrics.mse_per_image(images, images).tolist() == [0, 0, 0]
    assert np.all(metrics.bce_per_image(images, images) < 1e-6)
    assert np.all(metrics.psnr_per_image(images, images) >= 100)


def test_known_values():
    target = np.array([1.0, 0.0, 1.0, 0.0])
    output = np.array([0.5, 0.5, 0.5, 0.5])
    assert metrics.bce_per_image(target, output)[0] == pytest.approx(np.log(2))
    assert metrics.mse_per_image(target, output)[0] == pytest.approx(0.25)
    assert metrics.psnr_per_image(target, output)[0] == pytest.approx(10 * np.log10(4))


def test_summary_and_percentiles():
    rng = np.random.default_rng(1)
    target = rng.random((200, 784))
    output = np.clip(target + rng.normal(0, 0.1, target.shape), 0, 1)
    summary = metrics.summarize(target, output)
    assert summary["count"] == 200
    assert summary["mse"] == pytest.approx(metrics.mse_per_image(target, output).mean())
    assert summary["psnr"] == pytest.approx(10 * np.log10(1 / summary["mse"]))
    quantiles = summary["bce_quantiles"]
    assert len(quantiles) == 101 and quantiles == sorted(quantiles)
    assert metrics.percentile_of(quantiles[50], quantiles) == pytest.approx(50)
    assert metrics.percentile_of(quantiles[-1] * 2, quantiles) == 100
    assert metrics.percentile_of(0, quantiles) == 0


def test_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.mse_per_image(np.zeros(784), np.zeros(783))
