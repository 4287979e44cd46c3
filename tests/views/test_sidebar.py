"""The sidebar every page shows: its focus rings stay put while a page reruns."""

from __future__ import annotations

from tests.views.conftest import open_app
from views import sidebar


def test_the_focus_rings_are_the_sidebars_first_element_on_every_page():
    # A style-only st.html goes to the event container instead, which a rerun empties until
    # the script reaches it again: the rings flickered off while a page reran.
    app = open_app()
    for page in ("views/draw.py", "views/train.py"):
        app.switch_page(page).run()
        first = app.sidebar.markdown[0]
        assert first.value == sidebar.FOCUS_RING and first.allow_html, page
