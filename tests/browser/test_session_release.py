"""A visitor who leaves gives their model's share of the server-wide budget back within a minute."""

from __future__ import annotations

import time

import pytest

from autoencoder.artifact import model_to_zip
from autoencoder.budget import FULL_MESSAGE, GRACE_SECONDS, SWEEP_SECONDS
from benchmarks import server
from tests.conftest import random_model
from views import caching, session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def upload(page, url: str, path) -> None:
    page.goto(f"{url}/train")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))


def test_a_departed_visitors_model_is_released_for_the_next_one(browser, mnist_data_dir, tmp_path):
    model = random_model()
    path = tmp_path / "mine.zip"
    path.write_bytes(model_to_zip(model))
    results = session.RESULT_CACHES * int(caching.SESSION_BYTES.removesuffix("MB"))
    budget = {session.VISITOR_MODELS_ENV: str(results + 0.5)}  # room for one such model
    environment = {"AUTOENCODER_DATA_DIR": str(mnist_data_dir), **budget}
    with server.running(environment=environment) as running:
        first = browser.new_context().new_page()
        upload(first, running.url, path)
        first.get_by_text("Loaded your model").wait_for()

        second = browser.new_context().new_page()
        upload(second, running.url, path)
        second.get_by_text(FULL_MESSAGE).wait_for()

        first.context.close()  # the first visitor leaves
        left = time.monotonic()
        deadline = left + GRACE_SECONDS + 2 * SWEEP_SECONDS + 15
        while True:
            second.reload()
            upload(second, running.url, path)
            second.wait_for_timeout(1500)
            if second.get_by_text("Loaded your model").count():
                break
            assert time.monotonic() < deadline, "the departed visitor's model was never released"
            second.wait_for_timeout(3000)
        assert time.monotonic() - left < 60
        second.context.close()
