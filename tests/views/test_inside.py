"""Inside the network (views/inside.py) without the live script: the server draws every layer
of the chosen model for the visitor's drawing or a test image, each picture with its alt text,
and one code number's painting and one first-layer unit's weights; for every zoo family and
for the visitor's own model."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from autoencoder import zoo
from autoencoder.config import Config
from tests.conftest import ROOT, random_model
from tests.views.conftest import TIMEOUT, assert_quiet
from views import session

PAGE = "views/inside.py"
# (zoo model, how many layers it has past the input)
FAMILIES = [("dense-32", 4), ("conv-32", 6), ("vae-2", 7), ("denoise-32", 6), ("pca-32", 2)]


def drawing() -> np.ndarray:
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 13:16] = 1  # a "1"
    return digit


def opened(choice: str | None = None, **state: object) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if choice is not None:
        app.session_state[session.MODEL_CHOICE_KEY] = choice
    for key, value in state.items():
        app.session_state[key] = value
    app.switch_page(PAGE).run()
    assert_quiet(app)
    return app


def pictures(app: AppTest) -> list[tuple[str, str]]:
    """Each picture's caption and alt text."""
    return [(image.caption, image.alt) for element in app.image for image in element.proto.imgs]


def layer_headings(app: AppTest) -> list[str]:
    return [md.value.strip("*") for md in app.markdown if md.value.startswith("**Layer ")]


@pytest.mark.parametrize(("name", "layers"), FAMILIES)
def test_the_server_draws_every_layer_of_each_family(name, layers):
    app = opened(name, **{session.DRAWING_KEY: drawing()})
    app.segmented_control[0].set_value("My drawing").run()
    assert_quiet(app)
    headings = layer_headings(app)
    assert len(headings) == layers and headings[-1].startswith(f"Layer {layers} of {layers}")
    shown = pictures(app)
    assert len(shown) == 1 + layers + 2  # the input, each layer, a painting and the weights
    for caption, alt in shown:
        assert caption and alt and len(alt) > 30, (caption, alt)
    assert any(caption.startswith("The code: ") for caption, _ in shown)
    assert any(caption.startswith("What code number 0 paints") for caption, _ in shown)
    if name == "vae-2":
        assert any(caption.startswith("The code's spread") for caption, _ in shown)
    if name.startswith("conv"):
        assert any(caption.startswith("Filter 0: the 3x3 pattern") for caption, _ in shown)
    if name == "pca-32":
        assert "one linear map each way" in app.markdown[0].value + "".join(
            md.value for md in app.markdown
        )


def test_a_hidden_layer_s_words_count_what_relu_cut():
    app = opened(zoo.DEFAULT_NAME, **{session.DRAWING_KEY: drawing()})
    app.segmented_control[0].set_value("My drawing").run()
    hidden = [caption for caption, _ in pictures(app) if "hidden layer's outputs" in caption]
    assert hidden and "the dark ones are zero: ReLU cut them (" in hidden[0]


def test_another_code_number_paints_something_else():
    app = opened("dense-32", **{session.DRAWING_KEY: drawing()})
    app.segmented_control[0].set_value("My drawing").run()
    before = [image.url for element in app.image for image in element.proto.imgs][-2]
    app.number_input[0].set_value(5).run()
    assert_quiet(app)
    after = [image.url for element in app.image for image in element.proto.imgs][-2]
    assert after != before
    assert any(caption.startswith("What code number 5 paints") for caption, _ in pictures(app))


def test_a_test_image_is_shown_through_every_layer():
    app = opened("conv-32")
    app.segmented_control[0].set_value("A test image").run()
    assert_quiet(app)
    assert len(layer_headings(app)) == 6
    assert any("the test image's code" in caption for caption, _ in pictures(app))


def test_my_drawing_without_one_says_where_to_draw():
    app = opened()
    app.segmented_control[0].set_value("My drawing").run()
    assert "Draw a digit on the **Draw** page first" in app.info[0].value
    assert not layer_headings(app)


def test_drawing_here_without_the_live_view_offers_the_server_s_canvas():
    app = opened()
    assert not layer_headings(app)  # nothing drawn yet
    assert any("every layer is drawn below" in caption.value for caption in app.caption)


def test_the_visitor_s_own_model_is_shown_layer_by_layer():
    own = random_model(Config(hidden_units=(24, 12), latent_dim=3), seed=4)
    app = opened(None, **{session.OWN_MODEL_KEY: own, session.DRAWING_KEY: drawing()})
    app.segmented_control[0].set_value("My drawing").run()
    assert_quiet(app)
    headings = layer_headings(app)
    assert [heading.split(" · ")[1] for heading in headings] == [
        "encoder_hidden",
        "encoder_hidden_2",
        "latent",
        "decoder_hidden",
        "decoder_hidden_2",
        "reconstruction",
    ]
    assert any("24 numbers" in heading for heading in headings)


def test_a_deeper_hidden_unit_shows_the_pixels_that_drive_it():
    app = opened("vae-2", **{session.DRAWING_KEY: drawing()})
    app.segmented_control[0].set_value("My drawing").run()
    layer = next(box for box in app.selectbox if box.label == "Hidden layer")
    assert layer.options == ["encoder_hidden", "encoder_hidden_2"]
    layer.set_value("encoder_hidden_2").run()
    assert_quiet(app)
    said = "Unit 0 of encoder_hidden_2: the pixels that drive it"
    assert any(caption.startswith(said) for caption, _ in pictures(app))


def test_a_model_too_big_for_the_browser_is_drawn_by_the_server():
    big = random_model(Config(hidden_units=(1024, 1024), latent_dim=8), seed=1)
    state = {
        session.OWN_MODEL_KEY: big,
        session.DRAWING_KEY: drawing(),
        session.LIVE_HELD_KEY: ["another-model"],  # this browser runs the live component
    }
    app = opened(None, **state)
    app.segmented_control[0].set_value("My drawing").run()
    assert_quiet(app)
    assert any("runs on the server only" in caption.value for caption in app.caption)
    assert len(layer_headings(app)) == 6
