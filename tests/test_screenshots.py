"""The README's screenshots: each one is taken by benchmarks/screenshots.py or by the browser
test that names it, and the script refuses a page it does not know."""

from __future__ import annotations

import re
import subprocess
import sys

from benchmarks import screenshots
from tests.conftest import ROOT

TAKEN_BY_TESTS = {"inside", "handwriting"}  # tests/browser/test_inside.py, test_own_data.py


def test_every_screenshot_in_the_readme_is_taken_by_the_script_or_a_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"assets/screenshots/([\w-]+)\.png", readme))
    assert shown, "the README shows no screenshot"
    assert shown == set(screenshots.SHOTS) | TAKEN_BY_TESTS
    for name in TAKEN_BY_TESTS:
        assert any(f'"{name}.png"' in path.read_text() for path in ROOT.glob("tests/browser/*.py"))


def test_an_unknown_page_is_one_sentence():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "screenshots.py"), "nowhere"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "no screenshot named nowhere; choose from draw," in result.stderr
    assert "Traceback" not in result.stderr
