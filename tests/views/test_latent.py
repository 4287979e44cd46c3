"""The Explore-the-code view's wiring: sliders, reset, modes, starting codes."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder.artifact import load_model
from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.network import Autoencoder, weight_shapes
from tests.views.conftest import open_app, open_bad_link, open_link

PAGE = "views/latent.py"


def image_ids(app) -> list[str]:
    """Each picture's media URL, a hash of its bytes: it changes when the picture does."""
    return [image.proto.imgs[0].url for image in app.image]


def unit_sliders(app):
    return [slider for slider in app.slider if slider.key and slider.key.startswith("unit-")]


def test_one_slider_per_unit_and_the_picture_follows_them():
    app = open_app(PAGE)
    sliders = unit_sliders(app)
    assert len(sliders) == 32
    assert app.image[0].proto.imgs[0].caption == "Decoded from the sliders"
    before = image_ids(app)
    sliders[5].set_value(sliders[5].max).run()
    after = image_ids(app)
    assert after[0] != before[0]  # the decoded image changed
    assert after[1] == before[1]  # the starting code's image did not

    reset = next(button for button in app.button if button.label == "Reset to the start")
    reset.click().run()
    assert image_ids(app)[0] == before[0]
    assert not app.exception


def test_dead_units_are_shown_as_dead_not_as_sliders():
    default = load_model()
    weights = dict(default.weights)
    weights["latent.bias"] = weights["latent.bias"].copy()
    weights["latent.bias"][[3, 17]] = -1e3  # these units can never fire
    silent = Autoencoder(config=default.config, weights=weights, record=default.record)
    app = open_app(PAGE, own_model=silent)
    assert len(unit_sliders(app)) == 30
    dead = [caption.value for caption in app.caption if "dead" in caption.value]
    assert "z3: dead, always 0" in dead
    assert "z17: dead, always 0" in dead
    assert any("2 of 32 units never fire" in caption.value for caption in app.caption)


@pytest.mark.parametrize("mode", ["Main directions", "Interpolate", "Map", "Random codes"])
def test_every_mode_renders(mode):
    app = open_app(PAGE)
    app.segmented_control(key="latent_mode").set_value(mode).run()
    assert not app.exception
    assert app.image or app.get("imgs")


def test_main_direction_slider_changes_the_picture():
    app = open_app(PAGE)
    app.segmented_control(key="latent_mode").set_value("Main directions").run()
    sliders = [slider for slider in app.slider if slider.key.startswith("direction-")]
    assert len(sliders) == 5
    assert "of the spread" in sliders[0].label
    before = image_ids(app)[0]
    sliders[0].set_value(2.0).run()
    assert image_ids(app)[0] != before


def test_interpolation_strip_changes_with_its_end():
    app = open_app(PAGE)
    app.segmented_control(key="latent_mode").set_value("Interpolate").run()
    before = image_ids(app)
    app.number_input(key="interpolation_end").set_value(42).run()
    after = image_ids(app)
    assert after[0] != before[0]
    assert any("test image #42" in caption.value for caption in app.caption)


def test_random_codes_change_on_demand():
    app = open_app(PAGE)
    app.segmented_control(key="latent_mode").set_value("Random codes").run()
    before = image_ids(app)
    next(button for button in app.button if button.label == "Sample new codes").click().run()
    assert image_ids(app) != before


def test_starting_from_a_class_average_or_a_drawing():
    app = open_app(PAGE)
    app.segmented_control(key="latent_source").set_value("A class average").run()
    app.selectbox(key="latent_class").set_value(3).run()
    assert unit_sliders(app)[0].key.startswith("unit-class-3")

    app.segmented_control(key="latent_source").set_value("My drawing").run()
    assert "Draw a digit on the **Draw** page first" in app.info[0].value

    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[4:24, 12:16] = 1
    app = open_app(PAGE, drawing=drawing)
    app.segmented_control(key="latent_source").set_value("My drawing").run()
    assert unit_sliders(app)[0].key.startswith("unit-drawing-")
    assert not app.exception


def model_of(config: Config, seed: int = 0) -> Autoencoder:
    """Random weights of a shape ``config`` asks for, small enough to keep codes moderate."""
    rng = np.random.default_rng(seed)
    weights = {
        name: rng.normal(0, 0.1, size=shape).astype(np.float32)
        for name, shape in weight_shapes(config).items()
    }
    return Autoencoder(config=config, weights=weights)


def test_sliders_of_linear_codes_reach_their_negative_values():
    model = model_of(Config(hidden_units=(32,), latent_dim=8, code_activation="linear"))
    app = open_app(PAGE, own_model=model)
    sliders = unit_sliders(app)
    assert len(sliders) == 8
    assert all(slider.min < 0 < slider.max for slider in sliders)

    test = load_dataset("mnist", include_train=False).test
    codes = model.encode(test.images)
    low, high = np.percentile(codes, 1, axis=0), np.percentile(codes, 99, axis=0)
    by_unit = sorted(sliders, key=lambda slider: int(slider.label.removeprefix("z")))
    for slider, bottom, top in zip(by_unit, low, high, strict=True):
        assert slider.min <= bottom and slider.max >= top  # 1st to 99th percentile, and more
        assert slider.max - slider.min < 1.5 * (top - bottom)  # but not 0..max
    app.segmented_control(key="latent_mode").set_value("Main directions").run()
    assert not app.exception


def test_a_vae_slides_over_its_prior_and_decodes_prior_samples():
    config = Config(hidden_units=(32,), latent_dim=4, code_activation="linear", variational=True)
    app = open_app(PAGE, own_model=model_of(config))
    for slider in unit_sliders(app):
        assert (slider.min, slider.max) == (-3.0, 3.0)
    assert any("N(0, 1) prior" in caption.value for caption in app.caption)
    app.segmented_control(key="latent_mode").set_value("Random codes").run()
    assert not app.exception
    assert any("from the prior, the standard normal" in caption.value for caption in app.caption)


def test_codes_that_overflow_get_a_message_not_a_traceback(monkeypatch):
    original = Autoencoder.encode

    def overflowing(self, images):
        codes = original(self, images)
        return np.where(np.arange(len(np.atleast_2d(codes)))[:, None] == 7, np.inf, codes)

    monkeypatch.setattr(Autoencoder, "encode", overflowing)
    app = open_app(PAGE)
    assert not app.exception
    assert "codes cannot be explored" in app.error[0].value
    assert "NaN or infinite" in app.error[0].value


def test_a_link_opens_its_view():
    app = open_link(PAGE, {"index": "7", "mode": "interpolate"})
    assert app.segmented_control(key="latent_source").value == "A test image"
    assert app.number_input(key="latent_index").value == 7
    assert app.segmented_control(key="latent_mode").value == "Interpolate"
    assert any(caption.value.startswith("From test image #7 to") for caption in app.caption)

    app = open_link(PAGE, {"from": "a-class-average", "class": "3"})
    assert app.selectbox(key="latent_class").value == 3
    assert unit_sliders(app)[0].key.startswith("unit-class-3-")


def test_the_url_follows_the_choices():
    app = open_app(PAGE)
    assert app.query_params == {}
    app.number_input(key="latent_index").set_value(7).run()
    app.segmented_control(key="latent_mode").set_value("Map").run()
    assert app.query_params == {"index": "7", "mode": "map"}
    app.segmented_control(key="latent_source").set_value("A class average").run()
    app.selectbox(key="latent_class").set_value(3).run()
    assert app.query_params == {"from": "a-class-average", "class": "3", "mode": "map"}
    app.segmented_control(key="latent_source").set_value("My drawing").run()  # none yet
    assert app.query_params == {"from": "my-drawing"}  # the view picker is not shown


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad", "key", "default"),
    [
        ({"from": "nowhere"}, "from", "latent_source", "A test image"),
        ({"index": "10000"}, "index", "latent_index", 0),
        ({"index": "seven"}, "index", "latent_index", 0),
        ({"from": "a-class-average", "class": "11"}, "class", "latent_class", 0),
        ({"mode": "main-direction"}, "mode", "latent_mode", "Sliders"),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad, key, default):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state[key] == default
    assert len(unit_sliders(app)) == 32  # the default view, drawn
