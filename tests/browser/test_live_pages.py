"""The live views beyond Draw and Explore, in Chromium: Denoise's noise, Generate's map and
interpolation, the detector's threshold and Compare's pad redraw while the control moves,
with no message to the server until the gesture ends, and say in words what they show."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from autoencoder import denoising, zoo
from autoencoder.data import load_dataset
from tests.browser.conftest import ARTIFACTS, assert_no_exception, go_to
from tests.views.test_denoise import require_zoo

pytestmark = pytest.mark.browser


def canvas_ink(page, name: str) -> int:
    """The summed pixel values of a live picture (a canvas named by the start of its label)."""
    return page.locator(f".live canvas[aria-label^='{name}']").first.evaluate(
        """canvas => canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height)
            .data.reduce((sum, value, index) => sum + (index % 4 === 3 ? 0 : value), 0)"""
    )


def open_page(page, app_url: str, name: str) -> None:
    """From the app's root, by the sidebar's link (opened at /page, Streamlit first asks
    /page/_stcore/... and logs two 404s), once Draw's live pad shows that the server knows
    the script runs: else the page's first run draws the server's pictures, and those the
    live view replaces while they load are 404s in the console."""
    page.goto(app_url)
    page.locator("canvas.ink").wait_for()
    go_to(page, name)


def wait_for_sent(page, frames: list[bytes | str], since: int, word: str) -> None:
    """Until a frame sent after ``since`` carries ``word`` (a component's state name)."""
    needle = f'"{word}"'.encode()
    for _ in range(100):
        if any(needle in frame for frame in frames[since:] if isinstance(frame, bytes)):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"the {word} never reached the server")


def drag_range(page, slider, frames: list[bytes | str], *, start: float, end: float) -> int:
    """Hold ``slider``'s thumb from ``start`` to ``end`` (fractions of its width), not let go;
    the number of frames sent before the drag."""
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4 + start * (box["width"] - 8), y)
    page.mouse.down()
    sent = len(frames)
    page.mouse.move(box["x"] + 4 + end * (box["width"] - 8), y, steps=20)
    return sent


def test_denoise_redraws_the_noise_and_both_clean_ups_as_the_level_moves(
    page, app_url, console_errors, sent_frames, mnist_data_dir
):
    require_zoo("denoise-32")
    open_page(page, app_url, "Denoise")
    noisy = page.locator(".live canvas[aria-label^='Noisy: the image spoiled by gaussian']")
    noisy.wait_for()
    expect(page.locator('[data-testid="stImage"]')).to_have_count(0)  # not drawn twice
    expect(page.locator('[data-testid="stSlider"]')).to_have_count(0)
    before = [canvas_ink(page, name) for name in ("Noisy", "dense-32", "denoise-32")]
    before_label = page.locator(".live canvas[aria-label^='denoise-32']").get_attribute(
        "aria-label"
    )
    slider = page.locator(".live .denoise input[type=range]")
    sent = drag_range(page, slider, sent_frames, start=0.5, end=1.0)
    during = [canvas_ink(page, name) for name in ("Noisy", "dense-32", "denoise-32")]
    assert all(now != then for now, then in zip(during, before, strict=True))
    assert len(sent_frames) == sent  # redrawn with no round trip
    label = page.locator(".live canvas[aria-label^='denoise-32']").get_attribute("aria-label")
    assert label != before_label and "level 1.00" in label
    page.mouse.up()  # the level goes to Python now: the link and the chart's rule follow
    wait_for_sent(page, sent_frames, sent, "noise")
    page.wait_for_url("**level=1*")
    page.get_by_role("button", name="Masking").click()
    page.wait_for_url("**noise=masking*")
    page.locator(".live canvas[aria-label^='Noisy: the image spoiled by masking']").wait_for()
    # The browser's noise and clean-ups are the server's: the same figures as its pictures'.
    clean = load_dataset("mnist", mnist_data_dir / "mnist.npz").test.pixels[0] / 255
    served = denoising.restore([zoo.load("dense-32"), zoo.load("denoise-32")], clean, "mask", 1.0)
    shown = page.locator(".live .denoise figcaption").all_inner_texts()
    assert shown[1:] == [
        f"Noisy: {served.noisy_psnr:.1f} dB",
        f"dense-32: {served.output_psnrs[0]:.1f} dB",
        f"denoise-32: {served.output_psnrs[1]:.1f} dB",
    ]
    expect(page.locator(".live p[role=status]")).to_contain_text("Pictures updated: masking noise")
    page.screenshot(path=ARTIFACTS / "view-denoise-live.png", full_page=True)
    assert_no_exception(page)
    assert console_errors == []


def test_generate_the_decoded_digit_follows_the_pointer_over_the_map_and_the_steps(
    page, app_url, console_errors, sent_frames
):
    require_zoo("vae-2", "dense-32", "conv-32", "vae-32", "pca-32")
    open_page(page, app_url, "Generate")
    page.get_by_text("The 2-number map").click()
    plane = page.locator(".live canvas.plane")
    plane.wait_for()
    expect(page.locator('[data-testid="stSlider"]')).to_have_count(0)  # not drawn twice
    expect(plane).to_have_attribute(
        "aria-label", re.compile(r"the cross is at z = \(0\.00, 0\.00\)")
    )
    decoded = ".live canvas[aria-label$='decoded']"
    before = canvas_ink(page, "z = (0.00, 0.00)")
    box = plane.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    sent = len(sent_frames)
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.6, steps=20)
    label = page.locator(decoded).get_attribute("aria-label")
    assert label != "z = (0.00, 0.00), decoded"  # the decoded digit followed the pointer
    assert canvas_ink(page, label) != before
    assert len(sent_frames) == sent  # with no round trip
    page.mouse.up()
    wait_for_sent(page, sent_frames, sent, "point")
    expect(page.locator(".live p[role=status]")).to_contain_text("Decoded the point z = (")
    z0 = page.locator(".live .map input[type=range]").first
    label = page.locator(decoded).get_attribute("aria-label")
    sent = drag_range(page, z0, sent_frames, start=0.5, end=0.0)  # z0 to -3, the pointer held
    expect(page.locator(decoded)).to_have_attribute("aria-label", re.compile(r"^z = \(-3\.00, "))
    assert page.locator(decoded).get_attribute("aria-label") != label
    assert "the cross is at z = (-3.00, " in plane.get_attribute("aria-label")  # it moved too
    assert len(sent_frames) == sent
    page.mouse.up()
    wait_for_sent(page, sent_frames, sent, "point")

    page.get_by_text("Interpolate").click()
    rows = page.locator(".live .interpolation .strip")
    expect(rows).to_have_count(5)  # four models and the cross-fade
    expect(rows.first.locator("canvas")).to_have_count(9)
    first = rows.first.locator("canvas").first
    expect(first).to_have_attribute(
        "aria-label", re.compile(r"step 1 of 9 from test image #0 to test image #1$")
    )
    slider = page.locator(".live .interpolation input[type=range]")
    sent = drag_range(page, slider, sent_frames, start=0.5, end=1.0)
    expect(rows.first.locator("canvas")).to_have_count(13)  # redrawn while held
    assert len(sent_frames) == sent
    page.mouse.up()
    wait_for_sent(page, sent_frames, sent, "steps")
    expect(page.locator('[data-testid="stImage"]')).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "view-generate-live.png", full_page=True)
    assert_no_exception(page)
    assert console_errors == []


def test_the_threshold_moves_the_rule_the_roc_point_and_the_rates_with_no_rerun(
    page, app_url, console_errors, sent_frames
):
    open_page(page, app_url, "Is it a digit?")
    slider = page.locator(".live .detect input[type=range]")
    slider.wait_for(timeout=120_000)
    expect(page.locator('[data-testid="stSlider"]')).to_have_count(0)  # not drawn twice
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    histogram = page.locator(".live .detect svg[role=img]").first
    rule = histogram.locator("line").last  # the threshold's rule, drawn last
    roc = page.locator(".live .detect svg[role=img]").last
    dot = roc.locator("circle")
    rates = page.locator(".live .detect .metric .number")
    before = [rule.get_attribute("x1"), dot.get_attribute("cy"), rates.nth(1).inner_text()]
    label = histogram.get_attribute("aria-label")
    assert "% of the digits flagged" in label and "% of the clothes caught" in label
    sent = drag_range(page, slider, sent_frames, start=0.2, end=0.05)
    after = [rule.get_attribute("x1"), dot.get_attribute("cy"), rates.nth(1).inner_text()]
    assert all(now != then for now, then in zip(after, before, strict=True))
    assert histogram.get_attribute("aria-label") != label  # its words follow the rule
    assert len(sent_frames) == sent  # all of it without a round trip
    page.mouse.up()
    wait_for_sent(page, sent_frames, sent, "threshold")
    page.wait_for_url("**threshold=*")
    expect(page.locator(".live p[role=status]")).to_contain_text("The threshold ")
    page.screenshot(path=ARTIFACTS / "view-detect-live.png", full_page=True)
    assert_no_exception(page)
    assert console_errors == []


def test_drawing_on_compare_redraws_every_model_s_reconstruction_and_error_live(
    page, app_url, console_errors, sent_frames
):
    open_page(page, app_url, "Compare")
    page.get_by_text("Side by side").wait_for()
    # The random images' grid loaded first: a picture dropped mid-load is a 404 in the console.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
        ".some((img) => img.complete && img.naturalWidth > 0)"
    )
    page.get_by_text("My drawing", exact=True).click()
    pad = page.locator(".live .compare canvas.ink")
    pad.wait_for()
    expect(page.get_by_text("Draw a digit on the Draw page first")).to_have_count(0)
    rebuilt = page.locator(".live .compare canvas[aria-label*='its reconstruction']")
    expect(rebuilt).to_have_count(0)  # nothing drawn yet: no pictures
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    sent = len(sent_frames)
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    page.mouse.move(box["x"] + 120, box["y"] + 230, steps=8)  # a 7, the pen still down
    models = page.locator(".live .compare .model")
    count = models.count()
    assert count >= 2
    expect(rebuilt).to_have_count(count)
    maps = page.locator(".live .compare canvas[aria-label*='error map against your drawing']")
    expect(maps).to_have_count(count)
    middle = [rebuilt.nth(i).get_attribute("aria-label") for i in range(count)]
    page.mouse.move(box["x"] + 200, box["y"] + 230, steps=6)  # and a bar under it
    assert [rebuilt.nth(i).get_attribute("aria-label") for i in range(count)] != middle
    assert len(sent_frames) == sent  # every model redrawn with no round trip
    page.mouse.up()
    wait_for_sent(page, sent_frames, sent, "drawing")
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()  # its figures
    expect(page.locator(".live p[role=status]")).to_contain_text("Reconstructions updated: ")
    expect(page.locator('[data-testid="stImage"]')).to_have_count(0)  # no server grid besides
    page.screenshot(path=ARTIFACTS / "view-compare-live.png", full_page=True)
    assert_no_exception(page)
    assert console_errors == []


def test_without_the_live_script_compare_shows_the_server_s_grid_of_the_drawing(
    server_page, app_url
):
    page = server_page
    page.goto(app_url)
    canvas = page.locator("canvas.upper-canvas").first  # Draw's server canvas
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 240, steps=8)
    page.mouse.up()
    page.get_by_text("Reconstruction error (BCE)").wait_for()
    go_to(page, "Compare")
    page.get_by_text("Side by side").wait_for()
    page.get_by_text("My drawing", exact=True).click()
    grid = page.locator('[data-testid="stImage"]').first
    expect(grid.locator("img")).to_have_attribute("alt", re.compile("^Your drawing from the Draw"))
    expect(page.locator(".live")).to_have_count(0)
    assert_no_exception(page)
