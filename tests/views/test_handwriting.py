"""The handwriting page: prompts, errors, corrections, and the fine-tune's before and after."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from autoencoder import handwriting, jobs
from autoencoder.config import Config
from tests.conftest import random_model
from tests.views.conftest import open_app
from views.session import HANDWRITING_KEY, JOB_KEY, TEACHING_KEY, Teaching, Written

PAGE = "views/handwriting.py"


def texts(elements) -> str:
    return " ".join(str(element.value) for element in elements)


def digits(labels) -> tuple[Written, ...]:
    """A bar per label, placed by the label; each one's ink its own grey, so none are alike."""
    written = []
    for n, label in enumerate(labels):
        image = np.zeros((28, 28), np.float32)
        image[4:24, 4 + 2 * label : 8 + 2 * label] = 0.4 + 0.012 * n
        written.append(Written(digit=label, image=image))
    return tuple(written)


def with_digits(labels, **kwargs):
    app = open_app(PAGE, **kwargs)
    app.session_state[HANDWRITING_KEY] = digits(labels)
    return app.run()


TWO_OF_EACH = [*range(10), *range(10)]


def test_an_empty_page_asks_for_a_0_and_says_what_teaching_needs():
    app = open_app(PAGE)
    assert not app.exception
    assert "Draw a 0" in texts(app.subheader)
    assert app.button(key="handwriting_keep").disabled  # nothing drawn yet
    assert app.button(key="handwriting_teach").disabled
    assert "still 2 more 0, 2 more 1" in texts(app.info)


def test_the_prompts_go_round_the_digits_and_stop_at_fifty():
    app = with_digits([*range(10), *range(9)])
    assert "Draw a 9" in texts(app.subheader)
    assert "still 1 more 9." in texts(app.info)
    full = with_digits([n % 10 for n in range(50)])
    assert "That is 50 digits" in texts(full.success)
    assert not full.exception


def test_each_digit_is_rebuilt_beside_the_test_sets_typical_error_and_the_worst_named():
    app = with_digits(TWO_OF_EACH)
    assert not app.exception
    assert "Your 20 digits, rebuilt" in texts(app.subheader)
    assert "The MNIST test digits' typical error is 0.0" in texts(app.caption)
    assert "Your worst is **#" in texts(app.markdown)
    assert "times the typical test digit's" in texts(app.markdown)
    alts = [image.proto.imgs[0].alt for image in app.get("image")]
    assert any(alt.startswith("Your worst: your ") for alt in alts)
    assert any("#20 a 9 (" in alt for alt in alts)
    assert not app.button(key="handwriting_teach").disabled


def test_a_digit_is_deleted_or_written_again():
    app = with_digits(TWO_OF_EACH)
    app.selectbox(key="handwriting_pick").set_value(2).run()
    app.button(key="handwriting_delete").click().run()
    assert [item.digit for item in app.session_state[HANDWRITING_KEY]] == (
        TWO_OF_EACH[:2] + TWO_OF_EACH[3:]
    )
    assert "Draw a 2" in texts(app.subheader)  # the one now short
    app.selectbox(key="handwriting_pick").set_value(4).run()
    app.button(key="handwriting_redo").click().run()
    assert "Draw a 5 again (#5)" in texts(app.subheader)
    assert len(app.session_state[HANDWRITING_KEY]) == 19  # nothing lost until it is redrawn


def test_teaching_trains_on_all_but_the_last_of_each_digit(monkeypatch):
    seen = {}

    def finetune(model, data, **_):
        seen["model"], seen["data"] = model, data
        raise jobs.ServerBusyError("busy (a test)")

    monkeypatch.setattr(jobs.TrainingJob, "finetune", staticmethod(finetune))
    app = with_digits([*TWO_OF_EACH, 3])
    app.button(key="handwriting_teach").click().run()
    assert "busy (a test)" in texts(app.warning)
    with np.load(io.BytesIO(seen["data"])) as arrays:
        x, y = arrays["x"], arrays["y"]
    # 21 written; held out: the last of each digit (the second 3 of three is not the last).
    assert list(y) == [*range(10), 3]
    written = app.session_state[HANDWRITING_KEY]
    held = handwriting.held_out([item.digit for item in written])
    held_images = [np.round(written[i].image * 255) for i in held]
    assert len(x) == 11 and not any((x == held).all(axis=(1, 2)).any() for held in held_images)
    assert TEACHING_KEY not in app.session_state


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (Config.for_family("pca", latent_dim=4), "A PCA model is computed, not trained"),
        (Config(hidden_units=(8,), latent_dim=4, dataset="fashion_mnist"), "other than MNIST"),
    ],
    ids=["pca", "fashion"],
)
def test_a_model_that_cannot_learn_digits_says_so(config, says):
    app = open_app(PAGE, own_model=random_model(config))
    app.session_state[HANDWRITING_KEY] = digits(TWO_OF_EACH)
    app.run()
    assert not app.exception
    assert says in texts(app.info)


def test_before_and_after_on_the_held_out_digits_and_the_mnist_test_set():
    before, after = random_model(seed=1), random_model(seed=2)
    written = digits(TWO_OF_EACH)
    app = open_app(PAGE, own_model=after)
    app.session_state[HANDWRITING_KEY] = written
    app.session_state[TEACHING_KEY] = Teaching(
        job=None, before=before, written=written, held=tuple(range(10, 20)), after=after
    )
    app.run()
    assert not app.exception
    table = texts(app.markdown)
    assert "| your 10 held-out digits |" in table and "| the MNIST test digits |" in table
    assert "became your model on every page" in texts(app.caption)
    kept = app.session_state[TEACHING_KEY]
    assert kept.before is None and kept.after is None  # the comparison, not the models, stays
    assert kept.figures.own_before == pytest.approx(
        handwriting.mse_per_digit(before.reconstruct, kept.figures.images).mean()
    )
    app.run()  # and shown again from the comparison alone
    assert "| your 10 held-out digits |" in texts(app.markdown)


def test_a_run_from_the_train_page_is_not_taken_for_a_fine_tune():
    app = with_digits(TWO_OF_EACH)

    class Running:
        running = True

        def keep_alive(self) -> None:
            pass

        def progress(self) -> jobs.Progress:
            return jobs.Progress(0.5, "Epoch 2 of 4")

    app.session_state[JOB_KEY] = Running()
    app.run()
    assert "A model is training for you on the Train page" in texts(app.info)
    assert app.button(key="handwriting_teach").disabled


@pytest.mark.slow  # a real fine-tune in the training child
def test_teaching_the_default_model_lowers_its_error_on_the_held_out_digits():
    from benchmarks.finetune import hand

    images, labels = hand(per_digit=3)
    app = open_app(PAGE)
    app.session_state[HANDWRITING_KEY] = tuple(
        Written(digit=label, image=image) for label, image in zip(labels, images, strict=True)
    )
    app.run()
    app.button(key="handwriting_teach").click().run()
    deadline = time.monotonic() + 300
    while JOB_KEY in app.session_state and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception
    figures = app.session_state[TEACHING_KEY].figures
    assert app.session_state["own_model"].record["dataset"]["name"] == "mnist"
    assert figures.own_after < figures.own_before
    assert abs(figures.mnist_after - figures.mnist_before) < 0.1 * figures.mnist_before
    assert "Before and after, on the digits it did not see" in texts(app.subheader)


@pytest.mark.parametrize("name", ["code-of-1", "all-dead", "vae", "dense-bounds"])
def test_edge_models_rebuild_the_digits_without_an_exception(name):
    from tests.views.test_edge_models import EDGE_MODELS

    app = open_app(PAGE, own_model=EDGE_MODELS[name]())
    app.session_state[HANDWRITING_KEY] = digits(TWO_OF_EACH)
    app.run()
    assert not app.exception, [error.value for error in app.exception]
    assert "Your worst is" in texts(app.markdown)
