"""Test images beside their reconstructions, and where the model does best and worst."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from autoencoder import metrics
from autoencoder.config import IMAGE_SIDE
from autoencoder.data import CLASS_NAMES
from autoencoder.network import Autoencoder
from views import common, links
from views.links import Link

SEED_KEY = "sample_seed"  # a button press draws a new random set; the seed remembers it
MODES = ("At random", "By class", "By index")
COUNTS = (4, 16)  # images picked: fewest, most
# The page's choices, in its URL: ?mode=by-index&index=120&count=16
MODE = Link("mode", "sample_mode")
COUNT = Link("count", "sample_count")
FIRST = Link("index", "sample_index")
CLASS = Link("class", "sample_class")
ZOOM = 3  # 28 px -> 84 px per image in the grids
GAP = 4
BAND = 8  # images per row of a grid: wider, and the page would shrink its text unreadably
LABEL_WIDTH = 60  # the "original" / "rebuilt" column on the left


def samples_page() -> None:
    model = common.page_model()
    if model is None:
        return
    st.title("Test images")
    st.write(
        "Images the model never trained on. Top row: the original; below: what the model "
        "rebuilt from its code, with the error (BCE) of each."
    )
    name = model.config.dataset
    test = common.load_test_images(name)
    if test is None:
        return
    names = common.class_names(model)

    with MODE.linked(links.one_of(MODES), default=MODES[0]) as key:
        how = st.segmented_control("Pick", MODES, required=True, key=key)
    with COUNT.linked(links.integer(*COUNTS), default=8) as key:
        count = st.slider("How many", *COUNTS, key=key)
    rng = np.random.default_rng(st.session_state.setdefault(SEED_KEY, 0))
    if how != "By index":  # a hidden widget's value is no part of the link
        FIRST.drop()
    if how != "By class":
        CLASS.drop()
    if how == "By index":
        last = len(test) - 1
        with FIRST.linked(links.integer(0, last), default=0) as key:
            first = st.number_input("First index", 0, last, key=key)
        indices = np.arange(first, min(first + count, len(test)))
    else:
        pool = np.arange(len(test))
        if how == "By class":
            classes = range(len(names))
            with CLASS.linked(links.one_of(classes), default=0) as key:
                label = st.selectbox("Class", classes, format_func=names.__getitem__, key=key)
            pool = np.flatnonzero(test.labels == label)
        if st.button("New random set", icon=":material/shuffle:"):
            st.session_state[SEED_KEY] = int(np.random.default_rng().integers(2**31))
            st.rerun()
        indices = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))

    errors = _grid(model, indices)
    st.caption(
        f"Test images {', '.join(str(index) for index in indices)}: mean BCE {errors.mean():.4f}"
    )

    st.subheader("Best and worst")
    st.write("Over all test images: the ones the model rebuilds best, and worst.")
    order = np.argsort(common.score_test_images(model, name), kind="stable")
    for caption, chosen in (("Best", order[:count]), ("Worst", order[::-1][:count])):
        st.caption(caption)
        _grid(model, chosen)


def _grid(model: Autoencoder, indices: np.ndarray) -> np.ndarray:
    """Show test images above their reconstructions, each with its error; return the errors."""
    chosen = tuple(int(index) for index in indices)
    picture, errors = _grid_picture(model, model.config.dataset, chosen)
    # Natural size ("content"): a grid of one image must not be stretched to the page.
    st.image(
        picture,
        width="content",
        alt=f"Test images {', '.join(map(str, chosen))} above their reconstructions",
    )
    return errors


@common.by_model(shared_entries=32, session_entries=8)
def _grid_picture(
    model: Autoencoder, name: str, indices: tuple[int, ...]
) -> tuple[bytes, np.ndarray]:
    """The grid as a PNG (a few KB), drawn once: best and worst outlive every rerun."""
    from PIL import Image

    test = common.shared_test_split(name)
    images = common.test_images(test, list(indices))
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
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue(), errors


def _band(originals: np.ndarray, reconstructions: np.ndarray, texts: list[list[str]]) -> np.ndarray:
    """One row of the grid: titles and classes, originals, reconstructions, errors."""
    titles, labels, scores = texts
    cell = IMAGE_SIDE * ZOOM
    top, bottom = (
        common.tile(rows, len(rows), zoom=ZOOM, gap=GAP, background=255)
        for rows in (originals, reconstructions)
    )

    def labelled(left: str, row: np.ndarray) -> np.ndarray:
        label = common.text_strip([left], LABEL_WIDTH, 0, height=row.shape[0])
        return np.hstack([label, np.full((row.shape[0], GAP), 255, np.uint8), row])

    return np.vstack(
        [
            labelled("", common.text_strip(titles, cell, GAP)),
            labelled("", common.text_strip(labels, cell, GAP)),
            labelled("original", top),
            labelled("", np.full((GAP, top.shape[1]), 255, np.uint8)),
            labelled("rebuilt", bottom),
            labelled("", common.text_strip(scores, cell, GAP)),
        ]
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    samples_page()
