"""The drawing canvas (streamlit-drawable-canvas) with its toolbar trimmed, for any page."""

from __future__ import annotations

from importlib import resources

import streamlit as st

# streamlit-drawable-canvas 0.13 has no display_toolbar argument, and its toolbar sits
# in a shadow root that page CSS cannot reach: the component's own stylesheet is the
# one way in. Kept: Undo and Redo. Hidden: Edit (with Bring forward, Send backward and
# Delete selected, which move whole strokes: nothing a digit needs), the send button
# (every stroke is sent anyway) and Reset (the page's Clear button does it).
CANVAS_COMPONENT = "streamlit-drawable-canvas.streamlit_drawable_canvas"
TOOLBAR_CSS = """
.dc-toolbar-card > button:not([aria-label="Undo"]):not([aria-label="Redo"]),
.dc-toolbar-separator,
.dc-toolbar-contextual { display: none !important; }
"""


def trim_toolbar() -> None:
    """Register the canvas again with its stylesheet plus TOOLBAR_CSS (see above)."""
    build = resources.files("streamlit_drawable_canvas") / "frontend" / "build"
    stylesheet = "".join(
        path.read_text(encoding="utf-8") for path in build.iterdir() if path.name.endswith(".css")
    )
    st.components.v2.component(
        CANVAS_COMPONENT,
        js="index-*.js",
        css=stylesheet + TOOLBAR_CSS,
        html='<div class="canvas-root"></div>',
        isolate_styles=True,
    )
