"""Command line: ``python -m autoencoder train|evaluate|zoo|export``.

The training flags are generated from ``Config``'s fields, so a new setting
is a new flag without restating it here; ``--config FILE`` takes them all
from a JSON file instead (what the web app's training jobs do).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autoencoder.artifact import DEFAULT_MODEL_DIR, ModelLoadError, load_model, save_model
from autoencoder.config import (
    CODE_ACTIVATIONS,
    DATASETS,
    FAMILIES,
    SCHEDULES,
    Config,
)
from autoencoder.data import DATA_DIR_ENV, DatasetUnavailableError, load_dataset
from autoencoder.likelihood import NLL_SAMPLES

HEARTBEAT_SECONDS = 30
DATA_HELP = (
    "a local .npz in the layout of Keras' mnist.npz, yours or MNIST's: 28x28 uint8 x_train and "
    f"x_test, labels optional (default: ${DATA_DIR_ENV}/<dataset>.npz if set, else download "
    "through keras.datasets)"
)
CHOICES = {
    "family": FAMILIES,
    "code_activation": CODE_ACTIVATIONS,
    "dataset": DATASETS,
    "schedule": SCHEDULES,
}
FIELD_HELP = {
    "family": "dense, conv, or pca (closed form); its defaults fill what is not given",
    "hidden_units": "dense layer widths, comma-separated, e.g. 512,256 (default: 64 for dense)",
    "filters": "conv channels, comma-separated (default: 32,64 for conv)",
    "latent_dim": "code size",
    "code_activation": "the code layer's activation (the seed's network uses relu)",
    "variational": "train a variational autoencoder (a VAE) of this family",
    "beta": "weight of a VAE's KL term",
    "noise": "denoising: gaussian:STD or mask:FRACTION (default: none)",
    "schedule": "the learning rate: constant, or a cosine decay to zero over the run",
    "binarize": "train on pixels drawn black or white anew each epoch (grey level = probability)",
    "seed": "random seed (same seed, same model)",
}


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        message = f"expected comma-separated integers, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def _noise(text: str) -> tuple[str, float]:
    kind, _, level = text.partition(":")  # the kind is checked by Config, like every setting
    try:
        return kind, float(level) if level else 0.0
    except ValueError:
        raise argparse.ArgumentTypeError(f"noise level must be a number, got {level!r}") from None


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per Config field (default None: the family's default applies)."""
    hints = typing.get_type_hints(Config)
    for field in dataclasses.fields(Config):
        if field.name == "noise_level":
            continue  # given with --noise KIND:LEVEL
        flag = "--" + field.name.replace("_", "-")
        help_text = FIELD_HELP.get(field.name)
        kind = hints[field.name]
        if field.name == "noise":
            parser.add_argument(flag, type=_noise, metavar="KIND:LEVEL", help=help_text)
        elif kind is bool:
            parser.add_argument(flag, action="store_true", default=None, help=help_text)
        elif kind == tuple[int, ...]:
            parser.add_argument(flag, type=_sizes, metavar="N,N", help=help_text)
        else:
            parser.add_argument(
                flag, type=kind, choices=CHOICES.get(field.name), default=None, help=help_text
            )


def config_from_arguments(arguments: argparse.Namespace) -> Config:
    """--config FILE (if any), then every flag given, then the family's defaults."""
    values: dict[str, Any] = {}
    if arguments.config is not None:
        values = json.loads(arguments.config.read_text())
        if not isinstance(values, dict):
            raise ValueError(f"{arguments.config}: expected a JSON object of settings")
    for field in dataclasses.fields(Config):
        given = getattr(arguments, field.name, None)
        if given is None:
            continue
        if field.name == "noise":
            values["noise"], values["noise_level"] = given
        else:
            values[field.name] = given
    if arguments.config is not None:
        return Config.from_dict(values)
    return Config.for_family(values.pop("family", "dense"), **values)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autoencoder", description="Train and evaluate the digit autoencoders."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train",
        help="train a model and save it as a folder",
        description="Train a model of any family, print one line per epoch, save it as a folder.",
    )
    train.add_argument(
        "--config", type=Path, metavar="FILE", help="settings as JSON (Config's fields)"
    )
    _add_config_flags(train)
    train.add_argument("--data", type=Path, metavar="PATH", help=DATA_HELP)
    train.add_argument(
        "--limit", type=int, metavar="N", help="train on the first N images only (quick runs)"
    )
    train.add_argument(
        "--out", type=Path, default=Path("model"), metavar="DIR", help="where to save the model"
    )
    train.add_argument(
        "--json", action="store_true", help="print one JSON object per epoch, and one at the end"
    )
    train.add_argument(
        "--no-xla",
        action="store_true",
        help="compile no training step with XLA: dense models train slower, with less memory "
        "at the peak (the web app's runs)",
    )
    train.add_argument(
        "--stop-file",
        type=Path,
        metavar="PATH",
        help="stop after the epoch during which PATH appears, keeping the best model so far",
    )
    train.add_argument(
        "--heartbeat",
        type=Path,
        metavar="PATH",
        help=f"stop as --stop-file does once PATH is {HEARTBEAT_SECONDS} s old "
        "(whoever watches the run touches it; if they go away, the run ends)",
    )

    evaluate = commands.add_parser(
        "evaluate",
        help="report a model's reconstruction error on the test images",
        description="Report BCE, MSE and PSNR over the dataset's test images "
        "(and a VAE's negative ELBO, a denoising model's PSNR on noisy images).",
    )
    evaluate.add_argument(
        "--model",
        type=Path,
        default=DEFAULT_MODEL_DIR,
        metavar="DIR",
        help="model folder (default: the shipped model)",
    )
    evaluate.add_argument("--data", type=Path, metavar="PATH", help=DATA_HELP)
    evaluate.add_argument(
        "--dataset", choices=DATASETS, help="default: the dataset the model was trained on"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.add_argument(
        "--nll-samples",
        type=int,
        default=NLL_SAMPLES,
        metavar="K",
        help="codes per image for a binarised VAE's importance-sampled NLL "
        f"(default: {NLL_SAMPLES}, as VAE papers report it; 0 skips it)",
    )
    evaluate.add_argument(
        "--nll-images",
        type=int,
        metavar="N",
        help="estimate the NLL on the first N test images only (default: all of them)",
    )

    zoo = commands.add_parser(
        "zoo",
        help="the shipped model zoo: list it, or (re)build it",
        description="List the model zoo, or train its models into assets/zoo/.",
    )
    zoo_commands = zoo.add_subparsers(dest="zoo_command", required=True)
    listing = zoo_commands.add_parser("list", help="the zoo's models and their test figures")
    listing.add_argument(
        "--markdown", action="store_true", help="the README's table, with the 2006 reference"
    )
    build = zoo_commands.add_parser("build", help="train the zoo's models (seeded, repeatable)")
    build.add_argument("--only", nargs="+", metavar="NAME", help="build only these models")
    build.add_argument("--data-dir", type=Path, metavar="DIR", help="folder of <dataset>.npz")
    build.add_argument("--out", type=Path, metavar="DIR", help="default: assets/zoo")
    scored = zoo_commands.add_parser(
        "detection",
        help="score the built models as detectors, once, into assets/zoo/detection.json",
    )
    scored.add_argument("--only", nargs="+", metavar="NAME", help="score only these models")

    export = commands.add_parser(
        "export",
        help="save a model as a .keras file that plain Keras loads",
        description="Save a model as a .keras file (keras.models.load_model opens it with no "
        "other package; its encoder and decoder are named sub-models), or as a .zip of that "
        "file, a README and a runnable example.",
    )
    export.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL_DIR, metavar="DIR",
        help="model folder (default: the shipped model)",
    )  # fmt: skip
    export.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="FILE.keras, or FILE.zip"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "train":
            return _train(arguments)
        if arguments.command == "zoo":
            return _zoo(arguments)
        if arguments.command == "export":
            return _export(arguments)
        return _evaluate(arguments)
    except (ModelLoadError, DatasetUnavailableError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _train(arguments: argparse.Namespace) -> int:
    from autoencoder.training import EpochReport, train

    config = config_from_arguments(arguments)
    dataset = load_dataset(config.dataset, arguments.data)

    def report(epoch: EpochReport) -> None:
        if arguments.json:
            print(json.dumps(dataclasses.asdict(epoch)), flush=True)
        else:
            print(
                f"epoch {epoch.epoch:>3}/{epoch.epochs}  loss {epoch.loss:.4f}  "
                f"val_loss {epoch.val_loss:.4f}  {epoch.seconds:.2f} s",
                flush=True,
            )

    def should_stop() -> bool:
        if arguments.stop_file is not None and arguments.stop_file.exists():
            return True
        if arguments.heartbeat is not None:
            try:
                age = time.time() - arguments.heartbeat.stat().st_mtime
            except FileNotFoundError:
                return True
            return age > HEARTBEAT_SECONDS
        return False

    model = train(
        dataset,
        config,
        on_epoch_end=report,
        should_stop=should_stop,
        train_limit=arguments.limit,
        xla=False if arguments.no_xla else None,
    )
    folder = save_model(model, arguments.out)
    summary = model.record["metrics"]
    if arguments.json:
        print(json.dumps({"saved": str(folder.resolve()), **headline(summary)}), flush=True)
        return 0
    print("test: " + _format(headline(summary)))
    print(f"saved model to {folder.resolve()}")
    return 0


def headline(summary: dict[str, Any]) -> dict[str, Any]:
    """The figures worth a line: everything but the BCE percentiles."""
    return {key: value for key, value in summary.items() if key != "bce_quantiles"}


def _format(summary: dict[str, Any]) -> str:
    return "  ".join(
        f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}"
        for key, value in summary.items()
    )


def _evaluate(arguments: argparse.Namespace) -> int:
    from autoencoder.evaluation import evaluate

    model = load_model(arguments.model)
    name = arguments.dataset or model.config.dataset
    test = load_dataset(name, arguments.data, include_train=False).test
    if arguments.nll_samples < 0:
        raise ValueError(f"--nll-samples must be 0 or more, got {arguments.nll_samples}")
    summary = headline(
        evaluate(
            model,
            test,
            nll_samples=arguments.nll_samples or None,
            nll_images=arguments.nll_images,
        )
    )
    result = {"model": str(Path(arguments.model).resolve()), "dataset": name, **summary}
    if arguments.json:
        print(json.dumps(result))
        return 0
    print(f"model    {result['model']}")
    print(f"dataset  {name} ({summary['count']} test images)")
    for key, value in summary.items():
        if key != "count":
            print(f"{key:<8} {value:.4f}" if isinstance(value, float) else f"{key:<8} {value}")
    return 0


def _zoo(arguments: argparse.Namespace) -> int:
    from autoencoder import zoo

    if arguments.zoo_command == "list" and arguments.markdown:
        print(zoo.markdown_table(zoo.read_manifest(), zoo.read_references()))
        return 0
    if arguments.zoo_command == "list":
        for entry in zoo.read_manifest():
            figures = entry["metrics"]
            print(
                f"{entry['name']:<16} {entry['kind']:<6} code {entry['latent_dim']:>3}  "
                f"psnr {figures['psnr']:.2f} dB  bce {figures['val_bce']:.4f}  "
                f"{entry['description']}"
            )
        return 0
    if arguments.zoo_command == "detection":
        from autoencoder import detection_summary

        detection_summary.build(names=arguments.only)
        return 0
    zoo.build(names=arguments.only, data_dir=arguments.data_dir, out=arguments.out)
    return 0


def _export(arguments: argparse.Namespace) -> int:
    from autoencoder import keras_file

    model = load_model(arguments.model)
    out: Path = arguments.out
    if out.suffix not in (keras_file.SUFFIX, ".zip"):
        raise ValueError(f"{out}: name the file FILE.keras, or FILE.zip for the bundle")
    try:
        import keras  # noqa: F401  (only to say clearly when it is missing)
    except ImportError:
        print("error: exporting needs TensorFlow: pip install tensorflow", file=sys.stderr)
        return keras_file.NO_KERAS_EXIT
    if out.suffix == keras_file.SUFFIX:
        keras_file.write_keras_file(model, out)
    else:
        import tempfile

        from autoencoder.files import atomic_write_bytes

        with tempfile.TemporaryDirectory() as folder:
            made = keras_file.write_keras_file(model, Path(folder) / f"model{keras_file.SUFFIX}")
            bundle = keras_file.bundle_bytes(model, made.read_bytes(), _bundle_name(out))
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out, bundle)
    print(f"saved {out.resolve()}")
    return 0


def _bundle_name(out: Path) -> str:
    name = "".join(char if char.isalnum() or char in "-_" else "-" for char in out.stem)
    return name[:64] or "autoencoder"
