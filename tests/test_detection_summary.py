"""The detector figures a page reads: histograms off the quantiles, a visitor's model's
figures, a model's twin of the other dataset, and the README's AUC table."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autoencoder import detection, detection_summary, detectors
from tests.conftest import ROOT

RNG = np.random.default_rng(0)
INSIDE = {"error": RNG.normal(1, 0.2, 400), "complexity": RNG.normal(-2, 0.5, 400)}
OUTSIDE = {"error": RNG.normal(2, 0.4, 300), "complexity": RNG.normal(-3, 0.5, 300)}


def figures() -> detection_summary.ModelDetection:
    return detection_summary.from_scores("mine", "fashion_mnist", INSIDE, OUTSIDE)


def test_figures_of_scores_computed_elsewhere_keep_only_those_scores():
    item = figures()
    assert (item.inside, item.outside, item.background) == (
        "fashion_mnist",
        "mnist",
        "fashion-pca-8",
    )
    assert list(item.scores) == ["error", "complexity"]  # no background: no ratio
    for score, summary in item.scores.items():
        assert summary.auc == pytest.approx(detection.auc(INSIDE[score], OUTSIDE[score]))
    assert not item.scores["error"].fails and item.scores["complexity"].fails


def test_quantiles_are_read_off_either_set():
    summary = figures().scores["error"]
    assert summary.quantile("inside", 0) == pytest.approx(INSIDE["error"].min())
    assert summary.quantile("outside", 1) == pytest.approx(OUTSIDE["error"].max())
    assert summary.quantile("outside", 0.5) == pytest.approx(np.median(OUTSIDE["error"]), rel=1e-3)
    assert summary.threshold_for(0.05) == pytest.approx(summary.quantile("inside", 0.95))


def test_shares_over_any_bins_match_the_scores_own_histogram():
    summary = figures().scores["error"]
    edges = np.linspace(0.5, 3.0, 11)
    read = summary.shares(edges)
    assert read.inside.sum() == pytest.approx(1) and read.outside.sum() == pytest.approx(1)
    exact = np.histogram(np.clip(INSIDE["error"], 0.5, 3.0), edges)[0] / len(INSIDE["error"])
    np.testing.assert_allclose(read.inside, exact, atol=0.03)  # quantiles: 0.5% apart


def test_shares_put_the_tails_in_the_end_bins():
    summary = figures().scores["error"]
    narrow = summary.shares(np.array([1.0, 1.5, 2.0]))  # inside half its scores below 1.0
    assert narrow.inside[0] == pytest.approx(np.mean(INSIDE["error"] < 1.5), abs=0.01)
    assert narrow.inside.sum() == pytest.approx(1) and narrow.outside.sum() == pytest.approx(1)


def test_a_twin_is_the_same_name_for_the_other_dataset():
    names = ["conv-32", "fashion-conv-32", "dense-32", "fashion-pca-8"]
    assert detection_summary.twin("conv-32", names) == "fashion-conv-32"
    assert detection_summary.twin("fashion-conv-32", names) == "conv-32"
    assert detection_summary.twin("dense-32", names) is None
    assert detection_summary.twin("fashion-pca-8", names) is None  # pca-8 is not among names


def test_the_markdown_table_has_a_row_per_model_and_a_column_per_score():
    other = detection_summary.from_scores(
        "theirs",
        "mnist",
        {**INSIDE, "ratio": INSIDE["error"]},
        {**OUTSIDE, "ratio": OUTSIDE["error"]},
    )
    lines = detection_summary.markdown_table([figures(), other]).splitlines()
    assert lines[0] == "| model | in → out | error AUC | ratio AUC | complexity AUC |"
    assert len(lines) == 4 and lines[1].count("---") == 5
    auc = {score: figures().scores[score].auc for score in ("error", "complexity")}
    assert lines[2] == (
        f"| mine | clothes → digits | {auc['error']:.3f} | n/a | {auc['complexity']:.3f} |"
    )
    assert lines[3].startswith("| theirs | digits → clothes | ")
    assert lines[3].count(f"{other.scores['error'].auc:.3f}") == 2  # its ratio is its error


def test_the_shipped_file_reads_whole_in_the_zoos_order():
    items = detection_summary.read_all()
    names = [item.name for item in items]
    assert {"conv-32", "fashion-conv-32"} <= set(names)
    assert names.index("conv-32") < names.index("fashion-conv-32")
    for item in items:
        assert set(item.scores) == set(detectors.SCORES), item.name


def test_a_model_that_is_its_own_background_says_its_ratio_tells_nothing():
    scores = {**INSIDE, "ratio": np.zeros(400)}, {**OUTSIDE, "ratio": np.zeros(300)}
    item = detection_summary.from_scores("fashion-pca-8", "fashion_mnist", *scores)
    assert item.background == "fashion-pca-8" and item.scores["ratio"].auc == 0.5
    assert "its own background" in item.explanation("ratio")
    assert item.explanation("error") == item.scores["error"].explanation
    other = detection_summary.from_scores("mine", "fashion_mnist", *scores)
    assert "its own background" not in other.explanation("ratio")


def test_the_benchmark_prints_the_shipped_table_and_refuses_an_unknown_model():
    script = [sys.executable, str(ROOT / "benchmarks" / "detection_auc.py"), "--table"]
    shown = subprocess.run(script, capture_output=True, text=True, check=True).stdout
    assert shown.strip() == detection_summary.markdown_table(detection_summary.read_all())
    refused = subprocess.run([*script, "nope"], capture_output=True, text=True)
    assert refused.returncode == 1 and refused.stderr.strip() == (
        "detection.json has no figures for nope."
    )
