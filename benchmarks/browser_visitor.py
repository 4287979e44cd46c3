"""The cross-check: one real Chromium visitor (Playwright) through the protocol visitors' tour.

Same actions, same pace, same action kinds as :mod:`benchmarks.visitor`, found by
their labels on the page. An action is timed as the protocol visitors' are: from
the first BackMsg the page's own websocket sent for it to the last
``script_finished`` it received for it, or to its last image loaded if that came
later (the first page load: from the URL typed). The frames are read from the
page's websocket, so both clients start and stop the clock on the same messages;
what differs is what a browser does in between (rendering, its own requests).
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.browser import CHROMIUM_FLAGS, chromium_path
from benchmarks.protocol import FINISHED
from benchmarks.strokes import SHAPES, SIDE
from benchmarks.visitor import (
    DENOISE,
    DRAW,
    EXPLORE,
    SAMPLES,
    TEST_IMAGES,
    THINK_SECONDS,
    Timing,
)

VIEWPORT = {"width": 1280, "height": 900}
QUIET_SECONDS = 0.3  # no new rerun sent for this long after a finish: the action is over
IMAGES_LOADED = "() => [...document.images].every((image) => image.complete)"
PAD = "canvas[aria-label='Drawing canvas']"
LIVE_SLIDER = ".live input[type=range]"


class _Frames:
    """The page's websocket as the clock, read through the DevTools protocol (CDP).

    Counts (for waiting) are kept on this process's clock; the latencies use the
    browser's own timestamps of each frame and media response, so that neither the
    delivery of events to Playwright nor this process's scheduling is timed.
    """

    def __init__(self) -> None:
        self.sent = 0
        self.sent_ts: list[float] = []  # the browser's timestamps, seconds
        self.finished: list[float] = []  # this process's clock, when heard of
        self.finished_ts: list[float] = []
        self.media_ts: list[float] = []  # /media/ responses finished
        self.changed = asyncio.Event()
        self._sockets: set[str] = set()
        self._media: set[str] = set()

    async def attach(self, page: Any) -> None:
        cdp = await page.context.new_cdp_session(page)
        cdp.on("Network.webSocketCreated", self._created)
        cdp.on("Network.webSocketFrameSent", self._sent)
        cdp.on("Network.webSocketFrameReceived", self._received)
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.loadingFinished", self._loaded)
        await cdp.send("Network.enable")

    def _created(self, event: dict[str, Any]) -> None:
        if event.get("url", "").endswith("/_stcore/stream"):
            self._sockets.add(event["requestId"])

    def _sent(self, event: dict[str, Any]) -> None:
        if event.get("requestId") in self._sockets and event["response"].get("opcode") == 2:
            self.sent += 1
            self.sent_ts.append(event["timestamp"])
            self.changed.set()

    def _received(self, event: dict[str, Any]) -> None:
        if event.get("requestId") not in self._sockets or event["response"].get("opcode") != 2:
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(base64.b64decode(event["response"]["payloadData"]))
        except Exception:
            return
        if message.WhichOneof("type") == "script_finished" and message.script_finished in FINISHED:
            self.finished.append(time.monotonic())
            self.finished_ts.append(event["timestamp"])
            self.changed.set()

    def _request(self, event: dict[str, Any]) -> None:
        if "/media/" in event.get("request", {}).get("url", ""):
            self._media.add(event["requestId"])

    def _loaded(self, event: dict[str, Any]) -> None:
        if event.get("requestId") in self._media:
            self.media_ts.append(event["timestamp"])

    def seconds_since(self, sent_index: int) -> float | None:
        """From the rerun sent at ``sent_index`` to its last run finished and media loaded."""
        if len(self.sent_ts) <= sent_index or not self.finished_ts:
            return None
        start = self.sent_ts[sent_index]
        end = max([self.finished_ts[-1], *(t for t in self.media_ts if t >= start)])
        return end - start


class BrowserVisitor:
    """One Chromium page touring the app; ``timings`` and ``errors`` fill as it goes."""

    def __init__(self, url: str, seed: int, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.seed = seed
        self.timeout = timeout
        self.timings: list[Timing] = []
        self.errors: list[str] = []
        self.browser_pids: list[int] = []

    async def run(self, until: float) -> None:
        from playwright.async_api import async_playwright

        executable = chromium_path()
        if executable is None:
            self.errors.append("no chromium")
            return
        rng = random.Random(self.seed)
        frames = _Frames()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_FLAGS
            )
            try:
                page = await browser.new_page(viewport=VIEWPORT)
                page.set_default_timeout(self.timeout * 1000)
                await frames.attach(page)
                page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
                await self._tour(page, frames, rng, until)
            finally:
                await browser.close()

    async def _tour(self, page: Any, frames: _Frames, rng: random.Random, until: float) -> None:
        async def open_app() -> None:
            await page.goto(self.url)

        async def draw() -> None:
            pad = page.locator(PAD).first
            box = await pad.bounding_box()
            if box is None:
                raise LookupError("the live drawing pad")
            scale = box["width"] / SIDE
            for line in SHAPES[rng.choice(sorted(SHAPES))]:
                points = [
                    (box["x"] + x * SIDE * scale, box["y"] + y * SIDE * scale) for x, y in line
                ]
                await page.mouse.move(*points[0])
                await page.mouse.down()
                for x, y in points[1:]:
                    await page.mouse.move(x, y, steps=8)
            # The clock starts when the pen is lifted, as the protocol visitor's does.

        async def lift() -> None:
            await page.mouse.up()

        def switch(title: str):
            async def go() -> None:
                links = page.locator("[data-testid=stSidebarNavLink]")
                await links.filter(has=page.get_by_text(title, exact=True)).first.click()

            return go

        async def new_set() -> None:
            await page.locator("button", has_text="New random set").first.click()

        async def test_image() -> None:
            number = page.get_by_label("Test image", exact=True).first
            await number.fill(str(rng.randrange(TEST_IMAGES)))
            await number.press("Enter")

        async def code_slider() -> None:
            slider = page.locator(LIVE_SLIDER).first
            await slider.focus()
            await slider.press("ArrowRight" if rng.random() < 0.5 else "ArrowLeft")

        async def noise_level() -> None:
            # The live view's slider (its release is the rerun), or the server's.
            live = page.locator(".live .denoise input[type=range]")
            server = (
                page.locator("[data-testid=stSlider]")
                .filter(has_text="Noise level")
                .get_by_role("slider")
            )
            slider = live.or_(server).first
            await slider.focus()
            await slider.press("ArrowRight" if rng.random() < 0.5 else "ArrowLeft")

        await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))
        if not await self._act("open", page, frames, open_app, ready=PAD):
            return
        steps = [
            ("draw", draw, lift, None),
            ("switch", None, switch(SAMPLES), "button:has-text('New random set')"),
            ("new set", None, new_set, None),
            ("switch", None, switch(EXPLORE), LIVE_SLIDER),
            ("test image", None, test_image, None),
            ("code slider", None, code_slider, None),
            ("switch", None, switch(DENOISE), "[data-testid=stSlider]"),
            ("noise level", None, noise_level, None),
            ("switch", None, switch(DRAW), PAD),
        ]
        while time.monotonic() < until:
            for kind, prepare, action, ready in steps:
                await asyncio.sleep(rng.uniform(*THINK_SECONDS))
                if time.monotonic() >= until:
                    return
                if prepare is not None:
                    try:
                        await prepare()
                    except Exception as error:
                        self.timings.append(
                            Timing(kind, time.monotonic(), 0.0, (f"missing: {error}",))
                        )
                        continue
                await self._act(kind, page, frames, action, ready=ready)

    async def _act(
        self, kind: str, page: Any, frames: _Frames, action: Any, ready: str | None
    ) -> bool:
        started = time.monotonic()
        finished_before, sent_before = len(frames.finished), frames.sent
        errors: list[str] = []
        try:
            await action()
            end = await self._settled(page, frames, finished_before, sent_before, started)
            if ready is not None:
                await page.locator(ready).first.wait_for(state="visible")
            exceptions = await page.locator("[data-testid=stException]").count()
            if exceptions:
                errors.append(f"exception: {exceptions} on the page")
        except Exception as error:
            errors.append("timeout" if "Timeout" in type(error).__name__ else f"missing: {error}")
            end = time.monotonic()
        seconds = end - started
        if kind != "open" and not errors:
            # From the BackMsg, as the protocol visitors are timed; "open" from the URL typed.
            seconds = frames.seconds_since(sent_before) or seconds
        self.timings.append(Timing(kind, started, seconds, tuple(errors)))
        return not errors or kind != "open"

    async def _settled(
        self, page: Any, frames: _Frames, finished_before: int, sent_before: int, started: float
    ) -> float:
        """When the action's last run finished and its images were loaded (monotonic)."""
        deadline = started + self.timeout
        while True:
            # A run that finished after the action, and no rerun sent since it finished.
            while len(frames.finished) <= finished_before or frames.sent <= sent_before:
                if time.monotonic() > deadline:
                    raise TimeoutError("no script_finished")
                frames.changed.clear()
                try:
                    await asyncio.wait_for(
                        frames.changed.wait(), max(0.01, deadline - time.monotonic())
                    )
                except TimeoutError:
                    continue
            finished_at = images_at = frames.finished[-1]
            if not await page.evaluate(IMAGES_LOADED):
                await page.wait_for_function(IMAGES_LOADED)
                images_at = time.monotonic()
            sent, done = frames.sent, len(frames.finished)
            await asyncio.sleep(QUIET_SECONDS)
            if frames.sent == sent and len(frames.finished) == done:
                return max(finished_at, images_at)
            finished_before, sent_before = done, sent
