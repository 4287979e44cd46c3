"""Links that reproduce a view: a page's main choices kept in the URL's query string.

A page names each choice once, ``Link(param, key)``, and wraps its widget in
``linked``: a copied link opens the same view, and the URL follows the
visitor. A bad or stale parameter falls back to the widget's default with no
message, and leaves the URL: links outlive models and pages.

Values are written as words (``By index`` -> ``by-index``), numbers as they
are, and lists comma-separated: ``?mode=by-index&index=42``.

Why not Streamlit's own ``bind="query-params"`` (Streamlit 1.67, tried on every
widget here; ``tests/views/test_links.py`` pins what it does): it cannot write
the links the app has always shared. It puts a choice's label in the URL
(``?mode=By+index``, and a link saying ``by-index`` opens the default), a list
as repeated parameters (``?models=a&models=b``, not ``a,b``), and a number
between a slider's steps as it came (``level=0.37``, not ``0.35``); the URL is
written by the browser, so the view tests could not check it; and a bound
parameter can no longer be dropped from code, as a hidden widget's must be.
``persist_state=`` keeps a widget's value while its own page is hidden, not
across pages, so the sidebar's model choice stays in the session
(``views/session.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st

Parse = Callable[[str], Any]  # URL text -> a value the widget accepts; ValueError if not


@dataclass(frozen=True)
class Link:
    param: str  # the name in the URL
    key: str  # the session-state key: the widget's, or a page's own

    @contextmanager
    def linked(self, parse: Parse, default: Any) -> Iterator[str]:
        """``with LINK.linked(parse, default) as key: st.slider(..., key=key)``.

        The widget takes no default argument: its value is put in session state
        first (the link's, else ``default``), and a widget given a default as well
        would warn that its value was set twice. A callback may still set it.
        After the widget, the URL follows its value.
        """
        self.seed(parse)
        st.session_state.setdefault(self.key, default)
        yield self.key
        self.keep(default)

    def current(self, parse: Parse, default: Any) -> Any:
        """The choice while no widget of the server's shows it (a live view does): the
        session's, else the link's, else ``default``; the URL follows it as in ``linked``."""
        with self.linked(parse, default) as key:
            return st.session_state[key]

    def seed(self, parse: Parse) -> None:
        """Before the widget: take the URL's value once, if the session has none yet.

        A page switch discards a page's widget state (and the browser drops the
        query string), so a page opens with its defaults; a link opens its view.
        """
        if self.key in st.session_state or self.param not in st.query_params:
            return
        try:
            st.session_state[self.key] = parse(st.query_params[self.param])
        except (ValueError, TypeError, KeyError):
            st.query_params.pop(self.param, None)  # a bad or stale link: the default applies

    def keep(self, default: Any = None) -> None:
        """After the widget: write its value to the URL (nothing for the default)."""
        value = st.session_state.get(self.key, default)
        if value is None or value == default:
            st.query_params.pop(self.param, None)
        elif st.query_params.get(self.param) != text(value):
            st.query_params[self.param] = text(value)

    def is_set(self) -> bool:
        """The session holds a value for the widget (from the link, a pick or a callback)."""
        return self.key in st.session_state

    def value(self) -> Any:
        """The session's value for the widget, or None before it has one."""
        return st.session_state.get(self.key)

    def set(self, value: Any) -> None:
        """Set the widget's value from code (in a callback: before the widget is drawn)."""
        st.session_state[self.key] = value

    def drop(self) -> None:
        """The widget is not shown: its value is no part of the view (nor of the link)."""
        st.query_params.pop(self.param, None)

    def forget(self) -> None:
        """The value no longer applies: the widget starts from its default again."""
        st.session_state.pop(self.key, None)
        self.drop()


def text(value: Any) -> str:
    """A value as the URL shows it: a label as a word, a number as is, a list with commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(text(item) for item in value)
    if isinstance(value, str):
        return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    if isinstance(value, float):
        return f"{value:.6g}"  # 0.35, not 0.35000000000000003
    return str(value)


def one_of(options: Sequence[Any]) -> Parse:
    """A parser accepting only the widget's own options (compared as URL text)."""

    def parse(written: str) -> Any:
        for option in options:
            if text(option) == written:
                return option
        raise ValueError(written)

    return parse


def some_of(options: Sequence[Any], most: int) -> Parse:
    """A parser of a comma-separated list of distinct options, at most ``most`` of them."""
    single = one_of(options)

    def parse(written: str) -> list[Any]:
        chosen = [single(item) for item in written.split(",")] if written else []
        if len(chosen) > most or len(set(map(text, chosen))) < len(chosen):
            raise ValueError(written)
        return chosen

    return parse


def integer(low: int, high: int) -> Parse:
    def parse(written: str) -> int:
        value = int(written)
        if not low <= value <= high:
            raise ValueError(written)
        return value

    return parse


def number(low: float, high: float, step: float | None = None) -> Parse:
    """A parser of a number in [low, high], moved onto the slider's steps if it has them."""

    def parse(written: str) -> float:
        value = float(written)
        if not low <= value <= high:  # also refuses nan
            raise ValueError(written)
        if step is not None:  # the steps from low, as the slider counts them
            value = min(round(low + round((value - low) / step) * step, 6), high)
        return value

    return parse
