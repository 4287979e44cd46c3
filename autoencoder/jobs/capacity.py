"""How many training runs fit beside the server in the memory this host allows."""

from __future__ import annotations

import math
import os
from pathlib import Path

# Memory: how many TensorFlow children fit beside the server.
MEMORY_ENV = "AUTOENCODER_MEMORY_MB"  # what the app may use, when the host does not say
CGROUP_ROOT = Path("/sys/fs/cgroup")
# One training child's peak RSS at the heaviest settings the form allows (a conv VAE,
# code 128, batch 512: 1,125 MB; the defaults: 961 MB; benchmarks/train_memory.py with
# TensorFlow 2.21). Most of it is TensorFlow's library pages, which a second run maps
# from the same files and so shares: that run adds only its own memory (567 MB of
# anonymous pages at the same settings). On Community Cloud's 2.7 GB: two runs.
RUN_PEAK_MB = 1150  # the first run
RUN_EXTRA_MB = 600  # each run beside it
SERVER_BUDGET_MB = 700  # the Streamlit server itself, its caches and its sessions
MAX_RUNS = 2  # even on a big host: the runs share the CPU, each only gets slower
UNLIMITED_BYTES = 2**60  # cgroup v1 writes "no limit" as a number near 2**63


def memory_limit_mb(cgroup_root: Path = CGROUP_ROOT) -> float:
    """The memory this app may use, in MB: the least of the setting, the cgroup and the RAM.

    The setting can only lower what the container allows. An unreadable setting
    counts as 0 (no training): on a public host, guessing high is the failure
    that takes the app down.
    """
    limits = [_physical_memory_mb()]
    setting = os.environ.get(MEMORY_ENV)
    if setting is not None:
        try:
            limits.append(max(0.0, float(setting)))
        except ValueError:
            limits.append(0.0)
    for path in (cgroup_root / "memory.max", cgroup_root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < UNLIMITED_BYTES:  # v2 writes "max" for no limit
            limits.append(int(text) / 2**20)
    return min(limits)


def _physical_memory_mb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):  # not a POSIX system: trust the other limits
        return math.inf


def training_slots(memory_mb: float | None = None) -> int:
    """Runs at once that fit in ``memory_mb`` (default: ``memory_limit_mb()``), 0 to MAX_RUNS."""
    if memory_mb is None:
        memory_mb = memory_limit_mb()
    if not math.isfinite(memory_mb):
        return MAX_RUNS
    room = memory_mb - SERVER_BUDGET_MB - RUN_PEAK_MB
    if room < 0:
        return 0
    return min(MAX_RUNS, 1 + int(room // RUN_EXTRA_MB))


def unavailable_message() -> str:
    """Why this host trains nothing (``training_slots() == 0``)."""
    return (
        f"Training is not available on this server: it has {memory_limit_mb():,.0f} MB, and "
        f"a run needs about {RUN_PEAK_MB} MB beside the app's own {SERVER_BUDGET_MB} MB. "
        "You can still load a model you trained elsewhere."
    )
