"""Train in a child process, so the caller (the web app) never loads TensorFlow.

The app is public and its host small, so a run is also kept from hurting the
server; each module holds one part of that:

- ``limits``: what the server agrees to train (``TrainingLimits``), and why a
  run is refused (``JobRefusedError`` and its kinds);
- ``capacity``: how many runs at once the memory fits (``training_slots``);
- ``estimates``: how long a run will take (``estimate_seconds``);
- ``job``: one run, its progress and its result (``TrainingJob``);
- ``supervisor``: the one thread that starts, reaps and stops every child, and
  lends a slot to other TensorFlow children (``borrowed_slot``: a Keras export).

The names below are re-exported for callers of ``autoencoder.jobs``.
"""

from autoencoder.jobs.capacity import (
    MAX_RUNS,
    MEMORY_ENV,
    RUN_EXTRA_MB,
    RUN_PEAK_MB,
    SERVER_BUDGET_MB,
    memory_limit_mb,
    training_slots,
    unavailable_message,
)
from autoencoder.jobs.estimates import (
    TENSORFLOW_START_SECONDS,
    Estimate,
    estimate_seconds,
    measured_runs,
    read_zoo_timings,
)
from autoencoder.jobs.job import KILLED_MESSAGE, Progress, TrainingJob, missing_data_message
from autoencoder.jobs.limits import (
    DataMissingError,
    JobRefusedError,
    OutsideLimitsError,
    ServerBusyError,
    TrainingLimits,
    TrainingUnavailableError,
)
from autoencoder.jobs.supervisor import (
    CHILD_FLAGS,
    CHILD_NICENESS,
    FOLDER_PREFIX,
    RUNS_KEPT,
    borrowed_slot,
    child_environment,
    reap,
    remove_stale_folders,
    running_jobs,
)

__all__ = [
    "CHILD_FLAGS",
    "CHILD_NICENESS",
    "FOLDER_PREFIX",
    "KILLED_MESSAGE",
    "MAX_RUNS",
    "MEMORY_ENV",
    "RUNS_KEPT",
    "RUN_EXTRA_MB",
    "RUN_PEAK_MB",
    "SERVER_BUDGET_MB",
    "TENSORFLOW_START_SECONDS",
    "DataMissingError",
    "Estimate",
    "JobRefusedError",
    "OutsideLimitsError",
    "Progress",
    "ServerBusyError",
    "TrainingJob",
    "TrainingLimits",
    "TrainingUnavailableError",
    "borrowed_slot",
    "child_environment",
    "estimate_seconds",
    "measured_runs",
    "memory_limit_mb",
    "missing_data_message",
    "read_zoo_timings",
    "reap",
    "remove_stale_folders",
    "running_jobs",
    "training_slots",
    "unavailable_message",
]
