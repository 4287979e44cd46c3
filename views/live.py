"""The network in the visitor's browser: pictures that follow a slider or a pen as it moves.

components/live/ is a Streamlit component (the v2 API, plain JavaScript, no
build step, nothing fetched from elsewhere). It runs the model the way
autoencoder/network.py does, from the payload of autoencoder/export.py, so
a picture is redrawn on every animation frame instead of after a round trip
to the server. What it ends on (a code let go, a finished stroke) still comes
back here, so the rest of the page agrees.

Progressive: until this browser has once reported that the component runs
(it reports the models it holds), the functions here return None and the
page draws its server version, which therefore also serves a browser where
the script fails to load. Weights travel once per model and page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from autoencoder import export, inside, latent, preprocess
from autoencoder.config import DATASET_LABELS, IMAGE_SIDE, INPUT_DIM
from autoencoder.latent import LatentStatistics
from autoencoder.network import Autoencoder
from views import session

COMPONENT_DIR = Path(__file__).resolve().parent.parent / "components" / "live"
# One module, in this order: the last file's default export is the component.
SCRIPTS = (
    "network.js", "preprocess.js", "metrics.js", "pictures.js", "explore.js", "draw.js", "main.js",
)  # fmt: skip
# The layers view (views/inside.py): its drawing pad and itself, loaded before main.js.
SCRIPTS = (*SCRIPTS[:-1], "pad.js", "layers.js", SCRIPTS[-1])
# Denoise, Generate, the detector's threshold and Compare's pad (views/live.py's own functions).
SCRIPTS = (
    *SCRIPTS[:-1],
    "noise.js",
    "denoise.js",
    "generate.js",
    "detect.js",
    "compare.js",
    SCRIPTS[-1],
)
UNIT_COLUMNS = 4
PREPROCESS = {
    "box": preprocess.DIGIT_BOX,
    "centre": preprocess.CENTRE,
    "threshold": preprocess.INK_THRESHOLD,
    "side": IMAGE_SIDE,
}


def _read(name: str) -> str:
    return (COMPONENT_DIR / name).read_text(encoding="utf-8")


_component = st.components.v2.component(
    "autoencoder_live",
    js="\n".join(_read(name) for name in SCRIPTS),
    css=_read("live.css"),
    isolate_styles=True,
)


def follow_links() -> None:
    """Note a followed link from the page's first moment (components/live/follow.js), so
    that no live view's first report takes a page switch back; app.py calls it on every
    page, before the page."""
    st.sidebar.html(_follow_script(), unsafe_allow_javascript=True)


@functools.cache
def _follow_script() -> str:
    """follow.js as a script element, read once per process: it is mounted on every rerun."""
    return f"<script>{_read('follow.js')}</script>"


@dataclass(frozen=True)
class Pad:
    """The live drawing pad's drawing, as the model sees it (None while the pad is empty)."""

    digit: np.ndarray | None


def _slider_view(slider: latent.Slider) -> dict[str, Any]:
    return {
        "label": slider.label,
        "min": slider.low,
        "max": slider.high,
        "value": slider.value,
        "step": slider.step,
        "decimals": 2,
        "dead": slider.dead,
    }


def unit_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, start_id: str
) -> np.ndarray | None:
    """One slider per live unit, the decoded code beside them; the code, or None if not live."""
    spec = latent.unit_sliders(stats, start, prior=model.config.variational)
    view = {
        "origin": [0.0] * model.latent_dim,
        "basis": None,  # the identity: slider k is unit k
        "clamp": False,
        "sliders": [_slider_view(slider) for slider in spec.sliders],
        "start": np.asarray(start, dtype=float).tolist(),
        "decoded_caption": "Decoded from the sliders",
        "caption": spec.caption,
        "columns": UNIT_COLUMNS,
    }
    return _explore(model, f"live-units-{start_id}", view, start)


def direction_sliders(
    model: Autoencoder, start: np.ndarray, stats: LatentStatistics, count: int, start_id: str
) -> np.ndarray | None:
    """Sliders along the first ``count`` main directions; the code, or None if not live."""
    # latent.move is start + offsets @ basis, clamped: the browser is given that basis.
    basis = stats.component_std[:count, np.newaxis] * stats.components[:count]
    spec = latent.direction_sliders(stats, count)
    view = {
        "origin": np.asarray(start, dtype=float).tolist(),
        "basis": basis.tolist(),
        "clamp": stats.non_negative,
        "sliders": [_slider_view(slider) for slider in spec.sliders],
        "start": None,
        "decoded_caption": "Decoded",
        "caption": spec.caption,
        "columns": 1,
    }
    return _explore(model, f"live-directions-{start_id}", view, stats.clamp(start))


def drawing_pad(
    model: Autoencoder,
    brushes: Mapping[str, int],
    brush: str,
    *,
    side: int,
    captions: list[str],
    hint: str,
    on_change: Callable[[np.ndarray | None], None],
) -> Pad | None:
    """A canvas and the model's pictures of it, live; None if not live (draw on the server's).

    ``on_change`` gets the new 28x28 drawing (None once undone or cleared) when a
    stroke ends, as a widget callback.
    """
    key = f"live-pad-{model.fingerprint}"
    view = {
        "side": side,
        "brushes": dict(brushes),
        "brush": brush,
        "captions": captions,
        "hint": hint,
        "preprocess": PREPROCESS,
        # For the reconstruction's text alternative, in the words of autoencoder/describe.py.
        "quantiles": model.record.get("metrics", {}).get("bce_quantiles"),
        "things": f"{DATASET_LABELS[model.config.dataset].split()[0]} test images",
    }

    def changed() -> None:
        on_change(_digit(st.session_state[key].get("drawing")))

    result = _mount(model, "draw", key, view, on_drawing_change=changed)
    if result is None:
        return None
    return Pad(_digit(result.get("drawing")))


def layers(
    model: Autoencoder,
    brushes: Mapping[str, int],
    brush: str,
    *,
    side: int,
    hint: str,
    start: np.ndarray | None,
    paint_steps: np.ndarray,
    start_id: str,
) -> Pad | None:
    """Every layer's outputs, live while the visitor draws on a pad beside them (from
    ``start`` until the first stroke); None if not live (the page draws the server's)."""
    key = f"live-layers-{start_id}-{model.fingerprint}"
    view = {
        "side": side,
        "brushes": dict(brushes),
        "brush": brush,
        "hint": hint,
        "preprocess": PREPROCESS,
        "start": None if start is None else np.asarray(start, dtype=float).ravel().tolist(),
        "paint_steps": np.asarray(paint_steps, dtype=float).tolist(),
    }
    extras = inside.payload_extras(model)
    result = _mount(model, "layers", key, view, extras=extras, on_drawing_change=_nothing)
    if result is None:
        return None
    return Pad(_digit(result.get("drawing")))


def _explore(
    model: Autoencoder, key: str, view: dict[str, Any], start: np.ndarray
) -> np.ndarray | None:
    key = f"{key}-{model.fingerprint}"
    result = _mount(model, "explore", key, view, on_code_change=_nothing)
    if result is None:
        return None
    code = result.get("code")
    if not _is_vector(code, model.latent_dim):
        return np.asarray(start, dtype=np.float32)
    return np.asarray(code, dtype=np.float32)


def _held(key: str) -> list[str]:
    """The models this browser holds: the session's record of its reports, or this
    element's own last report where the two differ.

    A component reporting the same value as its previous one fires no callback, so
    the session's record can miss a report that the element's state kept; without
    this, a view could wait for an answer that never comes, showing the server's.
    """
    held = session.live_held()
    state = st.session_state.get(key)
    reported = state.get("held") if isinstance(state, Mapping) else None
    if isinstance(reported, list) and reported and sorted(reported) != sorted(held):
        fingerprints = [item for item in reported if isinstance(item, str)]
        session.set_live_held(fingerprints)
        return fingerprints
    return held


def _mount(
    model: Autoencoder,
    view: str,
    key: str,
    spec: dict[str, Any],
    extras: Mapping[str, Any] | None = None,
    **callbacks: Callable[[], None],
) -> Mapping[str, Any] | None:
    """The component; its state once this browser is known to run it, else None.

    ``extras`` go with the weights (a VAE's spread for the layers view): a payload
    of its own, held under its own name, since another view may hold the model without.
    """
    held = _held(key)
    fingerprint = model.fingerprint + ("+extras" if extras else "")
    try:
        payload = export.payload(model) if fingerprint not in held else None
    except export.UnsupportedModelError as error:
        st.caption(f"This model runs on the server only ({error}).")
        return None
    if payload is not None and extras:
        payload = {**payload, **extras, "fingerprint": fingerprint}
    data = {
        "view": view,
        "spec": key,
        "fingerprint": fingerprint,
        "held": held,
        "active": bool(held),
        "payload": payload,
        **spec,
    }

    def remember_held() -> None:
        session.set_live_held(st.session_state[key].get("held") or [])

    result = _component(key=key, data=data, on_held_change=remember_held, **callbacks)
    return result if held else None


def denoise(
    models: Mapping[str, Autoencoder],
    clean: np.ndarray,
    *,
    image_id: str,
    seed: int,
    kind: str,
    level: float,
    kinds: list[dict[str, str]],
    levels: tuple[float, float, float],
    on_change: Callable[[str, float], None],
) -> bool:
    """The noise kind and level, the noisy image and each model's clean-up with PSNRs, live;
    False if not live (the page draws its own). ``on_change(kind, level)`` once a gesture ends.

    ``kinds``: each kind's ``kind`` (noise.KINDS), ``label`` and ``meaning``;
    ``levels``: the slider's low, high and step.
    """
    key = "live-denoise"
    low, high, step = levels
    view = {
        "clean": np.asarray(clean, dtype=float).ravel().tolist(),
        "seed": seed,
        "kind": kind,
        "level": level,
        "kinds": kinds,
        "kind_label": "Noise",
        "level_label": "Noise level",
        "min": low,
        "max": high,
        "step": step,
        "captions": {"clean": "Clean", "noisy": "Noisy"},
        "models": list(models),
    }

    def changed() -> None:
        chosen = noise_choice(
            st.session_state[key].get("noise"), [k["kind"] for k in kinds], low, high
        )
        if chosen is not None:
            on_change(*chosen)

    spec = f"denoise-{image_id}"
    return _mount_many(list(models.values()), "denoise", key, spec, view, on_noise_change=changed)


def vae_map(
    model: Autoencoder,
    codes: np.ndarray,
    labels: np.ndarray,
    *,
    limit: float,
    span: float,
    step: float,
    square: float,
    caption: str,
    label: str,
    on_change: Callable[[tuple[float, float]], None],
) -> tuple[float, float] | None:
    """A 2-number model's map of test ``codes``: a press or a drag (or the arrow keys, or
    the two sliders) decodes the point under the pointer. The point, or None if not live;
    ``on_change(point)`` when the pointer is lifted or a slider let go.

    ``limit``: the axes' reach; ``span`` and ``step``: the sliders'; ``square``: the
    decoder's grid drawn below, outlined.
    """
    key = f"live-map-{model.fingerprint}"
    before = point_of(st.session_state.get(key, {}).get("point"), span)
    view = {
        # Three decimals are finer than a pixel of the map, and a third of the bytes.
        "points": [
            [round(float(z0), 3), round(float(z1), 3), int(which)]
            for (z0, z1), which in zip(codes[:, :2], labels, strict=True)
        ],
        "limit": limit,
        "span": span,
        "step": step,
        "square": square,
        "size": 440,
        "start": list(before or (0.0, 0.0)),
        "map_caption": caption,
        "map_label": label,
    }

    def changed() -> None:
        point = point_of(st.session_state[key].get("point"), span)
        if point is not None:
            on_change(point)

    if not _mount_many([model], "map", key, "map", view, on_point_change=changed):
        return None
    return before or (0.0, 0.0)


def point_of(sent: Any, span: float) -> tuple[float, float] | None:
    """The map's point the browser sent, or None for nonsense or a point off the sliders."""
    if not _is_vector(sent, 2) or any(isinstance(value, bool) for value in sent):
        return None
    if not all(-span <= value <= span for value in sent):
        return None
    return round(float(sent[0]), 2), round(float(sent[1]), 2)


def interpolation(
    models: Mapping[str, Autoencoder],
    start: np.ndarray,
    end: np.ndarray,
    *,
    steps: tuple[int, int, int],
    path_id: str,
    path_words: str,
    fade_caption: str,
) -> int | None:
    """A row per model walking the straight line between the codes of ``start`` and ``end``,
    decoded, and the pixels' cross-fade, redrawn as the steps slider moves. The steps, or
    None if not live. ``steps``: the slider's low, high and starting value."""
    key = "live-interpolation"
    low, high, default = steps
    sent = st.session_state.get(key, {}).get("steps")
    chosen = sent if isinstance(sent, int) and not isinstance(sent, bool) else default
    chosen = min(max(chosen, low), high)
    view = {
        "start": np.asarray(start, dtype=float).ravel().tolist(),
        "end": np.asarray(end, dtype=float).ravel().tolist(),
        "steps": chosen,
        "steps_label": "Steps",
        "min": low,
        "max": high,
        "models": list(models),
        "path_words": path_words,
        "fade_caption": fade_caption,
    }
    spec = f"interpolation-{path_id}-{','.join(model.fingerprint for model in models.values())}"
    if not _mount_many(
        list(models.values()), "interpolation", key, spec, view, on_steps_change=_nothing
    ):
        return None
    return chosen


def compare_pad(
    models: Mapping[str, Autoencoder],
    brushes: Mapping[str, int],
    brush: str,
    *,
    side: int,
    hint: str,
    start: np.ndarray | None,
    on_change: Callable[[np.ndarray | None], None],
) -> bool:
    """A pad, and every model's reconstruction of what is drawn on it with its error map,
    BCE and PSNR, redrawn while the pen moves (``start`` until the first stroke); False if
    not live. ``on_change`` gets the new 28x28 drawing (None once cleared) when a stroke ends.
    """
    key = "live-compare"
    view = {
        "side": side,
        "brushes": dict(brushes),
        "brush": brush,
        "hint": hint,
        "preprocess": PREPROCESS,
        "input_caption": "Your drawing (28x28)",
        "models": list(models),
        "start": None if start is None else np.asarray(start, dtype=float).ravel().tolist(),
    }

    def changed() -> None:
        on_change(_digit(st.session_state[key].get("drawing")))

    spec = "compare-" + ",".join(model.fingerprint for model in models.values())
    return _mount_many(list(models.values()), "compare", key, spec, view, on_drawing_change=changed)


def runs() -> bool:
    """This browser has reported that it runs the component: a page may lay out for it."""
    return bool(session.live_held())


def threshold(
    *,
    view_id: str,
    threshold: float,
    bounds: tuple[float, float, float],
    rates: Callable[[float], tuple[float, float]],
    histogram: Mapping[str, Any],
    roc: tuple[np.ndarray, np.ndarray],
    drawn: float | None,
    drawn_share: float,
    words: Mapping[str, Any],
    on_change: Callable[[float], None],
) -> bool:
    """The detector's threshold slider, its two rates, the drawing's verdict, the histogram
    with its rule and the ROC curve with its point, all moved in the browser; False if not
    live (the page draws its own). ``on_change(threshold)`` when the thumb is let go.

    ``bounds``: the slider's low, high and step; ``rates(t)``: the false positive and
    detection rates at ``t``, sent for every step; ``histogram``: its ``edges``, the
    ``inside`` and ``outside`` shares and ``log``; ``words``: the view's labels.
    """
    key = "live-detect"
    low, high, step = bounds
    count = round((high - low) / step) + 1
    table = [rates(round(low + index * step, 6)) for index in range(count)]
    false_positive, detection = np.asarray(roc, dtype=float)
    keep = np.unique(
        np.linspace(0, len(false_positive) - 1, min(len(false_positive), 400)).astype(int)
    )
    view = {
        "threshold": threshold,
        "rates": {
            "low": low,
            "high": high,
            "step": step,
            "false_positive": [round(fp, 5) for fp, _ in table],
            "detection": [round(caught, 5) for _, caught in table],
        },
        "histogram": {
            "edges": np.asarray(histogram["edges"], dtype=float).tolist(),
            "inside": np.asarray(histogram["inside"], dtype=float).tolist(),
            "outside": np.asarray(histogram["outside"], dtype=float).tolist(),
            "log": bool(histogram["log"]),
        },
        "roc": {
            "false_positive": false_positive[keep].round(5).tolist(),
            "detection": detection[keep].round(5).tolist(),
        },
        "drawn": drawn,
        "drawn_share": drawn_share,
        **words,
    }

    def changed() -> None:
        chosen = threshold_of(st.session_state[key].get("threshold"), bounds)
        if chosen is not None:
            on_change(chosen)

    return _mount_many([], "detect", key, f"detect-{view_id}", view, on_threshold_change=changed)


def threshold_of(sent: Any, bounds: tuple[float, float, float]) -> float | None:
    """The threshold the browser sent, on the slider's steps; None for nonsense."""
    low, high, step = bounds
    if not isinstance(sent, int | float) or isinstance(sent, bool) or not low <= sent <= high:
        return None
    return round(low + round((sent - low) / step) * step, 6)


def noise_choice(sent: Any, kinds: list[str], low: float, high: float) -> tuple[str, float] | None:
    """The kind and level the browser sent, or None for nonsense (the page keeps its own)."""
    if not isinstance(sent, dict) or sent.get("kind") not in kinds:
        return None
    level = sent.get("level")
    if not isinstance(level, int | float) or isinstance(level, bool) or not low <= level <= high:
        return None
    return sent["kind"], float(level)


def _mount_many(
    models: list[Autoencoder],
    view: str,
    key: str,
    spec: str,
    data: dict[str, Any],
    **callbacks: Callable[[], None],
) -> bool:
    """A view of several models (or none): True once this browser is known to run it.

    ``spec`` names what the view shows: a new one rebuilds it in the same element.
    Each model's weights go until this page reports holding them, as in :func:`_mount`.
    """
    held = _held(key)
    payloads = []
    for model in models:
        if model.fingerprint in held:
            continue
        try:
            payloads.append(export.payload(model))
        except export.UnsupportedModelError as error:
            st.caption(f"This view runs on the server only ({error}).")
            return False
    data = {
        "view": view,
        "spec": spec,
        "fingerprints": [model.fingerprint for model in models],
        "held": held,
        "active": bool(held),
        "payloads": payloads,
        **data,
    }

    def remember_held() -> None:
        session.set_live_held(st.session_state[key].get("held") or [])

    _component(key=key, data=data, on_held_change=remember_held, **callbacks)
    return bool(held)


def _nothing() -> None:
    """The code's new value is read from the component's state on the rerun."""


def _is_vector(value: Any, length: int) -> bool:
    return (
        isinstance(value, list)
        and len(value) == length
        and all(isinstance(item, int | float) and np.isfinite(item) for item in value)
    )


def _digit(drawing: Any) -> np.ndarray | None:
    """A drawing sent by the browser -> 28x28 float32 in [0, 1]; None for none or nonsense."""
    digit = drawing.get("digit") if isinstance(drawing, dict) else None
    if not _is_vector(digit, INPUT_DIM):
        return None
    return np.clip(np.asarray(digit, dtype=np.float32), 0, 1).reshape(IMAGE_SIDE, IMAGE_SIDE)
