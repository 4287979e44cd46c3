"""The Generate view's wiring: prior samples, the 2-number map, interpolation."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import zoo
from tests.views.conftest import open_app, open_bad_link, open_link
from tests.views.test_denoise import captions, image_ids, live_data, require_zoo
from views import generate as generate_page
from views import live as views_live
from views import session

PAGE = "views/generate.py"


def show(app, view: str):
    return app.segmented_control(key="generate_view").set_value(view).run()


def test_prior_samples_beside_naive_codes_and_new_samples_change_them():
    require_zoo("vae-2", "vae-32", "dense-2")
    app = open_app(PAGE)
    assert app.title[0].value == "Generate"
    assert not app.info  # every model is there
    assert [caption.split(":")[0] for caption in captions(app)] == [
        "vae-2", "dense-2", "vae-32", "dense-32",
    ]  # fmt: skip
    assert "N(0, I)" in captions(app)[0]
    assert "uniform in its test range" in captions(app)[1]
    before = image_ids(app)
    next(button for button in app.button if button.label == "New samples").click().run()
    after = image_ids(app)
    assert all(new != old for new, old in zip(after, before, strict=True))


def test_the_z_sliders_move_the_decoded_point_and_not_the_map():
    require_zoo("vae-2")
    app = show(open_app(PAGE), "The 2-number map")
    assert not app.exception
    assert app.get("vega_lite_chart")  # the test codes, clickable
    decoded, grid = image_ids(app)
    assert captions(app)[0] == "z = (0.00, 0.00), decoded"
    app.slider(key="generate_z0").set_value(1.5).run()
    assert image_ids(app)[0] != decoded
    moved = image_ids(app)[0]
    app.slider(key="generate_z1").set_value(-2.0).run()
    assert image_ids(app)[0] != moved
    assert captions(app)[0] == "z = (1.50, -2.00), decoded"
    assert image_ids(app)[1] == grid  # the decoded grid is the same picture


def test_interpolation_rows_for_each_model_and_the_cross_fade():
    require_zoo("vae-32", "pca-32")  # conv-32 trains last: its row is checked once it is built
    built = (zoo.ZOO_DIR / "conv-32" / "config.json").is_file()
    app = show(open_app(PAGE), "Interpolate")
    assert not app.exception
    names = [caption.split(":")[0] for caption in captions(app)]
    assert names == ["dense-32", *(["conv-32"] if built else []), "vae-32", "pca-32", "Pixels"]
    assert len(app.info) == (0 if built else 1)  # "conv-32 is not in this copy ..."
    before = image_ids(app)
    app.number_input(key="generate_end").set_value(42).run()
    assert all(new != old for new, old in zip(image_ids(app), before, strict=True))
    app.multiselect(key="generate_path_models").set_value(["pca-32"]).run()
    assert [caption.split(":")[0] for caption in captions(app)] == ["pca-32", "Pixels"]


def test_interpolation_from_the_drawing():
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[5:23, 12:16] = 1.0  # a "1"
    app = show(open_app(PAGE, drawing=drawing), "Interpolate")
    before = image_ids(app)
    app.segmented_control(key="generate_from").set_value("My drawing").run()
    assert not app.exception
    after = image_ids(app)
    assert len(after) == len(before) and after[0] != before[0]
    assert "From your drawing to test image #1" in " ".join(md.value for md in app.markdown)


def path_words(app) -> str:
    return " ".join(markdown.value for markdown in app.markdown)


def test_a_link_opens_its_view():
    app = open_link(PAGE, {"view": "interpolate", "start": "3", "end": "42"})
    assert app.segmented_control(key="generate_view").value == "Interpolate"
    assert app.number_input(key="generate_start").value == 3
    assert app.number_input(key="generate_end").value == 42
    assert "From test image #3 to test image #42" in path_words(app)


def test_the_url_follows_the_choices():
    app = show(open_app(PAGE), "Interpolate")
    assert app.query_params == {"view": "interpolate"}
    app.number_input(key="generate_start").set_value(3).run()
    app.number_input(key="generate_end").set_value(42).run()
    assert app.query_params == {"view": "interpolate", "start": "3", "end": "42"}
    app.segmented_control(key="generate_from").set_value("My drawing").run()  # none yet
    assert app.query_params == {"view": "interpolate", "from": "my-drawing", "end": "42"}
    show(app, "Samples")
    assert app.query_params == {}  # the path's ends are not shown


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad", "key", "default"),
    [
        ({"view": "gallery"}, "view", "generate_view", "Samples"),
        ({"view": "interpolate", "end": "10000"}, "end", "generate_end", 1),
        ({"view": "interpolate", "start": "-3"}, "start", "generate_start", 0),
        ({"view": "interpolate", "from": "my-photo"}, "from", "generate_from", "A test image"),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad, key, default):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state[key] == default


@pytest.mark.parametrize("view", ["Samples", "The 2-number map", "Interpolate"])
def test_without_zoo_models_one_sentence_and_no_traceback(monkeypatch, tmp_path, view):
    monkeypatch.setattr(zoo, "ZOO_DIR", tmp_path)  # an empty zoo
    app = show(open_app(PAGE), view)
    assert not app.exception
    assert len(app.info) == 1
    assert "not in this copy of the app; build" in app.info[0].value
    assert "python -m autoencoder zoo build --only" in app.info[0].value


@pytest.mark.parametrize("view", ["Samples", "The 2-number map", "Interpolate"])
def test_without_the_data_it_says_so_once_and_shows_what_needs_none(monkeypatch, tmp_path, view):
    require_zoo("vae-2", "vae-32", "dense-2")
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))  # no mnist.npz there
    app = show(open_app(PAGE), view)
    assert not app.exception
    assert len(app.info) == 1
    assert "test images are not available here" in app.info[0].value
    expected = {  # caption starts: what each view shows without the test images
        "Samples": ["vae-2: ", "vae-32: "],  # no plain-model columns: they need the test ranges
        "The 2-number map": ["z = (0.00, 0.00)", "The decoder's map"],  # no scatter
        "Interpolate": [],
    }[view]
    assert len(captions(app)) == len(expected)
    assert all(map(str.startswith, captions(app), expected))


def live(app):
    """The page once this browser has reported that the live component runs."""
    app.session_state[session.LIVE_HELD_KEY] = ["some-model"]
    return app.run()


def test_live_the_map_is_drawn_once_by_the_browser_with_the_test_codes():
    require_zoo("vae-2")
    app = live(show(open_app(PAGE), "The 2-number map"))
    assert not app.exception
    assert not app.slider and not app.get("vega_lite_chart")  # no server map beside it
    assert captions(app) == [captions(app)[0]] and "decoder's map" in captions(app)[0]
    data = live_data(app)
    assert (data["view"], data["start"], data["span"]) == ("map", [0.0, 0.0], 3.0)
    assert len(data["points"]) == 2000 and {label for *_, label in data["points"]} == set(range(10))
    assert len(data["payloads"]) == 1
    assert "0 blue, 1 orange" in data["map_caption"]  # the classes' colours, in words


def test_live_the_interpolation_s_rows_come_from_the_browser_for_the_chosen_models():
    require_zoo(*generate_page.PATH_MODELS)
    app = live(show(open_app(PAGE), "Interpolate"))
    assert not app.exception
    assert not app.image and not app.slider  # the rows and the steps are the browser's
    data = live_data(app)
    assert data["view"] == "interpolation" and data["steps"] == 9
    assert [title.split(":")[0] for title in data["models"]] == list(generate_page.PATH_MODELS)
    assert data["path_words"] == "from test image #0 to test image #1"
    app.multiselect(key="generate_path_models").set_value(["conv-32"]).run()
    assert [title.split(":")[0] for title in live_data(app)["models"]] == ["conv-32"]


@pytest.mark.parametrize(
    "sent", [None, [1.0], [0.5, "1"], [True, 0.0], [0.0, 3.5], [float("nan"), 0.0]]
)
def test_live_a_point_off_the_map_from_the_browser_changes_nothing(sent):
    assert views_live.point_of(sent, 3.0) is None


def test_live_the_browser_s_point_is_taken_to_the_slider_s_hundredths():
    assert views_live.point_of([1.234, -3], 3.0) == (1.23, -3.0)
