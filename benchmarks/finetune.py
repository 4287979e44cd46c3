"""Teach the default model a hand MNIST lacks: before/after of the held-out digits' error
and of the MNIST test error, through the app's own fine-tune job.

The hand is traced with benchmarks/strokes.py's pen: every digit 0-9 in one style,
with the two MNIST hardly holds (a seven with a crossbar, a one with a flag and a
base), ``--per-digit`` times each, jittered as a hand would. The last of each digit
is held out (autoencoder.handwriting.held_out), as on the page::

    nice -n 10 .venv/bin/python -m benchmarks.finetune
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from autoencoder import handwriting, jobs, zoo
from autoencoder.artifact import load_model
from autoencoder.data import load_dataset
from autoencoder.preprocess import to_mnist
from benchmarks.strokes import WIDTH, rasterize, stroke_points

# Polylines on a 0-1 square, one list per pen stroke.
HAND: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.15), (0.3, 0.3), (0.28, 0.6), (0.45, 0.85), (0.68, 0.7), (0.7, 0.35),
         (0.5, 0.15)]],
    1: [[(0.34, 0.3), (0.52, 0.15), (0.52, 0.85)], [(0.3, 0.85), (0.74, 0.85)]],  # flag, base
    2: [[(0.28, 0.3), (0.45, 0.15), (0.68, 0.22), (0.66, 0.42), (0.28, 0.85), (0.74, 0.85)]],
    3: [[(0.3, 0.2), (0.65, 0.2), (0.45, 0.45), (0.68, 0.62), (0.55, 0.85), (0.28, 0.8)]],
    4: [[(0.6, 0.85), (0.6, 0.15), (0.25, 0.6), (0.75, 0.6)]],
    5: [[(0.7, 0.15), (0.35, 0.15), (0.32, 0.45), (0.62, 0.45), (0.7, 0.68), (0.55, 0.85),
         (0.28, 0.8)]],
    6: [[(0.65, 0.15), (0.35, 0.45), (0.3, 0.7), (0.45, 0.85), (0.65, 0.75), (0.62, 0.55),
         (0.35, 0.6)]],
    7: [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)], [(0.36, 0.52), (0.72, 0.52)]],  # crossbar
    8: [[(0.5, 0.5), (0.3, 0.3), (0.5, 0.15), (0.7, 0.3), (0.5, 0.5), (0.28, 0.7), (0.5, 0.85),
         (0.72, 0.7), (0.5, 0.5)]],
    9: [[(0.68, 0.35), (0.5, 0.15), (0.32, 0.3), (0.45, 0.48), (0.68, 0.35), (0.68, 0.85)]],
}  # fmt: skip
STYLES = {1: "one with a flag and a base", 7: "seven with a crossbar"}


def traced(digit: int, rng: random.Random) -> np.ndarray:
    """One digit of the hand, 28x28 float32, as the page's canvas and preprocessing make it."""
    width = WIDTH * rng.uniform(0.8, 1.3)
    strokes = [{"width": width, "points": stroke_points(line, rng)} for line in HAND[digit]]
    return to_mnist(rasterize(strokes))


def hand(per_digit: int, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """The visitor's digits in the order the page prompts them (0-9, then again, ...)."""
    rng = random.Random(seed)
    labels: list[int] = []
    while len(labels) < 10 * per_digit:
        labels.append(handwriting.next_prompt(labels))  # type: ignore[arg-type]
    return np.stack([traced(digit, rng) for digit in labels]), labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=4, help="digits of each kind written")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=zoo.DEFAULT_NAME, help="the zoo model to teach")
    arguments = parser.parse_args()

    images, labels = hand(arguments.per_digit, arguments.seed)
    held = handwriting.held_out(labels)
    trained = handwriting.trained_on(labels)
    before = load_model() if arguments.model == zoo.DEFAULT_NAME else zoo.load(arguments.model)
    test = load_dataset("mnist", include_train=False).test

    started = time.monotonic()
    job = jobs.TrainingJob.finetune(
        before, handwriting.digits_npz(images[trained], [labels[i] for i in trained])
    )
    try:
        while job.running:
            job.keep_alive()
            time.sleep(1)
        if not job.succeeded:
            raise SystemExit(f"the fine-tune failed: {job.error()}")
        after = job.result()
    finally:
        job.cleanup()
    seconds = time.monotonic() - started

    def own(model, rows: np.ndarray) -> float:
        return float(handwriting.mse_per_digit(model.reconstruct, images[rows]).mean())

    def mnist(model) -> float:
        return float(handwriting.mse_per_digit(model.reconstruct, test.images).mean())

    print(
        f"{arguments.model}: {len(labels)} digits written ({arguments.per_digit} of each), "
        f"{len(trained)} trained on, {len(held)} held out; {handwriting.EPOCHS} epochs among "
        f"{handwriting.MIXED_MNIST:,} MNIST images, {seconds:.0f} s with TensorFlow's start"
    )
    print("\n| mean squared error per pixel | before | after | change |\n|---|---:|---:|---:|")
    rows = [("your held-out digits", own(before, held), own(after, held))]
    for digit, style in STYLES.items():
        mine = np.array([i for i in held if labels[i] == digit])
        rows.append((f"your held-out {style}", own(before, mine), own(after, mine)))
    rows.append((f"MNIST test set ({len(test):,} images)", mnist(before), mnist(after)))
    for name, old, new in rows:
        print(f"| {name} | {old:.4f} | {new:.4f} | {100 * (new - old) / old:+.0f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
