"""Denoise and Generate in Chromium with the live component's script blocked: the server's
sliders still change the pictures on screen, one rerun a move (tests/browser/test_live_pages.py
has the live views)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_no_exception
from tests.views.test_denoise import require_zoo

pytestmark = pytest.mark.browser


def figure(page, caption: str):
    """The <img> of the st.image whose caption starts with ``caption``."""
    return page.locator('[data-testid="stImage"]', has_text=caption).locator("img").first


def press_slider(page, label: str, key: str, times: int) -> None:
    """A Streamlit slider is a visually hidden range input: focus it and use the keyboard."""
    slider = page.locator('[data-testid="stSlider"]', has_text=label).locator('input[type="range"]')
    slider.focus()
    for _ in range(times):
        page.keyboard.press(key)


def wait_for_new_source(page, caption: str, before: str) -> None:
    page.wait_for_function(
        """([caption, before]) => [...document.querySelectorAll('[data-testid=stImage]')]
            .some(figure => figure.innerText.startsWith(caption)
                  && figure.querySelector('img').src !== before)""",
        arg=[caption, before],
    )


def test_denoise_level_slider_changes_the_noisy_image(server_page, app_url):
    page = server_page
    require_zoo("denoise-32")
    page.goto(f"{app_url}/denoise")
    noisy = figure(page, "Noisy: ")
    noisy.wait_for()
    figure(page, "denoise-32").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    before_source, before = noisy.get_attribute("src"), noisy.screenshot()
    caption = page.locator('[data-testid="stImage"]', has_text="Noisy: ").inner_text()
    press_slider(page, "Noise level", "ArrowRight", 1)  # 0.5 -> 0.55: one rerun
    wait_for_new_source(page, "Noisy: ", before_source)
    assert noisy.screenshot() != before
    assert page.locator('[data-testid="stImage"]', has_text="Noisy: ").inner_text() != caption
    page.wait_for_timeout(1000)  # the chart below redraws its level line last
    page.screenshot(path=ARTIFACTS / "denoise.png", full_page=True)
    expect(page.locator(".live")).to_have_count(0)
    assert_no_exception(page)


def test_generate_z0_slider_changes_the_decoded_point(server_page, app_url):
    page = server_page
    require_zoo("vae-2")
    page.goto(f"{app_url}/generate")
    page.get_by_text("The 2-number map").click()
    decoded = figure(page, "z = (")
    page.get_by_text("z = (0.00, 0.00), decoded").wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    before_source, before = decoded.get_attribute("src"), decoded.screenshot()
    press_slider(page, "z0", "End", 1)  # 0 -> 3 standard deviations, in one rerun
    page.get_by_text("z = (3.00, 0.00), decoded").wait_for()
    wait_for_new_source(page, "z = (", before_source)
    assert decoded.screenshot() != before

    # A click on the map's upper left picks a code there: the sliders follow.
    plot = page.locator('[data-testid="stVegaLiteChart"] canvas').first.bounding_box()
    page.mouse.click(plot["x"] + plot["width"] * 0.25, plot["y"] + plot["height"] * 0.25)
    page.get_by_text(re.compile(r"^z = \(-\d\.\d\d, \d\.\d\d\), decoded$")).wait_for()
    page.screenshot(path=ARTIFACTS / "generate.png", full_page=True)
    expect(page.locator(".live")).to_have_count(0)
    assert_no_exception(page)
