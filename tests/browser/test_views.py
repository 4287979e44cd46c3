"""What only a browser shows: drawing with a mouse, and the page reacting."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception

pytestmark = pytest.mark.browser


def draw_stroke(page, points: list[tuple[float, float]]) -> None:
    """Drag the mouse through ``points`` (canvas pixels), in small steps as a hand would."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
    page.mouse.up()


def test_drawing_shows_input_and_reconstruction(page, app_url):
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
    assert_no_exception(page)

    page.get_by_role("button", name="Clear the canvas").click()
    page.get_by_text("Draw one digit").wait_for()
    assert page.get_by_text("Model input (28x28)").count() == 0


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
    assert_no_exception(page)
