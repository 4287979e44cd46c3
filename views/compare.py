"""Models side by side: the same inputs through each, their test figures, and how the
reconstruction improves with the code size (rate against distortion)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from autoencoder import describe, manifest, metrics, pictures, zoo
from autoencoder.artifact import ModelLoadError
from autoencoder.config import DATASET_LABELS, IMAGE_SIDE
from autoencoder.data import Split
from autoencoder.network import Autoencoder
from views import (
    caching,
    computations,
    links,
    live,
    models,
    picker,
    runs,
    session,
    sidebar,
    testset,
)
from views.links import Link

if TYPE_CHECKING:  # imported where drawn: Altair and pandas cost the first page load
    import altair as alt
    import pandas as pd

OWN = "your model"  # the visitor's own model among the options: zoo names have no spaces
PREFERRED = ("dense-32", "conv-32", "pca-32")  # one of each family, all with a code of 32
MAX_MODELS = 4  # more rows, and the grid no longer fits a screen
DRAWING, WORST = "My drawing", "Worst of the first model"
SOURCES = (DRAWING, *picker.WAYS, WORST)
# The page's choices, in its URL: ?models=dense-32,vae-32&inputs=by-class&class=3&count=8
MODELS = Link("models", "compare_models")
SOURCE = Link("inputs", "compare_source")
COUNT = Link("count", "compare_count")
INDEX = Link("index", "compare_index")
CLASS = Link("class", "compare_class")
PICKER = picker.PickerLinks(index=INDEX, label=CLASS, seed=session.COMPARE_SEED)
ZOOM = 3  # 28 px -> 84 px per image
GAP = 4
LABEL_WIDTH = 120  # px for the row names on the left: "fashion-conv-32" fits
MAX_IMAGES = 8  # columns of the grid: wider, and the page shrinks it unreadably
# One colour per series, the same on every chart; PCA is the grey reference.
SERIES_COLOURS = {
    "dense": "#4f46e5",
    "conv": "#ea580c",
    "vae": "#16a34a",
    "deep": "#9333ea",
    "denoise": "#0891b2",
    "pca": "#6b7280",
    "fashion-conv": "#db2777",
    OWN: "#dc2626",
}
OTHER_COLOUR = "#374151"  # a series added to the zoo later, until it gets a colour
# The live pad of "My drawing", as Draw's (pages share no code): stroke widths in canvas pixels.
BRUSHES, BRUSH, PAD_SIDE = {"Thin": 12, "Medium": 20, "Thick": 32}, "Medium", 280
REFERENCE_COLOUR = "#111827"  # published results: black crosses, not a family's colour


def compare_page() -> None:
    runs.toast_outcome()
    sidebar.chosen_model()
    st.title("Compare")
    st.write(
        "The same images through several models at once: the original on top, each model's "
        "reconstruction below, with its error (BCE, lower is better)."
    )
    catalog = _catalog()
    own = session.own_model()
    if own is not None:
        catalog[OWN] = _entry_of(own, OWN)
    if not catalog:
        st.info("No model to compare: build the zoo with `python -m autoencoder zoo build`.")
        return
    default = [name for name in PREFERRED if name in catalog]
    default += [name for name in catalog if name not in default][: max(2 - len(default), 0)]
    default = [*default, *([OWN] if own is not None else [])][:MAX_MODELS]
    with MODELS.linked(links.some_of(list(catalog), MAX_MODELS), default) as key:
        chosen = st.multiselect(
            f"Models (2 to {MAX_MODELS})",
            list(catalog),
            max_selections=MAX_MODELS,
            format_func=lambda name: _label(name, catalog[name]),
            key=key,
        )
    loaded = {name: model for name in chosen if (model := _load(name, own)) is not None}
    if len(loaded) < 2:
        st.info("Pick at least two models to see them side by side.")
        for link in (SOURCE, COUNT, INDEX, CLASS):
            link.drop()  # not shown
    else:
        _side_by_side(loaded)
        _figures({name: catalog[name] for name in loaded})
    _rate_distortion(catalog, loaded, own)


def _catalog() -> dict[str, dict[str, Any]]:
    """The zoo's built models by name, in the zoo's order: the manifest's figures.

    dense-32 is the shipped model, so it is offered even before the zoo is built.
    """
    catalog = dict(models.manifest())
    if zoo.DEFAULT_NAME not in catalog:
        try:
            default = models.default_model()
        except ModelLoadError:
            return catalog
        catalog = {zoo.DEFAULT_NAME: _entry_of(default, zoo.DEFAULT_NAME), **catalog}
    return catalog


def _entry_of(model: Autoencoder, name: str) -> dict[str, Any]:
    """A manifest-like entry for a model outside the manifest, from its own record."""
    return manifest.entry(model.config, name=name, parameters=model.parameters, record=model.record)


def _load(name: str, own: Autoencoder | None) -> Autoencoder | None:
    """The model behind an option; None, after a warning, if it cannot be loaded."""
    if name == OWN:
        return own
    return models.load(name)  # dense-32 is the shipped model, even before the zoo is built


def _label(name: str, entry: Mapping[str, Any]) -> str:
    psnr = entry.get("metrics", {}).get("psnr")
    figures = [entry["kind"], f"code {entry['latent_dim']}"]
    if psnr is not None:
        figures.append(f"{psnr:.1f} dB")
    if entry["dataset"] != "mnist":
        figures.append(DATASET_LABELS[entry["dataset"]])
    return f"{name} · {', '.join(figures)}"


def _side_by_side(loaded: dict[str, Autoencoder]) -> None:
    """The chosen inputs through every model, as one grid."""
    first = next(iter(loaded.values()))
    name = first.config.dataset  # the test set of the first model's dataset
    st.subheader("Side by side")
    drawing = session.drawing()
    default = DRAWING if drawing is not None else picker.AT_RANDOM
    with SOURCE.linked(links.one_of(SOURCES), default) as key:
        source = st.segmented_control("Inputs", SOURCES, required=True, key=key)
    picker.drop_hidden(source, PICKER)
    drawn_live = False
    if source == DRAWING:
        COUNT.drop()
        # Live, a pad here: every model's picture follows the pen; the figures, each stroke.
        drawn_live = live.compare_pad(
            loaded,
            BRUSHES,
            session.brush(BRUSH),
            side=PAD_SIDE,
            hint="Draw one digit here: every model rebuilds it as you draw.",
            start=drawing,
            on_change=session.set_drawing,
        )
        if drawing is None:
            if not drawn_live:
                st.info("Draw a digit on the **Draw** page first; it will show up here.")
            return
        images, titles, classes = drawing.reshape(1, -1), ["your"], ["drawing"]
        described = "Your drawing" if drawn_live else "Your drawing from the Draw page"
    else:
        test = testset.load_test_images(name)
        if test is None:
            return
        indices = _pick(test, source, first, name)
        images = testset.test_images(test, indices)
        labels = testset.class_names(first)
        titles = [f"#{index}" for index in indices]
        classes = [labels[test.labels[index]][:12] for index in indices]
        described = f"{DATASET_LABELS[name]} test images {', '.join(map(str, indices))}"

    rows = {"original": (images, None)}
    for label, model in loaded.items():
        rows[label] = _reconstructions(model, images)
    if not drawn_live:  # else the live view shows them
        st.image(
            _grid(rows, [titles, classes]),
            width="content",  # its own size: one column must not be stretched to the page
            alt=(
                f"{described}, on top, and below them their reconstructions by "
                + "; ".join(f"{label} ({describe.errors(rows[label][1])})" for label in loaded)
            ),
        )
        st.caption(described)
    strangers = [label for label, model in loaded.items() if model.config.dataset != name]
    if strangers:
        st.caption(
            f"Not trained on {DATASET_LABELS[name]}: {', '.join(strangers)}. Images unlike "
            "its training set are what a model rebuilds worst."
        )
    st.dataframe(
        {
            "model": list(loaded),
            "mean BCE on these": [float(rows[label][1].mean()) for label in loaded],
            "mean PSNR on these (dB)": [
                float(metrics.psnr_per_image(images, rows[label][0]).mean()) for label in loaded
            ],
        },
        hide_index=True,
        width="content",
        column_config={
            "mean BCE on these": st.column_config.NumberColumn(format="%.4f"),
            "mean PSNR on these (dB)": st.column_config.NumberColumn(format="%.1f"),
        },
    )


def _pick(test: Split, source: str, first: Autoencoder, name: str) -> np.ndarray:
    """Test image indices for ``source``: the picker's three ways, or the worst."""
    with COUNT.linked(links.integer(1, MAX_IMAGES), default=6) as key:
        count = st.slider("How many", 1, MAX_IMAGES, key=key)
    if source == WORST:
        return computations.ranked_test_images(first, name)[::-1][:count]
    return picker.pick(test, source, count, testset.class_names(first), PICKER)


@caching.by_model(shared_entries=64, session_entries=32)
def _reconstructions(model: Autoencoder, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One batched pass: the reconstructions (float32, (n, 784)) and their BCE."""
    outputs = model.reconstruct(images)
    return outputs, metrics.bce_per_image(images, outputs)


def _grid(
    rows: dict[str, tuple[np.ndarray, np.ndarray | None]], titles: list[list[str]]
) -> np.ndarray:
    """One picture: title lines, then each row of images with its name on the left and the
    error of each image under it."""
    cell = IMAGE_SIDE * ZOOM
    width = len(titles[0]) * (cell + GAP) - GAP

    def labelled(name: str, row: np.ndarray) -> np.ndarray:
        return pictures.labelled(name, row, LABEL_WIDTH, GAP)

    parts = [labelled("", pictures.text_strip(line, cell, GAP)) for line in titles]
    for name, (images, errors) in rows.items():
        parts.append(labelled("", pictures.blank(GAP, width)))
        row = pictures.tile(images, len(images), ZOOM, GAP, background=pictures.WHITE)
        parts.append(labelled(name, row))
        if errors is not None:
            texts = [f"BCE {error:.3f}" for error in errors]
            parts.append(labelled("", pictures.text_strip(texts, cell, GAP)))
    return np.vstack(parts)


def _figures(entries: dict[str, dict[str, Any]]) -> None:
    """The chosen models' test figures, as the zoo's manifest records them."""
    st.subheader("Test figures")
    table: dict[str, list[Any]] = {
        column: []
        for column in (
            "model", "kind", "code size", "parameters", "BCE", "MSE", "PSNR (dB)",
            "training (s)", "trained on",
        )
    }  # fmt: skip
    for name, entry in entries.items():
        scores = entry.get("metrics", {})
        table["model"].append(name)
        table["kind"].append(entry["kind"] + (", denoising" if entry.get("denoising") else ""))
        table["code size"].append(entry["latent_dim"])
        table["parameters"].append(entry["parameters"])
        table["BCE"].append(scores.get("val_bce"))
        table["MSE"].append(scores.get("mse"))
        table["PSNR (dB)"].append(scores.get("psnr"))
        table["training (s)"].append(entry.get("training_seconds"))
        table["trained on"].append(DATASET_LABELS[entry["dataset"]])
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "parameters": st.column_config.NumberColumn(format="localized"),
            "BCE": st.column_config.NumberColumn(format="%.4f"),
            "MSE": st.column_config.NumberColumn(format="%.4f"),
            "PSNR (dB)": st.column_config.NumberColumn(format="%.1f"),
            "training (s)": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    st.caption(
        "On each model's whole test set (10,000 images). PCA is computed in closed form, "
        "so its training time is the time to compute it."
    )


def _references_layer(published: list[dict[str, Any]], x: Any, y: Any) -> Any:
    """Published results (the 2006 deep autoencoder) as black crosses, named beside them."""
    import altair as alt
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "model": item["name"],
                "code size": item["latent_dim"],
                "PSNR (dB)": item["psnr"],
                "squared error per image": item["squared_error"],
                "architecture": item["architecture"],
            }
            for item in published
        ]
    )
    base = alt.Chart(frame).encode(
        x=x,
        y=y,
        tooltip=[
            "model",
            "architecture",
            "code size",
            alt.Tooltip("PSNR (dB):Q", format=".2f"),
            alt.Tooltip("squared error per image:Q", format=".2f"),
        ],
    )
    crosses = base.mark_point(shape="cross", size=140, filled=True, color=REFERENCE_COLOUR)
    names = base.mark_text(align="right", dx=-10, dy=-8, color=REFERENCE_COLOUR).encode(
        text="model"
    )
    return alt.layer(crosses, names)


def _series(name: str) -> str:
    """A zoo name without its code size: models of one series differ only in it."""
    return name if name == OWN else name.rsplit("-", 1)[0]


def _rate_distortion(
    catalog: dict[str, dict[str, Any]], loaded: dict[str, Autoencoder], own: Autoencoder | None
) -> None:
    """PSNR against code size: one line per series, PCA the reference, the drawing on top."""
    import altair as alt
    import pandas as pd

    first = next(iter(loaded.values()), None)
    name = first.config.dataset if first is not None else "mnist"
    st.subheader("Quality against code size")
    points = pd.DataFrame(
        [
            {
                "model": label,
                "series": _series(label),
                "code size": entry["latent_dim"],
                "PSNR (dB)": entry["metrics"]["psnr"],
                "BCE": entry["metrics"].get("val_bce"),
                "parameters": entry["parameters"],
                "training (s)": entry.get("training_seconds"),
                "chosen": label in loaded,
            }
            for label, entry in catalog.items()
            if entry["dataset"] == name
            and "psnr" in entry.get("metrics", {})
            and not entry.get("binarized")  # its PSNR is on black-and-white test images
        ]
    )
    if points.empty:
        st.caption(f"No model trained on {DATASET_LABELS[name]} has test figures yet.")
        return
    known = list(SERIES_COLOURS)
    series = sorted(
        set(points["series"]),
        key=lambda item: (item not in known, known.index(item) if item in known else item),
    )
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(
            domain=series, range=[SERIES_COLOURS.get(item, OTHER_COLOUR) for item in series]
        ),
        title="family",
    )
    x = alt.X(
        "code size:Q",
        scale=alt.Scale(type="log", base=2),
        axis=alt.Axis(values=sorted(set(points["code size"])), format="d"),
        title="code size (numbers, log scale)",
    )
    y = alt.Y("PSNR (dB):Q", scale=alt.Scale(zero=False), title="test PSNR (dB, higher is better)")
    base = alt.Chart(points)
    lines = (
        base.transform_joinaggregate(members="count()", groupby=["series"])
        .transform_filter("datum.members > 1")  # a series of one is a point, not a line
        .mark_line()
        .encode(
            x=x, y=y, color=colour,
            strokeDash=alt.condition("datum.series == 'pca'", alt.value([5, 4]), alt.value([1, 0])),
        )
    )  # fmt: skip
    dots = base.mark_point(filled=True).encode(
        x=x,
        y=y,
        color=colour,
        size=alt.condition("datum.chosen", alt.value(160), alt.value(50)),
        tooltip=[
            "model",
            "code size",
            alt.Tooltip("PSNR (dB):Q", format=".2f"),
            alt.Tooltip("BCE:Q", format=".4f"),
            alt.Tooltip("parameters:Q", format=","),
            alt.Tooltip("training (s):Q", format=".0f"),
        ],
    )
    layers = [lines, dots]
    published = [item for item in zoo.read_references() if item["dataset"] == name]
    if published:
        layers.append(_references_layer(published, x, y))
    drawing = session.drawing()
    if drawing is not None:
        layers.append(_drawing_layer(drawing, points, own, x, y, colour))
    st.altair_chart(alt.layer(*layers).properties(height=360), width="stretch")
    by_series = points.groupby("series", sort=False)
    st.caption(
        describe.curves(
            "Chart of test PSNR against code size",
            {
                item: (group["code size"].tolist(), group["PSNR (dB)"].tolist())
                for item, group in sorted(by_series, key=lambda pair: series.index(pair[0]))
            },
            "{x:g} numbers",
            "dB",
        )
    )
    st.caption(
        f"Each model's PSNR on the {DATASET_LABELS[name]} test set; the chosen ones are big. "
        "PCA, the best linear code of each size, is the dashed reference: a network earns its "
        "keep by rising above it."
        + "".join(
            f" The black cross is the {item['name']} ({item['architecture']}): "
            f"{item['latent_dim']} numbers, {item['psnr']:.2f} dB, "
            f"{item['squared_error']:.2f} squared error per image."
            for item in published
        )
        + (" Hollow diamonds: your drawing's PSNR under each model." if drawing is not None else "")
    )


def _drawing_layer(
    drawing: np.ndarray,
    points: pd.DataFrame,
    own: Autoencoder | None,
    x: alt.X,
    y: alt.Y,
    colour: alt.Color,
) -> alt.Chart:
    """Your drawing's PSNR under every model on the chart, as hollow diamonds."""
    import altair as alt
    import pandas as pd

    image = drawing.reshape(1, -1)
    rows = []
    for label, series, size in zip(
        points["model"], points["series"], points["code size"], strict=True
    ):
        model = own if label == OWN else _load(label, own)
        if model is None:
            continue
        outputs, _ = _reconstructions(model, image)
        psnr = float(metrics.psnr_per_image(image, outputs)[0])
        rows.append({"model": label, "series": series, "code size": size, "PSNR (dB)": psnr})
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_point(shape="diamond", filled=False, size=90, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=colour,
            tooltip=[
                "model",
                alt.Tooltip("PSNR (dB):Q", format=".2f", title="your drawing's PSNR (dB)"),
            ],
        )
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    compare_page()
