"""AppTest fixtures: the app with real MNIST and fresh caches for every test."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.elements.lib import policies
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
