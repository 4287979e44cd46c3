"""Giving memory back: cycles are collected on request, trimming is safe anywhere, and a
tuned glibc returns what finished threads freed."""

import gc
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from autoencoder import heap


class Cycle:
    def __init__(self):
        self.itself = self


def test_collect_frees_what_only_a_cycle_keeps():
    gc.disable()  # as after a rerun with runner.postScriptGC off: no collection of its own
    try:
        cycle = Cycle()
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None
        assert heap.collect() >= 1
        assert alive() is None
    finally:
        gc.enable()


def test_trim_runs_with_or_without_glibc():
    heap.trim()  # Linux: malloc_trim; elsewhere it does nothing, and never raises


# A thread allocates a 20 MB array and frees it, after a 30 MB array was freed (which,
# untuned, raises glibc's thresholds, as the app's test-set arrays do): how many MB of the
# process' RSS stay, even after a trim.
_KEPT_AFTER_A_THREAD = """
import sys, threading
import numpy as np, psutil
from autoencoder import heap

def rss_mb():
    return psutil.Process().memory_info().rss / 2**20

big = np.ones(30 * 2**20 // 8)
del big
if sys.argv[1] == "tune":
    assert heap.tune()
before = rss_mb()

def work():
    array = np.ones(20 * 2**20 // 8)
    del array

thread = threading.Thread(target=work)
thread.start()
thread.join()
heap.trim()
print(rss_mb() - before)
"""


def _kept_mb(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _KEPT_AFTER_A_THREAD, mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return float(result.stdout)


@pytest.mark.skipif(heap._glibc() is None, reason="glibc's allocator only")
def test_tuned_glibc_gives_back_what_a_finished_thread_freed():
    assert _kept_mb("as is") > 15  # untuned, the top of the thread's arena: trim cannot reach
    assert _kept_mb("tune") < 5


def test_tune_says_whether_it_took():
    assert heap.tune() is (heap._glibc() is not None)
