"""Model and training settings: one frozen dataclass, saved beside the weights."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

IMAGE_SIDE = 28
INPUT_DIM = IMAGE_SIDE * IMAGE_SIDE
DATASETS = ("mnist", "fashion_mnist")


@dataclass(frozen=True)
class Config:
    """Everything needed to rebuild and retrain a model.

    The defaults are the reference recipe: 784 -> 64 -> 32 -> 64 -> 784,
    Adam, binary cross-entropy, 25 epochs of batch 256 on MNIST.
    """

    hidden_units: int = 64
    latent_dim: int = 32
    epochs: int = 25
    batch_size: int = 256
    learning_rate: float = 1e-3
    dataset: str = "mnist"
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("hidden_units", "latent_dim", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.learning_rate, (int, float)) or not (0 < self.learning_rate < 1):
            raise ValueError(f"learning_rate must be between 0 and 1, got {self.learning_rate!r}")
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {self.dataset!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """Rebuild a config, rejecting unknown keys (a sign of a foreign file)."""
        if not isinstance(values, dict):
            raise ValueError(f"config must be a JSON object, got {type(values).__name__}")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        return cls(**values)
