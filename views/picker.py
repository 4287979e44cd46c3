"""Which test images a page shows: at random, by class or by index; their indices.

Test images and Compare offer the same three ways with the same widgets; each
page passes its own links (URL names and keys) and its own seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from autoencoder.data import Split
from views import links, session
from views.links import Link

AT_RANDOM, BY_CLASS, BY_INDEX = "At random", "By class", "By index"
WAYS = (AT_RANDOM, BY_CLASS, BY_INDEX)


@dataclass(frozen=True)
class PickerLinks:
    """A page's links for the picker's widgets, and the session key of its random seed."""

    index: Link
    label: Link
    seed: str


def drop_hidden(way: str, picker: PickerLinks) -> None:
    """A hidden widget's value is no part of the link."""
    if way != BY_INDEX:
        picker.index.drop()
    if way != BY_CLASS:
        picker.label.drop()


def pick(
    test: Split, way: str, count: int, names: tuple[str, ...], picker: PickerLinks
) -> np.ndarray:
    """The indices of ``count`` test images picked ``way`` (one of WAYS), sorted."""
    if way == BY_INDEX:
        last = len(test) - 1
        with picker.index.linked(links.integer(0, last), default=0) as key:
            first = st.number_input("First index", 0, last, key=key)
        return np.arange(first, min(first + count, len(test)))
    pool = np.arange(len(test))
    if way == BY_CLASS:
        classes = range(len(names))
        with picker.label.linked(links.one_of(classes), default=0) as key:
            label = st.selectbox("Class", classes, format_func=names.__getitem__, key=key)
        pool = np.flatnonzero(test.labels == label)
    if st.button("New random set", icon=":material/shuffle:"):
        session.new_seed(picker.seed)
    rng = np.random.default_rng(session.seed(picker.seed))
    return np.sort(rng.choice(pool, size=min(count, len(pool)), replace=False))
