"""A pen stroke as the live drawing pad sends it when a gesture ends (components/live/draw.js).

The pad sends ``{"digit": <784 floats, the 28x28 MNIST-style input>, "strokes":
[{"width": w, "points": [[x, y], ...]}, ...]}``: the strokes in canvas pixels to a
tenth, the digit computed in the browser by the same preprocessing as
``autoencoder.preprocess.to_mnist``. Here the strokes are drawn with NumPy
(round brushes along each segment) and preprocessed by the package, once per
drawing, so a simulated visitor sends what a browser would.
"""

from __future__ import annotations

import itertools
import random
from typing import Any

import numpy as np

from autoencoder.preprocess import to_mnist

SIDE = 280  # the pad's canvas, in pixels (views/draw.py CANVAS_SIDE)
WIDTH = 20  # the "Medium" brush
# Digits as polylines on a 0-1 square; a visitor's hand moves them a little.
SHAPES: dict[str, list[list[tuple[float, float]]]] = {
    "1": [[(0.5, 0.15), (0.5, 0.85)]],
    "7": [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]],
    "0": [[(0.5, 0.15), (0.3, 0.3), (0.28, 0.6), (0.45, 0.85), (0.68, 0.7), (0.7, 0.35),
           (0.5, 0.15)]],
    "4": [[(0.6, 0.85), (0.6, 0.15), (0.25, 0.6), (0.75, 0.6)]],
}  # fmt: skip


def stroke_points(
    shape: list[tuple[float, float]], rng: random.Random, step: float = 6.0
) -> list[list[float]]:
    """One stroke's pointer positions: the polyline, jittered, sampled every ``step`` px."""
    corners = [
        (SIDE * (x + rng.uniform(-0.04, 0.04)), SIDE * (y + rng.uniform(-0.04, 0.04)))
        for x, y in shape
    ]
    points: list[list[float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        count = max(1, int(np.hypot(x1 - x0, y1 - y0) / step))
        for k in range(count):
            t = k / count
            points.append([round(x0 + t * (x1 - x0), 1), round(y0 + t * (y1 - y0), 1)])
    points.append([round(corners[-1][0], 1), round(corners[-1][1], 1)])
    return points


def rasterize(strokes: list[dict[str, Any]]) -> np.ndarray:
    """The canvas' ink (SIDE x SIDE, 0-1): a round brush at every point and between them."""
    ink = np.zeros((SIDE, SIDE), dtype=np.float32)
    rows, cols = np.mgrid[0:SIDE, 0:SIDE]
    for stroke in strokes:
        radius = stroke["width"] / 2
        points = np.asarray(stroke["points"], dtype=np.float32)
        dense = [points[0]]
        for a, b in itertools.pairwise(points):
            count = max(1, int(np.hypot(*(b - a)) / 2))
            dense += [a + (b - a) * (k / count) for k in range(1, count + 1)]
        for x, y in dense:
            ink[(cols - x) ** 2 + (rows - y) ** 2 <= radius**2] = 1.0
    return ink


def drawing(rng: random.Random, digit: str | None = None) -> dict[str, Any]:
    """The ``drawing`` state value the pad sets when a stroke ends."""
    shape = SHAPES[digit or rng.choice(sorted(SHAPES))]
    strokes = [{"width": WIDTH, "points": stroke_points(line, rng)} for line in shape]
    image = to_mnist(rasterize(strokes))
    return {"digit": [float(value) for value in image.reshape(-1)], "strokes": strokes}
