import numpy as np
import pytest

from autoencoder.config import Config
from autoencoder.network import Autoencoder, weight_shapes


def test_shapes_for_single_images_and_batches(tiny_model):
    rng = np.random.default_rng(0)
    batch = rng.random((5, 784), dtype=np.float32)
    assert tiny_model.encode(batch).shape == (5, 4)
    assert tiny_model.encode(batch[0]).shape == (4,)
    assert tiny_model.encode(batch[0].reshape(28, 28)).shape == (4,)
    assert tiny_model.encode(batch.reshape(5, 28, 28)).shape == (5, 4)
    assert tiny_model.decode(np.ones(4)).shape == (784,)
    assert tiny_model.decode(np.ones((3, 4))).shape == (3, 784)
    assert tiny_model.reconstruct(batch).shape == (5, 784)
    assert tiny_model.reconstruct(batch[0].reshape(28, 28)).shape == (28, 28)


def test_single_image_equals_its_row_in_a_batch(tiny_model):
    batch = np.random.default_rng(1).random((4, 784), dtype=np.float32)
    single, batched = tiny_model.reconstruct(batch[2]), tiny_model.reconstruct(batch)[2]
    np.testing.assert_allclose(single, batched, atol=1e-6)


def test_codes_are_non_negative_and_outputs_in_unit_range(tiny_model):
    batch = np.random.default_rng(2).random((50, 784), dtype=np.float32)
    assert tiny_model.encode(batch).min() >= 0
    decoded = tiny_model.decode(np.full((2, 4), 1e4))  # extreme codes must not overflow
    assert decoded.dtype == np.float32
    assert decoded.min() >= 0 and decoded.max() <= 1


@pytest.mark.parametrize("shape", [(783,), (27, 28), (2, 3, 784), (0, 10)])
def test_rejects_wrong_image_shapes(tiny_model, shape):
    with pytest.raises(ValueError, match="images must have shape"):
        tiny_model.encode(np.zeros(shape))


def test_rejects_unscaled_pixels(tiny_model):
    with pytest.raises(ValueError, match="divide 0-255 images by 255"):
        tiny_model.reconstruct(np.full(784, 255.0))


def test_rejects_wrong_code_sizes(tiny_model):
    with pytest.raises(ValueError, match=r"codes must have shape \(4,\)"):
        tiny_model.decode(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        tiny_model.decode(np.array([0, np.nan, 0, 0]))


def test_weights_are_checked_and_read_only(tiny_model):
    with pytest.raises(ValueError, match="read-only"):
        tiny_model.weights["latent.bias"][0] = 1
    config = Config(hidden_units=8, latent_dim=4)
    weights = {name: np.zeros(shape) for name, shape in weight_shapes(config).items()}
    weights["latent.kernel"] = np.zeros((8, 5))
    with pytest.raises(ValueError, match=r"latent\.kernel has shape \(8, 5\)"):
        Autoencoder(config=config, weights=weights)
    del weights["latent.kernel"]
    with pytest.raises(ValueError, match=r"missing weights: latent\.kernel"):
        Autoencoder(config=config, weights=weights)


def test_fingerprint_follows_the_weights():
    from tests.conftest import random_model

    assert random_model(seed=1).fingerprint == random_model(seed=1).fingerprint
    assert random_model(seed=1).fingerprint != random_model(seed=2).fingerprint
