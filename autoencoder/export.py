"""A model as the browser runs it: its layers in order, weights as base64 float32.

The Draw and Explore views run the network in the visitor's browser
(components/live/). What the JavaScript needs is in the payload made here:
the encoder and decoder as lists of layers taken from ``encoder_layers``,
``code_layers`` and ``decoder_layers`` (network.py), so the JavaScript never
restates an architecture. Kernels keep Keras' layouts, row-major:
dense (fan_in, units), conv (3, 3, fan_in, units), deconv (3, 3, units, fan_in).
A convolution also carries the side of its (square, NHWC) input and the
"same" padding before it; a dense layer reads its input flattened, NHWC,
as Keras' Flatten does.

PCA is written as two dense layers, ``x @ C.T - mean @ C.T`` and
``clip(code @ C + mean, 0, 1)``: the same arithmetic as ``Autoencoder``.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from autoencoder.config import IMAGE_SIDE
from autoencoder.errors import AutoencoderError
from autoencoder.network import (
    Autoencoder,
    Layer,
    _same_padding,
    code_layers,
    conv_grid,
    decoder_layers,
    encoder_layers,
)

CLIP = "clip"  # an activation only PCA's decoder has: clip to [0, 1]
# The most the browser is sent for one model: base64 float32 is 16/3 bytes a weight,
# so this is a million weights (the Train page's largest model has 1.2 million and
# is served by the server's pictures). Sized before anything is built: a model near
# Config's bounds would otherwise make a 20 MB payload, copied more than once on
# its way to the browser, for every visitor who opens a live page.
MAX_PAYLOAD_BYTES = 6 * 2**20


class UnsupportedModelError(AutoencoderError, ValueError):
    """A model the browser cannot run; the page serves it from the server instead."""


def payload_bytes(model: Autoencoder) -> int:
    """What :func:`payload` will weigh, counted from the weights' shapes before building it."""
    arrays = [array.nbytes for array in model.weights.values()]
    if model.config.family == "pca":  # the components go both ways, and a bias each way
        arrays = [*arrays, model.weights["pca.components"].nbytes, 4 * model.latent_dim]
    base64 = sum(-(-nbytes // 3) * 4 for nbytes in arrays)
    return base64 + 200 * len(arrays)  # each layer's names and sizes


def payload(model: Autoencoder) -> dict[str, Any]:
    """The JSON-ready model for components/live/network.js (4/3 of its weights' bytes).

    UnsupportedModelError if it would exceed MAX_PAYLOAD_BYTES.
    """
    size = payload_bytes(model)
    if size > MAX_PAYLOAD_BYTES:
        raise UnsupportedModelError(
            f"the model is too big to run in the browser ({size / 2**20:.1f} MB of weights "
            f"to send, at most {MAX_PAYLOAD_BYTES // 2**20} MB)"
        )
    config = model.config
    if config.family == "pca":
        encoder, decoder = _pca_layers(model)
    else:
        # A VAE's code is its mean: the browser draws and explores, it never samples.
        heads = code_layers(config)[:1]
        encoder = _layers(model, [*encoder_layers(config), *heads], IMAGE_SIDE)
        side = conv_grid(config)[0] if config.filters else 0
        decoder = _layers(model, decoder_layers(config), side)
    return {
        "fingerprint": model.fingerprint,
        "family": config.family,
        "latent_dim": model.latent_dim,
        "image_side": IMAGE_SIDE,
        "encoder": encoder,
        "decoder": decoder,
    }


def floats(array: np.ndarray) -> str:
    """Little-endian float32 bytes as base64 (JavaScript: a Float32Array over atob)."""
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return base64.b64encode(data).decode("ascii")


def _layers(model: Autoencoder, layers: list[Layer], side: int) -> list[dict[str, Any]]:
    """Each layer with its weights; ``side`` is the first convolution's input side."""
    entries = []
    for layer in layers:
        entry: dict[str, Any] = {
            "name": layer.name,
            "kind": layer.kind,
            "fan_in": layer.fan_in,
            "units": layer.units,
            "activation": layer.activation,
        }
        if layer.kind == "conv":
            entry |= {"side": side, "pad": _same_padding(side, 2)[0]}
            side = -(-side // 2)
        elif layer.kind == "deconv":
            entry |= {"side": side, "pad": _same_padding(2 * side, 2)[0]}
            side *= 2
        elif layer.kind != "dense":
            raise UnsupportedModelError(f"layer {layer.name} is a {layer.kind}")
        entry["kernel"] = floats(model.weights[f"{layer.name}.kernel"])
        entry["bias"] = floats(model.weights[f"{layer.name}.bias"])
        entries.append(entry)
    return entries


def _pca_layers(model: Autoencoder) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    components = model.weights["pca.components"]  # (latent_dim, 784)
    mean = model.weights["pca.mean"]

    def dense(name: str, kernel: np.ndarray, bias: np.ndarray, activation: str) -> dict[str, Any]:
        fan_in, units = kernel.shape
        return {
            "name": name,
            "kind": "dense",
            "fan_in": fan_in,
            "units": units,
            "activation": activation,
            "kernel": floats(kernel),
            "bias": floats(bias),
        }

    encoder = dense("pca_encode", components.T, -(mean @ components.T), "linear")
    decoder = dense("pca_decode", components, mean, CLIP)
    return [encoder], [decoder]
