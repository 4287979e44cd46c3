"""Draw (or upload) a digit and see what the autoencoder makes of it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from autoencoder import describe, metrics
from autoencoder.network import Autoencoder
from autoencoder.pictures import enlarge, error_map
from autoencoder.preprocess import (
    UPLOAD_TYPES,
    ImageError,
    Picture,
    canvas_to_ink,
    read_image,
    to_mnist,
)
from views import canvas, links, live, runs, session, sidebar
from views.links import Link

CANVAS_SIDE = 280  # 10x the model's 28 px, as big as a finger-drawn digit wants
SOURCES = ("Draw", "Upload a picture")
SOURCE = Link("input", "draw_source")  # in the URL: ?input=upload-a-picture
UNUSUAL_PERCENTILE = 99  # errors above this share of test digits look unlike a digit
BRUSHES = {"Thin": 12, "Medium": 20, "Thick": 32}  # stroke widths, in canvas pixels
BRUSH = "Medium"  # the brush a visitor starts with
IMAGES_WIDTH = 3 * 224 + 2 * 16  # px: three images at their own size, or less
UPLOAD_CACHE_ENTRIES = 8  # decoded uploads kept (each < 2 MB), so reruns skip decoding
HINT = "Draw one digit, 0 to 9, with the mouse or a finger."
HINT_WITHOUT_DRAWING = (
    "No mouse or touch? Choose **Upload a picture** above, or start from a test image on "
    "**Explore the code** or **Test images**."
)
# The error map's key in words and signs, not its two colours alone.
CAPTIONS = (
    "Model input (28x28)",
    "Reconstruction",
    "Error: + orange = too much ink, - blue = too little",
)


def draw_page() -> None:
    runs.toast_outcome()
    model = sidebar.chosen_model()
    if model is None:
        return
    st.title("Draw a digit")
    st.write(
        "The autoencoder squeezes your drawing into "
        f"**{model.latent_dim} numbers** and rebuilds it from them alone. "
        "Whatever it cannot rebuild, it did not learn."
    )
    with SOURCE.linked(links.one_of(SOURCES), default=SOURCES[0]) as key:
        source = st.segmented_control(
            "Input", SOURCES, required=True, key=key, label_visibility="collapsed"
        )
    if source == "Draw":
        st.caption(HINT_WITHOUT_DRAWING)
        _drawing(model)
        return
    _input_and_result(model, _uploaded_ink, of="your picture")


@st.fragment
def _drawing(model: Autoencoder) -> None:
    """The pad and what the model makes of the drawing. A stroke reruns only this, not the
    page: strokes are what visitors do most here."""
    # In the browser, the pictures follow the pen; its drawing arrives when a stroke ends.
    pad = live.drawing_pad(
        model,
        BRUSHES,
        session.brush(BRUSH),
        side=CANVAS_SIDE,
        captions=list(CAPTIONS),
        hint=HINT,
        on_change=_keep_drawing,
    )
    if pad is not None:
        if pad.digit is not None:
            show_reconstruction(model, pad.digit, pictures=False)
        return
    _input_and_result(model, _canvas_ink, of="your drawing")


def _input_and_result(
    model: Autoencoder, read_ink: Callable[[], np.ndarray | None], *, of: str
) -> None:
    """The canvas or the upload beside what the model makes of its ink, which is kept as
    the model's input for the other pages.

    On a phone the columns stack: the result comes right under the canvas, whose controls
    are kept short, so a drawing's reconstruction shows without scrolling.
    """
    drawing_column, result_column = st.columns([1, 1.6], gap="medium")
    with drawing_column:
        ink = read_ink()
    if ink is None:
        return
    with result_column:
        _result(model, ink, of=of)


def _result(model: Autoencoder, ink: np.ndarray, *, of: str) -> None:
    """The ink as the model's input, kept for the other pages, and what the model makes of it."""
    try:
        digit = to_mnist(ink)
    except ImageError as error:
        st.warning(str(error))
        return
    session.set_drawing(digit)
    show_reconstruction(model, digit, of=of)


def _canvas_ink() -> np.ndarray | None:
    canvas.trim_toolbar()
    generation = session.generation(session.CANVAS_GENERATION_KEY)
    result = st_canvas(
        stroke_width=BRUSHES[session.brush(BRUSH)],
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"canvas_{generation}",  # a new key is a fresh, empty canvas
        on_change=_forget_drawing,  # undone to nothing, it must not live on in Explore
    )
    with st.container(horizontal=True, vertical_alignment="center"):  # one short row
        st.segmented_control(
            "Brush",
            list(BRUSHES),
            default=BRUSH,
            required=True,
            key=session.BRUSH_KEY,
            label_visibility="collapsed",
        )
        if st.button("Clear", icon=":material/delete:", help="Clear the canvas"):
            session.bump_generation(session.CANVAS_GENERATION_KEY)
            _forget_drawing()
            st.rerun()
    objects = (result.json_data or {}).get("objects") or []
    image = result.image_data if objects else None
    if image is None:
        st.caption(HINT)
        return None
    return canvas_to_ink(image)


def _forget_drawing() -> None:
    """The drawing changed: the run that follows stores the new digit, if there is one."""
    session.set_drawing(None)


def _keep_drawing(digit: np.ndarray | None) -> None:
    """A stroke ended on the live pad: its drawing, or none once undone or cleared."""
    session.set_drawing(digit)


def _uploaded_ink() -> np.ndarray | None:
    upload = st.file_uploader(
        "A picture of one digit (dark on light or light on dark)",
        type=UPLOAD_TYPES,
        key="digit_upload",
    )
    if upload is None:
        return None
    try:
        picture = _read_picture(upload.getvalue())
    except ImageError as error:
        st.warning(str(error))
        return None
    # The decoded, upright, shrunk picture: never the upload's own bytes, which
    # st.image would decode again (and fail on, for 16-bit PNGs).
    st.image(
        picture.preview,
        caption="Your picture",
        width=CANVAS_SIDE,
        alt="your uploaded picture, turned upright and shrunk",
    )
    if picture.noisy:
        st.warning(
            "This picture is mostly noise, so what was found in it may not be your digit. "
            "Try a sharper, evenly lit photo, with the digit filling most of it."
        )
    return picture.ink


@st.cache_data(max_entries=UPLOAD_CACHE_ENTRIES, show_spinner=False)
def _read_picture(data: bytes) -> Picture:
    """Each upload is decoded once, not on every rerun of the page."""
    return read_image(data)


def show_reconstruction(
    model: Autoencoder, digit: np.ndarray, *, pictures: bool = True, of: str = "your drawing"
) -> None:
    """The 28x28 input, its reconstruction, the error map, and how unusual the error is.

    ``pictures=False``: the live pad already shows the three pictures.
    """
    reconstruction = model.reconstruct(digit)
    # One row: a 28x28 array would read as 28 images of 28 pixels.
    error = float(metrics.bce_per_image(digit.reshape(1, -1), reconstruction.reshape(1, -1))[0])
    quantiles = model.record.get("metrics", {}).get("bce_quantiles")
    percentile = metrics.percentile_of(error, quantiles) if quantiles else None
    if pictures:
        things = f"{_dataset_noun(model)} test images"
        images = {
            describe.model_input(of): enlarge(digit),
            describe.reconstruction(of, error, percentile, things): enlarge(reconstruction),
            describe.error_map(digit, reconstruction, of): error_map(digit, reconstruction),
        }
        # One row even on a phone (st.columns would stack or scroll there): a third each.
        with st.container(horizontal=True, gap="small", wrap=False, width=IMAGES_WIDTH):
            for caption, (alt, image) in zip(CAPTIONS, images.items(), strict=True):
                st.container().image(image, caption=caption, width="stretch", alt=alt)
    if not quantiles or percentile is None:
        st.metric("Reconstruction error (BCE)", f"{error:.3f}")
        return
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
