"""Reconstruction error in the units papers use: squared error per image, MSE per pixel, PSNR.

Hinton and Salakhutdinov (Science, 2006) give the squared error summed over an
image's 784 pixels (in [0, 1]), averaged over the test images; this project
gives the mean per pixel and its PSNR in dB. One figure, three units:
3.00 per image = 3.00 / 784 = 0.00383 per pixel = 24.17 dB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autoencoder.config import INPUT_DIM


def squared_error_per_image(mse: float) -> float:
    """The mean squared error per pixel as the mean squared error summed over an image."""
    return mse * INPUT_DIM


def mse_from_squared_error(squared_error: float) -> float:
    return squared_error / INPUT_DIM


def psnr_from_mse(mse: float) -> float:
    """PSNR in dB of a mean squared error per pixel, for pixels in [0, 1]."""
    return 10 * math.log10(1 / mse)


def mse_from_psnr(psnr: float) -> float:
    return 10 ** (-psnr / 10)


@dataclass(frozen=True)
class Reference:
    """A published result, to mark on the rate-distortion chart beside the zoo."""

    name: str
    latent_dim: int
    squared_error: float  # per image, as the paper gives it
    architecture: str
    citation: str

    @property
    def mse(self) -> float:
        return mse_from_squared_error(self.squared_error)

    @property
    def psnr(self) -> float:
        return psnr_from_mse(self.mse)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "latent_dim": self.latent_dim,
            "dataset": "mnist",
            "architecture": self.architecture,
            "citation": self.citation,
            "squared_error": self.squared_error,
            "mse": self.mse,
            "psnr": self.psnr,
        }


REFERENCES = (
    Reference(
        name="deep autoencoder, 2006",
        latent_dim=30,
        squared_error=3.00,
        architecture="784-1000-500-250-30, pretrained as stacked RBMs",
        citation="Hinton and Salakhutdinov, Science 313 (2006), 504-507",
    ),
)
