"""Links that reproduce a view: a page's main choices kept in the URL's query string.

A page names each choice once, ``Link(param, key, parse)``: ``seed`` before
the widget (a copied link opens the same view), ``keep`` after it (the URL
follows the visitor). A bad or stale parameter falls back to the widget's
default with no message: links outlive models and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st


@dataclass(frozen=True)
class Link:
    param: str  # the name in the URL
    key: str  # the widget's session-state key
    parse: Callable[[str], Any]  # text -> a value the widget accepts; ValueError if not

    def seed(self) -> None:
        """Before the widget: take the URL's value once, if the session has none yet."""
        if self.key in st.session_state or self.param not in st.query_params:
            return
        try:
            st.session_state[self.key] = self.parse(st.query_params[self.param])
        except (ValueError, TypeError, KeyError):
            st.query_params.pop(self.param, None)  # a bad or stale link: the default applies

    def keep(self, default: Any = None) -> None:
        """After the widget: write its value to the URL (nothing for the default)."""
        value = st.session_state.get(self.key, default)
        if value is None or value == default:
            st.query_params.pop(self.param, None)
        elif st.query_params.get(self.param) != str(value):
            st.query_params[self.param] = str(value)


def one_of(options: Sequence[Any]) -> Callable[[str], Any]:
    """A parser accepting only the widget's own options (compared as text)."""

    def parse(text: str) -> Any:
        for option in options:
            if str(option) == text:
                return option
        raise ValueError(text)

    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value

    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:  # also refuses nan
            raise ValueError(text)
        return value

    return parse
