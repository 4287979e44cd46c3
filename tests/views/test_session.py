"""Session state has one owner: views/session.py names every key, and pages never import
each other."""

from __future__ import annotations

import ast

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, random_model
from tests.views.conftest import TIMEOUT

VIEWS = ROOT / "views"
# The owner, the links (which keep widget values in step with the URL) and the live
# component's wrapper (which reads its own component's state by its key).
MAY_TOUCH_SESSION_STATE = {"session.py", "links.py", "live.py"}


def pages() -> set[str]:
    """The page files: those Streamlit runs as __main__."""
    return {
        path.stem for path in VIEWS.glob("*.py") if '__name__ == "__main__"' in path.read_text()
    }


def imported_views(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "views":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("views."):
            found.add(node.module.split(".")[1])
    return found


def test_no_module_imports_a_page():
    assert {"draw", "samples", "latent", "compare", "train"} <= pages()
    for path in [*VIEWS.glob("*.py"), ROOT / "app.py"]:
        assert not imported_views(path) & pages(), path.name


def test_only_the_owner_touches_session_state():
    for path in VIEWS.glob("*.py"):
        if path.name not in MAY_TOUCH_SESSION_STATE:
            assert "session_state" not in path.read_text(), path.name


def test_one_setter_gives_a_visitor_a_model_and_makes_it_the_choice():
    def page(model):
        import streamlit as st

        from views import session

        if st.session_state.get("step") == "give":
            session.set_own_model(model)
            session.keep_own_zip(model, b"zip")
        elif st.session_state.get("step") == "take back":
            session.set_own_model(None)
        st.write(
            f"own={session.own_model() is not None} choice={session.model_choice()} "
            f"zip={session.own_zip(model)!r}"
        )

    model = random_model()
    app = AppTest.from_function(page, args=(model,), default_timeout=TIMEOUT)
    app.session_state["step"] = "give"
    app.run()
    assert app.markdown[0].value == "own=True choice=own zip=b'zip'"
    app.session_state["step"] = "take back"
    app.run()
    assert app.markdown[0].value == "own=False choice=own zip=None"


def test_the_drawing_is_kept_and_forgotten():
    def page():
        import numpy as np
        import streamlit as st

        from views import session

        digit = np.ones((28, 28), dtype=np.float32) if st.session_state.get("draw") else None
        session.set_drawing(digit)
        drawing = session.drawing()
        st.write("none" if drawing is None else f"{drawing.sum():.0f}")

    app = AppTest.from_function(page, default_timeout=TIMEOUT)
    app.session_state["draw"] = True
    assert app.run().markdown[0].value == "784"
    app.session_state["draw"] = False
    assert app.run().markdown[0].value == "none"
