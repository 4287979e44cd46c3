"""Inside the network: what a unit responds to and what it paints, as pictures.

The layers view (components/live/layers.js, and the server's version of it)
shows every layer's outputs (``Autoencoder.activations``) and, for one unit
picked, either its incoming weights (a unit of the first layer: a 28x28
picture of the pixels that excite it, or a 3x3 filter for a convolution; for a
deeper dense unit, those weights traced back to the pixels) or, for a code
unit, what it paints: the decoder's response to that unit alone,
moved a step either way around the current code. The JavaScript computes the
same from the same weights; this module is its reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from autoencoder import export
from autoencoder.config import IMAGE_SIDE
from autoencoder.latent import LatentStatistics
from autoencoder.network import Autoencoder, Layer, code_layers, decoder_layers, encoder_layers

PRIOR_STEP = 1.0  # a VAE's code unit moves by one standard deviation of its N(0, 1) prior
ORANGE, BLUE = np.array([234, 88, 12]), np.array([79, 70, 229])  # above 0, below (layers.js)
GAP_GREY = 240  # between feature maps and past a layer's last unit
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


@dataclass(frozen=True)
class Shown:
    """One layer as the layers view shows it: a heading, words, and its grid of values."""

    heading: str  # "Layer 1 of 4 · encoder_hidden_1 · 64 numbers, relu"
    words: str  # what these numbers are, and how many ReLU cut: the picture's alt text too
    grid: np.ndarray  # layer_grid of its values
    signed: bool  # shaded orange and blue (values of both signs), else black to white


def payload_extras(model: Autoencoder) -> dict[str, Any]:
    """What the layers view needs beyond export.payload: a VAE's log-variance head (the
    code's spread), as a layer of the same form; nothing for other models."""
    if not model.config.variational:
        return {}
    head = code_layers(model.config)[1]
    return {
        "spread": {
            "name": head.name,
            "kind": head.kind,
            "fan_in": head.fan_in,
            "units": head.units,
            "activation": head.activation,
            "kernel": export.floats(model.weights[f"{head.name}.kernel"]),
            "bias": export.floats(model.weights[f"{head.name}.bias"]),
        }
    }


def first_layer(model: Autoencoder) -> str:
    """The name of the layer the pixels feed (``pca_encode`` for PCA, as export.py names it)."""
    if model.config.family == "pca":
        return "pca_encode"
    return [*encoder_layers(model.config), *code_layers(model.config)][0].name


def incoming_weights(model: Autoencoder, unit: int) -> np.ndarray:
    """The weights from the pixels into ``unit`` of the first layer.

    (28, 28) for a dense first layer (PCA's: the unit's component), (3, 3) for a
    convolution (its one input channel is the image). Positive weights are
    pixels whose ink raises the unit's output.
    """
    if model.config.family == "pca":
        kernel = model.weights["pca.components"].T  # (784, latent_dim), as export.py sends it
    else:
        kernel = model.weights[f"{first_layer(model)}.kernel"]
    units = kernel.shape[-1]
    if not 0 <= unit < units:
        raise ValueError(f"the first layer has units 0 to {units - 1}, got {unit}")
    if kernel.ndim == 4:  # (3, 3, 1, filters)
        return kernel[:, :, 0, unit].copy()
    return kernel[:, unit].reshape(IMAGE_SIDE, IMAGE_SIDE).copy()


def traced_layers(model: Autoencoder) -> list[str]:
    """The encoder's layers :func:`pixel_weights` reaches: dense ones fed by dense ones."""
    names = []
    for layer in encoder_layers(model.config):
        if layer.kind != "dense":
            break
        names.append(layer.name)
    return names


def pixel_weights(model: Autoencoder, image: np.ndarray, layer: str, unit: int) -> np.ndarray:
    """What drives ``unit`` of dense encoder ``layer`` for ``image``, (28, 28): its incoming
    weights traced back to the pixels through the ReLUs that are on (the gradient of its
    input sum with respect to the pixels; for the first layer, :func:`incoming_weights`).
    Raises ValueError for a layer past a convolution, whose units see a patch, not pixels."""
    layers = encoder_layers(model.config)
    names = [each.name for each in layers]
    if layer not in names or any(each.kind != "dense" for each in layers[: names.index(layer) + 1]):
        raise ValueError(f"{layer} is not a dense layer the pixels feed through dense layers")
    index = names.index(layer)
    if not 0 <= unit < layers[index].units:
        raise ValueError(f"{layer} has units 0 to {layers[index].units - 1}, got {unit}")
    outputs = model.activations(np.asarray(image, dtype=np.float32).reshape(-1))
    weights = np.zeros(layers[index].units)
    weights[unit] = 1
    for k in range(index, -1, -1):
        below = model.weights[f"{layers[k].name}.kernel"].astype(np.float64) @ weights
        if k:
            below *= outputs[layers[k - 1].name] > 0  # an off ReLU passes nothing back
        weights = below
    return weights.reshape(IMAGE_SIDE, IMAGE_SIDE)


def paint_steps(model: Autoencoder, stats: LatentStatistics | None = None) -> np.ndarray:
    """How far each code unit is moved to see what it paints: its spread over the test set
    (``stats``), one prior standard deviation for a VAE, else 1; never 0 (a dead unit
    still feeds the decoder when moved)."""
    if model.config.variational or stats is None:
        return np.full(model.latent_dim, PRIOR_STEP)
    spread = np.asarray(stats.std, dtype=np.float64)
    return np.where(spread > 0, spread, PRIOR_STEP)


def paints(model: Autoencoder, code: np.ndarray, unit: int, step: float) -> np.ndarray:
    """What code ``unit`` paints around ``code``: half the difference of the images decoded
    with the unit moved ``step`` up and down, (784,) in [-1, 1]. Positive: ink the unit
    adds as it grows; negative: ink it takes away."""
    code = np.asarray(code, dtype=np.float32).reshape(-1)
    if not 0 <= unit < model.latent_dim:
        raise ValueError(f"the code has units 0 to {model.latent_dim - 1}, got {unit}")
    moved = np.stack([code, code])
    moved[0, unit] += step
    moved[1, unit] -= step
    up, down = model.decode(moved)
    return (up - down) / 2


def layer_grid(values: np.ndarray, *, bounded: bool = False) -> np.ndarray:
    """One layer's output (one image's: (units,) or (side, side, channels)) laid out as a 2-D
    array in [-1, 1], scaled by its largest magnitude (``bounded``: kept as it is, for
    values already in [0, 1] such as pixels): feature maps side by side with a gap of NaN
    between them, a dense layer's units in a near-square block, NaN past the last unit.
    Layers.js lays its canvases out alike."""
    array = np.asarray(values, dtype=np.float64)
    peak = 1.0 if bounded else float(np.abs(array).max(initial=0)) or 1.0
    if array.ndim == 3:
        side, _, channels = array.shape
        rows, columns = grid_shape(array.shape)
        grid = np.full((rows * (side + 1) - 1, columns * (side + 1) - 1), np.nan)
        for channel in range(channels):
            top, left = divmod(channel, columns)
            top, left = top * (side + 1), left * (side + 1)
            grid[top : top + side, left : left + side] = array[:, :, channel] / peak
        return grid
    flat = array.reshape(-1)
    rows, columns = grid_shape(flat.shape)
    grid = np.full(rows * columns, np.nan)
    grid[: len(flat)] = flat / peak
    return grid.reshape(rows, columns)


def grid_shape(shape: tuple[int, ...]) -> tuple[int, int]:
    """Rows and columns of a layer's grid: one cell per channel of a convolution's
    output, per unit of a dense layer's, as near square as they fit (columns first)."""
    count = shape[-1] if len(shape) == 3 else math.prod(shape)
    columns = math.ceil(math.sqrt(count))
    return math.ceil(count / columns), columns


def grid_picture(grid: np.ndarray, *, signed: bool, zoom: int = 4) -> np.ndarray:
    """A :func:`layer_grid` as uint8 RGB, shaded as layers.js shades a layer: from black (0)
    to white (the layer's peak), or, ``signed``, orange above 0 and blue below; gaps light
    grey. Each value becomes ``zoom`` x ``zoom`` pixels."""
    values = np.asarray(grid, dtype=np.float64)
    gap = np.isnan(values)
    clean = np.clip(np.nan_to_num(values), -1, 1)[..., np.newaxis]
    if signed:
        rgb = np.where(clean >= 0, clean * ORANGE, -clean * BLUE)
    else:
        rgb = np.clip(clean, 0, 1) * 255 * np.ones(3)
    rgb[gap] = GAP_GREY
    big = np.kron(rgb, np.ones((zoom, zoom, 1)))
    return np.round(big).astype(np.uint8)


def code_layer(model: Autoencoder) -> str:
    """The name of the layer whose output is the code the decoder gets."""
    if model.config.family == "pca":
        return "pca_encode"
    return code_layers(model.config)[0].name


def shown_layers(model: Autoencoder, image: np.ndarray) -> list[Shown]:
    """Every layer of ``model`` for one image, from the input to the reconstruction, in the
    words and shades of components/live/layers.js (the server's version of the view)."""
    outputs = model.activations(np.asarray(image, dtype=np.float32).reshape(-1))
    if model.config.family == "pca":
        width = model.latent_dim
        layers = [
            (Layer("pca_encode", "dense", 784, width, "linear"), "code"),
            (Layer("pca_decode", "dense", width, 784, "clip"), "output"),
        ]
    else:
        heads = code_layers(model.config)
        decoder = decoder_layers(model.config)
        layers = [
            *[(layer, "encoder") for layer in encoder_layers(model.config)],
            (heads[0], "code"),
            *[(layer, "spread") for layer in heads[1:]],
            *[(layer, "output" if layer is decoder[-1] else "decoder") for layer in decoder],
        ]
    count = len(layers)
    flat = np.asarray(image, dtype=np.float64).reshape(-1)
    shown = [
        Shown(
            "Input · 784 pixels (28x28)",
            "The 784 pixels the network gets: your drawing, made 28x28 the way MNIST's digits "
            "were.",
            layer_grid(flat, bounded=True),
            signed=False,
        )
    ]
    for position, (layer, role) in enumerate(layers, start=1):
        values = np.asarray(outputs[layer.name], dtype=np.float64)
        if role == "spread":
            values = np.exp(values / 2)  # the log-variance as a standard deviation
        before = layers[: position - 1]  # "the second convolution": counted by part and kind
        index = sum(1 for other, kind in before if kind == role and other.kind == layer.kind)
        size, what = _size(values), _what(layer, role)
        heading = f"Layer {position} of {count} · {layer.name} · {size}, {what}"
        words = _describe(layer, role, index, values)
        signed = role != "spread" and layer.activation == "linear"
        bounded = role in ("output", "spread")
        shown.append(Shown(heading, words, layer_grid(values, bounded=bounded), signed))
    return shown


def _size(values: np.ndarray) -> str:
    if values.size == 784 and (values.ndim == 1 or values.shape[-1] == 1):
        return "784 pixels (28x28)"
    if values.ndim == 3:
        return f"{values.shape[2]} maps of {values.shape[0]}x{values.shape[1]}"
    return f"{values.size} numbers"


def _what(layer: Layer, role: str) -> str:
    if role == "spread":
        return "log-variance, shown as a spread"
    return "no activation" if layer.activation == "linear" else layer.activation


def _describe(layer: Layer, role: str, index: int, values: np.ndarray) -> str:
    """layers.js's describe(): what these numbers are, and how many of them ReLU cut now."""
    n = values.size
    zeros = int(np.count_nonzero(values == 0))
    ordinal = ORDINALS[index] if index < len(ORDINALS) else f"number {index + 1}"
    maps = values.ndim == 3
    cut = ""
    if layer.activation == "relu":
        cut = (
            f"; dark is zero: ReLU cut {zeros} of their {n} values now"
            if maps
            else f"; the dark ones are zero: ReLU cut them ({zeros} of {n} now)"
        )
    if role == "spread":
        return (
            f"The code's spread: how unsure the encoder is of each of its {n} numbers (the "
            "standard deviation, from the log-variance head). White is 1, the prior's: a "
            "number the model leaves unused; dark: the encoder is sure."
        )
    if role == "code":
        signs = "; orange is above 0, blue below" if layer.activation == "linear" else ""
        what = {
            "pca_encode": f"your drawing's coordinates along PCA's {n} main directions",
            "latent_mean": "the mean of the code, what the decoder gets",
        }.get(layer.name, "all the decoder gets")
        return f"The code: these {n} numbers are {what}{signs}{cut}."
    if role == "output":
        return "The output: 784 pixels (28x28), the reconstruction."
    if maps:
        side, channels = values.shape[0], values.shape[2]
        how = (
            f"the {ordinal} convolution's {channels} filters, each a 3x3 pattern slid over its "
            "input two pixels at a time"
            if layer.kind == "conv"
            else "a transposed convolution grows them back from the code, doubling the side"
        )
        return f"{channels} feature maps of {side}x{side}: {how}{cut}."
    which = (
        f"the {ordinal} hidden layer's outputs"
        if role == "encoder"
        else f"what the decoder's {ordinal} layer makes of the code"
    )
    return f"These {n} numbers are {which}{cut}."
