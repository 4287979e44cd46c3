"""Pictures of 28x28 images as uint8 arrays: enlarged, tiled, diffed, labelled, as PNG.

The pages show these; ``components/live/pictures.js`` draws ``enlarge`` and
``error_map`` the same way in the browser. NumPy and Pillow only: no
matplotlib (its import alone costs the server about 40 MB) for a few words
under a picture.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np

from autoencoder.config import IMAGE_SIDE

ZOOM = 8  # 28 px -> 224 px on screen, pixels kept sharp
WHITE = 255
# The error map's two colours, Okabe and Ito's colour-blind-safe orange and sky blue: told
# apart with any colour vision, and 9.3:1 and 9.1:1 against its black at full strength.
TOO_MUCH_INK = (230, 159, 0)
TOO_LITTLE_INK = (86, 180, 233)


def enlarge(image: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """A 28x28 image in [0, 1] as big uint8 pixels (no blur: people should see pixels)."""
    square = np.clip(np.asarray(image, dtype=np.float32).reshape(IMAGE_SIDE, IMAGE_SIDE), 0, 1)
    return np.kron((square * 255).astype(np.uint8), np.ones((zoom, zoom), dtype=np.uint8))


def error_map(original: np.ndarray, reconstruction: np.ndarray, zoom: int = ZOOM) -> np.ndarray:
    """RGB picture of reconstruction - original: orange where ink was added, sky blue where lost."""
    difference = (
        np.asarray(reconstruction, dtype=np.float32) - np.asarray(original, dtype=np.float32)
    ).reshape(IMAGE_SIDE, IMAGE_SIDE)
    # On black like the digits; the square root lifts small errors into view.
    added = np.sqrt(np.clip(difference, 0, 1))[..., np.newaxis]
    lost = np.sqrt(np.clip(-difference, 0, 1))[..., np.newaxis]
    rgb = added * np.float32(TOO_MUCH_INK) + lost * np.float32(TOO_LITTLE_INK)
    big = np.kron(np.clip(rgb, 0, 255), np.ones((zoom, zoom, 1), dtype=np.float32))
    return big.astype(np.uint8)


def tile(
    images: np.ndarray, columns: int, zoom: int = 3, gap: int = 2, background: int = 128
) -> np.ndarray:
    """Flat 28x28 images side by side in rows, as one uint8 picture with grey gaps."""
    images = np.clip(np.asarray(images, dtype=np.float32).reshape(-1, IMAGE_SIDE, IMAGE_SIDE), 0, 1)
    rows = -(-len(images) // columns)
    side = IMAGE_SIDE * zoom
    picture = np.full(
        (rows * side + (rows - 1) * gap, columns * side + (columns - 1) * gap), background, np.uint8
    )
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        top, left = row * (side + gap), column * (side + gap)
        picture[top : top + side, left : left + side] = enlarge(image, zoom)
    return picture


def text_strip(
    texts: list[str], cell: int, gap: int, height: int = 16, size: int = 12
) -> np.ndarray:
    """Dark ``texts`` on white as one uint8 row, each centred in a cell ``cell`` px wide,
    cells ``gap`` apart, in a ``size`` px font (Pillow's built-in one)."""
    from PIL import Image, ImageDraw

    width = len(texts) * cell + (len(texts) - 1) * gap
    strip = Image.new("L", (max(width, 1), height), WHITE)
    draw = ImageDraw.Draw(strip)
    for index, text in enumerate(texts):
        left = index * (cell + gap)
        draw.text((left + cell / 2, height / 2), text, fill=40, font=font(size), anchor="mm")
    return np.asarray(strip)


def labelled(name: str, row: np.ndarray, width: int, gap: int) -> np.ndarray:
    """A grey row with ``name`` written in a white column ``width`` px wide on its left."""
    label = text_strip([name], width, 0, height=row.shape[0])
    return np.hstack([label, np.full((row.shape[0], gap), WHITE, np.uint8), row])


def blank(height: int, width: int) -> np.ndarray:
    """A white gap of ``height`` x ``width`` px."""
    return np.full((height, width), WHITE, np.uint8)


@functools.lru_cache(maxsize=4)
def font(size: int) -> Any:
    """Pillow's built-in font at ``size`` px (loaded once per size)."""
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def png(picture: np.ndarray) -> bytes:
    """A uint8 picture as PNG bytes: a few KB to cache instead of its pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()
