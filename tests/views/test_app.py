"""What app.py does once per server process, before any page."""

from __future__ import annotations

from autoencoder import heap
from tests.views.conftest import open_app


def test_the_server_tunes_glibc_once_to_give_freed_memory_back(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "tune", lambda: calls.append("tuned") or True)
    open_app()
    open_app()  # a second visitor, in the same process
    assert calls == ["tuned"]
