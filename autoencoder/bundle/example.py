"""Load the exported autoencoder with plain Keras, rebuild test images, decode a code, plot.

pip install tensorflow matplotlib
python example.py                    # test images through keras.datasets (downloads once)
python example.py --data mnist.npz   # or a local copy in the layout of Keras' mnist.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent


def load_test_images(data: Path | None, dataset: str, count: int) -> np.ndarray:
    """The first ``count`` test images as flat rows of 784 floats in [0, 1]."""
    if data is None:
        _, (x_test, _) = getattr(keras.datasets, dataset).load_data()
    else:
        with np.load(data) as arrays:
            x_test = arrays["x_test"]
    return x_test[:count].reshape(count, 784).astype("float32") / 255.0


def display(rows: list[np.ndarray], titles: list[str], path: Path) -> None:
    """One row of 28x28 pictures per array in ``rows``, titled on the left."""
    columns = len(rows[0])
    figure, axes = plt.subplots(len(rows), columns, figsize=(columns, len(rows) * 1.1))
    axes = np.asarray(axes).reshape(len(rows), columns)
    for row, (images, title) in enumerate(zip(rows, titles, strict=True)):
        for column, image in enumerate(images):
            axes[row, column].imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            axes[row, column].axis("off")
        axes[row, 0].set_title(title, loc="left", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    print(f"saved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="the .keras file (default: the one here)")
    parser.add_argument("--data", type=Path, help="a local .npz (default: keras.datasets)")
    parser.add_argument("--dataset", default="mnist", help="mnist or fashion_mnist")
    parser.add_argument("--count", type=int, default=10, help="test images to rebuild")
    parser.add_argument("--show", action="store_true", help="open the figures too")
    arguments = parser.parse_args()

    model = keras.models.load_model(arguments.model or next(HERE.glob("*.keras")))
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    images = load_test_images(arguments.data, arguments.dataset, arguments.count)

    reconstructions = model.predict(images, verbose=0)
    error = np.mean((images - reconstructions) ** 2)
    print(f"{len(images)} test images rebuilt: mean squared error {error:.4f}")

    codes = encoder.predict(images, verbose=0)
    if isinstance(codes, list):  # a VAE's encoder gives [mean, log-variance]
        codes = codes[0]
    halfway = (codes[0] + codes[1]) / 2  # a code of our own: between the first two images
    decoded = decoder.predict(halfway[np.newaxis], verbose=0)
    print(f"codes have {codes.shape[1]} numbers; decoded the one halfway between images 0 and 1")

    display([images, reconstructions], ["originals", "reconstructions"],
            HERE / "reconstructions.png")  # fmt: skip
    display([np.stack([images[0], decoded[0], images[1]])], ["image 0, halfway, image 1"],
            HERE / "decoded.png")  # fmt: skip
    if arguments.show:
        plt.show()


if __name__ == "__main__":
    main()
