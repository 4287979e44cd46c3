"""Three scores of how unlike its training set an image is: error, ratio, complexity-corrected.

- ``error``: the model's reconstruction error, in bits per pixel (its BCE over ln 2).
  Simple images (a thin digit on black) are rebuilt well by any decoder, so a
  model of clothes gives digits a *lower* error than clothes: it calls the
  strangers familiar (Nalisnick et al., ICLR 2019, found the same of likelihoods).
- ``ratio``: the model's error minus a background model's error on the same
  image (PCA of the same training set, a few components): a likelihood ratio
  in spirit (Ren et al., NeurIPS 2019). What any model finds easy cancels; what
  only the trained model knows stays.
- ``complexity``: the error minus the image's compressed size, both in bits per
  pixel, the size being its PNG length (Serrà et al., ICLR 2020): a simple
  image is expected to be cheap to describe, and is charged only for what it
  costs beyond that.

Higher always means "less like the training set". The scores are NumPy and
Pillow only, in batches (``detection.scores`` does the reconstructions).
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from autoencoder import detection
from autoencoder.config import IMAGE_SIDE, INPUT_DIM
from autoencoder.network import Autoencoder

SCORES = ("error", "ratio", "complexity")
LABELS = {
    "error": "reconstruction error",
    "ratio": "error minus the background's (likelihood ratio)",
    "complexity": "error minus PNG size (complexity-corrected)",
}
UNIT = "bits per pixel"
# Why a score can rank the strangers as familiar (an AUC below 0.5), in a sentence.
WHY = {
    "error": "simple images (a thin stroke on black) are cheap to rebuild for any decoder, so "
    "a model of clothes rebuilds digits better than the clothes it was trained on",
    "ratio": "the model gains more over the PCA background on the strangers than on its own "
    "images (a decoder of clothes rebuilds simple digits far better than a PCA of clothes "
    "does; a PCA of more directions gains most on complex clothes), so subtracting the "
    "background's error ranks the strangers as more familiar",
    "complexity": "it charges each image only for what it costs beyond its PNG size, and "
    "clothes' PNG sizes (in bits per pixel) dwarf any reconstruction error, so complex "
    "strangers look cheap",
}
# The background model of each dataset: the zoo's PCA of its training images.
BACKGROUND = {"mnist": "pca-8", "fashion_mnist": "fashion-pca-8"}


def error_bits(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    """Each image's reconstruction BCE, in bits per pixel (float64, (n,))."""
    return detection.scores(model, images) / math.log(2)


def png_bits(images: np.ndarray) -> np.ndarray:
    """Each image's PNG size in bits per pixel (grey, 8 bits, best compression).

    The PNG header and chunk framing (about 70 bytes) are in every file alike: a
    constant that shifts every score the same, so it changes no ranking.
    """
    pixels = _uint8(images).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    sizes = np.empty(len(pixels))
    for index, image in enumerate(pixels):  # Pillow encodes one image at a time
        stream = io.BytesIO()
        Image.fromarray(image).save(stream, format="PNG", compress_level=9)
        sizes[index] = stream.tell()
    return sizes * 8 / INPUT_DIM


def score_all(
    model: Autoencoder, background: Autoencoder, images: np.ndarray
) -> dict[str, np.ndarray]:
    """Every score of ``images`` (uint8 pixels or floats in [0, 1]), keyed as ``SCORES``."""
    return combine(error_bits(model, images), error_bits(background, images), png_bits(images))


def combine(
    error: np.ndarray, background_error: np.ndarray, png: np.ndarray
) -> dict[str, np.ndarray]:
    """The scores from their parts (all in bits per pixel): what only the model costs, the
    background's error and the PNG size are the same for every model of a dataset."""
    return {"error": error, "ratio": error - background_error, "complexity": error - png}


def _uint8(images: np.ndarray) -> np.ndarray:
    array = np.asarray(images)
    if array.dtype == np.uint8:
        return array.reshape(-1, INPUT_DIM)
    return np.round(np.clip(array, 0, 1) * 255).astype(np.uint8).reshape(-1, INPUT_DIM)
