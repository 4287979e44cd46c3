import tracemalloc

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


def float64_reference(target: np.ndarray, output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The former implementation: the whole arrays at once, in float64."""
    target, output = target.astype(np.float64), output.astype(np.float64)
    clipped = np.clip(output, metrics.EPSILON, 1 - metrics.EPSILON)
    bce = -(target * np.log(clipped) + (1 - target) * np.log(1 - clipped)).mean(axis=1)
    return bce, ((target - output) ** 2).mean(axis=1)


def test_chunked_float32_matches_float64_at_once(monkeypatch):
    monkeypatch.setattr(metrics, "CHUNK", 64)  # 1000 rows: 15 full chunks and a partial one
    rng = np.random.default_rng(2)
    target = rng.integers(0, 256, size=(1000, 784)).astype(np.float32) / 255
    output = rng.random((1000, 784), dtype=np.float32)
    # Saturated outputs, where float32 cannot hold 1 - EPSILON: the clip must still agree.
    output[:, :50] = rng.choice([0.0, 1.0, 1e-9, 1 - 1e-8, 0.99999994], size=(1000, 50))
    bce, mse = float64_reference(target, output)
    np.testing.assert_allclose(metrics.bce_per_image(target, output), bce, rtol=0, atol=1e-6)
    np.testing.assert_allclose(metrics.mse_per_image(target, output), mse, rtol=0, atol=1e-6)
    summary = metrics.summarize(target, output)
    assert summary["val_bce"] == pytest.approx(bce.mean(), abs=1e-6)
    assert summary["mse"] == pytest.approx(mse.mean(), abs=1e-6)


def test_score_reconstructs_a_chunk_at_a_time_and_reads_uint8(monkeypatch):
    monkeypatch.setattr(metrics, "CHUNK", 100)
    pixels = np.random.default_rng(3).integers(0, 256, size=(250, 784), dtype=np.uint8)
    seen = []

    def blur(images: np.ndarray) -> np.ndarray:
        seen.append(images.shape)
        assert images.dtype == np.float32 and images.max() <= 1
        return np.clip(images * 0.9 + 0.05, 0, 1)

    bce, mse = metrics.score(pixels, blur)
    assert seen == [(100, 784), (100, 784), (50, 784)]
    floats = pixels.astype(np.float32) / 255
    reference_bce, reference_mse = float64_reference(floats, blur(floats))
    np.testing.assert_allclose(bce, reference_bce, rtol=0, atol=1e-6)
    np.testing.assert_allclose(mse, reference_mse, rtol=0, atol=1e-6)
    assert metrics.summary(bce, mse) == metrics.summarize(floats, blur(floats))


def test_scoring_the_whole_test_set_needs_a_few_mb():
    """In float64 and all at once, 10,000 images took about 400 MB of temporaries."""
    rng = np.random.default_rng(4)
    target = rng.random((10_000, 784), dtype=np.float32)
    output = rng.random((10_000, 784), dtype=np.float32)
    tracemalloc.start()
    try:
        metrics.summarize(target, output)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MB"
