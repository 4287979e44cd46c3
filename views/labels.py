"""The words pages show for the package's names: families, kinds, noises, counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # in lists of models: "Convolutional · code 32"
    code: str  # what a code of this kind is, under a row of its decodings


KINDS = {
    "dense": Kind("Dense", "a dense autoencoder's code"),
    "conv": Kind("Convolutional", "a convolutional autoencoder's code"),
    "vae": Kind("Variational", "a VAE's code (the mean)"),
    "pca": Kind("PCA", "PCA's code, the linear baseline"),
}

FAMILIES = {"dense": "Dense (fully connected)", "conv": "Convolutional"}  # the Train form's


@dataclass(frozen=True)
class Noise:
    control: str  # the Denoise page's choice
    training: str  # the Train form's choice of corruption
    level: str  # what its level means


NOISES = {
    "none": Noise("", "None", ""),
    "gaussian": Noise(
        "Gaussian", "Gaussian noise", "the standard deviation of the noise added to every pixel"
    ),
    "mask": Noise("Masking", "Masked pixels", "the share of pixels set to black"),
    "salt_pepper": Noise(
        "Salt and pepper", "", "the share of pixels set to black or white, half each"
    ),
}


def kind_name(kind: str) -> str:
    return KINDS[kind].name if kind in KINDS else kind


def count(number: int, noun: str) -> str:
    """``1 epoch``, ``3 epochs``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
