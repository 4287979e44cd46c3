"""Explore the code: move the latent values and watch the decoded image change."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from autoencoder import describe, latent, pictures
from autoencoder.data import Split
from autoencoder.latent import LatentStatistics
from autoencoder.network import Autoencoder
from views import computations, links, live, runs, session, sidebar, testset
from views.computations import CodeSummary
from views.links import Link

MODES = ("Sliders", "Main directions", "Interpolate", "Map", "Random codes")
SOURCES = ("A test image", "My drawing", "A class average")
# The page's choices, in its URL: ?from=a-class-average&class=3&mode=map
MODE = Link("mode", "latent_mode")
SOURCE = Link("from", "latent_source")
INDEX = Link("index", "latent_index")
CLASS = Link("class", "latent_class")
DIRECTIONS = 5  # main directions offered as sliders
UNIT_COLUMNS = 4  # unit sliders side by side
STRIP_STEPS = np.linspace(-3, 3, 9)  # standard deviations along a direction
MAP_SIDE = 360  # px of the map's plot area
LEGEND_WIDTH = 130
# matplotlib's tab10 colours, one per class, without importing matplotlib.
CLASS_COLOURS = np.array(
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ],
    dtype=np.uint8,
)  # fmt: skip


def latent_page() -> None:
    runs.toast_outcome()
    model = sidebar.chosen_model()
    if model is None:
        return
    st.title("Explore the code")
    st.write(
        f"Every image becomes {model.latent_dim} numbers, its code, and the decoder paints an "
        "image from any code you give it. Pick a starting code, then change it."
    )
    name = model.config.dataset
    test = testset.load_test_images(name)
    if test is None:
        return
    try:
        summary = computations.code_summary(model, name)
    except ValueError as error:
        st.error(f"This model's codes cannot be explored: {error}.")
        return
    names = testset.class_names(model)

    # Each control on a row of its own: side by side, they are clipped at 1280 px.
    chosen = _starting_code(model, test, summary, names)
    if chosen is None:
        MODE.drop()  # not shown
        return
    start, start_id, start_label = chosen
    with MODE.linked(links.one_of(MODES), default=MODES[0]) as key:
        mode = st.segmented_control("View", MODES, required=True, key=key)
    st.divider()
    stats = summary.stats
    if mode == "Sliders":
        unit_sliders(model, start, stats, start_id)
    elif mode == "Main directions":
        direction_sliders(model, start, stats, start_id)
    elif mode == "Interpolate":
        _interpolation(model, test, start, start_label, names)
    elif mode == "Map":
        _map(model, summary, test.labels[summary.sample.indices], start, names)
    else:
        _random_codes(model, stats)


def _starting_code(
    model: Autoencoder, test: Split, summary: CodeSummary, names: tuple[str, ...]
) -> tuple[np.ndarray, str, str] | None:
    """The code to start from, an id that changes with it, and a label for it."""
    with SOURCE.linked(links.one_of(SOURCES), default=SOURCES[0]) as key:
        source = st.segmented_control("Start from", SOURCES, required=True, key=key)
    if source != "A test image":  # a hidden widget's value is no part of the link
        INDEX.drop()
    if source != "A class average":
        CLASS.drop()
    detail, _ = st.columns([1, 2])
    with detail:
        if source == "A test image":
            last = len(test) - 1
            with INDEX.linked(links.integer(0, last), default=0) as key:
                index = st.number_input("Test image", 0, last, key=key)
            code = model.encode(testset.test_images(test, index))
            return code, f"test-{index}", f"test image #{index}"
        if source == "My drawing":
            drawing = session.drawing()
            if drawing is None:
                st.info("Draw a digit on the **Draw** page first; it will show up here.")
                return None
            digest = hashlib.sha1(drawing.tobytes()).hexdigest()[:8]
            st.image(
                pictures.enlarge(drawing, 4),
                caption="Your drawing",
                alt="your drawing from the Draw page, 28 by 28 pixels",
            )
            return model.encode(drawing), f"drawing-{digest}", "your drawing"
        classes = range(len(names))
        with CLASS.linked(links.one_of(classes), default=0) as key:
            label = st.selectbox("Class", classes, format_func=names.__getitem__, key=key)
        return summary.class_means[label], f"class-{label}", f"the average {names[label]}"


@st.fragment
def unit_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, start_id: str
) -> None:
    """One slider per live unit; only this fragment reruns when one moves."""
    if live.unit_sliders(model, start, stats, start_id) is not None:
        return  # drawn in the browser, redrawn while a thumb moves
    generation = session.generation(session.SLIDER_GENERATION_KEY)
    spec = latent.unit_sliders(stats, start, prior=model.config.variational)
    image_column, slider_column = st.columns([1, 2.4], gap="large")
    code = np.array(start, dtype=np.float64)
    with slider_column:
        st.caption(spec.caption)
        columns = st.columns(UNIT_COLUMNS)
        for unit, slider in enumerate(spec.sliders):
            with columns[unit % UNIT_COLUMNS]:
                if slider.dead:
                    st.caption(f"{slider.label}: dead, always 0")
                    code[unit] = 0
                    continue
                code[unit] = st.slider(
                    slider.label,
                    slider.low,
                    slider.high,
                    slider.value,
                    step=slider.step,
                    format="%.2f",
                    key=f"unit-{start_id}-{generation}-{unit}",
                )
    decoded, original = model.decode(np.stack([code, start]))  # one batched call
    with image_column:
        st.image(
            pictures.enlarge(decoded), caption="Decoded from the sliders", alt=describe.code(code)
        )
        st.image(
            pictures.enlarge(original, 4),
            caption="The starting code, decoded",
            alt=f"the starting code, {describe.code(start)}",
        )
        st.button("Reset to the start", icon=":material/restart_alt:", on_click=_reset)


@st.fragment
def direction_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, start_id: str
) -> None:
    """Sliders along the main directions of the codes, and a strip along each."""
    count = latent.direction_count(stats, DIRECTIONS)
    if count == 0:  # the codes do not spread at all: there is no direction to move along
        st.info("Every unit of this code is dead, so its codes never move: no direction to show.")
        return
    if live.direction_sliders(model, start, stats, count, start_id) is not None:
        _direction_strips(model, start, stats, count)  # drawn in the browser, as above
        return
    generation = session.generation(session.SLIDER_GENERATION_KEY)
    spec = latent.direction_sliders(stats, count)
    image_column, slider_column = st.columns([1, 2.4], gap="large")
    offsets = np.zeros(count)
    with slider_column:
        st.caption(spec.caption)
        for direction, slider in enumerate(spec.sliders):
            offsets[direction] = st.slider(
                slider.label,
                slider.low,
                slider.high,
                slider.value,
                step=slider.step,
                key=f"direction-{start_id}-{generation}-{direction}",
            )
    with image_column:
        decoded = model.decode(latent.move(start, stats, offsets))
        st.image(
            pictures.enlarge(decoded),
            caption="Decoded",
            alt=(
                f"the starting code moved along the main directions by "
                f"{describe.numbers(offsets)} standard deviations, decoded"
            ),
        )
        st.button(
            "Reset to the start",
            icon=":material/restart_alt:",
            key="direction_reset",
            on_click=_reset,
        )
    _direction_strips(model, start, stats, count)


def _direction_strips(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, count: int
) -> None:
    strips = [
        latent.along_direction(start, stats, direction, STRIP_STEPS) for direction in range(count)
    ]
    st.caption(
        f"Each row: one direction, from -3 to +3 standard deviations ({len(STRIP_STEPS)} steps)."
    )
    what = (
        f"the starting code moved along each of the first {count} main directions, "
        "from -3 to +3 standard deviations, decoded"
    )
    st.image(
        pictures.tile(model.decode(np.vstack(strips)), len(STRIP_STEPS)),
        alt=describe.grid(what, count * len(STRIP_STEPS), len(STRIP_STEPS)),
    )


def _reset() -> None:
    """Fresh slider keys on the coming rerun: every slider is back at its start value."""
    session.bump_generation(session.SLIDER_GENERATION_KEY)


def _interpolation(
    model: Autoencoder,
    test: Split,
    start: np.ndarray,
    start_label: str,
    names: tuple[str, ...],
) -> None:
    columns = st.columns(2)
    end_index = columns[0].number_input(
        "To test image", 0, len(test) - 1, 1, key="interpolation_end"
    )
    steps = columns[1].slider("Steps", 3, 15, 9, key="interpolation_steps")
    end_image = testset.test_images(test, end_index)
    path = latent.interpolate(start, model.encode(end_image), steps)
    st.caption(
        f"From {start_label} to test image #{end_index} ({names[test.labels[end_index]]}), "
        "along a straight line between their codes, decoded:"
    )
    end_label = f"test image #{end_index} ({names[test.labels[end_index]]})"
    st.image(
        pictures.tile(model.decode(path), steps),
        alt=f"{steps} codes on a straight line from {start_label} to {end_label}, decoded",
    )
    st.caption("The same trip in pixel space, a plain cross-fade, for contrast:")
    # From what the starting code looks like, to the end image.
    st.image(
        pictures.tile(latent.interpolate(model.decode(start), end_image, steps), steps),
        alt=f"a cross-fade of the pixels in {steps} steps from {start_label} to {end_label}",
    )


def _map(
    model: Autoencoder,
    summary: CodeSummary,
    labels: np.ndarray,
    start: np.ndarray,
    names: tuple[str, ...],
) -> None:
    stats = summary.stats
    if stats.latent_dim < 2:  # one number: its codes lie on a line, not a plane
        st.info(
            "This model's code is a single number, so there is no plane to map: "
            "its codes lie on a line. Move that number on **Sliders**."
        )
        return
    size = st.slider("Grid size", 6, 16, 10, key="map_size")
    plot_column, grid_column = st.columns(2)
    here = latent.project(start, stats)[0]
    plot_column.image(
        _scatter(summary.points, labels, here, names),
        alt=(
            f"scatter plot of {len(summary.points)} test codes on the plane of their two main "
            f"directions, coloured by class; the black star, your start, is at "
            f"({here[0]:.2f}, {here[1]:.2f})"
        ),
    )
    plot_column.caption(
        f"Each test image's code, coloured by class. Across: direction 1 "
        f"({stats.explained[0]:.0%} of the spread); up: direction 2 "
        f"({stats.explained[1]:.0%}). The black star is your start."
    )
    grid, _, _ = latent.plane_grid(stats, summary.points, size)
    grid_column.image(
        pictures.tile(model.decode(grid), size, zoom=2, gap=1),
        alt=describe.grid("codes across the same plane, decoded", size * size, size),
    )
    grid_column.caption("Codes across the same plane, decoded: the decoder's map of digits.")


def _scatter(
    points: np.ndarray, labels: np.ndarray, here: np.ndarray, names: tuple[str, ...]
) -> np.ndarray:
    """The 2-D points as a plain RGB picture: a dot per code, a star for ``here``, a legend."""
    from PIL import Image, ImageDraw

    low, high = np.percentile(points, 0.5, axis=0), np.percentile(points, 99.5, axis=0)
    margin = 8

    def unit(xy: np.ndarray) -> np.ndarray:
        return (np.atleast_2d(xy) - low) / np.maximum(high - low, 1e-12)

    def pixels(square: np.ndarray) -> np.ndarray:
        position = margin + square * (MAP_SIDE - 2 * margin - 2)
        position[:, 1] = MAP_SIDE - 2 - position[:, 1]  # up is up
        return position.astype(int)

    picture = np.full((MAP_SIDE, MAP_SIDE + LEGEND_WIDTH, 3), 255, np.uint8)
    # A fixed shuffle, so no class is painted wholly over another; the outer 1% is left out.
    order = np.random.default_rng(0).permutation(len(points))
    square = unit(points[order])
    inside = ((square >= 0) & (square <= 1)).all(axis=1)
    xs, ys = pixels(square[inside]).T
    colours = CLASS_COLOURS[labels[order][inside] % len(CLASS_COLOURS)]
    for dy in (0, 1):
        for dx in (0, 1):
            picture[ys + dy, xs + dx] = colours
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, MAP_SIDE - 1, MAP_SIDE - 1), outline=(200, 200, 200))
    x, y = pixels(np.clip(unit(here), 0, 1))[0]  # the star stays in the frame
    star = [
        (x + radius * np.sin(angle), y - radius * np.cos(angle))
        for point in range(10)
        for angle, radius in [(point * np.pi / 5, 11 if point % 2 == 0 else 4.5)]
    ]
    draw.polygon(star, fill=(0, 0, 0), outline=(255, 255, 255))
    font = pictures.font(12)
    for label, name in enumerate(names):
        top = 6 + 18 * label
        draw.rectangle(
            (MAP_SIDE + 12, top, MAP_SIDE + 22, top + 10), fill=tuple(CLASS_COLOURS[label])
        )
        draw.text((MAP_SIDE + 28, top + 5), name, fill=(40, 40, 40), font=font, anchor="lm")
    return np.asarray(image)


def _random_codes(model: Autoencoder, stats: LatentStatistics) -> None:
    if st.button("Sample new codes", icon=":material/casino:"):
        session.new_seed(session.LATENT_SEED)
    rng = np.random.default_rng(session.seed(session.LATENT_SEED))
    if model.config.variational:
        codes = latent.sample_prior(model.latent_dim, 24, rng)
        st.caption(
            "Random codes drawn from the prior, the standard normal, decoded. A VAE is trained "
            "so that these look like its images."
        )
    else:
        codes = latent.sample(stats, 24, rng)
        st.caption(
            "Random codes drawn from a Gaussian fitted to the test set's codes, decoded. "
            "A plain autoencoder does not promise these look like digits: see how many do."
        )
    drawn = "the prior" if model.config.variational else "a Gaussian fitted to the test codes"
    st.image(
        pictures.tile(model.decode(codes), 12),
        alt=describe.grid(f"{len(codes)} random codes drawn from {drawn}, decoded", len(codes), 12),
    )


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    latent_page()
