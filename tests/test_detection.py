"""Reconstruction error as a detector: scores, rates, ROC, AUC, histograms."""

from __future__ import annotations

import numpy as np
import pytest

from autoencoder import detection, metrics
from tests.conftest import random_model, synthetic_digits


def pairwise_auc(inside: np.ndarray, outside: np.ndarray) -> float:
    """The definition, over every pair: P(out > in) + P(out == in) / 2."""
    above = (outside[:, None] > inside[None, :]).mean()
    ties = (outside[:, None] == inside[None, :]).mean()
    return float(above + ties / 2)


def test_perfectly_separated_scores_have_an_auc_of_one():
    assert detection.auc(np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.9])) == 1.0


def test_reversed_scores_have_an_auc_of_zero():
    assert detection.auc(np.array([0.5, 0.9]), np.array([0.1, 0.2, 0.3])) == 0.0


def test_identical_scores_have_an_auc_of_one_half():
    assert detection.auc(np.full(5, 0.2), np.full(7, 0.2)) == 0.5


def test_a_small_example_by_hand():
    # 0.25 beats two of the three "in" scores and 0.35 all three: 5 of 6 pairs.
    inside, outside = np.array([0.1, 0.2, 0.3]), np.array([0.25, 0.35])
    curve = detection.roc_curve(inside, outside)
    assert detection.auc(inside, outside) == pytest.approx(5 / 6)
    np.testing.assert_allclose(curve.false_positive_rate, [0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(curve.detection_rate, [0, 0.5, 0.5, 1, 1, 1])
    np.testing.assert_allclose(curve.thresholds, [np.inf, 0.35, 0.3, 0.25, 0.2, 0.1])


def test_ties_count_half_and_match_the_pairwise_definition():
    rng = np.random.default_rng(0)
    inside = rng.integers(0, 6, 200).astype(float)  # few distinct values: many ties
    outside = rng.integers(2, 9, 150).astype(float)
    assert detection.auc(inside, outside) == pytest.approx(pairwise_auc(inside, outside))


def test_each_roc_point_is_the_rates_at_its_threshold():
    rng = np.random.default_rng(1)
    inside, outside = rng.normal(0, 1, 300), rng.normal(1, 1, 200)
    curve = detection.roc_curve(inside, outside)
    for index in (1, 57, 250, len(curve.thresholds) - 1):
        at = detection.rates(inside, outside, curve.thresholds[index])
        assert at.false_positive_rate == pytest.approx(curve.false_positive_rate[index])
        assert at.detection_rate == pytest.approx(curve.detection_rate[index])
    assert curve.false_positive_rate[-1] == curve.detection_rate[-1] == 1


def test_rates_flag_scores_at_or_above_the_threshold():
    at = detection.rates(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.3, 0.5]), 0.3)
    assert at == detection.Rates(threshold=0.3, false_positive_rate=0.5, detection_rate=1.0)
    assert detection.flagged(0.3, 0.3) and not detection.flagged(0.29, 0.3)


def test_threshold_for_a_false_positive_rate():
    inside = np.arange(1, 101) / 100  # 0.01 .. 1.00
    threshold = detection.threshold_for(inside, 0.05)
    assert detection.rates(inside, inside, threshold).false_positive_rate == pytest.approx(
        0.05, abs=0.01
    )


def test_thinning_keeps_the_ends_and_the_area():
    rng = np.random.default_rng(2)
    curve = detection.roc_curve(rng.normal(0, 1, 5000), rng.normal(1.5, 1, 5000))
    thin = curve.thinned(200)
    assert len(thin.thresholds) <= 201
    assert (thin.false_positive_rate[0], thin.detection_rate[0]) == (0, 0)
    assert (thin.false_positive_rate[-1], thin.detection_rate[-1]) == (1, 1)
    assert np.all(np.diff(thin.false_positive_rate) >= 0)
    assert thin.auc == pytest.approx(curve.auc, abs=0.01)
    assert curve.thinned(10**6) is curve


def test_roc_needs_both_sets():
    with pytest.raises(ValueError, match="at least one"):
        detection.roc_curve(np.array([0.1]), np.array([]))


@pytest.mark.parametrize("log", [False, True])
def test_histogram_shares_sum_to_one_over_shared_bins(log):
    rng = np.random.default_rng(3)
    inside, outside = rng.uniform(0.05, 0.2, 400), rng.uniform(0.15, 0.9, 300)
    bins = detection.histogram(inside, outside, bins=30, log=log)
    assert len(bins.edges) == 31 and len(bins.inside) == len(bins.outside) == 30
    assert bins.inside.sum() == pytest.approx(1) and bins.outside.sum() == pytest.approx(1)
    assert bins.edges[0] <= inside.min() and bins.edges[-1] >= outside.max() * (1 - 1e-12)
    if log:  # even steps in the logarithm
        np.testing.assert_allclose(
            np.diff(np.log(bins.edges)), np.log(bins.edges[1] / bins.edges[0])
        )


def test_histogram_of_a_single_value():
    bins = detection.histogram(np.full(3, 0.2), np.full(2, 0.2), bins=4)
    assert bins.inside.sum() == bins.outside.sum() == 1


def test_scores_are_the_per_image_bce_in_chunks(monkeypatch):
    model = random_model()
    images, _ = synthetic_digits(25)
    pixels = images.reshape(25, -1)
    monkeypatch.setattr(detection, "CHUNK", 10)  # three chunks, the last short
    got = detection.scores(model, pixels)
    floats = metrics.unit_floats(pixels)
    np.testing.assert_allclose(got, metrics.bce_per_image(floats, model.reconstruct(floats)))
    assert got.shape == (25,) and detection.scores(model, pixels[:0]).shape == (0,)


def test_separation_keeps_the_exact_auc_and_a_thin_curve():
    rng = np.random.default_rng(4)
    inside, outside = rng.normal(0, 1, 3000), rng.normal(2, 1, 3000)
    found = detection.separation(inside, outside, roc_points=100)
    assert found.auc == detection.auc(inside, outside)
    assert len(found.roc.thresholds) <= 101
    assert found.inside is inside and found.outside is outside


def test_histogram_puts_scores_above_the_upper_edge_in_the_last_bin():
    inside, outside = np.array([0.1, 0.2, 0.3]), np.array([0.5, 0.95, 7.0])
    bins = detection.histogram(inside, outside, bins=10, upper=1.0)
    assert bins.edges[-1] == 1.0
    assert bins.outside[-1] == pytest.approx(2 / 3)  # 0.95 and 7.0
    assert bins.outside.sum() == pytest.approx(1)
