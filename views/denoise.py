"""Denoise: a noisy image cleaned up by the seed's network and by a denoising autoencoder."""

from __future__ import annotations

import hashlib
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from autoencoder import denoising, describe, pictures, zoo
from autoencoder.artifact import ModelLoadError
from autoencoder.config import DATASET_LABELS, Config
from autoencoder.data import Split
from autoencoder.network import Autoencoder
from autoencoder.zoo import DEFAULT_NAME
from views import caching, computations, links, live, models, runs, session, sidebar, testset
from views.labels import NOISES
from views.links import Link

DENOISER = "denoise-32"
KINDS = {NOISES[kind].control: kind for kind in ("gaussian", "mask", "salt_pepper")}
NOISE_SEED = 0  # the same draw at every level: moving the slider only makes it stronger
CURVE_IMAGES = 500  # the first test images, scored at every level of the chart
LEVELS, LEVEL_STEP = (0.05, 1.0), 0.05  # the noise level slider's range and step
DEFAULT_KIND, DEFAULT_LEVEL = "Gaussian", 0.5
# The page's choices, in its URL: ?noise=masking&level=0.3&image=a-test-image&index=42
KIND = Link("noise", "denoise_kind")
LEVEL = Link("level", "denoise_level")
SOURCE = Link("image", "denoise_source")
INDEX = Link("index", "denoise_index")
SEED_LEGEND = f"{DEFAULT_NAME} (seed's)"
DENOISER_LEGEND = f"{DENOISER} (denoising)"
CHART_WIDTH = 640  # px, at most
RULE_LAYER = 1  # the chart's layers: the curves, then the rule at the chosen level
CURVE_COLOURS = ["#8c8c8c", "#1f77b4", "#d62728"]  # noisy input, seed's model, denoiser


def denoise_page() -> None:
    runs.toast_outcome()
    if sidebar.chosen_model() is None:
        return
    st.title("Denoise")
    try:
        seed_model = models.default_model()  # dense-32, the app's default: shared caches
    except ModelLoadError:
        st.error("The seed's model could not be loaded; restore `assets/model/`.")
        return
    name = seed_model.config.dataset
    things = DATASET_LABELS[name].split()[-1]  # digits, clothes
    st.write(
        f"Spoil an image, then let two networks clean it up. **{DEFAULT_NAME}**, the seed's "
        f"network, only ever saw clean {things}; **{DENOISER}** was trained to rebuild the "
        f"clean {things} from copies spoiled by {_noise_words(zoo.entry(DENOISER).config)}. "
        "PSNR (higher is better) compares each picture with the clean image."
    )
    denoiser = models.load_or_say((DENOISER,), called="The denoising model").get(DENOISER)
    test = testset.load_test_images(name)
    clean, image_id = _chosen_image(test)
    # Short captions: a caption wider than its picture would stretch the picture.
    shown = {DEFAULT_NAME: seed_model}
    if denoiser is not None:
        shown[DENOISER] = denoiser
    _noise_and_chart(shown, clean, image_id, name, things, with_chart=test is not None)


@st.fragment
def _noise_and_chart(
    shown: dict[str, Autoencoder],
    clean: np.ndarray | None,
    image_id: str,
    name: str,
    things: str,
    *,
    with_chart: bool,
) -> None:
    """The noise, the pictures and the chart over many images. A change of the noise reruns
    only this, not the page: at 60 visitors this page's reruns held the interpreter lock
    nearly half the time (py-spy), and the noise is what visitors change most here."""
    label, level = _noise_choice()
    kind = KINDS[label]
    # Live, the browser draws the kind, the level and the pictures, and says when they change.
    live_view = clean is not None and live.denoise(
        shown,
        clean,
        image_id=image_id,
        seed=NOISE_SEED,
        kind=kind,
        level=level,
        kinds=[
            {"kind": kind, "label": control, "meaning": f"The level is {NOISES[kind].level}."}
            for control, kind in KINDS.items()
        ],
        levels=(*LEVELS, LEVEL_STEP),
        on_change=_noise_chosen,
    )
    if not live_view:
        label, level = _noise_widgets()
        kind = KINDS[label]
        if clean is not None:
            _pictures(list(shown.items()), clean, label, kind, level)

    if with_chart:
        st.subheader("Over many images")
        chart, summary = _chart(name, kind, level, shown[DEFAULT_NAME], shown.get(DENOISER))
        # As wide as the page, up to its own: a fixed 560 px scrolled a phone's page sideways.
        with st.container(width=CHART_WIDTH):
            st.vega_lite_chart(chart, width="stretch")
        st.caption(summary)
        st.caption(
            f"PSNR of the mean squared error over the first {CURVE_IMAGES} test {things}, "
            "at each noise level (the same noise for every model). Above the noisy line, a "
            "model removes more noise than it adds blur."
        )


def _noise_choice() -> tuple[str, float]:
    """The noise kind's label and the level, from the session or the link, with no widget."""
    label = KIND.current(links.one_of(list(KINDS)), default=DEFAULT_KIND)
    level = LEVEL.current(links.number(*LEVELS, step=LEVEL_STEP), default=DEFAULT_LEVEL)
    return label, float(level)


def _noise_chosen(kind: str, level: float) -> None:
    """The live view's gesture ended: the chart's rule and the link follow (before the rerun)."""
    KIND.set(next(control for control, each in KINDS.items() if each == kind))
    low, step = LEVELS[0], LEVEL_STEP
    LEVEL.set(min(round(low + round((level - low) / step) * step, 6), LEVELS[1]))


def _noise_widgets() -> tuple[str, float]:
    """The server's noise kind and level, for a browser that does not run the live view."""
    noise_column, level_column = st.columns(2, gap="large")
    with KIND.linked(links.one_of(list(KINDS)), default=DEFAULT_KIND) as key:
        label = noise_column.segmented_control("Noise", list(KINDS), required=True, key=key)
    with LEVEL.linked(links.number(*LEVELS, step=LEVEL_STEP), default=DEFAULT_LEVEL) as key:
        level = level_column.slider("Noise level", *LEVELS, step=LEVEL_STEP, key=key)
    level_column.caption(f"The level is {NOISES[KINDS[label]].level}.")
    return label, level


def _pictures(
    shown: list[tuple[str, Autoencoder]], clean: np.ndarray, label: str, kind: str, level: float
) -> None:
    """The server's clean, noisy and cleaned-up pictures (the same noise as the live view's)."""
    result = denoising.restore([model for _, model in shown], clean, kind, level, NOISE_SEED)
    spoiled = f"{label.lower()} noise at level {level:g}"
    panels = [
        (clean, "Clean", "the clean image"),
        (
            result.noisy,
            f"Noisy: {result.noisy_psnr:.1f} dB",
            f"the image spoiled by {spoiled} (PSNR {result.noisy_psnr:.1f} dB)",
        ),
    ]
    panels += [
        (output, f"{title}: {psnr:.1f} dB", f"{title}'s clean-up of it (PSNR {psnr:.1f} dB)")
        for (title, _), output, psnr in zip(shown, result.outputs, result.output_psnrs, strict=True)
    ]
    for column, (picture, caption, words) in zip(st.columns(4), panels, strict=False):
        column.image(pictures.enlarge(picture, 6), caption=caption, alt=words)


def _noise_words(config: Config) -> str:
    """How a denoising model's training images were spoiled (its zoo entry says)."""
    if config.noise == "mask":
        return f"masking {config.noise_level:.0%} of their pixels"
    return f"Gaussian noise of standard deviation {config.noise_level:g}"


def _chosen_image(test: Split | None) -> tuple[np.ndarray | None, str]:
    """The clean image to spoil (a test image, by index or at random, or the drawing), and
    a name for it that changes when it does."""
    sources = ["A test image", "My drawing"] if test is not None else ["My drawing"]
    source_column, index_column, button_column = st.columns(
        [2, 1, 1], gap="large", vertical_alignment="bottom"
    )
    with SOURCE.linked(links.one_of(sources), default=sources[0]) as key:
        source = source_column.segmented_control("Image", sources, required=True, key=key)
    if source == "My drawing":
        INDEX.drop()  # not shown
        drawing = session.drawing()
        if drawing is None:
            st.info("Draw a digit on the **Draw** page first; it will show up here.")
            return None, "none"
        return drawing, f"drawing-{hashlib.sha1(np.ascontiguousarray(drawing)).hexdigest()[:12]}"
    assert test is not None
    last = len(test) - 1
    with INDEX.linked(links.integer(0, last), default=0) as key:
        index = index_column.number_input("Test image", 0, last, key=key)
    button_column.button(
        "Random image", icon=":material/shuffle:", on_click=_pick_random, args=(len(test),)
    )
    return testset.test_images(test, int(index)), f"test-{int(index)}"


def _pick_random(count: int) -> None:
    # A callback runs before the rerun, so it may still set the number input's value.
    INDEX.set(int(np.random.default_rng().integers(count)))


def _chart(
    name: str,
    kind: str,
    level: float,
    seed_model: Autoencoder,
    denoiser: Autoencoder | None,
) -> tuple[dict[str, Any], str]:
    """PSNR against the noise level: the noisy input and each model, a rule at ``level``
    (a Vega-Lite spec); and the chart in words."""
    levels = tuple(denoising.CURVE_LEVELS)
    curves = {"noisy input": _noisy_curve(name, kind)}
    curves[SEED_LEGEND] = _psnr_curve(seed_model, name, kind)
    if denoiser is not None:
        curves[DENOISER_LEGEND] = _psnr_curve(denoiser, name, kind)
    spec = _curves_spec(
        levels, {series: tuple(map(float, curve)) for series, curve in curves.items()}
    )
    spec["layer"][RULE_LAYER]["data"]["values"] = [{"level": level}]  # a copy: the cache's stays
    summary = describe.curves(
        f"Chart of PSNR against the {NOISES[kind].control.lower()} noise level",
        {series: (list(levels), curve) for series, curve in curves.items()},
        "level {x:g}",
        "dB",
    )
    return spec, summary


@st.cache_data(max_entries=24, show_spinner=False)
def _curves_spec(levels: tuple[float, ...], curves: dict[str, tuple[float, ...]]) -> dict[str, Any]:
    """The chart's Vega-Lite spec, its rule at the lowest level. Built by Altair once per
    set of curves, not on every move of the level: Altair's validation of a chart was most of
    this page's time on the server (py-spy, 60 visitors)."""
    table = pd.DataFrame(
        [
            {"level": lvl, "PSNR (dB)": psnr, "image": series}
            for series, curve in curves.items()
            for lvl, psnr in zip(levels, curve, strict=True)
        ]
    )
    lines = (
        alt.Chart(table)
        .mark_line(point=True)
        .encode(
            x=alt.X("level:Q", title="noise level"),
            y=alt.Y("PSNR (dB):Q", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "image:N",
                scale=alt.Scale(domain=list(curves), range=CURVE_COLOURS[: len(curves)]),
                title=None,
            ),
            tooltip=["image", "level", alt.Tooltip("PSNR (dB):Q", format=".1f")],
        )
    )
    # A data point, not a constant: Vega describes a mark drawn from a field to screen readers.
    rule = alt.Chart(alt.Data(values=[{"level": levels[0]}]))
    rule = rule.mark_rule(strokeDash=[4, 4]).encode(x="level:Q")
    return alt.layer(lines, rule).properties(height=260).to_dict()


@caching.by_model(shared_entries=12, session_entries=6, spinner="Scoring noisy test images ...")
def _psnr_curve(model: Autoencoder, name: str, kind: str) -> np.ndarray:
    levels = len(denoising.CURVE_LEVELS)
    # A visitor's costly model draws its curve from fewer images, in its turn.
    sample = computations.covered_images(model, name, CURVE_IMAGES, passes=levels, minimum=50)
    images = testset.test_images(testset.shared_test_split(name), sample.indices)
    with computations.heavy_pass(model, len(sample.indices) * levels):
        return denoising.psnr_by_level(model, images, kind, denoising.CURVE_LEVELS, NOISE_SEED)


@st.cache_data(max_entries=6, show_spinner=False)
def _noisy_curve(name: str, kind: str) -> np.ndarray:
    images = testset.test_images(testset.shared_test_split(name), slice(0, CURVE_IMAGES))
    return denoising.noisy_psnr_by_level(images, kind, denoising.CURVE_LEVELS, NOISE_SEED)


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    denoise_page()
