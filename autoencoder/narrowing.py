"""A trained model's code narrowed to its main directions: a smaller code that starts trained.

A linear code of 32 numbers spans a 32-dimensional cloud; its top d principal
directions keep most of what it says. Rotating the code layer onto them and
folding the rest into the decoder's first layer gives a model with a code of d
that rebuilds images almost as well before any training, so a short
fine-tuning (not a whole run) makes it a model of its own.
"""

from __future__ import annotations

import numpy as np

from autoencoder import metrics
from autoencoder.network import Autoencoder, code_layers, decoder_layers


def narrowed_weights(
    model: Autoencoder, latent_dim: int, images: np.ndarray
) -> dict[str, np.ndarray]:
    """``model``'s weights with its code cut to ``latent_dim`` numbers.

    The code z (over ``images``, uint8 pixels or floats in [0, 1]) is replaced
    by z' = P (z - mean), P the top ``latent_dim`` principal directions; the
    decoder reads mean + P' z', which is z projected on them. Every other layer
    is kept as it is.
    """
    config = model.config
    if config.variational or config.code_activation != "linear" or config.family == "pca":
        raise ValueError("only a trained model with a linear, non-variational code can be narrowed")
    if not 1 <= latent_dim <= config.latent_dim:
        raise ValueError(f"latent_dim must be from 1 to {config.latent_dim}, got {latent_dim}")
    codes = model.encode(metrics.unit_floats(images)).astype(np.float64)  # (n, 32)
    mean = codes.mean(axis=0)
    vectors = np.linalg.eigh(np.cov(codes, rowvar=False))[1]  # ascending eigenvalues
    directions = vectors[:, ::-1][:, :latent_dim].T  # (d, 32)
    code, first = code_layers(config)[0].name, decoder_layers(config)[0].name
    weights = {name: np.array(value) for name, value in model.weights.items()}
    kernel, bias = weights[f"{code}.kernel"], weights[f"{code}.bias"]
    weights[f"{code}.kernel"] = (kernel @ directions.T).astype(np.float32)
    weights[f"{code}.bias"] = ((bias - mean) @ directions.T).astype(np.float32)
    kernel, bias = weights[f"{first}.kernel"], weights[f"{first}.bias"]
    weights[f"{first}.kernel"] = (directions @ kernel).astype(np.float32)
    weights[f"{first}.bias"] = (bias + mean @ kernel).astype(np.float32)
    return weights
