"""A code narrowed to its main directions: the same model at full size, a projection below."""

import numpy as np
import pytest

from autoencoder.config import Config
from autoencoder.narrowing import narrowed_weights
from autoencoder.network import Autoencoder
from tests.conftest import random_model, synthetic_digits

LINEAR = Config(hidden_units=(16,), latent_dim=5, code_activation="linear")
IMAGES = synthetic_digits(200, seed=4)[0].reshape(200, -1) / 255.0


def narrowed(model: Autoencoder, size: int) -> Autoencoder:
    config = Config(hidden_units=(16,), latent_dim=size, code_activation="linear")
    return Autoencoder(config=config, weights=narrowed_weights(model, size, IMAGES))


def test_all_directions_kept_is_the_same_model():
    model = random_model(LINEAR)
    np.testing.assert_allclose(
        narrowed(model, 5).reconstruct(IMAGES), model.reconstruct(IMAGES), atol=1e-5
    )


def test_fewer_directions_decode_the_projected_code():
    model = random_model(LINEAR)
    codes = model.encode(IMAGES).astype(np.float64)
    mean = codes.mean(axis=0)
    top = np.linalg.eigh(np.cov(codes, rowvar=False))[1][:, ::-1][:, :3]
    projected = mean + (codes - mean) @ top @ top.T  # the code on its 3 main directions
    np.testing.assert_allclose(
        narrowed(model, 3).reconstruct(IMAGES), model.decode(projected.astype(np.float32)),
        atol=1e-5,
    )  # fmt: skip


def test_only_a_linear_plain_code_narrows():
    with pytest.raises(ValueError, match="linear"):
        narrowed_weights(random_model(Config(latent_dim=4)), 2, IMAGES)  # relu code
