"""Peak memory of one training child, as the app starts it, at the heaviest settings it allows.

The child is ``python -m autoencoder train --config FILE`` with the environment
``autoencoder.jobs`` gives it. Its RSS, anonymous memory (RSS less the pages
mapped from files, mostly TensorFlow's libraries: a second run shares those
with the first) and USS (memory no other process shares) are sampled every
50 ms. Prints a table: the form's default settings and the heaviest ones the
server accepts, each as the app starts it (allocator settings, no XLA) and
with the command line's defaults.

    python benchmarks/train_memory.py [--epochs 1] [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder.config import Config  # noqa: E402
from autoencoder.jobs import (  # noqa: E402
    CHILD_FLAGS,
    RUN_EXTRA_MB,
    RUN_PEAK_MB,
    child_environment,
)

SETTINGS = {
    "form defaults (dense 64, code 32)": Config(epochs=1),
    "heaviest dense (256-128, code 128, VAE, batch 512)": Config(
        hidden_units=(256, 128),
        latent_dim=128,
        code_activation="linear",
        variational=True,
        batch_size=512,
        noise="gaussian",
        noise_level=0.5,
    ),
    "heaviest conv (32-64, code 128, VAE, batch 512)": Config.for_family(
        "conv",
        filters=(32, 64),
        latent_dim=128,
        variational=True,
        batch_size=512,
        noise="gaussian",
        noise_level=0.5,
    ),
}


def peak_memory(
    config: Config, data: Path, epochs: int, environment: dict[str, str], flags: tuple[str, ...]
) -> tuple:
    import psutil

    with tempfile.TemporaryDirectory() as scratch:
        settings = Path(scratch) / "config.json"
        values = {**config.to_dict(), "epochs": epochs}
        settings.write_text(json.dumps(values))
        out = Path(scratch) / "model"
        command = [sys.executable, "-m", "autoencoder", "train", "--config", str(settings),
                   "--data", str(data), "--out", str(out), "--json", *flags]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", **environment}
        started = time.perf_counter()
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        process = psutil.Process(child.pid)
        rss = anon = uss = 0
        while child.poll() is None:
            try:
                info = process.memory_full_info()
            except psutil.Error:
                break
            rss, uss = max(rss, info.rss), max(uss, info.uss)
            anon = max(anon, info.rss - info.shared)  # shared: pages backed by files
            time.sleep(0.05)
        if child.wait() != 0:
            sys.exit(f"training failed: {child.stderr.read().decode()[-500:]}")
        return rss / 2**20, anon / 2**20, uss / 2**20, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    default_data = Path(os.environ.get("AUTOENCODER_DATA_DIR", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=default_data / "mnist.npz")
    arguments = parser.parse_args()

    variants = {
        "as the app starts it": (child_environment, CHILD_FLAGS),
        "the command line's defaults": (lambda config: {"TF_CPP_MIN_LOG_LEVEL": "3"}, ()),
    }
    print(f"\nOne training child on all 60,000 MNIST images, {arguments.epochs} epoch(s); "
          f"the app budgets {RUN_PEAK_MB} MB for a first run, {RUN_EXTRA_MB} MB of its own "
          "memory for a second\n")  # fmt: skip
    print("| settings | environment | peak RSS (MB) | peak anonymous (MB) | peak USS (MB) "
          "| seconds |")  # fmt: skip
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, config in SETTINGS.items():
        for variant, (settings_environment, flags) in variants.items():
            environment = settings_environment(config)
            figures = peak_memory(config, arguments.data, arguments.epochs, environment, flags)
            rss, anon, uss, seconds = figures
            print(f"| {name} | {variant} | {rss:.0f} | {anon:.0f} | {uss:.0f} | {seconds:.0f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
