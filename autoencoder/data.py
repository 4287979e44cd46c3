"""Load MNIST or Fashion-MNIST as float32 arrays in [0, 1], flattened to 784.

Where the data comes from, in order:
1. an explicit ``.npz`` path (the layout of Keras' ``mnist.npz``);
2. ``$AUTOENCODER_DATA_DIR/<name>.npz``;
3. ``keras.datasets`` (downloads once). The download runs in a child process
   and is cached as an ``.npz``, so loading data never imports TensorFlow into
   the caller (the web app stays small).
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autoencoder.config import DATASETS, IMAGE_SIDE, INPUT_DIM
from autoencoder.files import atomic_path, file_sha256

DATA_DIR_ENV = "AUTOENCODER_DATA_DIR"
CACHE_DIR_ENV = "AUTOENCODER_CACHE_DIR"
KEYS = ("x_train", "y_train", "x_test", "y_test")
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


class DatasetUnavailableError(RuntimeError):
    """No local copy was given and the download failed (offline, say)."""


@dataclass(frozen=True)
class Split:
    """Images as float32 rows of 784 values in [0, 1], and their labels."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


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

    ``include_train=False`` skips the 60,000 training images (190 MB as
    float32), which the web app never needs.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
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


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or Path.home() / ".cache" / "autoencoder")


def read_npz(path: Path, *, name: str = "mnist", include_train: bool = True) -> Dataset:
    """Read and validate a Keras-layout ``.npz``; ``ValueError`` names any problem."""
    digest = file_sha256(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"{path}: not a readable .npz archive ({error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: a single .npy array, not an .npz archive with {KEYS}")
    with archive:
        missing = [key for key in KEYS if key not in archive.files]
        if missing:
            raise ValueError(
                f"{path}: missing keys {', '.join(missing)} "
                f"(expected the layout of Keras' mnist.npz: {', '.join(KEYS)})"
            )
        splits = ("train", "test") if include_train else ("test",)
        loaded = {split: _read_split(archive, path, split) for split in splits}
    return Dataset(
        name=name,
        train=loaded.get("train"),
        test=loaded["test"],
        source=path,
        sha256=digest,
    )


def _read_split(archive: np.lib.npyio.NpzFile, path: Path, split: str) -> Split:
    try:
        images = archive[f"x_{split}"]
        labels = archive[f"y_{split}"]
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(f"{path}: cannot read the {split} arrays ({error})") from None
    expected = f"(n, {IMAGE_SIDE}, {IMAGE_SIDE}) uint8"
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"{path}: x_{split} has shape {images.shape}, expected {expected}")
    if images.dtype != np.uint8:
        raise ValueError(f"{path}: x_{split} has dtype {images.dtype}, expected {expected}")
    if len(images) == 0:
        raise ValueError(f"{path}: x_{split} holds no images")
    if labels.shape != (len(images),):
        raise ValueError(
            f"{path}: y_{split} has shape {labels.shape}, expected ({len(images)},) "
            f"to match x_{split}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: y_{split} must hold integer class labels 0-9")
    flat = images.reshape(len(images), INPUT_DIM).astype(np.float32) / np.float32(255)
    return Split(images=flat, labels=labels.astype(np.uint8))


_DOWNLOAD_SCRIPT = """
import sys
import numpy as np
from keras import datasets
(x_train, y_train), (x_test, y_test) = getattr(datasets, sys.argv[1]).load_data()
with open(sys.argv[2], "wb") as stream:
    np.savez(stream, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
"""


def _download_with_keras(name: str, destination: Path) -> None:
    """Fetch a dataset through ``keras.datasets`` in a child process."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    how_to = (
        f"Give a local copy instead: pass the path of {name}.npz (the layout of "
        f"Keras' mnist.npz) with --data, or set {DATA_DIR_ENV} to a folder holding it."
    )
    try:
        with atomic_path(destination) as temporary:
            result = subprocess.run(
                [sys.executable, "-c", _DOWNLOAD_SCRIPT, name, str(temporary)],
                capture_output=True,
                text=True,
                timeout=600,
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
