"""A real ``streamlit run`` server and Debian's chromium, driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts"  # screenshots, kept by CI as the tests' artifacts
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"streamlit did not come up at {url}")


@contextlib.contextmanager
def streamlit_app(environment: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free port, from the project folder; yields its URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT,  # where .streamlit/config.toml lives, as on Community Cloud
        env={**os.environ, **(environment or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def app_url(mnist_data_dir: Path) -> Iterator[str]:
    with streamlit_app({"AUTOENCODER_DATA_DIR": str(mnist_data_dir)}) as url:
        yield url


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


@pytest.fixture
def server_page(page):
    """A page whose live (in-browser) views fail to load: the server draws every picture."""
    page.add_init_script(BLOCK_LIVE_SCRIPT)
    return page


def assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
