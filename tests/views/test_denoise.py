"""The Denoise view's wiring: noise kind and level, image source, the curve chart."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

from autoencoder import zoo
from autoencoder.data import load_dataset
from tests.views.conftest import open_app, open_bad_link, open_link
from views import live as views_live
from views import session

PAGE = "views/denoise.py"


def require_zoo(*names: str) -> None:
    """Skip (fail on CI) unless these zoo models are built: the zoo trains for an hour."""
    missing = [name for name in names if not (zoo.ZOO_DIR / name / "config.json").is_file()]
    if missing:
        message = f"zoo models not built yet: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def captions(app) -> list[str]:
    return [image.proto.imgs[0].caption for image in app.image]


def image_ids(app) -> list[str]:
    """Each picture's media URL, a hash of its bytes: it changes when the picture does."""
    return [image.proto.imgs[0].url for image in app.image]


def decibels(caption: str) -> float:
    return float(re.search(r"(-?[\d.]+) dB", caption).group(1))


@pytest.fixture
def app():
    require_zoo("denoise-32")
    return open_app(PAGE)


def test_clean_noisy_and_both_models_with_their_psnr(app):
    assert app.title[0].value == "Denoise"
    assert captions(app)[0] == "Clean"
    assert captions(app)[1].startswith("Noisy: ")
    assert captions(app)[2].startswith("dense-32: ")
    assert captions(app)[3].startswith("denoise-32: ")
    noisy, seed, denoiser = (decibels(caption) for caption in captions(app)[1:])
    assert denoiser > seed > noisy  # at the level it was trained for, the denoiser wins
    assert app.get("vega_lite_chart")  # PSNR against the level
    assert "first 500 test digits" in " ".join(caption.value for caption in app.caption)
    assert not app.info  # every model is there: nothing to build


def test_the_level_slider_changes_the_noisy_image_and_the_psnrs(app):
    before_ids, before = image_ids(app), captions(app)
    app.slider(key="denoise_level").set_value(0.9).run()
    after_ids, after = image_ids(app), captions(app)
    assert after_ids[0] == before_ids[0]  # the clean image stays
    assert all(new != old for new, old in zip(after_ids[1:], before_ids[1:], strict=True))
    assert all(
        decibels(new) < decibels(old) for new, old in zip(after[1:], before[1:], strict=True)
    )


def chart(app) -> dict:
    return json.loads(app.get("vega_lite_chart")[0].proto.spec)


def curves(app) -> list[bytes]:
    """The chart's data, as the server sent it (Streamlit takes it out of the spec)."""
    return [dataset.data.data for dataset in app.get("vega_lite_chart")[0].proto.datasets]


def rule_level(spec: dict) -> float:
    (rule,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    (point,) = rule["data"]["values"]
    return point["level"]


def test_the_chart_s_rule_follows_the_level_and_its_curves_the_kind(app):
    before, before_curves = chart(app), curves(app)
    assert rule_level(before) == 0.5 and before_curves
    app.slider(key="denoise_level").set_value(0.9).run()
    assert rule_level(chart(app)) == 0.9  # the cached spec is not the one drawn: it moves
    assert curves(app) == before_curves  # the same curves
    app.segmented_control(key="denoise_kind").set_value("Masking").run()
    assert rule_level(chart(app)) == 0.9
    assert curves(app) != before_curves  # the masking curves
    app.slider(key="denoise_level").set_value(0.3).run()
    assert rule_level(chart(app)) == 0.3


@pytest.mark.parametrize("kind", ["Masking", "Salt and pepper"])
def test_every_noise_kind_renders(app, kind):
    before = image_ids(app)
    app.segmented_control(key="denoise_kind").set_value(kind).run()
    assert not app.exception
    assert image_ids(app)[1] != before[1]
    assert len(app.image) == 4


def test_a_random_test_image(app):
    first = image_ids(app)[0]
    app.button[0].click().run()  # "Random image"
    index = app.number_input(key="denoise_index").value
    assert not app.exception
    assert (index != 0) == (image_ids(app)[0] != first)


def test_a_link_opens_its_view():
    require_zoo("denoise-32")
    app = open_link(PAGE, {"noise": "masking", "level": "0.3", "index": "42"})
    assert app.segmented_control(key="denoise_kind").value == "Masking"
    assert app.slider(key="denoise_level").value == 0.3
    assert app.number_input(key="denoise_index").value == 42
    chosen = open_app(PAGE)  # the same choices, made by hand
    chosen.segmented_control(key="denoise_kind").set_value("Masking").run()
    chosen.slider(key="denoise_level").set_value(0.3).run()
    chosen.number_input(key="denoise_index").set_value(42).run()
    assert image_ids(app) == image_ids(chosen)
    assert captions(app) == captions(chosen)


def test_the_url_follows_the_choices_and_the_random_image(app):
    assert app.query_params == {}
    app.segmented_control(key="denoise_kind").set_value("Salt and pepper").run()
    app.slider(key="denoise_level").set_value(0.8).run()
    assert app.query_params == {"noise": "salt-and-pepper", "level": "0.8"}
    app.button[0].click().run()  # "Random image", a callback that sets the index
    index = app.number_input(key="denoise_index").value
    assert app.query_params.get("index") == (str(index) if index else None)
    app.segmented_control(key="denoise_source").set_value("My drawing").run()
    assert app.query_params == {"noise": "salt-and-pepper", "level": "0.8", "image": "my-drawing"}


def test_a_level_between_the_sliders_steps_moves_onto_one():
    app = open_link(PAGE, {"level": "0.37"})
    assert app.slider(key="denoise_level").value == 0.35
    assert app.query_params == {"level": "0.35"}


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad", "key", "default"),
    [
        ({"noise": "pink"}, "noise", "denoise_kind", "Gaussian"),
        ({"noise": "masking", "level": "nan"}, "level", "denoise_level", 0.5),
        ({"level": "2"}, "level", "denoise_level", 0.5),
        ({"level": "0"}, "level", "denoise_level", 0.5),
        ({"image": "a-photo"}, "image", "denoise_source", "A test image"),
        ({"index": "10000"}, "index", "denoise_index", 0),
        ({"index": ""}, "index", "denoise_index", 0),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad, key, default):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state[key] == default
    assert captions(app)[0] == "Clean"


def test_the_drawing_is_denoised_too():
    require_zoo("denoise-32")
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[5:23, 12:16] = 1.0  # a "1"
    app = open_app(PAGE, drawing=drawing)
    test_image = image_ids(app)[0]
    app.segmented_control(key="denoise_source").set_value("My drawing").run()
    assert not app.exception
    assert len(app.image) == 4
    assert image_ids(app)[0] != test_image


def test_without_a_drawing_it_says_where_to_make_one():
    app = open_app(PAGE)
    app.segmented_control(key="denoise_source").set_value("My drawing").run()
    assert not app.exception
    assert any("Draw a digit on the **Draw** page" in info.value for info in app.info)


def test_without_the_denoising_model_one_sentence_and_no_traceback(monkeypatch, tmp_path):
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path)  # an empty zoo
    app = open_app(PAGE)
    assert not app.exception
    assert [info.value for info in app.info] == [
        "The denoising model is not in this copy of the app; build it with "
        "`python -m autoencoder zoo build --only denoise-32`."
    ]
    assert captions(app)[:2] == ["Clean", captions(app)[1]]
    assert len(app.image) == 3  # clean, noisy, the seed's model
    assert app.get("vega_lite_chart")


def test_without_the_data_it_says_so_once_and_still_denoises_the_drawing(monkeypatch, tmp_path):
    require_zoo("denoise-32")
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))  # no mnist.npz there
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[5:23, 12:16] = 1.0
    app = open_app(PAGE, drawing=drawing)
    assert not app.exception
    assert len(app.info) == 1
    assert "test images are not available here" in app.info[0].value
    assert len(app.image) == 4  # the drawing, noisy, and both models' outputs
    assert not app.get("vega_lite_chart")  # the curves need the test images


def live_data(app) -> dict:
    """What the live view was sent: its noise, image and models."""
    (component,) = app.get("bidi_component")
    return json.loads(component.proto.json)


def open_live(params: dict[str, str] | None = None):
    """The page once this browser has reported that the live component runs."""
    app = open_link(PAGE, params) if params else open_app(PAGE)
    app.session_state[session.LIVE_HELD_KEY] = ["some-model"]
    return app.run()


def test_live_the_browser_draws_the_noise_and_the_pictures_and_the_server_does_not(app, mnist_path):
    live = open_live()
    assert not live.exception
    assert not live.image  # no server pictures under the live ones
    assert not live.slider and not live.get("button_group")[1:]  # only the image's source
    data = live_data(live)
    assert (data["view"], data["kind"], data["level"], data["seed"]) == (
        "denoise",
        "gaussian",
        0.5,
        0,
    )
    assert data["models"] == ["dense-32", "denoise-32"]
    assert len(data["payloads"]) == len(data["fingerprints"]) == 2  # both models' weights
    first = load_dataset("mnist", mnist_path).test.pixels[0] / 255  # the page's first image
    np.testing.assert_allclose(data["clean"], first.ravel(), atol=1e-6)
    assert live.get("vega_lite_chart")  # the chart still comes from the server


def test_live_a_link_s_noise_reaches_the_live_view_and_stays_in_the_url():
    require_zoo("denoise-32")
    live = open_live({"noise": "masking", "level": "0.3", "index": "42"})
    data = live_data(live)
    assert (data["kind"], data["level"]) == ("mask", 0.3)
    assert data["spec"] == "denoise-test-42"  # a new image rebuilds the view
    assert live.query_params == {"noise": "masking", "level": "0.3", "index": "42"}


@pytest.mark.parametrize(
    "sent",
    [
        None,
        [],
        {"kind": "blur", "level": 0.5},
        {"kind": "mask"},
        {"kind": "mask", "level": "0.5"},
        {"kind": "mask", "level": True},
        {"kind": "mask", "level": 1.5},
        {"kind": "mask", "level": float("nan")},
    ],
)
def test_live_nonsense_from_the_browser_changes_nothing(sent):
    assert views_live.noise_choice(sent, ["gaussian", "mask"], 0.05, 1.0) is None


def test_live_the_browser_s_choice_is_taken():
    assert views_live.noise_choice({"kind": "mask", "level": 1}, ["mask"], 0.05, 1.0) == (
        "mask",
        1.0,
    )
