"""Giving memory back: cycles are collected on request, and trimming is safe anywhere."""

import gc
import weakref

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
