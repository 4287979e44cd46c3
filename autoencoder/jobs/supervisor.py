"""The supervisor: one long-lived thread that starts every training child, reaps it and
stops it.

Each child gets a parent-death signal and a lower CPU priority; the thread
reaps children so none stays a zombie, stops runs past their time and ends
those nobody watches; no run outlives the server, no folder is left behind.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from autoencoder.artifact import save_model
from autoencoder.config import Config
from autoencoder.jobs import capacity
from autoencoder.jobs.job import TrainingJob
from autoencoder.jobs.limits import ServerBusyError, TrainingUnavailableError
from autoencoder.network import Autoencoder

PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
FOLDER_PREFIX = "autoencoder-train-"

# A training child's environment (benchmarks/train_memory.py measures its peak):
# glibc gives each of TensorFlow's many threads a malloc arena of its own unless
# told otherwise, and the freed memory in them is never returned.
CHILD_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "MALLOC_ARENA_MAX": "2"}
# A conv run's activations (a megabyte and more per batch) fragment the heap: mapped
# and unmapped whole instead, its peak is 120 MB lower. Not for dense runs, whose
# epochs it slows by half for a few MB.
CONV_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": str(2**20)}


def child_environment(config: Config) -> dict[str, str]:
    """The environment variables a training child of ``config`` gets."""
    return {**CHILD_ENVIRONMENT, **(CONV_ENVIRONMENT if config.filters else {})}


# XLA's compiler would add to a dense run's peak (see training.py; train_memory.py).
CHILD_FLAGS = ("--no-xla",)
# Training yields the shared CPUs to the server: a visitor waits on a page, not on an epoch.
CHILD_NICENESS = 10

# Lifecycle, in seconds.
REAP_SECONDS = 2.0  # how often the supervisor looks at its children
ABANDONED_SECONDS = 90  # heartbeat this old: the session is gone (the child itself quits at 30)
STALE_SECONDS = 600  # a folder of another process whose heartbeat is this old is removed
TERMINATE_SECONDS = 5.0  # grace between SIGTERM and SIGKILL at shutdown
RUNS_KEPT = 20  # finished runs whose pace sets later estimates (measured_runs)


PR_SET_PDEATHSIG = 1


def _child_setup() -> Callable[[], None]:
    """A ``preexec_fn``: (on Linux) the kernel SIGTERMs the child when its parent
    dies, and the child takes a lower CPU priority if the system lets it.

    prctl is looked up here, before the fork, so the child only makes the calls.
    """
    prctl = None
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl
            prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    parent = os.getpid()

    def set_up() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before prctl: no signal will come
                os._exit(1)
        with contextlib.suppress(OSError):  # a sandbox may refuse it: train all the same
            os.nice(CHILD_NICENESS)

    return set_up


class _Supervisor:
    """Every child of this process: started, reaped and stopped by one long-lived thread.

    One thread starts them because the kernel sends the parent-death signal
    when the *thread* that forked the child ends, and Streamlit runs each
    rerun of a page in a thread that ends with it. The same thread reaps them
    every few seconds: a child nobody polls would stay a zombie, and a run
    whose session went away would keep its slot and its folder.
    """

    def __init__(self) -> None:
        self._jobs: list[TrainingJob] = []
        self._jobs_lock = threading.Lock()  # held briefly, never while waiting
        self._start_lock = threading.Lock()  # one start at a time: slots are counted, then taken
        self._requests: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._runs: collections.deque[dict[str, Any]] = collections.deque(maxlen=RUNS_KEPT)
        self._borrowed = 0  # slots held by other TensorFlow children (Keras exports)

    def jobs(self) -> list[TrainingJob]:
        with self._jobs_lock:
            return list(self._jobs)

    def runs(self) -> list[dict[str, Any]]:
        with self._jobs_lock:
            return list(self._runs)

    def forget(self, job: TrainingJob, timing: dict[str, Any] | None = None) -> None:
        """Drop an ended job, keeping its ``timing`` (once: cleanup may race with itself)."""
        with self._jobs_lock:
            if job in self._jobs:
                self._jobs.remove(job)
                if timing is not None:
                    self._runs.append(timing)

    def launch(
        self,
        config: Config,
        train_limit: int | None,
        data: Path | None,
        max_seconds: float,
        *,
        data_bytes: bytes | None = None,
        start: tuple[Autoencoder, bytes] | None = None,
    ) -> TrainingJob:
        """Start a child on ``data``, or on ``data_bytes`` written into its own folder.

        ``start``: a model and a visitor's digits, for a fine-tune (autoencoder.handwriting)
        that starts from the model's weights.
        """
        with self._start_lock:
            slots = self._free_slot()
            if slots == 0:
                raise ServerBusyError(
                    "This server's memory is taken by other runs right now (all it has room "
                    "for). Try again in a minute."
                )
            remove_stale_folders()
            folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
            try:
                if data_bytes is not None:  # the visitor's own file: private, gone with the folder
                    data = folder / "data.npz"
                    data.write_bytes(data_bytes)
                if data is None:
                    raise ValueError("a job needs a data file or the bytes of one")
                source = data
                initial = None
                if start is not None:
                    model, digits = start
                    (folder / "digits.npz").write_bytes(digits)
                    bare = Autoencoder(config=model.config, weights=model.weights)
                    initial = save_model(bare, folder / "start")
                process = self._call(
                    lambda: _spawn(config, train_limit, source, folder, initial=initial)
                )
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            job = TrainingJob(
                config=config, folder=folder, process=process, max_seconds=max_seconds,
                train_images=train_limit,
            )  # fmt: skip
            with self._jobs_lock:
                self._jobs.append(job)
            return job

    def _free_slot(self) -> int:
        """The slots this host has if one is free now (else 0), under ``_start_lock``.

        TrainingUnavailableError if the host has none at all; ServerBusyError,
        naming the runs, if training runs take every slot.
        """
        slots = capacity.training_slots()
        if slots == 0:
            raise TrainingUnavailableError(capacity.unavailable_message())
        self.reap()
        running = sum(job.running for job in self.jobs())
        if running >= slots:
            raise ServerBusyError(
                f"{slots} {'model is' if slots == 1 else 'models are'} training on this "
                "server already (all it has memory for). Try again in a minute."
            )
        with self._jobs_lock:
            return 0 if running + self._borrowed >= slots else slots

    @contextlib.contextmanager
    def borrowed_slot(self) -> Iterator[None]:
        """Hold a training slot for another TensorFlow child (a Keras export) while inside.

        That child imports TensorFlow as a run does, so it counts against the same
        memory plan (capacity.py): refused like a run (JobRefusedError) when the
        slots are taken, and no run starts while it holds one.
        """
        with self._start_lock:
            if self._free_slot() == 0:
                raise ServerBusyError(
                    "This server's memory is taken by other work right now; try again in a minute."
                )
            with self._jobs_lock:
                self._borrowed += 1
        try:
            yield
        finally:
            with self._jobs_lock:
                self._borrowed -= 1

    def reap(self) -> None:
        """Reap ended children, stop overdue runs, and end abandoned ones (folder and all)."""
        for job in self.jobs():
            running = job.running
            if job.heartbeat_age() > ABANDONED_SECONDS:
                job.cleanup()
            elif running and job.elapsed > job.max_seconds:
                job.stop()

    def stop_all(self) -> None:
        """At exit: SIGTERM every child, SIGKILL what outlives the grace, remove the folders."""
        jobs = self.jobs()
        for job in jobs:
            if job.process.poll() is None:
                job.process.terminate()
        deadline = time.monotonic() + TERMINATE_SECONDS
        for job in jobs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                job.process.wait(max(0.0, deadline - time.monotonic()))
            job.cleanup()

    def _call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` in the supervisor thread and return its result."""
        with self._jobs_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="autoencoder-jobs", daemon=True
                )
                self._thread.start()
        future: Future[Any] = Future()
        self._requests.put((function, future))
        return future.result()

    def _run(self) -> None:
        while True:
            try:
                function, future = self._requests.get(timeout=REAP_SECONDS)
            except queue.Empty:
                pass
            else:
                try:
                    future.set_result(function())
                except BaseException as error:  # handed to the caller, who raises it
                    future.set_exception(error)
            # A vanished folder, say, must not end the thread that outlives every job.
            with contextlib.suppress(Exception):
                self.reap()


def _spawn(
    config: Config,
    train_limit: int | None,
    data: Path,
    folder: Path,
    *,
    initial: Path | None = None,
) -> subprocess.Popen[bytes]:
    (folder / "heartbeat").touch()
    (folder / "owner").write_text(str(os.getpid()))
    settings = folder / "config.json"
    settings.write_text(json.dumps(config.to_dict()))
    if initial is None:
        what = ["autoencoder", "train", "--config", str(settings)]
    else:  # a fine-tune: its settings are the module's, from the model it starts from
        what = ["autoencoder.handwriting", "--model", str(initial), "--digits",
                str(folder / "digits.npz")]  # fmt: skip
    command = [
        sys.executable, "-m", *what,
        "--data", str(data), "--out", str(folder / "model"), "--json",
        "--stop-file", str(folder / "stop"), "--heartbeat", str(folder / "heartbeat"),
        *CHILD_FLAGS,
    ]  # fmt: skip
    if train_limit is not None:
        command += ["--limit", str(train_limit)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])
        ),
        **child_environment(config),
    }
    with (
        open(folder / "progress.jsonl", "wb") as progress,
        open(folder / "log.txt", "wb") as log,
    ):
        return subprocess.Popen(
            command,
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=progress,
            stderr=log,
            preexec_fn=_child_setup(),
        )


_supervisor = _Supervisor()
atexit.register(lambda: current().stop_all())  # a clean shutdown ends the runs (SIGKILL: prctl)


def current() -> _Supervisor:
    """This process' supervisor (a test may put a fresh one in its place)."""
    return _supervisor


def running_jobs() -> list[TrainingJob]:
    """The jobs of this process whose child is still training."""
    return [job for job in current().jobs() if job.running]


def borrowed_slot() -> contextlib.AbstractContextManager[None]:
    """A training slot for another TensorFlow child while inside (see ``_Supervisor``)."""
    return current().borrowed_slot()


def reap() -> None:
    """What the supervisor thread does every few seconds, now."""
    current().reap()


def remove_stale_folders(max_age: float = STALE_SECONDS) -> None:
    """Remove job folders left by a process that died, or silent for ``max_age`` seconds."""
    ours = {job.folder for job in current().jobs()}
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        if folder in ours:
            continue
        try:
            age = time.time() - (folder / "heartbeat").stat().st_mtime
        except FileNotFoundError:
            try:
                age = time.time() - folder.stat().st_mtime
            except FileNotFoundError:
                continue
        if age > max_age or not _owner_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _owner_alive(folder: Path) -> bool:
    try:
        owner = int((folder / "owner").read_text())
    except (OSError, ValueError):
        return True  # no owner recorded: only its age can tell
    if owner == os.getpid():
        return False  # ours, yet not among our jobs: forgotten
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return True
