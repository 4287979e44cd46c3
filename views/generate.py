"""Generate: new images from a VAE's prior, its 2-number map, and paths between two images."""

from __future__ import annotations

import hashlib

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from autoencoder import describe, generation, pictures
from autoencoder.artifact import ModelLoadError
from autoencoder.config import DATASET_LABELS
from autoencoder.data import CLASS_NAMES, Split
from autoencoder.latent import PRIOR_SPAN
from autoencoder.network import Autoencoder
from autoencoder.zoo import DEFAULT_NAME
from views import caching, computations, links, live, models, runs, session, sidebar, testset
from views.labels import KINDS
from views.links import Link

PAIRS = {"vae-2": "dense-2", "vae-32": DEFAULT_NAME}  # each VAE beside a plain one of its size
MAP_MODEL = "vae-2"
PATH_MODELS = (DEFAULT_NAME, "conv-32", "vae-32", "pca-32")
SAMPLES, SAMPLE_COLUMNS = 16, 8
STEPS, DEFAULT_STEPS = (5, 13), 9  # the interpolation's steps slider: its range, its start
FADE_CAPTION = "Pixels: a plain cross-fade"
MAP_POINTS = 2000  # test codes on the map: enough to see the classes, light for the browser
MAP_LIMIT = 4.0  # the map's axes run from -4 to +4
# Vega's category10, as the server's chart and components/live/generate.js colour the classes.
CLASS_COLOURS = (
    "blue",
    "orange",
    "green",
    "red",
    "purple",
    "brown",
    "pink",
    "grey",
    "olive",
    "cyan",
)
PICK_STEP = 0.1  # a click picks the nearest point of a grid this fine
PICK = "pick"  # the map's click selection
VIEWS = ("Samples", "The 2-number map", "Interpolate")
SOURCES = ("A test image", "My drawing")  # where a path starts
# The page's choices, in its URL: ?view=interpolate&start=3&end=42
VIEW = Link("view", "generate_view")
SOURCE = Link("from", "generate_from")
START = Link("start", "generate_start")
END = Link("end", "generate_end")


def generate_page() -> None:
    runs.toast_outcome()
    if sidebar.chosen_model() is None:
        return
    st.title("Generate")
    try:
        seed_model = models.default_model()
    except ModelLoadError:
        st.error("The seed's model could not be loaded; restore `assets/model/`.")
        return
    name = seed_model.config.dataset
    things = DATASET_LABELS[name].split()[-1]  # digits, clothes
    st.write(
        f"An autoencoder's decoder paints an image from any code. A variational autoencoder "
        f"(VAE) is also trained so that codes drawn at random from a standard normal, its "
        f"*prior*, decode to {things}: it can make new ones."
    )
    test = testset.load_test_images(name)
    with VIEW.linked(links.one_of(VIEWS), default=VIEWS[0]) as key:
        view = st.segmented_control("Show", VIEWS, required=True, key=key)
    st.divider()
    if view != "Interpolate" or test is None:
        for link in (SOURCE, START, END):
            link.drop()  # not shown
    if view == "Samples":
        _samples(test, name, things)
    elif view == "The 2-number map":
        _map(test, name)
    elif test is not None:
        _interpolation(test, things)


def _samples(test: Split | None, name: str, things: str) -> None:
    loaded = models.load_or_say(tuple(model for pair in PAIRS.items() for model in pair))
    st.button("New samples", icon=":material/casino:", on_click=_new_seed)
    seed = session.seed(session.GENERATE_SEED)
    st.write(
        f"Left, a VAE's samples: codes drawn from N(0, I), decoded. Right, a plain autoencoder "
        f"of the same code size, with each code value drawn uniformly from that value's range "
        f"(1st to 99th percentile) over the test {things}."
    )
    st.write(
        f"Only the VAE was trained so that random codes decode to {things}: with 32 numbers the "
        "plain autoencoder's random codes fall between the codes of real images and decode to "
        "blotches (with 2 numbers there is little room between them, so they still mostly look "
        f"like blurry {things})."
    )
    for vae_name, plain_name in PAIRS.items():
        left, right = st.columns(2, gap="large")
        if vae_name in loaded:
            vae = loaded[vae_name]
            left.image(
                _tiled(_prior_samples(vae, seed)),
                caption=f"{vae_name}: {vae.latent_dim} numbers drawn from its prior N(0, I)",
                alt=describe.grid(
                    f"{SAMPLES} samples of {vae_name}: random codes from its prior, decoded",
                    SAMPLES,
                    SAMPLE_COLUMNS,
                ),
            )
        if plain_name in loaded and test is not None:
            plain = loaded[plain_name]
            right.image(
                _tiled(_naive_samples(plain, name, seed)),
                caption=f"{plain_name}: {plain.latent_dim} numbers, each uniform in its test range",
                alt=describe.grid(
                    f"{SAMPLES} random codes of {plain_name}, each number uniform in its test "
                    "range, decoded",
                    SAMPLES,
                    SAMPLE_COLUMNS,
                ),
            )


def _new_seed() -> None:
    session.new_seed(session.GENERATE_SEED)


def _tiled(images: np.ndarray) -> np.ndarray:
    return pictures.tile(images, SAMPLE_COLUMNS, zoom=2)


@caching.by_model(shared_entries=16, session_entries=8)
def _prior_samples(model: Autoencoder, seed: int) -> np.ndarray:
    return generation.prior_images(model, SAMPLES, np.random.default_rng(seed))


@caching.by_model(shared_entries=16, session_entries=8, spinner="Encoding the test images ...")
def _naive_samples(model: Autoencoder, name: str, seed: int) -> np.ndarray:
    stats = computations.code_summary(model, name).stats
    return generation.naive_samples(
        model, stats.low, stats.high, SAMPLES, np.random.default_rng(seed)
    )


def _map(test: Split | None, name: str) -> None:
    vae = models.load_or_say((MAP_MODEL,)).get(MAP_MODEL)
    if vae is None:
        return
    st.write(
        f"{MAP_MODEL} squeezes every image into just two numbers, so its whole code space is "
        "a plane. Choose a point (a click on the map, or the sliders) to decode it."
    )
    if _live_map(vae, test, name) is None:
        _server_map(vae, test, name)
    size = generation.MANIFOLD_SIZE
    st.image(
        _manifold_png(vae),
        caption=_manifold_caption(),
        alt=describe.grid(f"{MAP_MODEL}'s decoder's map: a grid of codes, decoded", size**2, size),
    )


def _live_map(vae: Autoencoder, test: Split | None, name: str) -> tuple[float, float] | None:
    """The map in the browser: the decoded digit follows the pointer; None if not live."""
    if test is None:
        codes, labels = np.zeros((0, 2), np.float32), np.zeros(0, int)
        shown = "No test images here: the plane alone"
    else:
        codes, labels = _map_codes(vae, name), test.labels[:MAP_POINTS]
        colours = ", ".join(
            f"{names} {colour}"
            for names, colour in zip(CLASS_NAMES[name], CLASS_COLOURS, strict=True)
        )
        shown = f"The codes of the first {MAP_POINTS:,} test images, coloured by class ({colours})"
    return live.vae_map(
        vae,
        codes,
        labels,
        limit=MAP_LIMIT,
        span=PRIOR_SPAN,
        step=0.05,
        square=generation.MANIFOLD_SPAN,
        caption=f"{shown}; the cross is your point (press or drag on the map, or use the "
        "sliders or the arrow keys); the dashed square is the grid below.",
        label=f"{MAP_MODEL}'s 2-number map of {len(codes):,} test codes, coloured by class",
        on_change=session.set_map_point,
    )


def _server_map(vae: Autoencoder, test: Split | None, name: str) -> None:
    """The map as the server draws it: sliders, the decoded point, and a chart a click picks on."""
    chart_column, point_column = st.columns([1.3, 1], gap="large")
    with point_column:
        # No value argument: the sliders' state is theirs, and a click on the map sets it.
        session.start_map_point()
        code = np.array(
            [
                st.slider(f"z{unit}", -PRIOR_SPAN, PRIOR_SPAN, step=0.05, key=key)
                for unit, key in enumerate(session.MAP_SLIDER_KEYS)
            ]
        )
        st.image(
            pictures.enlarge(vae.decode(code)),
            caption=f"z = ({code[0]:.2f}, {code[1]:.2f}), decoded",
            alt=f"{MAP_MODEL}'s image {describe.code(code)}",
        )
    with chart_column:
        if test is not None:
            st.altair_chart(
                _map_chart(_map_codes(vae, name), test.labels[:MAP_POINTS], code, name),
                key=session.MAP_KEY,
                on_select=_pick_on_map,
                selection_mode=PICK,
            )
            st.caption(
                f"The codes of the first {MAP_POINTS:,} test images, coloured by class; the "
                f"cross is your point, at z0 = {code[0]:.2f}, z1 = {code[1]:.2f}; the dashed "
                "square is the grid below."
            )


def _manifold_caption() -> str:
    size, span = generation.MANIFOLD_SIZE, generation.MANIFOLD_SPAN
    return (
        f"The decoder's map: a {size}x{size} grid of codes from -{span:g} to +{span:g} "
        "standard deviations of the prior, spaced evenly in probability (denser near 0, where "
        "most codes are), decoded. z0 runs across, z1 up, as on the map."
    )


def _pick_on_map() -> None:
    """A click on the map moves the sliders there (callbacks run before the rerun)."""
    points = session.map_selection(PICK)
    if points:
        clicked = (float(points[0][f"z{axis}"]) for axis in (0, 1))
        session.set_map_point(
            tuple(round(float(np.clip(value, -PRIOR_SPAN, PRIOR_SPAN)), 2) for value in clicked)
        )


def _map_chart(
    codes: np.ndarray, labels: np.ndarray, here: np.ndarray, name: str
) -> alt.LayerChart:
    """Test codes by class, the manifold's square, a cross at ``here``, and an invisible
    fine grid whose nearest point a click selects: a click anywhere picks a code."""
    names = CLASS_NAMES[name]
    scale = alt.Scale(domain=[-MAP_LIMIT, MAP_LIMIT], nice=False)
    x, y = alt.X("z0:Q", scale=scale, title="z0"), alt.Y("z1:Q", scale=scale, title="z1")
    points = pd.DataFrame({"z0": codes[:, 0], "z1": codes[:, 1], "class": np.array(names)[labels]})
    classes = alt.Color("class:N", sort=list(names), scale=alt.Scale(scheme="category10"))
    dots = (
        alt.Chart(points)
        .mark_circle(size=14, opacity=0.6, clip=True)
        .encode(x=x, y=y, color=classes.title(None), tooltip=["class"])
    )
    span = generation.MANIFOLD_SPAN
    corners = [(-span, -span), (span, -span), (span, span), (-span, span), (-span, -span)]
    square = (
        alt.Chart(pd.DataFrame(corners, columns=["z0", "z1"]).reset_index())
        .mark_line(color="#555", strokeDash=[4, 4], strokeWidth=1)
        .encode(x=x, y=y, order="index")
    )
    cross = (
        alt.Chart(pd.DataFrame({"z0": [here[0]], "z1": [here[1]]}))
        .mark_point(shape="cross", size=260, filled=True, color="black")
        .encode(x=x, y=y)
    )
    steps = np.round(np.arange(-PRIOR_SPAN, PRIOR_SPAN + PICK_STEP / 2, PICK_STEP), 2)
    grid_z0, grid_z1 = np.meshgrid(steps, steps)
    pick = alt.selection_point(name=PICK, fields=["z0", "z1"], on="click", nearest=True)
    targets = (
        alt.Chart(pd.DataFrame({"z0": grid_z0.ravel(), "z1": grid_z1.ravel()}))
        .mark_point(opacity=0)
        .encode(x=x, y=y)
        .add_params(pick)
    )
    return (dots + square + cross + targets).properties(height=440)


@caching.by_model(shared_entries=4, session_entries=2, spinner="Encoding the test images ...")
def _map_codes(model: Autoencoder, name: str) -> np.ndarray:
    images = testset.test_images(testset.shared_test_split(name), slice(0, MAP_POINTS))
    return model.encode(images).astype(np.float32)


@caching.by_model(shared_entries=4, session_entries=2)
def _manifold_png(model: Autoencoder) -> bytes:
    """The decoded grid as a PNG, made once: 225 decodings and 700 KB of pixels otherwise."""
    picture = pictures.tile(generation.manifold(model), generation.MANIFOLD_SIZE, zoom=2, gap=0)
    return pictures.png(picture)


def _interpolation(test: Split, things: str) -> None:
    loaded = models.load_or_say(PATH_MODELS)
    ends = _path_ends(test)
    if ends is None:
        return
    start, end, start_label, end_label = ends
    steps_column, models_column = st.columns([1, 2], gap="large")
    chosen = models_column.multiselect(
        "Through the code of", list(loaded), default=list(loaded), key="generate_path_models"
    )
    st.write(
        f"From {start_label} to {end_label}: each row walks a straight line between the two "
        f"{things}' codes and decodes every step. The last row blends the pixels instead."
    )
    shown = {f"{name}: {KINDS[loaded[name].config.kind].code}": loaded[name] for name in chosen}
    if (
        live.interpolation(
            shown,
            start,
            end,
            steps=(*STEPS, DEFAULT_STEPS),
            path_id=hashlib.sha1(np.ascontiguousarray([start, end])).hexdigest()[:12],
            path_words=f"from {start_label} to {end_label}",
            fade_caption=FADE_CAPTION,
        )
        is not None
    ):
        return
    steps = steps_column.slider("Steps", *STEPS, DEFAULT_STEPS, key="generate_steps")
    for (title, model), model_name in zip(shown.items(), chosen, strict=True):
        st.image(
            pictures.tile(_path(model, start, end, steps), steps, zoom=2),
            caption=title,
            alt=(
                f"{steps} steps on a straight line through {model_name}'s codes, from "
                f"{start_label} to {end_label}, decoded"
            ),
        )
    st.image(
        pictures.tile(generation.cross_fade(start, end, steps), steps, zoom=2),
        caption=FADE_CAPTION,
        alt=f"a cross-fade of the pixels in {steps} steps from {start_label} to {end_label}",
    )


def _path_ends(test: Split) -> tuple[np.ndarray, np.ndarray, str, str] | None:
    """The two images to travel between (a test image or the drawing, then a test image)."""
    source_column, first, second = st.columns([2, 1, 1], gap="large", vertical_alignment="bottom")
    with SOURCE.linked(links.one_of(SOURCES), default=SOURCES[0]) as key:
        source = source_column.segmented_control("From", SOURCES, required=True, key=key)
    last = len(test) - 1
    with END.linked(links.integer(0, last), default=1) as key:
        end_index = second.number_input("To test image", 0, last, key=key)
    if source == "My drawing":
        START.drop()  # not shown
        start = session.drawing()
        if start is None:
            st.info("Draw a digit on the **Draw** page first; it will show up here.")
            return None
        start_label = "your drawing"
    else:
        with START.linked(links.integer(0, last), default=0) as key:
            start_index = first.number_input("From test image", 0, last, key=key)
        start, start_label = testset.test_images(test, start_index), f"test image #{start_index}"
    return (
        np.ravel(start),
        testset.test_images(test, end_index),
        start_label,
        f"test image #{end_index}",
    )


@caching.by_model(shared_entries=32, session_entries=12)
def _path(model: Autoencoder, start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    return generation.interpolation_row(model, start, end, steps)


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    generate_page()
