"""The Test images view's wiring."""

from __future__ import annotations

import io

import pytest
import streamlit as st
from PIL import Image

from autoencoder.data import load_dataset
from tests.views.conftest import open_app, open_bad_link, open_link

PAGE = "views/samples.py"


def test_samples_grid_and_new_random_set():
    app = open_app("views/samples.py")
    assert app.title[0].value == "Test images"
    first = app.caption[0].value
    assert first.startswith("Test images ")
    assert len(app.image) == 3  # the picked set, the best, the worst
    app.button[0].click().run()  # "New random set"
    assert app.caption[0].value != first


def test_samples_by_class_and_by_index():
    app = open_app("views/samples.py")
    app.segmented_control(key="sample_mode").set_value("By index").run()
    app.number_input(key="sample_index").set_value(100).run()
    app.slider(key="sample_count").set_value(5).run()
    assert app.caption[0].value.startswith("Test images 100, 101, 102, 103, 104:")
    app.segmented_control(key="sample_mode").set_value("By class").run()
    app.selectbox(key="sample_class").set_value(7).run()
    assert not app.exception
    indices = shown_indices(app)
    labels = load_dataset("mnist", include_train=False).test.labels
    assert len(indices) == 5
    assert set(labels[indices]) == {7}


def shown_indices(app) -> list[int]:
    """The picked test images, from the caption under their grid."""
    return [int(text) for text in app.caption[0].value[12:].split(":")[0].split(", ")]


def test_samples_without_data_say_how_to_provide_it(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app("views/samples.py")
    assert "AUTOENCODER_DATA_DIR" in app.info[0].value
    assert not app.image


@pytest.fixture
def shown_images(monkeypatch) -> list[tuple[object, object]]:
    """(image, width) of every st.image call from now on."""
    shown = []
    original = st.image

    def spy(image, *args, **kwargs):
        shown.append((image, kwargs.get("width", "content")))
        return original(image, *args, **kwargs)

    monkeypatch.setattr(st, "image", spy)
    return shown


def test_a_grid_of_one_is_shown_at_its_own_size(shown_images):
    """The last index leaves one image: it must not be stretched to the page's width."""
    app = open_app("views/samples.py")
    app.segmented_control(key="sample_mode").set_value("By index").run()
    shown_images.clear()
    app.number_input(key="sample_index").set_value(9999).run()
    assert not app.exception
    assert app.caption[0].value.startswith("Test images 9999:")
    picture, width = shown_images[0]
    assert width == "content"
    assert Image.open(io.BytesIO(picture)).width < 200  # one column of 84 px and its labels
    assert {width for _, width in shown_images} == {"content"}


def test_sixteen_images_wrap_into_rows_of_eight(shown_images):
    app = open_app("views/samples.py")
    eight = Image.open(io.BytesIO(shown_images[0][0]))
    shown_images.clear()
    app.slider(key="sample_count").set_value(16).run()
    assert not app.exception
    sixteen = Image.open(io.BytesIO(shown_images[0][0]))
    assert sixteen.width == eight.width  # no wider than eight: the text stays readable
    assert sixteen.height > 1.8 * eight.height


def test_a_link_opens_its_view():
    app = open_link(PAGE, {"mode": "by-index", "index": "120", "count": "5"})
    assert app.segmented_control(key="sample_mode").value == "By index"
    assert app.number_input(key="sample_index").value == 120
    assert app.slider(key="sample_count").value == 5
    assert shown_indices(app) == [120, 121, 122, 123, 124]

    app = open_link(PAGE, {"mode": "by-class", "class": "7"})
    assert app.selectbox(key="sample_class").value == 7
    labels = load_dataset("mnist", include_train=False).test.labels
    assert set(labels[shown_indices(app)]) == {7}


def test_the_url_follows_the_choices():
    app = open_app(PAGE)
    assert app.query_params == {}  # every default: nothing to say
    app.segmented_control(key="sample_mode").set_value("By index").run()
    app.number_input(key="sample_index").set_value(100).run()
    app.slider(key="sample_count").set_value(5).run()
    assert app.query_params == {"mode": "by-index", "index": "100", "count": "5"}
    app.segmented_control(key="sample_mode").set_value("By class").run()
    app.selectbox(key="sample_class").set_value(3).run()
    assert app.query_params == {"mode": "by-class", "class": "3", "count": "5"}  # index hidden
    app.segmented_control(key="sample_mode").set_value("At random").run()
    assert app.query_params == {"count": "5"}


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad", "key", "default"),
    [
        ({"mode": "sideways"}, "mode", "sample_mode", "At random"),
        ({"mode": "By index"}, "mode", "sample_mode", "At random"),  # a label, not its word
        ({"mode": "by-index", "index": "10000"}, "index", "sample_index", 0),
        ({"mode": "by-index", "index": "-1"}, "index", "sample_index", 0),
        ({"mode": "by-index", "index": "1.5"}, "index", "sample_index", 0),
        ({"mode": "by-class", "class": "11"}, "class", "sample_class", 0),
        ({"count": "99"}, "count", "sample_count", 8),
        ({"count": "nan"}, "count", "sample_count", 8),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad, key, default):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state[key] == default
    assert app.caption[0].value.startswith("Test images ")
