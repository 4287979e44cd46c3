"""Take the README's screenshots of the app's pages, each after a visitor's gesture, in Chromium.

Not a benchmark: it uses the benchmarks' server and browser helpers so the pictures show the app
as a visitor sees it, live views included. Run it on a quiet machine, then look at every picture:

    python benchmarks/screenshots.py            # every page
    python benchmarks/screenshots.py draw detect
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.browser import CHROMIUM_FLAGS, chromium_path, stroke, wait_until_idle
from benchmarks.server import ROOT, running

SCREENSHOTS = ROOT / "assets" / "screenshots"
WIDTH = 1400
SEVEN = [(70, 60), (210, 60), (130, 240)]  # pad pixels: a 7 in one stroke


@dataclass(frozen=True)
class Shot:
    path: str  # the page and its link's query
    height: int  # the window's, in CSS px: Streamlit scrolls its main area, not the page
    gesture: Callable[..., None] | None = None  # what a visitor does before the picture


def draw_a_seven(page) -> None:
    pad = page.locator("canvas.ink").first
    pad.wait_for()
    stroke(page, pad, SEVEN)


def move_a_code_slider(page) -> None:
    slider = page.locator(".live input[type=range]").nth(3)
    slider.wait_for()
    slider.focus()
    for _ in range(3):
        slider.press("PageUp")


SHOTS = {
    "draw": Shot("/", 1000, draw_a_seven),
    "samples": Shot("/samples", 1100),
    "latent": Shot("/latent", 1000, move_a_code_slider),
    "denoise": Shot("/denoise?level=0.5", 1000),
    "generate": Shot("/generate?model=vae-2&view=the-2-number-map", 1100),
    "compare": Shot("/compare?models=dense-32,conv-32,vae-32,pca-32", 1700),
    "detect": Shot("/detect?detector=fashion-conv-32&score=complexity", 1500),
    "train": Shot("/train", 1100),
}


def take(browser, url: str, name: str, shot: Shot) -> Path:
    context = browser.new_context(viewport={"width": WIDTH, "height": shot.height})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(url + shot.path)
    wait_until_idle(page, 120_000)
    if shot.gesture is not None:
        shot.gesture(page)
    page.wait_for_timeout(1500)  # a gesture's rerun, and the charts' drawing
    wait_until_idle(page, 120_000)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    context.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="PAGE", help=f"of {', '.join(SHOTS)} (all)")
    names = parser.parse_args().names or list(SHOTS)
    unknown = sorted(set(names) - set(SHOTS))
    if unknown:
        parser.error(f"no screenshot named {', '.join(unknown)}; choose from {', '.join(SHOTS)}")
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        sys.exit("No chromium found: install Debian's chromium (apt-get install chromium).")
    with running() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        for name in names:
            print(take(browser, server.url, name, SHOTS[name]).relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main()
