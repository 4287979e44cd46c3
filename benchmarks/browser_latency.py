"""Live pictures in the browser against the server's round trip, in headless Chromium.

Live (components/live/, the network run in the page):

1. Explore, a latent slider dragged: pictures drawn per second while the thumb
   moves (one per animation frame at most), and input event -> picture drawn.
   Dragged with the mouse (Playwright), whose events may come slower than the
   frames on a loaded machine, and by input events sent at 250 Hz from inside
   the page, which shows what the page itself keeps up with.
2. Draw, a stroke: pointer event -> input, reconstruction and error map drawn,
   for the default dense-32 and for conv-32 (uploaded as a model zip; random
   weights of its settings if the zoo has not built it yet).
3. Inside the network, a stroke: pointer event -> every layer of dense-32
   redrawn, and layer pictures drawn per second while the pen moves.

4. Denoise's noise level, Generate's map and its z0 slider and interpolation steps, the
   detector's threshold, and a stroke on Compare's "My drawing" pad (three models): per
   drag, pictures drawn per second and the messages sent to the server while it lasts
   (a rerun is one); per frame, input event -> picture drawn. A slider of few steps
   (Denoise's 20, the interpolation's 9) draws only when its value changes, so its
   pictures per second count those changes. Their server figures are
   benchmarks/views_latency.py's.

Server (the same pages with the component's script made to fail, as when it
cannot load): a slider key press -> the new image's src, and lifting the pen ->
the new reconstruction's src (on Inside the network: the input layer's), each a
Streamlit round trip.

Times are taken inside the page (performance.now and the events' timeStamp).
The machine is shared: medians and 95th percentiles of many repeats.

    python benchmarks/browser_latency.py [--repeats 12] [--only layers|pages]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoencoder import zoo  # noqa: E402
from autoencoder.artifact import model_to_zip  # noqa: E402
from autoencoder.errors import AutoencoderError  # noqa: E402
from autoencoder.network import Autoencoder, weight_shapes  # noqa: E402
from benchmarks import server  # noqa: E402
from benchmarks.browser import (  # noqa: E402
    BLOCK_LIVE_SCRIPT,
    CHROMIUM_FLAGS,
    chromium_path,
    page_helpers,
    wait_for_page,
    wait_until_idle,
    wait_until_settled,
)

TARGET_FPS = 30
TARGET_PEN_MS = 50
# Recorders, in every page: the live component's frames, the last key press and pen lift,
# and when the server's image with a given caption last got a new src.
RECORDERS = """
window.liveFrames = [];
window.inputs = 0;
document.addEventListener("live-frame", (event) => window.liveFrames.push(event.detail));
document.addEventListener("input", () => window.inputs++, true);
document.addEventListener("keydown", () => (window.keyAt = performance.now()), true);
document.addEventListener("pointerup", () => (window.upAt = performance.now()), true);
// When the next run of the script ends (performance.now), or null after 10 s without one.
window.nextRunEnds = () => new Promise((resolve) => {
  const app = document.querySelector('[data-testid="stApp"]');
  let ran = false;
  const watch = new MutationObserver(() => {
    if (app.getAttribute("data-test-script-state") !== "notRunning") ran = true;
    else if (ran) finish(performance.now());
  });
  const timer = setTimeout(() => finish(null), 10000);
  function finish(at) { watch.disconnect(); clearTimeout(timer); resolve(at); }
  watch.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
});
window.watchImage = (caption) => {
  const source = () => figure(caption)?.querySelector("img")?.src;  // page.js
  let last = source();
  window.changedAt = 0;
  new MutationObserver(() => {
    const now = source();
    if (now && now !== last) [last, window.changedAt] = [now, performance.now()];
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
};
"""


def zoo_or_random(name: str) -> Autoencoder:
    """The zoo model if it is built, else one of the same settings with random weights."""
    try:
        return zoo.load(name)
    except AutoencoderError:  # not built yet (the zoo is trained separately)
        config = zoo.entry(name).config
        rng = np.random.default_rng(1)
        weights = {
            key: rng.normal(0, 0.3, size=shape).astype(np.float32)
            for key, shape in weight_shapes(config).items()
        }
        return Autoencoder(config=config, weights=weights, record={"note": "random"})


def new_page(browser, *, live: bool):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    recorders = page_helpers() + RECORDERS
    context.add_init_script(recorders if live else BLOCK_LIVE_SCRIPT + recorders)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


# A drag without the mouse: the thumb's value stepped and an input event sent every 4 ms.
SCRIPTED_DRAG = """async (slider) => {
  const [low, high] = [Number(slider.min), Number(slider.max)];
  window.liveFrames = [];
  const began = performance.now();
  for (let step = 0; performance.now() - began < 2000; step++) {
    slider.value = low + ((high - low) * (step % 100)) / 100;
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((resolve) => setTimeout(resolve, 4));
  }
  return 1000 * window.liveFrames.length / (performance.now() - began);
}"""


def live_slider(page, url: str, repeats: int) -> dict[str, list[float]]:
    """Per mouse drag: pictures and input events per second; per picture: latency and gap (ms);
    per scripted drag: pictures per second."""
    page.goto(f"{url}/latent")
    slider = page.locator(".live input[type=range]").nth(3)
    slider.wait_for()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    results: dict[str, list[float]] = {
        "rates": [],
        "inputs": [],
        "latencies": [],
        "gaps": [],
        "scripted": [],
    }
    for repeat in range(repeats):
        ends = (box["x"] + 4, box["x"] + box["width"] - 4)
        start, end = ends if repeat % 2 == 0 else ends[::-1]
        page.mouse.move(start, y)
        page.mouse.down()
        began = page.evaluate("window.liveFrames = []; window.inputs = 0; performance.now()")
        page.mouse.move(end, y, steps=80)
        frames, inputs, ended = page.evaluate(
            "[window.liveFrames, window.inputs, performance.now()]"
        )
        page.mouse.up()
        page.wait_for_timeout(300)  # the release's rerun
        seconds = (ended - began) / 1000
        results["rates"].append(len(frames) / seconds)
        results["inputs"].append(inputs / seconds)
        results["latencies"] += [frame["drawn"] - frame["input"] for frame in frames]
        results["gaps"] += list(np.diff([frame["drawn"] for frame in frames]))
    for _ in range(max(3, repeats // 4)):
        results["scripted"].append(slider.evaluate(SCRIPTED_DRAG))
    return results


def live_pen(page, repeats: int) -> list[float]:
    """Pointer event -> the three pictures drawn, for every frame of ``repeats`` strokes (ms)."""
    pad = page.locator("canvas.ink")
    pad.wait_for()
    box = pad.bounding_box()
    latencies = []
    for repeat in range(repeats):
        if repeat % 4 == 0:
            page.get_by_role("button", name="Clear").click()
        x = box["x"] + 60 + 40 * (repeat % 4)
        page.mouse.move(x, box["y"] + 50)
        page.mouse.down()
        page.evaluate("window.liveFrames = []")
        page.mouse.move(x + 30, box["y"] + 230, steps=40)
        frames = page.evaluate("window.liveFrames")
        page.mouse.up()
        latencies += [frame["drawn"] - frame["input"] for frame in frames]
    return latencies


def live_layers(page, url: str, repeats: int, model: str = "") -> dict[str, list[float]]:
    """Inside the network: per stroke, every layer's pictures drawn per second; per frame,
    pointer event -> every layer drawn (ms). ``model``: a zoo name, else the default."""
    page.goto(f"{url}/inside" + (f"?model={model}" if model else ""))
    pad = page.locator(".layers canvas.ink")
    pad.wait_for()
    box = pad.bounding_box()
    results: dict[str, list[float]] = {"rates": [], "latencies": []}
    for repeat in range(repeats):
        if repeat % 4 == 0:
            page.get_by_role("button", name="Clear").click()
        x = box["x"] + 60 + 40 * (repeat % 4)
        page.mouse.move(x, box["y"] + 50)
        page.mouse.down()
        began = page.evaluate("window.liveFrames = []; performance.now()")
        page.mouse.move(x + 30, box["y"] + 230, steps=40)
        frames, ended = page.evaluate("[window.liveFrames, performance.now()]")
        page.mouse.up()
        results["rates"].append(len(frames) / ((ended - began) / 1000))
        results["latencies"] += [frame["drawn"] - frame["input"] for frame in frames]
    return results


def server_layers(page, url: str, repeats: int) -> list[float]:
    """Inside the network without its script: the pen lifted -> the input layer's new src."""
    page.goto(f"{url}/inside")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    page.evaluate("watchImage('The 784 pixels the network gets')")
    timings = []
    for repeat in range(repeats + 1):
        box = canvas.bounding_box()
        x = box["x"] + 60 + 40 * (repeat % 4)
        page.mouse.move(x, box["y"] + 50)
        page.mouse.down()
        page.mouse.move(x + 30, box["y"] + 230, steps=10)
        page.mouse.up()
        page.wait_for_function("window.changedAt > window.upAt")
        if repeat:  # the first warms the caches up
            timings.append(page.evaluate("window.changedAt - window.upAt"))
    return timings


def server_slider(page, url: str, repeats: int) -> list[float]:
    """Key press on a server slider -> its image's new src (ms)."""
    page.goto(f"{url}/latent")
    page.get_by_text("Decoded from the sliders").wait_for()
    page.evaluate("watchImage('Decoded from the sliders')")
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').nth(3)
    timings = []
    for repeat in range(repeats + 1):
        thumb.focus()
        page.keyboard.press("End" if repeat % 2 == 0 else "Home")
        page.wait_for_function("window.changedAt > window.keyAt")
        if repeat:  # the first warms the caches up
            timings.append(page.evaluate("window.changedAt - window.keyAt"))
    return timings


def server_pen(page, url: str, repeats: int) -> list[float]:
    """Lifting the pen on the server's canvas -> the reconstruction's new src (ms)."""
    page.goto(url)
    page.get_by_text("Draw one digit").wait_for()
    page.evaluate("watchImage('Reconstruction')")
    timings = []
    for repeat in range(repeats + 1):
        if repeat % 4 == 0 and repeat:
            page.get_by_role("button", name="Clear").click()
            page.get_by_text("Draw one digit").wait_for()
        canvas = page.locator("canvas.upper-canvas").first
        box = canvas.bounding_box()
        x = box["x"] + 60 + 40 * (repeat % 4)
        page.mouse.move(x, box["y"] + 50)
        page.mouse.down()
        page.mouse.move(x + 30, box["y"] + 230, steps=10)
        page.mouse.up()
        page.wait_for_function("window.changedAt > window.upAt")
        if repeat:
            timings.append(page.evaluate("window.changedAt - window.upAt"))
    return timings


def use_model(page, url: str, zip_bytes: bytes) -> None:
    """This session's model becomes the uploaded one (the Train page's uploader)."""
    page.goto(f"{url}/train")
    page.locator('input[type="file"]').last.set_input_files(
        {"name": "model.zip", "mimeType": "application/zip", "buffer": zip_bytes}
    )
    page.get_by_text("Loaded your model").wait_for()
    page.get_by_role("link", name="Draw").click()


def stats(values: list[float]) -> tuple[float, float]:
    return float(np.median(values)), float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument(
        "--only",
        choices=("layers", "pages"),
        help="measure the layers view, or the other pages' live controls, alone (their rows only)",
    )
    arguments = parser.parse_args()
    repeats = arguments.repeats
    os.environ.setdefault("AUTOENCODER_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    if arguments.only:
        only(arguments.only, repeats)
        return
    conv = zoo_or_random("conv-32")
    conv_note = "zoo" if conv.record.get("note") != "random" else "random weights"

    from playwright.sync_api import sync_playwright

    with server.running() as running, sync_playwright() as playwright:
        url = running.url
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = new_page(browser, live=True)
        slider = live_slider(page, url, repeats)
        page.goto(url)
        pen_ms = live_pen(page, repeats)
        page.context.close()
        page = new_page(browser, live=True)
        use_model(page, url, model_to_zip(conv))
        conv_ms = live_pen(page, repeats)
        page.context.close()
        page = new_page(browser, live=False)
        server_slider_ms = server_slider(page, url, repeats)
        server_pen_ms = server_pen(page, url, repeats)
        page.context.close()
        layers = measure_layers(browser, url, repeats)
        controls = {
            name: live_control(browser, url, control, repeats) for name, *control in CONTROLS
        }
        browser.close()

    cores = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"\n{repeats} drags / strokes / presses each; {cores} cores shared, load {load:.1f}\n")
    print("| measure | live median | live p95 | server median | server p95 | target |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    fps, fps_p95 = float(np.median(slider["rates"])), 1000 / np.percentile(slider["gaps"], 95)
    inputs = float(np.median(slider["inputs"]))
    scripted, scripted_low = float(np.median(slider["scripted"])), min(slider["scripted"])
    rows = [
        ("slider drag, mouse: pictures per second", f"{fps:.0f}", f"{fps_p95:.0f}", "0", "0",
         f">= {TARGET_FPS} fps; p95 = 1000 / p95 gap; mouse sent {inputs:.0f} events/s"),
        ("slider drag, 250 Hz input: pictures per second", f"{scripted:.0f}",
         f"{scripted_low:.0f}", "0", "0", f">= {TARGET_FPS} fps; p95 column: the slowest drag"),
        ("slider: input -> new picture (ms)", *map("{:.1f}".format, stats(slider["latencies"])),
         *map("{:.0f}".format, stats(server_slider_ms)), "server: key press -> new image"),
        ("pen -> reconstruction, dense-32 (ms)", *map("{:.1f}".format, stats(pen_ms)),
         *map("{:.0f}".format, stats(server_pen_ms)),
         f"p95 <= {TARGET_PEN_MS} ms; server: pen lifted -> new image"),
        (f"pen -> reconstruction, conv-32 ({conv_note}) (ms)",
         *map("{:.1f}".format, stats(conv_ms)), "", "", f"p95 <= {TARGET_PEN_MS} ms"),
    ]  # fmt: skip
    rows += layers_rows(*layers)
    rows += control_rows(controls)
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        "\nThe server draws nothing while a thumb or the pen moves: its picture changes on "
        "release only. Live times run from the input event to the pictures drawn in that "
        "animation frame's callback (on screen at the frame's paint)."
    )


LAYERS_CONV = "conv-32"  # the layers view's second row: feature maps, not units


def measure_layers(
    browser, url: str, repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]], list[float]]:
    """The layers view live for the default and for conv-32, and (the script blocked) from
    the server for the default, each in a fresh page."""
    page = new_page(browser, live=True)
    layers = live_layers(page, url, repeats)
    page.context.close()
    page = new_page(browser, live=True)
    conv = live_layers(page, url, repeats, LAYERS_CONV)
    page.context.close()
    page = new_page(browser, live=False)
    server_ms = server_layers(page, url, repeats)
    page.context.close()
    return layers, conv, server_ms


def layers_rows(
    layers: dict[str, list[float]], conv: dict[str, list[float]], server_ms: list[float]
) -> list[tuple[str, ...]]:
    rows = []
    for name, measured, served in (("dense-32", layers, server_ms), (LAYERS_CONV, conv, [])):
        rate, slowest = float(np.median(measured["rates"])), min(measured["rates"])
        server = tuple(map("{:.0f}".format, stats(served))) if served else ("", "")
        rows += [
            (f"layers view, pen moving: pictures per second ({name})", f"{rate:.0f}",
             f"{slowest:.0f}", "0", "0", f">= {TARGET_FPS} fps; p95 column: the slowest stroke"),
            (f"layers view: pen -> every layer drawn, {name} (ms)",
             *map("{:.1f}".format, stats(measured["latencies"])), *server,
             f"p95 <= {TARGET_PEN_MS} ms; server: pen lifted -> new layers"),
        ]  # fmt: skip
    return rows


# The other pages' live controls: (row name, sidebar link, what to click first, what is
# dragged, and how: "slider" across its width, "area" corner to corner, "pen" a stroke).
CONTROLS = (
    ("Denoise: noise level", "Denoise", (), ".live .denoise input[type=range]", "slider"),
    ("Generate: a drag on the 2-number map", "Generate", ("The 2-number map",),
     ".live canvas.plane", "area"),
    ("Generate: the map's z0 slider", "Generate", ("The 2-number map",),
     ".live .map input[type=range] >> nth=0", "slider"),
    ("Generate: interpolation steps (4 models)", "Generate", ("Interpolate",),
     ".live .interpolation input[type=range]", "slider"),
    ("Is it a digit?: threshold", "Is it a digit?", (), ".live .detect input[type=range]",
     "slider"),
    ("Compare, My drawing: pen (3 models, conv-32 among them)", "Compare", ("My drawing",),
     ".live .compare canvas.ink", "pen"),
)  # fmt: skip


def live_control(
    browser, url: str, control: tuple[str, tuple[str, ...], str, str], repeats: int
) -> dict[str, list[float]]:
    """Per drag of one live control: pictures per second and messages sent to the server
    while the drag lasts; per picture: input event -> drawn (ms)."""
    link, clicks, target, how = control
    page = new_page(browser, live=True)
    sent: list[object] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    page.goto(url)
    wait_until_idle(page)  # a click while the page still moves can land on another control
    page.get_by_role("link", name=link, exact=True).click()
    wait_for_page(page, link)  # and settled
    for text in clicks:
        page.get_by_text(text, exact=True).click()
        wait_until_idle(page)
    element = page.locator(target)
    element.wait_for(timeout=120_000)
    results: dict[str, list[float]] = {"rates": [], "latencies": [], "sent": [], "release": []}
    element.scroll_into_view_if_needed()
    for repeat in range(repeats):
        box = element.bounding_box()
        middle = box["y"] + box["height"] / 2
        if how == "slider":
            ends = [(box["x"] + 4, middle), (box["x"] + box["width"] - 4, middle)]
        elif how == "area":
            ends = [(box["x"] + box["width"] * f, box["y"] + box["height"] * f) for f in (0.2, 0.8)]
        else:  # a stroke down the pad, a little further right each time
            x = box["x"] + 60 + 40 * (repeat % 4)
            ends = [(x, box["y"] + 50), (x + 30, box["y"] + 230)]
            if repeat % 4 == 0:
                page.locator(".live .compare").get_by_role("button", name="Clear").click()
                page.wait_for_timeout(300)
        (x0, y0), (x1, y1) = ends if repeat % 2 == 0 or how == "pen" else ends[::-1]
        page.mouse.move(x0, y0)
        page.mouse.down()
        before = len(sent)
        began = page.evaluate("window.liveFrames = []; performance.now()")
        page.mouse.move(x1, y1, steps=40)
        frames, ended = page.evaluate("[window.liveFrames, performance.now()]")
        results["sent"].append(len(sent) - before)
        page.evaluate("() => { window.runEnds = window.nextRunEnds(); }")  # not awaited here
        page.mouse.up()
        run_ended = page.evaluate("window.runEnds")  # the release's one rerun
        if run_ended is not None:
            results["release"].append(run_ended - page.evaluate("window.upAt"))
        wait_until_settled(page, quiet_ms=300)  # the next drag starts on a page at rest
        results["rates"].append(len(frames) / ((ended - began) / 1000))
        results["latencies"] += [frame["drawn"] - frame["input"] for frame in frames]
    page.context.close()
    return results


def control_rows(controls: dict[str, dict[str, list[float]]]) -> list[tuple[str, ...]]:
    rows = []
    for name, measured in controls.items():
        rate, slowest = float(np.median(measured["rates"])), min(measured["rates"])
        release = stats(measured["release"]) if measured["release"] else (np.nan, np.nan)
        rows.append(
            (f"{name}: input -> picture (ms)", *map("{:.1f}".format, stats(measured["latencies"])),
             *map("{:.0f}".format, release),
             f"p95 <= {TARGET_PEN_MS} ms; {rate:.0f} pictures/s (slowest drag "
             f"{slowest:.0f}, >= {TARGET_FPS}); {int(sum(measured['sent']))} messages to the "
             f"server during {len(measured['sent'])} drags; server columns: release -> the "
             f"one rerun's end, {len(measured['release'])} of {len(measured['sent'])} drags")
        )  # fmt: skip
    return rows


def only(which: str, repeats: int) -> None:
    """``--only layers`` or ``--only pages``: a server, a browser and those rows, nothing else."""
    from playwright.sync_api import sync_playwright

    with server.running() as running, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        if which == "layers":
            rows = layers_rows(*measure_layers(browser, running.url, repeats))
        else:
            rows = control_rows(
                {name: live_control(browser, running.url, c, repeats) for name, *c in CONTROLS}
            )
        browser.close()
    print("| measure | live median | live p95 | server median | server p95 | target |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
