"""The Denoise view's wiring: noise kind and level, image source, the curve chart."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

from autoencoder import zoo
from tests.views.conftest import open_app

PAGE = "views/denoise.py"
DRAWING_KEY = "drawn_digit"  # views.draw.DRAWING_KEY (views.draw imports only inside an app)


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


def test_the_drawing_is_denoised_too():
    require_zoo("denoise-32")
    drawing = np.zeros((28, 28), dtype=np.float32)
    drawing[5:23, 12:16] = 1.0  # a "1"
    app = open_app(PAGE, **{DRAWING_KEY: drawing})
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
    app = open_app(PAGE, **{DRAWING_KEY: drawing})
    assert not app.exception
    assert len(app.info) == 1
    assert "test images are not available here" in app.info[0].value
    assert len(app.image) == 4  # the drawing, noisy, and both models' outputs
    assert not app.get("vega_lite_chart")  # the curves need the test images
