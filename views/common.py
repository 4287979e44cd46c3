"""What every page shares: the model, the test set, the sidebar, image helpers."""

from __future__ import annotations

import numpy as np
import streamlit as st

from autoencoder import latent, metrics
from autoencoder.artifact import ModelLoadError, load_model
from autoencoder.data import (
    CLASS_NAMES,
    DATA_DIR_ENV,
    DatasetUnavailableError,
    Split,
    load_dataset,
)
from autoencoder.jobs import TrainingJob
from autoencoder.network import Autoencoder

OWN_MODEL_KEY = "own_model"  # a model this session trained or uploaded
JOB_KEY = "training_job"  # the running job: a process handle, which no widget can hold
OUTCOME_KEY = "training_outcome"  # (kind, message) of the last finished run, shown once
ZOOM = 8  # 28 px -> 224 px on screen, pixels kept sharp


@st.cache_resource(show_spinner="Loading the model ...")
def default_model() -> Autoencoder:
    """The shipped model, loaded once per process (it is read-only, so shareable)."""
    return load_model()


def current_model() -> Autoencoder | None:
    """This session's own model if it has one, else the default; None (and a message) if neither."""
    own = st.session_state.get(OWN_MODEL_KEY)
    if own is not None:
        return own
    try:
        return default_model()
    except ModelLoadError as error:
        st.error(
            f"The shipped model could not be loaded: {error}\n\n"
            "Restore `assets/model/` from the repository, or train a new one with "
            "`python -m autoencoder train --out assets/model`."
        )
        return None


def page_model(*, announce_outcome: bool = True) -> Autoencoder | None:
    """The model a page works with, shown in the sidebar; None once an error is on screen.

    A training run that ended since the last rerun is collected first, whatever
    the page, so its model is used at once; ``announce_outcome`` toasts its result.
    """
    job = st.session_state.get(JOB_KEY)
    if job is not None and not job.running:
        _collect(job)
    if announce_outcome and OUTCOME_KEY in st.session_state:
        st.toast(st.session_state.pop(OUTCOME_KEY)[1])
    model = current_model()
    if model is not None:
        sidebar(model)
    return model


def _collect(job: TrainingJob) -> None:
    """The job has ended: adopt its model for this session, or keep why it failed."""
    st.session_state.pop(JOB_KEY, None)
    try:
        if not job.succeeded:
            st.session_state[OUTCOME_KEY] = ("error", f"Training failed: {job.error()}")
            return
        model = job.result()
        st.session_state[OWN_MODEL_KEY] = model
        record = model.record
        stopped = " (stopped early; kept the best epoch)" if record.get("stopped_early") else ""
        st.session_state[OUTCOME_KEY] = (
            "success",
            f"Trained in {job.elapsed:.0f} s{stopped}: test BCE "
            f"{record['metrics']['val_bce']:.4f}. It is now your model on every page.",
        )
    except ModelLoadError as error:
        st.session_state[OUTCOME_KEY] = ("error", f"The trained model could not be read: {error}")
    finally:
        job.cleanup()


@st.fragment(run_every=2)
def _training_status(job: TrainingJob) -> None:
    """While a run trains, on every page: its epoch, and a heartbeat that keeps it going.

    The run stops by itself once nobody touches the heartbeat (the visitor left).
    """
    if not job.running:
        st.rerun()  # the whole page, which collects the model
    job.keep_alive()
    st.caption(f"Training your model: epoch {len(job.epochs())} of {job.config.epochs}")


@st.cache_data(show_spinner="Loading the test images ...", max_entries=2)
def _load_test_split(name: str) -> Split:
    return load_dataset(name, include_train=False).test


def load_test_images(name: str) -> Split | None:
    """The test images of ``name``, or None after saying how to provide them."""
    try:
        return _load_test_split(name)
    except (DatasetUnavailableError, FileNotFoundError, ValueError) as error:
        st.info(
            f"**The {name} test images are not available here.** {error}\n\n"
            f"To use them, set `{DATA_DIR_ENV}` to a folder holding `{name}.npz` "
            "(the layout of Keras' `mnist.npz`) and restart the app. Drawing works without them."
        )
        return None


@st.cache_data(show_spinner="Scoring every test image ...", max_entries=4)
def score_test_images(_model: Autoencoder, fingerprint: str, name: str) -> np.ndarray:
    """Per-image BCE over the whole test set, one batched pass per model."""
    images = _load_test_split(name).images
    return metrics.bce_per_image(images, _model.reconstruct(images)).astype(np.float32)


@st.cache_data(show_spinner="Scoring the test images ...", max_entries=8)
def summarize_test_images(_model: Autoencoder, fingerprint: str, name: str) -> dict[str, float]:
    """Mean BCE, MSE and PSNR of one model over a dataset's test images."""
    images = _load_test_split(name).images
    return metrics.summarize(images, _model.reconstruct(images))


@st.cache_data(show_spinner="Encoding the test images ...", max_entries=4)
def encode_test_images(_model: Autoencoder, fingerprint: str, name: str) -> np.ndarray:
    """The code of every test image, for one model (one batched pass)."""
    return _model.encode(_load_test_split(name).images)


@st.cache_data(max_entries=4)
def code_statistics(_model: Autoencoder, fingerprint: str, name: str) -> latent.LatentStatistics:
    return latent.statistics(encode_test_images(_model, fingerprint, name))


def tile(images: np.ndarray, columns: int, zoom: int = 3, gap: int = 2) -> np.ndarray:
    """Flat 28x28 images side by side in rows, as one uint8 picture with grey gaps."""
    images = np.clip(np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), 0, 1)
    rows = -(-len(images) // columns)
    side = 28 * zoom
    picture = np.full(
        (rows * side + (rows - 1) * gap, columns * side + (columns - 1) * gap), 128, np.uint8
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (side + gap), column * (side + gap)
        picture[top : top + side, left : left + side] = enlarge(image, zoom)
    return picture


def class_names(model: Autoencoder) -> tuple[str, ...]:
    return CLASS_NAMES[model.config.dataset]


def enlarge(image: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """A 28x28 image in [0, 1] as big uint8 pixels (no blur: people should see pixels)."""
    square = np.clip(np.asarray(image, dtype=np.float32).reshape(28, 28), 0, 1)
    return np.kron((square * 255).astype(np.uint8), np.ones((zoom, zoom), dtype=np.uint8))


def error_map(original: np.ndarray, reconstruction: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """RGB picture of reconstruction - original: red where ink was added, blue where lost."""
    difference = (
        np.asarray(reconstruction, dtype=np.float32) - np.asarray(original, dtype=np.float32)
    ).reshape(28, 28)
    # On black like the digits: extra ink glows red, missing ink blue; the square
    # root lifts small errors into view.
    added = np.sqrt(np.clip(difference, 0, 1))
    lost = np.sqrt(np.clip(-difference, 0, 1))
    rgb = np.stack([added, 0.25 * (added + lost), lost], axis=-1)
    big = np.kron(np.clip(rgb, 0, 1), np.ones((zoom, zoom, 1), dtype=np.float32))
    return (big * 255).astype(np.uint8)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def sidebar(model: Autoencoder) -> None:
    """Which model is loaded: its settings and its test metrics, from its config."""
    own = st.session_state.get(OWN_MODEL_KEY) is model
    record = model.record
    scores = record.get("metrics", {})
    config = model.config
    with st.sidebar:
        st.subheader("Model")
        st.caption("Your own model (this session only)" if own else "The shipped default model")
        st.markdown(
            f"784 → {config.hidden_units} → **{config.latent_dim}** → "
            f"{config.hidden_units} → 784  \n"
            f"{record.get('dataset', {}).get('name', config.dataset)}, "
            f"{_count(len(record.get('history', {}).get('loss', [])) or config.epochs, 'epoch')}, "
            f"batch {config.batch_size}, learning rate {config.learning_rate:g}"
        )
        if scores:
            st.markdown(
                f"| test set | |\n|---|---|\n"
                f"| BCE | {scores['val_bce']:.4f} |\n"
                f"| MSE | {scores['mse']:.4f} |\n"
                f"| PSNR | {scores['psnr']:.1f} dB |"
            )
        else:
            st.caption("No test metrics recorded for this model.")
        job = st.session_state.get(JOB_KEY)
        if job is not None:
            _training_status(job)
