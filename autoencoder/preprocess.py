"""Turn a drawing or an uploaded picture into a 28x28 input the way MNIST was made.

MNIST's digits were scaled (keeping their aspect ratio, with antialiasing) to
fit a 20x20 box, then placed in a 28x28 frame so that their centre of mass
sits at the centre. A digit drawn small in a corner of a canvas must come out
the same, or the model sees something it never saw in training.

Uploads are untrusted: a 49 KB PNG can declare 25 million pixels. They are
opened with the uploader's formats only, measured before anything is decoded,
and shrunk to a working size as they are decoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from autoencoder.config import IMAGE_SIDE
from autoencoder.errors import AutoencoderError

DIGIT_BOX = 20  # MNIST digits fill a 20x20 box ...
CENTRE = 14.0  # ... with their centre of mass at pixel (14, 14) of the 28x28 frame.
INK_THRESHOLD = 0.1  # a pixel brighter than this (of the brightest) counts as ink

# The formats the Draw page's uploader offers, with their file extensions. Pillow
# tries only these: left alone it tries ~40 (EPS by running Ghostscript), whatever
# the file is called.
UPLOAD_FORMATS = {
    "PNG": ("png",),
    "JPEG": ("jpg", "jpeg"),
    "GIF": ("gif",),
    "BMP": ("bmp",),
    "WEBP": ("webp",),
}
UPLOAD_TYPES = [extension for extensions in UPLOAD_FORMATS.values() for extension in extensions]
FORMAT_NAMES = "a PNG, JPEG, GIF, BMP or WebP picture"
MAX_SIDE = 8_000  # px; a thin picture costs more than its area (1 x 25,000,000: 430 MB)
MAX_PIXELS = 16_000_000  # 64 MB as RGBA; Pillow's own guard only warns from 89 million
WORKING_SIDE = 560  # uploads are shrunk to this while decoding; 20 px needs no more
PREVIEW_SIDE = 280  # the picture shown back to the visitor
PREVIEW_BACKING = (128, 128, 128)  # transparent pixels are shown on mid-grey: both inks show

PAPER_SAMPLES = 2_500  # the paper is a smooth surface: a 50 x 50 grid of pixels fits it
NOISE_BLUR = 1.5  # px at WORKING_SIDE: averages grain and JPEG blocks, not strokes
NOISE_FLOOR = 6  # residuals within this many noise widths of the paper are paper
INK_CONTRAST = 4  # ink nearer the paper than this many noise widths is noise (pure noise: ~1)


class ImageError(AutoencoderError, ValueError):
    """An input that cannot become a digit; the message is one sentence saying what to do."""


class BlankImageError(ImageError):
    """The image holds no ink."""


@dataclass(frozen=True)
class Picture:
    """What an uploaded picture holds, ready for :func:`to_mnist` and for the page."""

    ink: np.ndarray  # bright-on-dark float32 in [0, 1], the decoded picture's size
    preview: Image.Image  # the picture as decoded: upright, 8-bit RGB, <= PREVIEW_SIDE a side
    noisy: bool  # the ink hardly stands out from the noise: what was found may be noise


def to_mnist(ink: np.ndarray) -> np.ndarray:
    """Bright-on-dark grey image of any size -> 28x28 float32 in [0, 1], MNIST-style.

    ``ink`` is 2-D, 0 for background and larger for ink (floats in [0, 1] or
    uint8). Raises :class:`BlankImageError` when there is no ink.
    """
    array = np.asarray(ink)
    if array.ndim != 2 or min(array.shape) < 1:
        raise ImageError(f"Expected a 2-D grey image, got shape {array.shape}.")
    array = array.astype(np.float32)
    if array.max(initial=0) > 1:
        array /= 255
    peak = float(array.max(initial=0))
    if not np.isfinite(peak) or peak < INK_THRESHOLD:
        raise BlankImageError("The image is blank: draw or upload a digit first.")

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
        raise ImageError(f"Expected RGB or RGBA canvas pixels, got shape {array.shape}.")
    grey = array[..., :3].mean(axis=2) / 255
    if array.shape[2] == 4:
        grey = grey * (array[..., 3] / 255)  # composite over black
    return grey


def read_image(data: bytes) -> Picture:
    """An uploaded picture's bytes -> its ink, a preview, and whether it is mostly noise.

    Works for dark-on-light and light-on-dark pictures alike, for unevenly lit,
    grainy photos, and for strokes on a transparent background. Raises
    :class:`ImageError` for anything that is not a sane picture.
    """
    return picture_from(_decode(data))


def _decode(data: bytes) -> Image.Image:
    """The upload's first frame, upright and at most WORKING_SIDE a side.

    Its size is checked from the header, before any pixel is decoded.
    """
    if not data:
        raise ImageError("The file is empty; upload a picture of a digit.")
    try:
        image = Image.open(io.BytesIO(data), formats=list(UPLOAD_FORMATS))
        _check_size(*image.size)
        image.draft(None, (WORKING_SIDE, WORKING_SIDE))  # JPEG: decode at 1/2 to 1/8 scale
        if image.mode in ("1", "P", "PA"):  # thumbnail() would shrink these by nearest neighbour
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        gap = None if image.mode.startswith("I;16") else 2.0  # reduce() refuses 16-bit samples
        image.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS, reducing_gap=gap)
        image.load()  # a small picture is left as it is by thumbnail(): decode it here
    except ImageError:
        raise
    except Image.DecompressionBombError:  # over twice Pillow's limit, refused inside open()
        raise ImageError(
            "This file claims to be an enormous picture; "
            f"upload a picture at most {MAX_SIDE} pixels on a side."
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"This file is not {FORMAT_NAMES}; upload one of those.") from None
    except Exception:  # Pillow's decoders raise many types on malformed input
        raise ImageError(
            "This picture is damaged or incomplete; save it again or upload another one."
        ) from None
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed EXIF block should not cost the picture itself
        return image


def _check_size(width: int, height: int) -> None:
    """Refuse sizes that would cost too much memory to decode; Pillow's own limit is far higher."""
    if max(width, height) > MAX_SIDE:
        raise ImageError(
            f"This file is {width} x {height} pixels; "
            f"upload a picture at most {MAX_SIDE} pixels on a side."
        )
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"This file is {width} x {height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"upload a picture of at most {MAX_PIXELS // 1_000_000} megapixels."
        )


def picture_from(image: Image.Image) -> Picture:
    """A decoded picture of any mode -> its ink, an 8-bit RGB preview, and whether it is noise."""
    image = _eight_bit(image)
    backing = Image.new("RGBA", image.size, PREVIEW_BACKING)
    preview = Image.alpha_composite(backing, image.convert("RGBA")).convert("RGB")
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    if image.mode == "RGBA":
        alpha = np.asarray(image.getchannel("A"), dtype=np.float32) / 255
        if _border(alpha).mean() < 0.5:  # strokes on a clear background: opacity is ink
            return Picture(alpha, preview, noisy=False)
    ink, noisy = _find_ink(image.convert("L"))
    return Picture(ink, preview, noisy)


def _eight_bit(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB, or RGBA when it has transparency."""
    if image.mode.startswith("I;16"):  # 16-bit samples: convert("L") would clip at 255
        values = np.asarray(image, dtype=np.float32) / 65535
    elif image.mode in ("I", "F"):  # no fixed range (any integer, any float): stretch it
        values = np.asarray(image, dtype=np.float64)
        finite = np.isfinite(values)
        low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0, 0)
        values = np.where(finite, values - low, 0) / (high - low if high > low else 1)
    else:
        if image.mode == "La":  # premultiplied alpha converts to LA only
            image = image.convert("LA")
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    return Image.fromarray(np.round(values * 255).astype(np.uint8)).convert("RGB")


def _find_ink(grey: Image.Image) -> tuple[np.ndarray, bool]:
    """A grey photo or scan of a digit -> its ink in [0, 1], and whether it is mostly noise.

    Photos are lit unevenly, grainy and JPEG-blocky, so one level of paper will
    not do: the paper is modelled as a smooth surface, the ink is told from what
    stands off it by Otsu's threshold, and whatever is within the noise is paper.
    """
    smooth = np.asarray(grey, dtype=np.float32) / 255
    grain = _noise(np.diff(smooth, axis=1)) / np.sqrt(2)  # neighbours differ by noise, not ink
    if grain > 1 / 255:  # a clean scan keeps its edges
        radius = NOISE_BLUR * max(grey.size) / WORKING_SIDE
        smooth = np.asarray(grey.filter(ImageFilter.GaussianBlur(radius)), np.float32) / 255
    residual = smooth - _paper(smooth)
    low, high = np.percentile(residual, [0.1, 99.9])
    if -low > high:  # the ink departs further below the paper than above: dark ink
        residual = -residual
    if np.ptp(residual) < 2 / 255:  # flat: nothing stands off the paper
        return np.zeros_like(residual), False
    threshold = _otsu(residual)
    ink_level = float(np.median(residual[residual >= threshold]))
    noise = max(_noise(residual[residual < threshold]), 1 / 255)
    floor = min(NOISE_FLOOR * noise, threshold)
    ink = np.clip((residual - floor) / max(ink_level - floor, 1e-6), 0, 1)
    return ink.astype(np.float32), ink_level < INK_CONTRAST * noise


def _paper(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness under uneven light: a quadratic surface fitted around the ink.

    Fitted on a grid of about PAPER_SAMPLES pixels; pixels more than three noise
    widths off the surface (ink, light or dark) are left out and the fit repeated.
    """
    height, width = grey.shape
    rows = np.linspace(-1, 1, height, dtype=np.float32)[:, None]
    columns = np.linspace(-1, 1, width, dtype=np.float32)[None, :]
    step = max(1, round((height * width / PAPER_SAMPLES) ** 0.5))
    terms = _quadratic_terms(rows[::step], columns[:, ::step]).reshape(-1, 6)
    values = grey[::step, ::step].ravel()
    coefficients = np.array([np.median(values), 0, 0, 0, 0, 0])  # flat paper: most of the picture
    for _ in range(4):
        residual = values - terms @ coefficients
        kept = np.abs(residual) < 3 * max(_noise(residual), 1 / 255)
        if kept.sum() < len(coefficients):
            break
        coefficients = np.linalg.lstsq(terms[kept], values[kept], rcond=None)[0]
    return _quadratic_terms(rows, columns) @ coefficients


def _quadratic_terms(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(rows, columns) grid -> the 6 terms of a quadratic surface at each point, last axis."""
    rows, columns = np.broadcast_arrays(rows, columns)
    return np.stack(
        [np.ones_like(rows), columns, rows, columns**2, rows * columns, rows**2], axis=-1
    )


def _noise(values: np.ndarray) -> float:
    """Robust standard deviation (from the median absolute deviation): ignores outliers."""
    if values.size == 0:
        return 0.0
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def _otsu(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold: the split of the histogram with the most variance between its sides."""
    counts, edges = np.histogram(values, bins=bins)
    weights = counts / counts.sum()
    centres = (edges[:-1] + edges[1:]) / 2
    below = np.cumsum(weights)[:-1]  # share of values in bins 0..k, for a split after bin k
    mass_below = np.cumsum(weights * centres)[:-1]
    mean = mass_below[-1] + weights[-1] * centres[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.nan_to_num((mean * below - mass_below) ** 2 / (below * (1 - below)))
    return float(edges[int(np.argmax(between)) + 1])


def _border(array: np.ndarray) -> np.ndarray:
    return np.concatenate([array[0], array[-1], array[:, 0], array[:, -1]])
