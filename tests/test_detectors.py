"""The three detector scores on hand-made images, and their shipped summaries."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autoencoder import detection, detection_summary, detectors, zoo
from autoencoder.config import INPUT_DIM, Config
from autoencoder.network import Autoencoder
from tests.conftest import random_model, synthetic_digits

BLANK = np.zeros((1, INPUT_DIM), np.uint8)
CHECKERS = (np.indices((28, 28)).sum(axis=0) % 2 * 255).astype(np.uint8).reshape(1, INPUT_DIM)
NOISE = np.random.default_rng(0).integers(0, 2, (1, INPUT_DIM), dtype=np.uint8) * 255


def constant(grey: np.ndarray | float) -> Autoencoder:
    """A model that rebuilds every image as ``grey`` (a PCA whose directions are zero)."""
    config = Config.for_family("pca", latent_dim=1)
    mean = np.broadcast_to(np.asarray(grey, np.float32), (INPUT_DIM,)).copy()
    weights = {"pca.mean": mean, "pca.components": np.zeros((1, INPUT_DIM), np.float32)}
    return Autoencoder(config=config, weights=weights)


def test_a_coin_flip_model_costs_one_bit_per_pixel_of_a_black_and_white_image():
    images = np.concatenate([BLANK, CHECKERS, NOISE])
    np.testing.assert_allclose(detectors.error_bits(constant(0.5), images), 1.0, rtol=1e-6)


def test_png_size_grows_with_the_images_complexity():
    blank, checkers, noise = (detectors.png_bits(image)[0] for image in (BLANK, CHECKERS, NOISE))
    assert blank < checkers < noise
    assert noise > 1.0  # random black and white pixels cannot be stored below one bit each
    floats = np.concatenate([BLANK, NOISE]) / 255.0
    np.testing.assert_array_equal(
        detectors.png_bits(floats), detectors.png_bits(np.concatenate([BLANK, NOISE]))
    )


def test_the_complexity_score_charges_a_simple_image_only_beyond_its_size():
    # The same error everywhere (1 bit per pixel): the simple image stands out more.
    images = np.concatenate([BLANK, NOISE])
    scores = detectors.score_all(constant(0.5), constant(0.5), images)
    np.testing.assert_allclose(scores["error"], [1.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(scores["complexity"], 1.0 - detectors.png_bits(images), rtol=1e-6)
    assert scores["complexity"][0] > scores["complexity"][1]
    np.testing.assert_allclose(scores["ratio"], 0, atol=1e-9)  # a model against itself


def test_the_ratio_keeps_only_what_the_model_knows_beyond_the_background():
    # The model knows the checkerboard exactly; the background rebuilds all as grey.
    known, background = constant(CHECKERS[0] / 255.0), constant(0.5)
    scores = detectors.score_all(known, background, np.concatenate([CHECKERS, NOISE]))
    assert scores["ratio"][0] < 0 < scores["ratio"][1]
    assert scores["ratio"][0] < scores["ratio"][1]


def test_a_summary_matches_the_scores_it_summarises():
    model, background = random_model(), constant(0.2)
    inside, outside = synthetic_digits(150, seed=1)[0], synthetic_digits(120, seed=2)[0] // 3
    item = detection_summary.summarize("m", model, background, "bg", inside, outside)
    scores_in = detectors.score_all(model, background, inside)
    scores_out = detectors.score_all(model, background, outside)
    for score in detectors.SCORES:
        figures = item.scores[score]
        assert figures.auc == pytest.approx(detection.auc(scores_in[score], scores_out[score]))
        threshold = figures.threshold_for(0.05)
        exact = detection.rates(scores_in[score], scores_out[score], threshold)
        approximate = figures.rates(threshold)
        assert approximate.false_positive_rate == pytest.approx(0.05, abs=0.02)
        assert approximate.detection_rate == pytest.approx(exact.detection_rate, abs=0.03)
        assert figures.percentile(float(np.median(scores_in[score]))) == pytest.approx(50, abs=2)


def test_summaries_survive_the_file(tmp_path, monkeypatch):
    model, background = random_model(), constant(0.2)
    item = detection_summary.summarize(
        "m", model, background, "bg", synthetic_digits(50)[0], synthetic_digits(40, seed=3)[0]
    )
    text = json.dumps({"models": [detection_summary._to_json(item)]})
    (tmp_path / detection_summary.FILE).write_text(text)
    again = detection_summary.read("m", tmp_path)
    assert again is not None and detection_summary.read("other", tmp_path) is None
    for score in detectors.SCORES:
        before, after = item.scores[score], again.scores[score]
        assert after.auc == pytest.approx(before.auc, abs=1e-6)
        np.testing.assert_allclose(after.inside_quantiles, before.inside_quantiles, rtol=1e-5)
        np.testing.assert_allclose(after.roc.thresholds, before.roc.thresholds, rtol=1e-5)


def test_the_shipped_file_covers_both_directions():
    built = {entry["name"] for entry in zoo.read_manifest()}
    for name, inside in (("conv-32", "mnist"), ("fashion-conv-32", "fashion_mnist")):
        item = detection_summary.read(name)
        assert item is not None, f"{name} has no detector figures in assets/zoo"
        assert (item.inside, item.outside) == (inside, detection_summary.OTHER[inside])
        assert item.background in built
        assert set(item.scores) == set(detectors.SCORES)


def test_a_failing_score_says_why():
    # A model that rebuilds everything black finds the blank strangers easiest of all.
    item = detection_summary.summarize(
        "m", constant(0.0), constant(0.5), "bg", CHECKERS.repeat(2, 0), BLANK.repeat(3, 0)
    )
    error = item.scores["error"]
    assert error.auc == 0.0 and error.fails
    assert detectors.WHY["error"] in error.explanation
    swapped = detection_summary.summarize(
        "m", constant(0.0), constant(0.5), "bg", BLANK.repeat(3, 0), CHECKERS.repeat(2, 0)
    )
    assert not swapped.scores["error"].fails
    assert "worse than a coin" not in swapped.scores["error"].explanation


def test_a_drawing_is_placed_on_every_score():
    drawing = synthetic_digits(1, seed=9)[0][0] / 255.0
    placed = detection_summary.place("conv-32", drawing)
    assert set(placed) == set(detectors.SCORES)
    for figures in placed.values():
        assert 0 <= figures["percentile"] <= 100
        assert figures["flagged"] == (figures["value"] >= figures["threshold"])
