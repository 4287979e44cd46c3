"""A live view's report reruns only its fragment, over the wire as a browser sends it.

The browser sends a widget's fragment id with its change, and Streamlit then reruns that
fragment alone. Denoise's noise and Draw's strokes are what visitors change most, so their
live views sit in fragments: a whole page's rerun for each was most of the server's work at
60 visitors (benchmarks/capacity.py, README). AppTest always reruns the whole script, so
this speaks Streamlit's protocol to a real server (benchmarks/protocol.py).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks import server, strokes
from benchmarks.protocol import LIVE_COMPONENT, Session, Widget
from tests.conftest import run_coroutine


def _live(session: Session, view: str) -> Widget:
    (widget,) = [
        widget
        for widget in session.components(LIVE_COMPONENT)
        if session.component_data(widget).get("view") == view
    ]
    return widget


async def _tour(url: str) -> dict[str, object]:
    session = Session(url)
    try:
        found: dict[str, object] = {}
        opened = await session.open()
        assert opened.errors == [], opened.errors
        pad = _live(session, "draw")
        found["pad fragment"] = pad.fragment_id
        stroke = await session.set_component(pad, "drawing", strokes.drawing(random.Random(0)))
        found["stroke errors"] = stroke.errors
        found["stroke drew"] = stroke.elements
        switched = await session.switch_page(session.page("Denoise"))
        assert switched.errors == [], switched.errors
        noise = _live(session, "denoise")
        found["noise fragment"] = noise.fragment_id
        kind = session.component_data(noise).get("kind")
        moved = await session.set_component(noise, "noise", {"kind": kind, "level": 0.3})
        found["noise errors"] = moved.errors
        found["noise drew"] = moved.elements
        found["query"] = session.query_string
        found["button outside it"] = session.find("button", "Random image")
        return found
    finally:
        await session.close()


@pytest.mark.slow
def test_draw_s_pad_and_denoise_s_noise_rerun_only_their_fragments(mnist_path: Path) -> None:
    environment = {"AUTOENCODER_DATA_DIR": str(mnist_path.parent)}
    with server.running(environment=environment) as running:
        found = run_coroutine(_tour(running.url))
    assert found["pad fragment"], "the drawing pad is not in a fragment"
    assert found["stroke errors"] == []
    assert found["stroke drew"]["metric"] == 1  # the fragment drew the drawing's error
    assert found["stroke drew"]["selectbox"] == 0  # and not the sidebar's model picker
    assert found["noise fragment"], "Denoise's live view is not in a fragment"
    assert found["noise errors"] == []
    assert found["noise drew"]["vega_lite_chart"] == 1  # the chart's rule moved
    assert found["noise drew"]["selectbox"] == 0
    assert "level=0.3" in str(found["query"])  # the link follows the fragment's choice
    assert found["button outside it"] is not None  # the rest of the page stays
