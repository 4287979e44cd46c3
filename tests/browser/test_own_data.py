"""Take it with you and bring your own: a Keras download that plain Keras opens, a model
trained on a dataset file of one's own, and the handwriting page, in a real browser."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from playwright.sync_api import expect

from autoencoder.artifact import load_model
from autoencoder.letters import write_letters
from benchmarks.finetune import HAND
from tests.browser.conftest import assert_no_exception, readme_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EXPORT_SECONDS = 240_000  # ms: the child imports TensorFlow on a shared 2-core host
PREDICT_SCRIPT = """
import importlib.util, sys
import keras
import numpy as np
assert importlib.util.find_spec("autoencoder") is None, "plain Keras must not see the package"
model = keras.models.load_model(sys.argv[1])
np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
"""


def test_the_default_model_downloads_as_a_keras_file_that_plain_keras_matches(
    page, app_url, tmp_path, mnist_data_dir
):
    page.goto(f"{app_url}/train")
    page.get_by_role("button", name="Make the Keras file").click()
    download_button = page.get_by_role("button", name="Download it (.keras, in a zip)")
    download_button.wait_for(timeout=EXPORT_SECONDS)
    assert_no_exception(page)
    with page.expect_download() as download:
        download_button.click()
    bundle = tmp_path / download.value.suggested_filename
    download.value.save_as(bundle)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    (keras_path,) = tmp_path.glob("*/*.keras")

    with np.load(mnist_data_dir / "mnist.npz") as arrays:
        images = arrays["x_test"][:8].reshape(-1, 784).astype(np.float32) / 255
    np.save(tmp_path / "images.npy", images)
    result = subprocess.run(
        [sys.executable, "-I", "-c", PREDICT_SCRIPT, str(keras_path), "images.npy", "out.npy"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    served = load_model().reconstruct(images)  # the app's own reconstruction (NumPy)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), served, atol=1e-5)
    assert "load_model" in (keras_path.parent / "README.md").read_text()


def test_a_model_trains_one_epoch_on_the_letters_file_in_the_page(page, app_url, tmp_path):
    letters = write_letters(tmp_path / "letters.npz", train=1000, test=200)
    page.goto(f"{app_url}/train")
    page.get_by_text("My own file (.npz)").click()
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Your dataset")
    uploader.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(letters))
    page.get_by_text("1,000 training and 200 test images, with labels").wait_for()
    for slider in ("Epochs", "Training images (fewer trains faster)"):
        page.get_by_role("slider", name=slider).press("Home")  # 1 epoch, 1,000 images
    page.get_by_text("epoch,", exact=False).first.wait_for()
    page.get_by_role("button", name="Start training").click()
    page.get_by_text("It is now your model on every page").wait_for(timeout=EXPORT_SECONDS)
    page.get_by_text("Your model on your own images").wait_for()
    assert page.get_by_role("img", name="test images of letters.npz above their").count() == 1
    assert_no_exception(page)


def draw(page, digit: int) -> None:
    """Trace ``digit`` of benchmarks/finetune.py's hand with the mouse, stroke by stroke."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    for line in HAND[digit]:
        points = [(box["x"] + 280 * x, box["y"] + 280 * y) for x, y in line]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=8)
        page.mouse.up()


def test_writing_twenty_digits_and_teaching_them_lowers_their_error(page, app_url):
    page.goto(f"{app_url}/handwriting")
    for n in range(20):
        digit = n % 10
        page.get_by_role("heading", name=f"Draw a {digit}").wait_for()
        draw(page, digit)
        page.wait_for_timeout(600)  # a hand lifts the pen, then clicks: the last stroke is sent
        keep = page.get_by_role("button", name=f"Keep this {digit}")
        expect(keep).to_be_enabled(timeout=30_000)  # once the canvas has sent its strokes
        keep.click()
        page.get_by_text(f"Your {n + 1} digit{'s' if n else ''}, rebuilt").wait_for()
    page.get_by_text("Your worst is").wait_for()
    assert_no_exception(page)
    page.get_by_role("button", name="Teach it my handwriting").click()
    page.get_by_text("Before and after, on the digits it did not see").wait_for(
        timeout=EXPORT_SECONDS
    )
    caption = page.get_by_text("Their mean error went from").inner_text()
    before, after = (float(word.rstrip(".")) for word in caption.split()[-3::2])
    assert after < before
    assert_no_exception(page)
    page.get_by_role("cell", name="the MNIST test digits").wait_for()
    page.set_viewport_size({"width": 1400, "height": 1500})  # the app scrolls inside itself
    page.get_by_role("cell", name="the MNIST test digits").scroll_into_view_if_needed()
    page.screenshot(path=readme_screenshot("handwriting.png"))  # the README's picture of the page
