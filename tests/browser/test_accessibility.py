"""No WCAG 2.2 AA violation (axe-core) in the app's own content, on every page and mode,
with the default model and with a VAE; what Streamlit's own frame gets wrong is listed."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.browser import wait_until_settled
from tests.browser import axe
from tests.browser.conftest import assert_no_exception

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "app.py"
# Each page's modes, as the URL names them (views/links.py); a page not listed here is
# checked as it opens, so a page added to app.py's navigation is checked at once.
MODES = {
    "draw": ("input=draw", "input=upload-a-picture"),
    "samples": ("mode=at-random", "mode=by-class", "mode=by-index"),
    "latent": (
        "mode=sliders", "mode=main-directions", "mode=interpolate", "mode=map",
        "mode=random-codes", "from=a-class-average", "from=my-drawing",
    ),
    "denoise": ("noise=gaussian", "noise=masking", "noise=salt-and-pepper", "image=my-drawing"),
    "generate": ("view=samples", "view=the-2-number-map", "view=interpolate"),
    "compare": (
        "inputs=at-random", "inputs=by-class", "inputs=by-index",
        "inputs=worst-of-the-first-model", "inputs=my-drawing",
    ),
}  # fmt: skip
MODELS = ("", "model=vae-32")  # the default model, and a VAE
# Streamlit's own elements whose violations the app cannot fix, and why (the README's list).
FRAME: dict[str, str] = {}


def pages() -> list[str]:
    """The URL path of each page of app.py's navigation, in its order ("" for the default)."""
    found = []
    for call in ast.walk(ast.parse(APP.read_text())):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", None) == "Page":
            (path,) = call.args[:1]
            assert isinstance(path, ast.BinOp) and isinstance(path.right, ast.Constant)
            default = any(k.arg == "default" and k.value.value for k in call.keywords)  # type: ignore[attr-defined]
            found.append("" if default else Path(path.right.value).stem)
    return found


def visits() -> list[str]:
    urls = []
    for page in pages():
        for mode in MODES.get(page or "draw", ("",)):
            for model in MODELS:
                query = "&".join(part for part in (mode, model) if part)
                urls.append(f"/{page}" + (f"?{query}" if query else ""))
    return urls


def settle(page, *, live: bool = True) -> None:
    """Until the page's reruns are over: the live views have reported, the page has rerun
    with them shown, and nothing has run for a second since. (A fixed wait is not enough on
    a loaded machine: a live view's first report may come seconds after the first run.)"""
    page.locator('[data-testid="stApp"]').wait_for()
    wait_until_settled(page, live=live)


def test_pages_are_read_from_the_navigation():
    found = pages()
    assert found[0] == "" and {"inside", "handwriting", "samples", "train"} <= set(found)


@pytest.mark.parametrize("path", visits())
def test_no_violation_in_the_apps_content(page, app_url, path):
    page.goto(app_url + path)
    settle(page)
    assert_no_exception(page)
    found = axe.violations(page, path, FRAME)
    for violation in found:
        print(("  in Streamlit's frame: " if violation.frame else "") + str(violation))
    own = [violation for violation in found if violation.frame is None]
    assert not own, f"axe {axe.axe_version()} on {path}:\n" + "\n".join(map(str, own))


def test_a_finished_stroke_is_said_once_and_labels_the_pictures(page, app_url):
    page.goto(app_url)
    pad = page.locator("canvas.ink")
    pad.wait_for()
    settle(page)
    status = page.locator(".live .draw [role=status][aria-live=polite]")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    page.mouse.move(box["x"] + 120, box["y"] + 230, steps=8)  # a 7, the pen still down
    page.wait_for_timeout(300)
    assert status.inner_text() == ""  # nothing said while the pictures follow the pen
    page.mouse.up()
    expect(status).to_have_text(
        re.compile(
            r"^New reconstruction: the model's reconstruction of your drawing "
            r"\(error 0\.\d{3}, worse than \d+% of MNIST test images\)\.$"
        )
    )
    rebuilt = page.get_by_role("img", name="Reconstruction: the model's reconstruction")
    expect(rebuilt).to_have_count(1)
    expect(page.get_by_role("img", name="Error: + orange = too much ink")).to_have_attribute(
        "aria-label", re.compile(r"error map against your drawing: \d+ of 784 pixels")
    )
