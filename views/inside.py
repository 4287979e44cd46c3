"""Inside the network: every layer's outputs while the visitor draws, and what one unit does."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from autoencoder import inside
from autoencoder.config import CUSTOM
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder
from autoencoder.preprocess import ImageError, canvas_to_ink, to_mnist
from views import canvas, computations, live, runs, session, sidebar, testset

SOURCES = ("Draw here", "My drawing", "A test image")
CANVAS_SIDE = 280  # as on Draw: 10x the model's 28 px
BRUSHES = {"Thin": 12, "Medium": 20, "Thick": 32}  # stroke widths, in canvas pixels
BRUSH = "Medium"
HINT = "Draw one digit, 0 to 9: every layer follows the pen."
LAYER_WIDTH = 288  # px: a layer's picture on the server's version, at most
CANVAS_KEY = "inside_canvas"  # the server's drawing canvas (no live script)


def inside_page() -> None:
    runs.toast_outcome()
    model = sidebar.chosen_model()
    if model is None:
        return
    st.title("Inside the network")
    st.write(_intro(model))
    source = st.segmented_control("Start from", SOURCES, default=SOURCES[0], required=True)
    start: np.ndarray | None = None
    start_id = "pad"
    if source == "My drawing":
        start = session.drawing()
        if start is None:
            st.info("Draw a digit on the **Draw** page first, or choose **Draw here**.")
            return
        start_id = f"drawing-{hashlib.sha1(start.tobytes()).hexdigest()[:8]}"
    elif source == "A test image":
        test = testset.load_test_images(model.config.dataset)
        if test is None:
            return
        index = st.number_input("Test image", 0, len(test) - 1, 0)
        start, start_id = testset.test_images(test, index), f"test-{index}"
    steps = _paint_steps(model)
    pad = live.layers(
        model,
        BRUSHES,
        session.brush(BRUSH),
        side=CANVAS_SIDE,
        hint=HINT if start is None else f"{HINT} Until you do, the layers show the {_of(source)}.",
        start=start,
        paint_steps=steps,
        start_id=start_id,
    )
    if pad is not None:
        return
    # The server's version: the live script did not run here, or this model is too big for it.
    digit = _canvas_digit() if start is None else start
    if digit is not None:
        _server_layers(model, digit, steps, _of(source))


def _intro(model: Autoencoder) -> str:
    if model.config.family == "pca":
        return (
            "PCA has no hidden layers: it is one linear map each way. Your drawing's 784 pixels "
            f"become {model.latent_dim} coordinates along its main directions (the code), and "
            "the same directions, weighted by them, paint the picture back. Both steps are "
            "shown below, live while you draw; click or Tab to a number to see its direction."
        )
    family = "convolutional " if model.config.filters else ""
    kind = "denoising " if model.config.denoising else ""
    vae = " For a VAE, the code's mean and its spread are shown apart." * model.config.variational
    return (
        f"Every layer of this {kind}{family}autoencoder, from your drawing to its reconstruction "
        f"through a code of {model.latent_dim} numbers, redrawn as you draw.{vae} Click a unit, "
        "or Tab to a layer and press Enter: a unit of the first layer shows its incoming "
        "weights, a code number what it paints."
    )


def _of(source: str | None) -> str:
    return "test image" if source == "A test image" else "drawing from the Draw page"


def _paint_steps(model: Autoencoder) -> np.ndarray:
    """How far a code number is moved to see what it paints: its spread over the test set
    when the test images are here (the codes are cached with Explore's), else 1."""
    if model.config.variational or model.config.dataset == CUSTOM:
        return inside.paint_steps(model)
    try:
        stats = computations.code_summary(model, model.config.dataset).stats
    except (AutoencoderError, FileNotFoundError, ValueError):  # no test set: steps of 1
        return inside.paint_steps(model)
    return inside.paint_steps(model, stats)


def _canvas_digit() -> np.ndarray | None:
    """The server's drawing canvas, for a browser that does not run the live view."""
    canvas.trim_toolbar()
    result = st_canvas(
        stroke_width=BRUSHES[BRUSH],
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=CANVAS_KEY,
    )
    if not (result.json_data or {}).get("objects") or result.image_data is None:
        st.caption("Draw one digit, 0 to 9: when the stroke ends, every layer is drawn below.")
        return None
    try:
        return to_mnist(canvas_to_ink(result.image_data))
    except ImageError as error:
        st.warning(str(error))
        return None


def _server_layers(model: Autoencoder, digit: np.ndarray, steps: np.ndarray, of: str) -> None:
    """Every layer drawn by the server for ``digit``, and one unit picked by number."""
    st.caption(
        "Drawn by the server: the live view did not start in this browser, so the layers "
        "are redrawn when a stroke ends, not while it goes on."
    )
    for shown in inside.shown_layers(model, digit):
        zoom = max(1, min(30, LAYER_WIDTH // shown.grid.shape[1]))
        st.markdown(f"**{shown.heading}**")
        picture = inside.grid_picture(shown.grid, signed=shown.signed, zoom=zoom)
        st.image(
            picture,
            caption=shown.words,
            width=picture.shape[1],  # its own size: a layer of 8 units is not a poster
            alt=f"{shown.heading}: {shown.words}",
        )
    st.subheader("One unit")
    code = model.activations(digit.reshape(-1))[inside.code_layer(model)]
    first_units = _first_units(model)
    paint_column, weights_column = st.columns(2)
    with paint_column:
        unit = st.number_input("Code number", 0, model.latent_dim - 1, 0)
        painted = inside.paints(model, code, unit, float(steps[unit]))
        words = (
            f"What code number {unit} paints: moving it by {steps[unit]:.2f} up and down from "
            f"the {of}'s code, orange is ink it adds as it grows, blue ink it takes away."
        )
        picture = inside.grid_picture(inside.layer_grid(painted), signed=True, zoom=6)
        st.image(picture, caption=words, width=picture.shape[1], alt=words)
    with weights_column:
        traced = inside.traced_layers(model)
        layer = st.selectbox("Hidden layer", traced) if len(traced) > 1 else None
        if layer is not None and layer != traced[0]:
            _traced_unit(model, digit, layer, of)
            return
        unit = st.number_input("Unit of the first layer", 0, first_units - 1, 0)
        weights = inside.incoming_weights(model, unit)
        if weights.size == 9:
            words = (
                f"Filter {unit}: the 3x3 pattern it looks for, slid over the picture; orange "
                "weights reward ink, blue ones punish it."
            )
        else:
            words = (
                f"Unit {unit}'s incoming weights, one per pixel: ink on orange pixels raises "
                "it, ink on blue ones lowers it."
            )
        grid = inside.layer_grid(weights.reshape(-1))
        picture = inside.grid_picture(grid, signed=True, zoom=168 // weights.shape[0])
        st.image(picture, caption=words, width=picture.shape[1], alt=words)


def _traced_unit(model: Autoencoder, digit: np.ndarray, layer: str, of: str) -> None:
    """A deeper hidden unit: the pixels that drive it for ``digit``."""
    units = int(model.weights[f"{layer}.kernel"].shape[-1])
    unit = st.number_input(f"Unit of {layer}", 0, units - 1, 0)
    weights = inside.pixel_weights(model, digit, layer, unit)
    words = (
        f"Unit {unit} of {layer}: the pixels that drive it for the {of}, its incoming weights "
        "traced back to the pixels through the units that are on: ink on orange pixels raises "
        "it, ink on blue ones lowers it."
    )
    picture = inside.grid_picture(inside.layer_grid(weights.reshape(-1)), signed=True, zoom=6)
    st.image(picture, caption=words, width=picture.shape[1], alt=words)


def _first_units(model: Autoencoder) -> int:
    """How many units the first layer has (PCA's: its components)."""
    if model.config.family == "pca":
        return model.latent_dim
    return int(model.weights[f"{inside.first_layer(model)}.kernel"].shape[-1])


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    inside_page()
