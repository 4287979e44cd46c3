"""The "Is it a digit?" view's wiring, both ways: model, score, threshold, rates, charts and
their words, the AUC table, the drawing's verdict."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import detection, detection_summary, detectors, metrics, zoo
from autoencoder.config import Config
from autoencoder.data import load_dataset
from tests.conftest import random_model
from tests.views.conftest import open_app, open_bad_link, open_link
from tests.views.test_denoise import live_data
from views import live as views_live
from views import session

PAGE = "views/detect.py"
BUILT = [entry["name"] for entry in zoo.read_manifest()]
needs_both = pytest.mark.skipif(
    not {"conv-32", "fashion-conv-32", "pca-8"} <= set(BUILT),
    reason="needs conv-32, fashion-conv-32 and pca-8 in the zoo",
)


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


def said(app) -> str:
    """Every paragraph of the page's text, as one string."""
    return "\n".join(text.value for text in app.markdown)


def shipped_auc(name: str, score: str) -> str:
    item = detection_summary.read(name)
    assert item is not None, f"{name} is not in assets/zoo/detection.json"
    return f"{item.scores[score].auc:.4f}"


def a_test_image(dataset: str) -> np.ndarray:
    test = load_dataset(dataset, include_train=False).test
    index = 0 if dataset == "mnist" else 2  # a 7; a pullover
    return metrics.unit_floats(test.pixels[index]).reshape(28, 28)


def test_default_render_shows_the_shipped_rates_histogram_roc_and_their_words():
    app = open_app(PAGE)
    assert app.title[0].value == "Is it a digit?"
    assert app.selectbox(key="detect_model").value == zoo.DEFAULT_NAME
    assert app.segmented_control(key="detect_score").value == "error"
    auc, false_positives, _ = rates(app)
    assert auc == shipped_auc(zoo.DEFAULT_NAME, "error")
    assert abs(float(false_positives[:-1]) - 5) < 1  # where the threshold starts
    assert len(chart_data(app)) == 2  # the histogram, the ROC curve
    assert "Fashion-MNIST clothes" in chart_data(app)[0]
    text = said(app)
    assert "Digits' scores mostly lie between" in text and "catches" in text
    assert "The ROC curve traces every threshold" in text
    assert "Draw something on the **Draw** page, a digit or not" in text


def test_shipped_figures_score_no_test_image(monkeypatch):
    calls = []
    original = detectors.error_bits
    monkeypatch.setattr(
        detectors,
        "error_bits",
        lambda model, images: calls.append(len(images)) or original(model, images),
    )
    app = open_app(PAGE)
    for score in ("ratio", "complexity"):
        app.segmented_control(key="detect_score").set_value(score).run()
    assert not app.exception
    assert calls == []  # read from assets/zoo/detection.json


def test_the_threshold_slider_changes_the_rates_the_marks_and_the_words():
    app = open_app(PAGE)
    before, charts, words = rates(app), chart_data(app), said(app)
    slider = app.slider(key="detect_threshold")
    slider.set_value(slider.min).run()  # everything flagged
    assert not app.exception
    _, false_positives, detected = rates(app)
    assert (false_positives, detected) == ("100.0%", "100.0%")
    assert chart_data(app) != charts
    assert "flags 100% of digits and catches 100% of clothes" in said(app) != words
    slider = app.slider(key="detect_threshold")
    slider.set_value(slider.max).run()  # past every digit's score
    _, false_positives, detected = rates(app)
    assert false_positives == "0.0%"
    assert rates(app) != before


@pytest.mark.parametrize(
    ("dataset", "verdict"), [("mnist", "looks like a digit"), ("fashion_mnist", "not a digit")]
)
def test_a_drawing_gets_a_verdict_and_a_place_on_the_histogram(dataset, verdict):
    app = open_app(PAGE, drawing=a_test_image(dataset))
    assert not app.exception
    assert verdict in (app.success or app.warning)[0].value
    assert "your drawing" in chart_data(app)[0]
    assert "Your drawing scores" in said(app)


@needs_both
def test_a_clothes_model_speaks_of_clothes_and_says_which_score_fails():
    app = open_link(PAGE, {"detector": "fashion-conv-32"})
    assert app.title[0].value == "Is it a digit?"
    text = said(app)
    assert "**Is it a piece of clothing?**" in text
    assert "*not a piece of clothing*" in text
    labels = [metric.label for metric in app.metric]
    assert labels[1] == "Clothes called not a piece of clothing (false positives)"
    assert labels[2] == "Digits caught (detection rate)"
    assert rates(app)[0] == shipped_auc("fashion-conv-32", "error")  # 0.136: the failure
    assert "**Reconstruction error fails here.**" in text
    assert detectors.WHY["error"] in text
    assert "out: MNIST digits" in chart_data(app)[0] and "digits caught" in chart_data(app)[1]


@needs_both
def test_the_score_selector_shows_each_scores_own_figures_and_stays_in_the_url():
    app = open_link(PAGE, {"detector": "fashion-conv-32"})
    seen = {}
    for score in detectors.SCORES:
        app.segmented_control(key="detect_score").set_value(score).run()
        assert not app.exception, score
        assert rates(app)[0] == shipped_auc("fashion-conv-32", score), score
        assert abs(float(rates(app)[1][:-1]) - 5) < 1, score  # each starts from its own 5%
        seen[score] = chart_data(app)
        expected = {"detector": "fashion-conv-32"} | ({} if score == "error" else {"score": score})
        assert app.query_params == expected
    assert len({str(charts) for charts in seen.values()}) == 3
    assert "**Complexity-corrected works here.**" in said(app)


@needs_both
def test_the_auc_table_gives_both_directions_of_a_family():
    app = open_link(PAGE, {"detector": "conv-32"})
    table = app.table[0].value
    assert list(table.index) == ["conv-32", "fashion-conv-32"]
    assert list(table["in → out"]) == ["digits → clothes", "clothes → digits"]
    for name in table.index:
        for score, column in (("error", "Reconstruction error"), ("ratio", "Likelihood ratio")):
            auc = detection_summary.read(name).scores[score].auc
            assert table.loc[name, column] == f"{auc:.3f}"
    text = said(app)
    assert "**conv-32, digits → clothes:** Complexity-corrected fails" in text
    assert "**fashion-conv-32, clothes → digits:** Reconstruction error fails" in text


@needs_both
@pytest.mark.parametrize(
    ("score", "verdict"),
    [("error", "looks like a piece of clothing"), ("complexity", "not a piece of clothing")],
)
def test_a_digit_fools_the_clothes_models_error_but_not_the_complexity_score(score, verdict):
    app = open_app(PAGE, drawing=a_test_image("mnist"))
    app.selectbox(key="detect_model").set_value("fashion-conv-32").run()
    app.segmented_control(key="detect_score").set_value(score).run()
    assert not app.exception
    assert verdict in (app.success or app.warning)[0].value


@needs_both
def test_a_link_opens_its_view():
    params = {"detector": "fashion-conv-32", "score": "complexity", "threshold": "-3.5"}
    app = open_link(PAGE, params)
    assert app.selectbox(key="detect_model").value == "fashion-conv-32"
    assert app.segmented_control(key="detect_score").value == "complexity"
    assert app.slider(key="detect_threshold").value == -3.5
    chosen = open_app(PAGE)  # the same choices, made by hand
    chosen.selectbox(key="detect_model").set_value("fashion-conv-32").run()
    chosen.segmented_control(key="detect_score").set_value("complexity").run()
    chosen.slider(key="detect_threshold").set_value(-3.5).run()
    assert rates(app) == rates(chosen)
    assert chart_data(app) == chart_data(chosen)
    assert chosen.query_params == params


@pytest.mark.skipif("dense-8" not in BUILT, reason="needs dense-8 in the zoo")
def test_the_url_follows_the_choices_and_another_model_starts_from_its_own_threshold():
    app = open_app(PAGE)
    assert app.query_params == {}
    app.slider(key="detect_threshold").set_value(0.1).run()
    app.segmented_control(key="detect_scale").set_value("Linear").run()
    assert app.query_params == {"threshold": "0.1", "scale": "linear"}
    app.selectbox(key="detect_model").set_value("dense-8").run()
    assert app.query_params == {"detector": "dense-8", "scale": "linear"}
    assert abs(float(rates(app)[1][:-1]) - 5) < 1  # dense-8's start: 5% of digits flagged
    app.segmented_control(key="detect_score").set_value("ratio").run()
    assert app.query_params == {"detector": "dense-8", "score": "ratio"}  # no log axis there
    with pytest.raises(KeyError):  # the ratio goes below zero: no log axis to choose
        app.segmented_control(key="detect_scale")


@pytest.mark.slow  # every bad value, a page run each; the parsers are tested fast
@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"detector": "nope"}, "detector"),
        ({"detector": "your-model"}, "detector"),  # a model of another session
        ({"score": "likelihood"}, "score"),
        ({"threshold": "nan"}, "threshold"),
        ({"threshold": "-1"}, "threshold"),
        ({"threshold": "1e9"}, "threshold"),
        ({"scale": "cubic"}, "scale"),
    ],
)
def test_a_bad_or_stale_link_falls_back_to_the_default(params, bad):
    app = open_bad_link(PAGE, params, bad)
    assert app.session_state["detect_model"] == zoo.DEFAULT_NAME
    assert app.session_state["detect_score"] == "error"
    assert app.session_state["detect_scale"] == "Log"
    assert abs(float(rates(app)[1][:-1]) - 5) < 1  # the default threshold


def test_your_own_model_is_scored_here_with_every_score():
    own = zoo.load(zoo.DEFAULT_NAME)  # a copy: the visitor's, not the process' own
    app = open_app(PAGE, own_model=own)
    app.selectbox(key="detect_model").set_value("your model").run()
    assert not app.exception
    assert "Scored here, on 10,000 digits and 10,000 clothes" in said(app)
    assert app.segmented_control(key="detect_score").options == [
        "Reconstruction error", "Likelihood ratio", "Complexity-corrected"
    ]  # fmt: skip
    for score in detectors.SCORES:  # the same figures as the shipped file's, computed anew
        app.segmented_control(key="detect_score").set_value(score).run()
        assert abs(float(rates(app)[0]) - float(shipped_auc(zoo.DEFAULT_NAME, score))) < 2e-4
    assert list(app.table[0].value.index) == ["your model (scored here)"]


def test_without_its_background_your_model_has_no_ratio_and_says_why(monkeypatch):
    monkeypatch.setitem(detectors.BACKGROUND, "mnist", "not-built")
    app = open_app(PAGE, own_model=random_model(Config(hidden_units=(16,), latent_dim=2)))
    app.segmented_control(key="detect_score").set_value("ratio").run()  # a zoo model's
    app.selectbox(key="detect_model").set_value("your model").run()
    assert app.segmented_control(key="detect_score").value == "error"  # the ratio is gone
    assert not app.exception
    offered = app.segmented_control(key="detect_score").options
    assert offered == ["Reconstruction error", "Complexity-corrected"]
    assert "needs the background model not-built" in said(app)
    assert app.table[0].value.iloc[0]["Likelihood ratio"] == "n/a"


def test_a_drawings_ratio_without_its_background_says_why(monkeypatch):
    monkeypatch.setitem(detectors.BACKGROUND, "mnist", "not-built")  # the file still has it
    app = open_link(PAGE, {"score": "ratio"})
    assert "Draw something" in said(app)
    app = open_app(PAGE, drawing=a_test_image("mnist"))
    app.segmented_control(key="detect_score").set_value("ratio").run()
    assert not app.exception and not (app.success or app.warning)
    assert "needs the background model not-built" in said(app)
    assert "Draw something" not in said(app)


@pytest.mark.skipif("pca-8" not in BUILT, reason="needs pca-8 in the zoo")
def test_a_model_that_is_its_own_background_gets_no_praise_for_its_ratio():
    app = open_link(PAGE, {"detector": "pca-8", "score": "ratio"})
    assert rates(app)[0] == "0.5000"
    assert "**Likelihood ratio barely beats a coin toss here.**" in said(app)
    assert "pca-8 is its own background" in said(app)


def test_a_zoo_model_the_shipped_file_misses_is_scored_here(monkeypatch):
    monkeypatch.setattr(detection_summary, "read", lambda name, folder=None: None)
    app = open_app(PAGE)
    assert not app.exception
    assert "Scored here, on 10,000 digits and 10,000 clothes" in said(app)
    assert float(rates(app)[0]) > 0.99  # dense-32's error: digits against clothes


def test_a_clothes_model_of_your_own_is_offered_and_speaks_of_clothes():
    own = random_model(Config(hidden_units=(16,), latent_dim=3, dataset="fashion_mnist"))
    app = open_app(PAGE, own_model=own, drawing=a_test_image("mnist"))
    app.selectbox(key="detect_model").set_value("your model").run()
    assert not app.exception
    assert "**Is it a piece of clothing?**" in said(app)
    assert app.metric[2].label == "Digits caught (detection rate)"
    assert "piece of clothing" in (app.success or app.warning)[0].value
    assert 0 <= float(rates(app)[0]) <= 1


def test_a_model_of_your_own_images_is_not_offered():
    own = random_model(Config(hidden_units=(16,), latent_dim=3, dataset="custom"))
    app = open_app(PAGE, own_model=own)
    assert "your model" not in app.selectbox(key="detect_model").options
    assert "Your own model learnt your own images" in said(app)


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


def test_your_model_without_fashion_mnist_says_how_to_get_it_once(
    monkeypatch, tmp_path, mnist_path
):
    (tmp_path / "mnist.npz").symlink_to(mnist_path)
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    app = open_app(PAGE, own_model=random_model())
    assert len(chart_data(app)) == 2  # a zoo model's figures are shipped: no test set needed
    app.selectbox(key="detect_model").set_value("your model").run()
    told = [info.value for info in app.info if "AUTOENCODER_DATA_DIR" in info.value]
    assert len(told) == 1 and "fashion_mnist.npz" in told[0]
    assert not app.get("vega_lite_chart")


@pytest.mark.slow  # a sweep over every model
def test_every_zoo_model_renders_and_every_score_is_drawn():
    """Every model once, each with the next score in turn (one rerun each): every model and
    every score drawn, each model's figures the shipped file's (which covers every pair:
    test_detectors.py)."""
    names = BUILT or [zoo.DEFAULT_NAME]
    drawn = set()
    app = open_app(PAGE, drawing=a_test_image("fashion_mnist"))
    for turn, name in enumerate(names):
        score = detectors.SCORES[turn % len(detectors.SCORES)]
        app.selectbox(key="detect_model").set_value(name)
        app.segmented_control(key="detect_score").set_value(score).run()
        assert not app.exception, (name, score)
        assert not app.warning or "Your drawing" in app.warning[0].value, name
        assert app.segmented_control(key="detect_score").value == score, name
        assert rates(app)[0] == shipped_auc(name, score), (name, score)
        assert len(chart_data(app)) == 2, (name, score)
        drawn.add(score)
    assert drawn == set(detectors.SCORES) or len(names) < len(detectors.SCORES)


def test_the_ratio_is_the_models_error_minus_the_backgrounds():
    """The page's drawn ratio is detectors' on the drawing: error minus pca-8's error."""
    if "pca-8" not in BUILT:
        pytest.skip("needs pca-8 in the zoo")
    drawing = a_test_image("mnist")
    app = open_app(PAGE, drawing=drawing)
    app.segmented_control(key="detect_score").set_value("ratio").run()
    expected = detectors.score_all(
        zoo.load(zoo.DEFAULT_NAME), zoo.load("pca-8"), drawing.reshape(1, -1)
    )["ratio"][0]
    assert f"Your drawing scores {expected:.3f}" in said(app)
    assert detection.flagged(expected, app.slider(key="detect_threshold").value) == bool(
        app.warning
    )


def open_live(params: dict[str, str] | None = None, **kwargs):
    """The page once this browser has reported that the live component runs."""
    app = open_link(PAGE, params) if params else open_app(PAGE, **kwargs)
    app.session_state[session.LIVE_HELD_KEY] = ["script-runs"]
    return app.run()


def test_live_the_browser_draws_the_threshold_the_rates_and_the_marks_once():
    app = open_live()
    assert not app.exception
    assert not app.slider and not app.metric and not app.get("vega_lite_chart")  # not twice
    data = live_data(app)
    assert data["view"] == "detect" and data["payloads"] == [] and data["fingerprints"] == []
    table = data["rates"]
    steps = round((table["high"] - table["low"]) / table["step"]) + 1
    assert len(table["false_positive"]) == len(table["detection"]) == steps
    assert table["false_positive"][0] == 1.0 and table["false_positive"][-1] == 0.0
    at = round((data["threshold"] - table["low"]) / table["step"])
    assert abs(table["false_positive"][at] - 0.05) < 0.01  # where the threshold starts
    assert f"{data['auc']:.4f}" == shipped_auc(zoo.DEFAULT_NAME, "error")
    assert (data["ours"], data["theirs"], data["histogram"]["log"]) == ("digits", "clothes", True)
    assert "Fashion-MNIST clothes" in data["legend"][1]
    text = said(app)  # the rest of the page, in words, at the threshold Python has
    assert "The ROC curve traces every threshold" in text and "catches" in text


def test_live_a_link_s_threshold_and_a_drawing_reach_the_live_view():
    app = open_live({"threshold": "0.2"})
    assert live_data(app)["threshold"] == 0.2
    assert app.query_params == {"threshold": "0.2"}
    drawn = live_data(open_live(drawing=a_test_image("fashion_mnist")))
    assert (
        drawn["drawn"] > drawn["threshold"] and drawn["verdict_out"] == "Your drawing: not a digit."
    )


@pytest.mark.parametrize("sent", [None, "0.2", True, -1.0, 9.0, float("nan")])
def test_live_a_threshold_off_the_slider_from_the_browser_changes_nothing(sent):
    assert views_live.threshold_of(sent, (0.0, 1.0, 0.001)) is None


def test_live_the_browser_s_threshold_is_put_on_the_slider_s_steps():
    assert views_live.threshold_of(0.12345, (0.0, 1.0, 0.001)) == 0.123
