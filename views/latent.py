"""Explore the code: move the latent values and watch the decoded image change."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from autoencoder import latent
from autoencoder.data import Split
from autoencoder.latent import LatentStatistics
from autoencoder.network import Autoencoder
from views import common
from views.draw import DRAWING_KEY

RESET_KEY = "latent_reset"  # bumping it gives the sliders fresh keys: back to the start
RANDOM_SEED_KEY = "latent_random_seed"
DIRECTIONS = 5  # main directions offered as sliders
STRIP_STEPS = np.linspace(-3, 3, 9)  # standard deviations along a direction


def latent_page() -> None:
    model = common.page_model()
    if model is None:
        return
    st.title("Explore the code")
    st.write(
        f"Every image becomes {model.latent_dim} numbers, its code, and the decoder paints an "
        "image from any code you give it. Pick a starting code, then change it."
    )
    name = model.config.dataset
    test = common.load_test_images(name)
    if test is None:
        return
    codes = common.encode_test_images(model, model.fingerprint, name)
    stats = common.code_statistics(model, model.fingerprint, name)
    names = common.class_names(model)

    start_column, mode_column = st.columns([1.3, 2], gap="medium")
    with start_column:
        chosen = _starting_code(model, test, codes, names)
    if chosen is None:
        return
    start, start_id, start_label = chosen
    with mode_column:
        mode = st.segmented_control(
            "View",
            ["Sliders", "Main directions", "Interpolate", "Map", "Random codes"],
            default="Sliders",
            required=True,
            key="latent_mode",
        )
    st.divider()
    if mode == "Sliders":
        unit_sliders(model, start, stats, start_id)
    elif mode == "Main directions":
        direction_sliders(model, start, stats, start_id)
    elif mode == "Interpolate":
        _interpolation(model, test, start, start_label, names)
    elif mode == "Map":
        _map(model, codes, test.labels, stats, start, names)
    else:
        _random_codes(model, stats)


def _starting_code(
    model: Autoencoder, test: Split, codes: np.ndarray, names: tuple[str, ...]
) -> tuple[np.ndarray, str, str] | None:
    """The code to start from, an id that changes with it, and a label for it."""
    source = st.segmented_control(
        "Start from",
        ["A test image", "My drawing", "A class average"],
        default="A test image",
        required=True,
        key="latent_source",
    )
    if source == "A test image":
        index = st.number_input("Test image", 0, len(test) - 1, 0, key="latent_index")
        return codes[index], f"test-{index}", f"test image #{index}"
    if source == "My drawing":
        drawing = st.session_state.get(DRAWING_KEY)
        if drawing is None:
            st.info("Draw a digit on the **Draw** page first; it will show up here.")
            return None
        digest = hashlib.sha1(drawing.tobytes()).hexdigest()[:8]
        st.image(common.enlarge(drawing, 4), caption="Your drawing")
        return model.encode(drawing), f"drawing-{digest}", "your drawing"
    label = st.selectbox(
        "Class", range(len(names)), format_func=names.__getitem__, key="latent_class"
    )
    mean = latent.class_means(codes, test.labels, len(names))[label]
    return mean, f"class-{label}", f"the average {names[label]}"


@st.fragment
def unit_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, start_id: str
) -> None:
    """One slider per live unit; only this fragment reruns when one moves."""
    generation = st.session_state.setdefault(RESET_KEY, 0)
    image_column, slider_column = st.columns([1, 2.4], gap="large")
    code = np.array(start, dtype=np.float64)
    with slider_column:
        st.caption(
            "Each slider spans what that unit takes over the test set. "
            f"{int(stats.dead.sum())} of {model.latent_dim} units never fire (dead ReLUs)."
        )
        columns = st.columns(4)
        for unit in range(model.latent_dim):
            with columns[unit % 4]:
                if stats.dead[unit]:
                    st.caption(f"z{unit}: dead, always 0")
                    code[unit] = 0
                    continue
                top = float(max(stats.maximum[unit], start[unit], 1e-3))
                code[unit] = st.slider(
                    f"z{unit}",
                    0.0,
                    round(top * 1.05, 3),
                    float(round(start[unit], 3)),
                    step=round(top / 100, 4) or 0.001,
                    format="%.2f",
                    key=f"unit-{start_id}-{generation}-{unit}",
                )
    decoded, original = model.decode(np.stack([code, start]))  # one batched call
    with image_column:
        st.image(common.enlarge(decoded), caption="Decoded from the sliders")
        st.image(common.enlarge(original, 4), caption="The starting code, decoded")
        st.button("Reset to the start", icon=":material/restart_alt:", on_click=_reset)


@st.fragment
def direction_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, start_id: str
) -> None:
    """Sliders along the main directions of the codes, and a strip along each."""
    count = min(DIRECTIONS, int((~stats.dead).sum()))
    generation = st.session_state.setdefault(RESET_KEY, 0)
    image_column, slider_column = st.columns([1, 2.4], gap="large")
    offsets = np.zeros(count)
    with slider_column:
        st.caption(
            "The directions along which the test codes spread most (principal components), "
            "in standard deviations from the starting code."
        )
        for direction in range(count):
            offsets[direction] = st.slider(
                f"Direction {direction + 1}: {stats.explained[direction]:.0%} of the spread",
                -3.0,
                3.0,
                0.0,
                step=0.1,
                key=f"direction-{start_id}-{generation}-{direction}",
            )
    code = start + (offsets * stats.component_std[:count]) @ stats.components[:count]
    strips = np.concatenate(
        [latent.along_direction(start, stats, direction, STRIP_STEPS) for direction in range(count)]
    )
    decoded = model.decode(np.vstack([np.maximum(code, 0), strips]))  # one batched call
    with image_column:
        st.image(common.enlarge(decoded[0]), caption="Decoded")
        st.button(
            "Reset to the start",
            icon=":material/restart_alt:",
            key="direction_reset",
            on_click=_reset,
        )
    st.caption(
        f"Each row: one direction, from -3 to +3 standard deviations ({len(STRIP_STEPS)} steps)."
    )
    st.image(common.tile(decoded[1:], len(STRIP_STEPS)))


def _reset() -> None:
    """Fresh slider keys on the coming rerun: every slider is back at its start value."""
    st.session_state[RESET_KEY] = st.session_state.get(RESET_KEY, 0) + 1


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
    end_image = test.images[end_index]
    path = latent.interpolate(start, model.encode(end_image), steps)
    start_image = model.decode(start)  # what the starting code looks like
    blend = np.linspace(0, 1, steps)[:, np.newaxis]
    st.caption(
        f"From {start_label} to test image #{end_index} ({names[test.labels[end_index]]}), "
        "along a straight line between their codes, decoded:"
    )
    st.image(common.tile(model.decode(path), steps))
    st.caption("The same trip in pixel space, a plain cross-fade, for contrast:")
    st.image(common.tile((1 - blend) * start_image + blend * end_image, steps))


def _map(
    model: Autoencoder,
    codes: np.ndarray,
    labels: np.ndarray,
    stats: LatentStatistics,
    start: np.ndarray,
    names: tuple[str, ...],
) -> None:
    from matplotlib.figure import Figure

    size = st.slider("Grid size", 6, 16, 10, key="map_size")
    plot_column, grid_column = st.columns(2)
    points = latent.project(codes, stats)
    here = latent.project(start, stats)[0]
    figure = Figure(figsize=(6, 5), layout="constrained")
    axis = figure.subplots()
    scatter = axis.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=2, alpha=0.5)
    axis.scatter(*here, marker="*", s=300, c="black", edgecolors="white", label="your start")
    axis.legend(
        scatter.legend_elements()[0] + [axis.collections[1]],
        [*names, "start"],
        fontsize=7,
        markerscale=0.8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    axis.set_xlabel(f"direction 1 ({stats.explained[0]:.0%})")
    axis.set_ylabel(f"direction 2 ({stats.explained[1]:.0%})")
    plot_column.pyplot(figure, alt="The test codes on the plane of their two main directions")
    grid, _, _ = latent.plane_grid(stats, codes, size)
    grid_column.image(common.tile(model.decode(grid), size, zoom=2, gap=1))
    grid_column.caption("Codes across the same plane, decoded: the decoder's map of digits.")


def _random_codes(model: Autoencoder, stats: LatentStatistics) -> None:
    if st.button("Sample new codes", icon=":material/casino:"):
        st.session_state[RANDOM_SEED_KEY] = int(np.random.default_rng().integers(2**31))
    seed = st.session_state.setdefault(RANDOM_SEED_KEY, 0)
    codes = latent.sample(stats, 24, np.random.default_rng(seed))
    st.caption(
        "Random codes drawn from a Gaussian fitted to the test set's codes, decoded. "
        "A plain autoencoder does not promise these look like digits: see how many do."
    )
    st.image(common.tile(model.decode(codes), 12))


if __name__ == "__main__":  # Streamlit runs each page file as __main__
    latent_page()
