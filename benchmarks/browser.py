"""Debian's chromium for the browser tests and the benchmarks, and what they ask of a page:
a picture by its caption, the app idle or settled (``page.js``, evaluated in the page by the
scripts that wait on them; ``wait_until_idle`` and ``wait_until_settled`` from Python)."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "test-artifacts"  # screenshots, kept by CI as the tests' artifacts
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Streamlit imports an inline component script from a blob: URL that page.route cannot see;
# this swaps the component's script for one that fails, as a script that did not load would.
BLOCK_LIVE_SCRIPT = """
const RealBlob = window.Blob;
window.Blob = class extends RealBlob {
  constructor(parts = [], options) {
    const live = parts.some((part) => String(part).includes("st-bidi-autoencoder_live"));
    super(live ? ["throw new Error('blocked by the test');"] : parts, options);
  }
};
"""


@functools.cache
def page_helpers() -> str:
    """``figure(caption)``, ``idle()`` and ``main()`` (page.js): put before a script using them."""
    return (HERE / "page.js").read_text(encoding="utf-8")


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


def wait_until_idle(page, timeout_ms: float = 60_000) -> None:
    """Until the app has finished its rerun and nothing on the page is stale."""
    page.wait_for_function(f"() => {{ {page_helpers()} return idle(); }}", timeout=timeout_ms)


def wait_until_settled(
    page, *, live: bool = False, quiet_ms: float = 1000, timeout_ms: float = 60_000
) -> None:
    """Until the page has stayed settled (``settledNow`` in page.js) for ``quiet_ms``: a run
    that starts in the meantime, such as a live view's first report, starts the wait anew."""
    page.evaluate("window.settledSince = null")  # a previous wait's moment is not this one's
    page.wait_for_function(
        f"""([live, quietMs]) => {{ {page_helpers()}
        if (!settledNow(live)) return void (window.settledSince = null);
        window.settledSince ??= performance.now();
        return performance.now() - window.settledSince >= quietMs;
        }}""",
        arg=[live, quiet_ms],
        polling=50,
        timeout=timeout_ms,
    )


def wait_for_page(page, name: str, timeout_ms: float = 30_000) -> None:
    """Until the sidebar marks page ``name`` as the one shown (a followed link has opened) and
    the switch has settled: the link is no longer followed (components/live/follow.js), so
    the live views have sent what they held back, and nothing has run for 300 ms since.
    Else a held report may leave in the middle of what is measured next."""
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('[data-testid=stSidebarNav] a')]"
        ".some((a) => a.getAttribute('aria-current') === 'page'"
        " && a.innerText.trim().endsWith(name))",
        arg=name,
        timeout=timeout_ms,
    )
    wait_until_settled(page, quiet_ms=300, timeout_ms=timeout_ms)


def stroke(page, canvas, points, *, steps: int = 8, lift: bool = True) -> None:
    """Drag the mouse through ``points`` (canvas pixels) in small steps, as a hand would."""
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
    if lift:
        page.mouse.up()
