"""The keyboard alone, no mouse: switch pages, move a live slider and see the picture change,
pick a test image and see its reconstruction."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from benchmarks.browser import wait_until_idle
from tests.browser.conftest import assert_no_exception

pytestmark = pytest.mark.browser

MOST_TABS = 120  # presses before giving up on reaching a control

# The focused element, through shadow roots (the live component's): what Tab reached.
FOCUSED = """() => {
  let at = document.activeElement;
  while (at && at.shadowRoot && at.shadowRoot.activeElement) at = at.shadowRoot.activeElement;
  if (!at) return null;
  return {tag: at.tagName.toLowerCase(), type: at.type || "", value: at.value ?? null,
          label: at.getAttribute("aria-label") || "", text: (at.innerText || "").trim(),
          ring: getComputedStyle(at).outlineStyle !== "none"
                || getComputedStyle(at).boxShadow !== "none"};
}"""


def tab_to(page, wanted, backwards: bool = False) -> dict:
    """Press Tab until ``wanted(focused)`` holds; the focused element's description."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        if focused and wanted(focused):
            return focused
    pytest.fail("Tab never reached the control")


def decoded_ink(page) -> int:
    return page.locator("canvas[aria-label^='Decoded from the sliders']").evaluate(
        """canvas => canvas.getContext("2d").getImageData(0, 0, 28, 28).data
            .reduce((sum, value, index) => sum + (index % 4 === 3 ? 0 : value), 0)"""
    )


def test_pages_switch_and_a_live_slider_moves_with_the_keys(page, app_url):
    page.goto(app_url)
    page.get_by_role("heading", name="Draw a digit").wait_for()
    wait_until_idle(page)
    # The link's text starts with its icon's name: "tune\n\nExplore the code".
    link = tab_to(page, lambda f: f["tag"] == "a" and f["text"].endswith("Explore the code"))
    wait_until_idle(page)  # the ring's style is the sidebar's, drawn again by each rerun
    link = page.evaluate(FOCUSED)
    assert link["ring"], "the focused link shows no focus ring"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Explore the code").wait_for()
    page.locator("canvas[aria-label^='Decoded from the sliders']").wait_for()
    wait_until_idle(page)

    slider = tab_to(page, lambda f: f["tag"] == "input" and f["type"] == "range")
    assert slider["ring"], "the focused slider shows no focus ring"
    decoded = page.locator("canvas[aria-label^='Decoded from the sliders']")
    before, start = decoded_ink(page), float(slider["value"])
    label = decoded.get_attribute("aria-label")
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "PageUp"):
        page.keyboard.press(key)
    moved = page.evaluate(FOCUSED)
    assert float(moved["value"]) > start
    for _ in range(50):  # redrawn on the next animation frame
        if decoded_ink(page) != before:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the decoded picture did not change")
    # Its text alternative follows the new code (set when the key is let go).
    expect(decoded).not_to_have_attribute("aria-label", label)
    # and a screen reader hears it once, politely.
    expect(page.locator(".live [role=status][aria-live=polite]")).to_have_text(
        re.compile(r"^Decoded picture updated: decoded from code z0 = ")
    )
    page.keyboard.press("End")
    assert float(page.evaluate(FOCUSED)["value"]) >= float(moved["value"])
    page.keyboard.press("Home")
    assert float(page.evaluate(FOCUSED)["value"]) < start
    assert_no_exception(page)


def test_a_test_image_is_picked_and_rebuilt_with_the_keys(page, app_url):
    page.goto(f"{app_url}/samples")
    page.get_by_role("heading", name="Test images").wait_for()
    wait_until_idle(page)
    # A segmented control is a radio group: Tab reaches the chosen one, arrows choose.
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "At random")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED)["text"] == "By index"
    page.keyboard.press("Space")
    page.get_by_label("First index").wait_for()
    wait_until_idle(page)
    tab_to(page, lambda f: f["tag"] == "input" and f["type"] == "number")  # First index
    page.keyboard.press("Control+A")
    page.keyboard.type("42")
    page.keyboard.press("Enter")
    grid = page.get_by_role("img", name="The picked test images, numbers 42, 43, 44, 45")
    expect(grid).to_be_visible()
    assert "above their reconstructions; BCE from" in grid.get_attribute("alt")
    # The picture's full-screen button: reached by Tab, and then seen, with its ring.
    button = tab_to(page, lambda f: f["label"].startswith("Fullscreen: The picked"))
    assert button["ring"]
    toolbar = page.locator(
        '[data-testid="stElementToolbar"]', has=page.get_by_label(button["label"])
    )
    expect(toolbar).to_have_css("opacity", "1")
    assert_no_exception(page)
