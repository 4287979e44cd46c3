"""What pages compute over a test set, cached per model: errors, code statistics.

A shipped model's results cover the whole test set and are computed once per
process. A visitor's own model may cost 150 times the seed's network per image,
so its passes take turns in one lane for all visitors and cover a sample of the
test set when the whole would take too long (autoencoder/fairshare.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import streamlit as st

from autoencoder import latent, metrics
from autoencoder.data import CLASS_NAMES
from autoencoder.fairshare import MIN_IMAGES, Lane, Sample
from autoencoder.network import Autoencoder
from views.caching import by_model, is_shipped, release_freed_memory
from views.testset import shared_test_split, stored_pixels


@st.cache_resource
def _lane() -> Lane:
    """The one lane every visitor's own model takes its turn in, for the whole process."""
    return Lane()


def covered_images(
    model: Autoencoder,
    name: str,
    total: int | None = None,
    passes: int = 1,
    minimum: int = MIN_IMAGES,
) -> Sample:
    """The test images (of the first ``total``) that ``passes`` passes of ``model`` cover:
    all of them for the app's own models."""
    total = len(shared_test_split(name)) if total is None else total
    if is_shipped(model):
        return Sample(indices=np.arange(total), total=total)
    return _lane().sample(model.config, total, passes=passes, minimum=minimum)


@contextlib.contextmanager
def heavy_pass(model: Autoencoder, images: int) -> Iterator[None]:
    """Hold the lane for a pass of a visitor's model over ``images`` (shipped: no wait)."""
    if is_shipped(model):
        yield
        return
    with _lane().turn(model.config, images):
        yield


@dataclass(frozen=True)
class ImageErrors:
    """Per-image errors of one model over a test set or its sample (float64, 160 KB)."""

    bce: np.ndarray
    mse: np.ndarray
    sample: Sample  # which test images: bce[i] is the error of test image sample.indices[i]


@by_model(shared_entries=16, spinner="Scoring the test images ...")
def image_errors(model: Autoencoder, name: str) -> ImageErrors:
    """BCE and MSE of every test image (or of the sample), a chunk at a time."""
    sample = covered_images(model, name)
    pixels = stored_pixels(shared_test_split(name))
    with heavy_pass(model, len(sample.indices)):
        chosen = pixels if sample.whole else pixels[sample.indices]
        bce, mse = metrics.score(chosen, model.reconstruct)
    release_freed_memory()
    return ImageErrors(bce=bce, mse=mse, sample=sample)


def score_test_images(model: Autoencoder, name: str) -> np.ndarray:
    """Per-image BCE over the test set (or its sample): the spread a drawing is ranked in."""
    return image_errors(model, name).bce


def ranked_test_images(model: Autoencoder, name: str) -> np.ndarray:
    """Test image indices from the best rebuilt to the worst (of the sample, if one)."""
    errors = image_errors(model, name)
    return errors.sample.indices[np.argsort(errors.bce, kind="stable")]


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
    sample: Sample  # which test images: points[i] is test image sample.indices[i]


@by_model(shared_entries=16, spinner="Encoding the test images ...")
def code_summary(model: Autoencoder, name: str) -> CodeSummary:
    """Statistics, class means and map points of every test image's code (or the sample's).

    Raises ``ValueError`` if the codes hold NaN or infinite values.
    """
    test = shared_test_split(name)
    sample = covered_images(model, name)
    pixels = stored_pixels(test)
    with heavy_pass(model, len(sample.indices)):
        codes = np.concatenate(
            [
                model.encode(metrics.unit_floats(pixels[rows]))
                for rows in np.array_split(sample.indices, -(-len(sample.indices) // metrics.CHUNK))
            ]
        )
    labels = test.labels[sample.indices]
    stats = latent.statistics(codes, non_negative=model.config.code_activation == "relu")
    summary = CodeSummary(
        stats=stats,
        class_means=latent.class_means(codes, labels, len(CLASS_NAMES[name])),
        points=latent.project(codes, stats).astype(np.float32),
        sample=sample,
    )
    del codes
    release_freed_memory()
    return summary
