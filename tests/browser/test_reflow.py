"""Reflow (WCAG 1.4.10): at 320 px wide and at 200% zoom, no page scrolls sideways."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, assert_no_exception
from tests.browser.test_accessibility import pages, settle

pytestmark = pytest.mark.browser

# A phone's 320 CSS px; and a 1280 x 800 window zoomed to 200%, which lays out 640 x 400.
SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}},
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}
SIDEWAYS = """() => {
  const page = document.scrollingElement;
  const wide = [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter((e) => e.getBoundingClientRect().right > page.clientWidth + 1)
    .slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`.slice(0, 80));
  return {scroll: page.scrollWidth, client: page.clientWidth, wide};
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
        found = page.evaluate(SIDEWAYS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"reflow-{path or 'draw'}-{size}.png")
        assert found["scroll"] <= found["client"] + 1, found
    finally:
        context.close()
