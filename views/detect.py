"""Is it a digit? Three scores of how unlike its training set an image is, both ways."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from autoencoder import detection, detection_summary, detectors, zoo
from autoencoder.config import DATASET_LABELS
from autoencoder.detection_summary import ModelDetection, ScoreSummary
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder
from views import caching, computations, links, live, models, runs, session, sidebar, testset
from views.links import Link

if TYPE_CHECKING:  # imported where drawn: Altair and pandas cost the first page load
    import altair as alt

OWN = "your model"  # the visitor's own model among the options: zoo names have no spaces
START_RATE = 0.05  # the threshold starts where it flags 5% of the "in" test images
BINS = 60
STEP = 0.001  # of the threshold slider, in bits per pixel
TAIL = 0.005  # the histogram spans each set's middle 99% (the tails join the end bars)
BARELY = 0.6  # an AUC from 0.5 to this "barely beats a coin toss"
MIDDLE = (0.05, 0.95)  # "mostly between": each set's middle 90%, in the charts' words
# In and out differ in hue and lightness (indigo, orange: apart for every colour vision),
# in the bars' outline (solid, dashed) and by name in the legend. Text on white is 4.5:1+.
IN_COLOUR, OUT_COLOUR, MARK_COLOUR = "#4338ca", "#c2410c", "#b91c1c"
TEXT_COLOUR = "#374151"  # the charts' axis words: Vega's grey (#888) is 3.5:1 on white
SCALES = ("Log", "Linear")  # of the histogram's axis, for the error (the only positive score)
NAMES = {
    "error": "Reconstruction error",
    "ratio": "Likelihood ratio",
    "complexity": "Complexity-corrected",
}
# The page's choices, in its URL: ?detector=fashion-conv-32&score=ratio&threshold=0.1
DETECTOR = Link("detector", "detect_model")
SCORE = Link("score", "detect_score")
THRESHOLD = Link("threshold", "detect_threshold")
SCALE = Link("scale", "detect_scale")


@dataclass(frozen=True)
class Words:
    """How the page speaks of one dataset's images."""

    plural: str  # "digits"
    one: str  # "a digit"
    question: str

    @property
    def unlike(self) -> str:
        return f"not {self.one}"


WORDS = {
    "mnist": Words("digits", "a digit", "Is it a digit?"),
    "fashion_mnist": Words("clothes", "a piece of clothing", "Is it a piece of clothing?"),
}


@dataclass(frozen=True)
class Figures:
    """A model's detector figures and where they come from."""

    found: ModelDetection
    images: tuple[int, int] | None  # scored here: how many "in" and "out"; None: shipped


def detect_page() -> None:
    runs.toast_outcome()
    sidebar.chosen_model()
    st.title("Is it a digit?")
    chosen = _choose_model()
    if chosen is None:
        return
    name, model = chosen
    inside = model.config.dataset
    outside = detection_summary.OTHER[inside]
    ours, theirs = WORDS[inside], WORDS[outside]
    st.markdown(
        f"**{ours.question}** A model trained on {DATASET_LABELS[inside]} rebuilds images "
        f"like them well and others badly, so how badly it rebuilds an image can say whether "
        f"it is {ours.one}. Here each score rates the 10,000 {DATASET_LABELS[inside]} test "
        f"images (**in**) against the 10,000 {DATASET_LABELS[outside]} test images (**out**), "
        f"neither seen in training. At or above the threshold, an image is called "
        f"*{ours.unlike}*."
    )
    figures = _figures(name, model)
    if figures is None:
        return
    found = figures.found
    if figures.images is not None:
        st.markdown(
            f"Scored here, on {figures.images[0]:,} {ours.plural} and {figures.images[1]:,} "
            f"{theirs.plural} of the test sets."
            + ("" if "ratio" in found.scores else _no_ratio(inside))
        )

    score = _choose_score(found)
    summary = found.scores[score]
    st.markdown(f"*{NAMES[score]}*: {_meaning(score, inside)}")
    drawn = _drawing_score(model, score)
    explanation = f"**{NAMES[score]} {_how_well(summary)} here.** " + found.explanation(score)
    if live.runs():  # the browser moves the threshold, the rates, the verdict and the marks
        st.markdown(explanation)
        if drawn is None:
            _verdict(drawn, 0.0, summary, score, ours)  # where to draw something
        log = _scale_choice(score)
        threshold = _live_threshold(name, model, found, score, drawn, log=log)
        at = summary.rates(threshold)
        histogram, roc = st.columns([3, 2], gap="medium")
        histogram.markdown(_histogram_words(found, summary, at, drawn))
        roc.markdown(_roc_words(found, summary, at))
    else:
        threshold = _threshold_slider(name, model, score, summary, ours)
        at = summary.rates(threshold)
        with st.container(horizontal=True):
            st.metric("Area under the ROC curve", f"{summary.auc:.4f}", border=True)
            st.metric(_false_positive_label(ours), f"{at.false_positive_rate:.1%}", border=True)
            st.metric(_detection_label(theirs), f"{at.detection_rate:.1%}", border=True)
        st.markdown(explanation)

        _verdict(drawn, threshold, summary, score, ours)

        log = _scale_choice(score)
        histogram, roc = st.columns([3, 2], gap="medium")
        with histogram:
            _histogram_chart(found, summary, threshold, drawn, log=log)
            st.markdown(_histogram_words(found, summary, at, drawn))
        with roc:
            _roc_chart(found, summary, at)
            st.markdown(_roc_words(found, summary, at))
        # Mounted, empty, so that this browser can report that it runs the live view.
        _live_threshold(name, model, found, score, drawn, log=log)

    st.subheader("All three scores, both ways")
    _auc_table(name, found, figures.images is not None)


def _choose_model() -> tuple[str, Autoencoder] | None:
    """The model picked among the zoo's models of digits and of clothes (and the visitor's
    own), with its name."""
    catalog = {
        name: f"{name} · {entry['kind']}, code {entry['latent_dim']}, "
        f"trained on {WORDS[entry['dataset']].plural}"
        for name, entry in models.manifest().items()
        if entry["dataset"] in WORDS
    }
    catalog.setdefault(zoo.DEFAULT_NAME, f"{zoo.DEFAULT_NAME} · dense, code 32, trained on digits")
    own = session.own_model()
    if own is not None and own.config.dataset in WORDS:
        catalog[OWN] = f"{OWN} · {own.config.kind}, code {own.latent_dim}, trained on " + (
            WORDS[own.config.dataset].plural
        )
    elif own is not None:
        st.markdown(
            "Your own model learnt your own images, so it is not here: this page needs a model "
            "of MNIST digits or Fashion-MNIST clothes."
        )
    names = list(catalog)
    with DETECTOR.linked(links.one_of(names), default=zoo.DEFAULT_NAME) as key:
        name = st.selectbox("Model", names, format_func=catalog.__getitem__, key=key)
    if name == OWN:
        return name, own
    model = models.load(name)  # dense-32 is the shipped model, even before the zoo is built
    return None if model is None else (name, model)


def _figures(name: str, model: Autoencoder) -> Figures | None:
    """A zoo model's shipped figures; a visitor's model (or a zoo model the file misses)
    scored here, on as many test images as its fair share allows."""
    shipped = None if name == OWN else detection_summary.read(name)
    if shipped is not None:
        return Figures(shipped, None)
    inside = model.config.dataset
    for dataset in (inside, detection_summary.OTHER[inside]):
        if testset.load_test_images(dataset) is None:
            return None
    found, counts = _computed(model, name)
    return Figures(found, counts)


@caching.by_model(
    shared_entries=len(zoo.ZOO), session_entries=8, spinner="Scoring the test images ..."
)
def _computed(model: Autoencoder, name: str) -> tuple[ModelDetection, tuple[int, int]]:
    """Every score of the test images under ``model`` (a visitor's costly model: a sample of
    each set, in its turn); the background's errors and the PNG sizes are shared."""
    inside = model.config.dataset
    scored, counts = [], []
    for dataset in (inside, detection_summary.OTHER[inside]):
        sample = computations.covered_images(model, dataset, passes=2)
        pixels = testset.stored_pixels(testset.shared_test_split(dataset))[sample.indices]
        with computations.heavy_pass(model, len(sample.indices)):
            error = detectors.error_bits(model, pixels)
        background_error, png = _shared_parts(inside, dataset)
        scores = {"error": error, "complexity": error - png[sample.indices]}
        if background_error is not None:
            scores["ratio"] = error - background_error[sample.indices]
        scored.append(scores)
        counts.append(len(sample.indices))
    return detection_summary.from_scores(name, inside, *scored), (counts[0], counts[1])


@st.cache_resource(max_entries=4, show_spinner="Measuring the test images' PNG sizes ...")
def _shared_parts(trained_on: str, dataset: str) -> tuple[np.ndarray | None, np.ndarray]:
    """The background's error and the PNG size (bits per pixel) of every test image of
    ``dataset``: the same for every model of ``trained_on``, so once per process (2 s)."""
    pixels = testset.stored_pixels(testset.shared_test_split(dataset))
    background = _background(trained_on)
    background_error = None if background is None else detectors.error_bits(background, pixels)
    return background_error, detectors.png_bits(pixels)


def _background(trained_on: str) -> Autoencoder | None:
    """The zoo's PCA of the training set, if this copy of the app has built it."""
    try:
        return models.zoo_model(detectors.BACKGROUND[trained_on])
    except (KeyError, OSError, AutoencoderError):
        return None


def _no_ratio(trained_on: str) -> str:
    return (
        f" The likelihood ratio needs the background model {detectors.BACKGROUND[trained_on]}, "
        "which this copy of the app has not built (`python -m autoencoder zoo build --only "
        f"{detectors.BACKGROUND[trained_on]}`), so it is left out."
    )


def _choose_score(found: ModelDetection) -> str:
    offered = [score for score in detectors.SCORES if score in found.scores]
    if SCORE.is_set() and SCORE.value() not in offered:
        SCORE.forget()  # the ratio, chosen for a model that has one
    with SCORE.linked(links.one_of(offered), default=offered[0]) as key:
        return st.segmented_control(
            "Score", offered, format_func=NAMES.__getitem__, required=True, key=key
        )


def _how_well(summary: ScoreSummary) -> str:
    if summary.fails:
        return "fails"
    return "barely beats a coin toss" if summary.auc < BARELY else "works"


def _meaning(score: str, trained_on: str) -> str:
    background = detectors.BACKGROUND.get(trained_on, "")
    return {
        "error": "the model's reconstruction error, in bits per pixel.",
        "ratio": f"the model's error minus that of {background}, a PCA of the same training "
        "images: what any model finds easy cancels out.",
        "complexity": "the model's error minus the image's PNG size, both in bits per pixel: "
        "a simple image is charged only for what it costs beyond its size.",
    }[score]


def _threshold_start(name: str, model: Autoencoder, score: str, summary: ScoreSummary) -> float:
    """Where the chosen score's threshold starts: where it flags 5% of the "in" images.

    Another model or score starts from its own threshold: the slider's range follows
    them, and a slider whose range changes would fall back to its lowest value.
    """
    low, high = _slider_range(summary)
    which = f"{_which(name, model)}/{score}"
    if session.threshold_model_changed(which) and THRESHOLD.is_set():
        THRESHOLD.forget()
    return float(np.clip(round(summary.threshold_for(START_RATE), 3), low, high))


def _which(name: str, model: Autoencoder) -> str:
    return name if name != OWN else model.fingerprint


def _threshold_label(ours: Words) -> str:
    return f"Threshold (bits per pixel): a score at or above it means “{ours.unlike}”"


def _threshold_slider(
    name: str, model: Autoencoder, score: str, summary: ScoreSummary, ours: Words
) -> float:
    """The server's threshold slider (the live view draws its own)."""
    start = _threshold_start(name, model, score, summary)
    low, high = _slider_range(summary)
    with THRESHOLD.linked(links.number(low, high, step=STEP), default=start) as key:
        return st.slider(
            _threshold_label(ours), low, high, step=STEP, format="%.3f", key=key,
        )  # fmt: skip


def _false_positive_label(ours: Words) -> str:
    return f"{ours.plural.capitalize()} called {ours.unlike} (false positives)"


def _detection_label(theirs: Words) -> str:
    return f"{theirs.plural.capitalize()} caught (detection rate)"


def _scale_choice(score: str) -> bool:
    """The histogram's axis: log (the error's, by choice) or linear."""
    if score != "error":
        SCALE.drop()  # the other scores go below zero: no log axis, nor its choice in the URL
        return False
    with SCALE.linked(links.one_of(SCALES), default=SCALES[0]) as key:
        return st.segmented_control("Score axis", SCALES, required=True, key=key) == "Log"


def _live_threshold(
    name: str,
    model: Autoencoder,
    found: ModelDetection,
    score: str,
    drawn: float | None,
    *,
    log: bool,
) -> float:
    """The threshold, its rates, the verdict and both charts' marks in the browser (an empty
    element until this browser reports it runs the view); the threshold, as Python has it."""
    summary = found.scores[score]
    start = _threshold_start(name, model, score, summary)
    low, high = _slider_range(summary)
    threshold = THRESHOLD.current(links.number(low, high, step=STEP), default=start)
    ours, theirs = WORDS[found.inside], WORDS[found.outside]
    bins = _bins(summary, [threshold] + ([] if drawn is None else [drawn]), log=log)
    rates = summary.rates
    live.threshold(
        view_id=f"{_which(name, model)}-{score}-{log}-{drawn}",
        threshold=threshold,
        bounds=(low, high, STEP),
        rates=lambda at: (rates(at).false_positive_rate, rates(at).detection_rate),
        histogram={"edges": bins.edges, "inside": bins.inside, "outside": bins.outside, "log": log},
        roc=(summary.roc.false_positive_rate, summary.roc.detection_rate),
        drawn=drawn,
        drawn_share=0.0 if drawn is None else summary.percentile(drawn) / 100,
        words={
            "threshold_label": _threshold_label(ours),
            "auc": summary.auc,
            "auc_label": "Area under the ROC curve",
            "false_positive_label": _false_positive_label(ours),
            "detection_label": _detection_label(theirs),
            "error_axis": _axis_title(summary, log),
            "legend": list(_set_names(found)),
            "drawn_label": "your drawing",
            "threshold_mark": "threshold",
            "roc_x": f"{ours.plural} flagged",
            "roc_y": f"{theirs.plural} caught",
            "roc_title": "ROC curve, area",
            "histogram_label": f"Histogram of the {NAMES[score].lower()} of the {ours.plural} "
            f"(in) and the {theirs.plural} (out)",
            "verdict_in": f"Your drawing looks like {ours.one}.",
            "verdict_out": f"Your drawing: {ours.unlike}.",
            "ours": ours.plural,
            "theirs": theirs.plural,
            "colours": {"inside": IN_COLOUR, "outside": OUT_COLOUR, "mark": MARK_COLOUR},
        },
        on_change=THRESHOLD.set,
    )
    return threshold


def _slider_range(summary: ScoreSummary) -> tuple[float, float]:
    """From the lowest score to where a threshold stops mattering: past every "in" score,
    or the typical "out" score if that is higher; rounded outwards to the step."""
    low = np.floor(min(summary.quantile("inside", 0), summary.quantile("outside", 0)) / STEP)
    top = max(summary.quantile("inside", 1), summary.quantile("outside", 0.5))
    high = max(np.ceil(top / STEP), low + 1)
    return round(float(low * STEP), 3), round(float(high * STEP), 3)


def _drawing_score(model: Autoencoder, score: str) -> float | None:
    """The visitor's drawing's value of ``score`` under ``model`` (None: nothing drawn, or
    the ratio's background is not built, which the page then says)."""
    drawing = session.drawing()
    if drawing is None:
        return None
    image = np.asarray(drawing).reshape(1, -1)
    background = _background(model.config.dataset) if score == "ratio" else None
    if score == "ratio" and background is None:  # the shipped figures outlived the zoo build
        st.markdown(
            f"Your drawing's likelihood ratio needs the background model "
            f"{detectors.BACKGROUND[model.config.dataset]}, which this copy of the app has not "
            "built: choose another score to place it."
        )
        return None
    values = detectors.combine(
        detectors.error_bits(model, image),
        np.zeros(1) if background is None else detectors.error_bits(background, image),
        detectors.png_bits(image),
    )
    return float(values[score][0])


def _verdict(
    drawn: float | None, threshold: float, summary: ScoreSummary, score: str, ours: Words
) -> None:
    if drawn is None:
        if session.drawing() is None:
            st.markdown(
                f"Draw something on the **Draw** page, {ours.one} or not, to see it placed on "
                "the histogram with a verdict."
            )
        return
    figures = (
        f"its {NAMES[score].lower()} {drawn:.3f} is "
        f"{'at or above' if drawn >= threshold else 'below'} the threshold {threshold:.3f}, "
        f"and higher than that of {summary.percentile(drawn):.0f}% of the test {ours.plural}."
    )
    if detection.flagged(drawn, threshold):
        st.warning(f"**Your drawing: {ours.unlike}.** The model says so because {figures}")
    else:
        st.success(f"**Your drawing looks like {ours.one}.** The model says so because {figures}")


def _set_names(found: ModelDetection) -> tuple[str, str]:
    return f"in: {DATASET_LABELS[found.inside]}", f"out: {DATASET_LABELS[found.outside]}"


def _histogram_chart(
    found: ModelDetection,
    summary: ScoreSummary,
    threshold: float,
    drawn: float | None,
    *,
    log: bool,
) -> None:
    import altair as alt
    import pandas as pd

    bins = _bins(summary, [threshold] + ([] if drawn is None else [drawn]), log=log)
    sets = dict(zip(_set_names(found), (bins.inside, bins.outside), strict=True))
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
        title=_axis_title(summary, log),
    )
    legend = alt.Legend(orient="top", title=None, columns=1)  # side by side they overflow 320 px
    bars = (
        alt.Chart(frame)
        .mark_rect(opacity=0.5, strokeWidth=1.5)  # a rect from (from, 0) to (to, share)
        .encode(
            x=x,
            x2="to:Q",
            y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of the set"),
            y2=alt.datum(0),
            color=alt.Color(
                "set:N",
                scale=alt.Scale(domain=list(sets), range=[IN_COLOUR, OUT_COLOUR]),
                legend=legend,
            ),
            stroke=alt.Stroke(
                "set:N",
                scale=alt.Scale(domain=list(sets), range=[IN_COLOUR, OUT_COLOUR]),
                legend=None,
            ),
            strokeDash=alt.StrokeDash(
                "set:N", scale=alt.Scale(domain=list(sets), range=[[1, 0], [4, 2]]), legend=None
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
    chart = alt.layer(*layers).properties(
        height=320,
        description=_histogram_words(found, summary, summary.rates(threshold), drawn),
    )
    st.altair_chart(_legible(chart), width="stretch")


def _bins(summary: ScoreSummary, marks: list[float], *, log: bool) -> detection.Histogram:
    """The histogram's bins: over each set's middle 99% and the marks, log or linear."""
    low = min(summary.quantile("inside", TAIL), summary.quantile("outside", TAIL), *marks)
    high = max(summary.quantile("inside", 1 - TAIL), summary.quantile("outside", 1 - TAIL), *marks)
    if log:
        low = max(low, 1e-4)  # an error is positive; the floor guards the logarithm
        edges = np.geomspace(low, max(high, low * 1.01), BINS + 1)
    else:
        edges = np.linspace(low, max(high, low + 1e-6), BINS + 1)
    return summary.shares(edges)


def _axis_title(summary: ScoreSummary, log: bool) -> str:
    return f"{NAMES[summary.score].lower()} (bits per pixel{', log scale' if log else ''})"


def _mark(at: float, what: str, *, dashed: bool, line: int) -> alt.LayerChart:
    """A labelled vertical line at score ``at``; ``line`` stacks the labels so they never
    overlap."""
    import altair as alt
    import pandas as pd

    rule = alt.Chart(pd.DataFrame({"score": [at], "what": [what]})).encode(
        x="score:Q", tooltip=["what", alt.Tooltip("score:Q", format=".3f")]
    )
    return alt.layer(
        rule.mark_rule(color=MARK_COLOUR, strokeWidth=2, strokeDash=[4, 3] if dashed else [1, 0]),
        rule.mark_text(
            align="left", baseline="top", dx=4, y=2 + 14 * line, color=MARK_COLOUR
        ).encode(text="what"),
    )


def _histogram_words(
    found: ModelDetection, summary: ScoreSummary, at: detection.Rates, drawn: float | None
) -> str:
    """The histogram in words: where each set mostly lies, what the threshold does."""
    ours, theirs = WORDS[found.inside], WORDS[found.outside]

    def spread(which: str) -> str:
        low, high = (summary.quantile(which, share) for share in MIDDLE)
        return f"between {low:.3f} and {high:.3f}"

    words = (
        f"{ours.plural.capitalize()}' scores mostly lie {spread('inside')} bits per pixel, "
        f"{theirs.plural}' {spread('outside')} (the middle 90% of each); the threshold "
        f"{at.threshold:.3f} flags {at.false_positive_rate:.0%} of {ours.plural} and catches "
        f"{at.detection_rate:.0%} of {theirs.plural}."
    )
    if drawn is not None:
        words += (
            f" Your drawing scores {drawn:.3f}, above {summary.percentile(drawn):.0f}% of the "
            f"test {ours.plural}."
        )
    return words


def _roc_chart(found: ModelDetection, summary: ScoreSummary, at: detection.Rates) -> None:
    import altair as alt
    import pandas as pd

    curve = summary.roc
    frame = pd.DataFrame(
        {
            "false positives": curve.false_positive_rate,
            "detected": curve.detection_rate,
            "threshold": curve.thresholds,
        }
    ).replace(np.inf, None)  # the first point flags nothing: no finite threshold
    ours, theirs = WORDS[found.inside], WORDS[found.outside]
    x = alt.X("false positives:Q", axis=alt.Axis(format="%"), title=f"{ours.plural} flagged")
    y = alt.Y("detected:Q", axis=alt.Axis(format="%"), title=f"{theirs.plural} caught")
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
        .mark_line(color="#6b7280", strokeDash=[4, 3])
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
        height=320,
        title=f"ROC curve, area {summary.auc:.4f}",
        description=_roc_words(found, summary, at),
    )
    st.altair_chart(_legible(chart), width="stretch")


def _legible(chart: alt.LayerChart) -> alt.LayerChart:
    """Axis and legend words dark enough to read (4.5:1 or more on white)."""
    return chart.configure_axis(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR).configure_legend(
        labelColor=TEXT_COLOUR
    )


def _roc_words(found: ModelDetection, summary: ScoreSummary, at: detection.Rates) -> str:
    ours, theirs = WORDS[found.inside], WORDS[found.outside]
    side = "above" if summary.auc >= 0.5 else "below"
    return (
        f"The ROC curve traces every threshold, from flagging nothing to flagging everything; "
        f"its area is {summary.auc:.3f} (1 is a perfect detector, 0.5 a coin toss, whose "
        f"curve is the dashed diagonal). It runs mostly {side} the diagonal. The dot is the "
        f"slider's threshold: {at.false_positive_rate:.0%} of {ours.plural} flagged, "
        f"{at.detection_rate:.0%} of {theirs.plural} caught."
    )


def _auc_table(name: str, found: ModelDetection, scored_here: bool) -> None:
    """Each score's AUC for the chosen model and its twin of the other dataset, and why
    the failing ones fail."""
    import pandas as pd

    rows = [found]
    other = None if name == OWN else detection_summary.twin(name, list(models.manifest()))
    twin = None if other is None else detection_summary.read(other)
    if twin is not None:
        rows.append(twin)
    table = pd.DataFrame(
        [
            {
                "model": item.name + (" (scored here)" if scored_here and item is found else ""),
                "in → out": f"{WORDS[item.inside].plural} → {WORDS[item.outside].plural}",
                **{
                    NAMES[score]: f"{item.scores[score].auc:.3f}" if score in item.scores else "n/a"
                    for score in detectors.SCORES
                },
            }
            for item in rows
        ]
    )
    st.table(table.set_index("model"))
    said = []
    for item in rows:
        ours, theirs = WORDS[item.inside], WORDS[item.outside]
        failing = [score for score, figures in item.scores.items() if figures.fails]
        working = [NAMES[score].lower() for score in item.scores if score not in failing]
        line = f"- **{item.name}, {ours.plural} → {theirs.plural}:** " + (
            " ".join(f"{NAMES[score]} fails: {item.explanation(score)}" for score in failing)
            or "no score fails."
        )
        if failing and working:
            line += f" Here, {' and '.join(working)} {'does' if len(working) == 1 else 'do'} "
            line += "the job."
        said.append(line)
    if twin is None and name != OWN:
        said.append(
            f"- {name} has no twin trained on the other dataset in the zoo; "
            "conv-32 and fashion-conv-32 are one such pair."
        )
    st.markdown(
        "An AUC is the chance that a random *out* image scores above a random *in* one: below "
        "0.5, the score finds the strangers more familiar than the images it was trained on.\n\n"
        + "\n".join(said)
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    detect_page()
