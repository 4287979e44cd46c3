"""The one owner of a visitor's session state: every key is named here, and read or
written only through the functions below.

Pages share nothing but this module: the drawing, the visitor's own model (and
its download), the training run and what became of it. A page's own widget keys
stay beside their widgets; the keys here are those some code reads or writes
outside a widget's own call.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from autoencoder.budget import GRACE_SECONDS, BudgetFullError, Holdings, start_sweeper

if TYPE_CHECKING:  # the job module is only needed once a run is started
    from autoencoder.handwriting import BeforeAfter
    from autoencoder.jobs import TrainingJob
    from autoencoder.network import Autoencoder

# What pages share.
DRAWING_KEY = "drawn_digit"  # the digit the Draw page shows: 28x28 float32 in [0, 1]
OWN_MODEL_KEY = "own_model"  # a model this session trained or uploaded
OWN_ZIP_KEY = "own_model_zip"  # (model, its zip): made once per model, in this session only
KERAS_BUNDLE_KEY = "keras_bundle"  # (model, its .keras bundle): the last one made, this session
JOB_KEY = "training_job"  # the running job: a process handle, which no widget can hold
OUTCOME_KEY = "training_outcome"  # an Outcome: how the last run or upload ended, shown once
MODEL_CHOICE_KEY = "model_choice"  # the sidebar's chosen model: a zoo name, or OWN_CHOICE
MODEL_PICKER_KEY = "model_picker"  # the sidebar's selectbox, which shows and sets the choice
OWN_CHOICE = "own"  # the choice of the visitor's own model (zoo names never say "own")
LIVE_HELD_KEY = "live_held"  # fingerprints of the models this browser page reports holding
OWN_DATASET_KEY = "own_dataset"  # an OwnDataset: the visitor's .npz, for their runs only
DATASET_PART = "dataset"  # its part of what the visitor holds in the budget
DATASET_PROBLEM_KEY = "own_dataset_problem"  # why the last dataset file was refused, said once
HANDWRITING_KEY = "handwriting"  # the visitor's digits: a tuple of Written, at most 50
REDO_KEY = "handwriting_redo_index"  # which of them the canvas now writes again, or none
TEACHING_KEY = "handwriting_teaching"  # a Teaching: a fine-tune on them, and what it made

# A page's own state that is no widget's.
SAMPLES_SEED = "sample_seed"  # a button press draws a new random set; the seed remembers it
COMPARE_SEED = "compare_seed"
LATENT_SEED = "latent_random_seed"
GENERATE_SEED = "generate_seed"
SLIDER_GENERATION_KEY = "latent_reset"  # bumping it gives the sliders fresh keys: a reset
CANVAS_GENERATION_KEY = "canvas_generation"  # bumping it gives the canvas a fresh key: cleared
HANDWRITING_CANVAS_KEY = "handwriting_canvas_generation"  # the same, for the handwriting page
THRESHOLD_MODEL_KEY = "detect_threshold_model"  # "fingerprint/score" of the threshold's

# Widgets whose value code reads or sets outside their own call.
BRUSH_KEY = "brush"  # the Draw page's brush; the live pad starts with it
MODEL_UPLOAD_KEY = "model_upload"  # the Train page's uploader, read by its callback
DATASET_UPLOAD_KEY = "dataset_upload"  # the Train page's dataset uploader, read by its callback
MAP_KEY = "generate_map"  # the 2-number map, whose click selection a callback reads
MAP_SLIDER_KEYS = ("generate_z0", "generate_z1")  # the map's point, which a click sets


# --- The drawing ---------------------------------------------------------------------------


def drawing() -> np.ndarray | None:
    """The visitor's last drawing (28x28 float32 in [0, 1]), or None."""
    return st.session_state.get(DRAWING_KEY)


def set_drawing(digit: np.ndarray | None) -> None:
    """Keep ``digit`` as the drawing every page may use; None forgets it."""
    if digit is None:
        st.session_state.pop(DRAWING_KEY, None)
    else:
        st.session_state[DRAWING_KEY] = digit


# --- The visitor's own model ---------------------------------------------------------------
#
# Every visitor's model is charged against one budget for the whole process
# (autoencoder/budget.py). Streamlit keeps a disconnected session, and this state with
# it, until its session store is next written after server.disconnectedSessionTTL,
# which on a quiet server may be never; so the budget's sweeper closes the session of
# a model's visitor once they have been gone for GRACE_SECONDS, and the model goes.

# All visitors' own models and their results, together: 360 MB of the 700 MB the
# memory plan gives the server (autoencoder/jobs), unless the host says otherwise. A
# model trained here costs about 12.5 MB (its results' bound, mostly): 28 at once.
VISITOR_MODELS_ENV = "AUTOENCODER_VISITOR_MODELS_MB"
VISITOR_MODELS_MB = 360
# What one own model's results may hold in its session: caching.py's per-session bound
# for each computation cached by model, RESULT_CACHES of them (a test counts them).
RESULT_CACHES = 12


def own_model() -> Autoencoder | None:
    """The model this session trained or uploaded, or None."""
    return st.session_state.get(OWN_MODEL_KEY)


def set_own_model(model: Autoencoder | None) -> None:
    """The one way a visitor gets (or gives back) a model of their own.

    A model becomes the one every page uses; None goes back to the zoo's and
    drops the model's download too. BudgetFullError (whose message says what
    to do) if the server-wide budget has no room for it: the visitor keeps
    what they had.
    """
    if model is None:
        _holdings().drop(_session_id())
        st.session_state.pop(OWN_MODEL_KEY, None)
        st.session_state.pop(OWN_ZIP_KEY, None)
        st.session_state.pop(KERAS_BUNDLE_KEY, None)
        return
    _holdings().put(_session_id(), model, _charge(model))
    st.session_state[OWN_MODEL_KEY] = model
    st.session_state.pop(OWN_ZIP_KEY, None)
    st.session_state[MODEL_CHOICE_KEY] = OWN_CHOICE


def is_own(model: Autoencoder) -> bool:
    """True for the very object that is this session's own model."""
    return own_model() is model


def own_zip(model: Autoencoder) -> bytes | None:
    """The download kept for ``model``, if it is the one made last."""
    kept = st.session_state.get(OWN_ZIP_KEY)
    return kept[1] if kept is not None and kept[0] is model else None


def keep_own_zip(model: Autoencoder, data: bytes) -> None:
    """Keep the download beside its model if the budget has room (else it is made again)."""
    try:
        _holdings().put(_session_id(), model, _charge(model) + len(data))
    except BudgetFullError:
        return
    st.session_state[OWN_ZIP_KEY] = (model, data)


def _charge(model: Autoencoder) -> int:
    """What a visitor's model may cost the server: its weights and its cached results."""
    from views.caching import SESSION_BYTES  # caching imports the picker, which imports this

    weights = sum(array.nbytes for array in model.weights.values())
    return weights + RESULT_CACHES * int(SESSION_BYTES.removesuffix("MB")) * 2**20


@st.cache_resource
def _holdings() -> Holdings:
    """One budget for the whole process, swept for the visitors who left."""
    try:
        megabytes = max(0.0, float(os.environ.get(VISITOR_MODELS_ENV, VISITOR_MODELS_MB)))
    except ValueError:  # a typo in the host's settings must not take the pages down
        megabytes = VISITOR_MODELS_MB
    holdings = Holdings(int(megabytes * 2**20), grace_seconds=GRACE_SECONDS)
    start_sweeper(holdings, _connected, after_drop=_close_sessions)
    return holdings


def _session_id() -> str:
    context = get_script_run_ctx()
    return context.session_id if context is not None else "bare"


def _connected(session_id: str) -> bool:
    # Without a server (AppTest, bare mode) no session ever leaves.
    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


def _close_sessions(session_ids: list[str]) -> None:
    """Close the sessions of visitors who left: their state, and their model, go at once.

    ``clear_user_info_for_session`` is Streamlit's public way to end a session
    so that no later connection resumes it (it closes a stored, disconnected
    one on the event loop); a visitor back after the grace period starts afresh.
    """
    from views.caching import release_freed_memory

    if Runtime.exists():
        for session_id in session_ids:
            Runtime.instance().clear_user_info_for_session(session_id)
    release_freed_memory()


def keras_bundle(model: Autoencoder) -> bytes | None:
    """The Keras bundle made in this session for ``model`` (this very object), or None."""
    kept = st.session_state.get(KERAS_BUNDLE_KEY)
    return kept[1] if kept is not None and kept[0] is model else None


def keep_keras_bundle(model: Autoencoder, data: bytes) -> None:
    """Keep the last bundle made (one at a time); a visitor's own is charged to the budget."""
    st.session_state.pop(KERAS_BUNDLE_KEY, None)
    if is_own(model):
        zipped = own_zip(model)
        extra = len(data) + (len(zipped) if zipped is not None else 0)
        try:
            _holdings().put(_session_id(), model, _charge(model) + extra)
        except BudgetFullError:
            return  # made again on the next click
    st.session_state[KERAS_BUNDLE_KEY] = (model, data)


# --- The sidebar's choice of model ---------------------------------------------------------


def model_choice() -> str | None:
    """The chosen model: a zoo name, ``OWN_CHOICE``, or None before any choice."""
    return st.session_state.get(MODEL_CHOICE_KEY)


def set_model_choice(choice: str) -> None:
    st.session_state[MODEL_CHOICE_KEY] = choice


def show_choice_in_picker(choice: str) -> None:
    """Before the picker is drawn: it starts from the choice (it has no default argument)."""
    st.session_state[MODEL_PICKER_KEY] = choice


def picked_model() -> str:
    """The picker's value, in its callback."""
    return st.session_state[MODEL_PICKER_KEY]


# --- The training run and how it ended -----------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How the last training run or upload ended, to be shown once."""

    kind: Literal["success", "warning", "error"]
    message: str
    trained: bool = False  # a run finished and its model is the visitor's


def training_job() -> TrainingJob | None:
    return st.session_state.get(JOB_KEY)


def set_training_job(job: TrainingJob | None) -> None:
    if job is None:
        st.session_state.pop(JOB_KEY, None)
    else:
        st.session_state[JOB_KEY] = job


def set_outcome(outcome: Outcome) -> None:
    st.session_state[OUTCOME_KEY] = outcome


def pop_outcome() -> Outcome | None:
    """The outcome not shown yet, which is then forgotten."""
    return st.session_state.pop(OUTCOME_KEY, None)


# --- The visitor's own dataset -------------------------------------------------------------


@dataclass(frozen=True)
class OwnDataset:
    """A visitor's dataset file, checked once (``dataset_from_bytes``), for their runs only.

    The bytes (at most ``data.MAX_UPLOAD_BYTES``) go to the training child;
    ``sample`` is a few of its test images to show, never the whole set.
    """

    data: bytes
    label: str  # the file's name, as the visitor gave it
    train_images: int
    test_images: int
    labelled: bool
    sample: np.ndarray  # (n, 784) float32 in [0, 1]


def own_dataset() -> OwnDataset | None:
    return st.session_state.get(OWN_DATASET_KEY)


def set_own_dataset(dataset: OwnDataset | None) -> None:
    """Keep (or drop) the visitor's file, charged to the server-wide budget like a model.

    BudgetFullError (whose message says what to do) if there is no room: the
    file kept before stays.
    """
    if dataset is None:
        _holdings().drop(_session_id(), part=DATASET_PART)
        st.session_state.pop(OWN_DATASET_KEY, None)
        return
    charge = len(dataset.data) + dataset.sample.nbytes
    _holdings().put(_session_id(), dataset, charge, part=DATASET_PART)
    st.session_state[OWN_DATASET_KEY] = dataset


def set_dataset_problem(message: str) -> None:
    st.session_state[DATASET_PROBLEM_KEY] = message


def pop_dataset_problem() -> str | None:
    return st.session_state.pop(DATASET_PROBLEM_KEY, None)


def uploaded_dataset_file() -> Any:
    """The Train page's uploaded dataset (an UploadedFile), or None."""
    return st.session_state.get(DATASET_UPLOAD_KEY)


# --- The visitor's handwriting --------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One digit the visitor wrote when asked for ``digit``: 28x28 float32 in [0, 1]."""

    digit: int
    image: np.ndarray


@dataclass(frozen=True)
class Teaching:
    """A fine-tune on the visitor's digits: the model it started from, the digits as they
    were then (``held`` are the indices it did not train on), and the model it made;
    once compared, only the comparison (the models are dropped: the session keeps none
    that it no longer uses)."""

    job: TrainingJob | None
    before: Autoencoder | None
    written: tuple[Written, ...]
    held: tuple[int, ...]
    after: Autoencoder | None = None
    figures: BeforeAfter | None = None


def compared(figures: BeforeAfter) -> None:
    """The fine-tune's comparison is made: keep it, and let the models go."""
    kept = teaching()
    if kept is not None:
        st.session_state[TEACHING_KEY] = dataclasses.replace(
            kept, job=None, before=None, after=None, figures=figures
        )


def handwriting() -> tuple[Written, ...]:
    return st.session_state.get(HANDWRITING_KEY, ())


def set_handwriting(written: tuple[Written, ...]) -> None:
    st.session_state[HANDWRITING_KEY] = tuple(written)


def redo_index() -> int | None:
    return st.session_state.get(REDO_KEY)


def set_redo_index(index: int | None) -> None:
    if index is None:
        st.session_state.pop(REDO_KEY, None)
    else:
        st.session_state[REDO_KEY] = index


def teaching() -> Teaching | None:
    return st.session_state.get(TEACHING_KEY)


def set_teaching(teaching: Teaching | None) -> None:
    if teaching is None:
        st.session_state.pop(TEACHING_KEY, None)
    else:
        st.session_state[TEACHING_KEY] = teaching


def taught(job: TrainingJob, model: Autoencoder) -> None:
    """``job`` ended with ``model``: if it was the fine-tune, it made that model."""
    kept = teaching()
    if kept is not None and kept.job is job:
        st.session_state[TEACHING_KEY] = dataclasses.replace(kept, after=model)


# --- Small state of one page ----------------------------------------------------------------


def seed(key: str) -> int:
    """The random seed under ``key`` (0 until a new one is drawn)."""
    return st.session_state.setdefault(key, 0)


def new_seed(key: str) -> None:
    """Draw a new random seed under ``key``: a new random set on the next use."""
    st.session_state[key] = int(np.random.default_rng().integers(2**31))


def generation(key: str) -> int:
    """A counter that widget keys include: bumped, the widgets start afresh."""
    return st.session_state.setdefault(key, 0)


def bump_generation(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def live_held() -> list[str]:
    """The fingerprints of the models this browser page reports holding."""
    return list(st.session_state.get(LIVE_HELD_KEY, []))


def set_live_held(fingerprints: list[str]) -> None:
    st.session_state[LIVE_HELD_KEY] = list(fingerprints)


def threshold_model_changed(owner: str) -> bool:
    """Remember ``owner`` (the model and score the threshold is on); True if it changed."""
    previous = st.session_state.get(THRESHOLD_MODEL_KEY)
    st.session_state[THRESHOLD_MODEL_KEY] = owner
    return previous not in (None, owner)


def brush(default: str) -> str:
    """The Draw page's brush (its widget's value), ``default`` before the widget is drawn."""
    return st.session_state.get(BRUSH_KEY, default)


def uploaded_model_file() -> Any:
    """The Train page's uploaded zip (an UploadedFile), or None."""
    return st.session_state.get(MODEL_UPLOAD_KEY)


def map_selection(selection: str) -> list[dict[str, float]]:
    """The points of ``selection`` clicked on the Generate page's map."""
    return st.session_state[MAP_KEY]["selection"].get(selection) or []


def set_map_point(point: tuple[float, float]) -> None:
    """Move the map's sliders to ``point`` (in a callback, before they are drawn)."""
    for key, value in zip(MAP_SLIDER_KEYS, point, strict=True):
        st.session_state[key] = value


def start_map_point() -> None:
    """The map's sliders start at 0 (they take no value argument: a click sets them)."""
    for key in MAP_SLIDER_KEYS:
        st.session_state.setdefault(key, 0.0)
