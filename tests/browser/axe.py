"""axe-core's WCAG 2.2 AA rules on a Playwright page, from the copy axe-playwright-python
bundles (nothing fetched from a CDN); each violating node, and whether it is Streamlit's own."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# Resolves axe's target (a selector, or a list of them through shadow roots) to the
# element, and names the first frame selector whose element holds it.
_RUN = """
async ({tags, frame}) => {
  const resolve = (target) => {
    let scope = document, found = null;
    for (const selector of [].concat(target)) {
      found = scope.querySelector(selector);
      if (!found) return null;
      scope = found.shadowRoot || found;
    }
    return found;
  };
  // Inside a shadow root, the element is Streamlit's if its host is.
  const holder = (element) => {
    for (let at = element; at; at = at.getRootNode().host) {
      const match = frame.find((selector) => at.closest(selector));
      if (match) return match;
    }
    return null;
  };
  // Each frame is run on its own (violations below), so a frame's nodes name that frame.
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"], iframes: false});
  return result.violations.flatMap((rule) => rule.nodes.map((node) => {
    const where = holder(resolve(node.target));
    return {rule: rule.id, impact: node.impact || rule.impact || "", help: rule.help,
            target: [].concat(node.target).join(" >> "), html: node.html,
            summary: node.failureSummary || "", frame: where};
  }));
}
"""


@dataclass(frozen=True)
class Violation:
    rule: str  # axe's rule id, e.g. "color-contrast"
    impact: str
    help: str
    target: str  # the node's selector
    html: str
    summary: str  # axe's words on what fails
    where: str  # the page and mode it was found on
    frame: str | None  # the frame selector (Streamlit's own element) holding it, if any

    def __str__(self) -> str:
        summary = re.sub(r"\s+", " ", self.summary)[:300]
        return (
            f"[{self.where}] {self.rule} ({self.impact}): {self.target}\n"
            f"    {self.html[:200]}\n    {summary}"
        )


@functools.cache
def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_version() -> str:
    """The bundled axe-core's version, from its banner."""
    found = re.search(r"axe v([\d.]+)", axe_script()[:200])
    return found.group(1) if found else "unknown"


def violations(page, where: str, frame: Mapping[str, str] | None = None) -> list[Violation]:
    """Every node violating a WCAG 2.2 AA rule on ``page`` and in its frames (a component's
    iframe); ``frame`` maps selectors of Streamlit's own elements to why the app cannot fix
    them: a node inside one, or inside an iframe one names, is marked with it."""
    selectors = list(frame or {})
    found = []
    for each in page.frames:
        holder = None
        if each.parent_frame is not None:
            element = each.frame_element()
            holder = element.evaluate(
                "(e, all) => all.find((s) => e.closest(s)) ?? null", selectors
            )
            where_here = f"{where} (in the frame {element.evaluate('e => e.title || e.src')})"
        else:
            where_here = where
        found += [
            Violation(
                rule=item["rule"],
                impact=item["impact"],
                help=item["help"],
                target=item["target"],
                html=item["html"],
                summary=item["summary"],
                where=where_here,
                frame=holder or item["frame"],
            )
            for item in _run(each, selectors)
        ]
    return found


def _run(frame, selectors: list[str]) -> list[dict]:
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(axe_script())
    return frame.evaluate(_RUN, {"tags": list(TAGS), "frame": selectors})
