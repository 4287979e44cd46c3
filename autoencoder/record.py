"""A model's record: its types, and the schema a loaded one is checked against.

``config.json`` holds the settings, the weights' name and checksum, and the
record: what was learnt when the model was trained (history, test metrics,
dataset). A record read from a file is untrusted, so every key and value is
checked here before the model exists; a misfit raises :class:`InvalidError`,
worded without a path (the loader adds where and what to do).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, NotRequired, Required, TypedDict, cast

from autoencoder.config import DATASETS
from autoencoder.errors import AutoencoderError
from autoencoder.files import short
from autoencoder.metrics import QUANTILE_COUNT

if TYPE_CHECKING:
    from autoencoder.network import Autoencoder

MAX_EPOCHS_RECORDED = 1000
SHA256 = re.compile(r"[0-9a-f]{64}")
# Keys of config.json that saving writes itself; the rest of the document is the record.
RESERVED = {"format", "format_version", "package_version", "config", "weights"}


class InvalidError(AutoencoderError, ValueError):
    """A problem with a model's content, worded without a path; callers add where and advice."""


def record_part(document: Mapping[str, Any]) -> dict[str, Any]:
    """The record within a ``config.json`` document (or a record with saved keys mixed in)."""
    return {key: value for key, value in document.items() if key not in RESERVED}


class DatasetRecord(TypedDict):
    name: str
    sha256: str
    train_images: int
    test_images: int
    label: NotRequired[str]  # a custom dataset's own name (the visitor's file)


class HistoryRecord(TypedDict, total=False):
    loss: Required[list[float]]  # one value per epoch; more per-epoch lists may follow
    val_loss: Required[list[float]]
    seconds: list[float]


class MetricsRecord(TypedDict, total=False):
    val_bce: Required[float]  # any other key is a finite number too (neg_elbo, noisy_psnr, ...)
    mse: Required[float]
    psnr: Required[float]
    count: int
    bce_quantiles: list[float]


class ModelRecord(TypedDict, total=False):
    """What ``model.record`` holds; every key is optional (see :data:`RECORD_SCHEMA`)."""

    dataset: DatasetRecord
    history: HistoryRecord
    best_epoch: int
    stopped_early: bool
    training_seconds: float
    trained_at: str
    metrics: MetricsRecord
    name: str
    description: str
    note: str
    noise_psnr: float


def record_of(model: Autoencoder) -> ModelRecord:
    """``model.record``, typed. A loaded record was checked against :data:`RECORD_SCHEMA`."""
    return cast(ModelRecord, model.record)


# A check takes where the value sits (e.g. "metrics.val_bce") and the value,
# and raises InvalidError if it does not fit.
Check = Callable[[str, object], None]


def _fail(where: str, expected: str, value: object) -> NoReturn:
    raise InvalidError(f"{where} must be {expected}, got {short(value)}")


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _number() -> Check:
    def check(where: str, value: object) -> None:
        if not _is_number(value):
            _fail(where, "a finite number", value)

    return check


def _integer(low: int, high: int) -> Check:
    def check(where: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _fail(where, f"an integer from {low} to {high:,}", value)

    return check


def _boolean() -> Check:
    def check(where: str, value: object) -> None:
        if not isinstance(value, bool):
            _fail(where, "true or false", value)

    return check


def _text(max_length: int, pattern: re.Pattern[str] | None = None) -> Check:
    def check(where: str, value: object) -> None:
        if not isinstance(value, str) or len(value) > max_length:
            _fail(where, f"a text of at most {max_length} characters", value)
        if pattern is not None and not pattern.fullmatch(value):
            _fail(where, f"a text like {pattern.pattern}", value)

    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(where: str, value: object) -> None:
        if not isinstance(value, str) or value not in choices:
            _fail(where, f"one of {', '.join(choices)}", value)

    return check


def _numbers(max_length: int, *, length: int | None = None, sorted_: bool = False) -> Check:
    """A list of finite numbers: at most ``max_length``, exactly ``length``, non-decreasing."""

    size = f"exactly {length}" if length is not None else f"at most {max_length}"

    def check(where: str, value: object) -> None:
        if not isinstance(value, list):
            _fail(where, f"a list of {size} finite numbers", value)
        if len(value) > max_length or (length is not None and len(value) != length):
            raise InvalidError(f"{where} must list {size} numbers, not {len(value)}")
        for item in value:
            if not _is_number(item):
                _fail(where, "a list of finite numbers", item)
        if sorted_ and any(later < earlier for earlier, later in itertools.pairwise(value)):
            raise InvalidError(f"{where} must be in non-decreasing order")

    return check


def _fields(
    known: Mapping[str, Check],
    *,
    required: tuple[str, ...] = (),
    other: Check | None = None,
    max_keys: int = 64,
) -> Check:
    """An object of ``known`` keys; other keys are refused unless ``other`` checks them."""

    def check(where: str, value: object) -> None:
        if not isinstance(value, dict) or len(value) > max_keys:
            _fail(where, f"an object of at most {max_keys} entries", value)
        for key in required:
            if key not in value:
                raise InvalidError(f"{where} lacks {key!r}")
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > 64:
                _fail(where, "keyed by short texts", key)
            inner = f"{where}.{key}" if where else key
            if key in known:
                known[key](inner, item)
            elif other is not None:
                other(inner, item)
            else:
                raise InvalidError(f"{inner} is not an entry this app knows")

    return check


def _history() -> Check:
    per_epoch = _numbers(MAX_EPOCHS_RECORDED)
    shape = _fields(
        {"loss": per_epoch, "val_loss": per_epoch, "seconds": per_epoch},
        required=("loss", "val_loss"),
        other=per_epoch,
        max_keys=16,
    )

    def check(where: str, value: object) -> None:
        shape(where, value)
        lists = cast(dict[str, list[float]], value)
        lengths = {len(lists[key]) for key in ("loss", "val_loss", "seconds") if key in lists}
        if len(lengths) > 1:
            raise InvalidError(
                f"{where}.loss, val_loss and seconds must have one value per epoch each"
            )

    return check


_COUNT = _integer(0, 10**9)
_FINITE = _number()

# model.record, one entry per top-level key of config.json beyond the reserved
# ones. A key missing here is refused when a file is loaded (and when a model
# is saved), so a new record key is added here, and to ModelRecord above.
RECORD_SCHEMA: dict[str, Check] = {
    "dataset": _fields(
        {
            "name": _one_of(DATASETS),
            "sha256": _text(64, SHA256),
            "train_images": _COUNT,
            "test_images": _COUNT,
            "label": _text(64),
        },
        required=("name", "sha256", "train_images", "test_images"),
    ),
    "history": _history(),
    "best_epoch": _integer(0, MAX_EPOCHS_RECORDED),
    "stopped_early": _boolean(),
    "training_seconds": _FINITE,
    "trained_at": _text(64),
    "metrics": _fields(
        {
            "val_bce": _FINITE,
            "mse": _FINITE,
            "psnr": _FINITE,
            "count": _COUNT,
            "bce_quantiles": _numbers(QUANTILE_COUNT, length=QUANTILE_COUNT, sorted_=True),
        },
        required=("val_bce", "mse", "psnr"),
        other=_FINITE,  # neg_elbo, noisy_psnr, ...: any further score is a finite number
    ),
    "name": _text(64),
    "description": _text(300),
    "note": _text(300),
    "noise_psnr": _FINITE,
}
_check_record = _fields(RECORD_SCHEMA)


def check_record(record: Mapping[str, Any]) -> ModelRecord:
    """``record`` if it fits :data:`RECORD_SCHEMA`; ``ValueError`` names the first misfit."""
    _check_record("", dict(record))
    return cast(ModelRecord, record)
