"""One simulated visitor at a person's pace: Draw, Test images, Explore, Denoise, round and round.

Each action is one thing a person does, timed from its BackMsg to its last run
finished and its last media file fetched (:class:`benchmarks.protocol.Outcome`):

- ``open``: the first page load (Draw), with the live component's report;
- ``draw``: a stroke ends on the live pad (``setStateValue("drawing", ...)``);
- ``switch``: a page opened from the sidebar's navigation;
- ``new set``: Test images' "New random set" button;
- ``test image``: Explore's "Test image" number;
- ``code slider``: one code value of Explore's live sliders let go (``"code"``);
- ``noise level``: Denoise's noise level let go (the live view's ``"noise"``, else its slider).

Between actions the visitor waits a random 2-6 s (seeded), as a person reads.
Widgets are found by label at run time; a widget that is not there is an error
of kind ``missing``, never a crash.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import strokes
from benchmarks.protocol import (
    LIVE_COMPONENT,
    Outcome,
    Session,
    Widget,
    number_state,
    slider_state,
)

THINK_SECONDS = (2.0, 6.0)
DRAWINGS = 6  # distinct drawings made ahead of a run (each costs the client ~0.1 s to make)
DRAW, SAMPLES, EXPLORE, DENOISE = "Draw", "Test images", "Explore the code", "Denoise"
TEST_IMAGES = 10_000
NOISE_LEVELS = [round(0.05 * k, 2) for k in range(1, 21)]


@dataclass(frozen=True)
class Timing:
    """One action: what kind, when it started (monotonic), how long, what went wrong."""

    kind: str
    started: float
    seconds: float
    errors: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass
class Visitor:
    """A visitor's tour; ``timings`` fills as it goes."""

    url: str
    seed: int
    drawings: list[dict[str, Any]]
    timeout: float = 30.0
    think: tuple[float, float] = THINK_SECONDS  # seconds between actions: from, to
    timings: list[Timing] = field(default_factory=list)

    async def run(self, until: float) -> None:
        """Tour until the monotonic time ``until``; the last action may end after it."""
        rng = random.Random(self.seed)
        session = Session(self.url, timeout=self.timeout)
        try:
            await asyncio.sleep(rng.uniform(0, self.think[1]))  # arrivals spread out
            if not await self._act("open", session.open):
                return
            steps = self._steps(session, rng)
            while time.monotonic() < until:
                for kind, step in steps:
                    await asyncio.sleep(rng.uniform(*self.think))
                    if time.monotonic() >= until:
                        return
                    if not await self._act(kind, step):
                        return
        finally:
            await session.close()

    def _steps(
        self, session: Session, rng: random.Random
    ) -> list[tuple[str, Callable[[], Awaitable[Outcome]]]]:
        def switch(title: str) -> Callable[[], Awaitable[Outcome]]:
            async def go() -> Outcome:
                page = session.page(title)
                if page is None:
                    return _missing(f"page {title!r}")
                return await session.switch_page(page)

            return go

        async def draw() -> Outcome:
            pad = _live(session, "draw")
            if pad is None:
                return _missing("the live drawing pad")
            return await session.set_component(pad, "drawing", rng.choice(self.drawings))

        async def new_set() -> Outcome:
            button = session.find("button", "New random set")
            if button is None:
                return _missing("button 'New random set'")
            return await session.press(button)

        async def test_image() -> Outcome:
            number = session.find("number_input", "Test image")
            if number is None:
                return _missing("number input 'Test image'")
            integer = number.proto.data_type == 0  # NumberInput.INT
            value = rng.randrange(TEST_IMAGES)
            return await session.set_widget(number_state(number.id, value, integer=integer), number)

        async def code_slider() -> Outcome:
            sliders = _live(session, "explore")
            if sliders is None:
                return _missing("the live code sliders")
            data = session.component_data(sliders)
            code = moved_code(data, rng)
            if code is None:
                return _missing("a live code slider")
            return await session.set_component(sliders, "code", code)

        async def noise_level() -> Outcome:
            live = _live(session, "denoise")
            if live is not None:  # the live view's slider let go: its kind and new level
                kind = session.component_data(live).get("kind")
                noise = {"kind": kind, "level": rng.choice(NOISE_LEVELS)}
                return await session.set_component(live, "noise", noise)
            slider = session.find("slider", "Noise level")
            if slider is None:
                return _missing("slider 'Noise level'")
            return await session.set_widget(
                slider_state(slider.id, rng.choice(NOISE_LEVELS)), slider
            )

        return [
            ("draw", draw),
            ("switch", switch(SAMPLES)),
            ("new set", new_set),
            ("switch", switch(EXPLORE)),
            ("test image", test_image),
            ("code slider", code_slider),
            ("switch", switch(DENOISE)),
            ("noise level", noise_level),
            ("switch", switch(DRAW)),
        ]

    async def _act(self, kind: str, step: Callable[[], Awaitable[Outcome]]) -> bool:
        """Time one action; False once the session is gone (nothing more can be done)."""
        started = time.monotonic()
        try:
            outcome = await step()
        except Exception as error:  # a broken connection, a refused handshake
            self.timings.append(
                Timing(kind, started, time.monotonic() - started, (f"{type(error).__name__}",))
            )
            return False
        self.timings.append(
            Timing(kind, started, outcome.seconds, tuple(outcome.errors), tuple(outcome.notices))
        )
        return not outcome.disconnected


def moved_code(data: dict[str, Any], rng: random.Random) -> list[float] | None:
    """The live sliders' code with one live unit moved somewhere in its range."""
    sliders = data.get("sliders") or []
    start = data.get("start")
    live = [k for k, slider in enumerate(sliders) if not slider.get("dead")]
    if not isinstance(start, list) or not live or len(start) != len(sliders):
        return None
    unit = rng.choice(live)
    low, high = float(sliders[unit]["min"]), float(sliders[unit]["max"])
    code = [float(value) for value in start]
    code[unit] = round(rng.uniform(low, high), 2)
    return code


def _live(session: Session, view: str) -> Widget | None:
    """The live component drawing ``view`` ("draw", "explore", "denoise"), once active."""
    for widget in session.components(LIVE_COMPONENT):
        data = session.component_data(widget)
        if data.get("view") == view and data.get("active"):
            return widget
    return None


def _missing(what: str) -> Outcome:
    outcome = Outcome()
    outcome.http_errors.append(f"missing: {what}")
    return outcome


def make_drawings(seed: int, count: int = DRAWINGS) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [strokes.drawing(rng) for _ in range(count)]
