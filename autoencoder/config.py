"""Model and training settings: one frozen dataclass, saved beside the weights.

``Config`` is the single description of a model. The Keras builder
(training.py), the NumPy forward pass (network.py), the command line (cli.py,
whose flags are generated from the fields below) and the saved ``config.json``
all read it, so they cannot disagree. Every size has an upper bound: a model
file is untrusted input, and a bound is what keeps a crafted one from costing
the server gigabytes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

IMAGE_SIDE = 28
INPUT_DIM = IMAGE_SIDE * IMAGE_SIDE
# "custom": a file of the visitor's own (Keras' MNIST layout), which only they hold; a model
# trained on it has no MNIST or Fashion-MNIST test set, and its labels (if any) are 0-9.
CUSTOM = "custom"
DATASETS = ("mnist", "fashion_mnist", CUSTOM)
DATASET_LABELS = {
    "mnist": "MNIST digits",
    "fashion_mnist": "Fashion-MNIST clothes",
    CUSTOM: "your own images",
}
FAMILIES = ("dense", "conv", "pca")
CODE_ACTIVATIONS = ("relu", "linear")
NOISES = ("none", "gaussian", "mask")
SCHEDULES = ("constant", "cosine")

# Upper bounds: what the app lets anyone train or upload.
MAX_LATENT_DIM = 128
MAX_DENSE_LAYERS = 4
MAX_WIDTH = 1024
MAX_CONV_LAYERS = 2  # 28 -> 14 -> 7: a third stride-2 layer would not mirror back to 28
MAX_FILTERS = 128
MAX_EPOCHS = 200
MAX_BATCH_SIZE = 4096
MAX_BETA = 100.0
MAX_SEED = 2**31 - 1
# What a model may cost, whatever its sizes: the layer bounds above allow 58 million
# parameters (one 128-filter convolution into four layers of 1024). The largest the
# Train page offers has 1.2 million and 3.1 million multiply-adds per image; the
# zoo's largest, a 784-1000-500-250-30 network, 2.8 million of each. These leave room
# for the zoo's next models and keep an upload at 16 MB of float32 weights and one
# pass over 10,000 test images at a few CPU-seconds.
MAX_PARAMETERS = 4_000_000
MAX_OPERATIONS = 16_000_000  # multiply-adds to encode and decode one image

# What --family sets when nothing else is said (the dense one is the seed's network).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "dense": {"hidden_units": (64,), "filters": ()},
    "conv": {"hidden_units": (), "filters": (32, 64), "code_activation": "linear"},
    "pca": {"hidden_units": (), "filters": (), "code_activation": "linear", "epochs": 1},
}


@dataclass(frozen=True)
class Config:
    """Everything needed to rebuild and retrain a model.

    The defaults are the reference recipe: 784 -> 64 -> 32 -> 64 -> 784,
    Adam, binary cross-entropy, 25 epochs of batch 256 on MNIST.

    - ``family``: ``dense`` (widths ``hidden_units``), ``conv`` (stride-2
      convolutions with ``filters`` channels, then ``hidden_units`` dense
      layers, mirrored by transposed convolutions) or ``pca`` (the closed-form
      linear baseline; nothing is trained).
    - ``variational``: a VAE; the encoder gives a mean and a log-variance,
      training samples the code and adds ``beta`` times the KL term.
    - ``noise``: denoising; inputs are corrupted by ``gaussian`` noise of
      standard deviation ``noise_level`` (clipped to [0, 1]) or by masking a
      ``noise_level`` fraction of pixels, and the target is the clean image.
    - ``schedule``: the learning rate stays ``constant`` or follows a ``cosine``
      from ``learning_rate`` down to zero over the run (a long run's last epochs
      then fine-tune instead of jittering).
    - ``binarize``: train on binarised images, each pixel drawn black or white
      with its grey level as the probability, anew every epoch (dynamic
      binarisation), so a VAE's Bernoulli decoder models data it can normalise
      over; validation and evaluation binarise the test set with a fixed seed.
    """

    family: str = "dense"
    hidden_units: tuple[int, ...] = (64,)
    filters: tuple[int, ...] = ()
    latent_dim: int = 32
    code_activation: str = "relu"
    variational: bool = False
    beta: float = 1.0
    noise: str = "none"
    noise_level: float = 0.0
    epochs: int = 25
    batch_size: int = 256
    learning_rate: float = 1e-3
    schedule: str = "constant"
    dataset: str = "mnist"
    binarize: bool = False
    seed: int = field(default=0)

    def __post_init__(self) -> None:
        _choice("family", self.family, FAMILIES)
        _choice("code_activation", self.code_activation, CODE_ACTIVATIONS)
        _choice("noise", self.noise, NOISES)
        _choice("schedule", self.schedule, SCHEDULES)
        _choice("dataset", self.dataset, DATASETS)
        object.__setattr__(self, "hidden_units", _widths("hidden_units", self.hidden_units))
        object.__setattr__(self, "filters", _widths("filters", self.filters))
        if len(self.hidden_units) > MAX_DENSE_LAYERS:
            raise ValueError(f"hidden_units may list at most {MAX_DENSE_LAYERS} layers")
        if any(width > MAX_WIDTH for width in self.hidden_units):
            raise ValueError(f"hidden_units must each be at most {MAX_WIDTH}")
        if len(self.filters) > MAX_CONV_LAYERS or any(n > MAX_FILTERS for n in self.filters):
            raise ValueError(
                f"filters may list at most {MAX_CONV_LAYERS} layers of at most {MAX_FILTERS}"
            )
        _integer("latent_dim", self.latent_dim, 1, MAX_LATENT_DIM)
        _integer("epochs", self.epochs, 1, MAX_EPOCHS)
        _integer("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        _integer("seed", self.seed, 0, MAX_SEED)
        _number("learning_rate", self.learning_rate, 0, 1, open_low=True, open_high=True)
        _number("beta", self.beta, 0, MAX_BETA, open_low=True)
        if not isinstance(self.variational, bool):
            raise ValueError(f"variational must be true or false, got {self.variational!r}")
        if not isinstance(self.binarize, bool):
            raise ValueError(f"binarize must be true or false, got {_short(self.binarize)}")
        self._check_family()
        self._check_cost()

    def _check_cost(self) -> None:
        # The layer lists live in network.py, which imports this module: import late.
        from autoencoder.network import operation_count, parameter_count

        parameters, operations = parameter_count(self), operation_count(self)
        if parameters > MAX_PARAMETERS:
            raise ValueError(
                f"the model has {parameters:,} parameters; at most {MAX_PARAMETERS:,} are allowed"
            )
        if operations > MAX_OPERATIONS:
            raise ValueError(
                f"the model costs {operations:,} multiply-adds per image; "
                f"at most {MAX_OPERATIONS:,} are allowed"
            )

    def _check_family(self) -> None:
        if self.family == "dense" and (not self.hidden_units or self.filters):
            raise ValueError("a dense model needs hidden_units and no filters")
        if self.family == "conv" and not self.filters:
            raise ValueError("a conv model needs filters (e.g. 32, 64)")
        if self.family == "pca":
            if self.hidden_units or self.filters or self.variational or self.noise != "none":
                raise ValueError("a pca model has no layers, no sampling and no noise")
            if self.binarize:
                raise ValueError("a pca model is computed from grey images (binarize: false)")
            if self.code_activation != "linear":
                raise ValueError("a pca model's code is linear (code_activation: linear)")
        if self.variational and self.code_activation != "linear":
            raise ValueError("a variational model's code is linear (code_activation: linear)")
        if self.noise == "none" and self.noise_level != 0:
            raise ValueError("noise_level is set but noise is none")
        if self.noise == "gaussian":
            _number("noise_level", self.noise_level, 0, 1, open_low=True)
        if self.noise == "mask":
            _number("noise_level", self.noise_level, 0, 0.95, open_low=True)

    @property
    def kind(self) -> str:
        """What people call it: dense, conv, vae or pca (denoising is a training choice)."""
        return "vae" if self.variational else self.family

    @property
    def denoising(self) -> bool:
        return self.noise != "none"

    def describe(self) -> str:
        """The architecture in one line, e.g. ``784 → 64 → 32 → 64 → 784``."""
        if self.family == "pca":
            return f"PCA: 784 → {self.latent_dim} → 784 (linear, closed form)"
        code = f"**{self.latent_dim}**" + (" (mean, log-variance)" if self.variational else "")
        dense = [str(width) for width in self.hidden_units]
        if self.family == "conv":
            grids, side = ["28x28x1"], IMAGE_SIDE
            for filters in self.filters:
                side = -(-side // 2)
                grids.append(f"{side}x{side}x{filters}")
            return " → ".join([*grids, *dense, code, *reversed(dense), *reversed(grids)])
        return " → ".join(["784", *dense, code, *reversed(dense), "784"])

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["hidden_units"] = list(self.hidden_units)
        values["filters"] = list(self.filters)
        return values

    @classmethod
    def for_family(cls, family: str = "dense", **values: Any) -> Config:
        """A config of ``family`` with that family's defaults for whatever is not given."""
        _choice("family", family, FAMILIES)
        return cls(family=family, **{**FAMILY_DEFAULTS[family], **values})

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Rebuild a config, rejecting unknown keys (a sign of a foreign file).

        Files written before there were families say ``hidden_units: 64``;
        they load as the one-layer dense network they are.
        """
        if not isinstance(values, dict):
            raise ValueError(f"config must be a JSON object, got {type(values).__name__}")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(map(str, unknown))[:200]}")
        return cls(**values)


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {_short(value)}")


def _integer(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {_short(value)}")


def _number(
    name: str,
    value: object,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> None:
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (low < value if open_low else low <= value)
        and (value < high if open_high else value <= high)
    )
    if not ok:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {_short(value)}")


def _widths(name: str, value: object) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)  # one layer, as files from before families say it
    if not isinstance(value, (list, tuple)) or len(value) > 16:
        raise ValueError(f"{name} must be a list of layer sizes, got {_short(value)}")
    for width in value:
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"{name} must hold positive integers, got {_short(value)}")
    return tuple(value)


def _short(value: object) -> str:
    """A value for an error message, never a 5000-digit one."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "a huge integer"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
