"""The Draw view's wiring (drawing itself needs a browser: tests/browser)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from autoencoder import artifact
from tests.views.conftest import TIMEOUT, open_app, open_bad_link, open_link
from views.session import DRAWING_KEY


def encoded(image: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def one(dark_on_light: bool = True) -> np.ndarray:
    pixels = np.full((160, 120), 255 if dark_on_light else 0, dtype=np.uint8)
    pixels[30:130, 55:68] = 0 if dark_on_light else 255  # a "1"
    return pixels


def picture(dark_on_light: bool = True) -> bytes:
    return encoded(Image.fromarray(one(dark_on_light)))


def upload(app: AppTest, content: bytes, name: str = "digit.png") -> AppTest:
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    return app.file_uploader(key="digit_upload").upload(name, content, "image/png").run()


def test_draw_page_starts_with_an_empty_canvas():
    app = open_app()
    assert app.title[0].value == "Draw a digit"
    assert any("Draw one digit" in caption.value for caption in app.caption)
    assert not app.image  # nothing to reconstruct yet
    sidebar = " ".join(element.value for element in app.sidebar.markdown)
    assert "**32**" in sidebar
    assert "0.0907" in sidebar  # the model's test BCE, from its config


def test_a_link_opens_the_upload_and_the_url_follows_the_input():
    app = open_link("views/draw.py", {"input": "upload-a-picture"})
    assert app.segmented_control(key="draw_source").value == "Upload a picture"
    assert app.file_uploader(key="digit_upload")
    app.segmented_control(key="draw_source").set_value("Draw").run()
    assert app.query_params == {}
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    assert app.query_params == {"input": "upload-a-picture"}


@pytest.mark.parametrize("bad", ["paint", "upload", ""])
def test_a_bad_link_opens_the_canvas(bad):
    app = open_bad_link("views/draw.py", {"input": bad}, "input")
    assert app.segmented_control(key="draw_source").value == "Draw"
    assert any("Draw one digit" in caption.value for caption in app.caption)


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_uploading_a_picture_shows_input_reconstruction_and_error(dark_on_light):
    app = upload(open_app(), picture(dark_on_light), "one.png")
    assert not app.exception
    assert len(app.image) == 4  # the upload, input, reconstruction, error map
    error = float(app.metric[0].value)
    assert 0.01 < error < 0.5
    assert "of the MNIST test images" in " ".join(element.value for element in app.markdown)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an image at all", "not a PNG, JPEG, GIF, BMP or WebP picture; upload one of those"),
        (b"", "The file is empty"),
        # TIFFs of 32-bit integers or floats, named .png: refused, not shown by st.image.
        (encoded(Image.fromarray(one().astype(np.int32) * 100), "TIFF"), "not a PNG"),
        (encoded(Image.fromarray(one().astype(np.float32) / 255), "TIFF"), "not a PNG"),
    ],
)
def test_a_bad_upload_gets_a_message_not_a_traceback(content, message):
    app = upload(open_app(), content)
    assert not app.exception
    assert message in app.warning[0].value
    assert not app.image


def test_an_oversize_upload_gets_one_sentence():
    app = upload(open_app(), encoded(Image.new("1", (8001, 1))))
    assert not app.exception
    assert [warning.value for warning in app.warning] == [
        "This file is 8001 x 1 pixels; upload a picture at most 8000 pixels on a side."
    ]
    assert not app.image


def test_a_16_bit_png_upload_is_shown_and_rebuilt():
    samples = one().astype(np.uint16) * 257  # 0-65535: as 8 bits, all of it is white
    app = upload(open_app(), encoded(Image.fromarray(samples)))
    assert not app.exception
    assert not app.warning
    assert len(app.image) == 4  # the picture as decoded, input, reconstruction, error map
    assert 0.01 < float(app.metric[0].value) < 0.5


def test_a_noisy_upload_is_flagged():
    noise = np.random.default_rng(0).normal(128, 40, (160, 120)).clip(0, 255).astype(np.uint8)
    app = upload(open_app(), encoded(Image.fromarray(noise)))
    assert not app.exception
    assert "mostly noise" in app.warning[0].value


def test_clearing_the_canvas_clears_the_drawing_explore_uses():
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[4:24, 12:16] = 1
    app = open_app(drawing=drawing)
    clear = next(button for button in app.button if button.label == "Clear")
    clear.click().run()
    assert DRAWING_KEY not in app.session_state
    app.switch_page("views/latent.py").run()
    app.segmented_control(key="latent_source").set_value("My drawing").run()
    assert not app.exception
    assert "Draw a digit on the **Draw** page first" in app.info[0].value


def test_a_blank_upload_is_called_blank():
    app = upload(open_app(), encoded(Image.new("L", (50, 50), 255)), "white.png")
    assert not app.exception
    assert "blank" in app.warning[0].value


def test_an_unusual_drawing_is_flagged():
    def page():
        import numpy as np

        from views.draw import show_reconstruction
        from views.models import default_model

        checkerboard = (np.indices((28, 28)).sum(axis=0) % 2).astype(np.float32)
        show_reconstruction(default_model(), checkerboard)

    app = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert "unlike anything the model saw" in app.warning[0].value
    assert "higher than that of **100%**" in " ".join(element.value for element in app.markdown)


def test_drawing_still_works_without_data(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = upload(open_app(), picture(), "one.png")
    assert len(app.image) == 4


def test_a_broken_default_model_gets_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(artifact, "DEFAULT_MODEL_DIR", tmp_path / "gone")
    app = open_app()
    assert "could not be loaded" in app.error[0].value
    assert "python -m autoencoder train" in app.error[0].value
