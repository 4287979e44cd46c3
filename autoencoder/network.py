"""The trained autoencoder as plain NumPy: encode, decode, reconstruct.

Serving needs no TensorFlow: the network is four dense layers, so a forward
pass is four matrix products. Keras is only used to train (see training.py),
and its weights are stored under the layer names below.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autoencoder.config import IMAGE_SIDE, INPUT_DIM, Config

# Layer names shared by the Keras model and the saved weights, in order.
ENCODER_LAYERS = ("encoder_hidden", "latent")
DECODER_LAYERS = ("decoder_hidden", "reconstruction")


def weight_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """The expected shape of every saved array, keyed ``<layer>.kernel/bias``."""
    sizes = {
        "encoder_hidden": (INPUT_DIM, config.hidden_units),
        "latent": (config.hidden_units, config.latent_dim),
        "decoder_hidden": (config.latent_dim, config.hidden_units),
        "reconstruction": (config.hidden_units, INPUT_DIM),
    }
    shapes: dict[str, tuple[int, ...]] = {}
    for layer, (fan_in, fan_out) in sizes.items():
        shapes[f"{layer}.kernel"] = (fan_in, fan_out)
        shapes[f"{layer}.bias"] = (fan_out,)
    return shapes


@dataclass(frozen=True, eq=False)
class Autoencoder:
    """A trained dense autoencoder.

    ``record`` carries what was learnt about the model when it was trained:
    history, test metrics, dataset name and checksum (see artifact.py).
    Instances are read-only, so one can be shared by many threads.
    """

    config: Config
    weights: Mapping[str, np.ndarray]
    record: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = weight_shapes(self.config)
        missing = sorted(set(expected) - set(self.weights))
        if missing:
            raise ValueError(f"missing weights: {', '.join(missing)}")
        frozen = {}
        for name, shape in expected.items():
            array = np.asarray(self.weights[name], dtype=np.float32)
            if array.shape != shape:
                raise ValueError(
                    f"weight {name} has shape {array.shape}, expected {shape} "
                    f"for latent_dim={self.config.latent_dim}, "
                    f"hidden_units={self.config.hidden_units}"
                )
            if not np.all(np.isfinite(array)):
                raise ValueError(f"weight {name} holds NaN or infinite values")
            array = array.copy()
            array.flags.writeable = False
            frozen[name] = array
        object.__setattr__(self, "weights", frozen)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A short hash of settings and weights: a cache key for this exact model."""
        digest = hashlib.sha256(repr(sorted(self.config.to_dict().items())).encode())
        for name in sorted(self.weights):
            digest.update(name.encode())
            digest.update(self.weights[name].tobytes())
        return digest.hexdigest()[:16]

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Codes for one image (784 or 28x28) or a batch of them."""
        batch, single = _as_image_batch(images)
        codes = self._encode(batch)
        return codes[0] if single else codes

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Flat images in [0, 1] for one code or a batch of codes."""
        array = np.asarray(codes, dtype=np.float32)
        single = array.ndim == 1
        batch = array[np.newaxis] if single else array
        if batch.ndim != 2 or batch.shape[1] != self.latent_dim:
            raise ValueError(
                f"codes must have shape ({self.latent_dim},) or (n, {self.latent_dim}), "
                f"got {array.shape}"
            )
        if not np.all(np.isfinite(batch)):
            raise ValueError("codes hold NaN or infinite values")
        images = self._decode(batch)
        return images[0] if single else images

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Decode(encode(images)), in the shape the images came in."""
        batch, _ = _as_image_batch(images)
        return self._decode(self._encode(batch)).reshape(np.shape(images))

    def _dense(self, layer: str, inputs: np.ndarray) -> np.ndarray:
        return inputs @ self.weights[f"{layer}.kernel"] + self.weights[f"{layer}.bias"]

    def _encode(self, batch: np.ndarray) -> np.ndarray:
        hidden = np.maximum(self._dense("encoder_hidden", batch), 0)
        return np.maximum(self._dense("latent", hidden), 0)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        hidden = np.maximum(self._dense("decoder_hidden", codes), 0)
        logits = self._dense("reconstruction", hidden)
        # tanh form of the sigmoid: no overflow warnings for large |logits|.
        return (0.5 + 0.5 * np.tanh(0.5 * logits)).astype(np.float32)


def _as_image_batch(images: np.ndarray) -> tuple[np.ndarray, bool]:
    """Flatten 784, 28x28, (n, 784) or (n, 28, 28) input to (n, 784) float32."""
    array = np.asarray(images, dtype=np.float32)
    side = (IMAGE_SIDE, IMAGE_SIDE)
    if array.shape == (INPUT_DIM,) or array.shape == side:
        single = True
    elif (array.ndim == 2 and array.shape[1] == INPUT_DIM) or (
        array.ndim == 3 and array.shape[1:] == side
    ):
        single = False
    else:
        raise ValueError(
            f"images must have shape (784,), (28, 28), (n, 784) or (n, 28, 28), got {array.shape}"
        )
    batch = array.reshape(-1, INPUT_DIM)
    if not np.all(np.isfinite(batch)):
        raise ValueError("images hold NaN or infinite values")
    if batch.size and (batch.min() < 0 or batch.max() > 1):
        raise ValueError("pixel values must lie in [0, 1]; divide 0-255 images by 255 first")
    return batch, single
