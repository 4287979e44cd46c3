"""The linear baseline: PCA in closed form, stored like any trained model.

The top ``latent_dim`` principal directions of the training images are the
best linear code of that size (in squared error), so every chart gets a
reference line without any training.
"""

from __future__ import annotations

import datetime
import time

import numpy as np

from autoencoder import evaluation
from autoencoder.config import INPUT_DIM, Config
from autoencoder.data import Dataset
from autoencoder.network import Autoencoder

CHUNK = 4096  # images per step of the covariance sum: bounded memory


def fit_pca(dataset: Dataset, config: Config, *, train_limit: int | None = None) -> Autoencoder:
    """Mean and principal directions of the training images (float64 sums, chunked)."""
    if config.family != "pca":
        raise ValueError(f"fit_pca needs a pca config, got family {config.family!r}")
    if dataset.train is None:
        raise ValueError("the dataset was loaded without its training split")
    started = time.perf_counter()
    pixels = dataset.train.pixels[:train_limit]
    total = np.zeros(INPUT_DIM)
    scatter = np.zeros((INPUT_DIM, INPUT_DIM))
    for first in range(0, len(pixels), CHUNK):
        chunk = pixels[first : first + CHUNK].astype(np.float64) / 255
        total += chunk.sum(axis=0)
        scatter += chunk.T @ chunk
    mean = total / len(pixels)
    covariance = scatter / len(pixels) - np.outer(mean, mean)
    values, vectors = np.linalg.eigh(covariance)  # ascending
    components = vectors[:, ::-1][:, : config.latent_dim].T
    # A fixed sign per direction (largest entry positive), so rebuilds agree.
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * signs[:, np.newaxis]
    weights = {"pca.mean": mean.astype(np.float32), "pca.components": components.astype(np.float32)}
    model = Autoencoder(config=config, weights=weights)
    explained = float(values[::-1][: config.latent_dim].sum() / values.sum())
    record = {
        "dataset": {
            "name": dataset.name,
            "sha256": dataset.sha256,
            "train_images": len(pixels),
            "test_images": len(dataset.test),
        },
        "training_seconds": round(time.perf_counter() - started, 2),
        "trained_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "metrics": {**evaluation.evaluate(model, dataset.test), "explained_variance": explained},
    }
    return Autoencoder(config=config, weights=model.weights, record=record)
