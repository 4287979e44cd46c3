"""Is it a digit? A model's reconstruction error as a detector of images unlike its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from autoencoder import detection, zoo
from autoencoder.config import DATASET_LABELS
from autoencoder.network import Autoencoder
from views import caching, computations, links, models, runs, session, sidebar, testset
from views.links import Link

if TYPE_CHECKING:  # imported where drawn: Altair and pandas cost the first page load
    import altair as alt

INSIDE, OUTSIDE = "mnist", "fashion_mnist"  # what the models learnt, and what they did not
OWN = "your model"  # the visitor's own model among the options: zoo names have no spaces
START_RATE = 0.05  # the threshold starts where it flags 5% of the test digits
BINS = 60
ROC_POINTS = 300  # drawn points of the ROC curve, of up to 20,001
STEP = 0.001  # of the threshold slider, in BCE
CLIP_QUANTILE = 0.99  # a linear histogram ends at this quantile of the clothes' errors
IN_COLOUR, OUT_COLOUR, MARK_COLOUR = "#4f46e5", "#ea580c", "#dc2626"
SCALES = ("Log", "Linear")  # of the histogram's error axis
# The page's choices, in its URL: ?detector=conv-32&threshold=0.105&scale=linear
DETECTOR = Link("detector", "detect_model")
THRESHOLD = Link("threshold", "detect_threshold")
SCALE = Link("scale", "detect_scale")


def detect_page() -> None:
    runs.toast_outcome()
    sidebar.chosen_model()
    st.title("Is it a digit?")
    digits, clothes = DATASET_LABELS[INSIDE], DATASET_LABELS[OUTSIDE]
    st.write(
        f"A model trained on {digits} rebuilds digits well and anything else badly, so its "
        f"reconstruction error can tell a digit from something else. Here it scores the 10,000 "
        f"{digits} test images (**in**) against the 10,000 {clothes} test images (**out**), "
        "neither seen in training. Above the threshold, an image is called *not a digit*."
    )
    model = _choose_model()
    if model is None:
        return
    if testset.load_test_images(INSIDE) is None or testset.load_test_images(OUTSIDE) is None:
        return
    found = _separation(model, INSIDE, OUTSIDE)

    low, high = _slider_range(found)
    start = float(np.clip(round(detection.threshold_for(found.inside, START_RATE), 3), low, high))
    _threshold_belongs_to(model)
    with THRESHOLD.linked(links.number(low, high, step=STEP), default=start) as key:
        threshold = st.slider(
            "Threshold (BCE): an error at or above it means “not a digit”",
            low, high, step=STEP, format="%.3f", key=key,
        )  # fmt: skip
    at = detection.rates(found.inside, found.outside, threshold)
    with st.container(horizontal=True):
        st.metric("Area under the ROC curve", f"{found.auc:.4f}", border=True)
        st.metric(
            "Digits called not a digit (false positives)",
            f"{at.false_positive_rate:.1%}",
            border=True,
        )
        st.metric("Clothes caught (detection rate)", f"{at.detection_rate:.1%}", border=True)

    drawing = session.drawing()
    drawn = None if drawing is None else float(detection.scores(model, drawing.reshape(1, -1))[0])
    _verdict(drawn, threshold, found)

    with SCALE.linked(links.one_of(SCALES), default=SCALES[0]) as key:
        scale = st.segmented_control("Error axis", SCALES, required=True, key=key)
    histogram, roc = st.columns([3, 2], gap="medium")
    with histogram:
        _histogram_chart(found, threshold, drawn, log=scale == "Log")
    with roc:
        _roc_chart(found, at)
    st.caption(
        "Left: the share of each test set at each error. Right: every threshold at once, from "
        "flagging nothing (bottom left) to flagging everything (top right); the dot is the "
        "slider's. An area of 1 is a perfect detector, 0.5 a coin toss."
    )


def _choose_model() -> Autoencoder | None:
    """The model picked among the zoo's MNIST models (and the visitor's own)."""
    catalog = {
        name: f"{name} · {entry['kind']}, code {entry['latent_dim']}"
        for name, entry in models.manifest().items()
        if entry["dataset"] == INSIDE
    }
    catalog.setdefault(zoo.DEFAULT_NAME, f"{zoo.DEFAULT_NAME} · dense, code 32")  # shipped
    own = session.own_model()
    if own is not None and own.config.dataset == INSIDE:
        catalog[OWN] = f"{OWN} · {own.config.kind}, code {own.latent_dim}"
    elif own is not None:
        st.caption(
            f"Your own model learnt {DATASET_LABELS[own.config.dataset]}, so it is not here."
        )
    names = list(catalog)
    with DETECTOR.linked(links.one_of(names), default=zoo.DEFAULT_NAME) as key:
        name = st.selectbox("Model", names, format_func=catalog.__getitem__, key=key)
    if name == OWN:
        return own
    return models.load(name)  # dense-32 is the shipped model, even before the zoo is built


def _threshold_belongs_to(model: Autoencoder) -> None:
    """Another model (picked, or the visitor's own retrained) starts from its own threshold.

    The slider's range follows the model, and a slider whose range changes would
    otherwise fall back to its lowest value, not to the model's start.
    """
    if session.threshold_model_changed(model.fingerprint) and THRESHOLD.is_set():
        THRESHOLD.forget()


@caching.by_model(
    shared_entries=len(zoo.ZOO), session_entries=8, spinner="Scoring 20,000 test images ..."
)
def _separation(model: Autoencoder, inside: str, outside: str) -> detection.Separation:
    """Every test image's error under ``model`` (a visitor's costly model: a sample of
    each set, in its turn), both sets, and the ROC curve they give."""
    scored = []
    for name in (inside, outside):
        sample = computations.covered_images(model, name, passes=2)
        pixels = testset.stored_pixels(testset.shared_test_split(name))
        with computations.heavy_pass(model, len(sample.indices)):
            scored.append(detection.scores(model, pixels[sample.indices]))
    return detection.separation(*scored, ROC_POINTS)


def _slider_range(found: detection.Separation) -> tuple[float, float]:
    """From the lowest score to where a threshold stops mattering: past every digit's
    error, or the typical clothes' error if that is higher; rounded outwards to the step."""
    low = np.floor(min(found.inside.min(), found.outside.min()) / STEP) * STEP
    top = max(found.inside.max(), np.median(found.outside))
    high = max(np.ceil(top / STEP) * STEP, low + STEP)
    return round(float(low), 3), round(float(high), 3)


def _verdict(drawn: float | None, threshold: float, found: detection.Separation) -> None:
    if drawn is None:
        st.caption(
            "Draw something on the **Draw** page, a digit or not, to see it placed on the "
            "histogram with a verdict."
        )
        return
    share = float(np.mean(found.inside < drawn))
    figures = (
        f"its error {drawn:.3f} is {'at or above' if drawn >= threshold else 'below'} the "
        f"threshold {threshold:.3f}, and higher than that of {share:.0%} of the test digits."
    )
    if detection.flagged(drawn, threshold):
        st.warning(f"**Your drawing: not a digit.** The model says so because {figures}")
    else:
        st.success(f"**Your drawing looks like a digit.** The model says so because {figures}")


def _histogram_chart(
    found: detection.Separation, threshold: float, drawn: float | None, *, log: bool
) -> None:
    import altair as alt
    import pandas as pd

    # On a linear axis, the rare huge errors share the last bar (see detection.histogram).
    upper = None if log else float(np.quantile(found.outside, CLIP_QUANTILE))
    bins = detection.histogram(found.inside, found.outside, BINS, log=log, upper=upper)
    sets = {
        f"in: {DATASET_LABELS[INSIDE]}": bins.inside,
        f"out: {DATASET_LABELS[OUTSIDE]}": bins.outside,
    }
    frame = pd.DataFrame(
        [
            {"set": label, "from": bins.edges[i], "to": bins.edges[i + 1], "share": share}
            for label, shares in sets.items()
            for i, share in enumerate(shares)
        ]
    )
    x = alt.X(
        "from:Q",
        scale=alt.Scale(type="log" if log else "linear", zero=False, nice=False),
        title=f"reconstruction error (BCE{', log scale' if log else ''})",
    )
    bars = (
        alt.Chart(frame)
        .mark_rect(opacity=0.55)  # a rect from (from, 0) to (to, share): bars of any width
        .encode(
            x=x,
            x2="to:Q",
            y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of the set"),
            y2=alt.datum(0),
            color=alt.Color(
                "set:N",
                scale=alt.Scale(domain=list(sets), range=[IN_COLOUR, OUT_COLOUR]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[
                "set",
                alt.Tooltip("from:Q", format=".3f"),
                alt.Tooltip("to:Q", format=".3f"),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
    )
    layers = [bars, _mark(threshold, "threshold", dashed=False, line=0)]
    if drawn is not None:
        layers.append(_mark(drawn, "your drawing", dashed=True, line=1))
    st.altair_chart(alt.layer(*layers).properties(height=320), width="stretch")


def _mark(at: float, what: str, *, dashed: bool, line: int) -> alt.LayerChart:
    """A labelled vertical line at error ``at``; ``line`` stacks the labels so they never
    overlap."""
    import altair as alt
    import pandas as pd

    rule = alt.Chart(pd.DataFrame({"error": [at], "what": [what]})).encode(
        x="error:Q", tooltip=["what", alt.Tooltip("error:Q", format=".3f")]
    )
    return alt.layer(
        rule.mark_rule(color=MARK_COLOUR, strokeWidth=2, strokeDash=[4, 3] if dashed else [1, 0]),
        rule.mark_text(
            align="left", baseline="top", dx=4, y=2 + 14 * line, color=MARK_COLOUR
        ).encode(text="what"),
    )


def _roc_chart(found: detection.Separation, at: detection.Rates) -> None:
    import altair as alt
    import pandas as pd

    curve = found.roc
    frame = pd.DataFrame(
        {
            "false positives": curve.false_positive_rate,
            "detected": curve.detection_rate,
            "threshold": curve.thresholds,
        }
    ).replace(np.inf, None)  # the first point flags nothing: no finite threshold
    x = alt.X("false positives:Q", axis=alt.Axis(format="%"), title="digits flagged")
    y = alt.Y("detected:Q", axis=alt.Axis(format="%"), title="clothes caught")
    line = (
        alt.Chart(frame)
        .mark_line(color=IN_COLOUR)
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("threshold:Q", format=".3f"),
                alt.Tooltip("false positives:Q", format=".1%"),
                alt.Tooltip("detected:Q", format=".1%"),
            ],
        )
    )
    chance = (
        alt.Chart(pd.DataFrame({"false positives": [0, 1], "detected": [0, 1]}))
        .mark_line(color="#9ca3af", strokeDash=[4, 3])
        .encode(x=x, y=y)
    )
    here = (
        alt.Chart(
            pd.DataFrame(
                {"false positives": [at.false_positive_rate], "detected": [at.detection_rate]}
            )
        )
        .mark_point(filled=True, size=120, color=MARK_COLOUR)
        .encode(x=x, y=y)
    )
    chart = alt.layer(chance, line, here).properties(
        height=320, title=f"ROC curve, area {found.auc:.4f}"
    )
    st.altair_chart(chart, width="stretch")


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    detect_page()
