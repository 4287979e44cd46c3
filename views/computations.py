"""What pages compute over a whole test set, cached per model: errors, code statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autoencoder import latent, metrics
from autoencoder.data import CLASS_NAMES
from autoencoder.network import Autoencoder
from views.caching import by_model, release_freed_memory
from views.testset import shared_test_split, stored_pixels


@dataclass(frozen=True)
class ImageErrors:
    """Per-image errors of one model over a test set (float64, 160 KB)."""

    bce: np.ndarray
    mse: np.ndarray


@by_model(shared_entries=16, spinner="Scoring every test image ...")
def image_errors(model: Autoencoder, name: str) -> ImageErrors:
    """BCE and MSE of every test image, a chunk at a time."""
    bce, mse = metrics.score(stored_pixels(shared_test_split(name)), model.reconstruct)
    release_freed_memory()
    return ImageErrors(bce=bce, mse=mse)


def score_test_images(model: Autoencoder, name: str) -> np.ndarray:
    """Per-image BCE over the whole test set."""
    return image_errors(model, name).bce


def summarize_test_images(model: Autoencoder, name: str) -> dict[str, float]:
    """Mean BCE, MSE and PSNR of one model over a dataset's test images."""
    errors = image_errors(model, name)
    return metrics.summary(errors.bce, errors.mse)


@dataclass(frozen=True)
class CodeSummary:
    """What the Explore page needs of the test set's codes, without the codes themselves."""

    stats: latent.LatentStatistics
    class_means: np.ndarray  # (classes, latent_dim): the mean code of each class
    points: np.ndarray  # (n, 2) float32: each code on the plane of the two main directions


@by_model(shared_entries=16, spinner="Encoding the test images ...")
def code_summary(model: Autoencoder, name: str) -> CodeSummary:
    """Statistics, class means and map points of every test image's code.

    Raises ``ValueError`` if the codes hold NaN or infinite values.
    """
    test = shared_test_split(name)
    pixels = stored_pixels(test)
    codes = np.concatenate(
        [
            model.encode(metrics.unit_floats(pixels[i : i + metrics.CHUNK]))
            for i in range(0, len(test), metrics.CHUNK)
        ]
    )
    stats = latent.statistics(codes, non_negative=model.config.code_activation == "relu")
    summary = CodeSummary(
        stats=stats,
        class_means=latent.class_means(codes, test.labels, len(CLASS_NAMES[name])),
        points=latent.project(codes, stats).astype(np.float32),
    )
    del codes
    release_freed_memory()
    return summary
