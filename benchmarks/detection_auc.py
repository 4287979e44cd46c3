"""Which zoo model tells a digit from a piece of clothing best, by its reconstruction error?

Every built MNIST model of the zoo scores the 10,000 MNIST test digits ("in") and the
10,000 Fashion-MNIST test clothes ("out") by per-image BCE, as the "Is it a digit?"
page does (autoencoder.detection). The table gives the area under the ROC curve, the
share of clothes caught when 5% and 1% of the digits are flagged, and the median errors.

    python benchmarks/detection_auc.py                 # every built MNIST model
    python benchmarks/detection_auc.py dense-32 pca-32 # some of them

Reads both datasets as the package does ($AUTOENCODER_DATA_DIR, or the Keras download).
Serving code only: NumPy, no TensorFlow, nothing trained.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder import detection, zoo  # noqa: E402
from autoencoder.data import load_dataset  # noqa: E402

RATES = (0.05, 0.01)  # false-positive rates at which the detection rate is reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="zoo models (default: every built MNIST one)")
    arguments = parser.parse_args()
    built = {entry["name"]: entry for entry in zoo.read_manifest()}
    names = arguments.names or [
        name for name, entry in built.items() if entry["dataset"] == "mnist"
    ]
    if not names:
        sys.exit("No MNIST model is built in assets/zoo: `python -m autoencoder zoo build`.")
    inside = load_dataset("mnist", include_train=False).test.pixels
    outside = load_dataset("fashion_mnist", include_train=False).test.pixels

    header = (
        f"| {'model':<15} | {'kind':<5} | code | test PSNR | AUC     | caught @5% | caught @1% "
        f"| median BCE in | median BCE out |"
    )
    print(header)
    print("| " + " | ".join("-" * (len(cell) - 2) for cell in header.split("|")[1:-1]) + " |")
    results = {}
    for name in names:
        started = time.perf_counter()
        model = zoo.load(name)
        if model.config.dataset != "mnist":
            print(f"| {name:<15} | skipped: trained on {model.config.dataset} |", flush=True)
            continue
        scores_in, scores_out = detection.scores(model, inside), detection.scores(model, outside)
        auc = detection.auc(scores_in, scores_out)
        caught = [
            detection.rates(
                scores_in, scores_out, detection.threshold_for(scores_in, rate)
            ).detection_rate
            for rate in RATES
        ]
        psnr = built.get(name, {}).get("metrics", {}).get("psnr", float("nan"))
        results[name] = auc
        print(
            f"| {name:<15} | {model.config.kind:<5} | {model.latent_dim:>4} | {psnr:>6.1f} dB "
            f"| {auc:.5f} | {caught[0]:>10.1%} | {caught[1]:>10.1%} "
            f"| {np.median(scores_in):>13.3f} | {np.median(scores_out):>14.3f} |",
            flush=True,
        )
        print(f"  ({name}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    if results:
        best = max(results, key=results.get)
        print(f"\nBest separation: {best} (AUC {results[best]:.5f}).")


if __name__ == "__main__":
    main()
