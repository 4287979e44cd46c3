"""What the server agrees to train, and the refusals a run can meet.

``TrainingLimits`` refuses settings the Train page does not offer, whatever
the browser sent; every refusal is a ``JobRefusedError`` whose message is one
sentence for a visitor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from autoencoder.config import Config
from autoencoder.errors import AutoencoderError


class JobRefusedError(AutoencoderError):
    """A run that must not start; the message says why, in words for a visitor."""


class OutsideLimitsError(JobRefusedError, ValueError):
    """The settings are outside what this server trains (a forged or stale request)."""


class DataMissingError(JobRefusedError):
    """The dataset is not on this machine; training would have to download it."""


class TrainingUnavailableError(JobRefusedError):
    """This host has too little memory for even one run beside the server."""


class ServerBusyError(JobRefusedError):
    """Every run this host can afford is taken; try again in a minute."""


@dataclass(frozen=True)
class TrainingLimits:
    """What the server agrees to train: the Train view's choices, and nothing else."""

    max_epochs: int = 30
    latent_dims: tuple[int, int] = (2, 128)
    families: tuple[str, ...] = ("dense", "conv")
    hidden_units: tuple[tuple[int, ...], ...] = (
        (32,), (64,), (128,), (256,), (128, 64), (256, 128),
    )  # fmt: skip
    filters: tuple[tuple[int, ...], ...] = ((16, 32), (32, 64))
    batch_sizes: tuple[int, ...] = (32, 64, 128, 256, 512)
    learning_rates: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
    betas: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    noise_levels: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: {
            "none": (0.0,),
            "gaussian": (0.1, 0.2, 0.3, 0.5),
            "mask": (0.1, 0.25, 0.5),
        }
    )
    train_images: tuple[int, ...] = (1_000, 5_000, 20_000, 60_000)
    max_seconds: float = 15 * 60  # a run is asked to stop (keeping its best epoch) after this

    def problems(self, config: Config, train_limit: int | None) -> list[str]:
        """Each way ``config`` (on ``train_limit`` images; None: all) is out of bounds."""
        found = []
        if config.family not in self.families:
            found.append(f"family {config.family!r} is not trained here")
        elif config.family == "dense" and (
            config.hidden_units not in self.hidden_units or config.filters
        ):
            found.append(f"hidden layers {list(config.hidden_units)} are not offered")
        elif config.family == "conv" and (
            config.filters not in self.filters or config.hidden_units
        ):
            found.append(f"filters {list(config.filters)} are not offered")
        low, high = self.latent_dims
        if not low <= config.latent_dim <= high:
            found.append(f"code size must be {low}-{high}")
        if config.epochs > self.max_epochs:
            found.append(f"at most {self.max_epochs} epochs")
        if config.batch_size not in self.batch_sizes:
            found.append(f"batch size {config.batch_size} is not offered")
        if not _among(config.learning_rate, self.learning_rates):
            found.append(f"learning rate {config.learning_rate:g} is not offered")
        if config.variational and not _among(config.beta, self.betas):
            found.append(f"beta {config.beta:g} is not offered")
        if not _among(config.noise_level, self.noise_levels.get(config.noise, ())):
            found.append(f"{config.noise} noise of {config.noise_level:g} is not offered")
        if train_limit is not None and train_limit not in self.train_images:
            found.append(f"{train_limit:,} training images is not offered")
        return found

    def check(self, config: Config, train_limit: int | None = None) -> None:
        problems = self.problems(config, train_limit)
        if problems:
            raise OutsideLimitsError(
                "This server does not train that: " + "; ".join(problems) + "."
            )


def _among(value: float, choices: Sequence[float]) -> bool:
    return any(math.isclose(value, choice, rel_tol=1e-9) for choice in choices)
