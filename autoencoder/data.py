"""Load a dataset of 28x28 images (MNIST, Fashion-MNIST, one's own): uint8 rows of 784, labels.

Where the data comes from, in order:
1. an explicit ``.npz`` path (the layout of Keras' ``mnist.npz``), or a visitor's
   own file, from memory (:func:`dataset_from_bytes`); its labels are optional;
2. ``$AUTOENCODER_DATA_DIR/<name>.npz``;
3. ``keras.datasets`` (downloads once). The download runs in a child process
   and is cached as an ``.npz``, so loading data never imports TensorFlow into
   the caller (the web app stays small). A failed download is not retried
   for :data:`RETRY_DOWNLOAD_SECONDS`, so an offline server does not try
   again on every page visit.

A data file is read like any untrusted file (autoencoder/files.py): each
array's header is checked (shape, dtype, never pickled objects) before its
data is read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from autoencoder.config import CUSTOM, DATASETS, IMAGE_SIDE, INPUT_DIM
from autoencoder.errors import AutoencoderError
from autoencoder.files import (
    BadFileError,
    NpyHeader,
    atomic_path,
    file_sha256,
    npz_members,
    open_zip,
    read_npy_array,
    read_npy_header,
    remove_temporaries,
    short,
)

DATA_DIR_ENV = "AUTOENCODER_DATA_DIR"
CACHE_DIR_ENV = "AUTOENCODER_CACHE_DIR"
KEYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_KEYS = ("x_train", "x_test")
LABEL_KEYS = ("y_train", "y_test")  # optional: both or neither
MAX_IMAGES = 100_000  # per split (MNIST has 60,000 training images): 78 MB as uint8
MAX_MEMBERS = 16  # a Keras-layout .npz holds 4 arrays
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a visitor's file; MNIST's own, compressed, is 11 MB
UPLOAD_ADVICE = (
    "save 28x28 uint8 images as x_train and x_test (labels 0-9 as y_train and y_test, "
    "if any) with numpy.savez"
)
CUSTOM_WITHOUT_FILE = (
    "a custom dataset is a file of your own: give its path with --data "
    "(the layout of Keras' mnist.npz)"
)
DOWNLOAD_TIMEOUT_SECONDS = 600
RETRY_DOWNLOAD_SECONDS = 600
CLASS_NAMES = {
    "mnist": tuple(str(digit) for digit in range(10)),
    "fashion_mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    CUSTOM: tuple(f"class {label}" for label in range(10)),  # a file's labels have no names
}
_NPY_MAGIC = b"\x93NUMPY"
# Failed downloads, by destination: (time.monotonic() of the failure, the message).
_failed_downloads: dict[Path, tuple[float, str]] = {}


class DatasetUnavailableError(AutoencoderError, RuntimeError):
    """No local copy was given and the download failed (offline, say)."""


class DatasetFileError(AutoencoderError, ValueError):
    """A visitor's dataset file is unusable: one sentence that says what to do, no path."""


@dataclass(frozen=True)
class Split:
    """Images as read-only uint8 rows of 784 pixels, and their labels (uint8, 0-9) if any.

    ``images`` is the float32 form in [0, 1] that a model takes, made on first
    use: 4 bytes a pixel (190 MB for MNIST's training split), which training
    avoids by reading ``pixels``.
    """

    pixels: np.ndarray
    labels: np.ndarray | None = None  # a visitor's own dataset may have none

    def __len__(self) -> int:
        return len(self.pixels)

    @functools.cached_property
    def images(self) -> np.ndarray:
        images = self.pixels.astype(np.float32)
        images /= np.float32(255)
        images.flags.writeable = False  # cached and shared: nobody may change it
        return images


@dataclass(frozen=True)
class Dataset:
    name: str
    train: Split | None  # None when loaded with include_train=False
    test: Split
    source: Path | None  # the .npz file the arrays were read from (None: from memory)
    sha256: str

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.name]

    @property
    def has_labels(self) -> bool:
        """Whether the images come with labels (MNIST's do; a visitor's file may not)."""
        return self.test.labels is not None


def load_dataset(
    name: str = "mnist",
    path: str | os.PathLike[str] | None = None,
    *,
    include_train: bool = True,
) -> Dataset:
    """Load a dataset by name, from ``path`` if given (see the module docstring).

    ``include_train=False`` skips the 60,000 training images, which the web
    app never needs.
    """
    _check_name(name)
    source = resolve_source(name, path)
    return read_npz(source, name=name, include_train=include_train)


def resolve_source(name: str, path: str | os.PathLike[str] | None = None) -> Path:
    """The local ``.npz`` to read, downloading it if nothing local was named."""
    if path is not None:
        source = Path(path).expanduser()
        if not source.is_file():
            raise FileNotFoundError(f"{source}: no such data file")
        return source
    if name == CUSTOM:
        raise FileNotFoundError(CUSTOM_WITHOUT_FILE)
    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir:
        source = Path(data_dir).expanduser() / f"{name}.npz"
        if not source.is_file():
            raise FileNotFoundError(
                f"{source}: not found ({DATA_DIR_ENV} is set to {data_dir!r}; "
                f"put {name}.npz there or unset it to download)"
            )
        return source
    cached = cache_dir() / f"{name}.npz"
    if not cached.is_file():
        _download_with_keras(name, cached)
    return cached


def find_local(name: str) -> Path | None:
    """The dataset's local ``.npz`` ($AUTOENCODER_DATA_DIR, else the download cache), or None.

    Never downloads: a caller can refuse at once to start work that needs the data.
    A ``custom`` dataset is never found: it is a file that its owner gives.
    """
    _check_name(name)
    if name == CUSTOM:
        return None
    data_dir = os.environ.get(DATA_DIR_ENV)
    folder = Path(data_dir).expanduser() if data_dir else cache_dir()
    candidate = folder / f"{name}.npz"
    return candidate if candidate.is_file() else None


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "autoencoder")


def read_npz(path: Path, *, name: str = "mnist", include_train: bool = True) -> Dataset:
    """Read and validate a Keras-layout ``.npz``; ``ValueError`` names the file and the problem.

    Every header is checked before any array data is read, and only the
    arrays of the splits asked for are read.
    """
    try:
        digest = file_sha256(path)
        with open(path, "rb") as stream:
            return _read_archive(stream, name, include_train, source=path, digest=digest)
    except BadFileError as problem:
        raise ValueError(f"{path}: {problem}") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror})") from None


def dataset_from_bytes(data: bytes, *, name: str = "mnist", include_train: bool = True) -> Dataset:
    """A visitor's own ``.npz`` (Keras' MNIST layout, labels optional), read from memory.

    The same bounded reader as :func:`read_npz`, after a size check; a bad
    file raises :class:`DatasetFileError`, one sentence that names no path.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise DatasetFileError(
            f"The file is {len(data) / 2**20:.1f} MB, and a dataset is at most "
            f"{MAX_UPLOAD_BYTES // 2**20} MB; {UPLOAD_ADVICE}."
        )
    digest = hashlib.sha256(data).hexdigest()
    try:
        return _read_archive(io.BytesIO(data), name, include_train, source=None, digest=digest)
    except BadFileError as problem:
        raise DatasetFileError(f"Not a usable dataset: {problem}; {UPLOAD_ADVICE}.") from None


def _read_archive(
    stream: BinaryIO, name: str, include_train: bool, *, source: Path | None, digest: str
) -> Dataset:
    """The reader behind both entry points; every problem is a ``BadFileError``."""
    splits = ("train", "test") if include_train else ("test",)
    if stream.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
        raise BadFileError(f"a single .npy array, not an .npz archive of {', '.join(KEYS)}")
    with contextlib.ExitStack() as stack:
        try:
            archive = stack.enter_context(
                open_zip(stream, max_members=MAX_MEMBERS, what="the archive")
            )
        except BadFileError as problem:
            raise BadFileError(f"not a readable .npz archive ({problem})") from None
        members = npz_members(archive, "the archive")
        wanted = [f"x_{split}" for split in splits]
        if _labelled(members):
            wanted += [f"y_{split}" for split in splits]
        headers = {key: read_npy_header(archive, members[key], key) for key in wanted}
        for split in splits:
            _check_headers(headers[f"x_{split}"], headers.get(f"y_{split}"), split)
        arrays = {
            key: read_npy_array(archive, members[key], header, key)
            for key, header in headers.items()
        }
    loaded = {}
    for split in splits:
        labels = arrays.get(f"y_{split}")
        if labels is not None:
            if labels.min() < 0 or labels.max() > 9:
                raise BadFileError(f"y_{split} must hold integer class labels 0-9")
            labels = labels.astype(np.uint8)
            labels.flags.writeable = False
        images = arrays[f"x_{split}"]
        pixels = images.reshape(len(images), INPUT_DIM)
        pixels.flags.writeable = False  # shared by every page that reads the data
        loaded[split] = Split(pixels=pixels, labels=labels)
    return Dataset(
        name=name, train=loaded.get("train"), test=loaded["test"], source=source, sha256=digest
    )


def _labelled(members: dict[str, zipfile.ZipInfo]) -> bool:
    """Whether the archive has labels: images are required, labels for both splits or neither."""
    missing = [key for key in IMAGE_KEYS if key not in members]
    if missing:
        raise BadFileError(
            f"missing keys {', '.join(missing)} (expected the layout of Keras' mnist.npz: "
            f"{', '.join(KEYS)}, the labels optional)"
        )
    given = [key for key in LABEL_KEYS if key in members]
    if len(given) == 1:
        other = next(key for key in LABEL_KEYS if key not in members)
        raise BadFileError(f"{given[0]} is given without {other} (label both splits or neither)")
    return bool(given)


def _check_headers(images: NpyHeader, labels: NpyHeader | None, split: str) -> None:
    """Shapes and dtypes of one split, from the headers alone (BadFileError names the array)."""
    expected = f"(n, {IMAGE_SIDE}, {IMAGE_SIDE}) uint8"
    if len(images.shape) != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise BadFileError(f"x_{split} has shape {short(images.shape)}, expected {expected}")
    if images.dtype != np.uint8:
        raise BadFileError(f"x_{split} has dtype {images.dtype}, expected {expected}")
    count = images.shape[0]
    if count == 0:
        raise BadFileError(f"x_{split} holds no images")
    if count > MAX_IMAGES:
        raise BadFileError(
            f"x_{split} holds {short(count)} images; at most {MAX_IMAGES:,} are read"
        )
    if labels is None:
        return
    if labels.shape != (count,):
        raise BadFileError(
            f"y_{split} has shape {short(labels.shape)}, expected ({count},) to match x_{split}"
        )
    if labels.dtype.kind not in "iu":
        raise BadFileError(f"y_{split} must hold integer class labels 0-9")


_DOWNLOAD_SCRIPT = """
import sys
import numpy as np
from keras import datasets
(x_train, y_train), (x_test, y_test) = getattr(datasets, sys.argv[1]).load_data()
with open(sys.argv[2], "wb") as stream:
    np.savez(stream, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
"""


def _download_with_keras(name: str, destination: Path) -> None:
    """Fetch a dataset through ``keras.datasets`` in a child process.

    A failure is remembered for :data:`RETRY_DOWNLOAD_SECONDS`: until then
    the same error is raised at once, without starting a child.
    """
    failed = _failed_downloads.get(destination)
    if failed is not None and time.monotonic() - failed[0] < RETRY_DOWNLOAD_SECONDS:
        raise DatasetUnavailableError(failed[1])
    try:
        _run_download(name, destination)
    except DatasetUnavailableError as error:
        _failed_downloads[destination] = (time.monotonic(), str(error))
        raise
    _failed_downloads.pop(destination, None)


def _run_download(name: str, destination: Path) -> None:
    how_to = (
        f"Give a local copy instead: pass the path of {name}.npz (the layout of "
        f"Keras' mnist.npz) with --data, or set {DATA_DIR_ENV} to a folder holding it."
    )
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        # A download killed midway leaves its temporary (50 MB); one older than
        # the timeout cannot belong to a download still running.
        remove_temporaries(
            destination.parent, destination.name, older_than=DOWNLOAD_TIMEOUT_SECONDS
        )
        with atomic_path(destination) as temporary:
            result = subprocess.run(
                [sys.executable, "-c", _DOWNLOAD_SCRIPT, name, str(temporary)],
                capture_output=True,
                text=True,
                timeout=DOWNLOAD_TIMEOUT_SECONDS,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            if result.returncode != 0:
                last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
                raise DatasetUnavailableError(
                    f"Could not download {name} through keras.datasets ({last_line}). " + how_to
                )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DatasetUnavailableError(
            f"Could not download {name} through keras.datasets ({error}). " + how_to
        ) from None


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
