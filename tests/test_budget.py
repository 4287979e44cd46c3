import gc
import threading
import time
import weakref

import pytest

from autoencoder.budget import FULL_MESSAGE, BudgetFullError, Holdings, start_sweeper


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_models_are_held_within_one_budget_for_all_visitors():
    holdings = Holdings(limit_bytes=100)
    holdings.put("a", "model a", 60)
    holdings.put("b", "model b", 40)  # exactly full
    with pytest.raises(BudgetFullError, match="server is full of visitors' models"):
        holdings.put("c", "model c", 1)
    assert holdings.get("a") == "model a" and holdings.get("c") is None
    assert holdings.used_bytes == 100 and len(holdings) == 2
    assert str(BudgetFullError()) == FULL_MESSAGE


def test_a_refused_model_keeps_what_the_visitor_had():
    holdings = Holdings(limit_bytes=100)
    holdings.put("a", "small", 10)
    holdings.put("b", "other", 80)
    with pytest.raises(BudgetFullError):
        holdings.put("a", "too big", 30)
    assert holdings.get("a") == "small"


def test_replacing_ones_own_model_counts_the_room_it_frees():
    holdings = Holdings(limit_bytes=100)
    holdings.put("a", "first", 90)
    holdings.put("a", "second", 95)
    assert holdings.get("a") == "second" and holdings.used_bytes == 95


def test_a_visitor_who_left_is_dropped_after_the_grace_period():
    clock = Clock()
    holdings = Holdings(limit_bytes=100, grace_seconds=30, clock=clock)
    holdings.put("gone", "model", 50)
    holdings.put("here", "model", 50)
    connected = {"here"}.__contains__
    clock.now = 29
    assert holdings.sweep(connected) == []  # a reload reconnects within the grace period
    clock.now = 31
    assert holdings.sweep(connected) == ["gone"]
    assert holdings.get("gone") is None and holdings.get("here") == "model"
    holdings.put("new", "model", 50)  # the room came back


def test_a_connected_visitor_is_never_dropped_however_long_they_stay():
    clock = Clock()
    holdings = Holdings(limit_bytes=100, grace_seconds=30, clock=clock)
    holdings.put("reader", "model", 10)
    for minute in range(1, 60):
        clock.now = 60.0 * minute
        assert holdings.sweep(lambda owner: True) == []
    assert holdings.get("reader") == "model"


def test_the_sweeper_runs_by_itself():
    holdings = Holdings(limit_bytes=100, grace_seconds=0)
    holdings.put("gone", "model", 10)
    dropped = threading.Event()
    gone = []

    def after_drop(owners):
        gone.extend(owners)
        dropped.set()

    start_sweeper(holdings, lambda owner: False, every=0.01, after_drop=after_drop)
    assert dropped.wait(5)
    assert len(holdings) == 0 and gone == ["gone"]


class Session:
    """Stands for a closed Streamlit session: what it held sits in a reference cycle."""

    def __init__(self):
        self.itself = self


def test_what_a_closed_session_held_in_cycles_is_collected_after_the_sweep():
    # With runner.postScriptGC off, nothing else collects a closed session's cycles soon.
    holdings = Holdings(limit_bytes=100, grace_seconds=0)
    session = Session()
    alive = weakref.ref(session)
    holdings.put("gone", session, 10)
    del session
    closed = threading.Event()
    gc.disable()
    try:
        start_sweeper(
            holdings, lambda owner: False, every=0.01, close_seconds=0.01,
            after_drop=lambda owners: closed.set(),
        )  # fmt: skip
        assert closed.wait(5)
        deadline = time.monotonic() + 5
        while alive() is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert alive() is None
    finally:
        gc.enable()


def test_a_visitors_parts_share_the_budget_and_leave_together():
    clock = Clock()
    holdings = Holdings(limit_bytes=100, grace_seconds=30, clock=clock)
    holdings.put("a", "model", 60)
    holdings.put("a", b"their dataset", 30, part="dataset")
    with pytest.raises(BudgetFullError):
        holdings.put("b", "model", 20)  # 60 + 30 held: a dataset counts like a model
    holdings.put("a", b"a smaller file", 10, part="dataset")  # replacing frees its room
    holdings.put("b", "model", 20)
    assert holdings.get("a", part="dataset") == b"a smaller file" and len(holdings) == 2
    clock.now = 31.0
    assert holdings.sweep(lambda owner: owner == "b") == ["a"]
    assert holdings.get("a") is None and holdings.get("a", part="dataset") is None
    assert holdings.used_bytes == 20
