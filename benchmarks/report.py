"""The capacity benchmark's figures: percentiles per action, one markdown table, the capacity.

Pure functions over :class:`benchmarks.visitor.Timing` lists, unit-tested in
tests/test_capacity_client.py.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from benchmarks.visitor import Timing

TARGET_P95_SECONDS = 1.0
ACTION_ORDER = (
    "open",
    "draw",
    "switch",
    "new set",
    "test image",
    "code slider",
    "noise level",
)


def percentile(values: Sequence[float], share: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Spread:
    count: int
    p50: float
    p95: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        return cls(len(seconds), percentile(seconds, 0.5), percentile(seconds, 0.95))


@dataclass
class Level:
    """One step of a sweep: N visitors for some seconds, and what the machine paid."""

    visitors: int
    timings: list[Timing]
    seconds: float
    server_rss_peak_mb: float = math.nan
    server_rss_before_mb: float = math.nan
    server_cpu_cores: float = math.nan
    client_cpu_cores: float = math.nan
    machine_steal: float = math.nan  # share of the machine's CPU time the host took
    replicas: int = 1
    browser: list[Timing] = field(default_factory=list)  # the Playwright visitor's, if any
    browser_errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"N={self.visitors}" + (f" ({self.replicas} replicas)" if self.replicas > 1 else "")

    def overall(self) -> Spread:
        return Spread.of([timing.seconds for timing in self.timings])

    def by_kind(self) -> dict[str, Spread]:
        kinds: dict[str, list[float]] = {}
        for timing in self.timings:
            kinds.setdefault(timing.kind, []).append(timing.seconds)
        return {kind: Spread.of(values) for kind, values in kinds.items()}

    def errors(self) -> Counter[str]:
        """Errors by kind: ``exception``, ``timeout``, ``http 404``, ``missing``..."""
        return Counter(error_kind(error) for timing in self.timings for error in timing.errors)

    def error_count(self) -> int:
        return sum(self.errors().values())

    def passes(self, limit: float = TARGET_P95_SECONDS) -> bool:
        overall = self.overall()
        return overall.count > 0 and overall.p95 <= limit and self.error_count() == 0

    def client_cpu_per_visitor(self) -> float:
        return self.client_cpu_cores / self.visitors if self.visitors else math.nan


def error_kind(error: str) -> str:
    """A short class for an error text, so that a table can count them."""
    if error.startswith("exception"):
        return "exception"
    if error.startswith("missing"):
        return "missing widget"
    if error in ("timeout", "disconnected", "media: timeout"):
        return error
    parts = error.split(": ")
    if len(parts) >= 2 and parts[-1][:3].isdigit():
        return f"HTTP {parts[-1][:3]}"
    return parts[0].split(" ")[0] if parts else error


def largest_passing(levels: Iterable[Level], limit: float = TARGET_P95_SECONDS) -> int | None:
    """The largest N whose p95 over all actions is within ``limit`` with no errors."""
    passing = [level.visitors for level in levels if level.passes(limit)]
    return max(passing) if passing else None


def _ms(value: float) -> str:
    return "" if math.isnan(value) else f"{value * 1000:.0f}"


def spread_text(spread: Spread | None) -> str:
    if spread is None or spread.count == 0:
        return ""
    return f"{_ms(spread.p50)} / {_ms(spread.p95)} ({spread.count})"


def _number(value: float, digits: int = 0) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"


def _percent(share: float) -> str:
    return "" if math.isnan(share) else f"{100 * share:.0f} %"


def _ordered(kinds: set[str]) -> list[str]:
    """Action kinds in the tour's order, any others after them."""
    return sorted(
        kinds, key=lambda kind: (ACTION_ORDER.index(kind) if kind in ACTION_ORDER else 99, kind)
    )


def table(levels: Sequence[Level]) -> str:
    """One markdown table, one column per level, side by side."""
    header = ["measure", *(level.label for level in levels)]
    rows: list[list[str]] = []
    rows.append(["actions", *(str(level.overall().count) for level in levels)])
    rows.append(
        ["all actions: p50 / p95 ms (n)", *(spread_text(level.overall()) for level in levels)]
    )
    kinds = _ordered({kind for level in levels for kind in level.by_kind()})
    for kind in kinds:
        rows.append(
            [
                f"{kind}: p50 / p95 ms (n)",
                *(spread_text(level.by_kind().get(kind)) for level in levels),
            ]
        )
    if any(level.browser or level.browser_errors for level in levels):
        rows.append(
            [
                "browser visitor, all: p50 / p95 ms (n)",
                *(spread_text(Spread.of([t.seconds for t in level.browser])) for level in levels),
            ]
        )
        browser_kinds = _ordered({t.kind for level in levels for t in level.browser})
        for kind in browser_kinds:
            rows.append(
                [
                    f"browser {kind}: p50 / p95 ms (n)",
                    *(
                        spread_text(Spread.of([t.seconds for t in level.browser if t.kind == kind]))
                        for level in levels
                    ),
                ]
            )
        rows.append(
            [
                "browser visitor errors",
                *(
                    str(len(level.browser_errors) + sum(len(t.errors) for t in level.browser))
                    for level in levels
                ),
            ]
        )
    rows.append(["errors", *(str(level.error_count()) for level in levels)])
    rows.append(
        [
            "errors by kind",
            *(
                ", ".join(f"{kind} {count}" for kind, count in sorted(level.errors().items()))
                for level in levels
            ),
        ]
    )
    rows.append(
        ["server RSS before / peak (MB)"]
        + [
            f"{_number(level.server_rss_before_mb)} / {_number(level.server_rss_peak_mb)}"
            for level in levels
        ]
    )
    rows.append(["server CPU (cores)", *(_number(level.server_cpu_cores, 2) for level in levels)])
    rows.append(["client CPU (cores)", *(_number(level.client_cpu_cores, 3) for level in levels)])
    rows.append(
        [
            "client CPU per visitor (cores)",
            *(_number(level.client_cpu_per_visitor(), 4) for level in levels),
        ]
    )
    rows.append(
        ["machine's CPU time taken by the host (steal)"]
        + [_percent(level.machine_steal) for level in levels]
    )
    rows.append(
        [
            f"p95 <= {TARGET_P95_SECONDS:g} s, no errors",
            *("yes" if level.passes() else "no" for level in levels),
        ]
    )
    return markdown(header, rows)


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [
        max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))
    ]

    def line(cells: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))
            + " |"
        )

    rule = "| " + " | ".join("-" * width for width in widths) + " |"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
