"""Seconds per epoch: the package's trainer against the plain Keras recipe.

For the seed's dense network and for the convolutional autoencoder (code of
32), and the package's trainer with the other choice of XLA compilation than
the one it makes for that family. Each run is a fresh child process with the
environment the app gives its training jobs (so none inherits another's
compiled graphs), and the order alternates, so machine noise hits all alike.
Prints a table of the median seconds per epoch, the ratio, and each final val
BCE.

    python benchmarks/train_speed.py [--epochs 25] [--conv-epochs 3] [--repeats 3] [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder.config import Config  # noqa: E402
from autoencoder.jobs import child_environment  # noqa: E402
from autoencoder.training import uses_xla  # noqa: E402


def _config(family: str, epochs: int) -> Config:
    if family == "conv":
        return Config.for_family("conv", latent_dim=32, epochs=epochs, batch_size=128)
    return Config(epochs=epochs)


def plain_recipe(data: Path, family: str, epochs: int) -> dict[str, object]:
    """The recipe as a Keras user writes it: compile() and fit() on NumPy arrays."""
    import keras

    from autoencoder.data import load_dataset
    from autoencoder.training import build_keras_models

    config = _config(family, epochs)
    dataset = load_dataset("mnist", data)
    keras.utils.set_random_seed(0)
    model, _, _ = build_keras_models(config)  # the same layers, nothing else of ours
    model.compile(optimizer="adam", loss="binary_crossentropy")
    seconds: list[float] = []
    timer = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seconds.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: seconds.__setitem__(-1, time.perf_counter() - seconds[-1]),
    )
    history = model.fit(
        dataset.train.images,
        dataset.train.images,
        epochs=epochs,
        batch_size=config.batch_size,
        shuffle=True,
        validation_data=(dataset.test.images, dataset.test.images),
        callbacks=[timer],
        verbose=0,
    )
    return {"seconds": seconds, "val_bce": history.history["val_loss"][-1]}


def package_trainer(
    data: Path, family: str, epochs: int, xla: bool | None = None
) -> dict[str, object]:
    from autoencoder.data import load_dataset
    from autoencoder.training import train

    model = train(load_dataset("mnist", data), _config(family, epochs), xla=xla)
    history = model.record["history"]
    return {"seconds": history["seconds"], "val_bce": history["val_loss"][-1]}


def package_trainer_xla_flipped(data: Path, family: str, epochs: int) -> dict[str, object]:
    """The package's trainer with the other XLA choice (for dense: as the web app runs it)."""
    return package_trainer(data, family, epochs, xla=not uses_xla(_config(family, epochs)))


VARIANTS = {
    "plain Keras recipe": plain_recipe,
    "autoencoder.train": package_trainer,
    "... other XLA choice": package_trainer_xla_flipped,
}


def run_child(variant: str, data: Path, family: str, epochs: int) -> dict[str, object]:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--data",
            str(data),
            "--family",
            family,
            "--epochs",
            str(epochs),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **child_environment(_config(family, epochs))},  # as the app's jobs
    )
    if result.returncode != 0:
        sys.exit(f"{variant} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25, help="epochs of the dense runs")
    parser.add_argument("--conv-epochs", type=int, default=3, help="epochs of the conv runs")
    parser.add_argument("--family", choices=("dense", "conv"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    default_data = Path(os.environ.get("AUTOENCODER_DATA_DIR", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data / "mnist.npz")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        result = VARIANTS[arguments.child](arguments.data, arguments.family, arguments.epochs)
        print(json.dumps(result))
        return

    epochs = {"dense": arguments.epochs, "conv": arguments.conv_epochs}
    results: dict[tuple[str, str], list[dict[str, object]]] = {}
    for family in epochs:
        for repeat in range(arguments.repeats):
            order = list(VARIANTS) if repeat % 2 == 0 else list(reversed(VARIANTS))
            for name in order:
                print(f"{family}: {name} ({repeat + 1}/{arguments.repeats}) ...", file=sys.stderr)
                run = run_child(name, arguments.data, family, epochs[family])
                results.setdefault((family, name), []).append(run)

    print(
        f"\nMNIST; dense: {epochs['dense']} epochs of batch 256; conv (code 32): "
        f"{epochs['conv']} epochs of batch 128; {arguments.repeats} alternating run(s) each\n"
    )
    print(f"| {'family':<6} | {'trainer':<22} | s/epoch (median) | first epoch s | speed-up "
          "| final val BCE |")  # fmt: skip
    print(
        f"| {'-' * 6} | {'-' * 22} | ---------------: | ------------: | -------: | ------------: |"
    )
    for family in epochs:
        rows = {}
        for name in VARIANTS:
            runs = results[(family, name)]
            # Skip each run's first epoch: it includes tracing and compiling.
            steady = [second for run in runs for second in run["seconds"][1:]] or [
                run["seconds"][0] for run in runs
            ]
            first = statistics.median(run["seconds"][0] for run in runs)
            val_bce = statistics.median(float(run["val_bce"]) for run in runs)
            rows[name] = (statistics.median(steady), first, val_bce)
        baseline = rows["plain Keras recipe"][0]
        xla = uses_xla(_config(family, 1))
        for name, (median, first, val_bce) in rows.items():
            if name.startswith("..."):
                name = "... without XLA (app)" if xla else "... with XLA"
            print(
                f"| {family:<6} | {name:<22} | {median:16.3f} | {first:13.2f} | "
                f"{baseline / median:7.2f}x | {val_bce:13.4f} |"
            )


if __name__ == "__main__":
    main()
