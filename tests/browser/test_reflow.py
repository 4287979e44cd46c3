"""Reflow (WCAG 1.4.10): at 320 px wide and at 200% zoom, no page scrolls sideways."""

from __future__ import annotations

import pytest

from benchmarks.browser import BLOCK_LIVE_SCRIPT
from tests.browser.conftest import ARTIFACTS, assert_no_exception
from tests.browser.test_accessibility import pages, settle

pytestmark = pytest.mark.browser

# Streamlit's own elements that reach past the edge with nothing lost, and why (none now).
FRAME: dict[str, str] = {}
# The live views' hosts: with their script blocked they hold only its error, not the page.
LIVE_HOSTS = '[class*="st-key-live-"]'

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
  const up = (e) => e.parentElement || e.getRootNode().host || null;  // out of a shadow root
  const within = (e, selector) => {
    for (let at = e; at; at = up(at)) if (at.matches(selector)) return true;
    return false;
  };
  const scrollsItself = (e) => {
    for (let at = up(e); at; at = up(at)) {
      const style = getComputedStyle(at).overflowX;
      if ((style === "auto" || style === "scroll") && at.scrollWidth > at.clientWidth + 1
          && !at.matches(main)) return true;
    }
    return false;
  };
  // Text for screen readers only sits in a 1 px box that clips it (Streamlit's sliders keep
  // their range input there): it is on no one's screen.
  const unseen = (e) => {
    for (let at = e; at; at = up(at)) {
      const style = getComputedStyle(at);
      if (style.overflow === "hidden" && at.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  // Every element, those of the live views' shadow roots too.
  const all = (root) => [...root.querySelectorAll("*")]
    .flatMap((e) => (e.shadowRoot ? [e, ...all(e.shadowRoot)] : [e]));
  const wide = all(document.querySelector('[data-testid="stMainBlockContainer"]'))
    .filter((e) => { const box = e.getBoundingClientRect();
                     return box.width > 0 && box.right > width + 1 && !scrollsItself(e)
                            && !unseen(e) && !frame.some((selector) => within(e, selector)); })
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


@pytest.mark.parametrize("path", pages())
def test_no_server_version_scrolls_sideways_at_320px(browser, app_url, path):
    # What every visitor sees until the live views have started, and all that a browser
    # where their script fails ever sees: the pages as the server draws them.
    context = browser.new_context(**SIZES["320px"])
    context.add_init_script(BLOCK_LIVE_SCRIPT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{app_url}/{path}")
        settle(page, live=False)
        found = page.evaluate(SIDEWAYS, [*FRAME, LIVE_HOSTS])
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"reflow-{path or 'draw'}-320px-server.png")
        assert found["over"] <= 1 and not found["wide"], found
    finally:
        context.close()


def test_the_measure_sees_a_page_that_scrolls_sideways(browser, app_url):
    context = browser.new_context(**SIZES["320px"])
    page = context.new_page()
    try:
        page.goto(app_url)
        settle(page)
        assert not page.evaluate(SIDEWAYS, list(FRAME))["wide"]
        # Too wide inside a live view (in its host's shadow root), then in the page itself.
        page.locator(".live").first.evaluate(
            """live => live.append(Object.assign(document.createElement("div"),
                                                 {className: "too-wide", style: "width: 900px"}))"""
        )
        assert "div.too-wide" in page.evaluate(SIDEWAYS, list(FRAME))["wide"]
        page.locator(".live .too-wide").evaluate("wide => wide.remove()")
        page.evaluate(
            """() => document.querySelector('[data-testid="stMainBlockContainer"]')
                .append(Object.assign(document.createElement("div"), {style: "width: 900px"}))"""
        )
        found = page.evaluate(SIDEWAYS, list(FRAME))
        assert found["wide"]
    finally:
        context.close()
