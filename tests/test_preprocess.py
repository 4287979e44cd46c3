import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from autoencoder.preprocess import (
    BlankImageError,
    ImageError,
    canvas_to_ink,
    read_image,
    to_mnist,
)


def draw_seven(size=280, box=(40, 40, 240, 240), width=18) -> np.ndarray:
    """A '7' drawn white on black inside ``box`` of a size x size canvas."""
    image = Image.new("L", (size, size), 0)
    left, top, right, bottom = box
    pen = ImageDraw.Draw(image)
    pen.line([(left, top), (right, top)], fill=255, width=width)
    pen.line([(right, top), (left + (right - left) // 3, bottom)], fill=255, width=width)
    return np.asarray(image, dtype=np.float32) / 255


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    index = np.arange(image.shape[0])
    mass = image.sum()
    return (image.sum(1) * index).sum() / mass, (image.sum(0) * index).sum() / mass


def ink_extent(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((image > 0.1).any(1))
    columns = np.flatnonzero((image > 0.1).any(0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def assert_mnist_like(image: np.ndarray) -> None:
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(1)
    row, column = centre_of_mass(image)
    assert abs(row - 14) <= 0.6 and abs(column - 14) <= 0.6
    assert max(ink_extent(image)) in (19, 20, 21)


@pytest.mark.parametrize(
    "box",
    [
        (40, 40, 240, 240),  # large, centred
        (5, 5, 60, 70),  # small, in the top-left corner
        (200, 190, 275, 275),  # small, in the bottom-right corner
        (100, 20, 160, 260),  # tall and narrow
    ],
)
def test_digits_anywhere_come_out_centred_and_20_px_tall(box):
    assert_mnist_like(to_mnist(draw_seven(box=box)))


def test_shifted_digits_give_the_same_input():
    near = to_mnist(draw_seven(box=(20, 20, 120, 120), width=9))
    far = to_mnist(draw_seven(box=(150, 160, 250, 260), width=9))
    np.testing.assert_allclose(near, far, atol=1e-5)


def test_thick_strokes_still_fit_the_box():
    assert_mnist_like(to_mnist(draw_seven(width=60)))


def test_aspect_ratio_is_kept():
    height, width = ink_extent(to_mnist(draw_seven(box=(100, 20, 160, 260))))
    assert height == pytest.approx(20, abs=1)
    assert width < 10


def test_uint8_input_is_scaled():
    np.testing.assert_allclose(
        to_mnist((draw_seven() * 255).astype(np.uint8)), to_mnist(draw_seven()), atol=0.01
    )


@pytest.mark.parametrize("image", [np.zeros((280, 280)), np.full((50, 50), 0.02)])
def test_blank_images_are_reported(image):
    with pytest.raises(BlankImageError, match="blank"):
        to_mnist(image)


def test_rejects_non_2d_input():
    with pytest.raises(ImageError, match="2-D"):
        to_mnist(np.zeros((3, 3, 3)))


def test_canvas_pixels_become_ink():
    ink = draw_seven()
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., :3] = (ink * 255)[..., None]
    rgba[..., 3] = 255
    np.testing.assert_allclose(canvas_to_ink(rgba), ink, atol=1 / 255)
    rgba[..., 3] = (ink * 255).astype(np.uint8)  # clear background, white strokes
    assert_mnist_like(to_mnist(canvas_to_ink(rgba)))


def encode(array: np.ndarray, format: str = "PNG", mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, format=format)
    return buffer.getvalue()


def test_dark_on_light_uploads_are_inverted():
    ink = draw_seven()
    paper = (255 - ink * 255).astype(np.uint8)  # black pen on white paper
    result = to_mnist(read_image(encode(paper)))
    assert_mnist_like(result)
    assert result[0, 0] == 0  # the background became black
    np.testing.assert_allclose(result, to_mnist(ink), atol=0.02)


def test_light_on_dark_jpeg_upload():
    ink = (draw_seven() * 255).astype(np.uint8)
    assert_mnist_like(to_mnist(read_image(encode(ink, "JPEG", "RGB"))))


def test_grey_paper_photo():
    photo = (200 - draw_seven() * 150).astype(np.uint8)  # grey pencil on grey paper
    assert_mnist_like(to_mnist(read_image(encode(photo))))


def test_dark_strokes_on_a_transparent_background():
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[..., 3] = (draw_seven(size=100, box=(20, 20, 80, 80), width=8) * 255).astype(np.uint8)
    assert_mnist_like(to_mnist(read_image(encode(rgba, mode="RGBA"))))


def test_a_large_upload_is_read():
    big = (draw_seven(size=3000, box=(500, 500, 2500, 2500), width=150) * 255).astype(np.uint8)
    assert_mnist_like(to_mnist(read_image(encode(big))))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"hello, I am a text file", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|corrupt"),
    ],
)
def test_bad_uploads(data, message):
    with pytest.raises(ImageError, match=message):
        read_image(data)


def test_truncated_upload():
    data = encode((draw_seven() * 255).astype(np.uint8))
    with pytest.raises(ImageError, match="corrupt or truncated"):
        read_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    # A 30000 x 30000 PNG header: tiny file, 900 million pixels once decoded.
    bomb = Image.new("1", (30_000, 30_000))
    buffer = io.BytesIO()
    bomb.save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(ImageError, match=r"too large|decompression bomb"):
        read_image(buffer.getvalue())


def test_a_blank_upload_is_reported():
    white = np.full((64, 64), 255, dtype=np.uint8)
    with pytest.raises(BlankImageError):
        to_mnist(read_image(encode(white)))
