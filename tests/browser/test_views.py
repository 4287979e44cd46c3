"""What only a browser shows: drawing with a mouse, and the page reacting."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from benchmarks.browser import stroke
from tests.browser.conftest import ARTIFACTS, assert_no_exception, go_to

pytestmark = pytest.mark.browser


def draw_stroke(page, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through ``points`` (canvas pixels), in small steps as a hand would."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    stroke(page, canvas, points, steps=6)


def test_drawing_shows_input_and_reconstruction(server_page, app_url):
    page = server_page  # the server path: the live view has its own tests (test_live.py)
    page.goto(app_url)
    page.get_by_text("Draw one digit").wait_for()
    draw_stroke(page, [(90, 60), (200, 60), (120, 230)])  # a 7
    page.get_by_text("Model input (28x28)").wait_for()
    page.get_by_text("Reconstruction", exact=True).wait_for()
    images = page.locator('[data-testid="stImage"] img')
    assert images.count() == 3
    for index in range(3):
        assert images.nth(index).evaluate("image => image.complete && image.naturalWidth") == 224
    page.get_by_text("of the MNIST test images").wait_for()
    page.screenshot(path=ARTIFACTS / "view-draw.png", full_page=True)
    assert_no_exception(page)

    page.get_by_role("button", name="Clear").click()
    page.get_by_text("Draw one digit").wait_for()
    expect(page.get_by_text("Model input (28x28)")).to_have_count(0)


def test_undoing_the_last_stroke_forgets_the_drawing_in_explore(server_page, app_url):
    page = server_page
    page.goto(app_url)
    page.get_by_text("Draw one digit").wait_for()
    draw_stroke(page, [(90, 60), (200, 60), (120, 230)])
    page.get_by_text("Reconstruction", exact=True).wait_for()
    page.locator("canvas.upper-canvas").first.hover()  # the toolbar shows on hover
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Draw one digit").wait_for()
    expect(page.get_by_text("Reconstruction", exact=True)).to_have_count(0)
    for tool in ("Edit", "Bring forward", "Send backward", "Reset canvas & history"):
        expect(page.get_by_role("button", name=tool)).to_be_hidden()
    go_to(page, "Explore the code")
    page.get_by_text("My drawing").click()
    page.get_by_text("Draw a digit on the Draw page first").wait_for()
    assert_no_exception(page)


def test_new_random_set_changes_the_grid(page, app_url):
    page.goto(f"{app_url}/samples")
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="Test images ")
    caption.first.wait_for()
    before = caption.first.inner_text()
    page.get_by_role("button", name="New random set").click()
    page.wait_for_function(
        "before => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
        ".some(element => element.innerText.startsWith('Test images ') "
        "&& element.innerText !== before)",
        arg=before,
    )
    page.locator('[data-testid="stImage"] img').nth(2).wait_for()  # picked, best, worst
    page.screenshot(path=ARTIFACTS / "view-samples.png", full_page=True)
    assert_no_exception(page)


def decoded_source(page) -> str:
    figure = page.locator('[data-testid="stImage"]', has_text="Decoded from the sliders")
    return figure.locator("img").first.get_attribute("src")


def test_moving_a_latent_slider_changes_the_decoded_image(server_page, app_url):
    page = server_page
    page.goto(f"{app_url}/latent")
    page.get_by_text("Decoded from the sliders").wait_for()
    before = decoded_source(page)
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').nth(3)
    thumb.focus()
    page.keyboard.press("End")  # the unit's largest value over the test set
    page.wait_for_function(
        """before => [...document.querySelectorAll('[data-testid=stImage]')]
            .some(figure => figure.innerText.includes('Decoded from the sliders')
                  && figure.querySelector('img').src !== before)""",
        arg=before,
    )
    assert decoded_source(page) != before
    page.screenshot(path=ARTIFACTS / "view-latent.png", full_page=True)
    assert_no_exception(page)


def test_training_one_epoch_shows_progress_and_the_loss_curve(page, app_url):
    page.goto(f"{app_url}/train")
    page.get_by_role("button", name="Start training").wait_for()
    sliders = page.locator('[data-testid="stSlider"] input[type="range"]')
    for label in ("Epochs", "Training images (fewer trains faster)"):
        slider = page.locator('[data-testid="stSlider"]', has_text=label).locator(
            'input[type="range"]'
        )
        slider.focus()
        page.keyboard.press("Home")  # 1 epoch, 1,000 images
    assert sliders.count() >= 5
    # Each slider reruns the page: click once the estimate shows the new settings.
    page.get_by_text("1,000 images, 1 epoch,").wait_for()
    page.get_by_role("button", name="Start training").click()
    page.locator('[data-testid="stProgress"]').first.wait_for()
    page.get_by_text("It is now your model").wait_for(timeout=180_000)
    assert "Finished" in page.locator('[data-testid="stProgress"]').first.inner_text()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.get_by_text("Your own model (this session only)").count() == 1
    page.screenshot(path=ARTIFACTS / "view-train.png", full_page=True)
    assert_no_exception(page)
