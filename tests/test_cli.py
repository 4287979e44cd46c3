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
        for option in ("--epochs", "--batch-size", "--latent-dim", "--data", "--out", "--config",
                       "--family", "--filters", "--variational", "--beta", "--noise"):  # fmt: skip
            assert option in output
    if command == ["evaluate"]:
        for option in ("--model", "--data", "--json"):
            assert option in output


@pytest.mark.slow
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
        (["train", "--latent-dim", "0", "--data", "x.npz"], "latent_dim must be an integer"),
        (["train", "--family", "conv", "--filters", "8,8,8"], "filters may list at most 2"),
        (["train", "--noise", "blur:2"], "noise must be one of"),
    ],
)
def test_errors_are_one_clear_line(arguments, message):
    result = run(*arguments, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
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


@pytest.mark.slow
def test_train_stops_when_its_heartbeat_is_missing(tmp_path, tiny_npz):
    result = run(
        "train", "--epochs", "20", "--batch-size", "64", "--latent-dim", "2", "--hidden-units", "8",
        "--data", str(tiny_npz), "--out", str(tmp_path / "model"), "--json",
        "--heartbeat", str(tmp_path / "nobody-watching"),
    )  # fmt: skip
    assert len(result.stdout.splitlines()) == 2  # one epoch, then the saved model


def test_flags_are_generated_from_the_config():
    from autoencoder.cli import build_parser, config_from_arguments
    from autoencoder.config import Config

    parse = build_parser().parse_args
    arguments = parse(
        ["train", "--family", "conv", "--latent-dim", "16", "--noise", "gaussian:0.5"]
    )
    assert config_from_arguments(arguments) == Config.for_family(
        "conv", latent_dim=16, noise="gaussian", noise_level=0.5
    )
    arguments = parse(["train", "--hidden-units", "512,256", "--code-activation", "linear",
                       "--variational"])  # fmt: skip
    config = config_from_arguments(arguments)
    assert (config.hidden_units, config.variational) == ((512, 256), True)
    assert config_from_arguments(parse(["train", "--schedule", "cosine"])).schedule == "cosine"
    assert config_from_arguments(parse(["train"])) == Config()


def test_a_config_file_gives_every_setting(tmp_path):
    from autoencoder.cli import build_parser, config_from_arguments
    from autoencoder.config import Config

    wanted = Config.for_family("conv", latent_dim=8, epochs=3, dataset="fashion_mnist")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(wanted.to_dict()))
    arguments = build_parser().parse_args(["train", "--config", str(settings), "--epochs", "2"])
    assert config_from_arguments(arguments) == Config.from_dict({**wanted.to_dict(), "epochs": 2})


def test_bad_config_file_is_one_line(tmp_path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"latent_dim": 5000}))
    result = run("train", "--config", str(settings), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: latent_dim must be an integer from 1 to 128")


@pytest.mark.parametrize(("flags", "xla"), [([], None), (["--no-xla"], False)])
def test_no_xla_reaches_the_trainer(monkeypatch, tiny_npz, flags, xla):
    from autoencoder import cli, training

    asked = []

    def fake_train(*args, **kwargs):
        asked.append(kwargs["xla"])
        raise RuntimeError("recorded")  # no TensorFlow: only the call is checked

    monkeypatch.setattr(training, "train", fake_train)
    arguments = cli.build_parser().parse_args(["train", "--data", str(tiny_npz), *flags])
    with pytest.raises(RuntimeError, match="recorded"):
        cli._train(arguments)
    assert asked == [xla]  # None: the trainer's own choice (XLA for dense models)
