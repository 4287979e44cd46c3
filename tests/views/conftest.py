"""AppTest fixtures: the app with real MNIST and fresh caches for every test."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 60  # the default of 3 s is too short for a first import of numpy/matplotlib


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch, mnist_path):
    """Real MNIST from $AUTOENCODER_DATA_DIR, and no cache carried between tests."""
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(mnist_path.parent))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_app(page: str | None = None, **session_state: object) -> AppTest:
    """The app after its first run, on ``page`` (a file under views/)."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in session_state.items():
        app.session_state[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app
