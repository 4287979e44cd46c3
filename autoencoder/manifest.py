"""A model's manifest entry: the keys that describe a trained model wherever models are listed.

The zoo's ``manifest.json``, this server's finished runs (which pace the
time estimates) and the Compare page's models outside the zoo all describe
a model by the same keys, built here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoencoder.config import Config


def epochs_trained(record: Mapping[str, Any]) -> int | None:
    """The epochs a model's record says it trained (its history's length); None if it
    keeps no history (a model saved without one, or PCA)."""
    history = record.get("history", {})
    losses = history.get("loss", []) if isinstance(history, Mapping) else []
    return len(losses) or None


def entry(
    config: Config,
    *,
    name: str,
    parameters: int,
    record: Mapping[str, Any] | None = None,
    description: str | None = None,
    **measured: Any,
) -> dict[str, Any]:
    """The manifest entry of a model of ``config``: what it is, and how it trained.

    How it trained comes from its ``record`` (``config.json``'s contents);
    ``measured`` adds or overrides figures measured elsewhere (a run's pace).
    """
    record = record or {}
    dataset = record.get("dataset", {})
    return {
        "name": name,
        "kind": config.kind,
        "family": config.family,
        "denoising": config.denoising,
        "latent_dim": config.latent_dim,
        "dataset": config.dataset,
        "description": description,
        "architecture": config.describe().replace("**", ""),
        "parameters": parameters,
        "epochs": epochs_trained(record),
        "train_images": dataset.get("train_images") if isinstance(dataset, Mapping) else None,
        "training_seconds": record.get("training_seconds"),
        "metrics": dict(record.get("metrics", {})),
        **measured,
    }
