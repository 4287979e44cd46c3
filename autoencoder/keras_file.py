"""Any model as a ``.keras`` file that plain Keras loads, made in a child process and cached.

The file holds a functional ``autoencoder`` whose named sub-models ``encoder``
and ``decoder`` are reachable with ``model.get_layer(...)``, as in keras-io's
examples; every layer is a stock Keras layer, so ``keras.models.load_model``
needs nothing of this package. A VAE's ``predict`` decodes the code's mean (what
serving does); its encoder outputs ``[mean, log_var]``. PCA becomes two dense
layers and a clip to [0, 1] (a ReLU capped at 1).

The server never imports TensorFlow: :func:`keras_file_bytes` runs
``python -m autoencoder export`` in a child, one at a time, and keeps the result
on disk under the model's fingerprint, so a second download costs a file read.
:func:`bundle_bytes` wraps the file with a README and a runnable example.
"""

from __future__ import annotations

import io
import os
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import zipfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from autoencoder import jobs
from autoencoder.artifact import save_model
from autoencoder.config import DATASET_LABELS, INPUT_DIM
from autoencoder.data import cache_dir
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder

if TYPE_CHECKING:
    import keras

SUFFIX = ".keras"
EXPORT_TIMEOUT_SECONDS = 180.0  # importing TensorFlow takes 5-30 s on a loaded 2-core host
MAX_CACHED_FILES = 64  # the zoo's models and this server's runs: 0.2-2 MB each
MAX_CACHED_BYTES = 256 * 1024 * 1024  # the largest model Config allows makes a 33 MB file
CACHE_FOLDER = "keras"
# The child's exit code when it has no TensorFlow to build with.
NO_KERAS_EXIT = 3
_CHILD_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "MALLOC_ARENA_MAX": "2"}
# One export child at a time: each imports TensorFlow (about 600 MB), and each takes one
# of the training slots (autoencoder/jobs/capacity.py), so runs and exports together stay
# within the memory plan.
_one_export = threading.Lock()


class KerasExportError(AutoencoderError, RuntimeError):
    """The Keras file could not be made; the message says what to do and names no path."""


# --- in a process with Keras (the export child, the CLI) ------------------------------------


def build_keras_model(model: Autoencoder) -> keras.Model:
    """``model`` as a Keras ``autoencoder`` with ``encoder`` and ``decoder`` sub-models."""
    if model.config.family == "pca":
        return _pca_model(model)
    from autoencoder.training import to_keras

    return to_keras(model)


def _pca_model(model: Autoencoder) -> keras.Model:
    """``(x - mean) @ C.T`` and ``clip(code @ C + mean, 0, 1)``, as stock layers."""
    import keras
    import numpy as np

    mean = model.weights["pca.mean"]
    components = model.weights["pca.components"]  # (code, 784)
    image = keras.Input(shape=(INPUT_DIM,), name="image")
    project = keras.layers.Dense(model.latent_dim, name="latent")
    encoder = keras.Model(image, project(image), name="encoder")
    project.set_weights([components.T, -(mean @ components.T)])

    code = keras.Input(shape=(model.latent_dim,), name="code")
    rebuild = keras.layers.Dense(INPUT_DIM, name="reconstruction")
    clipped = keras.layers.ReLU(max_value=1.0, name="clip")(rebuild(code))
    decoder = keras.Model(code, clipped, name="decoder")
    rebuild.set_weights([components, mean.astype(np.float32)])
    return keras.Model(image, decoder(encoder(image)), name="autoencoder")


def write_keras_file(model: Autoencoder, out: str | os.PathLike[str]) -> Path:
    """Save ``model`` as ``out`` (a ``.keras`` path), replacing it in one rename."""
    out = Path(out)
    if out.suffix != SUFFIX:
        raise ValueError(f"{out}: a Keras file's name must end in {SUFFIX}")
    keras_model = build_keras_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Keras insists on the suffix, so the temporary is a folder beside ``out``, not a file.
    with tempfile.TemporaryDirectory(prefix=f".{out.name}.", dir=out.parent) as folder:
        temporary = Path(folder) / f"model{SUFFIX}"
        keras_model.save(temporary)
        os.replace(temporary, out)
    return out


# --- in the server (no TensorFlow) ---------------------------------------------------------


def keras_file_bytes(
    model: Autoencoder, *, cache: bool = True, timeout: float = EXPORT_TIMEOUT_SECONDS
) -> bytes:
    """The ``.keras`` file of ``model``, from the disk cache or made by a child process.

    ``cache=True`` (the app's own models) keeps the file under the model's
    fingerprint for the next download; ``cache=False`` (a visitor's own model)
    leaves nothing on disk once the bytes are read. Raises
    :class:`KerasExportError` on a failure or after ``timeout`` seconds.
    """
    cached = keras_cache_dir() / f"{model.fingerprint}{SUFFIX}"
    found = _read_cached(cached) if cache else None
    if found is not None:
        return found
    if not _one_export.acquire(timeout=timeout):
        raise KerasExportError(
            "The server is busy making another Keras file; try again in a minute."
        )
    try:
        if not cache:
            with tempfile.TemporaryDirectory(prefix="autoencoder-export-") as folder:
                return _made_in_a_slot(model, Path(folder) / f"model{SUFFIX}", timeout)
        found = _read_cached(cached)  # made while this call waited for its turn
        if found is None:
            found = _made_in_a_slot(model, cached, timeout)
    except OSError:
        raise KerasExportError(
            "The Keras file could not be stored on this server; try again later, or download "
            "the model's zip and run `python -m autoencoder export` on your own machine."
        ) from None
    finally:
        _one_export.release()
    _trim_cache(cached.parent, MAX_CACHED_FILES, MAX_CACHED_BYTES)
    return found


def keras_cache_dir() -> Path:
    """Where Keras files are kept: ``$AUTOENCODER_CACHE_DIR/keras`` (or ~/.cache/autoencoder)."""
    return cache_dir() / CACHE_FOLDER


def export_command(model_folder: Path, out: Path) -> list[str]:
    """The child's command line: the package's own CLI, run by this interpreter."""
    return [
        sys.executable, "-m", "autoencoder", "export", "--model", str(model_folder),
        "--out", str(out),
    ]  # fmt: skip


def _read_cached(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    os.utime(path)  # the cache drops the least recently used files first
    return data


def _made_in_a_slot(model: Autoencoder, out: Path, timeout: float) -> bytes:
    """:func:`_made`, holding a training slot: the child's TensorFlow costs what a run's does."""
    try:
        with jobs.borrowed_slot():
            return _made(model, out, timeout)
    except jobs.TrainingUnavailableError:
        raise KerasExportError(
            "This server has too little memory to make Keras files; download the model's zip "
            "and run `python -m autoencoder export` on your own machine."
        ) from None
    except jobs.ServerBusyError:
        raise KerasExportError(
            "The server's memory is taken by training runs right now; try the Keras file "
            "again in a minute."
        ) from None


def _made(model: Autoencoder, out: Path, timeout: float) -> bytes:
    """``out``'s bytes once a child has written it (see :func:`export_command`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autoencoder-export-") as folder:
        # The settings and weights are all the file needs; the record (history, metrics)
        # stays behind, so no record of any age can fail the save.
        bare = Autoencoder(config=model.config, weights=model.weights)
        model_folder = save_model(bare, Path(folder) / "model")
        # The package's own folder first, so the child imports this very package.
        package_root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
        try:
            result = subprocess.run(
                export_command(model_folder, out),
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, **_CHILD_ENVIRONMENT, "PYTHONPATH": path},
                cwd=folder,
            )
        except subprocess.TimeoutExpired:
            raise KerasExportError(
                f"Making the Keras file took longer than {timeout:.0f} s (the server is busy); "
                "try again in a minute."
            ) from None
    if result.returncode == NO_KERAS_EXIT:
        raise KerasExportError(
            "This server has no TensorFlow to make Keras files; download the model's zip "
            "and run `python -m autoencoder export` where TensorFlow is installed."
        )
    if result.returncode != 0 or not out.is_file():
        out.unlink(missing_ok=True)  # whatever a failed child left is not to be served
        raise KerasExportError(
            "The Keras file could not be made on this server; download the model's zip "
            "and run `python -m autoencoder export` where TensorFlow is installed."
        )
    return out.read_bytes()


def _trim_cache(folder: Path, keep: int, max_bytes: int) -> None:
    """Keep the ``keep`` most recently used files within ``max_bytes`` (the newest always).

    Also removes what a child killed mid-save left behind, once an hour old.
    """
    entries = []
    for path in folder.iterdir():
        try:
            entries.append((path.stat().st_mtime, path.stat().st_size, path))
        except FileNotFoundError:
            continue  # removed by another process meanwhile
    entries.sort(reverse=True)
    total = 0
    files = [(size, path) for _, size, path in entries if path.suffix == SUFFIX and path.is_file()]
    for index, (size, path) in enumerate(files):
        total += size
        if index > 0 and (index >= keep or total > max_bytes):
            path.unlink(missing_ok=True)
    newest = max((mtime for mtime, _, _ in entries), default=0.0)
    for mtime, _, path in entries:
        if path.is_dir() and path.name.startswith(".") and newest - mtime > 3600:
            shutil.rmtree(path, ignore_errors=True)


# --- the download: the file, a README and an example -----------------------------------------


def bundle_bytes(model: Autoencoder, keras_bytes: bytes, name: str = "autoencoder") -> bytes:
    """A zip of ``<name>/<name>.keras``, ``README.md`` and ``example.py`` (plain Keras code)."""
    if not name or not all(char.isalnum() or char in "-_" for char in name) or len(name) > 64:
        raise ValueError(f"a bundle name is letters, digits, - and _ (at most 64), got {name!r}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/{name}{SUFFIX}", keras_bytes)
        archive.writestr(f"{name}/README.md", bundle_readme(model, name))
        archive.writestr(f"{name}/example.py", _bundle_file("example.py"))
    return buffer.getvalue()


def keras_bundle_bytes(
    model: Autoencoder,
    name: str = "autoencoder",
    *,
    cache: bool = True,
    timeout: float = EXPORT_TIMEOUT_SECONDS,
) -> bytes:
    """What a page offers for download: :func:`bundle_bytes` of :func:`keras_file_bytes`.

    ``cache=False`` for a visitor's model: its file never outlives the call.
    """
    return bundle_bytes(model, keras_file_bytes(model, cache=cache, timeout=timeout), name)


def bundle_readme(model: Autoencoder, name: str) -> str:
    config = model.config
    code = (
        "`encoder.predict(images)` gives `[mean, log_var]`, and `model.predict` decodes the mean"
        if config.variational
        else "`encoder.predict(images)` gives the codes"
    )
    return string.Template(_bundle_file("README.md")).substitute(
        name=name,
        architecture=config.describe().replace("**", ""),
        latent_dim=config.latent_dim,
        dataset=DATASET_LABELS[config.dataset],
        dataset_key=config.dataset,
        code=code,
    )


def _bundle_file(name: str) -> str:
    return resources.files("autoencoder").joinpath("bundle", name).read_text(encoding="utf-8")
