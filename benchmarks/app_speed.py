"""The web app's speed and memory targets, measured side by side. Prints a table.

1. Cold start: from ``streamlit run`` to the Draw view ready in chromium, against a
   bare page holding only the canvas (benchmarks/bare_canvas.py); runs alternate.
2. Server memory (RSS) after the first full page load, and whether TensorFlow
   was loaded into the server.
3. Drawing to reconstruction on the server: decode the canvas PNG, preprocess,
   run the model, and encode the three images the page shows.
4. A latent slider move to its new image: the Explore view rerun by AppTest. In
   a browser only the sliders' fragment reruns, so this is an upper bound.

    python benchmarks/app_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402
from benchmarks.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402

TARGET_EXTRA_SECONDS = 1.0
TARGET_RSS_MB = 300
TARGET_DRAW_MS = 30
TARGET_SLIDER_MS = 100


def cold_start(browser, script: Path, ready_selector: str) -> tuple[float, float, bool]:
    """Seconds from launch to ``ready_selector`` visible; RSS in MB; TensorFlow loaded?"""
    import psutil

    started = time.perf_counter()
    with server.running(script, arguments=["--server.headless", "true"]) as running:
        page = browser.new_page()
        page.goto(running.url)
        page.locator(ready_selector).first.wait_for(timeout=60_000)
        seconds = time.perf_counter() - started
        page.wait_for_timeout(500)  # let the first run finish settling
        process = psutil.Process(running.process.pid)
        rss = process.memory_info().rss / 2**20
        maps = Path(f"/proc/{running.process.pid}/maps")
        tensorflow = maps.exists() and "tensorflow" in maps.read_text()
        page.close()
        return seconds, rss, tensorflow


def draw_to_reconstruction_ms(iterations: int) -> float:
    """Median server time from the canvas' PNG to the three PNGs shown."""
    import numpy as np
    from PIL import Image, ImageDraw

    from autoencoder import load_model, metrics
    from autoencoder.pictures import enlarge, error_map
    from autoencoder.preprocess import canvas_to_ink, to_mnist

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    ImageDraw.Draw(canvas).line([(90, 60), (200, 60), (120, 230)], fill="white", width=20)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    model = load_model()

    def once() -> None:
        # What the canvas' result does with image_data (its module needs a running server).
        encoded = data_url.split(";base64,", 1)[1]
        rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))
        digit = to_mnist(canvas_to_ink(rgba))
        reconstruction = model.reconstruct(digit)
        metrics.bce_per_image(digit.reshape(1, -1), reconstruction.reshape(1, -1))
        for picture in (enlarge(digit), enlarge(reconstruction), error_map(digit, reconstruction)):
            Image.fromarray(picture).save(io.BytesIO(), format="PNG")  # as st.image does

    once()
    timings = []
    for _ in range(iterations):
        start = time.perf_counter()
        once()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def slider_move_ms(moves: int) -> float:
    """Median time of the Explore view's rerun after one latent slider moves."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    app.switch_page("views/latent.py").run()
    sliders = [slider for slider in app.slider if slider.key.startswith("unit-")]
    timings = []
    for move in range(moves + 1):
        slider = sliders[move % len(sliders)]
        slider.set_value(slider.max if move % 2 == 0 else slider.min)
        start = time.perf_counter()
        app.run()
        if move:  # the first includes warming up
            timings.append((time.perf_counter() - start) * 1000)
        if app.exception:
            sys.exit(f"the Explore view failed: {app.exception}")
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=200)
    arguments = parser.parse_args()
    os.environ.setdefault(
        "AUTOENCODER_DATA_DIR", str(ROOT.parent / "shared" / "data")
    )  # the app reads it; the Draw view does not need it

    from playwright.sync_api import sync_playwright

    pages = {
        "bare canvas page": (ROOT / "benchmarks" / "bare_canvas.py", "canvas.upper-canvas"),
        # The live pad (canvas.ink) replaces the server canvas once the browser has the model.
        "app, Draw view": (ROOT / "app.py", "canvas.upper-canvas, canvas.ink"),
    }
    runs: dict[str, list[tuple[float, float, bool]]] = {name: [] for name in pages}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for repeat in range(arguments.repeats):
            order = list(pages) if repeat % 2 == 0 else list(reversed(pages))
            for name in order:
                runs[name].append(cold_start(browser, *pages[name]))
                print(f"{name}: {runs[name][-1][0]:.2f} s", file=sys.stderr)
        browser.close()

    bare, app = (statistics.median(run[0] for run in runs[name]) for name in pages)
    bare_rss, app_rss = (statistics.median(run[1] for run in runs[name]) for name in pages)
    tensorflow = any(run[2] for run in runs["app, Draw view"])
    draw_ms = draw_to_reconstruction_ms(arguments.iterations)
    slider_ms = slider_move_ms(20)

    print(f"\nmedians of {arguments.repeats} cold starts each, alternating\n")
    print(
        "| measure                                  | bare canvas | app     | target        | ok  |"
    )
    print(
        "| ---------------------------------------- | ----------: | ------: | ------------- | --- |"
    )
    rows = [
        ("cold start to Draw view ready (s)", f"{bare:.2f}", f"{app:.2f}",
         f"<= bare + {TARGET_EXTRA_SECONDS:.0f} s", app - bare <= TARGET_EXTRA_SECONDS),
        ("server RSS after first page load (MB)", f"{bare_rss:.0f}", f"{app_rss:.0f}",
         f"<= {TARGET_RSS_MB} MB", app_rss <= TARGET_RSS_MB),
        ("TensorFlow loaded in the server", "no", "yes" if tensorflow else "no", "no",
         not tensorflow),
        ("draw -> reconstruction, server (ms)", "", f"{draw_ms:.1f}",
         f"<= {TARGET_DRAW_MS} ms", draw_ms <= TARGET_DRAW_MS),
        ("latent slider move -> image, page (ms)", "", f"{slider_ms:.1f}",
         f"< {TARGET_SLIDER_MS} ms", slider_ms < TARGET_SLIDER_MS),
    ]  # fmt: skip
    for label, baseline, value, target, ok in rows:
        print(
            f"| {label:<40} | {baseline:>11} | {value:>7} | {target:<13} "
            f"| {'yes' if ok else 'NO':<3} |"
        )


if __name__ == "__main__":
    main()
