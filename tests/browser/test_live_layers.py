"""The layers view (components/live/layers.js) on a blank page in Chromium: every layer lights
up while the pen moves, the words follow what is drawn, and a unit picked by a click or by the
keyboard shows its incoming weights or what it paints."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from autoencoder import export, inside
from tests.browser.test_live import zoo_or_random
from views.live import COMPONENT_DIR, PREPROCESS

pytestmark = pytest.mark.browser

SCRIPTS = ("network.js", "preprocess.js", "pictures.js", "metrics.js", "explore.js", "pad.js",
           "layers.js")  # fmt: skip
PAD = {"side": 280, "brushes": {"Thin": 12, "Medium": 20}, "brush": "Medium", "hint": "Draw"}


@pytest.fixture
def layers_page(browser):
    """A blank page with the component's styles and scripts, and what the view sends back."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content("<div id=root class=live></div>")
    page.add_style_tag(content=(COMPONENT_DIR / "live.css").read_text())
    for name in SCRIPTS:
        page.add_script_tag(content=(COMPONENT_DIR / name).read_text())
    page.errors = errors
    yield page
    context.close()


def mount(page, name: str) -> None:
    model = zoo_or_random(name)
    payload = export.payload(model) | inside.payload_extras(model)
    data = {**PAD, "preprocess": PREPROCESS, "paint_steps": [0.5] * model.latent_dim}
    page.evaluate(
        """([payload, data]) => {
            window.sent = [];
            const view = createLayers(document.getElementById("root"), data,
                                      (key, value) => window.sent.push(key));
            view.setModel(loadModel(payload));
        }""",
        [payload, data],
    )


def lit(canvas) -> int:
    """How many of a canvas's pixels are neither transparent nor black."""
    return canvas.evaluate(
        """(canvas) => { const data = canvas.getContext("2d")
            .getImageData(0, 0, canvas.width, canvas.height).data;
            let count = 0;
            for (let i = 0; i < data.length; i += 4)
                if (data[i + 3] && data[i] + data[i + 1] + data[i + 2]) count++;
            return count; }"""
    )


def stroke(page, *, lift: bool = True) -> None:
    box = page.locator("canvas.ink").bounding_box()
    page.mouse.move(box["x"] + 90, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 60, steps=6)
    page.mouse.move(box["x"] + 120, box["y"] + 230, steps=6)
    if lift:
        page.mouse.up()


@pytest.mark.parametrize(
    ("name", "layers"), [("dense-32", 4), ("conv-32", 6), ("vae-2", 7), ("pca-32", 2)]
)
def test_every_layer_lights_up_while_the_pen_moves(layers_page, name, layers):
    page = layers_page
    mount(page, name)
    expect(page.locator(".layers .stack")).to_be_hidden()  # nothing drawn yet
    stroke(page, lift=False)
    canvases = page.locator(".layers .layer canvas")
    expect(canvases).to_have_count(layers + 1)  # and the input
    assert page.evaluate("window.sent") == []  # nothing goes to Python while the pen moves
    assert lit(canvases.first) > 0 and lit(canvases.last) > 0
    labels = [canvas.get_attribute("aria-label") for canvas in canvases.all()]
    assert labels[0].startswith("The 784 pixels")
    assert labels[-1].startswith("The output: 784 pixels")
    assert any(label.startswith("The code: ") for label in labels)
    if name == "vae-2":
        assert any(label.startswith("The code's spread") for label in labels)
    page.mouse.up()
    assert page.evaluate("window.sent") == ["drawing"]
    assert page.errors == []


def test_the_words_count_what_relu_cut(layers_page):
    page = layers_page
    mount(page, "dense-32")
    stroke(page)
    hidden = page.locator(".layers .layer canvas").nth(1)
    label = hidden.get_attribute("aria-label")
    assert label.startswith("These 64 numbers are the first hidden layer's outputs")
    before = label.split("(")[1]  # "12 of 64 now)."
    box = page.locator("canvas.ink").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 150)
    page.mouse.down()
    page.mouse.move(box["x"] + 250, box["y"] + 150, steps=6)  # a bar across: other units fire
    page.mouse.up()
    expect(hidden).not_to_have_attribute("aria-label", label)
    assert hidden.get_attribute("aria-label").split("(")[1] != before


def test_a_click_on_a_first_layer_unit_shows_its_incoming_weights(layers_page):
    page = layers_page
    mount(page, "dense-32")
    stroke(page)
    hidden = page.locator(".layers .layer canvas").nth(1)
    box = hidden.bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)  # the top-left square: unit 0
    words = page.locator(".layers .unit .caption")
    expect(words).to_contain_text("Unit 0's incoming weights, one per pixel")
    picture = page.locator(".layers .unit canvas")
    expect(picture).to_have_attribute("width", "28")
    assert lit(picture) > 100  # 784 weights, orange and blue
    assert hidden.get_attribute("aria-label").endswith("Unit 0 is picked.")


def test_the_keyboard_picks_a_code_unit_and_shows_what_it_paints(layers_page):
    page = layers_page
    mount(page, "conv-32")
    stroke(page)
    canvases = page.locator(".layers .layer canvas")
    assert canvases.first.evaluate("(canvas) => canvas.tabIndex") == -1  # the input: no units
    canvases.nth(1).focus()  # the first convolution
    words = page.locator(".layers .unit .caption")
    expect(words).to_contain_text("Filter 0: the 3x3 pattern it looks for")
    expect(page.locator(".layers .unit canvas")).to_have_attribute("width", "3")
    page.keyboard.press("Tab")  # the second convolution: no picture of its own
    expect(words).to_contain_text("Feature map 0 of encoder_conv_2")
    expect(page.locator(".layers .unit figure")).to_be_hidden()
    page.keyboard.press("Tab")  # the code
    expect(words).to_contain_text("What code number 0 paints")
    page.keyboard.press("ArrowRight")
    expect(words).to_contain_text("What code number 1 paints: moving it by 0.50")
    code = canvases.nth(3)
    assert code.get_attribute("aria-label").endswith("Unit 1 is picked.")
    page.keyboard.press("End")
    expect(words).to_contain_text("What code number 31 paints")
    before = page.locator(".layers .unit canvas").evaluate("(canvas) => canvas.toDataURL()")
    assert lit(page.locator(".layers .unit canvas")) > 0
    stroke(page)  # another stroke: the code moves, and so does what its unit paints
    expect(words).to_contain_text("What code number 31 paints")
    after = page.locator(".layers .unit canvas").evaluate("(canvas) => canvas.toDataURL()")
    assert after != before
    assert page.errors == []


def test_a_deeper_hidden_unit_shows_the_pixels_that_drive_it_now(layers_page):
    page = layers_page
    mount(page, "vae-2")
    stroke(page)
    second = page.locator(".layers .layer canvas").nth(2)  # encoder_hidden_2
    box = second.bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    words = page.locator(".layers .unit .caption")
    expect(words).to_contain_text("Unit 0 of encoder_hidden_2: the pixels that drive it now")
    picture = page.locator(".layers .unit canvas")
    expect(picture).to_have_attribute("width", "28")
    before = picture.evaluate("(canvas) => canvas.toDataURL()")
    box = page.locator("canvas.ink").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 150)
    page.mouse.down()
    page.mouse.move(box["x"] + 250, box["y"] + 150, steps=6)  # other units on: other paths
    page.mouse.up()
    expect(words).to_contain_text("Unit 0 of encoder_hidden_2")
    assert picture.evaluate("(canvas) => canvas.toDataURL()") != before
    assert page.errors == []
