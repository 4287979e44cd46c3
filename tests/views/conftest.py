"""AppTest fixtures: the app with real MNIST and fresh Streamlit caches for every test."""

from __future__ import annotations

import functools
import hashlib
import os

import numpy as np
import pytest
import streamlit as st
from streamlit.components.v2 import manifest_scanner
from streamlit.elements.lib import policies
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from autoencoder import data, detectors
from autoencoder.network import Autoencoder
from tests.conftest import ROOT
from views import session

TIMEOUT = 60  # the default of 3 s is too short for a first import of numpy/matplotlib


@pytest.fixture(autouse=True, scope="package")
def streamlit_setup_done_once():
    """Work every new AppTest repeats, done once for the view tests instead:
    scanning each installed distribution for Streamlit components (0.4 s here, a
    third of the view tests' time), compiling each page, reading and checking a
    data file (its arrays are read-only) and measuring test images' PNG sizes (for
    the same pixels). A file changed since is read or compiled again."""
    done: dict[tuple[object, ...], object] = {}

    def once(what: str, function, path, **kwargs):
        try:
            found = os.stat(path)
        except OSError:
            return function(path, **kwargs)  # and its own words for a file that is not there
        key = (what, os.path.abspath(path), found.st_ino, found.st_size, found.st_mtime_ns,
               found.st_ctime_ns, *kwargs.items())  # fmt: skip
        if key not in done:
            done[key] = function(path, **kwargs)
        return done[key]

    def by_content(function, images: np.ndarray) -> np.ndarray:
        """The PNG sizes of a set of test images (1.7 s per 10,000), once per content."""
        key = (function.__name__, images.shape, images.dtype.str,
               hashlib.blake2b(np.ascontiguousarray(images).tobytes()).digest())  # fmt: skip
        if key not in done:
            done[key] = function(images)
            done[key].flags.writeable = False
        return done[key]

    get_bytecode = ScriptCache.get_bytecode
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            manifest_scanner,
            "scan_component_manifests",
            functools.cache(manifest_scanner.scan_component_manifests),
        )
        patch.setattr(
            ScriptCache,
            "get_bytecode",
            lambda self, path: once("bytecode", functools.partial(get_bytecode, self), path),
        )
        patch.setattr(data, "read_npz", functools.partial(once, "dataset", data.read_npz))
        patch.setattr(detectors, "png_bits", functools.partial(by_content, detectors.png_bits))
        yield


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch, mnist_path):
    """Real MNIST from $AUTOENCODER_DATA_DIR, and no Streamlit cache carried between tests."""
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(mnist_path.parent))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def no_widget_policy_warning(monkeypatch):
    """Fail a test whose app breaks a widget policy that Streamlit only logs: above all,
    a widget given a default argument whose value was also set through session state
    (logged once per process, so the flag is reset for every test)."""
    said: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(
        policies._LOGGER, "warning", lambda message, *args, **_: said.append(message % args)
    )
    yield
    assert not said, said


def open_app(
    page: str | None = None,
    *,
    own_model: Autoencoder | None = None,
    drawing: np.ndarray | None = None,
) -> AppTest:
    """The app after its first run, on ``page`` (a file under views/), with the visitor's
    own model and their drawing, if given, already in the session."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if own_model is not None:
        app.session_state[session.OWN_MODEL_KEY] = own_model
    if drawing is not None:
        app.session_state[session.DRAWING_KEY] = drawing
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def open_link(page: str, params: dict[str, str]) -> AppTest:
    """The app opened from a copied link: ``page`` with ``params`` in its query string."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.query_params.update(params)
    app.switch_page(page).run()
    assert_quiet(app)
    return app


def assert_quiet(app: AppTest) -> None:
    """No traceback, and no warning on the page."""
    assert not app.exception, app.exception
    assert not app.warning, [warning.value for warning in app.warning]


def open_bad_link(page: str, params: dict[str, str], bad: str) -> AppTest:
    """A link whose parameter ``bad`` is bad or stale: it leaves the URL, the others stay."""
    app = open_link(page, params)
    assert app.query_params == {name: value for name, value in params.items() if name != bad}
    return app
