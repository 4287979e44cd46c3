"""The Draw view's wiring (drawing itself needs a browser: tests/browser)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from autoencoder import artifact
from tests.views.conftest import TIMEOUT, open_app


def picture(dark_on_light: bool = True) -> bytes:
    image = Image.new("L", (120, 160), 255 if dark_on_light else 0)
    pixels = np.asarray(image).copy()
    pixels[30:130, 55:68] = 0 if dark_on_light else 255  # a "1"
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_draw_page_starts_with_an_empty_canvas():
    app = open_app()
    assert app.title[0].value == "Draw a digit"
    assert any("Draw one digit" in caption.value for caption in app.caption)
    assert not app.image  # nothing to reconstruct yet
    sidebar = " ".join(element.value for element in app.sidebar.markdown)
    assert "**32**" in sidebar
    assert "0.0907" in sidebar  # the model's test BCE, from its config


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_uploading_a_picture_shows_input_reconstruction_and_error(dark_on_light):
    app = open_app()
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    app.file_uploader(key="digit_upload").upload("one.png", picture(dark_on_light), "image/png")
    app.run()
    assert not app.exception
    assert len(app.image) == 4  # the upload, input, reconstruction, error map
    error = float(app.metric[0].value)
    assert 0.01 < error < 0.5
    assert "of the MNIST test images" in " ".join(element.value for element in app.markdown)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not an image at all", "not an image"), (b"", "empty")],
)
def test_a_bad_upload_gets_a_message_not_a_traceback(content, message):
    app = open_app()
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    app.file_uploader(key="digit_upload").upload("digit.png", content, "image/png").run()
    assert not app.exception
    assert message in app.warning[0].value


def test_a_blank_upload_is_called_blank():
    app = open_app()
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    white = io.BytesIO()
    Image.new("L", (50, 50), 255).save(white, format="PNG")
    app.file_uploader(key="digit_upload").upload("white.png", white.getvalue(), "image/png").run()
    assert not app.exception
    assert "blank" in app.warning[0].value


def test_an_unusual_drawing_is_flagged():
    def page():
        import numpy as np

        from views.common import default_model
        from views.draw import show_reconstruction

        checkerboard = (np.indices((28, 28)).sum(axis=0) % 2).astype(np.float32)
        show_reconstruction(default_model(), checkerboard)

    app = AppTest.from_function(page, default_timeout=TIMEOUT).run()
    assert not app.exception
    assert "unlike anything the model saw" in app.warning[0].value
    assert "higher than that of **100%**" in " ".join(element.value for element in app.markdown)


def test_drawing_still_works_without_data(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app()
    app.segmented_control(key="draw_source").set_value("Upload a picture").run()
    app.file_uploader(key="digit_upload").upload("one.png", picture(), "image/png").run()
    assert len(app.image) == 4


def test_a_broken_default_model_gets_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(artifact, "DEFAULT_MODEL_DIR", tmp_path / "gone")
    app = open_app()
    assert "could not be loaded" in app.error[0].value
    assert "python -m autoencoder train" in app.error[0].value
