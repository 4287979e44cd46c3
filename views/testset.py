"""The test images: one read-only copy per process, shared by every session.

``load_test_images`` is the pages' way in: it says how to provide a dataset
that is missing instead of failing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from autoencoder import metrics
from autoencoder.config import CUSTOM, DATASETS
from autoencoder.data import (
    CLASS_NAMES,
    DATA_DIR_ENV,
    Split,
    load_dataset,
)
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder


@st.cache_resource(show_spinner="Loading the test images ...", max_entries=len(DATASETS))
def shared_test_split(name: str) -> Split:
    """One copy of a dataset's test images per process, shared by every session, read-only.

    (``st.cache_data`` would hand each caller its own unpickled 31 MB copy.)
    """
    split = load_dataset(name, include_train=False).test
    for array in (stored_pixels(split), split.labels):
        array.flags.writeable = False  # one session must not change another's images
    return split


def load_test_images(name: str) -> Split | None:
    """The test images of ``name``, or None after saying how to provide them."""
    if name == CUSTOM:  # the visitor's own file: no shared test set, and none on disk
        st.info(
            "Your model learnt your own images, and this page works on the MNIST or "
            "Fashion-MNIST test images: choose a zoo model in the sidebar to use it here."
        )
        return None
    try:
        return shared_test_split(name)
    except (AutoencoderError, FileNotFoundError, ValueError) as error:
        st.info(
            f"**The {name} test images are not available here.** {error}\n\n"
            f"To use them, set `{DATA_DIR_ENV}` to a folder holding `{name}.npz` "
            "(the layout of Keras' `mnist.npz`) and restart the app. Drawing works without them."
        )
        return None


def stored_pixels(test: Split) -> np.ndarray:
    """The test images as stored: uint8 (n, 784) where the split keeps them so, else float32."""
    pixels = getattr(test, "pixels", None)  # not test.images: that may build a float32 copy
    return test.images if pixels is None else pixels


def test_images(test: Split, index: Any) -> np.ndarray:
    """Some test images (``index`` as for a NumPy array) as float32 rows in [0, 1]."""
    return metrics.unit_floats(stored_pixels(test)[index])


def class_names(model: Autoencoder) -> tuple[str, ...]:
    """The names of the classes of the dataset ``model`` learnt."""
    return CLASS_NAMES[model.config.dataset]
