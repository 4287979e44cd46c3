"""The Train-your-own view's wiring, including real 1-epoch runs through it."""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from autoencoder import jobs
from autoencoder.artifact import model_to_zip
from autoencoder.config import CUSTOM, Config
from autoencoder.jobs import estimates, supervisor
from autoencoder.network import Autoencoder
from tests.conftest import random_model
from tests.views.conftest import open_app
from views.session import (
    DATASET_UPLOAD_KEY,
    JOB_KEY,
    MODEL_UPLOAD_KEY,
    OWN_DATASET_KEY,
    OWN_MODEL_KEY,
)

PAGE = "views/train.py"
SMALL = Config(hidden_units=(8,), latent_dim=4, epochs=2)


def start_quick_training(app, dataset: str = "mnist"):
    app.slider(key="train_epochs").set_value(1)
    app.select_slider(key="train_images").set_value(1_000)
    app.slider(key="train_latent_dim").set_value(4)
    app.radio(key="train_dataset").set_value(dataset)
    app.run()  # each change reruns the page, as in a browser
    app.button(key="train_start").click()
    return app.run()


def run_until_done(app, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while JOB_KEY in app.session_state and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert JOB_KEY not in app.session_state, "training did not finish in time"
    return app


def texts(elements) -> str:
    return " ".join(element.value for element in elements)


@pytest.fixture
def no_process(monkeypatch):
    """Fail the test if anything tries to start a child."""

    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(supervisor.subprocess, "Popen", refuse)


@pytest.fixture
def started(monkeypatch) -> list[tuple[Config, int | None]]:
    """What the page asks the server to train; the server answers that it is busy."""
    calls: list[tuple[Config, int | None]] = []

    def start(config, *, train_limit=None, **_):
        calls.append((config, train_limit))
        raise jobs.ServerBusyError("busy (a test)")

    monkeypatch.setattr(jobs.TrainingJob, "start", staticmethod(start))
    return calls


def test_the_form_offers_the_settings():
    app = open_app(PAGE)
    assert app.slider(key="train_latent_dim").min == 2
    assert app.slider(key="train_latent_dim").max == 128
    assert app.slider(key="train_epochs").max == 30
    assert app.radio(key="train_family").options == ["Dense (fully connected)", "Convolutional"]
    assert app.radio(key="train_dataset").options == [
        "MNIST digits", "Fashion-MNIST clothes", "My own file (.npz)",
    ]  # fmt: skip
    assert app.selectbox(key="train_hidden").value == (64,)
    assert not app.button(key="train_start").disabled
    assert OWN_MODEL_KEY not in app.session_state


def test_each_family_gets_its_own_choices_and_config(started):
    app = open_app(PAGE)
    app.radio(key="train_family").set_value("conv")
    app.checkbox(key="train_variational").check()
    app.radio(key="train_noise").set_value("gaussian")
    app.run()
    assert [box.key for box in app.main.selectbox] == ["train_filters"]  # no dense widths
    app.select_slider(key="train_beta").set_value(2.0)
    app.select_slider(key="train_noise_level_gaussian").set_value(0.3)
    app.slider(key="train_latent_dim").set_value(16)
    app.slider(key="train_epochs").set_value(3)
    app.button(key="train_start").click()
    app.run()
    assert not app.exception
    config, train_limit = started[-1]
    assert config == Config.for_family(
        "conv",
        filters=(32, 64),
        latent_dim=16,
        variational=True,
        beta=2.0,
        noise="gaussian",
        noise_level=0.3,
        epochs=3,
    )
    assert train_limit == 20_000
    assert "busy (a test)" in texts(app.warning)

    app.radio(key="train_family").set_value("dense")
    app.button(key="train_start").click()
    app.run()
    dense_vae = started[-1][0]
    assert (dense_vae.family, dense_vae.hidden_units, dense_vae.code_activation) == (
        "dense",
        (64,),
        "linear",  # a VAE's code is linear
    )


def test_missing_data_is_said_at_once_and_nothing_starts(no_process, monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))  # no datasets there
    app = open_app(PAGE)
    assert "MNIST digits training images are not on this server" in texts(app.info)
    start = app.button(key="train_start")
    assert start.disabled
    # A forged click (AppTest itself refuses to click a disabled button): Streamlit >= 1.61
    # drops it on the server, so the page does not even get to refuse it.
    start._value = True
    app.run()
    assert not app.exception
    assert not app.error
    assert JOB_KEY not in app.session_state


def test_no_memory_for_a_run_says_training_is_unavailable(no_process, monkeypatch):
    monkeypatch.setenv(jobs.MEMORY_ENV, "1000")
    app = open_app(PAGE)
    assert "Training is not available on this server" in texts(app.info)
    assert app.button(key="train_start").disabled


def manifest(path: Path) -> Path:
    path.write_text(
        json.dumps(
            {
                "models": [
                    {
                        "name": "dense-32",
                        "kind": "dense",
                        "family": "dense",
                        "latent_dim": 32,
                        "dataset": "mnist",
                        "epochs": 10,
                        "train_images": 60_000,
                        "training_seconds": 60.0,
                        "parameters": 105_392,
                    }
                ]
            }
        )
    )
    return path


def test_the_time_is_estimated_from_measured_runs_and_nothing_else(monkeypatch, tmp_path):
    monkeypatch.setattr(supervisor, "_supervisor", supervisor._Supervisor())  # no runs finished yet
    monkeypatch.setattr(estimates, "ZOO_MANIFEST", tmp_path / "missing.json")
    app = open_app(PAGE)
    assert "About" not in texts(app.caption)

    monkeypatch.setattr(estimates, "ZOO_MANIFEST", manifest(tmp_path / "manifest.json"))
    app.run()
    # 20,000 images x 10 epochs at 0.1 ms per image and epoch, plus 8 s of TensorFlow.
    assert "About 28 s: 20,000 images" in texts(app.caption)
    assert "1 similar zoo model," in texts(app.caption)

    # A run this server finished, set up alike, sets the pace from then on: 0.2 ms per
    # image and epoch, and 2 s more to compile in epoch 1.
    supervisor.current()._runs.append(
        {"name": "a run", "kind": "dense", "family": "dense", "parameters": 105_392,
         "batch_size": 256, "denoising": False, "epochs": 2, "train_images": 20_000,
         "training_seconds": 8.0, "compile_seconds": 2.0}
    )  # fmt: skip
    app.run()
    assert "About 50 s: 20,000 images" in texts(app.caption)
    assert "1 similar run this server finished" in texts(app.caption)


def test_a_poor_model_gets_advice_and_every_own_model_a_warning():
    poor = Autoencoder(
        config=SMALL,
        weights=random_model(SMALL).weights,
        record={
            "metrics": {"val_bce": 0.3, "mse": 0.07, "psnr": 11.4},
            "history": {"loss": [0.4, 0.3], "val_loss": [0.35, 0.3]},
            "dataset": {
                "name": "mnist",
                "sha256": "0" * 64,
                "train_images": 5_000,
                "test_images": 10_000,
            },
        },
    )
    app = open_app(PAGE, own_model=poor)
    assert not app.exception
    advice = texts(app.warning)
    assert "too few epochs or images" in advice
    assert "10 or more epochs and 20,000 or more images" in advice
    assert "lost" not in advice and "loses it" in texts(app.info)
    labels = [button.label for button in app.button]
    assert "Go back to the default model" in labels
    # The loss chart is said in words too (a screen reader cannot read the chart).
    assert (
        "Chart of the loss per epoch. train: falls from 0.4000 at epoch 1 to 0.3000 at epoch 2; "
        "validation: falls from 0.3500 at epoch 1 to 0.3000 at epoch 2."
    ) in texts(app.caption)


def downloaded_config(app, served: dict[str, bytes]) -> dict:
    """config.json of the zip the page's download button serves."""
    (button,) = app.get("download_button")
    data = served[Path(button.proto.url).stem]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("model/config.json"))


def test_the_download_is_each_sessions_own(monkeypatch):
    """Same settings and weights (so the same fingerprint), different config.json."""
    served: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = keep(self, path_or_data, mimetype, kind, filename)
        served[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    mine = random_model(SMALL)
    edited = Autoencoder(config=mine.config, weights=mine.weights, record={"note": "edited"})
    assert edited.fingerprint == mine.fingerprint

    first = open_app(PAGE)
    first.file_uploader(key=MODEL_UPLOAD_KEY).upload(
        "mine.zip", model_to_zip(mine), "application/zip"
    )
    first.run()
    assert downloaded_config(first, served)["note"] == "random"

    second = open_app(PAGE)
    second.file_uploader(key=MODEL_UPLOAD_KEY).upload(
        "edited.zip", model_to_zip(edited), "application/zip"
    )
    second.run()
    first.run()
    assert downloaded_config(second, served)["note"] == "edited"
    assert downloaded_config(first, served)["note"] == "random"


@pytest.mark.slow
def test_one_epoch_through_the_page_becomes_the_session_model():
    app = start_quick_training(open_app(PAGE))
    assert not app.exception
    assert JOB_KEY in app.session_state
    assert app.get("progress")  # the progress bar is up while it trains
    run_until_done(app)
    assert not app.exception
    assert "It is now your model" in app.success[0].value
    own = app.session_state[OWN_MODEL_KEY]
    assert own.latent_dim == 4
    assert own.record["dataset"]["train_images"] == 1_000
    assert "Your own model" in " ".join(caption.value for caption in app.sidebar.caption)
    assert app.get("vega_lite_chart")  # the loss curve
    assert any(button.label == "Go back to the default model" for button in app.button)
    assert app.get("download_button")
    assert "| yours | dense | 4 |" in texts(app.markdown)

    # Every other page now uses it.
    app.switch_page("views/latent.py").run()
    assert len([s for s in app.slider if s.key and s.key.startswith("unit-")]) <= 4

    app.switch_page(PAGE).run()
    next(button for button in app.button if button.label == "Go back to the default model").click()
    app.run()
    assert OWN_MODEL_KEY not in app.session_state


@pytest.mark.slow
def test_a_failed_training_says_why(monkeypatch, tmp_path):
    (tmp_path / "fashion_mnist.npz").write_bytes(b"not an archive")
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = run_until_done(start_quick_training(open_app(PAGE), dataset="fashion_mnist"))
    assert "Training failed" in app.error[0].value
    assert "fashion_mnist.npz" in app.error[0].value
    assert OWN_MODEL_KEY not in app.session_state


def test_uploading_a_model_zip_adopts_it():
    app = open_app(PAGE)
    model = random_model(SMALL)
    app.file_uploader(key=MODEL_UPLOAD_KEY).upload(
        "mine.zip", model_to_zip(model), "application/zip"
    )
    app.run()
    assert not app.exception
    assert app.session_state[OWN_MODEL_KEY].fingerprint == model.fingerprint
    assert "Loaded your model" in app.success[0].value


def test_uploading_a_wrong_file_is_refused_clearly():
    app = open_app(PAGE)
    app.file_uploader(key=MODEL_UPLOAD_KEY).upload(
        "mine.zip", b"definitely not a zip", "application/zip"
    )
    app.run()
    assert not app.exception
    assert "not a model of this app" in app.warning[0].value
    assert OWN_MODEL_KEY not in app.session_state


@pytest.mark.slow
def test_a_run_goes_on_while_the_visitor_is_on_another_page():
    app = start_quick_training(open_app(PAGE))
    app.switch_page("views/draw.py").run()
    assert any("Training your model" in caption.value for caption in app.sidebar.caption)
    run_until_done(app)
    assert not app.exception
    assert app.session_state[OWN_MODEL_KEY].latent_dim == 4
    assert "It is now your model" in app.toast[0].value


# --- The Keras file ----------------------------------------------------------------------------


@pytest.fixture
def made(monkeypatch, tmp_path) -> list[bool]:
    """The export child replaced by a script that writes a stand-in file; the cache flags seen."""
    from autoencoder import keras_file

    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[bool] = []
    made_for_real = keras_file.keras_file_bytes

    def recording(model, *, cache=True, timeout=keras_file.EXPORT_TIMEOUT_SECONDS):
        seen.append(cache)
        return made_for_real(model, cache=cache, timeout=timeout)

    def command(model_folder, out):
        return [sys.executable, "-c", f"open({str(out)!r}, 'wb').write(b'keras bytes')"]

    monkeypatch.setattr(keras_file, "export_command", command)
    monkeypatch.setattr(keras_file, "keras_file_bytes", recording)
    return seen


def bundle_names(app, served: dict[str, bytes]) -> list[str]:
    (button,) = [b for b in app.get("download_button") if b.proto.id.endswith("keras_download")]
    with zipfile.ZipFile(io.BytesIO(served[Path(button.proto.url).stem])) as archive:
        return sorted(archive.namelist())


@pytest.fixture
def served(monkeypatch) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    keep = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = keep(self, path_or_data, mimetype, kind, filename)
        found[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return found


def test_a_zoo_model_downloads_as_a_cached_keras_bundle(made, served, tmp_path):
    app = open_app(PAGE)
    assert not [b for b in app.get("download_button") if b.proto.id.endswith("keras_download")]
    app.button(key="keras_make").click()
    app.run()
    assert not app.exception and not app.warning
    assert bundle_names(app, served) == [
        "dense-32/README.md", "dense-32/dense-32.keras", "dense-32/example.py",
    ]  # fmt: skip
    assert made == [True]
    assert list((tmp_path / "cache" / "keras").glob("*.keras"))  # the next visitor reads it
    app.run()  # kept in the session: not made again
    assert made == [True]


def test_a_visitors_model_downloads_as_a_bundle_never_cached(made, served, tmp_path):
    app = open_app(PAGE, own_model=random_model(SMALL))
    app.button(key="keras_make").click()
    app.run()
    assert not app.exception
    assert "autoencoder-dense-mnist-4d/autoencoder-dense-mnist-4d.keras" in bundle_names(
        app, served
    )
    assert made == [False]
    assert not list((tmp_path / "cache").rglob("*.keras"))


def test_a_full_server_says_so_in_one_sentence(made, monkeypatch):
    from autoencoder.jobs import capacity

    monkeypatch.setattr(capacity, "training_slots", lambda: 1)
    app = open_app(PAGE)
    with jobs.borrowed_slot():  # a visitor's run holds the one slot
        app.button(key="keras_make").click()
        app.run()
    assert not app.exception
    assert "try the Keras file again in a minute" in texts(app.warning)
    assert not [b for b in app.get("download_button") if b.proto.id.endswith("keras_download")]


# --- Your own dataset --------------------------------------------------------------------------


def npz_bytes(labels: bool = True, **arrays) -> bytes:
    rng = np.random.default_rng(0)
    found = {
        "x_train": rng.integers(0, 256, (40, 28, 28), dtype=np.uint8),
        "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
    }
    if labels:
        found |= {"y_train": np.arange(40) % 10, "y_test": np.arange(10) % 10}
    buffer = io.BytesIO()
    np.savez(buffer, **{**found, **arrays})
    return buffer.getvalue()


def choose_own_file(app):
    app.radio(key="train_dataset").set_value(CUSTOM)
    return app.run()


def test_the_form_offers_your_own_file_and_says_it_needs_one(no_process):
    app = choose_own_file(open_app(PAGE))
    assert "My own file (.npz)" in app.radio(key="train_dataset").options
    assert "Give your dataset file (.npz) first" in texts(app.info)
    assert app.button(key="train_start").disabled


def test_a_good_file_is_kept_then_a_bad_one_is_one_sentence_and_nothing_is_lost(no_process):
    app = choose_own_file(open_app(PAGE))
    app.file_uploader(key=DATASET_UPLOAD_KEY).upload("letters.npz", npz_bytes(), "application/zip")
    app.run()
    assert not app.exception and not app.warning
    assert "letters.npz" in texts(app.markdown) and "40 training and 10 test" in texts(app.markdown)
    assert not app.button(key="train_start").disabled

    bad = npz_bytes(x_test=np.zeros((3, 28, 28), np.float32))
    app.file_uploader(key=DATASET_UPLOAD_KEY).upload("bad.npz", bad, "application/zip")
    app.run()
    assert not app.exception
    (warning,) = app.warning
    assert warning.value.startswith("That file was not taken. Not a usable dataset: x_test has")
    assert "/" not in warning.value.split("uint8")[0]  # no path
    assert "letters.npz" in texts(app.markdown)  # the good one is still there
    assert app.session_state[OWN_DATASET_KEY].label == "letters.npz"
    assert not app.button(key="train_start").disabled
    app.run()
    assert not app.warning  # said once


def test_a_run_on_your_own_file_sends_its_bytes_and_its_name(monkeypatch):
    seen = {}

    def start(config, *, train_limit=None, data_bytes=None, data_label=None, **_):
        seen.update(config=config, data_bytes=data_bytes, data_label=data_label)
        raise jobs.ServerBusyError("busy (a test)")

    monkeypatch.setattr(jobs.TrainingJob, "start", staticmethod(start))
    app = choose_own_file(open_app(PAGE))
    data = npz_bytes(labels=False)
    app.file_uploader(key=DATASET_UPLOAD_KEY).upload("mine.npz", data, "application/zip")
    app.run()
    assert "without labels" in texts(app.markdown)
    app.button(key="train_start").click()
    app.run()
    assert seen["config"].dataset == CUSTOM
    assert seen["data_bytes"] == data and seen["data_label"] == "mine.npz"


def custom_model() -> Autoencoder:
    config = Config(hidden_units=(8,), latent_dim=3, dataset=CUSTOM)
    model = random_model(config)
    record = {
        "dataset": {
            "name": CUSTOM, "sha256": "0" * 64, "train_images": 40, "test_images": 10,
            "label": "letters.npz",
        },
        "metrics": {"val_bce": 0.3, "mse": 0.05, "psnr": 13.0},
    }  # fmt: skip
    return Autoencoder(config=model.config, weights=model.weights, record=record)


def test_every_page_says_so_for_a_model_of_your_own_images():
    pages = ["views/draw.py", "views/samples.py", "views/latent.py", "views/denoise.py",
             "views/generate.py", "views/compare.py", "views/detect.py", "views/train.py",
             "views/handwriting.py"]  # fmt: skip
    digit = np.zeros((28, 28), np.float32)
    digit[5:23, 12:16] = 1.0
    app = open_app(pages[0], own_model=custom_model(), drawing=digit)
    for page in pages:
        app.switch_page(page).run()
        assert not app.exception, (page, [error.value for error in app.exception])
    for page in ("views/samples.py", "views/latent.py"):
        app.switch_page(page).run()
        assert "Your model learnt your own images" in texts(app.info), page
    app.switch_page(PAGE).run()
    assert "Your model learnt letters.npz, which this session no longer holds" in texts(app.info)
