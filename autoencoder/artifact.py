"""Save and load a trained model as one folder.

The folder holds ``config.json`` (settings, history, metrics, dataset name and
checksum, package version) and ``weights-<hash>.npz``. ``config.json`` names
its weights file and that file's sha256, and it is written last, by an atomic
rename: until that rename a reader still sees the previous config and the
previous weights, so an interrupted save leaves the previous model intact.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from autoencoder import __version__
from autoencoder.config import Config
from autoencoder.files import atomic_write_bytes, file_sha256
from autoencoder.network import Autoencoder, weight_shapes

CONFIG_FILE = "config.json"
FORMAT = "autoencoder-model"
FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "assets" / "model"
MAX_ZIP_BYTES = 20 * 1024 * 1024  # a 128-wide model is under 2 MB
# Keys of config.json that save_model writes itself; the rest is model.record.
_RESERVED = {"format", "format_version", "package_version", "config", "weights"}


class ModelLoadError(ValueError):
    """A model folder or file is missing, truncated, corrupt or mismatched."""


def save_model(model: Autoencoder, directory: str | os.PathLike[str]) -> Path:
    """Write ``model`` into ``directory`` (created if needed); return the folder."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **model.weights)
    weights_bytes = buffer.getvalue()
    digest = hashlib.sha256(weights_bytes).hexdigest()
    weights_name = f"weights-{digest[:16]}.npz"
    atomic_write_bytes(folder / weights_name, weights_bytes)

    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "config": model.config.to_dict(),
        "weights": {"file": weights_name, "sha256": digest},
        **{key: value for key, value in model.record.items() if key not in _RESERVED},
    }
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    atomic_write_bytes(folder / CONFIG_FILE, text.encode())  # the commit point

    for stale in folder.glob("weights-*.npz"):
        if stale.name != weights_name:
            stale.unlink(missing_ok=True)
    return folder


def load_model(directory: str | os.PathLike[str] | None = None) -> Autoencoder:
    """Load a model folder (the shipped default model when ``directory`` is None)."""
    folder = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config_path = folder / CONFIG_FILE
    if not folder.is_dir():
        raise ModelLoadError(f"{folder}: no such model folder (train one or check the path)")
    if not config_path.is_file():
        raise ModelLoadError(
            f"{folder}: not a model folder ({CONFIG_FILE} is missing); "
            "train one with `python -m autoencoder train`"
        )
    document = _read_config(config_path)
    weights_info = document.get("weights")
    if not isinstance(weights_info, dict) or not isinstance(weights_info.get("file"), str):
        raise ModelLoadError(f"{config_path}: does not name its weights file")
    weights_path = folder / Path(weights_info["file"]).name
    if not weights_path.is_file():
        raise ModelLoadError(f"{weights_path}: weights file is missing; retrain or re-copy")
    if file_sha256(weights_path) != weights_info.get("sha256"):
        raise ModelLoadError(
            f"{weights_path}: checksum does not match {CONFIG_FILE} "
            "(truncated or altered); retrain or re-copy the model folder"
        )
    try:
        config = Config.from_dict(document["config"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelLoadError(f"{config_path}: invalid settings ({error})") from None
    weights = _read_weights(weights_path, config)
    record = {key: value for key, value in document.items() if key not in _RESERVED}
    try:
        return Autoencoder(config=config, weights=weights, record=record)
    except ValueError as error:
        raise ModelLoadError(f"{folder}: {error}") from None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelLoadError(f"{path}: unreadable ({error}); retrain or re-copy") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelLoadError(f"{path}: not an autoencoder model config")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"{path}: format version {document.get('format_version')!r} is not "
            f"supported (this package reads version {FORMAT_VERSION})"
        )
    return document


def _read_weights(path: Path, config: Config) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            weights = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise ModelLoadError(f"{path}: unreadable weights ({error})") from None
    expected = weight_shapes(config)
    if set(weights) != set(expected):
        raise ModelLoadError(f"{path}: holds {sorted(weights)}, expected {sorted(expected)}")
    return weights


def model_to_zip(model: Autoencoder) -> bytes:
    """The model folder as a zip, for a download button."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = save_model(model, Path(scratch) / "model")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, arcname=f"model/{path.name}")
    return buffer.getvalue()


def model_from_zip(data: bytes) -> Autoencoder:
    """Load a model from a zip made by :func:`model_to_zip` (validated)."""
    if len(data) > MAX_ZIP_BYTES:
        raise ModelLoadError(f"the file is {len(data) / 1e6:.0f} MB; a model zip is under 20 MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModelLoadError(
            "not a zip file; upload the .zip you downloaded from this app"
        ) from None
    with archive, tempfile.TemporaryDirectory() as scratch:
        members = [info for info in archive.infolist() if not info.is_dir()]
        configs = [info for info in members if Path(info.filename).name == CONFIG_FILE]
        if len(configs) != 1:
            raise ModelLoadError(f"the zip must hold exactly one {CONFIG_FILE}")
        if sum(info.file_size for info in members) > MAX_ZIP_BYTES:
            raise ModelLoadError("the zip unpacks to more than 20 MB; not a model of this app")
        prefix = str(Path(configs[0].filename).parent)
        folder = Path(scratch)
        for info in members:
            if str(Path(info.filename).parent) != prefix:
                continue  # only the model folder's own files; never write outside scratch
            try:
                (folder / Path(info.filename).name).write_bytes(archive.read(info))
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as error:
                raise ModelLoadError(f"the zip is corrupt ({error})") from None
        return load_model(folder)
