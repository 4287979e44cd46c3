"""A copied link opens the same view, in a real browser; the model outlives a page switch."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_exception, go_to

pytestmark = pytest.mark.browser


def test_a_link_opens_its_view_and_the_model_survives_a_page_switch(page, app_url):
    page.goto(f"{app_url}/samples?model=conv-32&mode=by-index&index=120&count=4&class=11")
    caption = page.locator('[data-testid="stCaptionContainer"]', has_text="Test images ")
    model = page.get_by_role("combobox", name="Model")  # the sidebar's
    expect(caption.first).to_have_text(re.compile(r"^Test images 120, 121, 122, 123: "))
    expect(page.get_by_role("radio", name="By index")).to_be_checked()
    expect(page.get_by_label("First index")).to_have_value("120")
    expect(model).to_have_value(re.compile(r"\(conv-32\)$"))
    # The class is no part of this view (and 11 no class): it leaves the URL, the rest stays.
    page.wait_for_url(re.compile(r"/samples\?model=conv-32&mode=by-index&index=120&count=4$"))
    assert_no_exception(page)

    go_to(page, "Explore the code")
    page.get_by_text("Decoded from the sliders").wait_for()
    page.wait_for_url(re.compile(r"/latent\?model=conv-32$"))  # the page's own choices reset
    expect(model).to_have_value(re.compile(r"\(conv-32\)$"))
    expect(page.locator('[data-testid="stAlert"]')).to_have_count(0)
    assert_no_exception(page)

    # Two picks in a row: the URL follows each (the default model needs no parameter).
    for name, query in (("vae-32", r"\?model=vae-32"), ("dense-32", "")):
        model.click()
        model.fill(name)  # the zoo's list is longer than the dropdown shows: filter it
        page.get_by_role("option", name=re.compile(rf"\({name}\)$")).click()
        page.wait_for_url(re.compile(rf"/latent{query}$"))
        expect(model).to_have_value(re.compile(rf"\({name}\)$"))
