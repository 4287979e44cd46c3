"""The Train-your-own view's wiring, including a real 1-epoch run through it."""

from __future__ import annotations

import time

from autoencoder.artifact import model_to_zip
from tests.conftest import random_model
from tests.views.conftest import open_app

PAGE = "views/train.py"


def start_quick_training(app, dataset: str = "mnist"):
    app.slider(key="train_epochs").set_value(1)
    app.select_slider(key="train_images").set_value(1_000)
    app.slider(key="train_latent_dim").set_value(4)
    app.radio(key="train_dataset").set_value(dataset)
    app.button[0].click()  # the form's submit button
    return app.run()


def run_until_done(app, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while "training_job" in app.session_state and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert "training_job" not in app.session_state, "training did not finish in time"
    return app


def test_the_form_offers_the_settings():
    app = open_app(PAGE)
    assert app.slider(key="train_latent_dim").min == 2
    assert app.slider(key="train_latent_dim").max == 128
    assert app.slider(key="train_epochs").max == 30
    assert app.radio(key="train_dataset").options == ["MNIST digits", "Fashion-MNIST clothes"]
    assert "own_model" not in app.session_state


def test_one_epoch_through_the_page_becomes_the_session_model():
    app = start_quick_training(open_app(PAGE))
    assert not app.exception
    assert "training_job" in app.session_state
    assert app.get("progress")  # the progress bar is up while it trains
    run_until_done(app)
    assert not app.exception
    assert "It is now your model" in app.success[0].value
    own = app.session_state["own_model"]
    assert own.latent_dim == 4
    assert own.record["dataset"]["train_images"] == 1_000
    assert "Your own model" in " ".join(caption.value for caption in app.sidebar.caption)
    assert app.get("vega_lite_chart")  # the loss curve
    assert any(button.label == "Go back to the default model" for button in app.button)
    assert app.get("download_button")
    assert "| yours | 4 |" in " ".join(element.value for element in app.markdown)

    # Every other page now uses it.
    app.switch_page("views/latent.py").run()
    assert len([s for s in app.slider if s.key and s.key.startswith("unit-")]) <= 4

    app.switch_page(PAGE).run()
    next(button for button in app.button if button.label == "Go back to the default model").click()
    app.run()
    assert "own_model" not in app.session_state


def test_a_failed_training_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))  # no datasets there
    app = run_until_done(start_quick_training(open_app(PAGE), dataset="fashion_mnist"))
    assert "Training failed" in app.error[0].value
    assert "fashion_mnist.npz" in app.error[0].value
    assert "own_model" not in app.session_state


def test_uploading_a_model_zip_adopts_it():
    app = open_app(PAGE)
    model = random_model()
    app.file_uploader(key="model_upload").upload("mine.zip", model_to_zip(model), "application/zip")
    app.run()
    assert not app.exception
    assert app.session_state["own_model"].fingerprint == model.fingerprint
    assert "Loaded your model" in app.success[0].value


def test_uploading_a_wrong_file_is_refused_clearly():
    app = open_app(PAGE)
    app.file_uploader(key="model_upload").upload(
        "mine.zip", b"definitely not a zip", "application/zip"
    )
    app.run()
    assert not app.exception
    assert "not a model of this app" in app.warning[0].value
    assert "own_model" not in app.session_state


def test_a_run_goes_on_while_the_visitor_is_on_another_page():
    app = start_quick_training(open_app(PAGE))
    app.switch_page("views/draw.py").run()
    assert any("Training your model" in caption.value for caption in app.sidebar.caption)
    run_until_done(app)
    assert not app.exception
    assert app.session_state["own_model"].latent_dim == 4
    assert "It is now your model" in app.toast[0].value
