"""The command line, run as users run it: ``python -m autoencoder``."""

import json
import os
import subprocess
import sys

import pytest

from autoencoder.artifact import load_model, save_model
from tests.conftest import ROOT


def run(*arguments, check=True):
    return subprocess.run(
        [sys.executable, "-m", "autoencoder", *arguments],
        capture_output=True,
        text=True,
        check=check,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("command", [[], ["train"], ["evaluate"]])
def test_help(command):
    output = run(*command, "--help").stdout
    assert "usage: python -m autoencoder" in output
    if command == ["train"]:
        for option in ("--epochs", "--batch-size", "--latent-dim", "--data", "--out"):
            assert option in output
    if command == ["evaluate"]:
        for option in ("--model", "--data", "--json"):
            assert option in output


def test_train_prints_epochs_and_saves(tmp_path, tiny_npz):
    out = tmp_path / "trained"
    result = run(
        "train", "--epochs", "2", "--batch-size", "64", "--latent-dim", "3",
        "--hidden-units", "8", "--limit", "200", "--data", str(tiny_npz), "--out", str(out),
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0].startswith("epoch   1/2  loss ")
    assert "val_loss" in lines[1] and lines[1].endswith(" s")
    assert lines[-1] == f"saved model to {out.resolve()}"
    assert load_model(out).config.latent_dim == 3


def test_evaluate_json_without_tensorflow(tmp_path, tiny_npz, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    script = (
        "import sys\n"
        "from autoencoder.cli import main\n"
        f"assert main(['evaluate', '--model', {str(folder)!r}, '--data', {str(tiny_npz)!r},"
        " '--json']) == 0\n"
        "assert 'tensorflow' not in sys.modules, 'evaluate imported TensorFlow'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    summary = json.loads(result.stdout)
    assert summary["count"] == 100
    assert {"val_bce", "mse", "psnr"} <= set(summary)


def test_default_model_meets_the_recipe_on_mnist(mnist_path):
    summary = json.loads(run("evaluate", "--data", str(mnist_path), "--json").stdout)
    assert summary["count"] == 10_000
    assert summary["val_bce"] <= 0.093
    assert summary["mse"] < 0.011


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["evaluate", "--model", "/nonexistent/model"], "no such model folder"),
        (["evaluate", "--data", "/nonexistent.npz"], "no such data file"),
        (["train", "--latent-dim", "0", "--data", "x.npz"], "latent_dim must be a positive"),
    ],
)
def test_errors_are_one_clear_line(arguments, message):
    result = run(*arguments, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_train_json_progress_and_stop_file(tmp_path, tiny_npz):
    stop = tmp_path / "stop"
    stop.touch()  # already there: stop after the first epoch
    result = run(
        "train", "--epochs", "20", "--batch-size", "64", "--latent-dim", "2", "--hidden-units", "8",
        "--data", str(tiny_npz), "--out", str(tmp_path / "model"), "--json",
        "--stop-file", str(stop),
    )  # fmt: skip
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["epoch"] for line in lines[:-1]] == [1]
    assert set(lines[0]) == {"epoch", "epochs", "loss", "val_loss", "seconds"}
    assert lines[-1]["saved"] == str((tmp_path / "model").resolve())
    assert load_model(tmp_path / "model").record["stopped_early"] is True


def test_train_stops_when_its_heartbeat_is_missing(tmp_path, tiny_npz):
    result = run(
        "train", "--epochs", "20", "--batch-size", "64", "--latent-dim", "2", "--hidden-units", "8",
        "--data", str(tiny_npz), "--out", str(tmp_path / "model"), "--json",
        "--heartbeat", str(tmp_path / "nobody-watching"),
    )  # fmt: skip
    assert len(result.stdout.splitlines()) == 2  # one epoch, then the saved model
