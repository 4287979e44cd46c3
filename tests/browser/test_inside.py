"""Inside the network in the app (views/inside.py): every layer follows the pen in the browser,
the keyboard picks a code number and sees what it paints, and with the component's script
blocked the server draws the same layers once a stroke ends. Takes the README's screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from benchmarks.browser import stroke, wait_until_idle
from tests.browser import axe
from tests.browser.conftest import assert_no_exception, go_to, readme_screenshot
from tests.browser.test_keyboard import FOCUSED
from tests.browser.test_live_layers import lit

pytestmark = pytest.mark.browser

MOST_TABS = 40


@pytest.fixture
def errors(page) -> list[str]:
    """Console errors and uncaught exceptions, to be asserted empty."""
    found: list[str] = []
    page.on("console", lambda message: message.type == "error" and found.append(message.text))
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def open_inside(page, app_url: str) -> None:
    # Opened at /inside, Streamlit first asks /inside/_stcore/...: two 404s in the console.
    page.goto(app_url)
    page.get_by_role("heading", name="Draw a digit").wait_for()
    wait_until_idle(page)
    go_to(page, "Inside the network")
    page.get_by_role("heading", name="Inside the network").wait_for()


SEVEN = [(70, 60), (210, 60), (130, 240)]
THREE = [(80, 70), (150, 45), (200, 80), (150, 140), (205, 200), (140, 245), (80, 215)]


def test_every_layer_follows_the_pen_and_a_summary_is_read_out_once(page, app_url, errors):
    open_inside(page, app_url)
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    layers = page.locator(".layers .layer canvas")
    stroke(page, pad, SEVEN, lift=False)
    expect(layers).to_have_count(5)  # dense-32: the input and its four layers
    hidden = layers.nth(1)
    assert lit(layers.first) > 0 and lit(layers.last) > 0
    label = hidden.get_attribute("aria-label")
    assert label.startswith("These 64 numbers are the first hidden layer's outputs")
    news = page.locator(".layers [role=status]")
    assert news.inner_text() == ""  # nothing read out while the pen moves
    before = hidden.evaluate("(canvas) => canvas.toDataURL()")
    page.mouse.move(pad.bounding_box()["x"] + 40, pad.bounding_box()["y"] + 250, steps=6)
    expect(hidden).not_to_have_attribute("aria-label", label)  # still drawing: it followed
    assert hidden.evaluate("(canvas) => canvas.toDataURL()") != before
    page.mouse.up()
    expect(news).to_contain_text("Every layer redrawn for your drawing. The code: z0 = ")
    expect(news).to_contain_text("encoder_hidden")
    assert_no_exception(page)
    assert errors == []


def test_the_keyboard_picks_a_code_number_and_sees_what_it_paints(page, app_url, errors):
    open_inside(page, app_url)
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    stroke(page, pad, SEVEN)
    wait_until_idle(page)
    page.locator(".layers button.clear").focus()  # the last control before the layers
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["label"].startswith("The code: "):
            break
    else:
        pytest.fail("Tab never reached the code")
    assert focused["ring"], "the focused code shows no focus ring"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    words = page.locator(".layers .unit .caption")
    expect(words).to_contain_text("What code number 1 paints")
    picture = page.locator(".layers .unit canvas")
    expect(picture).to_be_visible()
    assert lit(picture) > 0
    expect(page.locator(".layers [role=status]")).to_contain_text("What code number 1 paints")
    code = page.locator(".layers .layer canvas").nth(2)
    assert code.get_attribute("aria-label").endswith("Unit 1 is picked.")
    page.keyboard.press(" ")  # Space picks too, and does not scroll the page away
    expect(words).to_contain_text("What code number 1 paints")
    assert errors == []


def test_the_screenshot_of_a_drawn_digit_with_the_default_model(page, app_url, errors):
    page.set_viewport_size({"width": 1300, "height": 1250})
    open_inside(page, app_url)
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    stroke(page, pad, THREE)
    wait_until_idle(page)
    page.locator(".layers .layer canvas").nth(2).click(position={"x": 3, "y": 3})
    expect(page.locator(".layers .unit .caption")).to_contain_text("What code number 0 paints")
    page.screenshot(path=readme_screenshot("inside.png"), full_page=False)
    assert errors == []


def test_without_the_live_script_the_server_draws_every_layer(server_page, app_url):
    page = server_page
    open_inside(page, app_url)
    canvas = page.locator("canvas.upper-canvas").first  # the server's drawing canvas
    canvas.wait_for()
    expect(page.locator(".layers")).to_have_count(0)
    stroke(page, canvas, SEVEN)
    headings = page.get_by_text("Layer 4 of 4 · reconstruction")
    headings.wait_for()
    pictures = page.locator('[data-testid="stImage"] img')
    expect(pictures).to_have_count(5 + 2)  # the input, four layers, a painting and the weights
    for alt in (picture.get_attribute("alt") for picture in pictures.all()):
        assert alt and len(alt) > 30
    expect(page.get_by_text("the dark ones are zero: ReLU cut them").first).to_be_visible()
    assert_no_exception(page)


def test_a_vae_held_by_draw_is_sent_again_with_its_spread(page, app_url, errors):
    page.goto(f"{app_url}/?model=vae-2")  # Draw holds the VAE first, without its spread
    page.locator("canvas.ink").wait_for()
    wait_until_idle(page)
    go_to(page, "Inside the network")
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    stroke(page, pad, SEVEN)
    labels = page.locator(".layers .layer canvas")
    expect(labels).to_have_count(8)  # the input, four hidden layers, mean, spread, output
    spread = labels.nth(4)
    expect(spread).to_have_attribute("aria-label", re.compile(r"^The code's spread"))
    assert lit(spread) > 0
    assert errors == []


@pytest.mark.parametrize("model", ["dense-32", "conv-32", "vae-2"])
def test_no_wcag_violation_with_every_layer_drawn_and_a_unit_picked(page, app_url, model):
    page.goto(f"{app_url}/?model={model}")
    page.locator("canvas.ink").wait_for()
    wait_until_idle(page)
    go_to(page, "Inside the network")
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    stroke(page, pad, SEVEN)
    wait_until_idle(page)
    page.locator(".layers .layer canvas").nth(1).click(position={"x": 2, "y": 2})
    expect(page.locator(".layers .unit figure")).to_be_visible()
    found = [violation for violation in axe.violations(page, "inside") if violation.frame is None]
    assert not found, "\n".join(map(str, found))
