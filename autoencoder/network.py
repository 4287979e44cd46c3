"""The trained autoencoder as plain NumPy: encode, decode, reconstruct.

Serving needs no TensorFlow. The layers are listed once, from the ``Config``,
by :func:`encoder_layers`, :func:`code_layers` and :func:`decoder_layers`;
the Keras builder (training.py) walks the same lists, and the saved weights
are stored under the same layer names, so training and serving cannot
disagree. Convolutions are a window view and one matrix product.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autoencoder.config import IMAGE_SIDE, INPUT_DIM, Config

if TYPE_CHECKING:  # record.py checks records against its schema; only its types are needed
    from autoencoder.record import ModelRecord

KERNEL = 3  # every convolution is 3x3; the strided ones halve the side
BATCH = 256  # images per forward pass: bounds the memory of the convolution windows
MAX_WEIGHT = 1e3  # trained weights stay far below; larger ones are a crafted file


@dataclass(frozen=True)
class Layer:
    """One layer: ``kind`` is dense, conv or deconv (3x3, stride 2, "same" padding)."""

    name: str
    kind: str
    fan_in: int  # input features (dense) or channels
    units: int  # output features or channels
    activation: str  # relu, linear or sigmoid

    @property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        if self.kind == "dense":
            kernel: tuple[int, ...] = (self.fan_in, self.units)
        elif self.kind == "deconv":  # Keras stores a transposed kernel as (h, w, out, in)
            kernel = (KERNEL, KERNEL, self.units, self.fan_in)
        else:
            kernel = (KERNEL, KERNEL, self.fan_in, self.units)
        return {f"{self.name}.kernel": kernel, f"{self.name}.bias": (self.units,)}


def _numbered(prefix: str, index: int) -> str:
    # The first layer keeps the seed's name, so models saved before families load as they are.
    return prefix if index == 0 else f"{prefix}_{index + 1}"


def conv_grid(config: Config) -> tuple[int, int]:
    """Side and channels of the last convolution's output (conv family)."""
    side = IMAGE_SIDE
    for _ in config.filters:
        side = -(-side // 2)
    return side, config.filters[-1]


def encoder_layers(config: Config) -> list[Layer]:
    """Image to the last hidden layer (the code layers come after)."""
    layers = []
    channels = 1
    for index, filters in enumerate(config.filters):
        layers.append(Layer(f"encoder_conv_{index + 1}", "conv", channels, filters, "relu"))
        channels = filters
    features = INPUT_DIM
    if config.filters:
        side, channels = conv_grid(config)
        features = side * side * channels
    for index, width in enumerate(config.hidden_units):
        layers.append(Layer(_numbered("encoder_hidden", index), "dense", features, width, "relu"))
        features = width
    return layers


def _encoder_features(config: Config) -> int:
    layers = encoder_layers(config)
    if layers and layers[-1].kind == "dense":
        return layers[-1].units
    if config.filters:
        side, channels = conv_grid(config)
        return side * side * channels
    return INPUT_DIM


def code_layers(config: Config) -> list[Layer]:
    """The code: one layer, or a VAE's mean and log-variance heads."""
    features = _encoder_features(config)
    if config.variational:
        return [
            Layer("latent_mean", "dense", features, config.latent_dim, "linear"),
            Layer("latent_log_var", "dense", features, config.latent_dim, "linear"),
        ]
    return [Layer("latent", "dense", features, config.latent_dim, config.code_activation)]


def decoder_layers(config: Config) -> list[Layer]:
    """Code to image: the encoder mirrored, ending in a sigmoid."""
    layers = []
    features = config.latent_dim
    for index, width in enumerate(reversed(config.hidden_units)):
        layers.append(Layer(_numbered("decoder_hidden", index), "dense", features, width, "relu"))
        features = width
    if not config.filters:
        return [*layers, Layer("reconstruction", "dense", features, INPUT_DIM, "sigmoid")]
    side, channels = conv_grid(config)
    layers.append(Layer("decoder_project", "dense", features, side * side * channels, "relu"))
    # The encoder's convolutions in reverse: 7x7x64 -> 14x14x32 -> 28x28x1, the last a sigmoid.
    outputs = [*reversed(config.filters[:-1]), 1]
    for index, filters in enumerate(outputs):
        last = index == len(outputs) - 1
        name = "reconstruction" if last else f"decoder_deconv_{index + 1}"
        layers.append(Layer(name, "deconv", channels, filters, "sigmoid" if last else "relu"))
        channels = filters
    return layers


def weight_shapes(config: Config) -> dict[str, tuple[int, ...]]:
    """The expected shape of every saved array, keyed ``<layer>.kernel/bias``."""
    if config.family == "pca":
        return {"pca.mean": (INPUT_DIM,), "pca.components": (config.latent_dim, INPUT_DIM)}
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in [*encoder_layers(config), *code_layers(config), *decoder_layers(config)]:
        shapes.update(layer.shapes)
    return shapes


def parameter_count(config: Config) -> int:
    return sum(int(np.prod(shape)) for shape in weight_shapes(config).values())


def operation_count(config: Config) -> int:
    """Multiply-adds to encode and decode one image: what serving it costs the CPU.

    A dense layer costs fan_in x units; a 3x3 convolution that many per output
    pixel, and a transposed one per input pixel (each spreads into a 3x3 patch).
    """
    if config.family == "pca":
        return 2 * INPUT_DIM * config.latent_dim
    total = 0
    side = IMAGE_SIDE  # the encoder's grid shrinks 28 -> 14 -> 7
    for layer in [*encoder_layers(config), *code_layers(config)]:
        if layer.kind == "conv":
            side = -(-side // 2)
            total += side * side * KERNEL * KERNEL * layer.fan_in * layer.units
        else:
            total += layer.fan_in * layer.units
    side = conv_grid(config)[0] if config.filters else 0  # the decoder's grows back
    for layer in decoder_layers(config):
        if layer.kind == "deconv":
            total += side * side * KERNEL * KERNEL * layer.fan_in * layer.units
            side *= 2
        else:
            total += layer.fan_in * layer.units
    return total


@dataclass(frozen=True, eq=False)
class Autoencoder:
    """A trained autoencoder of any family (see ``Config``).

    ``record`` carries what was learnt about the model when it was trained:
    history, test metrics, dataset name and checksum (see artifact.py).
    Instances are read-only, so one can be shared by many threads.
    """

    config: Config
    weights: Mapping[str, np.ndarray]
    record: ModelRecord = field(default_factory=dict)  # type: ignore[assignment]

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
                    f"for the settings {self.config.describe().replace('**', '')}"
                )
            if not np.all(np.isfinite(array)) or np.abs(array).max(initial=0) > MAX_WEIGHT:
                raise ValueError(f"weight {name} holds NaN, infinite or absurdly large values")
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

    @property
    def parameters(self) -> int:
        return parameter_count(self.config)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Codes for one image (784 or 28x28) or a batch of them (a VAE's mean)."""
        batch, single = _as_image_batch(images)
        codes = self._batched(self._encode, batch)
        return codes[0] if single else codes

    def encode_distribution(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A VAE's code mean and log-variance for each image."""
        if not self.config.variational:
            raise ValueError("only a variational model has a code distribution")
        batch, _ = _as_image_batch(images)
        both = self._batched(lambda rows: np.hstack(self._code_heads(rows)), batch)
        return both[:, : self.latent_dim], both[:, self.latent_dim :]

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
        images = self._batched(self._decode, batch)
        return images[0] if single else images

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Decode(encode(images)), in the shape the images came in."""
        batch, _ = _as_image_batch(images)
        output = self._batched(lambda rows: self._decode(self._encode(rows)), batch)
        return output.reshape(np.shape(images))

    def activations(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every layer's output for one image (784 or 28x28) or a batch, in order, by layer name.

        Encoder, code (a VAE's ``latent_mean`` then ``latent_log_var``), decoder
        from its mean: what components/live/layers.js shows. Dense outputs are
        (n, units), convolutions' NHWC (n, side, side, channels); PCA has the two
        layers export.py gives it, ``pca_encode`` and ``pca_decode``. One image in,
        no batch axis out. Meant for a few images: nothing is chunked.
        """
        batch, single = _as_image_batch(images)
        outputs: dict[str, np.ndarray] = {}
        if self.config.family == "pca":
            outputs["pca_encode"] = self._encode(batch)
            outputs["pca_decode"] = self._decode(outputs["pca_encode"])
        else:
            hidden = batch.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1) if self.config.filters else batch
            for layer in encoder_layers(self.config):
                if layer.kind == "dense" and hidden.ndim > 2:
                    hidden = hidden.reshape(len(batch), -1)  # NHWC flattened, as Keras' Flatten
                hidden = outputs[layer.name] = self._apply(layer, hidden)
            hidden = hidden.reshape(len(batch), -1)
            for layer in code_layers(self.config):
                outputs[layer.name] = self._apply(layer, hidden)
            hidden = outputs[code_layers(self.config)[0].name]
            for layer in decoder_layers(self.config):
                if layer.kind == "deconv" and hidden.ndim == 2:
                    side, channels = conv_grid(self.config)
                    hidden = hidden.reshape(-1, side, side, channels)
                hidden = outputs[layer.name] = self._apply(layer, hidden)
        return {name: value[0] if single else value for name, value in outputs.items()}

    @staticmethod
    def _batched(function: Any, rows: np.ndarray) -> np.ndarray:
        if len(rows) <= BATCH:
            return function(rows)
        return np.concatenate([function(rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)])

    def _encode(self, batch: np.ndarray) -> np.ndarray:
        if self.config.family == "pca":
            return (batch - self.weights["pca.mean"]) @ self.weights["pca.components"].T
        return self._code_heads(batch)[0]

    def _code_heads(self, batch: np.ndarray) -> list[np.ndarray]:
        hidden = batch
        if self.config.filters:
            hidden = batch.reshape(-1, IMAGE_SIDE, IMAGE_SIDE, 1)
        for layer in encoder_layers(self.config):
            if layer.kind == "dense" and hidden.ndim > 2:
                hidden = hidden.reshape(len(batch), -1)  # NHWC flattened, as Keras' Flatten
            hidden = self._apply(layer, hidden)
        hidden = hidden.reshape(len(batch), -1)
        return [self._apply(layer, hidden) for layer in code_layers(self.config)]

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        if self.config.family == "pca":
            images = codes @ self.weights["pca.components"] + self.weights["pca.mean"]
            return np.clip(images, 0, 1).astype(np.float32)
        hidden = codes
        for layer in decoder_layers(self.config):
            if layer.kind == "deconv" and hidden.ndim == 2:
                side, channels = conv_grid(self.config)
                hidden = hidden.reshape(-1, side, side, channels)
            hidden = self._apply(layer, hidden)
        return hidden.reshape(len(codes), INPUT_DIM).astype(np.float32)

    def _apply(self, layer: Layer, inputs: np.ndarray) -> np.ndarray:
        kernel = self.weights[f"{layer.name}.kernel"]
        if layer.kind == "dense":
            outputs = inputs @ kernel
        elif layer.kind == "conv":
            outputs = _conv(inputs, kernel, stride=2)
        else:
            outputs = _deconv(inputs, kernel)
        outputs = outputs + self.weights[f"{layer.name}.bias"]
        if layer.activation == "relu":
            return np.maximum(outputs, 0)
        if layer.activation == "sigmoid":
            # tanh form of the sigmoid: no overflow warnings for large |logits|.
            return 0.5 + 0.5 * np.tanh(0.5 * outputs)
        return outputs


def _same_padding(side: int, stride: int) -> tuple[int, int]:
    """TensorFlow's "same" padding: the extra pixel, if any, goes after."""
    out = -(-side // stride)
    total = max((out - 1) * stride + KERNEL - side, 0)
    return total // 2, total - total // 2


def _conv(inputs: np.ndarray, kernel: np.ndarray, stride: int) -> np.ndarray:
    """3x3 "same" convolution (Keras' cross-correlation) of NHWC ``inputs``."""
    before, after = _same_padding(inputs.shape[1], stride)
    padded = np.pad(inputs, ((0, 0), (before, after), (before, after), (0, 0)))
    # windows: (n, out, out, channels, 3, 3), a view; one matrix product does the rest.
    windows = sliding_window_view(padded, (KERNEL, KERNEL), axis=(1, 2))[:, ::stride, ::stride]
    n, height, width, _channels = windows.shape[:4]
    rows = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * height * width, -1)
    return (rows @ kernel.reshape(-1, kernel.shape[-1])).reshape(n, height, width, -1)


def _deconv(inputs: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' 3x3 stride-2 "same" transposed convolution: doubles the side.

    The transpose of ``_conv``: each input pixel adds its kernel-weighted
    values into a 3x3 patch of the output, patches two pixels apart.
    """
    n, side, _, _ = inputs.shape
    before, _ = _same_padding(2 * side, 2)
    full = np.zeros((n, 2 * side + KERNEL, 2 * side + KERNEL, kernel.shape[2]), np.float32)
    for row in range(KERNEL):
        for column in range(KERNEL):
            # kernel[row, column] is (out, in): contribution of every input pixel.
            full[:, row : row + 2 * side : 2, column : column + 2 * side : 2] += (
                inputs @ kernel[row, column].T
            )
    return full[:, before : before + 2 * side, before : before + 2 * side]


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
