"""Load MNIST or Fashion-MNIST: uint8 pixels, flattened to 784, and labels.

Where the data comes from, in order:
1. an explicit ``.npz`` path (the layout of Keras' ``mnist.npz``);
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
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autoencoder.config import DATASETS, IMAGE_SIDE, INPUT_DIM
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
MAX_IMAGES = 100_000  # per split (MNIST has 60,000 training images): 78 MB as uint8
MAX_MEMBERS = 16  # a Keras-layout .npz holds 4 arrays
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
}
_NPY_MAGIC = b"\x93NUMPY"
# Failed downloads, by destination: (time.monotonic() of the failure, the message).
_failed_downloads: dict[Path, tuple[float, str]] = {}


class DatasetUnavailableError(RuntimeError):
    """No local copy was given and the download failed (offline, say)."""


@dataclass(frozen=True)
class Split:
    """Images as read-only uint8 rows of 784 pixels, and their labels (uint8, 0-9).

    ``images`` is the float32 form in [0, 1] that a model takes, made on first
    use: 4 bytes a pixel (190 MB for MNIST's training split), which training
    avoids by reading ``pixels``.
    """

    pixels: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

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
    source: Path  # the .npz file the arrays were read from
    sha256: str

    @property
    def class_names(self) -> tuple[str, ...]:
        return CLASS_NAMES[self.name]


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
    """
    _check_name(name)
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
    splits = ("train", "test") if include_train else ("test",)
    try:
        digest = file_sha256(path)
        with open(path, "rb") as stream, contextlib.ExitStack() as stack:
            if stream.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
                raise ValueError(f"{path}: a single .npy array, not an .npz archive with {KEYS}")
            try:
                archive = stack.enter_context(
                    open_zip(stream, max_members=MAX_MEMBERS, what="the archive")
                )
            except BadFileError as problem:
                raise ValueError(f"{path}: not a readable .npz archive ({problem})") from None
            members = npz_members(archive, "the archive")
            missing = [key for key in KEYS if key not in members]
            if missing:
                raise ValueError(
                    f"{path}: missing keys {', '.join(missing)} "
                    f"(expected the layout of Keras' mnist.npz: {', '.join(KEYS)})"
                )
            headers = {
                key: read_npy_header(archive, members[key], key)
                for split in splits
                for key in (f"x_{split}", f"y_{split}")
            }
            for split in splits:
                _check_headers(headers[f"x_{split}"], headers[f"y_{split}"], split)
            arrays = {
                key: read_npy_array(archive, members[key], header, key)
                for key, header in headers.items()
            }
    except BadFileError as problem:
        raise ValueError(f"{path}: {problem}") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror})") from None
    loaded = {}
    for split in splits:
        labels = arrays[f"y_{split}"]
        if labels.min() < 0 or labels.max() > 9:
            raise ValueError(f"{path}: y_{split} must hold integer class labels 0-9")
        pixels = arrays[f"x_{split}"].reshape(len(labels), INPUT_DIM)
        pixels.flags.writeable = False  # shared by every page that reads the data
        labels = labels.astype(np.uint8)
        labels.flags.writeable = False
        loaded[split] = Split(pixels=pixels, labels=labels)
    return Dataset(
        name=name,
        train=loaded.get("train"),
        test=loaded["test"],
        source=path,
        sha256=digest,
    )


def _check_headers(images: NpyHeader, labels: NpyHeader, split: str) -> None:
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
