import io
import struct
import zlib

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image, ImageDraw, ImageFile, JpegImagePlugin

from autoencoder.preprocess import (
    BlankImageError,
    ImageError,
    canvas_to_ink,
    picture_from,
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


def encode(array: np.ndarray, format: str = "PNG", mode: str = "L", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, format=format, **options)
    return buffer.getvalue()


def save(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def paper(ink: np.ndarray) -> np.ndarray:
    """Black pen on white paper, uint8."""
    return (255 - ink * 255).astype(np.uint8)


def close_to(result: np.ndarray, expected: np.ndarray, tolerance: float = 0.01) -> bool:
    """Two 28x28 inputs that differ by little on average (blurring the edges is allowed)."""
    return float(np.abs(result - expected).mean()) < tolerance


# Uploads: what works ------------------------------------------------------------


def test_dark_on_light_uploads_are_inverted():
    ink = draw_seven()
    result = to_mnist(read_image(encode(paper(ink))).ink)
    assert_mnist_like(result)
    assert result[0, 0] == 0  # the background became black
    np.testing.assert_allclose(result, to_mnist(ink), atol=0.02)


def test_light_on_dark_jpeg_upload():
    ink = (draw_seven() * 255).astype(np.uint8)
    assert_mnist_like(to_mnist(read_image(encode(ink, "JPEG", "RGB")).ink))


def test_grey_paper_photo():
    photo = (200 - draw_seven() * 150).astype(np.uint8)  # grey pencil on grey paper
    assert_mnist_like(to_mnist(read_image(encode(photo)).ink))


def test_dark_strokes_on_a_transparent_background():
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[..., 3] = (draw_seven(size=100, box=(20, 20, 80, 80), width=8) * 255).astype(np.uint8)
    picture = read_image(encode(rgba, mode="RGBA"))
    assert_mnist_like(to_mnist(picture.ink))
    assert picture.preview.mode == "RGB"  # transparency shown on grey, not dropped


@pytest.mark.parametrize("format", ["PNG", "JPEG", "GIF", "BMP", "WEBP"])
def test_every_offered_format_is_read(format):
    picture = read_image(encode(paper(draw_seven()), format, "RGB"))
    assert close_to(to_mnist(picture.ink), to_mnist(draw_seven()), 0.02)
    assert not picture.noisy


def test_a_large_upload_is_shrunk_while_decoding():
    big = (draw_seven(size=3000, box=(500, 500, 2500, 2500), width=150) * 255).astype(np.uint8)
    picture = read_image(encode(big))
    assert max(picture.ink.shape) == 560
    assert max(picture.preview.size) == 280 and picture.preview.mode == "RGB"
    assert_mnist_like(to_mnist(picture.ink))


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(monkeypatch):
    decoded_sizes = []
    load = JpegImagePlugin.JpegImageFile.load

    def spy(image):
        decoded_sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    photo = Image.fromarray(paper(draw_seven(size=2400, box=(480, 480, 1920, 1920), width=120)))
    picture = read_image(save(photo, "JPEG", quality=80))
    assert decoded_sizes and max(decoded_sizes[0]) <= 600  # draft(): 1/4 scale, not 1/2 or 1
    assert_mnist_like(to_mnist(picture.ink))


@pytest.mark.parametrize("format", ["JPEG", "PNG"])
def test_exif_orientation_is_applied(format):
    upright = Image.fromarray(paper(draw_seven(size=300, box=(60, 40, 200, 260))))
    upright = upright.crop((0, 0, 240, 300))  # portrait, so a wrong turn shows in the preview
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; rotate 90 degrees clockwise to view
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a turned camera stores
    picture = read_image(save(stored.convert("RGB"), format, exif=exif.tobytes()))
    assert picture.preview.size == (224, 280)  # portrait, as the visitor took it
    assert close_to(to_mnist(picture.ink), to_mnist(draw_seven(size=300, box=(60, 40, 200, 260))))


@pytest.mark.parametrize("format", ["GIF", "WEBP"])
def test_an_animation_is_read_from_its_first_frame(format):
    seven = Image.fromarray(paper(draw_seven())).convert("RGB")
    bar = Image.new("RGB", seven.size, "white")
    ImageDraw.Draw(bar).rectangle((20, 130, 260, 150), fill="black")
    data = save(seven, format, save_all=True, append_images=[bar], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    assert close_to(to_mnist(read_image(data).ink), to_mnist(draw_seven()), 0.02)


@pytest.mark.parametrize("size", [280, 2240])  # shrunk while decoding, or not
def test_a_16_bit_png_is_scaled_from_its_full_range(size):
    # 16-bit samples span 0-65535: clipped to 8 bits, this paper and this ink are both white.
    ink = draw_seven(
        size, box=(size // 7, size // 7, size * 6 // 7, size * 6 // 7), width=size // 15
    )
    samples = (60_000 - ink * 55_000).astype(np.uint16)
    data = save(Image.fromarray(samples))
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    picture = read_image(data)
    assert close_to(to_mnist(picture.ink), to_mnist(ink))
    assert picture.preview.mode == "RGB"  # 8-bit: st.image can show it


def in_mode(mode: str) -> Image.Image:
    """The 7 drawn black on white paper, in Pillow's ``mode`` with its natural range."""
    light = Image.fromarray(paper(draw_seven()))
    if mode == "I;16":
        return Image.fromarray(np.asarray(light, dtype=np.uint16) * 257)
    if mode == "I":  # e.g. 12-bit samples from a scientific camera
        return Image.fromarray(np.asarray(light, dtype=np.int32) * 16 + 1000)
    if mode == "F":  # e.g. a float TIFF of reflectance
        return Image.fromarray(np.asarray(light, dtype=np.float32) / 255 * 0.8 + 0.1)
    return light.convert(mode, dither=Image.Dither.NONE)  # with alpha: opaque


@pytest.mark.parametrize(
    "mode", ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "YCbCr", "I;16", "I", "F"]
)
def test_every_mode_gives_the_digit(mode):
    image = in_mode(mode)
    assert image.mode == mode
    picture = picture_from(image)
    assert close_to(to_mnist(picture.ink), to_mnist(draw_seven()))
    assert picture.preview.mode == "RGB"


@pytest.mark.parametrize("mode", ["1", "P"])
def test_big_1_bit_and_palette_pictures_read_like_their_grey_twin(mode):
    # Shrunk as they are, by nearest neighbour, thin strokes would break up.
    grey = Image.fromarray(paper(draw_seven(size=2240, box=(400, 400, 1800, 1800), width=4)))
    twin = grey.convert(mode, dither=Image.Dither.NONE)
    expected = to_mnist(read_image(save(grey)).ink)
    assert close_to(to_mnist(read_image(save(twin)).ink), expected, 0.002)


@pytest.mark.parametrize("mode", Image.MODES)
def test_no_mode_crashes(mode):
    picture = picture_from(Image.new(mode, (30, 20)))
    assert picture.ink.shape == (20, 30) and picture.preview.mode == "RGB"


# Photos -------------------------------------------------------------------------


def photo_of_a_seven(noise: float = 12, seed: int = 0) -> tuple[bytes, np.ndarray]:
    """A phone photo: light, warm paper lit from one side, sensor noise, JPEG quality 70."""
    ink = draw_seven(size=400, box=(150, 50, 260, 240), width=16)[:300]  # 400 x 300
    rows, columns = np.mgrid[0:300, 0:400]
    light = 140 + 90 * columns / 400 + 25 * rows / 300  # 140 in a corner, 255 in the other
    grey = light * (1 - 0.65 * ink) + np.random.default_rng(seed).normal(0, noise, ink.shape)
    rgb = np.clip(grey, 0, 255)[..., None] * np.array([1.0, 0.97, 0.9])
    return encode(rgb.astype(np.uint8), "JPEG", "RGB", quality=70), ink


@pytest.mark.parametrize("noise", [12, 25])
def test_a_noisy_unevenly_lit_photo_gives_the_digit(noise):
    data, ink = photo_of_a_seven(noise)
    picture = read_image(data)
    result = to_mnist(picture.ink)
    assert_mnist_like(result)
    assert close_to(result, to_mnist(ink))  # not a grey rectangle with a small 7 in it
    assert not picture.noisy


def test_pure_noise_is_flagged():
    rng = np.random.default_rng(1)
    noise = np.clip(rng.normal(128, 40, (300, 400)), 0, 255).astype(np.uint8)
    assert read_image(encode(noise, "JPEG", "RGB", quality=70)).noisy


def test_a_blank_upload_is_reported():
    white = np.full((64, 64), 255, dtype=np.uint8)
    with pytest.raises(BlankImageError):
        to_mnist(read_image(encode(white)).ink)


# Uploads: what is refused -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty; upload"),
        (b"hello, I am a text file", "not a PNG, JPEG, GIF, BMP or WebP picture"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a PNG|damaged"),
    ],
)
def test_bad_uploads(data, message):
    with pytest.raises(ImageError, match=message):
        read_image(data)


def test_truncated_upload():
    data = encode((draw_seven() * 255).astype(np.uint8))
    with pytest.raises(ImageError, match="damaged or incomplete; save it again"):
        read_image(data[: len(data) // 2])


def fail_if_decoded(monkeypatch) -> None:
    def decode(image):
        raise AssertionError(f"decoded a {image.size} picture")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


@pytest.mark.parametrize("size", [(8001, 1), (1, 8001), (8001, 1999)])
def test_a_picture_over_8000_pixels_a_side_is_refused_before_decoding(monkeypatch, size):
    width, height = size
    assert width * height < 16_000_000  # only the side is too large
    data = save(Image.new("1", size))
    fail_if_decoded(monkeypatch)
    with pytest.raises(ImageError) as refusal:
        read_image(data)
    assert str(refusal.value) == (
        f"This file is {width} x {height} pixels; upload a picture at most 8000 pixels on a side."
    )


def test_the_25_megapixel_line_is_refused_in_one_sentence():
    with pytest.raises(ImageError) as refusal:
        read_image(save(Image.new("1", (25_000_000, 1))))
    assert str(refusal.value) == (
        "This file is 25000000 x 1 pixels; upload a picture at most 8000 pixels on a side."
    )


def test_a_picture_over_16_megapixels_is_refused_before_decoding(monkeypatch):
    data = save(Image.new("1", (4001, 4000)))  # 16.004 Mpx: far under Pillow's 89 Mpx limit
    fail_if_decoded(monkeypatch)
    with pytest.raises(ImageError) as refusal:
        read_image(data)
    assert str(refusal.value) == (
        "This file is 4001 x 4000 pixels (16 megapixels); "
        "upload a picture of at most 16 megapixels."
    )


def test_pictures_at_the_limits_are_read():
    assert read_image(save(Image.new("L", (8000, 2), 255))).ink.shape == (1, 560)
    assert read_image(save(Image.new("1", (4000, 4000)))).ink.shape == (560, 560)


def png_header(width: int, height: int) -> bytes:
    """The start of a 1-bit PNG of width x height: all a reader sees before decoding."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))


def test_decompression_bomb_is_refused_before_decoding():
    # 900 million pixels: over twice Pillow's limit, so Pillow refuses it inside open().
    data = png_header(30_000, 30_000)
    assert Image.open(io.BytesIO(png_header(3_000, 3_000))).size == (3_000, 3_000)
    with pytest.raises(ImageError, match="enormous picture; upload a picture at most 8000 pixels"):
        read_image(data)


@pytest.mark.parametrize(
    ("format", "mode"),
    [
        ("EPS", "L"),  # read by running Ghostscript
        ("PPM", "L"),  # one of the five formats Pillow tries before any other
        ("TIFF", "I"),  # 32-bit integers
        ("TIFF", "F"),  # 32-bit floats
    ],
)
def test_other_formats_are_refused_whatever_the_name(monkeypatch, format, mode):
    data = save(in_mode(mode), format)  # as if named digit.png: Streamlit checks only names
    assert Image.open(io.BytesIO(data)).format == format  # Pillow alone would open it
    ghostscript_runs = []
    monkeypatch.setattr(
        EpsImagePlugin, "Ghostscript", lambda *args, **_: ghostscript_runs.append(1)
    )
    with pytest.raises(ImageError) as refusal:
        read_image(data)
    assert str(refusal.value) == (
        "This file is not a PNG, JPEG, GIF, BMP or WebP picture; upload one of those."
    )
    assert not ghostscript_runs
