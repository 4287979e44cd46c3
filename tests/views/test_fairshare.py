"""A visitor's own model takes its turn and covers a sample when the whole test set is too long."""

from __future__ import annotations

import pytest

from autoencoder.config import Config
from autoencoder.fairshare import MIN_IMAGES
from tests.conftest import random_model
from tests.views.conftest import open_app
from views import computations

PAGE = "views/samples.py"


@pytest.fixture
def slow_machine():
    """The lane believes this machine does a million multiply-adds a second."""
    computations._lane.clear()
    computations._lane().rate = 1e6
    yield
    computations._lane.clear()


def captions(app) -> str:
    return " ".join(element.value for element in [*app.markdown, *app.caption])


def test_an_own_model_too_slow_for_the_whole_test_set_covers_a_stated_sample(slow_machine):
    own = random_model(Config(hidden_units=(16,), latent_dim=4))
    app = open_app(PAGE, own_model=own)
    assert not app.exception
    assert f"{MIN_IMAGES} of the 10,000 test images (evenly spaced)" in captions(app)


def test_the_apps_own_models_always_cover_the_whole_test_set(slow_machine):
    app = open_app(PAGE)
    assert not app.exception
    assert "all 10,000 test images" in captions(app)
