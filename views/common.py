"""What every page shares: the model, the test set, the sidebar, image helpers.

The host has about 2.7 GB for every visitor at once, and visitors are
anonymous, so memory is kept in bounds by construction:

- the test set is loaded once per process (``st.cache_resource``) and only read;
- results about a model are cached under the model's fingerprint (a hash of
  its settings and weights): shared by all sessions for the shipped model,
  kept in the visitor's own session for a model they trained or uploaded, and
  dropped when they leave (``by_model``);
- every cache is bounded in entries and bytes, and its entries are small:
  per-image errors, code statistics, 2-D map points, PNGs; never a copy of
  the test set or of 10,000 reconstructions.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from autoencoder import latent, metrics, zoo
from autoencoder.artifact import ModelLoadError
from autoencoder.config import DATASETS, IMAGE_SIDE
from autoencoder.data import (
    CLASS_NAMES,
    DATA_DIR_ENV,
    DatasetUnavailableError,
    Split,
    load_dataset,
)
from autoencoder.jobs import TrainingJob
from autoencoder.network import Autoencoder
from views import models

OWN_MODEL_KEY = "own_model"  # a model this session trained or uploaded
JOB_KEY = "training_job"  # the running job: a process handle, which no widget can hold
OUTCOME_KEY = "training_outcome"  # (kind, message) of the last finished run, shown once
ZOOM = 8  # 28 px -> 224 px on screen, pixels kept sharp

BY_FINGERPRINT = {Autoencoder: attrgetter("fingerprint")}  # a model's cache key: its content
SESSION_ENTRIES = 2  # a visitor's own models whose results their session keeps
SHARED_BYTES = "16MB"  # per cached function, over all sessions (entries are < 0.5 MB)
SESSION_BYTES = "4MB"  # per cached function and session

Result = TypeVar("Result")


def is_shipped(model: Autoencoder) -> bool:
    """The process' own copy of the default or a zoo model, whose results every session
    may share; anything a visitor trained or uploaded is theirs alone."""
    return models.is_zoo_model(model)


def by_model(
    shared_entries: int, session_entries: int = SESSION_ENTRIES, spinner: str | bool = False
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Cache ``function(model, *args)`` under the model's fingerprint and ``args``.

    Results for a shipped model go to a cache all sessions share; those for a
    visitor's own model stay in that visitor's session and go when the session
    does, so a crafted model can neither fill the shared cache nor outlive its
    visitor. Both caches are bounded in entries and bytes.
    """

    def decorate(function: Callable[..., Result]) -> Callable[..., Result]:
        options: dict[str, Any] = {"hash_funcs": BY_FINGERPRINT, "show_spinner": spinner}
        shared = st.cache_data(
            function, max_entries=shared_entries, max_size=SHARED_BYTES, **options
        )
        private = st.cache_data(
            function,
            max_entries=session_entries,
            max_size=SESSION_BYTES,
            scope="session",
            **options,
        )

        @functools.wraps(function)
        def cached(model: Autoencoder, *args: Any) -> Result:
            return (shared if is_shipped(model) else private)(model, *args)

        cached.caches = (shared, private)  # type: ignore[attr-defined]  # for the tests
        return cached

    return decorate


def _release_freed_memory() -> None:
    """Hand the pages freed by a big computation back to the OS.

    glibc keeps freed heap memory for reuse, in one arena per thread, and
    Streamlit runs each session's script in a thread: trimming after a cache
    miss here gives back 5-10 MB a visit that would otherwise stay.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")  # Linux, as on Community Cloud; elsewhere no trimming
    except OSError:
        return None


_LIBC = _glibc()


def default_model() -> Autoencoder:
    """The shipped model (the zoo's dense-32), loaded once per process and shared."""
    return models.zoo_model(zoo.DEFAULT_NAME)


def current_model() -> Autoencoder | None:
    """The model the sidebar's picker names: a zoo model or this session's own.

    None (after a message) if it cannot be loaded; the picker stays usable, so
    the visitor can always go back to the default.
    """
    own = st.session_state.get(OWN_MODEL_KEY)
    with st.sidebar:
        choice = models.picker(has_own=own is not None)
    if choice == models.OWN and own is not None:
        return own
    try:
        return models.zoo_model(choice)
    except (KeyError, ModelLoadError) as error:
        st.error(
            f"The model {choice} could not be loaded ({error}). Choose another in the sidebar. "
            "The default model is restored from the repository's `assets/model/`, or retrained "
            "with `python -m autoencoder train --out assets/model`."
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
        adopt(model)
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


def adopt(model: Autoencoder) -> None:
    """Make ``model`` this session's own model, and the one every page uses."""
    st.session_state[OWN_MODEL_KEY] = model
    st.session_state[models.CHOICE_KEY] = models.OWN


@st.fragment(run_every=1)
def _training_status(job: TrainingJob) -> None:
    """While a run trains, on every page: its epoch, and a heartbeat that keeps it going.

    The run stops by itself once nobody touches the heartbeat (the visitor left).
    """
    if not job.running:
        st.rerun()  # the whole page, which collects the model
    job.keep_alive()
    progress = job.progress()  # the same fraction and words as the Train page's bar
    st.caption(f"Training your model: {progress.text} ({progress.fraction:.0%})")


@st.cache_resource(show_spinner="Loading the test images ...", max_entries=len(DATASETS))
def shared_test_split(name: str) -> Split:
    """One copy of a dataset's test images per process, shared by every session, read-only.

    (``st.cache_data`` would hand each caller its own unpickled 31 MB copy.)
    """
    split = load_dataset(name, include_train=False).test
    for array in (stored_pixels(split), split.labels):
        array.flags.writeable = False  # one session must not change another's images
    return split


def load_test_images(name: str) -> Split | None:
    """The test images of ``name``, or None after saying how to provide them."""
    try:
        return shared_test_split(name)
    except (DatasetUnavailableError, FileNotFoundError, ValueError) as error:
        st.info(
            f"**The {name} test images are not available here.** {error}\n\n"
            f"To use them, set `{DATA_DIR_ENV}` to a folder holding `{name}.npz` "
            "(the layout of Keras' `mnist.npz`) and restart the app. Drawing works without them."
        )
        return None


def stored_pixels(test: Split) -> np.ndarray:
    """The test images as stored: uint8 (n, 784) where the split keeps them so, else float32."""
    pixels = getattr(test, "pixels", None)  # not test.images: that may build a float32 copy
    return test.images if pixels is None else pixels


def test_images(test: Split, index: Any) -> np.ndarray:
    """Some test images (``index`` as for a NumPy array) as float32 rows in [0, 1]."""
    return metrics.unit_floats(stored_pixels(test)[index])


@dataclass(frozen=True)
class ImageErrors:
    """Per-image errors of one model over a test set (float64, 160 KB)."""

    bce: np.ndarray
    mse: np.ndarray


@by_model(shared_entries=16, spinner="Scoring every test image ...")
def image_errors(model: Autoencoder, name: str) -> ImageErrors:
    """BCE and MSE of every test image, a chunk at a time."""
    bce, mse = metrics.score(stored_pixels(shared_test_split(name)), model.reconstruct)
    _release_freed_memory()
    return ImageErrors(bce=bce, mse=mse)


def score_test_images(model: Autoencoder, name: str) -> np.ndarray:
    """Per-image BCE over the whole test set."""
    return image_errors(model, name).bce


def summarize_test_images(model: Autoencoder, name: str) -> dict[str, float]:
    """Mean BCE, MSE and PSNR of one model over a dataset's test images."""
    errors = image_errors(model, name)
    return metrics.summary(errors.bce, errors.mse)


@dataclass(frozen=True)
class CodeSummary:
    """What the Explore page needs of the test set's codes, without the codes themselves."""

    stats: latent.LatentStatistics
    class_means: np.ndarray  # (classes, latent_dim): the mean code of each class
    points: np.ndarray  # (n, 2) float32: each code on the plane of the two main directions


@by_model(shared_entries=16, spinner="Encoding the test images ...")
def code_summary(model: Autoencoder, name: str) -> CodeSummary:
    """Statistics, class means and map points of every test image's code.

    Raises ``ValueError`` if the codes hold NaN or infinite values.
    """
    test = shared_test_split(name)
    pixels = stored_pixels(test)
    codes = np.concatenate(
        [
            model.encode(metrics.unit_floats(pixels[i : i + metrics.CHUNK]))
            for i in range(0, len(test), metrics.CHUNK)
        ]
    )
    stats = latent.statistics(codes, non_negative=model.config.code_activation == "relu")
    summary = CodeSummary(
        stats=stats,
        class_means=latent.class_means(codes, test.labels, len(CLASS_NAMES[name])),
        points=latent.project(codes, stats).astype(np.float32),
    )
    del codes
    _release_freed_memory()
    return summary


def tile(
    images: np.ndarray, columns: int, zoom: int = 3, gap: int = 2, background: int = 128
) -> np.ndarray:
    """Flat 28x28 images side by side in rows, as one uint8 picture with grey gaps."""
    images = np.clip(np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIDE, IMAGE_SIDE), 0, 1)
    rows = -(-len(images) // columns)
    side = IMAGE_SIDE * zoom
    picture = np.full(
        (rows * side + (rows - 1) * gap, columns * side + (columns - 1) * gap), background, np.uint8
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (side + gap), column * (side + gap)
        picture[top : top + side, left : left + side] = enlarge(image, zoom)
    return picture


def text_strip(
    texts: list[str], cell: int, gap: int, height: int = 16, size: int = 12
) -> np.ndarray:
    """Dark ``texts`` on white as one uint8 row, each centred in a cell ``cell`` px wide,
    cells ``gap`` apart, in a ``size`` px font.

    Drawn with Pillow's built-in font: no matplotlib (its import alone costs the
    server about 40 MB) for a few words under a picture.
    """
    from PIL import Image, ImageDraw

    width = len(texts) * cell + (len(texts) - 1) * gap
    strip = Image.new("L", (max(width, 1), height), 255)
    draw = ImageDraw.Draw(strip)
    for index, text in enumerate(texts):
        left = index * (cell + gap)
        draw.text((left + cell / 2, height / 2), text, fill=40, font=font(size), anchor="mm")
    return np.asarray(strip)


@functools.lru_cache(maxsize=4)
def font(size: int) -> Any:
    """Pillow's built-in font at ``size`` px (loaded once per size)."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def class_names(model: Autoencoder) -> tuple[str, ...]:
    return CLASS_NAMES[model.config.dataset]


def enlarge(image: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """A 28x28 image in [0, 1] as big uint8 pixels (no blur: people should see pixels)."""
    square = np.clip(np.asarray(image, dtype=np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE), 0, 1)
    return np.kron((square * 255).astype(np.uint8), np.ones((zoom, zoom), dtype=np.uint8))


def error_map(original: np.ndarray, reconstruction: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """RGB picture of reconstruction - original: red where ink was added, blue where lost."""
    difference = (
        np.asarray(reconstruction, dtype=np.float32) - np.asarray(original, dtype=np.float32)
    ).reshape(IMAGE_SIDE, IMAGE_SIDE)
    # On black like the digits: extra ink glows red, missing ink blue; the square
    # root lifts small errors into view.
    added = np.sqrt(np.clip(difference, 0, 1))
    lost = np.sqrt(np.clip(-difference, 0, 1))
    rgb = np.stack([added, 0.25 * (added + lost), lost], axis=-1)
    big = np.kron(np.clip(rgb, 0, 1), np.ones((zoom, zoom, 1), dtype=np.float32))
    return (big * 255).astype(np.uint8)


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def sidebar(model: Autoencoder) -> None:
    """Which model is loaded: its settings and its test metrics, from its config."""
    own = st.session_state.get(OWN_MODEL_KEY) is model
    record = model.record
    scores = record.get("metrics", {})
    config = model.config
    with st.sidebar:
        if own:
            st.caption("Your own model (this session only)")
        else:
            chosen = st.session_state.get(models.CHOICE_KEY, "")
            description = models.manifest().get(chosen, {}).get("description")
            st.caption(description or "The shipped default model: the seed's network")
        st.markdown(
            f"{config.describe()}  \n"
            f"{record.get('dataset', {}).get('name', config.dataset)}, "
            f"{count(len(record.get('history', {}).get('loss', [])) or config.epochs, 'epoch')}, "
            f"batch {config.batch_size}, learning rate {config.learning_rate:g}"
            + (f" ({config.schedule} decay)" if config.schedule != "constant" else "")
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
