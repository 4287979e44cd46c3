"""Seconds per epoch: the package's trainer against the plain Keras recipe.

Each run is a fresh child process (so neither inherits the other's compiled
graphs), and the two alternate, so machine noise hits both alike. Prints a
table of the median seconds per epoch, the ratio, and each final val BCE.

    python benchmarks/train_speed.py [--epochs 25] [--repeats 3] [--data PATH]
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


def plain_recipe(data: Path, epochs: int) -> dict[str, object]:
    """The reference recipe as a Keras user writes it: fit() on NumPy arrays."""
    import keras

    from autoencoder.data import load_dataset

    dataset = load_dataset("mnist", data)
    keras.utils.set_random_seed(0)
    image = keras.Input(shape=(784,))
    hidden = keras.layers.Dense(64, activation="relu")(image)
    code = keras.layers.Dense(32, activation="relu")(hidden)
    hidden = keras.layers.Dense(64, activation="relu")(code)
    output = keras.layers.Dense(784, activation="sigmoid")(hidden)
    model = keras.Model(image, output)
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
        batch_size=256,
        shuffle=True,
        validation_data=(dataset.test.images, dataset.test.images),
        callbacks=[timer],
        verbose=0,
    )
    return {"seconds": seconds, "val_bce": history.history["val_loss"][-1]}


def package_trainer(data: Path, epochs: int) -> dict[str, object]:
    from autoencoder.config import Config
    from autoencoder.data import load_dataset
    from autoencoder.training import train

    model = train(load_dataset("mnist", data), Config(epochs=epochs))
    history = model.record["history"]
    return {"seconds": history["seconds"], "val_bce": history["val_loss"][-1]}


VARIANTS = {"plain Keras recipe": plain_recipe, "autoencoder.train": package_trainer}


def run_child(variant: str, data: Path, epochs: int) -> dict[str, object]:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--data",
            str(data),
            "--epochs",
            str(epochs),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if result.returncode != 0:
        sys.exit(f"{variant} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    default_data = Path(os.environ.get("AUTOENCODER_DATA_DIR", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data / "mnist.npz")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        print(json.dumps(VARIANTS[arguments.child](arguments.data, arguments.epochs)))
        return

    results: dict[str, list[dict[str, object]]] = {name: [] for name in VARIANTS}
    for repeat in range(arguments.repeats):
        order = list(VARIANTS) if repeat % 2 == 0 else list(reversed(VARIANTS))
        for name in order:
            print(f"running {name} ({repeat + 1}/{arguments.repeats}) ...", file=sys.stderr)
            results[name].append(run_child(name, arguments.data, arguments.epochs))

    rows = {}
    for name, runs in results.items():
        # Skip each run's first epoch: it includes tracing and compiling.
        steady = [second for run in runs for second in run["seconds"][1:]] or [
            run["seconds"][0] for run in runs
        ]
        first = statistics.median(run["seconds"][0] for run in runs)
        val_bce = statistics.median(float(run["val_bce"]) for run in runs)
        rows[name] = (statistics.median(steady), first, val_bce)

    baseline = rows["plain Keras recipe"][0]
    print(f"\n{arguments.epochs} epochs x {arguments.repeats} run(s), MNIST, batch 256\n")
    print(f"| {'trainer':<20} | s/epoch (median) | first epoch s | speed-up | final val BCE |")
    print(f"| {'-' * 20} | ---------------: | ------------: | -------: | ------------: |")
    for name, (median, first, val_bce) in rows.items():
        print(
            f"| {name:<20} | {median:16.3f} | {first:13.2f} | "
            f"{baseline / median:7.2f}x | {val_bce:13.4f} |"
        )


if __name__ == "__main__":
    main()
