"""Turn a drawing or an uploaded picture into a 28x28 input the way MNIST was made.

MNIST's digits were scaled (keeping their aspect ratio, with antialiasing) to
fit a 20x20 box, then placed in a 28x28 frame so that their centre of mass
sits at the centre. A digit drawn small in a corner of a canvas must come out
the same, or the model sees something it never saw in training.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from autoencoder.config import IMAGE_SIDE

DIGIT_BOX = 20  # MNIST digits fill a 20x20 box ...
CENTRE = 14.0  # ... with their centre of mass at pixel (14, 14) of the 28x28 frame.
INK_THRESHOLD = 0.1  # a pixel brighter than this (of the brightest) counts as ink
MAX_UPLOAD_PIXELS = 25_000_000  # larger uploads are refused before decoding
WORKING_SIDE = 560  # big uploads are shrunk to this first; detail beyond it is lost at 20 px


class ImageError(ValueError):
    """An input that cannot become a digit; the message says what to do."""


class BlankImageError(ImageError):
    """The image holds no ink."""


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """Bright-on-dark grey image of any size -> 28x28 float32 in [0, 1], MNIST-style.

    ``ink`` is 2-D, 0 for background and larger for ink (floats in [0, 1] or
    uint8). Raises :class:`BlankImageError` when there is no ink.
    """
    array = np.asarray(ink)
    if array.ndim != 2 or min(array.shape) < 1:
        raise ImageError(f"expected a 2-D grey image, got shape {array.shape}")
    array = array.astype(np.float32)
    if array.max(initial=0) > 1:
        array /= 255
    peak = float(array.max(initial=0))
    if not np.isfinite(peak) or peak < INK_THRESHOLD:
        raise BlankImageError("the image is blank: draw or upload a digit first")

    rows = np.flatnonzero((array > INK_THRESHOLD * peak).any(axis=1))
    columns = np.flatnonzero((array > INK_THRESHOLD * peak).any(axis=0))
    crop = array[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1] / peak

    height, width = crop.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(crop).resize(size, Image.Resampling.LANCZOS)
    digit = np.clip(np.asarray(resized, dtype=np.float32), 0, None)
    digit /= max(float(digit.max()), 1e-6)  # strokes saturate, as in MNIST

    mass = digit.sum()
    centre_row = float((digit.sum(axis=1) * np.arange(digit.shape[0])).sum() / mass)
    centre_column = float((digit.sum(axis=0) * np.arange(digit.shape[1])).sum() / mass)
    top = _offset(CENTRE - centre_row, digit.shape[0])
    left = _offset(CENTRE - centre_column, digit.shape[1])

    frame = np.zeros((IMAGE_SIDE, IMAGE_SIDE), dtype=np.float32)
    frame[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    return np.clip(frame, 0, 1)


def _offset(shift: float, length: int) -> int:
    """Integer placement that centres the mass, kept inside the frame."""
    return int(np.clip(round(shift), 0, IMAGE_SIDE - length))


def canvas_to_ink(rgba: np.ndarray) -> np.ndarray:
    """The canvas' RGBA pixels (light strokes on a dark or clear background) -> ink."""
    array = np.asarray(rgba, dtype=np.float32)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ImageError(f"expected RGB or RGBA canvas pixels, got shape {array.shape}")
    grey = array[..., :3].mean(axis=2) / 255
    if array.shape[2] == 4:
        grey = grey * (array[..., 3] / 255)  # composite over black
    return grey


def read_image(data: bytes) -> np.ndarray:
    """An uploaded PNG/JPEG/... -> bright-on-dark ink in [0, 1].

    Works for dark-on-light and light-on-dark pictures alike (the background
    is taken from the border), and for strokes on a transparent background.
    Raises :class:`ImageError` for anything that is not a sane image.
    """
    if not data:
        raise ImageError("the file is empty; upload a PNG or JPEG of a digit")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_UPLOAD_PIXELS:
                raise ImageError(
                    f"the image is {width}x{height} pixels, too large to read safely; "
                    "crop or shrink it to a few thousand pixels a side"
                )
            image = ImageOps.exif_transpose(image)
            image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
            image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            "the image claims to be enormous (a decompression bomb?); upload a normal picture"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(
            "this file is not an image Pillow can read; upload a PNG or JPEG"
        ) from None
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise ImageError(f"the image is corrupt or truncated ({error}); try another file") from None
    return _ink_of(image)


def _ink_of(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = np.asarray(image.convert("RGBA"), dtype=np.float32)[..., 3] / 255
        if _border(alpha).mean() < 0.5:  # strokes on a clear background: opacity is ink
            return alpha
    grey = np.asarray(image.convert("L"), dtype=np.float32) / 255
    background = float(np.median(_border(grey)))
    if background > 0.5:  # dark ink on light paper: invert
        grey, background = 1 - grey, 1 - background
    return np.clip((grey - background) / max(1 - background, 1e-6), 0, 1)


def _border(array: np.ndarray) -> np.ndarray:
    return np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
