"""Test images beside their reconstructions, and where the model does best and worst."""

from __future__ import annotations

import io

import numpy as np
import streamlit as st

from autoencoder import metrics
from autoencoder.network import Autoencoder
from views import common

SEED_KEY = "sample_seed"  # a button press draws a new random set; the seed remembers it


def samples_page() -> None:
    model = common.page_model()
    if model is None:
        return
    st.title("Test images")
    st.write(
        "Images the model never trained on. Top row: the original; below: what the model "
        "rebuilt from its code, with the error (BCE) of each."
    )
    test = common.load_test_images(model.config.dataset)
    if test is None:
        return
    names = common.class_names(model)

    how = st.segmented_control(
        "Pick", ["At random", "By class", "By index"], default="At random", required=True,
        key="sample_mode",
    )  # fmt: skip
    count = st.slider("How many", 4, 16, 8, key="sample_count")
    rng = np.random.default_rng(st.session_state.setdefault(SEED_KEY, 0))
    if how == "By index":
        first = st.number_input("First index", 0, len(test) - 1, 0, key="sample_index")
        indices = np.arange(first, min(first + count, len(test)))
    else:
        pool = np.arange(len(test))
        if how == "By class":
            label = st.selectbox(
                "Class", range(len(names)), format_func=names.__getitem__, key="sample_class"
            )
            pool = np.flatnonzero(test.labels == label)
        if st.button("New random set", icon=":material/shuffle:"):
            st.session_state[SEED_KEY] = int(np.random.default_rng().integers(2**31))
            st.rerun()
        indices = np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))

    images = test.images[indices]
    titles = [f"#{index}: {names[test.labels[index]]}" for index in indices]
    errors = _grid(model, images, titles)
    st.caption(
        f"Test images {', '.join(str(index) for index in indices)}: mean BCE {errors.mean():.4f}"
    )

    st.subheader("Best and worst")
    st.write("Over all test images: the ones the model rebuilds best, and worst.")
    errors = common.score_test_images(model, model.fingerprint, model.config.dataset)
    order = np.argsort(errors)
    for caption, chosen in (("Best", order[:count]), ("Worst", order[::-1][:count])):
        st.caption(caption)
        _grid(model, test.images[chosen], [f"#{i}: {names[test.labels[i]]}" for i in chosen])


def _grid(model: Autoencoder, images: np.ndarray, titles: list[str]) -> np.ndarray:
    """Show originals above reconstructions, each with its error; return the errors."""
    picture, errors = _grid_picture(model, model.fingerprint, images, titles)
    st.image(picture, width="stretch", alt="Original images above their reconstructions")
    return errors


@st.cache_data(max_entries=32)
def _grid_picture(
    _model: Autoencoder, fingerprint: str, images: np.ndarray, titles: list[str]
) -> tuple[bytes, np.ndarray]:
    """The grid as a PNG, drawn once: the best and worst grids outlive every rerun."""
    from matplotlib.figure import Figure  # not pyplot: no global state across sessions

    reconstructions = _model.reconstruct(images)  # one batched pass
    errors = metrics.bce_per_image(images, reconstructions)
    columns = len(images)
    figure = Figure(figsize=(1.3 * columns, 3.0), layout="constrained")
    axes = figure.subplots(2, columns, squeeze=False)
    for column in range(columns):
        top, bottom = axes[0, column], axes[1, column]
        top.imshow(images[column].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        bottom.imshow(reconstructions[column].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        top.set_title(titles[column], fontsize=8)
        bottom.set_title(f"BCE {errors[column]:.3f}", fontsize=8)
        for axis in (top, bottom):
            axis.set_xticks([])
            axis.set_yticks([])
    axes[0, 0].set_ylabel("original", fontsize=8)
    axes[1, 0].set_ylabel("rebuilt", fontsize=8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150)
    return buffer.getvalue(), errors


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    samples_page()
