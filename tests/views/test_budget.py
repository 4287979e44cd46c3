"""Visitors' own models share one budget: past it, one sentence and nothing else changes."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import views
from autoencoder.artifact import model_to_zip
from autoencoder.budget import FULL_MESSAGE
from autoencoder.config import Config
from tests.conftest import random_model
from tests.views.conftest import open_app
from views import caching, session

PAGE = "views/train.py"


@pytest.fixture
def budget_of(monkeypatch):
    """Set the server-wide budget to ``megabytes`` for the next app that starts."""

    def set_budget(megabytes: float) -> None:
        monkeypatch.setenv(session.VISITOR_MODELS_ENV, str(megabytes))
        session._holdings.clear()

    yield set_budget
    session._holdings.clear()


def upload(app, model):
    app.file_uploader(key=session.MODEL_UPLOAD_KEY).upload(
        "mine.zip", model_to_zip(model), "application/zip"
    )
    return app.run()


def test_an_upload_past_the_budget_gets_one_sentence_and_the_visitor_keeps_their_model(
    budget_of,
):
    small = random_model(Config(hidden_units=(8,), latent_dim=2))
    big = random_model(Config(hidden_units=(512,), latent_dim=8))
    results = session.RESULT_CACHES * int(caching.SESSION_BYTES.removesuffix("MB"))
    budget_of(results + 1)  # room for the small model's weights, not the big one's (3 MB)
    app = upload(open_app(PAGE), small)
    assert "Loaded your model" in app.success[0].value
    app = upload(app, big)
    assert not app.exception
    assert [warning.value for warning in app.warning] == [FULL_MESSAGE]
    assert app.session_state[session.OWN_MODEL_KEY].fingerprint == small.fingerprint
    app.switch_page("views/draw.py").run()  # every page still works, with the small model
    assert not app.exception


def test_a_budget_with_room_takes_the_same_upload(budget_of):
    budget_of(session.VISITOR_MODELS_MB)
    big = random_model(Config(hidden_units=(512,), latent_dim=8))
    app = upload(open_app(PAGE), big)
    assert "Loaded your model" in app.success[0].value


def test_every_computation_cached_by_model_is_counted_in_a_models_charge():
    for module in pkgutil.iter_modules(views.__path__):
        importlib.import_module(f"views.{module.name}")  # pages run only as __main__
    assert 0 < len(caching.CACHED_BY_MODEL) <= session.RESULT_CACHES, caching.CACHED_BY_MODEL


def test_a_page_function_is_made_cached_once_however_often_its_page_runs():
    def results(model, name):
        return name

    first = caching.by_model(shared_entries=1)(results)
    again = caching.by_model(shared_entries=1)(results)  # what the page's next run does
    assert again is first


@pytest.mark.parametrize("page", ["views/draw.py", "views/latent.py"])
def test_a_model_too_big_for_the_browser_is_drawn_by_the_server_with_a_note(page):
    from autoencoder import export

    big = random_model(Config(hidden_units=(1024, 512), latent_dim=32))  # 2.7 M weights
    assert export.payload_bytes(big) > export.MAX_PAYLOAD_BYTES
    digit = np.zeros((28, 28), np.float32)
    digit[6:22, 13:15] = 1.0  # a one
    app = open_app(page, own_model=big, drawing=digit)
    assert not app.exception
    notes = [caption.value for caption in app.caption]
    assert any("runs on the server only" in note and "too big" in note for note in notes)
    if page == "views/latent.py":  # (Draw falls back to the server's canvas, empty here)
        assert app.get("image"), "the server's pictures stand in for the live ones"


def test_a_dataset_file_is_charged_like_a_model_and_past_the_budget_the_kept_one_stays(
    budget_of,
):
    from tests.views.test_train import choose_own_file, npz_bytes

    small, big = npz_bytes(), npz_bytes(labels=False, x_train=np.zeros((1000, 28, 28), np.uint8))
    budget_of(0.3)  # room for the small file (about 40 KB), not the big one (800 KB)
    app = choose_own_file(open_app(PAGE))
    app.file_uploader(key=session.DATASET_UPLOAD_KEY).upload("small.npz", small, "application/zip")
    app.run()
    assert app.session_state[session.OWN_DATASET_KEY].label == "small.npz"
    app.file_uploader(key=session.DATASET_UPLOAD_KEY).upload("big.npz", big, "application/zip")
    app.run()
    assert not app.exception
    assert [warning.value for warning in app.warning] == [
        f"That file was not taken. {FULL_MESSAGE}"
    ]
    assert app.session_state[session.OWN_DATASET_KEY].label == "small.npz"
