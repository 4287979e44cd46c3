"""Command line: ``python -m autoencoder train|evaluate``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from autoencoder import metrics
from autoencoder.artifact import DEFAULT_MODEL_DIR, ModelLoadError, load_model, save_model
from autoencoder.config import DATASETS, Config
from autoencoder.data import DATA_DIR_ENV, DatasetUnavailableError, load_dataset

HEARTBEAT_SECONDS = 30
DATA_HELP = (
    f"a local .npz in the layout of Keras' mnist.npz (default: ${DATA_DIR_ENV}/<dataset>.npz "
    "if set, else download through keras.datasets)"
)


def build_parser() -> argparse.ArgumentParser:
    defaults = Config()
    parser = argparse.ArgumentParser(
        prog="python -m autoencoder", description="Train and evaluate the digit autoencoder."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser(
        "train",
        help="train a model and save it as a folder",
        description="Train a model, print one line per epoch, and save it as a folder.",
    )
    train.add_argument("--epochs", type=int, default=defaults.epochs)
    train.add_argument("--batch-size", type=int, default=defaults.batch_size)
    train.add_argument("--latent-dim", type=int, default=defaults.latent_dim)
    train.add_argument("--hidden-units", type=int, default=defaults.hidden_units)
    train.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    train.add_argument("--dataset", choices=DATASETS, default=defaults.dataset)
    train.add_argument("--seed", type=int, default=defaults.seed)
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
        description="Report BCE, MSE and PSNR over the dataset's test images.",
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "train":
            return _train(arguments)
        return _evaluate(arguments)
    except (ModelLoadError, DatasetUnavailableError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _train(arguments: argparse.Namespace) -> int:
    from autoencoder.training import EpochReport, train

    config = Config(
        hidden_units=arguments.hidden_units,
        latent_dim=arguments.latent_dim,
        epochs=arguments.epochs,
        batch_size=arguments.batch_size,
        learning_rate=arguments.learning_rate,
        dataset=arguments.dataset,
        seed=arguments.seed,
    )
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
        dataset, config, on_epoch_end=report, should_stop=should_stop, train_limit=arguments.limit
    )
    folder = save_model(model, arguments.out)
    summary = model.record["metrics"]
    if arguments.json:
        print(json.dumps({"saved": str(folder.resolve()), **_headline(summary)}), flush=True)
        return 0
    print(
        f"test: val_bce {summary['val_bce']:.4f}  mse {summary['mse']:.4f}  "
        f"psnr {summary['psnr']:.2f} dB"
    )
    print(f"saved model to {folder.resolve()}")
    return 0


def _headline(summary: dict[str, object]) -> dict[str, object]:
    return {key: summary[key] for key in ("val_bce", "mse", "psnr", "count")}


def _evaluate(arguments: argparse.Namespace) -> int:
    model = load_model(arguments.model)
    name = arguments.dataset or model.config.dataset
    test = load_dataset(name, arguments.data, include_train=False).test
    summary = _headline(metrics.summarize(test.images, model.reconstruct(test.images)))
    result = {"model": str(Path(arguments.model).resolve()), "dataset": name, **summary}
    if arguments.json:
        print(json.dumps(result))
    else:
        print(f"model    {result['model']}")
        print(f"dataset  {name} ({summary['count']} test images)")
        print(f"val_bce  {summary['val_bce']:.4f}")
        print(f"mse      {summary['mse']:.4f}")
        print(f"psnr     {summary['psnr']:.2f} dB")
    return 0
