"""The network and the preprocessing in the browser (components/live/) against the Python ones,
and the live views in the app: pictures that move with the slider and the pen, and the
server's pictures when the component's script does not run."""

from __future__ import annotations

import base64
import re
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from autoencoder import ModelLoadError, export, zoo
from autoencoder.data import load_dataset
from autoencoder.network import Autoencoder
from autoencoder.preprocess import canvas_to_ink, to_mnist
from benchmarks.browser import wait_until_idle
from tests.browser.conftest import ARTIFACTS, assert_no_exception, go_to
from tests.conftest import random_model
from views.live import COMPONENT_DIR, PREPROCESS

pytestmark = pytest.mark.browser

FAMILIES = ["dense-32", "deep-32", "conv-32", "vae-2", "pca-32"]  # one of each zoo family
CANVAS = 280  # views/draw.py's CANVAS_SIDE


def zoo_or_random(name: str) -> Autoencoder:
    """The zoo model if it is built, else one of the same settings with random weights."""
    try:
        return zoo.load(name)
    except ModelLoadError:  # not built yet (the zoo is trained separately)
        return random_model(zoo.entry(name).config, seed=1)


@pytest.fixture(scope="module")
def scripts_page(browser):
    """A blank page holding the component's network and preprocessing, nothing else."""
    context = browser.new_context()
    page = context.new_page()
    for name in ("network.js", "preprocess.js"):
        page.add_script_tag(content=(COMPONENT_DIR / name).read_text())
    yield page
    context.close()


@pytest.mark.parametrize("name", FAMILIES)
def test_the_browser_decodes_and_encodes_as_python_does(scripts_page, name):
    model = zoo_or_random(name)
    rng = np.random.default_rng(0)
    codes = rng.normal(0, 2, size=(64, model.latent_dim)).astype(np.float32)
    images = rng.random((64, 784), dtype=np.float32) ** 3  # mostly dark, as digits are
    decoded, encoded = scripts_page.evaluate(
        """([payload, codes, images]) => {
            const model = loadModel(payload);
            return [codes.map((code) => Array.from(decode(model, code))),
                    images.map((image) => Array.from(encode(model, image)))];
        }""",
        [export.payload(model), codes.tolist(), images.tolist()],
    )
    assert np.abs(np.array(decoded) - model.decode(codes)).max() <= 1e-4
    expected = model.encode(images)
    scale = max(1.0, float(np.abs(expected).max()))  # codes are not bounded like pixels
    assert np.abs(np.array(encoded) - expected).max() <= 1e-4 * scale


def canvas_drawings(count: int, data_dir: Path) -> list[np.ndarray]:
    """MNIST test digits as a canvas would hold them: white on black RGBA, any size and place."""
    digits = load_dataset("mnist", data_dir / "mnist.npz").test.pixels[:count]
    rng = np.random.default_rng(7)
    drawings = []
    for digit in digits:
        size = int(rng.integers(60, CANVAS))
        left, top = rng.integers(0, CANVAS - size + 1, size=2)
        grey = np.zeros((CANVAS, CANVAS), np.uint8)
        picture = Image.fromarray(digit.reshape(28, 28))
        grey[top : top + size, left : left + size] = picture.resize((size, size), Image.BILINEAR)
        drawings.append(np.dstack([grey, grey, grey, np.full_like(grey, 255)]))
    return drawings


def centre_of_mass(image: np.ndarray) -> np.ndarray:
    rows, columns = np.indices(image.shape)
    return np.array([(rows * image).sum(), (columns * image).sum()]) / image.sum()


def test_the_browser_prepares_a_drawing_as_to_mnist_does(scripts_page, mnist_data_dir):
    drawings = canvas_drawings(50, mnist_data_dir)
    results = scripts_page.evaluate(
        """([drawings, side, constants]) => drawings.map((encoded) => {
            const rgba = Uint8Array.from(atob(encoded), (character) => character.charCodeAt(0));
            return Array.from(toMnist(canvasToInk(rgba, side, side), side, side, constants));
        })""",
        [[base64.b64encode(d.tobytes()).decode() for d in drawings], CANVAS, PREPROCESS],
    )
    for drawing, result in zip(drawings, results, strict=True):
        expected = to_mnist(canvas_to_ink(drawing))
        got = np.array(result, dtype=np.float32).reshape(28, 28)
        assert np.mean((got - expected) ** 2) <= 1e-4
        assert np.abs(centre_of_mass(got) - centre_of_mass(expected)).max() <= 0.25


def canvas_ink(page, name: str) -> int:
    """The summed pixel values of a live picture (a 28x28 canvas named by its caption)."""
    return page.get_by_role("img", name=name).evaluate(
        """canvas => canvas.getContext("2d").getImageData(0, 0, 28, 28).data
            .reduce((sum, value, index) => sum + (index % 4 === 3 ? 0 : value), 0)"""
    )


def test_the_pictures_follow_the_pen_and_the_drawing_reaches_python(
    page, app_url, console_errors, sent_frames
):
    page.goto(app_url)
    pad = page.locator("canvas.ink")
    pad.wait_for()
    expect(page.get_by_text("Draw one digit")).to_be_visible()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=8)
    sent = len(sent_frames)
    page.mouse.move(box["x"] + 120, box["y"] + 230, steps=8)  # a 7, not finished yet
    for name in ("Model input (28x28)", "Reconstruction"):
        expect(page.get_by_role("img", name=name)).to_be_visible()
        assert canvas_ink(page, name) > 0
    assert len(sent_frames) == sent  # no round trip while the pen moves
    page.mouse.up()
    page.get_by_text("Reconstruction error (BCE)").wait_for()  # the server has the drawing
    assert page.locator('[data-testid="stImage"]').count() == 0  # the pad shows the pictures
    page.screenshot(path=ARTIFACTS / "view-draw-live.png", full_page=True)

    go_to(page, "Explore the code")
    page.get_by_text("My drawing").click()
    page.get_by_text("Your drawing").first.wait_for()
    go_to(page, "Draw")
    pad.wait_for()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 240, steps=8)  # a 1 on a fresh pad
    page.mouse.up()
    page.get_by_text("Reconstruction error (BCE)").wait_for()
    page.get_by_role("button", name="Undo").click()  # back to nothing: forgotten everywhere
    expect(page.get_by_text("Reconstruction error (BCE)")).to_have_count(0)
    expect(page.get_by_text("Draw one digit")).to_be_visible()
    go_to(page, "Explore the code")
    page.get_by_text("My drawing").click()
    page.get_by_text("Draw a digit on the Draw page first").wait_for()
    assert_no_exception(page)
    assert console_errors == []


def test_without_the_live_script_the_server_draws_the_pictures(server_page, app_url):
    page = server_page
    page.goto(app_url)
    canvas = page.locator("canvas.upper-canvas").first  # the server's drawing canvas
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    for x, y in [(200, 60), (120, 230)]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
    page.mouse.up()
    page.get_by_text("Reconstruction error (BCE)").wait_for()
    assert page.locator('[data-testid="stImage"]', has_text="Reconstruction").count() == 1
    expect(page.locator("canvas.ink")).to_have_count(0)
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "view-draw-no-live-script.png", full_page=True)

    go_to(page, "Explore the code")
    figure = page.locator('[data-testid="stImage"]', has_text="Decoded from the sliders")
    before = figure.locator("img").get_attribute("src")
    page.locator('[data-testid="stSlider"] input[type="range"]').nth(3).focus()
    page.keyboard.press("End")
    expect(figure.locator("img")).not_to_have_attribute("src", before)
    expect(page.locator(".live")).to_have_count(0)
    assert_no_exception(page)


def test_the_decoded_picture_follows_a_dragged_slider(page, app_url, console_errors, sent_frames):
    page.goto(app_url)  # opened at /latent, Streamlit first asks /latent/_stcore/...: two 404s
    go_to(page, "Explore the code")
    decoded = page.locator("canvas[aria-label^='Decoded from the sliders']")
    decoded.wait_for()
    before = canvas_ink(page, "Decoded from the sliders")
    slider = page.locator(".live input[type=range]").nth(3)
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4, y)
    page.mouse.down()
    sent = len(sent_frames)
    page.mouse.move(box["x"] + box["width"] - 4, y, steps=20)
    during = canvas_ink(page, "Decoded from the sliders")
    assert during != before  # redrawn while the thumb is held
    assert len(sent_frames) == sent  # and no round trip for it
    page.mouse.up()  # the code goes to Python now
    for _ in range(100):
        if any(b'"code"' in frame for frame in sent_frames[sent:] if isinstance(frame, bytes)):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the code never reached the server")
    page.get_by_role("button", name="Reset to the start").click()
    page.wait_for_function(
        "([canvas, before]) => canvas.getContext('2d').getImageData(0, 0, 28, 28).data"
        ".reduce((sum, value, index) => sum + (index % 4 === 3 ? 0 : value), 0) === before",
        arg=[decoded.element_handle(), before],
    )
    page.screenshot(path=ARTIFACTS / "view-latent-live.png", full_page=True)

    page.get_by_text("Main directions").click()
    page.locator("canvas[aria-label^='Decoded:']").wait_for()
    expect(page.locator(".live input[type=range]")).to_have_count(5)
    page.get_by_text("Each row: one direction").wait_for()  # the strips, from the server
    assert_no_exception(page)
    assert console_errors == []


def test_a_finger_draws_on_a_phone_and_nothing_leaves_the_host(browser, app_url):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    hosts = set()  # of every request that goes over the network (not data: or blob:)
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or "local"))
    try:
        page.goto(app_url)
        pad = page.locator("canvas.ink")
        pad.wait_for()
        box = pad.bounding_box()
        touch = context.new_cdp_session(page)
        points = [(90, 60), (200, 60), (160, 145), (120, 230)]  # a 7, with a finger

        def finger(kind: str, points: list[tuple[float, float]]) -> None:
            spots = [{"x": box["x"] + x, "y": box["y"] + y} for x, y in points]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": spots})

        finger("touchStart", points[:1])
        for (x0, y0), (x1, y1) in pairwise(points):
            for step in range(1, 7):
                finger("touchMove", [(x0 + (x1 - x0) * step / 6, y0 + (y1 - y0) * step / 6)])
        finger("touchEnd", [])
        page.get_by_text("Reconstruction error (BCE)").wait_for()
        picture = page.get_by_role("img", name="Reconstruction").bounding_box()
        assert picture["x"] >= 0 and picture["x"] + picture["width"] <= 390
        assert picture["y"] >= 0 and picture["y"] + picture["height"] <= 844  # no scrolling
        assert canvas_ink(page, "Reconstruction") > 0
        assert_no_exception(page)
        page.screenshot(path=ARTIFACTS / "view-draw-live-phone.png")
    finally:
        context.close()
    assert hosts - {"local"} == {"127.0.0.1"}  # no CDN: the component works offline


# Holds the live script's first report until the test opens the gate: the script has run
# its top level, but Streamlit calls it only once the gate is open (BLOCK_LIVE_SCRIPT swaps
# the script the same way).
GATE_LIVE_SCRIPT = """
window.__liveGate = new Promise((open) => { window.__openLiveGate = open; });
const RealBlob = window.Blob;
window.Blob = class extends RealBlob {
  constructor(parts = [], options) {
    const live = parts.some((part) => String(part).includes("st-bidi-autoencoder_live"));
    super(live ? [...parts, "\\nawait window.__liveGate;\\n"] : parts, options);
  }
};
"""


def test_a_page_link_followed_as_the_live_view_first_reports_opens_its_page(page, app_url):
    # The live view's first report (that this browser holds the model) reruns the page it
    # was made on: made after a link is followed but before the server's answer arrives,
    # it took the page switch back. The server's answer is held here to open that window.
    held: list[str | bytes] = []
    holding, sockets = [False], []

    def route(socket) -> None:
        sockets.append(socket)
        server = socket.connect_to_server()
        server.on_message(
            lambda message: held.append(message) if holding[0] else socket.send(message)
        )

    page.route_web_socket(re.compile(r"/_stcore/stream"), route)
    page.add_init_script(GATE_LIVE_SCRIPT)
    page.goto(app_url)
    page.get_by_role("heading", name="Draw a digit").wait_for()
    wait_until_idle(page)
    holding[0] = True
    link = page.get_by_role("link", name="Explore the code", exact=True)
    link.evaluate("(link) => { link.click(); window.__openLiveGate(); }")
    page.wait_for_timeout(600)  # the view has loaded and would have reported by now
    holding[0] = False
    for message in held:
        sockets[-1].send(message)
    page.get_by_role("heading", name="Explore the code").wait_for(timeout=15_000)
    page.locator("canvas[aria-label^='Decoded from the sliders']").wait_for()
    wait_until_idle(page)
    page.wait_for_timeout(1000)  # a report that takes the page back comes within this
    expect(link).to_have_attribute("aria-current", "page")
    assert_no_exception(page)


def test_a_page_switch_taken_back_by_a_late_rerun_is_followed_again(page, app_url):
    # A rerun of the page being left that reaches the server just after the link's switch
    # (a live view's report made a moment before the click is sent a few ms after it) is
    # merged with the switch, and the visitor lands back where they were. Here that rerun is
    # the page's own earlier message (a brush chosen on Draw's live pad), sent to the server
    # again right after the click. The pad is in a fragment, so that message asks for the
    # fragment alone: Streamlit stops the switch's run for it and, finding no such fragment on
    # the new page, leaves that page empty. follow.js sees the run end on an empty page and
    # follows the link again.
    sent: list[str | bytes] = []
    servers = []

    def route(socket) -> None:
        server = socket.connect_to_server()
        servers.append(server)
        socket.on_message(lambda message: (sent.append(message), server.send(message)))

    page.route_web_socket(re.compile(r"/_stcore/stream"), route)
    page.goto(app_url)
    page.get_by_role("heading", name="Draw a digit").wait_for()
    wait_until_idle(page)
    page.get_by_role("button", name="Thick", exact=True).click()
    wait_until_idle(page)
    page.wait_for_timeout(500)
    wait_until_idle(page)
    draw_rerun = sent[-1]  # a rerun of Draw, with its widgets' values
    link = page.get_by_role("link", name="Explore the code", exact=True)
    link.click()
    page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # its message went first
    servers[-1].send(draw_rerun)
    page.get_by_role("heading", name="Explore the code").wait_for(timeout=15_000)
    wait_until_idle(page)
    page.wait_for_timeout(1000)  # a rerun that takes the page back comes within this
    # Followed again once the taken-back run has ended: on a loaded machine, seconds later.
    expect(link).to_have_attribute("aria-current", "page", timeout=30_000)
    wait_until_idle(page)
    expect(link).to_have_attribute("aria-current", "page")
    assert_no_exception(page)
