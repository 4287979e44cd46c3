"""A small real dataset in MNIST's layout: the letters A-J drawn from the DejaVu fonts, jittered.

Each image is one letter in one of the DejaVu faces that Debian ships
(``fonts-dejavu-core`` and ``-extra``: sans, serif, mono, condensed, bold,
oblique; else the 12 that matplotlib's wheel carries), turned,
sheared and stretched at random, thickened or not, then framed as MNIST's
digits were (:func:`autoencoder.preprocess.to_mnist`: a 20 px box, centred by
its centre of mass). Labels 0-9 stand for A-J. It is made here rather than
shipped, so no dataset lives in the repository::

    python -m autoencoder.letters --out ~/data/letters.npz
    python -m autoencoder train --data ~/data/letters.npz --out letters-model
"""

from __future__ import annotations

import argparse
import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from autoencoder.config import IMAGE_SIDE
from autoencoder.files import atomic_path
from autoencoder.preprocess import to_mnist

LETTERS = "ABCDEFGHIJ"
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
CANVAS = 128  # px: the letter is drawn large, then shrunk to 20 px as MNIST's digits were
FONT_SIZE = 80
MAX_TURN_DEGREES = 12
MAX_SHEAR = 0.25
STRETCH = (0.8, 1.2)
SKIPPED_FACES = ("Math", "Display")


def font_files(folders: Sequence[Path] | None = None) -> list[Path]:
    """The DejaVu faces found: Debian's, else the ones matplotlib's wheel carries.

    The math face's letters are the sans ones; matplotlib's display faces hold a few symbols.
    """
    for group in (FONT_DIRS, _matplotlib_fonts()) if folders is None else (folders,):
        found = sorted(
            path
            for folder in group
            if folder.is_dir()
            for path in folder.glob("DejaVu*.ttf")
            if not any(part in path.name for part in SKIPPED_FACES)
        )
        if found:
            return found
    raise FileNotFoundError(
        "no DejaVu fonts found; install them (apt-get install fonts-dejavu-core) or matplotlib"
    )


def _matplotlib_fonts() -> tuple[Path, ...]:
    spec = importlib.util.find_spec("matplotlib")  # its folder, without importing it
    if spec is None or spec.origin is None:
        return ()
    return (Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf",)


def render(letter: str, font: ImageFont.FreeTypeFont, rng: np.random.Generator) -> np.ndarray:
    """One jittered letter as a 28x28 uint8 image, white on black."""
    canvas = Image.new("L", (CANVAS, CANVAS), 0)
    ImageDraw.Draw(canvas).text((CANVAS / 2, CANVAS / 2), letter, fill=255, font=font, anchor="mm")
    turn = math.radians(rng.uniform(-MAX_TURN_DEGREES, MAX_TURN_DEGREES))
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR)
    stretch_x, stretch_y = rng.uniform(*STRETCH, size=2)
    # The inverse map (output pixel -> input pixel) that PIL's affine transform takes, about
    # the centre: rotate, shear along x, stretch.
    cos, sin = math.cos(turn), math.sin(turn)
    a, b = cos / stretch_x, (sin + shear * cos) / stretch_x
    d, e = -sin / stretch_y, (cos - shear * sin) / stretch_y
    centre = CANVAS / 2
    c = centre - a * centre - b * centre
    f = centre - d * centre - e * centre
    moved = canvas.transform(
        canvas.size, Image.Transform.AFFINE, (a, b, c, d, e, f), Image.Resampling.BILINEAR
    )
    if rng.random() < 0.5:  # a thicker pen for half of them
        moved = moved.filter(ImageFilter.MaxFilter(5))
    return np.round(to_mnist(np.asarray(moved)) * 255).astype(np.uint8)


def make_letters(
    train: int = 6000, test: int = 1000, seed: int = 0, fonts: Sequence[Path] | None = None
) -> dict[str, np.ndarray]:
    """``x_train``, ``y_train``, ``x_test``, ``y_test``: balanced classes, shuffled, seeded."""
    faces = [ImageFont.truetype(str(path), FONT_SIZE) for path in fonts or font_files()]
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, count in (("train", train), ("test", test)):
        labels = rng.permutation(np.arange(count) % len(LETTERS)).astype(np.uint8)
        images = np.empty((count, IMAGE_SIDE, IMAGE_SIDE), np.uint8)
        for index, label in enumerate(labels):
            face = faces[rng.integers(len(faces))]
            images[index] = render(LETTERS[label], face, rng)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = images, labels
    return arrays


def write_letters(out: Path, train: int = 6000, test: int = 1000, seed: int = 0) -> Path:
    """Make the dataset and save it as a compressed ``.npz`` at ``out`` (atomically)."""
    arrays = make_letters(train, test, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as temporary, open(temporary, "wb") as stream:
        np.savez_compressed(stream, **arrays)  # a stream: numpy adds no .npz suffix
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autoencoder.letters",
        description="Make the letters A-J dataset (DejaVu fonts, jittered) in MNIST's layout.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.npz")
    parser.add_argument("--train", type=int, default=6000, metavar="N", help="training images")
    parser.add_argument("--test", type=int, default=1000, metavar="N", help="test images")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    if arguments.train < 1 or arguments.test < 1:
        parser.error("--train and --test must be at least 1")
    out = write_letters(arguments.out.expanduser(), arguments.train, arguments.test, arguments.seed)
    print(f"saved {arguments.train} + {arguments.test} letters to {out.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
