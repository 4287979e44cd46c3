"""A real ``streamlit run`` server and Debian's chromium, driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import server
from benchmarks.browser import (
    ARTIFACTS,
    BLOCK_LIVE_SCRIPT,
    CHROMIUM_FLAGS,
    chromium_path,
    wait_for_page,
)
from benchmarks.server import free_port
from tests.conftest import ROOT

# For the browser tests (and, until they import benchmarks/ themselves, other scripts).
__all__ = [
    "ARTIFACTS", "BLOCK_LIVE_SCRIPT", "CHROMIUM_FLAGS", "assert_no_exception", "chromium_path",
    "free_port",
]  # fmt: skip


@pytest.fixture(scope="session")
def app_url(mnist_data_dir: Path) -> Iterator[str]:
    """The app served for the session (benchmarks/server.py: its output goes to a log file)."""
    with server.running(environment={"AUTOENCODER_DATA_DIR": str(mnist_data_dir)}) as running:
        yield running.url


@pytest.fixture(scope="session")
def mnist_data_dir() -> Path:
    from tests.conftest import SHARED_DATA

    folder = Path(os.environ.get("AUTOENCODER_DATA_DIR") or SHARED_DATA)
    if not (folder / "mnist.npz").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide MNIST in {folder}")
        pytest.skip(f"no MNIST in {folder}; set AUTOENCODER_DATA_DIR")
    return folder


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (apt-get install -y chromium)")
        pytest.skip("no chromium; install Debian's chromium or set CHROMIUM_PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def server_page(page):
    """A page whose live (in-browser) views fail to load: the server draws every picture."""
    page.add_init_script(BLOCK_LIVE_SCRIPT)
    return page


@pytest.fixture
def console_errors(page) -> list[str]:
    """Every console error and uncaught exception of the page, to be asserted empty."""
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def sent_frames(page) -> list[bytes | str]:
    """What the page sends Streamlit over its websocket: a rerun request is one of these."""
    frames: list[bytes | str] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: frames.append(frame)))
    return frames


def readme_screenshot(name: str) -> Path:
    """Where a test that takes a README picture saves it: ``assets/screenshots/`` when
    ``README_SCREENSHOTS=1`` is set (to take them again), else ``test-artifacts/``, so that
    an ordinary run leaves the checkout as it was."""
    folder = ROOT / "assets" / "screenshots" if os.environ.get("README_SCREENSHOTS") else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()


def go_to(page, name: str) -> None:
    """Click the sidebar's link to page ``name`` once, as a visitor would, and see it open.

    It stays open: no live view's report takes the switch back (components/live/follow.js).
    """
    link = page.get_by_role("link", name=name, exact=True)
    link.click()
    wait_for_page(page, name)
