"""Files written safely and read without trusting them.

Writes are atomic: a temporary file beside the target, then one rename, so a
reader sees the old file or the new one, never half of one; the temporaries
of a killed writer are removed by the next write (:func:`remove_temporaries`).

Reads of zip and ``.npz`` files (model uploads, weights, datasets) stay within
fixed bounds whatever the file claims: the zip's central directory is sized
before it is parsed, a member is inflated only up to a cap counted on the
bytes actually produced (never its declared size), and an ``.npy`` member's
header is read and checked before any of its data. Nothing is unpickled.
Problems raise :class:`BadFileError`, whose message names no path.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from autoencoder.errors import AutoencoderError

TEMPORARY_SUFFIX = ".tmp"
CHUNK_BYTES = 1 << 20
MAX_NPY_HEADER = 1024  # numpy writes ~128 bytes for the arrays of this project
# One central-directory entry: 46 bytes, the name, and the extra fields other
# zip tools add (timestamps, Unix ids); a kilobyte is plenty for honest ones.
DIRECTORY_BYTES_PER_MEMBER = 1024
# Errors that zipfile, zlib and numpy raise on a damaged or hostile stream.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError)


class BadFileError(AutoencoderError, ValueError):
    """A file is malformed, or larger than a bound; the message names no path."""


# --- atomic writes ----------------------------------------------------------


@contextlib.contextmanager
def atomic_path(destination: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``destination`` in one step.

    The temporary file lives in the same folder so the final ``os.replace`` is
    a rename on one file system, which readers see either before or after,
    never half-written. On any error the temporary file is removed and
    ``destination`` is left as it was (a killed process leaves it behind:
    :func:`remove_temporaries` clears it later).
    """
    destination = Path(destination)
    handle, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=TEMPORARY_SUFFIX, dir=destination.parent
    )
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o644)  # mkstemp makes 0600; models and data are meant to be shared
    try:
        yield temporary
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(destination: Path, data: bytes) -> None:
    with atomic_path(destination) as temporary:
        temporary.write_bytes(data)


def remove_temporaries(folder: Path, *names: str, older_than: float = 0.0) -> list[Path]:
    """Remove what :func:`atomic_path` left in ``folder`` for ``names`` (globs allowed).

    Only a killed writer leaves a temporary behind. ``older_than`` (seconds)
    spares the temporaries of writers that may still be running; with the
    default 0 the caller asserts it is the folder's only writer.
    """
    removed = []
    now = time.time()
    for name in names:
        for path in Path(folder).glob(f".{name}.*{TEMPORARY_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if now - path.lstat().st_mtime >= older_than and not path.is_dir():
                    path.unlink()
                    removed.append(path)
    return removed


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- bounded reads of zip files ---------------------------------------------


class LimitedReader:
    """A read-only view of ``stream`` that refuses to yield more than ``limit`` bytes.

    It never asks ``stream`` for more than ``limit + 1`` bytes in all, so a
    decompressing stream inflates at most that much, whatever it declared.
    """

    def __init__(self, stream: BinaryIO, limit: int, what: str) -> None:
        self._stream = stream
        self._limit = limit
        self._what = what
        self.count = 0

    def read(self, size: int | None = -1) -> bytes:
        allowed = self._limit - self.count + 1
        wanted = allowed if size is None or size < 0 else min(size, allowed)
        parts = []
        while wanted > 0:
            part = self._stream.read(min(wanted, CHUNK_BYTES))
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
            self.count += len(part)
            if size is not None and size >= 0:
                break  # a sized read returns what one call gave, like a file
        if self.count > self._limit:
            raise BadFileError(f"{self._what} is larger than {_size(self._limit)}")
        return b"".join(parts)


_END_RECORD = struct.Struct("<4s4H2LH")  # signature, 2 disk numbers, 2 counts, size, offset
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_MAX_COMMENT = 0xFFFF


def _central_directory_bytes(stream: BinaryIO, what: str) -> int:
    """The size of the central directory, as zipfile will find it.

    zipfile reads the whole directory into memory and makes an object per
    entry before anyone can count them (a 5 MB zip of empty files is 100,000
    objects and seconds of parsing), so it is sized here first. The end
    record is looked for exactly where and as zipfile looks for it.
    """
    size = stream.seek(0, os.SEEK_END)
    window = max(size - _END_RECORD.size - _MAX_COMMENT - 1, 0)
    start = max(window - _ZIP64_LOCATOR_SIZE, 0)
    stream.seek(start)
    tail = stream.read()
    last = tail[-_END_RECORD.size :]
    if len(last) == _END_RECORD.size and last[:4] == _END_SIGNATURE and last[-2:] == b"\0\0":
        offset = len(tail) - _END_RECORD.size  # zipfile's first try: no archive comment
    else:
        offset = tail.rfind(_END_SIGNATURE, window - start)
    if offset < 0 or len(tail) - offset < _END_RECORD.size:
        raise BadFileError(f"{what} is not a zip file")
    # The entry count matters only as a ZIP64 marker: zipfile ignores it, so it may lie.
    _, _, _, _, entries, directory_bytes, directory_offset, _ = _END_RECORD.unpack_from(
        tail, offset
    )
    locator = tail[max(offset - _ZIP64_LOCATOR_SIZE, 0) : offset][:4]
    zip64_markers = entries == 0xFFFF or 0xFFFFFFFF in (directory_bytes, directory_offset)
    if locator == _ZIP64_LOCATOR or zip64_markers:
        raise BadFileError(f"{what} is a ZIP64 archive, far larger than any file read here")
    return directory_bytes


@contextlib.contextmanager
def open_zip(
    stream: BinaryIO, *, max_members: int, what: str = "the zip"
) -> Iterator[zipfile.ZipFile]:
    """A zip whose member count and central directory are within bounds.

    ``stream`` must be seekable. Members are refused unless stored or
    deflated and unencrypted, and names must be unique.
    """
    # Every entry takes at least 46 bytes: this also bounds how many zipfile will list.
    if _central_directory_bytes(stream, what) > max_members * DIRECTORY_BYTES_PER_MEMBER:
        raise BadFileError(f"{what} holds too many files (at most {max_members} are read)")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise BadFileError(f"{what} is not a zip file, or a damaged one") from None
    with archive:
        members = archive.infolist()
        if len(members) > max_members:
            raise BadFileError(f"{what} holds too many files (at most {max_members} are read)")
        names = set()
        for info in members:
            name = short(info.filename)
            if info.filename in names:
                raise BadFileError(f"{what} holds two files named {name}")
            names.add(info.filename)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise BadFileError(f"{name} in {what} is compressed by other means than deflate")
            if info.flag_bits & 0x1:
                raise BadFileError(f"{name} in {what} is encrypted")
        yield archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    """A member's bytes, inflating no more than ``limit`` (+1) of them."""
    try:
        with archive.open(info) as member:
            return LimitedReader(member, limit, what).read()
    except BadFileError:
        raise
    except (*_READ_ERRORS, NotImplementedError):
        raise BadFileError(f"{what} is damaged: it does not unpack") from None


# --- .npy members of an .npz, header first ----------------------------------


@dataclass(frozen=True)
class NpyHeader:
    """What an ``.npy`` header declares, before any of the data is read."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def npz_members(archive: zipfile.ZipFile, what: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's arrays by name (``np.savez`` stores ``name`` as ``name.npy``)."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name in members:
            raise BadFileError(f"{what} holds two arrays named {short(name)}")
        members[name] = info
    return members


def read_npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> NpyHeader:
    """The member's ``.npy`` header; refuses object arrays (pickles) and odd dtypes."""
    try:
        with archive.open(info) as member:
            return _header(member, what)
    except BadFileError:
        raise
    except (*_READ_ERRORS, NotImplementedError):
        raise BadFileError(f"{what} is damaged: it does not unpack") from None


def read_npy_array(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    header: NpyHeader,
    what: str,
    *,
    dtype: np.dtype | type | None = None,
) -> np.ndarray:
    """The member's array, which must still have the (already checked) ``header``.

    Exactly ``header.nbytes`` are read, into an array allocated once; data
    past the array is refused. With ``dtype``, values are converted a chunk at
    a time as they are read (float64 to float32 never holds both arrays).
    """
    source = header.dtype
    target = source if dtype is None else np.dtype(dtype)
    count = math.prod(header.shape)
    try:
        with archive.open(info) as member:
            if _header(member, what) != header:
                raise BadFileError(f"{what} changed while it was read")
            array = np.empty(count, dtype=target)
            step = CHUNK_BYTES // source.itemsize  # values per chunk
            pending = b""  # a value split between two reads
            filled = 0
            while filled < count:
                wanted = min(step, count - filled) * source.itemsize - len(pending)
                chunk = member.read(wanted)
                if not chunk:
                    raise BadFileError(f"{what} is truncated")
                data = pending + chunk
                whole = len(data) - len(data) % source.itemsize
                values = np.frombuffer(data[:whole], dtype=source)
                array[filled : filled + len(values)] = values
                filled += len(values)
                pending = data[whole:]
            if member.read(1):
                raise BadFileError(f"{what} holds data past the end of its array")
    except BadFileError:
        raise
    except (*_READ_ERRORS, NotImplementedError):
        raise BadFileError(f"{what} is damaged: it does not unpack") from None
    return array.reshape(header.shape, order="F" if header.fortran_order else "C")


def _header(stream: BinaryIO, what: str) -> NpyHeader:
    # magic (6) + version (2) + header length (2 or 4) + the header itself
    limited = LimitedReader(stream, 12 + MAX_NPY_HEADER, f"{what}'s .npy header")
    try:
        version = np.lib.format.read_magic(limited)
        if version == (1, 0):
            read = np.lib.format.read_array_header_1_0
        elif version == (2, 0):
            read = np.lib.format.read_array_header_2_0
        else:
            raise BadFileError(f"{what} is in .npy format {version}, which is not read")
        shape, fortran_order, dtype = read(limited, max_header_size=MAX_NPY_HEADER)
    except BadFileError:
        raise
    except Exception:  # numpy parsing at most 1 KB of hostile text: any failure is a bad header
        raise BadFileError(f"{what} is not a valid .npy array (bad header)") from None
    if dtype.hasobject:
        raise BadFileError(f"{what} holds Python objects (pickled data), which are never loaded")
    if dtype.fields is not None or dtype.subdtype is not None:
        raise BadFileError(f"{what} has a structured dtype; plain numbers are expected")
    if any(side < 0 for side in shape):
        raise BadFileError(f"{what} has a negative size in its shape")
    return NpyHeader(shape=tuple(shape), dtype=dtype, fortran_order=fortran_order)


# --- messages ----------------------------------------------------------------


def short(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message, cut short (names and values may be hostile)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "a huge integer"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int of over 4300 digits, a cycle of objects
        return "an unprintable value"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MB"
    return f"{count:,} bytes"
