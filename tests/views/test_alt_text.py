"""Every picture on the pages that draw their own says what it shows: a real alt text,
in every mode (a screen reader reads it instead of the picture)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.views.conftest import TIMEOUT
from tests.views.test_draw import picture
from views import session

GENERIC = {"image", "picture", "img", "photo", "figure", "chart", "plot", "graphic"}
SHORTEST = 15  # characters: "a digit" says nothing a caption does not
# (page, its URL's choices, with a drawing in the session?)
CASES = [
    ("views/samples.py", {"mode": "at-random"}, False),
    ("views/samples.py", {"mode": "by-class", "class": "3"}, False),
    *[("views/latent.py", {"mode": mode}, False)
      for mode in ("sliders", "main-directions", "interpolate", "map", "random-codes")],
    ("views/latent.py", {"from": "my-drawing", "mode": "sliders"}, True),
    ("views/latent.py", {"from": "a-class-average", "mode": "main-directions"}, False),
    ("views/denoise.py", {"noise": "masking"}, False),
    ("views/denoise.py", {"image": "my-drawing"}, True),
    *[("views/generate.py", {"view": view}, False)
      for view in ("samples", "the-2-number-map", "interpolate")],
    ("views/compare.py", {"inputs": "at-random"}, False),
    ("views/compare.py", {"inputs": "my-drawing"}, True),
]  # fmt: skip


def drawing() -> np.ndarray:
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 13:16] = 1  # a "1"
    return digit


def opened(page: str, params: dict[str, str], with_drawing: bool) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if with_drawing:
        app.session_state[session.DRAWING_KEY] = drawing()
    app.query_params.update(params)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def alts(app: AppTest) -> list[tuple[str, str | None]]:
    """Each picture's caption (to name it) and alt text (None when it has none)."""
    return [
        (image.caption or image.url[-12:], image.alt if image.HasField("alt") else None)
        for element in app.image
        for image in element.proto.imgs
    ]


def assert_meaningful(found: list[tuple[str, str | None]]) -> None:
    assert found, "no picture on the page"
    for name, alt in found:
        assert alt is not None, f"{name!r} has no alt text"
        words = alt.strip()
        assert len(words) >= SHORTEST and words.lower() not in GENERIC, f"{name!r}: alt {alt!r}"


@pytest.mark.parametrize(("page", "params", "with_drawing"), CASES)
def test_every_picture_says_what_it_shows(page, params, with_drawing):
    assert_meaningful(alts(opened(page, params, with_drawing)))


def test_the_draw_page_s_pictures_give_the_reconstruction_s_figures():
    app = opened("views/draw.py", {"input": "upload-a-picture"}, False)
    app.file_uploader(key="digit_upload").upload("one.png", picture(), "image/png").run()
    found = alts(app)
    assert_meaningful(found)
    assert len(found) == 4  # the upload, the input, the reconstruction, the error map
    rebuilt = found[2][1]
    assert "reconstruction of your picture (error 0." in rebuilt and "% of MNIST" in rebuilt
    assert "too much ink" in found[3][1]


def test_a_picture_without_alt_text_fails():
    with pytest.raises(AssertionError, match="has no alt text"):
        assert_meaningful([("Decoded", "the starting code, decoded"), ("Pixels", None)])
    with pytest.raises(AssertionError, match="alt 'image'"):
        assert_meaningful([("Decoded", "image")])
