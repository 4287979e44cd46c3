"""The views' image helpers."""

import numpy as np

from views.common import enlarge, error_map, tile


def test_enlarge_keeps_pixels_sharp():
    image = np.zeros(784, dtype=np.float32)
    image[0] = 1
    big = enlarge(image, zoom=4)
    assert big.shape == (112, 112)
    assert big.dtype == np.uint8
    assert (big[:4, :4] == 255).all()
    assert big[4:, 4:].max() == 0


def test_error_map_colours_extra_ink_red_and_missing_ink_blue():
    original = np.zeros((28, 28), dtype=np.float32)
    reconstruction = original.copy()
    original[0, 0] = 1  # missed by the reconstruction
    reconstruction[0, 1] = 1  # invented by it
    picture = error_map(original, reconstruction, zoom=1)
    assert picture.shape == (28, 28, 3)
    assert tuple(picture[0, 0]) == (0, 63, 255)
    assert tuple(picture[0, 1]) == (255, 63, 0)
    assert picture[5, 5].max() == 0


def test_tile_lays_images_out_in_rows_with_gaps():
    images = np.ones((5, 784), dtype=np.float32)
    picture = tile(images, columns=3, zoom=1, gap=2)
    assert picture.shape == (28 * 2 + 2, 28 * 3 + 2 * 2)
    assert picture[0, 28] == 128  # a gap
    assert picture[30, 60] == 128  # the empty sixth slot stays grey
    assert picture[30, 0] == 255
