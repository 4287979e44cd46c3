"""Test images beside their reconstructions, and where the model does best and worst."""

from __future__ import annotations

import numpy as np
import streamlit as st

from autoencoder import describe, metrics, pictures
from autoencoder.config import IMAGE_SIDE
from autoencoder.data import CLASS_NAMES
from autoencoder.network import Autoencoder
from views import caching, computations, links, picker, runs, session, sidebar, testset
from views.links import Link

COUNTS = (4, 16)  # images picked: fewest, most
# The page's choices, in its URL: ?mode=by-index&index=120&count=16
MODE = Link("mode", "sample_mode")
COUNT = Link("count", "sample_count")
FIRST = Link("index", "sample_index")
CLASS = Link("class", "sample_class")
PICKER = picker.PickerLinks(index=FIRST, label=CLASS, seed=session.SAMPLES_SEED)
ZOOM = 3  # 28 px -> 84 px per image in the grids
GAP = 4
BAND = 8  # images per row of a grid: wider, and the page would shrink its text unreadably
LABEL_WIDTH = 60  # the "original" / "rebuilt" column on the left


def samples_page() -> None:
    runs.toast_outcome()
    model = sidebar.chosen_model()
    if model is None:
        return
    st.title("Test images")
    st.write(
        "Images the model never trained on. Top row: the original; below: what the model "
        "rebuilt from its code, with the error (BCE) of each."
    )
    name = model.config.dataset
    test = testset.load_test_images(name)
    if test is None:
        return

    with MODE.linked(links.one_of(picker.WAYS), default=picker.AT_RANDOM) as key:
        how = st.segmented_control("Pick", picker.WAYS, required=True, key=key)
    with COUNT.linked(links.integer(*COUNTS), default=8) as key:
        count = st.slider("How many", *COUNTS, key=key)
    picker.drop_hidden(how, PICKER)
    indices = picker.pick(test, how, count, testset.class_names(model), PICKER)

    errors = _grid(model, indices, "The picked test images")
    st.caption(
        f"Test images {', '.join(str(index) for index in indices)}: mean BCE {errors.mean():.4f}"
    )

    st.subheader("Best and worst")
    sample = computations.image_errors(model, name).sample
    st.write(f"Over {sample.describe()}: the ones the model rebuilds best, and worst.")
    order = computations.ranked_test_images(model, name)
    for caption, chosen in (("Best", order[:count]), ("Worst", order[::-1][:count])):
        st.caption(caption)
        _grid(model, chosen, f"The {count} {caption.lower()}-rebuilt test images")


def _grid(model: Autoencoder, indices: np.ndarray, what: str) -> np.ndarray:
    """Show test images above their reconstructions, each with its error; return the errors."""
    chosen = tuple(int(index) for index in indices)
    picture, errors = _grid_picture(model, model.config.dataset, chosen)
    # Natural size ("content"): a grid of one image must not be stretched to the page.
    st.image(
        picture,
        width="content",
        alt=(
            f"{what}, numbers {describe.numbers(chosen, 0)}, above their reconstructions; "
            f"{describe.errors(errors)}"
        ),
    )
    return errors


@caching.by_model(shared_entries=32, session_entries=8)
def _grid_picture(
    model: Autoencoder, name: str, indices: tuple[int, ...]
) -> tuple[bytes, np.ndarray]:
    """The grid as a PNG (a few KB), drawn once: best and worst outlive every rerun."""
    test = testset.shared_test_split(name)
    images = testset.test_images(test, list(indices))
    reconstructions = model.reconstruct(images)  # one batched pass
    errors = metrics.bce_per_image(images, reconstructions)
    titles = [f"#{index}" for index in indices]
    labels = [CLASS_NAMES[name][test.labels[index]] for index in indices]
    scores = [f"BCE {error:.3f}" for error in errors]
    bands = [
        _band(
            images[start : start + BAND],
            reconstructions[start : start + BAND],
            [texts[start : start + BAND] for texts in (titles, labels, scores)],
        )
        for start in range(0, len(indices), BAND)
    ]
    width = bands[0].shape[1]
    picture = np.vstack(
        [
            np.pad(band, ((0, GAP * 2), (0, width - band.shape[1])), constant_values=255)
            for band in bands
        ]
    )
    return pictures.png(picture), errors


def _band(originals: np.ndarray, reconstructions: np.ndarray, texts: list[list[str]]) -> np.ndarray:
    """One row of the grid: titles and classes, originals, reconstructions, errors."""
    titles, labels, scores = texts
    cell = IMAGE_SIDE * ZOOM
    top, bottom = (
        pictures.tile(rows, len(rows), zoom=ZOOM, gap=GAP, background=pictures.WHITE)
        for rows in (originals, reconstructions)
    )

    def labelled(name: str, row: np.ndarray) -> np.ndarray:
        return pictures.labelled(name, row, LABEL_WIDTH, GAP)

    return np.vstack(
        [
            labelled("", pictures.text_strip(titles, cell, GAP)),
            labelled("", pictures.text_strip(labels, cell, GAP)),
            labelled("original", top),
            labelled("", pictures.blank(GAP, top.shape[1])),
            labelled("rebuilt", bottom),
            labelled("", pictures.text_strip(scores, cell, GAP)),
        ]
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    samples_page()
