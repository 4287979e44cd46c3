"""deploy/: two replicas behind nginx with cookie affinity, driven over Streamlit's protocol.

Each visitor loads the page through the proxy (which gives it a route cookie),
opens its websocket, fetches the media files of Test images and uploads a model
zip on Train your own: all of it must land on one replica (no 404 for a picture,
no "Invalid session_id" for an upload), and between them the visitors must reach
both replicas. nginx runs in the foreground from a temporary prefix, with
deploy/nginx.conf rendered for the replicas' ports (benchmarks/cluster.py).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from autoencoder.artifact import model_to_zip
from autoencoder.config import Config
from autoencoder.network import Autoencoder, weight_shapes
from benchmarks import cluster
from benchmarks.protocol import Session
from tests.conftest import run_coroutine

MIN_VISITORS = 4
MAX_VISITORS = 24  # until both replicas were reached: two replicas, 2**-23 to miss one
LOG_LINE = re.compile(
    r'^(?P<upstream>\S+) "(?P<route>[^"]*)" (?P<status>\d{3}) "(?P<request>[^"]*)"'
)


def test_site_is_rendered_for_the_replicas() -> None:
    site = cluster.render_site(
        cluster.NGINX_TEMPLATE.read_text(), ["127.0.0.1:1111", "127.0.0.1:2222"], "127.0.0.1:3333"
    )
    assert "server 127.0.0.1:1111 max_fails=0;" in site
    assert "server 127.0.0.1:2222 max_fails=0;" in site
    assert "listen 127.0.0.1:3333;" in site
    assert "app1:8501" not in site and "listen 80;" not in site
    assert "hash $route consistent;" in site
    assert not re.search(r"^\s*sticky\b", site, re.MULTILINE)  # open-source nginx only


def _small_model_zip() -> bytes:
    config = Config(hidden_units=(8,), latent_dim=4)
    rng = np.random.default_rng(0)
    weights = {
        name: rng.normal(0, 0.3, size=shape).astype(np.float32)
        for name, shape in weight_shapes(config).items()
    }
    return model_to_zip(Autoencoder(config=config, weights=weights, record={"note": "test"}))


async def _visit(url: str, upload: bytes) -> tuple[str, list[str], int, list[str]]:
    """One visitor's route cookie, errors, media files fetched and notices."""
    session = Session(url, timeout=60)
    errors: list[str] = []
    try:
        opened = await session.open()
        errors += opened.errors
        samples = await session.switch_page(session.page("Test images"))
        errors += samples.errors
        errors += (await session.switch_page(session.page("Train your own"))).errors
        uploader = next(
            widget
            for widget in session.widgets.values()
            if widget.kind == "file_uploader" and ".zip" in widget.label
        )
        uploaded = await session.upload(uploader, "model.zip", upload)
        errors += uploaded.errors
        return session.http.cookies.get("st_route", ""), errors, samples.media, uploaded.notices
    finally:
        await session.close()


def _served_by(lines: list[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Replicas by route cookie, and the requests that failed."""
    replicas: dict[str, set[str]] = defaultdict(set)
    failed = []
    for line in lines:
        match = LOG_LINE.match(line)
        if match is None:
            continue
        replicas[match["route"]].add(match["upstream"])
        if int(match["status"]) >= 400:
            failed.append(line)
    return replicas, failed


@pytest.mark.slow
def test_each_visitor_stays_on_one_replica(mnist_path: Path) -> None:
    if cluster.nginx_path() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install nginx (apt-get install -y nginx)")
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx)")
    environment = {"AUTOENCODER_DATA_DIR": str(mnist_path.parent)}
    upload = _small_model_zip()
    with cluster.replicas(2, environment=environment) as servers:
        addresses = [server.url.removeprefix("http://") for server in servers]
        with cluster.proxy(addresses) as front:
            visits = []
            while len(visits) < MAX_VISITORS:
                visits.append(run_coroutine(_visit(front.url, upload)))
                reached, _ = _served_by(front.access_log())
                used = set().union(*reached.values()) if reached else set()
                if len(visits) >= MIN_VISITORS and used >= set(addresses):
                    break
            lines = front.access_log()

    for route, errors, media, notices in visits:
        assert route, "the proxy set no route cookie"
        assert errors == [], errors
        assert media > 0, "Test images showed no pictures"
        assert any("Loaded your model" in notice for notice in notices), notices
    assert len({route for route, *_ in visits}) == len(visits), "visitors shared a cookie"
    replicas, failed = _served_by(lines)
    assert failed == [], failed
    for route, *_ in visits:
        assert len(replicas[route]) == 1, f"{route} was served by {replicas[route]}"
    assert set().union(*replicas.values()) == set(addresses), "one replica got no visitor"
    requests = [line.split('"')[3] for line in lines if line.count('"') >= 4]
    assert any(request.startswith("GET /media/") for request in requests)
    assert any(request.startswith("PUT /_stcore/upload_file/") for request in requests)
    assert any(request == "GET /_stcore/stream" for request in requests)
