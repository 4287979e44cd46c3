"""Reflow (WCAG 1.4.10): at 320 px wide and at 200% zoom, no page scrolls sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, assert_no_exception
from tests.browser.test_accessibility import pages, settle

pytestmark = pytest.mark.browser

# Streamlit's own elements that reach past the edge with nothing lost, and why (none now).
FRAME: dict[str, str] = {}

# A phone's 320 CSS px; and a 1280 x 800 window zoomed to 200%, which lays out 640 x 400.
SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}},
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}
# Streamlit scrolls its main area, not the document, and clips what sticks out of it: both
# the scrolling and anything reaching past the window's right edge count, except inside
# a box that scrolls sideways by itself (a table or chart may, 1.4.10's exception).
SIDEWAYS = """(frame) => {
  const main = '[data-testid="stMain"], [data-testid="stAppViewContainer"]';
  const scrollers = [document.scrollingElement, ...document.querySelectorAll(main)];
  const over = Math.max(...scrollers.map((e) => e.scrollWidth - e.clientWidth));
  const width = document.scrollingElement.clientWidth;
  const scrollsItself = (e) => {
    for (let at = e.parentElement; at; at = at.parentElement) {
      const style = getComputedStyle(at).overflowX;
      if ((style === "auto" || style === "scroll") && at.scrollWidth > at.clientWidth + 1
          && !at.matches(main)) return true;
    }
    return false;
  };
  // Text for screen readers only sits in a 1 px box that clips it (Streamlit's sliders keep
  // their range input there): it is on no one's screen.
  const unseen = (e) => {
    for (let at = e; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.overflow === "hidden" && at.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('[data-testid="stMainBlockContainer"] *')]
    .filter((e) => { const box = e.getBoundingClientRect();
                     return box.width > 0 && box.right > width + 1 && !scrollsItself(e)
                            && !unseen(e) && !frame.some((selector) => e.matches(selector)); })
    .slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`.slice(0, 80));
  return {over, wide};
}"""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", pages())
def test_no_page_scrolls_sideways(browser, app_url, path, size):
    context = browser.new_context(**SIZES[size])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app_url}/{path}")
        settle(page)
        assert_no_exception(page)
        found = page.evaluate(SIDEWAYS, list(FRAME))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"reflow-{path or 'draw'}-{size}.png")
        assert found["over"] <= 1 and not found["wide"], found
    finally:
        context.close()


def test_the_measure_sees_a_page_that_scrolls_sideways(browser, app_url):
    context = browser.new_context(**SIZES["320px"])
    page = context.new_page()
    try:
        page.goto(f"{app_url}/samples")
        settle(page)
        page.evaluate(
            """() => document.querySelector('[data-testid="stMainBlockContainer"]')
                .append(Object.assign(document.createElement("div"), {style: "width: 900px"}))"""
        )
        found = page.evaluate(SIDEWAYS, list(FRAME))
        assert found["wide"]
    finally:
        context.close()
