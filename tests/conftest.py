"""Shared fixtures: tiny synthetic data and models, and the real data when present."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from autoencoder.config import Config
from autoencoder.network import Autoencoder, weight_shapes

Result = TypeVar("Result")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


# One small model of every family, shared by the tests that sweep them (random weights:
# ``random_model(FAMILIES[name])``).
FAMILIES = {
    "dense": Config(hidden_units=(8,), latent_dim=4),
    "deep": Config(hidden_units=(16, 8), latent_dim=3, code_activation="linear"),
    "conv": Config.for_family("conv", latent_dim=5, filters=(4, 6)),
    "conv-one-layer-and-dense": Config.for_family(
        "conv", latent_dim=2, filters=(3,), hidden_units=(7,)
    ),
    "vae": Config.for_family("conv", latent_dim=3, filters=(4, 6), variational=True),
    "pca": Config.for_family("pca", latent_dim=6),
}


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """One BLAS thread, as the app's server runs (app.py): on two shared cores, OpenBLAS's
    own threads only fight each other and everything else (a 784x784 eigendecomposition
    took 11 s instead of 0.4 s under load)."""
    with threadpool_limits(1, user_api="blas"):
        yield


def synthetic_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 28x28 images of bright bars, a crude stand-in for digits."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    for image, label in zip(images, labels, strict=True):
        top, left = rng.integers(4, 8, size=2)
        image[top : top + 18, left + label : left + label + 4] = 255
        image[top + label : top + label + 3, left : left + 14] = 200
    return images, labels


def write_npz(path: Path, train: int = 300, test: int = 100, **overrides: np.ndarray) -> Path:
    x_train, y_train = synthetic_digits(train, seed=1)
    x_test, y_test = synthetic_digits(test, seed=2)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    arrays.update(overrides)
    with open(path, "wb") as stream:  # a handle, so np.savez adds no .npz suffix
        np.savez(stream, **arrays)
    return path


@pytest.fixture
def tiny_npz(tmp_path: Path) -> Path:
    return write_npz(tmp_path / "mnist.npz")


def random_model(config: Config | None = None, seed: int = 0) -> Autoencoder:
    config = config or Config(hidden_units=(8,), latent_dim=4)
    rng = np.random.default_rng(seed)
    weights = {
        name: rng.normal(0, 0.3, size=shape).astype(np.float32) + (0.05 if "bias" in name else 0)
        for name, shape in weight_shapes(config).items()
    }
    return Autoencoder(config=config, weights=weights, record={"note": "random"})


@pytest.fixture
def tiny_model() -> Autoencoder:
    return random_model()


@pytest.fixture
def mnist_path() -> Path:
    """The real MNIST file: $AUTOENCODER_DATA_DIR, else ../shared/data, else skip."""
    folder = Path(os.environ.get("AUTOENCODER_DATA_DIR") or SHARED_DATA)
    path = folder / "mnist.npz"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide MNIST at {path}")
        pytest.skip(f"no MNIST at {path}; set AUTOENCODER_DATA_DIR")
    return path


def run_coroutine(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright keeps an event
    loop running in this one for the whole session, and asyncio.run refuses to nest."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
