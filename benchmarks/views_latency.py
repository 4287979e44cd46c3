"""Every control of Compare, Denoise, Generate and "Is it a digit?", in headless Chromium:
input event -> its result on screen, with Streamlit idle again.

One ``streamlit run app.py`` (the server the browser tests use) and one browser
session, as one visitor: a digit is drawn on Draw first (so "My drawing" is an
input everywhere), then each page is opened from the sidebar and each of its
controls is used ``--repeats`` times after one untimed round that warms the
caches (its slowest gesture is reported as "cold"; the page's first opening
too). The sidebar's model picker switches between two zoo models already visited.

A measurement runs from the gesture's input event (keydown, pointerdown) to the
latest of: each expected result shown (an image's new src loaded, a Vega-Lite
chart's SVG or canvas redrawn, a text changed, a picture gone), and the app
idle (``stApp``'s script state ``notRunning``, no running icon, no stale
element). Times are taken inside the page (performance.now in event listeners,
a MutationObserver, and the canvas' drawing calls); a gesture counts as done
once nothing it waits for has moved for 300 ms. Where the time went: until the
rerun request left (a WebSocket send), until the server's last message came in,
and the browser's long tasks. A gesture with no result (no rerun, or a rerun
and 8 s idle without it) counts as lost and is done again, as a visitor would.
The machine is shared: medians and 95th percentiles of many repeats.

    python benchmarks/views_latency.py [--repeats 10] [--pages compare denoise generate detect]
                                       [--controls REGEX]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import server  # noqa: E402
from benchmarks.browser import (  # noqa: E402
    ARTIFACTS,
    BLOCK_LIVE_SCRIPT,
    CHROMIUM_FLAGS,
    chromium_path,
    page_helpers,
)

TARGET_MS = 1000
STEP_TIMEOUT_MS = 180_000  # a cold step on a loaded 2-core machine: scoring 20,000 images
VIEWPORT = {"width": 1400, "height": 1000}
PAGES = {
    "compare": "Compare",
    "denoise": "Denoise",
    "generate": "Generate",
    "detect": "Is it a digit?",
}
SIDEBAR_MODELS = ("conv-32", "dense-32")  # the picker's switch: there and back


def recorder() -> str:
    """The in-page recorder (views_latency.js) after the helpers it uses (page.js)."""
    return page_helpers() + (Path(__file__).with_suffix(".js")).read_text(encoding="utf-8")


# --- What a step waits for ----------------------------------------------------------------


def image(caption: str) -> dict:
    """The st.image whose caption starts with ``caption``: a new src, loaded."""
    return {"kind": "image", "caption": caption}


def nth_image(nth: int) -> dict:
    return {"kind": "image", "nth": nth}


def chart(index: int) -> dict:
    """The page's ``index``-th Vega-Lite chart: redrawn."""
    return {"kind": "chart", "index": index}


def gone(caption: str) -> dict:
    return {"kind": "gone", "caption": caption}


SIDEBAR_TEXT = {"kind": "text", "selector": '[data-testid="stSidebarUserContent"]'}


# --- Gestures -----------------------------------------------------------------------------

Action = Callable[[object], None]


@dataclass
class Step:
    """One gesture: ``prepare`` (untimed), ``act`` (its input event starts the clock), the
    results it waits for, and ``after`` (untimed)."""

    act: Action
    targets: list[dict]
    prepare: Action | None = None
    after: Action | None = None
    rerun: bool = False  # with no result to see: wait for a rerun to start and end


def widget(page, key: str):
    return page.locator(f".st-key-{key}")


def segment(key: str, option: str, targets: list[dict]) -> Step:
    """A segmented control's option clicked."""
    return Step(
        lambda page: widget(page, key).get_by_role("radio", name=option, exact=True).click(),
        targets,
    )


def slider(key: str, press: str, targets: list[dict]) -> Step:
    """A slider's thumb (a visually hidden range input) focused, then a key pressed."""
    return Step(
        lambda page: page.keyboard.press(press),
        targets,
        prepare=lambda page: widget(page, key).locator('input[type="range"]').focus(),
    )


def number(key: str, value: int, targets: list[dict]) -> Step:
    """A number typed into a number input, then Enter (which sends it)."""
    return Step(
        lambda page: page.keyboard.press("Enter"),
        targets,
        prepare=lambda page: widget(page, key).locator("input").fill(str(value)),
    )


def button(name: str, targets: list[dict]) -> Step:
    return Step(
        lambda page: page.get_by_role("button", name=name).first.click(),
        targets,
    )


def choose(
    box: Callable[[object], object],
    typed: str,
    option: str | re.Pattern,
    targets: list[dict],
    *,
    close: bool = False,
) -> Step:
    """An option of a selectbox or multiselect clicked in its open list; if the list does
    not show it (only the options in view are drawn), after typing ``typed`` to filter it.
    Untimed: the list opened, and any typing."""

    def prepare(page) -> None:
        field = box(page).locator('input[role="combobox"]')
        field.click()
        page.get_by_role("option").first.wait_for()
        if not page.get_by_role("option", name=option).count():
            field.fill(typed)
        page.get_by_role("option", name=option).first.wait_for()

    return Step(
        lambda page: page.get_by_role("option", name=option).first.click(),
        targets,
        prepare=prepare,
        after=close_list if close else None,
    )


def close_list(page) -> None:
    """A multiselect's list closed (it stays open for more picks), and for sure: while it is
    open, the page's other roles are hidden and the next click outside only closes it."""
    page.keyboard.press("Escape")
    listbox = page.get_by_role("listbox")
    try:
        listbox.wait_for(state="hidden", timeout=2000)
    except Exception:
        page.locator("h1").first.click()
        listbox.wait_for(state="hidden", timeout=10_000)


def click_at(chart_index: int, fx: float, fy: float, targets: list[dict]) -> Step:
    """A click at a fraction of a chart's box (its plot area is most of it)."""

    def act(page) -> None:
        box = page.locator('[data-testid="stMain"] [data-testid="stVegaLiteChart"]').nth(
            chart_index
        )
        area = box.bounding_box()
        page.mouse.click(area["x"] + area["width"] * fx, area["y"] + area["height"] * fy)

    return Step(act, targets)


# --- Controls -----------------------------------------------------------------------------


@dataclass
class Control:
    """A control used over and over: ``step(i)`` is the i-th gesture; ``cycle`` gestures warm
    it up (its different states computed once); ``setup`` puts the page where it is shown."""

    page: str
    name: str
    step: Callable[[int], Step]
    cycle: int = 1
    setup: list[Callable[[object], Step | None]] = field(default_factory=list)


def ensure_segment(key: str, option: str) -> Callable[[object], Step | None]:
    """A setup gesture: the option chosen, unless it already is."""

    def step(page) -> Step | None:
        radio = widget(page, key).get_by_role("radio", name=option, exact=True)
        if radio.get_attribute("aria-checked") == "true":
            return None
        return Step(lambda page: radio.click(), [], rerun=True)

    return step


def cycling(steps: list[Step]) -> Callable[[int], Step]:
    return lambda index: steps[index % len(steps)]


def sidebar_control(page: str) -> Control:
    box = lambda page: page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]')  # noqa: E731
    steps = [
        choose(box, name, re.compile(rf"\({name}\)$"), [SIDEBAR_TEXT]) for name in SIDEBAR_MODELS
    ]
    return Control(page, "sidebar model (selectbox)", cycling(steps), cycle=2)


def compare_controls() -> tuple[list[dict], list[Control]]:
    grid = nth_image(0)  # the grid: originals and every model's reconstructions
    models = lambda page: widget(page, "compare_models")  # noqa: E731
    vae = "vae-32 · "
    sources = ["At random", "By class", "By index", "Worst of the first model", "My drawing"]
    controls = [
        Control(
            "compare",
            "models (multiselect: add, remove)",
            cycling(
                [
                    choose(models, "vae-32", re.compile("^" + vae), [grid, chart(0)], close=True),
                    Step(
                        lambda page: page.get_by_role(
                            "button", name=re.compile("^Remove " + vae)
                        ).click(),
                        [grid, chart(0)],
                    ),
                ]
            ),
            cycle=2,
        ),
        Control(
            "compare",
            "inputs (segmented, 5 sources)",
            cycling([segment("compare_source", source, [grid]) for source in sources]),
            cycle=len(sources),
            setup=[ensure_segment("compare_source", "My drawing")],
        ),
        Control(
            "compare",
            "how many (slider)",
            cycling(
                [
                    slider("compare_count", "ArrowLeft", [grid]),
                    slider("compare_count", "ArrowRight", [grid]),
                ]
            ),
            cycle=2,
            setup=[ensure_segment("compare_source", "At random")],
        ),
        Control(
            "compare",
            "New random set (button)",
            lambda index: button("New random set", [grid]),
            setup=[ensure_segment("compare_source", "At random")],
        ),
        Control(
            "compare",
            "class (selectbox)",
            lambda index: choose(
                lambda page: widget(page, "compare_class"),
                str((index + 1) % 10),
                re.compile(rf"^{(index + 1) % 10}$"),
                [grid],
            ),
            setup=[ensure_segment("compare_source", "By class")],
        ),
        Control(
            "compare",
            "first index (number input)",
            lambda index: number("compare_index", 100 + 37 * index, [grid]),
            setup=[ensure_segment("compare_source", "By index")],
        ),
    ]
    return [grid, chart(0)], controls


def denoise_controls() -> tuple[list[dict], list[Control]]:
    pictures = [image("Noisy: "), image("dense-32: "), image("denoise-32: ")]
    chosen = [image("Clean"), *pictures]
    kinds = ["Masking", "Salt and pepper", "Gaussian"]
    controls = [
        Control(
            "denoise",
            "noise (segmented)",
            cycling([segment("denoise_kind", kind, [*pictures, chart(0)]) for kind in kinds]),
            cycle=len(kinds),
        ),
        Control(
            "denoise",
            "noise level (slider)",
            cycling(
                [
                    slider("denoise_level", "ArrowRight", [*pictures, chart(0)]),
                    slider("denoise_level", "ArrowLeft", [*pictures, chart(0)]),
                ]
            ),
            cycle=2,
        ),
        Control(
            "denoise",
            "image (segmented)",
            cycling(
                [
                    segment("denoise_source", source, chosen)
                    for source in ("My drawing", "A test image")
                ]
            ),
            cycle=2,
        ),
        Control(
            "denoise",
            "test image (number input)",
            lambda index: number("denoise_index", 100 + 37 * index, chosen),
            setup=[ensure_segment("denoise_source", "A test image")],
        ),
        Control(
            "denoise",
            "Random image (button)",
            lambda index: button("Random image", chosen),
            setup=[ensure_segment("denoise_source", "A test image")],
        ),
    ]
    return [*chosen, chart(0)], controls


def generate_controls() -> tuple[list[dict], list[Control]]:
    samples = [image("vae-2: "), image("dense-2: "), image("vae-32: "), image("dense-32: ")]
    decoded = image("z = (")
    manifold = image("The decoder's map")
    paths = [image("dense-32: "), image("Pixels: ")]
    views = [
        ("The 2-number map", [decoded, manifold, chart(0)]),
        ("Interpolate", paths),
        ("Samples", samples),
    ]
    on_map = [ensure_segment("generate_view", "The 2-number map")]
    on_paths = [ensure_segment("generate_view", "Interpolate")]
    path_models = lambda page: widget(page, "generate_path_models")  # noqa: E731
    controls = [
        Control(
            "generate",
            "show (segmented, 3 views)",
            cycling([segment("generate_view", view, targets) for view, targets in views]),
            cycle=len(views),
        ),
        Control(
            "generate",
            "New samples (button)",
            lambda index: button("New samples", samples),
            setup=[ensure_segment("generate_view", "Samples")],
        ),
        *[
            Control(
                "generate",
                f"z{unit} (slider)",
                cycling(
                    [
                        slider(f"generate_z{unit}", "End", [decoded, chart(0)]),
                        slider(f"generate_z{unit}", "Home", [decoded, chart(0)]),
                    ]
                ),
                cycle=2,
                setup=on_map,
            )
            for unit in (0, 1)
        ],
        Control(
            "generate",
            "click on the map",
            cycling(
                [
                    click_at(0, 0.3, 0.3, [decoded, chart(0)]),
                    click_at(0, 0.6, 0.7, [decoded, chart(0)]),
                ]
            ),
            cycle=2,
            setup=on_map,
        ),
        Control(
            "generate",
            "steps (slider)",
            cycling(
                [
                    slider("generate_steps", "ArrowRight", paths),
                    slider("generate_steps", "ArrowLeft", paths),
                ]
            ),
            cycle=2,
            setup=on_paths,
        ),
        Control(
            "generate",
            "through the code of (multiselect: remove, add)",
            cycling(
                [
                    Step(
                        lambda page: page.get_by_role(
                            "button", name=re.compile("^Remove pca-32")
                        ).click(),
                        [gone("pca-32: ")],
                    ),
                    choose(path_models, "pca-32", "pca-32", [image("pca-32: ")], close=True),
                ]
            ),
            cycle=2,
            setup=on_paths,
        ),
        Control(
            "generate",
            "from (segmented)",
            cycling(
                [
                    segment("generate_from", source, paths)
                    for source in ("My drawing", "A test image")
                ]
            ),
            cycle=2,
            setup=on_paths,
        ),
        Control(
            "generate",
            "from test image (number input)",
            lambda index: number("generate_start", 100 + 37 * index, paths),
            setup=[*on_paths, ensure_segment("generate_from", "A test image")],
        ),
        Control(
            "generate",
            "to test image (number input)",
            lambda index: number("generate_end", 200 + 37 * index, paths),
            setup=on_paths,
        ),
    ]
    return samples, controls


def detect_controls() -> tuple[list[dict], list[Control]]:
    both = [chart(0), chart(1)]
    model = lambda page: widget(page, "detect_model")  # noqa: E731
    controls = [
        Control(
            "detect",
            "threshold (slider, Home / End)",
            cycling([slider("detect_threshold", key, both) for key in ("Home", "End")]),
            cycle=2,
        ),
        Control(
            "detect",
            "model (selectbox)",
            cycling(
                [choose(model, name, re.compile(f"^{name} · "), both) for name in SIDEBAR_MODELS]
            ),
            cycle=2,
        ),
        Control(
            "detect",
            "error axis (segmented)",
            cycling([segment("detect_scale", scale, [chart(0)]) for scale in ("Linear", "Log")]),
            cycle=2,
        ),
    ]
    return both, controls


VIEWS = {
    "compare": compare_controls,
    "denoise": denoise_controls,
    "generate": generate_controls,
    "detect": detect_controls,
}


# --- Running ------------------------------------------------------------------------------


class StepError(Exception):
    pass


class LostGestureError(StepError):
    """The gesture's result never came: no rerun, or the app reran and went idle without it."""


@dataclass(frozen=True)
class Timing:
    total: float  # ms: input event -> results shown, app idle
    request: float  # ms: input event -> the rerun request sent (0 if none seen)
    server: float  # ms: request sent -> the server's last message received (0 if none)
    busy: float  # ms: the browser's long tasks (> 50 ms each) from input to shown


def measure(page, step: Step) -> Timing:
    """Do ``step``; time from its input event to its results shown, the app idle."""
    if step.prepare is not None:
        step.prepare(page)
    page.evaluate("([targets, rerun]) => bench.arm(targets, rerun)", [step.targets, step.rerun])
    step.act(page)
    if not page.evaluate("bench.inputAt"):
        raise StepError("the gesture sent no input event")
    try:
        page.wait_for_function("() => bench.done()", polling=50, timeout=STEP_TIMEOUT_MS)
    except Exception as error:
        state = page.evaluate("JSON.stringify(bench.targets)")
        raise StepError(f"no result in {STEP_TIMEOUT_MS / 1000:.0f} s: {state}") from error
    if page.evaluate("bench.stalled"):
        state = page.evaluate("JSON.stringify(bench.targets)")
        raise LostGestureError(f"no rerun, or idle for 8 s without the result: {state}")
    timing = Timing(*page.evaluate("bench.latency()"))
    if step.after is not None:
        step.after(page)
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        raise StepError(f"exception on the page: {exceptions.first.inner_text()[:200]}")
    return timing


@dataclass
class Row:
    page: str
    control: str
    cold: float | None = None  # ms: the slowest warm-up gesture, or the first page opening
    timings: list[Timing] = field(default_factory=list)
    lost: int = 0  # timed gestures that had no effect (each done again, and that one timed)
    lost_warming: int = 0
    problem: str = ""

    @property
    def times(self) -> list[float]:
        return [timing.total for timing in self.timings]


def run_control(page, control: Control, repeats: int) -> Row:
    row = Row(PAGES[control.page], control.name)

    def attempt(index: int, timed: bool) -> Timing:
        try:
            return measure(page, control.step(index))
        except LostGestureError:  # as a visitor would: the gesture again, timed the second time
            if timed:
                row.lost += 1
            else:
                row.lost_warming += 1
            return measure(page, control.step(index))

    try:
        for setup in control.setup:
            step = setup(page)
            if step is not None:
                measure(page, step)
        row.cold = max(attempt(index, timed=False).total for index in range(control.cycle))
        for index in range(control.cycle, control.cycle + repeats):
            row.timings.append(attempt(index, timed=True))
        done = control.cycle + repeats
        for index in range(done, -(-done // control.cycle) * control.cycle):
            attempt(index, timed=False)  # the cycle finished: the page as it began
    except Exception as error:  # a timeout or a missing element: report it, go on
        row.problem = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        page.keyboard.press("Escape")  # an open list hides the rest of the page from roles
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"\W+", "-", f"views_latency-{control.page}-{control.name}")
        page.screenshot(path=ARTIFACTS / f"{name.strip('-')}.png", full_page=True)
    lost = (
        f", lost {row.lost} timed + {row.lost_warming} warming"
        if row.lost or row.lost_warming
        else ""
    )
    cold = "" if row.cold is None else f"cold {row.cold:.0f} ms, "
    print(f"  {row.page} / {row.control}: {cold}{summary(row.times)}{lost} {row.problem}")
    return row


def draw_digit(page) -> Timing:
    """A 7 drawn on Draw (the session's drawing, for every "My drawing" input)."""
    pad = page.locator("canvas.ink, canvas.upper-canvas").first
    pad.wait_for()
    box = pad.bounding_box()

    def stroke(page) -> None:
        page.mouse.move(box["x"] + 90, box["y"] + 60)
        page.mouse.down()
        for x, y in ((200, 60), (120, 230)):
            page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
        page.mouse.up()

    return measure(page, Step(stroke, [], rerun=True))


def open_page(page, name: str, ready: list[dict]) -> Timing:
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=PAGES[name]).first
    return measure(page, Step(lambda page: link.click(), ready))


def summary(times: list[float]) -> str:
    if not times:
        return "no runs"
    return (
        f"median {np.median(times):.0f} ms, p95 {np.percentile(times, 95):.0f} ms, "
        f"max {max(times):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--controls", default="", help="only controls whose name matches this")
    arguments = parser.parse_args()
    os.environ.setdefault("AUTOENCODER_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    pattern = re.compile(arguments.controls, re.IGNORECASE)

    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    began = time.monotonic()
    load_before = " ".join(f"{value:.1f}" for value in os.getloadavg())
    with server.running() as running, sync_playwright() as playwright:
        url = running.url
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=VIEWPORT)
        # The server's controls: Denoise, Generate, the threshold and Compare's pad are live
        # otherwise (benchmarks/browser_latency.py measures those).
        context.add_init_script(BLOCK_LIVE_SCRIPT + recorder())
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        page.goto(url)
        page.wait_for_function("() => window.bench && document.querySelector('h1')")
        rows.append(Row("Draw", "a stroke (sets the drawing)", cold=draw_digit(page).total))
        for name in arguments.pages:
            ready, controls = VIEWS[name]()
            row = Row(PAGES[name], "open from the sidebar (first visit)")
            try:
                row.cold = open_page(page, name, ready).total
            except Exception as error:
                row.problem = f"{type(error).__name__}: {error}".splitlines()[0][:300]
            rows.append(row)
            print(f"  {row.page}: opened in {row.cold} ms {row.problem}")
            for control in [*controls, sidebar_control(name)]:
                if pattern.search(control.name):
                    rows.append(run_control(page, control, arguments.repeats))
        context.close()
        browser.close()

    minutes = (time.monotonic() - began) / 60
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{arguments.repeats} repeats per control after one warm-up round; "
        f"{os.cpu_count()} cores shared; load average {load_before} at the start, {load} at "
        f"the end; {minutes:.0f} min\n"
    )
    print(table(rows))
    print(
        "\nFrom the input event (key press, pointer down) to the last awaited result on "
        "screen (an image's new picture loaded, a chart redrawn, the sidebar's text changed) "
        "with the app idle. Cold: the slowest gesture of the warm-up round (a first visit's "
        "computations), or the page's first opening. Medians of where the time went: "
        "request, input event -> the rerun request sent; server, request -> the server's "
        "last message received (the rerun, and any wait of the browser's busy main thread "
        "to take its messages in); browser busy, the browser's long tasks (> 50 ms: React, "
        "Vega) from input to shown. Lost: no rerun, or a rerun and 8 s idle without the "
        "result; the gesture was done again, and that one timed."
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| page | control | runs | cold ms | median ms | p95 ms | max ms | p95 <= 1 s "
        "| request ms | server ms | browser busy ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        cold = "" if row.cold is None else f"{row.cold:.0f}"
        figures, verdict = [""] * 6, ""
        if row.timings:
            times = row.times
            p95 = np.percentile(times, 95)
            figures = [
                f"{np.median(times):.0f}",
                f"{p95:.0f}",
                f"{max(times):.0f}",
                f"{np.median([timing.request for timing in row.timings]):.0f}",
                f"{np.median([timing.server for timing in row.timings]):.0f}",
                f"{np.median([timing.busy for timing in row.timings]):.0f}",
            ]
            verdict = "yes" if p95 <= TARGET_MS else "**no**"
        if row.lost or row.lost_warming:
            verdict += f"; lost {row.lost} of {len(row.timings)} (+{row.lost_warming} warming)"
        if row.problem:
            verdict = f"failed: {row.problem}"
        cells = [row.page, row.control, str(len(row.timings)), cold, *figures[:3], verdict]
        lines.append("| " + " | ".join([*cells, *figures[3:]]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
