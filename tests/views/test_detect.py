"""The "Is it a digit?" view's wiring: model, threshold, rates, charts, the drawing's verdict."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import detection, metrics, zoo
from autoencoder.config import Config
from autoencoder.data import load_dataset
from tests.conftest import random_model
from tests.views.conftest import open_app, open_bad_link, open_link

PAGE = "views/detect.py"
MNIST_MODELS = [entry["name"] for entry in zoo.read_manifest() if entry["dataset"] == "mnist"]


@pytest.fixture(autouse=True)
def fashion_mnist(mnist_path):
    """The "out" images: Fashion-MNIST beside MNIST in the data folder."""
    path = mnist_path.parent / "fashion_mnist.npz"
    if not path.is_file():
        pytest.skip(f"no Fashion-MNIST at {path}")
    return path


def rates(app) -> tuple[str, str, str]:
    """AUC, false-positive rate and detection rate, as shown."""
    auc, false_positives, detected = (metric.value for metric in app.metric)
    return auc, false_positives, detected


def chart_data(app) -> list[str]:
    """Each chart's spec and data, as text."""
    charts = app.get("vega_lite_chart")
    return [chart.proto.spec + "".join(map(str, chart.proto.datasets)) for chart in charts]


def test_default_render_shows_rates_histogram_and_roc():
    app = open_app(PAGE)
    assert app.title[0].value == "Is it a digit?"
    assert app.selectbox(key="detect_model").value == zoo.DEFAULT_NAME
    auc, false_positives, _ = rates(app)
    assert float(auc) > 0.9  # digits against clothes: an easy pair
    assert abs(float(false_positives[:-1]) - 5) < 1  # where the threshold starts
    assert len(chart_data(app)) == 2  # the histogram, the ROC curve
    assert "Fashion-MNIST clothes" in chart_data(app)[0]
    assert "Draw" in app.caption[0].value  # no drawing yet: where to make one


def test_the_threshold_slider_changes_the_rates_and_the_marks():
    app = open_app(PAGE)
    before, charts = rates(app), chart_data(app)
    slider = app.slider(key="detect_threshold")
    slider.set_value(slider.min).run()  # everything flagged
    assert not app.exception
    _, false_positives, detected = rates(app)
    assert (false_positives, detected) == ("100.0%", "100.0%")
    assert chart_data(app) != charts
    slider = app.slider(key="detect_threshold")
    slider.set_value(slider.max).run()  # past every digit's error
    _, false_positives, detected = rates(app)
    assert false_positives == "0.0%"
    assert rates(app) != before


@pytest.mark.parametrize(
    ("dataset", "verdict"), [("mnist", "looks like a digit"), ("fashion_mnist", "not a digit")]
)
def test_a_drawing_gets_a_verdict_and_a_place_on_the_histogram(dataset, verdict):
    test = load_dataset(dataset, include_train=False).test
    index = 0 if dataset == "mnist" else 2  # a 7; a pullover
    drawing = metrics.unit_floats(test.pixels[index]).reshape(28, 28)
    app = open_app(PAGE, drawing=drawing)
    assert not app.exception
    said = (app.success or app.warning)[0].value
    assert verdict in said
    assert "your drawing" in chart_data(app)[0]


def test_changing_the_model_changes_the_figures():
    others = [name for name in MNIST_MODELS if name != zoo.DEFAULT_NAME]
    if not others:
        pytest.skip("no other MNIST model in the zoo")
    app = open_app(PAGE)
    auc, charts = rates(app)[0], chart_data(app)
    app.selectbox(key="detect_model").set_value(others[0]).run()
    assert not app.exception
    assert chart_data(app) != charts
    assert rates(app)[0] != auc or others[0].startswith("dense")


def test_switching_model_and_page_does_not_score_again(monkeypatch):
    others = [name for name in MNIST_MODELS if name != zoo.DEFAULT_NAME]
    if not others:
        pytest.skip("no other MNIST model in the zoo")
    calls = []
    original = detection.scores
    monkeypatch.setattr(
        detection, "scores", lambda model, images: calls.append(1) or original(model, images)
    )
    app = open_app(PAGE)
    assert len(calls) == 2  # the digits, the clothes
    app.selectbox(key="detect_model").set_value(others[0]).run()
    app.selectbox(key="detect_model").set_value(zoo.DEFAULT_NAME).run()
    app.switch_page("views/samples.py").run()
    app.switch_page(PAGE).run()
    app.selectbox(key="detect_model").set_value(others[0]).run()
    assert not app.exception
    assert len(calls) == 4  # once per model


@pytest.mark.skipif("dense-8" not in MNIST_MODELS, reason="needs dense-8 in the zoo")
def test_a_link_opens_its_view():
    app = open_link(PAGE, {"detector": "dense-8", "threshold": "0.1", "scale": "linear"})
    assert app.selectbox(key="detect_model").value == "dense-8"
    assert app.slider(key="detect_threshold").value == 0.1
    assert app.segmented_control(key="detect_scale").value == "Linear"
    chosen = open_app(PAGE)  # the same choices, made by hand
    chosen.selectbox(key="detect_model").set_value("dense-8").run()
    chosen.slider(key="detect_threshold").set_value(0.1).run()
    chosen.segmented_control(key="detect_scale").set_value("Linear").run()
    assert rates(app) == rates(chosen)
    assert chart_data(app) == chart_data(chosen)


@pytest.mark.skipif("dense-8" not in MNIST_MODELS, reason="needs dense-8 in the zoo")
def test_the_url_follows_the_choices_and_another_model_starts_from_its_own_threshold():
    app = open_app(PAGE)
    assert app.query_params == {}
    app.slider(key="detect_threshold").set_value(0.1).run()
    app.segmented_control(key="detect_scale").set_value("Linear").run()
    assert app.query_params == {"threshold": "0.1", "scale": "linear"}
    app.selectbox(key="detect_model").set_value("dense-8").run()
    assert app.query_params == {"detector": "dense-8", "scale": "linear"}
    assert abs(float(rates(app)[1][:-1]) - 5) < 1  # dense-8's start: 5% of digits flagged


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"detector": "fashion-conv-32"}, "detector"),  # not a digit model
        ({"detector": "nope"}, "detector"),
        ({"detector": "your-model"}, "detector"),  # a model of another session
        ({"threshold": "nan"}, "threshold"),
        ({"threshold": "-1"}, "threshold"),
        ({"threshold": "1e9"}, "threshold"),
        ({"scale": "cubic"}, "scale"),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state["detect_model"] == zoo.DEFAULT_NAME
    assert app.session_state["detect_scale"] == "Log"
    assert abs(float(rates(app)[1][:-1]) - 5) < 1  # the default threshold


@pytest.mark.parametrize(
    "config",
    [
        Config.for_family("conv", latent_dim=2, filters=(4, 8)),
        Config(hidden_units=(16,), latent_dim=2, code_activation="linear", variational=True),
        Config.for_family("pca", latent_dim=2),
    ],
    ids=["conv-2", "vae-2", "pca-2"],
)
@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
def test_your_own_model_of_any_kind_can_be_tested(config):
    app = open_app(PAGE, own_model=random_model(config))
    app.selectbox(key="detect_model").set_value("your model").run()
    assert not app.exception
    assert len(chart_data(app)) == 2
    assert 0 <= float(rates(app)[0]) <= 1


def test_a_fashion_model_of_your_own_is_not_offered():
    own = random_model(Config(hidden_units=(16,), latent_dim=3, dataset="fashion_mnist"))
    app = open_app(PAGE, own_model=own)
    assert "your model" not in app.selectbox(key="detect_model").options
    assert any("Fashion-MNIST" in caption.value for caption in app.caption)


@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
def test_every_mnist_zoo_model_renders(monkeypatch):
    # 500 images of each set: the numpy convolutions take half a minute for all 20,000.
    original = detection.scores
    monkeypatch.setattr(detection, "scores", lambda model, images: original(model, images[:500]))
    app = open_app(PAGE)
    for name in MNIST_MODELS:
        app.selectbox(key="detect_model").set_value(name).run()
        assert not app.exception, name
        assert not app.warning, app.warning[0].value
        assert 0.5 < float(rates(app)[0]) <= 1, name


def test_without_fashion_mnist_says_how_to_get_it_once(monkeypatch, tmp_path, mnist_path):
    (tmp_path / "mnist.npz").symlink_to(mnist_path)
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app(PAGE)
    said = [info.value for info in app.info if "AUTOENCODER_DATA_DIR" in info.value]
    assert len(said) == 1 and "fashion_mnist.npz" in said[0]
    assert not app.get("vega_lite_chart")


def test_the_separation_is_what_the_package_computes():
    """The page's AUC is detection.auc of the per-image BCE of both test sets."""
    from autoencoder import load_model

    model = load_model()
    inside = detection.scores(model, load_dataset("mnist", include_train=False).test.pixels)
    outside = detection.scores(
        model, load_dataset("fashion_mnist", include_train=False).test.pixels
    )
    app = open_app(PAGE)
    assert rates(app)[0] == f"{detection.auc(inside, outside):.4f}"
    assert np.isclose(
        inside.mean(), model.record["metrics"]["val_bce"], rtol=1e-4
    )  # the same BCE training reports


@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
def test_every_mnist_kind_the_zoo_declares_renders(monkeypatch):
    """Built or not: each declared model, with random weights, on 300 images of each set."""
    from views import models

    zoo_models = {item.name: random_model(item.config) for item in zoo.ZOO}
    manifest = {
        name: zoo.manifest_entry(zoo.entry(name), model, {}) for name, model in zoo_models.items()
    }
    monkeypatch.setattr(models, "manifest", lambda: manifest)
    monkeypatch.setattr(models, "zoo_model", zoo_models.__getitem__)
    original = detection.scores
    monkeypatch.setattr(detection, "scores", lambda model, images: original(model, images[:300]))
    app = open_app(PAGE)
    offered = app.selectbox(key="detect_model").options
    assert "fashion-conv-32 · conv, code 32" not in offered
    for name, model in zoo_models.items():
        if model.config.dataset != "mnist":  # not offered: fashion-conv-32, fashion-pca-8
            continue
        app.selectbox(key="detect_model").set_value(name).run()
        assert not app.exception, name
        assert len(chart_data(app)) == 2, name
