"""Pictures of 28x28 images: sharp enlargements, error maps, grids, labels, PNGs."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from autoencoder.pictures import (
    TOO_LITTLE_INK,
    TOO_MUCH_INK,
    blank,
    enlarge,
    error_map,
    labelled,
    png,
    text_strip,
    tile,
)


def test_enlarge_keeps_pixels_sharp():
    image = np.zeros(784, dtype=np.float32)
    image[0] = 1
    big = enlarge(image, zoom=4)
    assert big.shape == (112, 112)
    assert big.dtype == np.uint8
    assert (big[:4, :4] == 255).all()
    assert big[4:, 4:].max() == 0


def test_error_map_colours_extra_ink_orange_and_missing_ink_sky_blue():
    original = np.zeros((28, 28), dtype=np.float32)
    reconstruction = original.copy()
    original[0, 0] = 1  # missed by the reconstruction
    reconstruction[0, 1] = 1  # invented by it
    picture = error_map(original, reconstruction, zoom=1)
    assert picture.shape == (28, 28, 3)
    assert tuple(picture[0, 0]) == TOO_LITTLE_INK
    assert tuple(picture[0, 1]) == TOO_MUCH_INK
    assert picture[5, 5].max() == 0


def test_tile_lays_images_out_in_rows_with_gaps():
    images = np.ones((5, 784), dtype=np.float32)
    picture = tile(images, columns=3, zoom=1, gap=2)
    assert picture.shape == (28 * 2 + 2, 28 * 3 + 2 * 2)
    assert picture[0, 28] == 128  # a gap
    assert picture[30, 60] == 128  # the empty sixth slot stays grey
    assert picture[30, 0] == 255


def test_text_strip_centres_dark_words_in_cells():
    strip = text_strip(["1", "22"], cell=40, gap=4, height=16)
    assert strip.shape == (16, 2 * 40 + 4)
    assert strip.dtype == np.uint8
    assert strip[:, :40].min() < 128 and strip[:, 44:].min() < 128  # ink in each cell
    assert (strip[:, 40:44] == 255).all()  # the gap stays white
    assert (strip[:, :5] == 255).all()  # centred: no ink at the cell's edge


def test_labelled_puts_a_name_column_left_of_a_row():
    row = np.zeros((20, 30), dtype=np.uint8)
    picture = labelled("rebuilt", row, width=60, gap=4)
    assert picture.shape == (20, 60 + 4 + 30)
    assert picture[:, :60].min() < 128  # the name is written
    assert (picture[:, 60:64] == 255).all()
    assert (picture[:, 64:] == 0).all()  # the row itself, untouched
    assert (labelled("", row, width=60, gap=4)[:, :64] == 255).all()
    assert (blank(3, 7) == 255).all() and blank(3, 7).shape == (3, 7)


def test_png_round_trips_the_pixels():
    picture = tile(np.random.default_rng(0).random((3, 784)), columns=3, zoom=1)
    decoded = np.asarray(Image.open(io.BytesIO(png(picture))))
    assert np.array_equal(decoded, picture)


def _contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG's contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, int, int]) -> float:
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.divide(rgb, 255)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_error_map_colours_reach_3_to_1_on_its_black():
    for colour in (TOO_MUCH_INK, TOO_LITTLE_INK):
        assert _contrast(colour, (0, 0, 0)) >= 3
    # and differ in lightness too, not in hue alone
    assert _contrast(TOO_MUCH_INK, TOO_LITTLE_INK) != 1
