"""The entry point's own parts (the pages' wiring is tests/views/)."""

from __future__ import annotations

import base64

from streamlit.commands.page_config import _get_favicon_string

import app


def test_the_page_icon_is_the_app_s_own_png_as_a_data_url():
    url = app._page_icon()
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == app.PAGE_ICON.read_bytes()


def test_streamlit_passes_the_icon_through_instead_of_re_encoding_it_on_every_rerun():
    # A file path or an image goes through PIL and the media store on every run.
    assert _get_favicon_string(app._page_icon()) == app._page_icon()
    assert _get_favicon_string(str(app.PAGE_ICON)) != str(app.PAGE_ICON)
