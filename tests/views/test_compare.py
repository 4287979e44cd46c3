"""The Compare view's wiring: the models picked, the inputs, the grid, the table, the chart."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import metrics, zoo
from autoencoder.config import Config
from autoencoder.data import load_dataset
from autoencoder.network import Autoencoder
from tests.conftest import random_model
from tests.views.conftest import open_app, open_bad_link, open_link
from tests.views.test_denoise import live_data
from views import session

PAGE = "views/compare.py"
OWN = "your model"
BUILT = [entry["name"] for entry in zoo.read_manifest()]
# dense-32 is offered even before the zoo is built: it is the shipped model.
NAMES = [zoo.DEFAULT_NAME, *(name for name in BUILT if name != zoo.DEFAULT_NAME)]


DEFAULT = [name for name in ("dense-32", "conv-32", "pca-32") if name in NAMES]  # when built


def models_table(app) -> list[str]:
    return list(app.dataframe[0].value["model"])


def chart_spec(app) -> str:
    charts = app.get("vega_lite_chart")
    assert len(charts) == 1
    return charts[0].proto.spec + "".join(str(data) for data in charts[0].proto.datasets)


def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    test = load_dataset("mnist", include_train=False).test
    return metrics.unit_floats(test.pixels), test.labels


def test_default_render_shows_the_grid_the_table_and_the_chart():
    app = open_app(PAGE)
    assert app.title[0].value == "Compare"
    chosen = app.multiselect(key="compare_models").value
    assert chosen[0] == zoo.DEFAULT_NAME and len(chosen) >= min(2, len(NAMES))
    assert set(chosen) <= {zoo.DEFAULT_NAME, "conv-32", "pca-32", *NAMES}
    if len(chosen) < 2:
        pytest.skip("only dense-32 exists: build the zoo to compare models")
    assert len(app.image) == 1  # the one grid: originals and every model's row
    assert app.caption[0].value.startswith("MNIST digits test images ")
    assert models_table(app) == chosen
    assert list(app.dataframe[1].value["model"]) == chosen  # the test figures
    assert "quantitative" in chart_spec(app)


@pytest.mark.skipif(len(NAMES) < 3, reason="needs three models in the zoo")
def test_changing_the_models_changes_the_grid_and_the_tables():
    app = open_app(PAGE)
    grid = app.image[0].value
    others = [name for name in NAMES if name not in app.multiselect(key="compare_models").value]
    app.multiselect(key="compare_models").set_value([zoo.DEFAULT_NAME, others[0]]).run()
    assert not app.exception
    assert models_table(app) == [zoo.DEFAULT_NAME, others[0]]
    assert list(app.dataframe[1].value["model"]) == [zoo.DEFAULT_NAME, others[0]]
    assert app.image[0].value != grid


def test_fewer_than_two_models_asks_for_more_and_keeps_the_chart():
    app = open_app(PAGE)
    app.multiselect(key="compare_models").set_value([zoo.DEFAULT_NAME]).run()
    assert not app.exception
    assert "at least two" in app.info[0].value
    assert not app.image and not app.dataframe
    assert app.get("vega_lite_chart")


def test_the_drawing_goes_through_every_model_and_onto_the_chart():
    images, _ = mnist_test()
    app = open_app(PAGE, drawing=images[0].reshape(28, 28))
    assert app.segmented_control(key="compare_source").value == "My drawing"
    assert app.caption[0].value == "Your drawing from the Draw page"
    assert len(app.image) == 1
    assert "diamond" in chart_spec(app)  # the drawing's PSNR under each model
    app.segmented_control(key="compare_source").set_value("At random").run()
    assert app.caption[0].value.startswith("MNIST digits test images ")


def test_without_a_drawing_my_drawing_says_where_to_make_one():
    app = open_app(PAGE)
    app.segmented_control(key="compare_source").set_value("My drawing").run()
    assert not app.exception
    assert "Draw" in app.info[0].value
    assert "diamond" not in chart_spec(app)


def test_worst_of_the_first_model_are_its_worst_test_images():
    app = open_app(PAGE)
    app.segmented_control(key="compare_source").set_value("Worst of the first model").run()
    app.slider(key="compare_count").set_value(3).run()
    assert not app.exception
    images, _ = mnist_test()
    from autoencoder import load_model

    bce, _ = metrics.score(images, load_model().reconstruct)  # dense-32: the shipped model
    worst = np.argsort(bce, kind="stable")[::-1][:3]
    assert app.caption[0].value == f"MNIST digits test images {', '.join(map(str, worst))}"


def test_by_class_and_by_index():
    app = open_app(PAGE)
    app.segmented_control(key="compare_source").set_value("By index").run()
    app.slider(key="compare_count").set_value(4).run()
    app.number_input(key="compare_index").set_value(100).run()
    assert app.caption[0].value == "MNIST digits test images 100, 101, 102, 103"
    app.segmented_control(key="compare_source").set_value("By class").run()
    app.selectbox(key="compare_class").set_value(7).run()
    first = app.caption[0].value
    indices = [int(index) for index in first.split("images ")[1].split(", ")]
    _, labels = mnist_test()
    assert set(labels[indices]) == {7}
    app.button[0].click().run()  # "New random set"
    assert app.caption[0].value != first


@pytest.mark.skipif("pca-32" not in NAMES, reason="needs pca-32 in the zoo")
def test_a_link_opens_its_view():
    params = {"models": "pca-32,dense-32", "inputs": "by-index", "index": "42", "count": "3"}
    app = open_link(PAGE, params)
    assert app.multiselect(key="compare_models").value == ["pca-32", "dense-32"]
    assert app.segmented_control(key="compare_source").value == "By index"
    assert app.number_input(key="compare_index").value == 42
    assert app.slider(key="compare_count").value == 3
    assert app.caption[0].value == "MNIST digits test images 42, 43, 44"
    assert models_table(app) == ["pca-32", "dense-32"]

    app = open_link(PAGE, {"inputs": "by-class", "class": "7", "count": "4"})
    assert app.selectbox(key="compare_class").value == 7
    indices = [int(index) for index in app.caption[0].value.split("images ")[1].split(", ")]
    assert len(indices) == 4
    assert set(mnist_test()[1][indices]) == {7}


@pytest.mark.skipif("pca-32" not in NAMES, reason="needs pca-32 in the zoo")
def test_the_url_follows_the_choices():
    app = open_app(PAGE)
    assert app.query_params == {}
    app.multiselect(key="compare_models").set_value(["dense-32", "pca-32"]).run()
    assert app.query_params == {"models": "dense-32,pca-32"}
    app.segmented_control(key="compare_source").set_value("By index").run()
    app.number_input(key="compare_index").set_value(42).run()
    assert app.query_params == {"models": "dense-32,pca-32", "inputs": "by-index", "index": "42"}
    app.multiselect(key="compare_models").set_value(["dense-32"]).run()
    assert app.query_params == {"models": "dense-32"}  # the inputs are not shown


@pytest.mark.skipif(len(DEFAULT) < 2, reason="needs dense-32, conv-32 or pca-32 in the zoo")
@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad", "key", "default"),
    [
        ({"models": "dense-32,nope"}, "models", "compare_models", DEFAULT),
        ({"models": "dense-32,dense-32"}, "models", "compare_models", DEFAULT),
        ({"models": ",".join(NAMES[:5])}, "models", "compare_models", DEFAULT),  # 4 at most
        ({"models": "your-model,dense-32"}, "models", "compare_models", DEFAULT),  # not yours
        ({"inputs": "sideways"}, "inputs", "compare_source", "At random"),
        ({"count": "0"}, "count", "compare_count", 6),
        ({"inputs": "by-index", "index": "nan"}, "index", "compare_index", 0),
        ({"inputs": "by-index", "index": "10000"}, "index", "compare_index", 0),
        ({"inputs": "by-class", "class": "11"}, "class", "compare_class", 0),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad, key, default):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state[key] == default
    assert app.caption[0].value.startswith("MNIST digits test images ")


def small_models() -> list[Autoencoder]:
    """One random model of every kind, with a 2-number code where it has one."""
    return [
        random_model(Config.for_family("conv", latent_dim=2, filters=(4, 8))),
        random_model(
            Config(hidden_units=(16,), latent_dim=2, code_activation="linear", variational=True)
        ),
        random_model(Config.for_family("pca", latent_dim=2)),
        random_model(Config(hidden_units=(16,), latent_dim=3, dataset="fashion_mnist")),
    ]


@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
@pytest.mark.parametrize("own", small_models(), ids=["conv-2", "vae-2", "pca-2", "fashion"])
def test_your_own_model_of_any_kind_is_compared(own):
    app = open_app(PAGE, own_model=own)
    chosen = app.multiselect(key="compare_models").value
    assert chosen[-1] == OWN
    assert not app.exception
    assert models_table(app)[-1] == OWN
    figures = app.dataframe[1].value
    assert figures["code size"].iloc[-1] == own.latent_dim
    assert figures["kind"].iloc[-1] == own.config.kind


@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
def test_every_zoo_model_renders():
    app = open_app(PAGE)
    for start in range(0, len(NAMES), 3):
        group = [zoo.DEFAULT_NAME, *NAMES[start : start + 3]]
        group = list(dict.fromkeys(group))[:4]
        if len(group) < 2:
            continue
        app.multiselect(key="compare_models").set_value(group).run()
        assert not app.exception, group
        assert not app.warning, app.warning[0].value
        assert models_table(app) == group


def test_without_the_data_says_how_to_get_it_once(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app(PAGE)
    said = [info.value for info in app.info if "AUTOENCODER_DATA_DIR" in info.value]
    assert len(said) == 1
    assert not app.image
    assert app.get("vega_lite_chart")  # the figures come from the manifest, not the data


@pytest.fixture
def full_zoo(monkeypatch) -> dict[str, Autoencoder]:
    """Every model the zoo declares, built or not: random weights, made-up figures."""
    from views import models

    zoo_models = {item.name: random_model(item.config) for item in zoo.ZOO}
    manifest = {
        name: {
            **zoo.manifest_entry(zoo.entry(name), model, {}),
            "metrics": {"val_bce": 0.1, "mse": 0.01, "psnr": 12 + np.log2(model.latent_dim)},
            "training_seconds": 1.0,
        }
        for name, model in zoo_models.items()
    }
    monkeypatch.setattr(models, "manifest", lambda: manifest)
    monkeypatch.setattr(models, "zoo_model", zoo_models.__getitem__)
    return zoo_models


@pytest.mark.slow  # a sweep over every model: minutes on a loaded machine
def test_every_kind_the_zoo_declares_renders(full_zoo):
    images, _ = mnist_test()
    app = open_app(PAGE, drawing=images[0].reshape(28, 28))
    assert app.multiselect(key="compare_models").value == ["dense-32", "conv-32", "pca-32"]
    names = list(full_zoo)
    for start in range(0, len(names), 4):
        app.multiselect(key="compare_models").set_value(names[start : start + 4]).run()
        assert not app.exception, names[start : start + 4]
        assert not app.warning
    app.multiselect(key="compare_models").set_value(["dense-32", "conv-32"]).run()  # digits
    spec = chart_spec(app)
    for series in ("dense", "conv", "vae", "pca", "deep", "denoise"):
        assert f'"{series}"' in spec, series
    app.multiselect(key="compare_models").set_value(["fashion-conv-32", "dense-32"]).run()
    assert not app.exception
    app.segmented_control(key="compare_source").set_value("At random").run()
    assert app.caption[0].value.startswith("Fashion-MNIST clothes test images ")
    assert "Not trained on Fashion-MNIST clothes: dense-32" in app.caption[1].value


def test_the_chart_marks_the_2006_deep_autoencoder_and_leaves_out_the_binarised_vae():
    app = open_app(PAGE)
    spec = chart_spec(app)
    assert "deep autoencoder, 2006" in spec and '"cross"' in spec
    assert "vae-bin-50" not in spec  # its PSNR is on black-and-white images
    assert any("The black cross is the deep autoencoder, 2006" in c.value for c in app.caption)


def live(app):
    """The page once this browser has reported that the live component runs."""
    app.session_state[session.LIVE_HELD_KEY] = ["some-model"]
    return app.run()


def test_live_my_drawing_is_a_pad_here_whose_models_the_browser_runs():
    images, _ = mnist_test()
    app = live(open_app(PAGE, drawing=images[0].reshape(28, 28)))
    assert not app.exception
    assert not app.image  # the live view shows the drawing and its reconstructions
    data = live_data(app)
    assert data["view"] == "compare" and data["models"] == list(app.multiselect[0].value)
    assert len(data["payloads"]) == len(data["models"]) >= 2  # every compared model's weights
    np.testing.assert_allclose(data["start"], images[0].ravel(), atol=1e-6)  # until a stroke
    assert len(app.dataframe) == 2  # its figures (from the server at a stroke's end), the tests'
    assert "diamond" in chart_spec(app)
    app.segmented_control(key="compare_source").set_value("At random").run()
    assert len(app.image) == 1 and not app.get("bidi_component")  # the server's grid again


def test_live_without_a_drawing_the_pad_is_offered_here_with_nothing_to_go_to():
    app = live(open_app(PAGE))
    app.segmented_control(key="compare_source").set_value("My drawing").run()
    assert not app.exception
    assert not app.info  # no "draw on the Draw page first": draw here
    assert live_data(app)["start"] is None
    assert len(app.dataframe) == 1 and not app.image  # the test figures only
