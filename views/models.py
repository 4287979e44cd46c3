"""The zoo's shipped models, as pages use them: loaded on demand, shared by every session.

Zoo models are read-only files of the app itself, so one copy per process
serves every visitor (``st.cache_resource``); the manifest holds their test
figures, so listing them loads none.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from autoencoder import zoo
from autoencoder.network import Autoencoder

MAX_LOADED = len(zoo.ZOO)  # every zoo model is under 2 MB of weights


@st.cache_resource(max_entries=MAX_LOADED, show_spinner="Loading the model ...")
def zoo_model(name: str) -> Autoencoder:
    """A zoo model by name (KeyError for a name not in the zoo)."""
    return zoo.load(name)


@st.cache_resource(max_entries=1)
def manifest() -> dict[str, dict[str, Any]]:
    """The built zoo models' manifest entries by name, in the zoo's order."""
    return {entry["name"]: entry for entry in zoo.read_manifest()}


def is_zoo_model(model: Autoencoder) -> bool:
    """True for the process' own copy of a zoo model (never for a visitor's upload)."""
    name = model.record.get("name")
    if not isinstance(name, str) or name not in manifest():
        return False
    try:
        return model is zoo_model(name)
    except (KeyError, ValueError):
        return False
