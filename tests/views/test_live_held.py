"""The live component's handshake: an element's own report counts where the session missed it."""

from __future__ import annotations

from tests.views.conftest import open_app
from views import models, session


def test_a_report_the_session_missed_is_taken_from_the_elements_own_state():
    # A component reporting the value it reported before fires no callback: the element's
    # state holds the report, the session's record does not, and the view waited forever.
    fingerprint = models.default_model().fingerprint
    app = open_app("views/draw.py")
    assert session.LIVE_HELD_KEY not in app.session_state  # no report yet: the server draws
    app.session_state[f"live-pad-{fingerprint}"] = {"held": [fingerprint]}
    app.run()
    assert not app.exception
    assert app.session_state[session.LIVE_HELD_KEY] == [fingerprint]
