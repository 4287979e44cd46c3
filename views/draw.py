"""Draw (or upload) a digit and see what the autoencoder makes of it."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from autoencoder import metrics
from autoencoder.network import Autoencoder
from autoencoder.preprocess import ImageError, canvas_to_ink, read_image, to_mnist
from views import common

CANVAS_SIDE = 280  # 10x the model's 28 px, as big as a finger-drawn digit wants
DRAWING_KEY = "drawn_digit"  # the last preprocessed drawing, for the latent explorer
UNUSUAL_PERCENTILE = 99  # errors above this share of test digits look unlike a digit


def draw_page() -> None:
    model = common.page_model()
    if model is None:
        return
    st.title("Draw a digit")
    st.write(
        "The autoencoder squeezes your drawing into "
        f"**{model.latent_dim} numbers** and rebuilds it from them alone. "
        "Whatever it cannot rebuild, it did not learn."
    )
    source = st.segmented_control(
        "Input", ["Draw", "Upload a picture"], default="Draw", required=True, key="draw_source"
    )
    drawing_column, result_column = st.columns([1, 1.6], gap="large")
    with drawing_column:
        ink = _canvas_ink() if source == "Draw" else _uploaded_ink()
    with result_column:
        if ink is None:
            return
        try:
            digit = to_mnist(ink)
        except ImageError as error:
            st.warning(f"{str(error)[0].upper()}{str(error)[1:]}.")
            return
        st.session_state[DRAWING_KEY] = digit
        show_reconstruction(model, digit)


def _canvas_ink() -> np.ndarray | None:
    generation = st.session_state.setdefault("canvas_generation", 0)
    brush = st.slider("Brush width", 8, 40, 20, key="brush_width")
    result = st_canvas(
        stroke_width=brush,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"canvas_{generation}",  # a new key is a fresh, empty canvas
    )
    if st.button("Clear the canvas", icon=":material/delete:"):
        st.session_state["canvas_generation"] = generation + 1
        st.session_state.pop(DRAWING_KEY, None)
        st.rerun()
    objects = (result.json_data or {}).get("objects") or []
    image = result.image_data if objects else None
    if image is None:
        st.caption("Draw one digit, 0 to 9, with the mouse or a finger.")
        return None
    return canvas_to_ink(image)


def _uploaded_ink() -> np.ndarray | None:
    upload = st.file_uploader(
        "A picture of one digit (PNG or JPEG; dark on light or light on dark)",
        type=["png", "jpg", "jpeg", "gif", "bmp", "webp"],
        key="digit_upload",
    )
    if upload is None:
        return None
    try:
        ink = read_image(upload.getvalue())
    except ImageError as error:
        st.warning(f"{str(error)[0].upper()}{str(error)[1:]}.")
        return None
    st.image(upload.getvalue(), caption="Your picture", width=CANVAS_SIDE)
    return ink


def show_reconstruction(model: Autoencoder, digit: np.ndarray) -> None:
    """The 28x28 input, its reconstruction, the error map, and how unusual the error is."""
    reconstruction = model.reconstruct(digit)
    # One row: a 28x28 array would read as 28 images of 28 pixels.
    error = float(metrics.bce_per_image(digit.reshape(1, -1), reconstruction.reshape(1, -1))[0])
    columns = st.columns(3)
    columns[0].image(common.enlarge(digit), caption="Model input (28x28)")
    columns[1].image(common.enlarge(reconstruction), caption="Reconstruction")
    columns[2].image(
        common.error_map(digit, reconstruction),
        caption="Error: red = extra ink, blue = missing ink",
    )
    quantiles = model.record.get("metrics", {}).get("bce_quantiles")
    if not quantiles:
        st.metric("Reconstruction error (BCE)", f"{error:.3f}")
        return
    percentile = metrics.percentile_of(error, quantiles)
    median = quantiles[len(quantiles) // 2]
    st.metric(
        "Reconstruction error (BCE)",
        f"{error:.3f}",
        delta=f"{error - median:+.3f} against the typical test image",
        delta_color="inverse",
    )
    st.write(
        f"Its error is higher than that of **{percentile:.0f}%** of the "
        f"{_dataset_noun(model)} test images."
    )
    if percentile >= UNUSUAL_PERCENTILE:
        st.warning(
            "This looks unlike anything the model saw in training, so it rebuilt something it "
            "knows instead. Try a single, large digit."
        )


def _dataset_noun(model: Autoencoder) -> str:
    return "MNIST" if model.config.dataset == "mnist" else "Fashion-MNIST"


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    draw_page()
