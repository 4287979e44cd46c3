"""Many visitors at once against a real ``streamlit run app.py``: errors, latency, memory.

Each session is a Chromium page at 1280 x 900 (the sessions share a few browsers).
Round after round it does what a visitor does: draws a digit with mouse strokes,
switches to Test images, asks for a new random set, looks up index 9999, switches
to Explore the code, moves a latent slider with the keyboard (its visually hidden
``input[type=range]``), and switches back to Draw. Every step is timed in the page
(``performance.now()``) from the action to its result on screen, with the rerun
finished. The server's RSS (psutil: the server, its children and any training
runs) is sampled ten times a second.

The sessions run three times: alone, then beside one and two training runs of
small settings (1,000 images, up to 30 epochs, restarted while the sessions go),
started directly through ``autoencoder.jobs.TrainingJob`` so that the Train page,
in flux, cannot break the measurement.

    python benchmarks/load.py                  # 10 sessions x 2 rounds, then + 1 and 2 runs
    python benchmarks/load.py --sessions 1     # each page's first-visit cost (fresh servers)

The numbers are from a shared machine: read the latencies as rough.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import server as servers  # noqa: E402
from benchmarks.browser import CHROMIUM_FLAGS, chromium_path, page_helpers  # noqa: E402
from benchmarks.server import Server  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}
SESSIONS_PER_BROWSER = 5
STEP_TIMEOUT_MS = 90_000
PAUSE_SECONDS = 0.2  # between a visitor's steps: busy, but not a machine
ARRIVAL_SECONDS = 0.5  # between one visitor's first page load and the next's
POLL_MS = 50  # how often a page checks whether a step's result is on screen
SETTLE_SECONDS = 45  # longest wait for memory to settle once the sessions have closed
TARGET_FIRST_VISIT_MB = 150
TARGET_PEAK_MB = 1200
TARGET_SETTLED_MB = 100
LOG_ERROR = re.compile(r"Traceback|\bERROR\b|Uncaught app|Exception in")

# The drawing surface: fabric's top layer in older streamlit-drawable-canvas, "ink" in 0.13.
CANVAS = "canvas.upper-canvas, canvas.ink"
# A latent slider: the server's (st.slider) or the live component's.
SLIDERS = '[data-testid="stSlider"] input[type="range"], .live input[type="range"]'
# Pages by URL path, and what shows that each is ready.
PAGES = {
    "Draw": ("", f"h1('Draw a digit') && deep('{CANVAS}')"),
    "Test images": ("samples", "h1('Test images') && images() >= 3"),
    "Explore the code": ("latent", "h1('Explore the code') && decoded()"),
    "Denoise": ("denoise", "h1('Denoise')"),
    "Generate": ("generate", "h1('Generate')"),
    "Compare": ("compare", "h1('Compare')"),
    "Is it a digit?": ("detect", "h1('Is it a digit?')"),
    "Train your own": ("train", "h1('Train your own')"),
}
# Helpers for the conditions above (with page.js's figure(caption) and idle()).
HELPERS = """
const h1 = text => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === text);
const images = () => document
    .querySelectorAll('[data-testid=stMain] [data-testid=stImage] img').length;
const caption = prefix => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
    .map(c => c.innerText).find(t => t.startsWith(prefix));
// The canvas is a component of its own, drawn inside a shadow root.
const deep = (selector, root = document) => root.querySelector(selector)
    || [...root.querySelectorAll('*')].filter(e => e.shadowRoot)
        .map(e => deep(selector, e.shadowRoot)).find(Boolean);
// The decoded picture: the server's image, or the live component's canvas (views/live.py),
// as a string that changes when the picture does.
const decoded = () => {
    const server = figure('Decoded from the sliders');
    if (server) return server.querySelector('img').src;
    const live = deep("canvas[aria-label^='Decoded from the sliders']");
    return live ? live.toDataURL() : null;
};
const shown = text => document.querySelector('[data-testid=stMain]').innerText.includes(text);
"""


def helpers() -> str:
    """HELPERS after page.js, whose ``figure`` and ``idle`` they use."""
    return page_helpers() + HELPERS


# --- The server and its memory -------------------------------------------------------------


def log_errors(running: Server) -> list[str]:
    """The server's log lines that report an error."""
    return [line for line in running.log_text().splitlines() if LOG_ERROR.search(line)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process so far."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def tree_rss_mb(pids: list[int]) -> float:
    """RSS of these processes and all their descendants, in MB."""
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += process.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


class MemorySampler(threading.Thread):
    """Peak RSS of the server (and of ``extra()`` processes) between ``reset`` and ``peak``."""

    def __init__(self, server_pid: int, extra: Callable[[], list[int]] = list) -> None:
        super().__init__(daemon=True)
        self.server_pid, self.extra = server_pid, extra
        self.server_peak = self.total_peak = 0.0
        self.lock = threading.Lock()
        self.done = threading.Event()

    def sample(self) -> tuple[float, float]:
        server = tree_rss_mb([self.server_pid])
        return server, server + tree_rss_mb(self.extra())

    def reset(self) -> None:
        with self.lock:
            self.server_peak = self.total_peak = 0.0

    def run(self) -> None:
        while not self.done.wait(0.1):
            server, total = self.sample()
            with self.lock:
                self.server_peak = max(self.server_peak, server)
                self.total_peak = max(self.total_peak, total)


def settle(sampler: MemorySampler, limit: float = SETTLE_SECONDS) -> tuple[float, float]:
    """Wait until the server's RSS stops falling (or ``limit``); return (RSS MB, seconds)."""
    started = time.monotonic()
    history = [sampler.sample()[0]]
    while time.monotonic() - started < limit:
        time.sleep(1)
        history.append(sampler.sample()[0])
        if len(history) >= 6 and max(history[-6:]) - min(history[-6:]) < 2:
            break
    return history[-1], time.monotonic() - started


# --- Training runs beside the sessions -----------------------------------------------------


class Trainers(threading.Thread):
    """Keep ``count`` small training runs going (restarting those that finish) until stopped."""

    def __init__(self, count: int) -> None:
        super().__init__(daemon=True)
        self.count = count
        self.jobs: list = []
        self.started = 0
        self.problem = ""
        self.done = threading.Event()

    def pids(self) -> list[int]:
        return [job.process.pid for job in list(self.jobs) if job.running]

    def run(self) -> None:
        from autoencoder.config import Config
        from autoencoder.jobs import TrainingJob

        config = Config(epochs=30)
        while not self.done.is_set():
            for job in [job for job in self.jobs if not job.running]:
                self.jobs.remove(job)
                job.cleanup()
            while len(self.jobs) < self.count:
                try:
                    self.jobs.append(TrainingJob.start(config, train_limit=1_000))
                    self.started += 1
                except Exception as error:  # the API is in flux: report, do not crash
                    self.problem = f"{type(error).__name__}: {error}"
                    self.done.set()
                    break
            for job in self.jobs:
                job.keep_alive()
            self.done.wait(1)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)
        for job in self.jobs:
            job.stop()
        deadline = time.monotonic() + 30
        while any(job.running for job in self.jobs) and time.monotonic() < deadline:
            time.sleep(0.5)
        for job in self.jobs:
            job.cleanup()


# --- One visitor ---------------------------------------------------------------------------


@dataclass
class Visitor:
    """One browser session's flows: step latencies, exceptions, failures."""

    number: int
    latencies: dict[str, list[float]] = field(default_factory=dict)
    flows_done: int = 0
    exceptions: int = 0
    failures: list[str] = field(default_factory=list)
    step: str = ""  # the step under way, for a failure's message

    async def timed(
        self, page, step: str, action: Callable[[], Awaitable[object]], ready: str, arg=None
    ) -> None:
        """Do ``action``; wait until the JS condition ``ready`` holds with the rerun done."""
        self.step = step
        start = await page.evaluate("performance.now()")
        await action()
        handle = await page.wait_for_function(
            f"arg => {{ {helpers()} return ({ready}) && idle() && performance.now(); }}",
            arg=arg,
            timeout=STEP_TIMEOUT_MS,
            polling=POLL_MS,
        )
        self.latencies.setdefault(step, []).append(await handle.json_value() - start)
        self.exceptions += await page.locator('[data-testid="stException"]').count()
        await asyncio.sleep(PAUSE_SECONDS)

    async def flow(self, page, url: str, round_: int) -> None:
        """Draw, Test images (new set, index 9999), Explore (a slider), back to Draw."""
        rng = random.Random(self.number * 1000 + round_)
        if round_ == 0:
            await self.timed(
                page,
                "first load",
                lambda: page.goto(url, wait_until="commit"),
                PAGES["Draw"][1],
            )
        clear = page.get_by_role("button", name=re.compile(r"^Clear"))  # "Clear (the canvas)"
        if await page.get_by_text("Reconstruction error").count():
            await clear.click()
            await page.get_by_text("Draw one digit").wait_for(timeout=STEP_TIMEOUT_MS)
        await self.timed(
            page, "draw", lambda: draw_stroke(page, rng), "shown('Reconstruction error')"
        )
        await self.switch(page, "Test images")
        before = await page.evaluate(f"() => {{ {helpers()} return caption('Test images '); }}")
        await self.timed(
            page,
            "new random set",
            page.get_by_role("button", name="New random set").click,
            "caption('Test images ') && caption('Test images ') !== arg",
            before,
        )
        await self.timed(
            page,
            "pick by index",
            page.get_by_role("radio", name="By index").click,
            "[...document.querySelectorAll('label')].some(l => l.innerText === 'First index')",
        )
        index = page.get_by_label("First index")

        async def look_up() -> None:
            await index.fill("9999")
            await index.press("Enter")

        await self.timed(page, "index 9999", look_up, "caption('Test images 9999:')")
        await self.switch(page, "Explore the code")
        before = await page.evaluate(f"() => {{ {helpers()} return decoded(); }}")
        thumb = page.locator(SLIDERS).nth(rng.randrange(8))

        async def slide() -> None:
            # To the other end: a ReLU unit often starts at its lowest value already.
            at_top = await thumb.evaluate("input => Number(input.value) >= Number(input.max)")
            await thumb.focus()
            await page.keyboard.press("Home" if at_top else "End")

        await self.timed(page, "latent slider", slide, "decoded() && decoded() !== arg", before)
        await self.switch(page, "Draw")

    async def switch(self, page, title: str) -> None:
        link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
        await self.timed(page, "page switch", link.click, PAGES[title][1])

    async def run(self, browser, url: str, rounds: int) -> None:
        await asyncio.sleep(ARRIVAL_SECONDS * self.number)  # visitors arrive a little apart
        context = await browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = await context.new_page()
        try:
            for round_ in range(rounds):
                try:
                    await self.flow(page, url, round_)
                    self.flows_done += 1
                except Exception as error:  # a timeout or a missing element: count, go on
                    self.failures.append(
                        f"session {self.number}, round {round_}, {self.step}: {error}"[:300]
                    )
                    with contextlib.suppress(Exception):
                        await page.goto(url, wait_until="commit")
        finally:
            await context.close()


async def draw_stroke(page, rng: random.Random) -> None:
    """A hand-drawn-looking 7 or 1, dragged in small mouse steps."""
    canvas = page.locator(CANVAS).first
    box = await canvas.bounding_box()
    jitter = [rng.uniform(-15, 15) for _ in range(6)]
    if rng.random() < 0.5:
        points = [(90 + jitter[0], 60 + jitter[1]), (200 + jitter[2], 60), (120 + jitter[3], 230)]
    else:
        points = [(140 + jitter[0], 50 + jitter[1]), (140 + jitter[4], 230 + jitter[5])]
    await page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    await page.mouse.down()
    for x, y in points[1:]:
        await page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
    await page.mouse.up()


# --- Phases --------------------------------------------------------------------------------


@dataclass
class Phase:
    training_runs: int
    sessions: int
    flows: int
    flows_done: int
    exceptions: int
    log_errors: int
    latencies: dict[str, list[float]]
    before_mb: float
    server_peak_mb: float
    total_peak_mb: float
    settled_mb: float
    settle_seconds: float
    server_cpu_seconds: float
    runs_started: int
    failures: list[str]
    problem: str = ""


async def run_sessions(url: str, sessions: int, rounds: int) -> list[Visitor]:
    from playwright.async_api import async_playwright

    visitors = [Visitor(number) for number in range(sessions)]
    async with async_playwright() as playwright:
        browsers = [
            await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            for _ in range(-(-sessions // SESSIONS_PER_BROWSER))
        ]
        await asyncio.gather(
            *(
                visitor.run(browsers[visitor.number % len(browsers)], url, rounds)
                for visitor in visitors
            )
        )
        for browser in browsers:
            await browser.close()
    return visitors


def load_phase(server: Server, training_runs: int, sessions: int, rounds: int) -> Phase:
    trainers = Trainers(training_runs)
    sampler = MemorySampler(server.process.pid, trainers.pids)
    before, _ = settle(sampler, limit=10)
    errors_before = len(log_errors(server))
    cpu_before = cpu_seconds(server.process.pid)
    sampler.start()
    if training_runs:
        trainers.start()
        time.sleep(5)  # let the runs get going (TensorFlow is loading) before the visitors come
    try:
        visitors = asyncio.run(run_sessions(server.url, sessions, rounds))
    finally:
        if training_runs:
            trainers.stop()
    server_peak, total_peak = sampler.server_peak, sampler.total_peak
    cpu = cpu_seconds(server.process.pid) - cpu_before
    sampler.done.set()
    settled, seconds = settle(sampler)
    latencies: dict[str, list[float]] = {}
    for visitor in visitors:
        for step, values in visitor.latencies.items():
            latencies.setdefault(step, []).extend(values)
    return Phase(
        training_runs=training_runs,
        sessions=sessions,
        flows=sessions * rounds,
        flows_done=sum(visitor.flows_done for visitor in visitors),
        exceptions=sum(visitor.exceptions for visitor in visitors),
        log_errors=len(log_errors(server)) - errors_before,
        latencies=latencies,
        before_mb=before,
        server_peak_mb=server_peak,
        total_peak_mb=total_peak,
        settled_mb=settled,
        settle_seconds=seconds,
        server_cpu_seconds=cpu,
        runs_started=trainers.started,
        failures=[failure for visitor in visitors for failure in visitor.failures],
        problem=trainers.problem,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def print_load(phases: list[Phase], rounds: int, cold_mb: float) -> None:
    print(
        f"\n{phases[0].sessions} concurrent Chromium sessions x {rounds} rounds of: draw, "
        "page switch, new random set, pick by index, index 9999, page switch, latent slider, "
        "page switch.\nMachine: 2 cores, shared with other engineers and a long model-training "
        "run: latencies are noisy.\nRSS in MB: the server and its children; 'with runs' adds "
        f"the training processes. The server started at {cold_mb:.0f} MB; 'before' is after "
        "one visitor went through every page.\n"
    )
    print(
        "| training runs | flows done | page exceptions | server log errors | p50 step ms | "
        "p95 step ms | server CPU ms per step | RSS before | peak server | peak with runs | "
        "settled | settled - before |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for phase in phases:
        steps = [
            value
            for step, values in phase.latencies.items()
            if step != "first load"
            for value in values
        ]
        runs = f"{phase.training_runs} ({phase.runs_started} started)"
        print(
            f"| {runs} | {phase.flows_done} of {phase.flows} | {phase.exceptions} | "
            f"{phase.log_errors} | {percentile(steps, 0.5):.0f} | {percentile(steps, 0.95):.0f} | "
            f"{1000 * phase.server_cpu_seconds / max(len(steps), 1):.0f} | "
            f"{phase.before_mb:.0f} | {phase.server_peak_mb:.0f} | {phase.total_peak_mb:.0f} | "
            f"{phase.settled_mb:.0f} (after {phase.settle_seconds:.0f} s) | "
            f"{phase.settled_mb - phase.before_mb:+.0f} |"
        )
    names = sorted({step for phase in phases for step in phase.latencies})
    print("\nStep latency, p50 / p95 ms (n), by training runs:\n")
    print("| step | " + " | ".join(f"{phase.training_runs} runs" for phase in phases) + " |")
    print("| --- |" + " ---: |" * len(phases))
    for name in names:
        cells = []
        for phase in phases:
            values = phase.latencies.get(name, [])
            cells.append(
                f"{percentile(values, 0.5):.0f} / {percentile(values, 0.95):.0f} ({len(values)})"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    first = phases[0]
    verdicts = [
        ("all flows completed", all(p.flows_done == p.flows for p in phases)),
        ("no page exceptions", all(p.exceptions == 0 for p in phases)),
        ("no server log errors", all(p.log_errors == 0 for p in phases)),
        (f"peak server RSS < {TARGET_PEAK_MB} MB", first.server_peak_mb < TARGET_PEAK_MB),
        (
            f"settled within {TARGET_SETTLED_MB} MB of before",
            all(p.settled_mb - p.before_mb < TARGET_SETTLED_MB for p in phases),
        ),
    ]
    print()
    for label, ok in verdicts:
        print(f"{'ok  ' if ok else 'FAIL'} {label}")
    for phase in phases:
        if phase.problem:
            print(f"training runs could not start: {phase.problem}")
        for failure in phase.failures[:5]:
            print(f"failed flow ({phase.training_runs} runs): {failure}")


# --- First visits --------------------------------------------------------------------------


@dataclass
class Visit:
    page: str
    rss_mb: float  # server RSS increase, settled after the page is ready
    peak_mb: float  # server peak RSS increase during the visit
    overflow: list[str]  # what scrolls sideways at 1280 px (or that the page never got ready)


# What is wider than the screen or clips its content: the page, or a segmented control.
OVERFLOW = """() => [
    ...(document.documentElement.scrollWidth > document.documentElement.clientWidth
        ? ['the page'] : []),
    ...[...document.querySelectorAll('[data-testid=stButtonGroup]')]
        .filter(group => group.scrollWidth > group.clientWidth + 1)
        .map(group => group.innerText.split('\\n')[0]),
]"""


async def visit_pages(url: str, titles: list[str], sampler: MemorySampler) -> list[Visit]:
    """One session opening each page of ``titles`` in turn; what each visit cost."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError
    from playwright.async_api import async_playwright

    visits = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS
        )
        context = await browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = await context.new_page()
        for title in titles:
            path, ready = PAGES[title]
            before = sampler.sample()[0]
            sampler.reset()
            await page.goto(f"{url}/{path}", wait_until="commit")
            try:
                await page.wait_for_function(
                    f"() => {{ {helpers()} return ({ready}) && idle(); }}", polling=POLL_MS
                )
                overflow = []
            except PlaywrightTimeoutError:  # a page in flux: say so, measure the others
                overflow = [f"NOT READY in {STEP_TIMEOUT_MS // 1000} s"]
            await page.wait_for_timeout(1000)  # the rerun's last messages
            after = sampler.sample()[0]
            overflow += await page.evaluate(OVERFLOW)
            visits.append(Visit(title, after - before, sampler.server_peak - before, overflow))
        await browser.close()
    return visits


def first_visits() -> None:
    """Each page's first visit on a fresh server, then all pages in turn in one session."""
    fresh = []
    for title in PAGES:
        with servers.running() as server:
            sampler = MemorySampler(server.process.pid)
            idle, _ = settle(sampler, limit=10)
            sampler.start()
            fresh.append((idle, asyncio.run(visit_pages(server.url, [title], sampler))[0]))
            sampler.done.set()
            if log_errors(server):
                print(f"server log errors on {title}: {log_errors(server)[:3]}")
    with servers.running() as server:
        sampler = MemorySampler(server.process.pid)
        settle(sampler, limit=10)
        sampler.start()
        in_turn = asyncio.run(visit_pages(server.url, list(PAGES), sampler))
        sampler.done.set()
    print(
        "\nOne session's first visit to each page: on a fresh server per page (idle: its RSS "
        "before the visit), then all pages in turn in one session on one server. "
        f"Viewport {VIEWPORT['width']} px.\n"
        "Machine: 2 cores, shared with other engineers and a long model-training run.\n"
    )
    print(
        "| page | idle MB | first visit + MB | its peak + MB | "
        f"< {TARGET_FIRST_VISIT_MB} MB | in turn + MB | in turn peak + MB | scrolls sideways |"
    )
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for (idle, visit), turn in zip(fresh, in_turn, strict=True):
        ok = "yes" if max(visit.rss_mb, visit.peak_mb) < TARGET_FIRST_VISIT_MB else "NO"
        overflow = ", ".join(sorted(set(visit.overflow + turn.overflow))) or "nothing"
        print(
            f"| {visit.page} | {idle:.0f} | {visit.rss_mb:+.0f} | {visit.peak_mb:+.0f} | {ok} | "
            f"{turn.rss_mb:+.0f} | {turn.peak_mb:+.0f} | {overflow} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--training", default="0,1,2", help="training runs beside the sessions, per phase"
    )
    arguments = parser.parse_args()
    os.environ.setdefault("AUTOENCODER_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    if chromium_path() is None:
        sys.exit("no chromium: install Debian's chromium or set CHROMIUM_PATH")
    if arguments.sessions == 1:
        first_visits()
        return
    phases = []
    with servers.running() as server:
        sampler = MemorySampler(server.process.pid)
        cold, _ = settle(sampler, limit=10)
        # One visitor first, through every page: "before" is then the level of a server
        # that has loaded its code and the test set, which no visitor leaving can give back.
        sampler.start()
        asyncio.run(visit_pages(server.url, list(PAGES), sampler))
        sampler.done.set()
        for runs in (int(count) for count in arguments.training.split(",")):
            print(f"{arguments.sessions} sessions, {runs} training runs ...", file=sys.stderr)
            phases.append(load_phase(server, runs, arguments.sessions, arguments.rounds))
    print_load(phases, arguments.rounds, cold)


if __name__ == "__main__":
    main()
