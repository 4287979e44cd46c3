"""The models a page can use: the zoo's, loaded on demand and shared by every session,
and the sidebar's choice of which one every page works with.

Zoo models are read-only files of the app itself, so one copy per process
serves every visitor (``st.cache_resource``); the manifest holds their test
figures, so listing them loads none. The choice is the visitor's: it lives in
their session and in the URL (``?model=conv-32``), so a copied link opens the
same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from autoencoder import zoo
from autoencoder.artifact import load_model
from autoencoder.errors import AutoencoderError
from autoencoder.network import Autoencoder
from views import labels, session
from views.links import Link, one_of

MAX_LOADED = len(zoo.ZOO)  # every zoo model is under 2 MB of weights
OWN = session.OWN_CHOICE  # the visitor's own trained or uploaded model
CHOICE = Link("model", session.MODEL_CHOICE_KEY)


@st.cache_resource(max_entries=MAX_LOADED, show_spinner="Loading the model ...")
def zoo_model(name: str) -> Autoencoder:
    """A zoo model by name (KeyError for a name not in the zoo).

    dense-32 is the shipped default model (the zoo holds a byte-identical
    copy), read from assets/model so that it works before the zoo is built.
    """
    if name == zoo.DEFAULT_NAME:
        return load_model(shown_as="the shipped model")
    return zoo.load(name)


@st.cache_resource(max_entries=1)
def manifest() -> dict[str, dict[str, Any]]:
    """The built zoo models' manifest entries by name, in the zoo's order."""
    return {entry["name"]: entry for entry in zoo.read_manifest()}


def is_zoo_model(model: Autoencoder) -> bool:
    """True for the process' own copy of a zoo model (never for a visitor's upload).

    Identity, not the fingerprint: an upload of the very same file is still the
    visitor's. The shipped default's record carries no zoo name.
    """
    name = model.record.get("name", zoo.DEFAULT_NAME)
    if name != zoo.DEFAULT_NAME and name not in manifest():
        return False
    try:
        return model is zoo_model(name)
    except (KeyError, AutoencoderError):
        return False


def default_model() -> Autoencoder:
    """The shipped model (the zoo's dense-32), loaded once per process and shared."""
    return zoo_model(zoo.DEFAULT_NAME)


def load_or_say(names: Sequence[str], *, called: str | None = None) -> dict[str, Autoencoder]:
    """The zoo models of ``names`` that can be loaded, by name; one sentence about the others.

    A model this copy of the app has not built gets how to build it (``called``
    names it, else its name does); a built one that fails to load gets why.
    """
    loaded, missing = {}, []
    for name in names:
        try:
            loaded[name] = zoo_model(name)
        except (KeyError, OSError, AutoencoderError) as error:
            if name in manifest():
                st.warning(f"The model {name} could not be loaded: {error}")
            else:
                missing.append(name)
    if missing:
        one = len(missing) == 1
        listed = called or (missing[0] if one else f"{', '.join(missing[:-1])} and {missing[-1]}")
        st.info(
            f"{listed} {'is' if one else 'are'} not in this copy of the app; "
            f"build {'it' if one else 'them'} with "
            f"`python -m autoencoder zoo build --only {' '.join(missing)}`."
        )
    return loaded


def load(name: str) -> Autoencoder | None:
    """A zoo model, or None after one sentence saying why it cannot be had."""
    return load_or_say((name,)).get(name)


def label(name: str) -> str:
    """``Convolutional · code 32 · 23.8 dB`` for the picker and other lists."""
    if name == OWN:
        return "Your own model (this session only)"
    entry = manifest().get(name)
    if entry is None:
        return name
    extra = ", denoising" if entry.get("denoising") else ""
    extra += ", Fashion-MNIST" if entry.get("dataset") == "fashion_mnist" else ""
    psnr = entry.get("metrics", {}).get("psnr")
    figure = f" · {psnr:.1f} dB" if psnr is not None else ""
    return f"{labels.kind_name(entry['kind'])}{extra} · code {entry['latent_dim']}{figure} ({name})"


def _options(has_own: bool) -> list[str]:
    """Zoo models grouped by family (the manifest's order), the visitor's own last."""
    names = list(manifest()) or [zoo.DEFAULT_NAME]
    order = list(labels.KINDS)
    names.sort(key=lambda name: order.index(manifest().get(name, {}).get("kind", "dense")))
    return [*names, OWN] if has_own else names


def picker(has_own: bool) -> str:
    """The sidebar's model choice (a zoo name or OWN), kept in the session and the URL.

    The choice lives in the session (``session.model_choice``), not in the widget:
    each page draws a picker of its own, whose state goes with the page. The widget
    starts from the choice on every run (so it also follows a training run that
    adopts its model), and its callback hands a pick to the choice. (An unkeyed
    widget given the choice as its index became a new widget after each pick, and
    dropped the next one.)
    """
    options = _options(has_own)
    CHOICE.seed(one_of(options))
    choice = session.model_choice()
    if choice not in options:
        # The default, or the visitor's own model until they pick another.
        choice = OWN if has_own else zoo.DEFAULT_NAME
    session.show_choice_in_picker(choice)  # before the widget; no default argument
    picked = st.selectbox(
        "Model", options, format_func=label, key=session.MODEL_PICKER_KEY, on_change=_keep_pick
    )
    session.set_model_choice(picked)
    CHOICE.keep(default=zoo.DEFAULT_NAME)
    return picked


def _keep_pick() -> None:
    # A callback runs before the rerun: the choice is the pick by the time the widget is drawn.
    session.set_model_choice(session.picked_model())
