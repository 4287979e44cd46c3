"""Compare and "Is it a digit?" in a real browser: a control moves, the picture follows."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Locator, Page, expect

from autoencoder import detection_summary
from tests.browser.conftest import ARTIFACTS, assert_no_exception

pytestmark = pytest.mark.browser

TALL = {"width": 1400, "height": 2000}  # the whole view in one screenshot


def changed_picture(element: Locator, before: bytes, timeout: float = 60) -> bytes:
    """The element's screenshot once it differs from ``before`` (charts redraw after the data
    arrives, so waiting for the data is not enough)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        after = element.screenshot()
        if after != before:
            return after
        time.sleep(0.25)
    raise AssertionError("the picture did not change")


def settled_picture(element: Locator) -> bytes:
    """The element's screenshot once two in a row agree: drawn, not mid-render."""
    previous = element.screenshot()
    for _ in range(40):
        time.sleep(0.25)
        current = element.screenshot()
        if current == previous:
            return current
        previous = current
    return previous


def test_adding_a_model_to_compare_adds_a_row_to_the_grid(page: Page, app_url: str):
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/compare")
    page.get_by_text("Side by side").wait_for()
    grid = page.locator('[data-testid="stImage"]').first
    grid.locator("img").wait_for()
    before = settled_picture(grid)
    chips = page.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]')
    chosen = chips.count()
    models = page.get_by_role("combobox", name="Models (2 to 4)")
    models.click()
    # The first model not chosen yet (the list may start with "Select all").
    page.get_by_role("option").filter(has_text="code ").first.click()
    models.press("Escape")
    expect(chips).to_have_count(chosen + 1)
    changed_picture(grid, before)
    expect(page.locator('[data-testid="stDataFrame"]').first).to_contain_text("mean BCE")
    expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(1)
    settled_picture(grid)
    page.screenshot(path=ARTIFACTS / "compare.png", full_page=True)
    assert_no_exception(page)


def test_moving_the_threshold_moves_the_rates_and_the_marks(server_page: Page, app_url: str):
    page = server_page  # the server's slider and charts (test_live_pages.py: the live ones)
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/detect")
    page.get_by_text("ROC curve").first.wait_for(timeout=120_000)
    histogram = page.locator('[data-testid="stVegaLiteChart"]').first
    detected = page.locator('[data-testid="stMetric"]').nth(1)
    rate = detected.inner_text()
    before = settled_picture(histogram)
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    page.keyboard.press("Home")  # the lowest threshold: every image flagged
    expect(detected).to_contain_text("100.0%", timeout=60_000)
    assert rate != detected.inner_text()
    changed_picture(histogram, before)
    settled_picture(histogram)
    page.screenshot(path=ARTIFACTS / "detect.png", full_page=True)
    assert_no_exception(page)


def test_a_clothes_model_and_a_score_from_a_link_show_their_auc(server_page: Page, app_url: str):
    page = server_page
    shipped = detection_summary.read("fashion-conv-32")
    if shipped is None:
        pytest.skip("fashion-conv-32 is not in assets/zoo/detection.json")
    page.set_viewport_size(TALL)
    page.goto(f"{app_url}/detect?detector=fashion-conv-32&score=complexity")
    auc = page.locator('[data-testid="stMetric"]').first
    expect(auc).to_contain_text(f"{shipped.scores['complexity'].auc:.4f}", timeout=120_000)
    expect(page.get_by_text("Is it a piece of clothing?")).to_be_visible()
    expect(page.locator('[data-testid="stTable"]')).to_contain_text("clothes → digits")
    histogram = page.locator('[data-testid="stVegaLiteChart"]').first
    before = settled_picture(histogram)
    page.get_by_role("radio", name="Reconstruction error", exact=True).click()  # fails here
    expect(auc).to_contain_text(f"{shipped.scores['error'].auc:.4f}", timeout=60_000)
    expect(page.get_by_text("Reconstruction error fails here.")).to_be_visible()
    changed_picture(histogram, before)
    assert "score=" not in page.url  # the default score leaves the link
    settled_picture(histogram)
    page.screenshot(path=ARTIFACTS / "detect-clothes.png", full_page=True)
    assert_no_exception(page)
