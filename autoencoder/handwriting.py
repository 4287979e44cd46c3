"""A visitor's own handwriting: which digit to ask for next, which to hold out, and a model
fine-tuned on the rest mixed with MNIST (run as a child: ``python -m autoencoder.handwriting``).

The visitor writes each digit at least ``MIN_PER_DIGIT`` times. The last of each
digit is held out: the fine-tune never sees it, so its error before and after
says what the model learnt of their hand rather than what it memorised. The
rest are shifted by a pixel or two and repeated among ``MIXED_MNIST`` MNIST
training images, so the model learns the hand without forgetting MNIST; the
epoch kept is the one with the lowest MNIST test loss.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autoencoder.config import IMAGE_SIDE, INPUT_DIM, Config
from autoencoder.errors import AutoencoderError

if TYPE_CHECKING:
    from autoencoder.network import Autoencoder

DIGITS = tuple(range(10))
MIN_PER_DIGIT = 2
MAX_DIGITS = 50
# The fine-tune (benchmarks/finetune.py measures it): a few gentle epochs, so the
# MNIST test error barely moves.
MIXED_MNIST = 6_000  # MNIST training images beside the visitor's digits
OWN_SHARE = 0.25  # of the mixed training set: the visitor's digits, shifted copies
MAX_SHIFT = 2  # px: each copy of a visitor's digit moves by up to this much
EPOCHS = 15
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
HEARTBEAT_SECONDS = 30  # as the training child's: a fine-tune nobody watches stops


class HandwritingError(AutoencoderError, ValueError):
    """Too few digits to fine-tune on, or a file of them that is not one."""


def next_prompt(labels: Sequence[int]) -> int | None:
    """The digit to ask for next: the one written least (the lowest of those); None at 50.

    So the visitor goes 0-9 once, then again, and then on in the same order.
    """
    if len(labels) >= MAX_DIGITS:
        return None
    counts = [list(labels).count(digit) for digit in DIGITS]
    return DIGITS[int(np.argmin(counts))]


def missing(labels: Sequence[int]) -> dict[int, int]:
    """How many more of each digit the fine-tune needs (only digits still short)."""
    counts = {digit: list(labels).count(digit) for digit in DIGITS}
    return {digit: MIN_PER_DIGIT - n for digit, n in counts.items() if n < MIN_PER_DIGIT}


def held_out(labels: Sequence[int]) -> np.ndarray:
    """The indices held out for evaluation: the last one written of each digit."""
    last = {digit: index for index, digit in enumerate(labels)}
    return np.array(sorted(last.values()), dtype=np.int64)


def trained_on(labels: Sequence[int]) -> np.ndarray:
    """The indices the fine-tune trains on: all but :func:`held_out`."""
    kept = set(held_out(labels).tolist())
    return np.array([i for i in range(len(labels)) if i not in kept], dtype=np.int64)


def mse_per_digit(reconstruct, images: np.ndarray) -> np.ndarray:
    """Each image's mean squared error per pixel, as the pages report errors."""
    images = np.asarray(images, dtype=np.float32).reshape(-1, INPUT_DIM)
    return np.mean((reconstruct(images) - images) ** 2, axis=1)


def digits_npz(images: np.ndarray, labels: Sequence[int]) -> bytes:
    """The visitor's digits (28x28 floats in [0, 1]) as an .npz for the child, uint8."""
    pixels = np.round(np.asarray(images, np.float32).reshape(-1, IMAGE_SIDE, IMAGE_SIDE) * 255)
    buffer = io.BytesIO()
    np.savez(buffer, x=pixels.astype(np.uint8), y=np.asarray(labels, np.uint8))
    return buffer.getvalue()


def finetune_config(config: Config) -> Config:
    """The model's own description, trained on for a few gentle epochs."""
    if config.family == "pca":
        raise HandwritingError(
            "A PCA model is computed, not trained: choose a dense or convolutional model to "
            "teach it your handwriting."
        )
    return dataclasses.replace(
        config,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        learning_rate=min(config.learning_rate, LEARNING_RATE),
        schedule="constant",
    )


def mixed_training_pixels(
    own: np.ndarray, mnist: np.ndarray, seed: int = 0, mnist_images: int = MIXED_MNIST
) -> np.ndarray:
    """MNIST training images with shifted copies of the visitor's digits among them.

    ``own`` and ``mnist`` are uint8 rows of 784; the copies make up
    :data:`OWN_SHARE` of the result, each moved by up to :data:`MAX_SHIFT` px.
    """
    if len(own) == 0:
        raise HandwritingError("Write a few digits first: there is nothing to learn from.")
    rng = np.random.default_rng(seed)
    chosen = mnist[rng.choice(len(mnist), min(mnist_images, len(mnist)), replace=False)]
    copies = math.ceil(OWN_SHARE * len(chosen) / (1 - OWN_SHARE) / len(own))
    grids = own.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    shifted = [
        np.roll(grid, tuple(rng.integers(-MAX_SHIFT, MAX_SHIFT + 1, size=2)), axis=(0, 1))
        for _ in range(copies)
        for grid in grids
    ]
    mixed = np.concatenate([chosen, np.stack(shifted).reshape(-1, INPUT_DIM)])
    return mixed[rng.permutation(len(mixed))]


@dataclass(frozen=True)
class BeforeAfter:
    """A fine-tune's outcome on the held-out digits (their pictures, rebuilt before and
    after, and their mean errors) and the MNIST test set's mean error, if measured.

    Kept instead of the two models: a visitor's session holds no model it no longer uses.
    """

    images: np.ndarray  # (n, 784) the held-out digits
    rebuilt_before: np.ndarray
    rebuilt_after: np.ndarray
    mnist_before: float | None = None
    mnist_after: float | None = None

    @property
    def own_before(self) -> float:
        return float(np.mean((self.rebuilt_before - self.images) ** 2))

    @property
    def own_after(self) -> float:
        return float(np.mean((self.rebuilt_after - self.images) ** 2))


def before_after(
    before: Autoencoder,
    after: Autoencoder,
    held: np.ndarray,
    mnist: tuple[float, float] | None = None,
) -> BeforeAfter:
    """The held-out digits rebuilt by the model before and after its fine-tune."""
    images = np.asarray(held, np.float32).reshape(-1, INPUT_DIM)
    first, second = mnist if mnist is not None else (None, None)
    return BeforeAfter(images, before.reconstruct(images), after.reconstruct(images), first, second)


# --- The child -------------------------------------------------------------------------------


def _read_digits(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The digits file :func:`digits_npz` wrote, read by the bounded reader (files.py)."""
    from autoencoder.files import (
        BadFileError,
        npz_members,
        open_zip,
        read_npy_array,
        read_npy_header,
    )

    arrays = {}
    try:
        with open(path, "rb") as stream, open_zip(stream, max_members=2, what="digits") as archive:
            members = npz_members(archive, "the digits")
            for key in ("x", "y"):
                header = read_npy_header(archive, members[key], key)
                if not 0 < header.shape[0] <= MAX_DIGITS or header.dtype != np.uint8:
                    raise HandwritingError(f"{key} must hold 1 to {MAX_DIGITS} uint8 rows")
                arrays[key] = read_npy_array(archive, members[key], header, key)
    except (BadFileError, KeyError) as problem:
        raise HandwritingError(f"not a file of digits ({problem})") from None
    if arrays["x"].shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise HandwritingError("x must hold 28x28 images")
    return arrays["x"].reshape(-1, INPUT_DIM), arrays["y"]


def main(argv: Sequence[str] | None = None) -> int:
    """Fine-tune ``--model`` on ``--digits`` (all of them: the caller held some out)."""
    parser = argparse.ArgumentParser(prog="python -m autoencoder.handwriting")
    parser.add_argument("--model", type=Path, required=True, help="the model to start from")
    parser.add_argument("--digits", type=Path, required=True, help="an .npz of x and y (uint8)")
    parser.add_argument("--data", type=Path, required=True, help="mnist.npz")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--json", action="store_true", help="one JSON line per epoch")
    parser.add_argument("--stop-file", type=Path)
    parser.add_argument("--heartbeat", type=Path)
    parser.add_argument("--no-xla", action="store_true")
    arguments = parser.parse_args(argv)

    from autoencoder.artifact import load_model, save_model
    from autoencoder.data import Dataset, Split, load_dataset
    from autoencoder.training import EpochReport, train

    try:
        start = load_model(arguments.model)
        config = finetune_config(start.config)
        own, _labels = _read_digits(arguments.digits)
        mnist = load_dataset("mnist", arguments.data)
    except (HandwritingError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    assert mnist.train is not None
    mixed = Dataset(
        name="mnist",
        train=Split(pixels=mixed_training_pixels(own, mnist.train.pixels, seed=config.seed)),
        test=mnist.test,
        source=mnist.source,
        sha256=mnist.sha256,
    )

    def report(epoch: EpochReport) -> None:
        print(json.dumps(dataclasses.asdict(epoch)), flush=True)

    def should_stop() -> bool:
        if arguments.stop_file is not None and arguments.stop_file.exists():
            return True
        if arguments.heartbeat is not None:
            try:
                return time.time() - arguments.heartbeat.stat().st_mtime > HEARTBEAT_SECONDS
            except FileNotFoundError:
                return True
        return False

    model = train(
        mixed,
        config,
        on_epoch_end=report if arguments.json else None,
        should_stop=should_stop,
        xla=False if arguments.no_xla else None,
        initial_weights=start.weights,
    )
    save_model(model, arguments.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
