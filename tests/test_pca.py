"""PCA in closed form: the best linear code of its size, fitted without TensorFlow (fast)."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from autoencoder import metrics
from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.pca import fit_pca


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    from tests.conftest import write_npz

    return write_npz(tmp_path_factory.mktemp("data") / "mnist.npz")


@pytest.fixture(scope="module")
def tiny(tiny_path):
    return load_dataset(path=tiny_path)


@pytest.fixture(autouse=True, scope="module")
def one_blas_thread():
    """A 784x784 eigendecomposition: BLAS threads only fight on a shared machine."""
    with threadpool_limits(1, user_api="blas"):
        yield


def test_fit_pca_finds_orthonormal_directions_in_a_fixed_sign(tiny):
    model = fit_pca(tiny, Config.for_family("pca", latent_dim=5))
    components = model.weights["pca.components"].astype(np.float64)
    assert components.shape == (5, 784)
    np.testing.assert_allclose(components @ components.T, np.eye(5), atol=1e-5)
    largest = components[np.arange(5), np.abs(components).argmax(axis=1)]
    assert (largest > 0).all()  # rebuilds agree on each direction's sign
    train = metrics.unit_floats(tiny.train.pixels)
    np.testing.assert_allclose(model.weights["pca.mean"], train.mean(axis=0), atol=1e-5)


def test_more_directions_rebuild_better_and_the_record_says_so(tiny):
    errors = []
    for size in (1, 16):
        model = fit_pca(tiny, Config.for_family("pca", latent_dim=size), train_limit=200)
        record = model.record
        assert record["dataset"]["train_images"] == 200
        assert record["dataset"]["test_images"] == len(tiny.test)
        assert 0 < record["metrics"]["explained_variance"] <= 1
        errors.append(record["metrics"]["mse"])
    assert errors[0] > errors[1]


def test_fit_pca_refuses_other_families_and_a_dataset_without_training_images(tiny, tiny_path):
    with pytest.raises(ValueError, match="needs a pca config"):
        fit_pca(tiny, Config())
    test_only = load_dataset(path=tiny_path, include_train=False)
    with pytest.raises(ValueError, match="without its training split"):
        fit_pca(test_only, Config.for_family("pca", latent_dim=2))
