"""Text alternatives for the pages' pictures and charts: what each shows, in words and figures.

A screen reader reads these instead of the picture (``st.image(..., alt=...)``), so each
says what the picture is of and the figures a sighted visitor reads off it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SHOWN_VALUES = 4  # code values spelled out; the rest are counted
INK_CHANGE = 0.1  # a pixel this much darker or lighter counts as changed on the error map


def numbers(values: Sequence[float] | np.ndarray, decimals: int = 2) -> str:
    """``1.20, -0.40 and 3 more``: the first few values of a long list, counted after."""
    values = [float(value) for value in np.ravel(values)]
    shown = ", ".join(f"{value:.{decimals}f}" for value in values[:SHOWN_VALUES])
    rest = len(values) - SHOWN_VALUES
    return shown + (f" and {rest} more" if rest > 0 else "")


def code(values: Sequence[float] | np.ndarray) -> str:
    """``decoded from code z0 = 1.20, z1 = -0.40``: a code, named unit by unit."""
    values = np.ravel(values)
    shown = enumerate(values[:SHOWN_VALUES])
    named = ", ".join(f"z{unit} = {float(value):.2f}" for unit, value in shown)
    rest = len(values) - SHOWN_VALUES
    return f"decoded from code {named}" + (f" and {rest} more numbers" if rest > 0 else "")


def model_input(of: str) -> str:
    return f"{of} as the model sees it: 28 by 28 pixels, white ink on black"


def reconstruction(
    of: str, error: float, percentile: float | None = None, things: str = "test images"
) -> str:
    """``the model's reconstruction of your drawing (error 0.072, worse than 23% of ...)``."""
    figures = f"error {error:.3f}"
    if percentile is not None:
        figures += f", worse than {percentile:.0f}% of {things}"
    return f"the model's reconstruction of {of} ({figures})"


def error_map(original: np.ndarray, rebuilt: np.ndarray, of: str = "the input") -> str:
    """How many pixels the reconstruction draws too dark and too light, in words."""
    difference = np.ravel(rebuilt).astype(np.float64) - np.ravel(original)
    darker = int((difference > INK_CHANGE).sum())
    lighter = int((difference < -INK_CHANGE).sum())
    if darker == lighter == 0:
        return f"error map: no pixel differs from {of}"
    return (
        f"error map against {of}: {darker} of {difference.size} pixels "
        f"have too much ink (shown orange, +), {lighter} too little (shown blue, -)"
    )


def grid(what: str, count: int, columns: int) -> str:
    """``24 random codes, decoded, in 2 rows of 12``."""
    rows = -(-count // columns)
    return f"{what}, in {rows} row{'s' if rows != 1 else ''} of {min(count, columns)}"


def errors(values: Sequence[float] | np.ndarray, name: str = "BCE") -> str:
    """``BCE from 0.061 to 0.142, mean 0.093``: a set of errors in one phrase."""
    values = np.ravel(values)
    if len(values) == 1:
        return f"{name} {float(values[0]):.3f}"
    low, high, mean = float(values.min()), float(values.max()), float(values.mean())
    return f"{name} from {low:.3f} to {high:.3f}, mean {mean:.3f}"


def curve(
    name: str,
    xs: Sequence[float],
    ys: Sequence[float],
    at: str,
    unit: str,
    decimals: int = 1,
) -> str:
    """``conv: rises from 13.0 dB at 2 numbers to 24.0 dB at 32 numbers``: a line in words;
    ``at`` formats an x (``"{x:g} numbers"``)."""
    pairs = sorted(
        (float(x), float(y)) for x, y in zip(xs, ys, strict=True) if np.isfinite(float(y))
    )
    if not pairs:
        return f"{name}: no values"

    def value(y: float) -> str:
        return f"{y:.{decimals}f}" + (f" {unit}" if unit else "")

    (x0, y0), (x1, y1) = pairs[0], pairs[-1]
    if len(pairs) == 1:
        return f"{name}: {value(y0)} at {at.format(x=x0)}"
    verb = "rises" if y1 > y0 else "falls" if y1 < y0 else "stays"
    text = f"{name}: {verb} from {value(y0)} at {at.format(x=x0)}"
    text += f" to {value(y1)} at {at.format(x=x1)}"
    peak_x, peak_y = max(pairs, key=lambda pair: pair[1])
    if peak_y > max(y0, y1) + 0.5 * 10**-decimals:  # a peak the shown digits can tell
        text += f", highest {value(peak_y)} at {at.format(x=peak_x)}"
    return text


def curves(
    what: str,
    lines: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    at: str,
    unit: str,
    decimals: int = 1,
) -> str:
    """A chart of several lines in words: ``{what}. a: rises ...; b: falls ....``"""
    parts = [curve(name, xs, ys, at, unit, decimals) for name, (xs, ys) in lines.items()]
    return f"{what}. " + "; ".join(parts) + "."
