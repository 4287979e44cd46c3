"""Which zoo model tells its own kind of image from the other kind, by which score, both ways?

Every built zoo model scores its own dataset's 10,000 test images ("in") against the
other dataset's 10,000 ("out"): digits-trained models have MNIST in and Fashion-MNIST
out, clothes-trained ones the reverse. Each of the three scores of
autoencoder.detectors (reconstruction error; error minus a PCA background's, a
likelihood ratio; error minus PNG size, complexity-corrected) gives an AUC (below 0.5:
the score finds the strangers *more* familiar) and the share of "out" images caught
when 5% of the "in" ones are flagged.

    python benchmarks/detection_auc.py                     # every built model
    python benchmarks/detection_auc.py conv-32 fashion-conv-32
    python benchmarks/detection_auc.py --table             # the README's table, from the file

Computed here from the models and both test sets, not read from the shipped
assets/zoo/detection.json (which `python -m autoencoder zoo detection` writes the
same way); ``--table`` instead prints the shipped file's AUCs as the README's
markdown table (model, direction, one column per score), computing nothing.
Reads both datasets as the package does ($AUTOENCODER_DATA_DIR, or the Keras
download). Serving code only: NumPy and Pillow, no TensorFlow, nothing trained.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder import detection_summary, detectors, zoo  # noqa: E402
from autoencoder.data import load_dataset  # noqa: E402

SHORT = detection_summary.SHORT
RATE = 0.05  # false-positive rate at which the detection rate is reported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="zoo models (default: every built one)")
    parser.add_argument(
        "--table",
        action="store_true",
        help="print the AUCs of assets/zoo/detection.json as a markdown table, computing nothing",
    )
    arguments = parser.parse_args()
    if arguments.table:
        print(table(arguments.names))
        return
    built = {entry["name"]: entry for entry in zoo.read_manifest()}
    names = arguments.names or list(built)
    if not names:
        sys.exit("No model is built in assets/zoo: `python -m autoencoder zoo build`.")
    tests = {
        name: load_dataset(name, include_train=False).test.pixels
        for name in detection_summary.OTHER
    }
    cells = [f"{score} AUC | caught @5%" for score in detectors.SCORES]
    header = f"| {'model':<16} | in → out          | test PSNR | " + " | ".join(cells) + " |"
    print(header)
    print("| " + " | ".join("-" * (len(cell) - 2) for cell in header.split("|")[1:-1]) + " |")
    for name in names:
        started = time.perf_counter()
        model = zoo.load(name)
        inside = model.config.dataset
        background_name = detectors.BACKGROUND[inside]
        item = detection_summary.summarize(
            name,
            model,
            zoo.load(background_name),
            background_name,
            tests[inside],
            tests[detection_summary.OTHER[inside]],
        )
        figures = []
        for score in detectors.SCORES:
            summary = item.scores[score]
            caught = summary.rates(summary.threshold_for(RATE)).detection_rate
            figures.append(f"{summary.auc:.4f} | {caught:>6.1%}")
        direction = f"{SHORT[item.inside]} → {SHORT[item.outside]}"
        psnr = built.get(name, {}).get("metrics", {}).get("psnr", float("nan"))
        print(
            f"| {name:<16} | {direction:<17} | {psnr:>6.2f} dB | " + " | ".join(figures) + " |",
            flush=True,
        )
        print(f"  ({name}: {time.perf_counter() - started:.1f} s)", file=sys.stderr)
    print(f"\nBackgrounds of the ratio score: {detectors.BACKGROUND}.")


def table(names: list[str]) -> str:
    """The shipped file's AUCs (of ``names``, default every model it covers) as markdown."""
    items = detection_summary.read_all()
    if not items:
        sys.exit("assets/zoo has no detection.json: `python -m autoencoder zoo detection`.")
    unknown = sorted(set(names) - {item.name for item in items})
    if unknown:
        sys.exit(f"detection.json has no figures for {', '.join(unknown)}.")
    return detection_summary.markdown_table([i for i in items if not names or i.name in names])


if __name__ == "__main__":
    main()
