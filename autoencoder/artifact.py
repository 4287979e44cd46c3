"""Save and load a trained model as one folder, or as a zip of that folder.

The folder holds ``config.json`` (settings, history, metrics, dataset name and
checksum, package version) and ``weights-<hash>.npz``. ``config.json`` names
its weights file and that file's sha256, and it is written last, by an atomic
rename: until that rename a reader still sees the previous config and the
previous weights, so an interrupted save leaves the previous model intact.

Any visitor may upload a model zip, so reading one costs a bounded amount of
memory and time whatever it holds: the zip is read in memory (nothing is ever
extracted), only ``config.json`` and the weights file it names are inflated,
each up to a cap counted on the bytes actually inflated, ``config.json`` is
parsed within bounds and checked against :data:`RECORD_SCHEMA`, and each
array's ``.npy`` header is checked against the settings before its data is
read. Every problem is one :class:`ModelLoadError` sentence that says what to
do; for an upload it never names a path of the server.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, NoReturn

import numpy as np

from autoencoder import __version__
from autoencoder.config import Config
from autoencoder.errors import AutoencoderError
from autoencoder.files import (
    DIRECTORY_BYTES_PER_MEMBER,
    MAX_NPY_HEADER,
    BadFileError,
    LimitedReader,
    atomic_write_bytes,
    file_sha256,
    npz_members,
    open_zip,
    read_member,
    read_npy_array,
    read_npy_header,
    remove_temporaries,
    short,
)
from autoencoder.network import Autoencoder, weight_shapes
from autoencoder.record import (
    SHA256,
    _check_record,
    _text,
    check_record,
    record_part,
)
from autoencoder.record import InvalidError as _InvalidError

CONFIG_FILE = "config.json"
FORMAT = "autoencoder-model"
FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "assets" / "model"

# Bounds on what a file may make this process read, whatever it claims.
MAX_ZIP_BYTES = 20 * 1024 * 1024  # the upload; a 128-wide dense model zips to under 2 MB
# All that reading one model may inflate, nested or not: config.json, the weights file
# and the arrays inside it (which np.savez_compressed compresses once more). A model
# at MAX_PARAMETERS saved as float32 takes 32 MB of it; the same saved as float64 is
# refused (the arrays are converted to float32 as they are read).
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_MEMBERS = 16  # a model zip holds 2 files (and perhaps its folder)
MAX_CONFIG_BYTES = 1024 * 1024  # config.json is ~10 KB; 1000 epochs of history is ~60 KB
MAX_JSON_DEPTH = 8  # config.json nests 3 deep
MAX_JSON_DIGITS = 18  # integers: a count or a seed, never a 5000-digit number
# Per array, room for its .npy header and its zip entries (~200 bytes in practice).
_ARRAY_OVERHEAD = MAX_NPY_HEADER + 2 * DIRECTORY_BYTES_PER_MEMBER
_WEIGHTS_FILE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.npz")
_FOLDER_ADVICE = "retrain the model or copy its folder again"
_ONE_UPLOAD = threading.Lock()
_UPLOAD_ADVICE = "upload a model .zip downloaded from this app"


class ModelLoadError(AutoencoderError, ValueError):
    """A model folder or file is missing, truncated, corrupt, hostile or mismatched."""


# --- saving -------------------------------------------------------------------


def _serialize(model: Autoencoder) -> tuple[str, bytes, bytes]:
    """(weights file name, weights bytes, config.json bytes) of ``model``."""
    record = record_part(model.record)
    try:
        check_record(record)
    except _InvalidError as problem:
        raise ValueError(f"cannot save this model: its record's {problem}") from None
    buffer = io.BytesIO()
    np.savez(buffer, **model.weights)
    weights_bytes = buffer.getvalue()
    digest = hashlib.sha256(weights_bytes).hexdigest()
    weights_name = f"weights-{digest[:16]}.npz"
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "config": model.config.to_dict(),
        "weights": {"file": weights_name, "sha256": digest},
        **record,
    }
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    return weights_name, weights_bytes, text.encode()


def save_model(model: Autoencoder, directory: str | os.PathLike[str]) -> Path:
    """Write ``model`` into ``directory`` (created if needed); return the folder.

    The folder is assumed to have one writer at a time (as the removal of the
    previous weights already assumes): the temporaries a killed save left
    behind are removed first.
    """
    folder = Path(directory)
    weights_name, weights_bytes, config_bytes = _serialize(model)
    folder.mkdir(parents=True, exist_ok=True)
    remove_temporaries(folder, CONFIG_FILE, "weights-*.npz")
    atomic_write_bytes(folder / weights_name, weights_bytes)
    atomic_write_bytes(folder / CONFIG_FILE, config_bytes)  # the commit point
    for stale in folder.glob("weights-*.npz"):
        if stale.name != weights_name:
            stale.unlink(missing_ok=True)
    return folder


def model_to_zip(model: Autoencoder) -> bytes:
    """The model folder as a zip, for a download button."""
    weights_name, weights_bytes, config_bytes = _serialize(model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"model/{CONFIG_FILE}", config_bytes)
        archive.writestr(f"model/{weights_name}", weights_bytes)
    return buffer.getvalue()


# --- loading ------------------------------------------------------------------


def load_model(
    directory: str | os.PathLike[str] | None = None, *, shown_as: str | None = None
) -> Autoencoder:
    """Load a model folder (the shipped default model when ``directory`` is None).

    Messages name the folder, the caller's own path, or ``shown_as`` instead
    (a folder of the server, such as a training job's, is not for visitors).
    """
    folder = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    where = shown_as or str(folder)
    if not folder.is_dir():
        raise ModelLoadError(f"{where}: no such model folder (train one or check the path)")
    if not (folder / CONFIG_FILE).is_file():
        raise ModelLoadError(
            f"{where}: not a model folder ({CONFIG_FILE} is missing); "
            "train one with `python -m autoencoder train`"
        )
    try:
        return _load_folder(folder)
    except (_InvalidError, BadFileError) as problem:
        raise ModelLoadError(f"{where}: {problem}; {_FOLDER_ADVICE}") from None
    except OSError as error:
        raise ModelLoadError(
            f"{where}: cannot be read ({error.strerror}); {_FOLDER_ADVICE}"
        ) from None


def model_from_zip(data: bytes) -> Autoencoder:
    """Load a model from a zip made by :func:`model_to_zip`, within fixed bounds.

    The zip is read in memory; nothing is written anywhere. Messages name no
    path of this machine.
    """
    if len(data) > MAX_ZIP_BYTES:
        raise ModelLoadError(
            f"the file is {len(data) / 2**20:.1f} MB, and a model zip is at most "
            f"{MAX_ZIP_BYTES // 2**20} MB; {_UPLOAD_ADVICE}"
        )
    try:
        # One upload is read at a time, whoever sent it: reading one may take 40 MB
        # inflated and the arrays twice over, and many at once would add up.
        with _ONE_UPLOAD, open_zip(io.BytesIO(data), max_members=MAX_MEMBERS) as archive:
            return _load_zip(archive)
    except (_InvalidError, BadFileError) as problem:
        raise ModelLoadError(f"{problem}; {_UPLOAD_ADVICE}") from None


def _load_folder(folder: Path) -> Autoencoder:
    with open(folder / CONFIG_FILE, "rb") as stream:
        raw = LimitedReader(stream, MAX_CONFIG_BYTES, CONFIG_FILE).read()
    document = _parse_document(raw)
    config = _settings(document)
    weights_name, digest = _weights_entry(document)
    weights_path = folder / weights_name
    if not weights_path.is_file():
        raise _InvalidError(f"its weights file is missing ({weights_name})")
    if weights_path.stat().st_size > _weights_limit(config):
        raise _InvalidError("its weights file is larger than a model of these settings can be")
    if file_sha256(weights_path) != digest:
        raise _InvalidError(
            f"the weights file's checksum does not match {CONFIG_FILE} (truncated or altered)"
        )
    with open(weights_path, "rb") as stream:
        weights = _read_weights(stream, config, MAX_UNPACKED_BYTES - len(raw))
    return _build(config, weights, document)


def _load_zip(archive: zipfile.ZipFile) -> Autoencoder:
    members = [info for info in archive.infolist() if not info.is_dir()]
    configs = [info for info in members if PurePosixPath(info.filename).name == CONFIG_FILE]
    if len(configs) != 1:
        raise _InvalidError(f"the zip must hold exactly one {CONFIG_FILE}")
    raw = read_member(archive, configs[0], MAX_CONFIG_BYTES, CONFIG_FILE)
    document = _parse_document(raw)
    config = _settings(document)
    weights_name, digest = _weights_entry(document)
    # The weights sit beside config.json; any other member is never read.
    folder = PurePosixPath(configs[0].filename).parent
    try:
        weights_info = archive.getinfo(str(folder / weights_name))
    except KeyError:
        raise _InvalidError(f"its weights file is missing ({weights_name})") from None
    limit = min(_weights_limit(config), MAX_UNPACKED_BYTES - len(raw))
    weights_bytes = read_member(archive, weights_info, limit, "the weights file")
    if hashlib.sha256(weights_bytes).hexdigest() != digest:
        raise _InvalidError(
            f"the weights file's checksum does not match {CONFIG_FILE} (truncated or altered)"
        )
    room = MAX_UNPACKED_BYTES - len(raw) - len(weights_bytes)
    weights = _read_weights(io.BytesIO(weights_bytes), config, room)
    return _build(config, weights, document)


def _parse_document(raw: bytes) -> dict[str, Any]:
    """config.json's object, parsed within bounds, its record checked."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _InvalidError(f"{CONFIG_FILE} is not UTF-8 text") from None
    try:
        document = json.loads(
            text, parse_int=_bounded_int, parse_float=_finite_float, parse_constant=_no_constant
        )
    except json.JSONDecodeError as error:
        raise _InvalidError(
            f"{CONFIG_FILE} is not valid JSON ({error.msg} at line {error.lineno})"
        ) from None
    except RecursionError:
        raise _InvalidError(f"{CONFIG_FILE} nests deeper than {MAX_JSON_DEPTH} levels") from None
    _check_depth(document)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _InvalidError(f"{CONFIG_FILE} is not the config of an autoencoder model")
    version = document.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _InvalidError(
            f"{CONFIG_FILE}: format version {short(version)} is not supported "
            f"(this package reads version {FORMAT_VERSION})"
        )
    record = record_part(document)
    try:
        if "package_version" in document:
            _text(32)("package_version", document["package_version"])
        _check_record("", record)
    except _InvalidError as problem:
        raise _InvalidError(f"{CONFIG_FILE}: {problem}") from None
    return document


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise _InvalidError(f"{CONFIG_FILE} holds an integer of more than {MAX_JSON_DIGITS} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _InvalidError(f"{CONFIG_FILE} holds a number too large to be finite")
    return value


def _no_constant(text: str) -> NoReturn:
    raise _InvalidError(f"{CONFIG_FILE} holds {text}, which is not a number")


def _check_depth(document: object) -> None:
    # Iterative: a deeply nested document must not recurse here either.
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise _InvalidError(f"{CONFIG_FILE} nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _settings(document: Mapping[str, Any]) -> Config:
    try:
        return Config.from_dict(document.get("config"))  # type: ignore[arg-type]
    except (TypeError, ValueError, RecursionError) as error:
        raise _InvalidError(f"{CONFIG_FILE} has invalid settings ({str(error)[:200]})") from None


def _weights_entry(document: Mapping[str, Any]) -> tuple[str, str]:
    """The weights file's name (a plain name, never a path) and sha256."""
    entry = document.get("weights")
    if not isinstance(entry, dict) or set(entry) != {"file", "sha256"}:
        raise _InvalidError(f"{CONFIG_FILE} does not name its weights file and its sha256")
    _text(104, _WEIGHTS_FILE)("weights.file", entry["file"])
    _text(64, SHA256)("weights.sha256", entry["sha256"])
    return entry["file"], entry["sha256"]


def _weights_limit(config: Config) -> int:
    """The most bytes a weights file of ``config`` can take (float64 arrays, stored)."""
    shapes = weight_shapes(config)
    values = sum(math.prod(shape) for shape in shapes.values())
    return values * 8 + len(shapes) * _ARRAY_OVERHEAD + DIRECTORY_BYTES_PER_MEMBER


def _read_weights(stream: BinaryIO, config: Config, room: int) -> dict[str, np.ndarray]:
    """The arrays of ``config`` as float32, every header checked before any data is read.

    ``room`` is what is left of MAX_UNPACKED_BYTES: the arrays' declared bytes
    (what inflating them produces) must fit in it before one is allocated.
    """
    expected = weight_shapes(config)
    what = "the weights file"
    # Room for a few extra arrays, so that they are named in the refusal.
    with open_zip(stream, max_members=len(expected) + MAX_MEMBERS, what=what) as archive:
        members = npz_members(archive, what)
        unexpected = sorted(set(members) - set(expected))
        missing = sorted(set(expected) - set(members))
        if unexpected:
            names = ", ".join(short(name) for name in unexpected[:3])
            raise _InvalidError(f"{what} holds arrays these settings lack ({names})")
        if missing:
            raise _InvalidError(f"{what} lacks {', '.join(missing[:3])}")
        labels = {name: f"{what}'s {name}" for name in expected}
        headers = {name: read_npy_header(archive, members[name], labels[name]) for name in expected}
        for name, header in headers.items():
            if header.shape != expected[name]:
                raise _InvalidError(
                    f"{labels[name]} has shape {short(header.shape)}, expected {expected[name]}"
                )
            if header.dtype.kind != "f" or header.dtype.itemsize not in (4, 8):
                raise _InvalidError(
                    f"{labels[name]} has dtype {header.dtype}, expected float32 or float64"
                )
        inflated = sum(header.nbytes for header in headers.values())
        if inflated > room:
            raise _InvalidError(
                f"{what} unpacks to {inflated / 2**20:.1f} MB of arrays, more than the "
                f"{max(room, 0) / 2**20:.1f} MB left of the {MAX_UNPACKED_BYTES // 2**20} MB "
                "a model may take (save its weights as float32)"
            )
        return {
            name: read_npy_array(archive, members[name], header, labels[name], dtype=np.float32)
            for name, header in headers.items()
        }


def _build(
    config: Config, weights: dict[str, np.ndarray], document: Mapping[str, Any]
) -> Autoencoder:
    record = record_part(document)
    try:
        return Autoencoder(config=config, weights=weights, record=record)
    except ValueError as error:
        raise _InvalidError(str(error)[:200]) from None
