"""Train in a child process, so the caller (the web app) never loads TensorFlow.

A job is ``python -m autoencoder train --config FILE --json`` in a private
temporary folder: progress goes to ``progress.jsonl``, the model is saved
(atomically) to ``model/``. The caller asks it to stop by creating ``stop``,
and proves it is still watching by touching ``heartbeat``; a job nobody
watches stops itself.

The app is public and its host small, so a job is also kept from hurting the
server:

- ``TrainingLimits`` refuses settings the page does not offer, whatever the
  browser sent;
- ``training_slots`` allows only as many runs at once as the memory fits;
- a job whose data is not on this machine never starts (no download, no
  TensorFlow);
- one long-lived thread starts every child, with a parent-death signal, and
  reaps them: no zombies, no run outliving the server, no folder left behind.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import json
import math
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoencoder.artifact import load_model
from autoencoder.config import DATASET_LABELS, Config
from autoencoder.data import find_local
from autoencoder.network import Autoencoder, parameter_count

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
ZOO_MANIFEST = PACKAGE_ROOT / "assets" / "zoo" / "manifest.json"
FOLDER_PREFIX = "autoencoder-train-"

# Memory: how many TensorFlow children fit beside the server.
MEMORY_ENV = "AUTOENCODER_MEMORY_MB"  # what the app may use, when the host does not say
CGROUP_ROOT = Path("/sys/fs/cgroup")
# One training child's peak RSS at the heaviest settings the form allows (a conv VAE:
# 855 MB; the defaults: 800 MB; benchmarks/train_memory.py), of which TensorFlow's
# import is 635 MB (390 MB of it library pages, which a second run shares). On
# Community Cloud's 2.7 GB this allows two runs at a time.
RUN_PEAK_MB = 900
SERVER_BUDGET_MB = 700  # the Streamlit server itself, its caches and its sessions
MAX_RUNS = 2  # even on a big host: the runs share the CPU, each only gets slower
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
UNLIMITED_BYTES = 2**60  # cgroup v1 writes "no limit" as a number near 2**63

# Lifecycle, in seconds.
REAP_SECONDS = 2.0  # how often the supervisor looks at its children
ABANDONED_SECONDS = 90  # heartbeat this old: the session is gone (the child itself quits at 30)
STALE_SECONDS = 600  # a folder of another process whose heartbeat is this old is removed
TERMINATE_SECONDS = 5.0  # grace between SIGTERM and SIGKILL at shutdown
TENSORFLOW_START_SECONDS = 8.0  # importing TensorFlow and compiling, before epoch 1
RUNS_KEPT = 20  # finished runs whose pace sets later estimates (measured_runs)

KILLED_MESSAGE = "stopped by the system, probably out of memory"
# TensorFlow and absl log lines ("I0000 00:00:... Could not find cuda drivers"): never an error.
_LOG_LINE = re.compile(r"^[IWEF]\d{4} ")


class JobRefusedError(Exception):
    """A run that must not start; the message says why, in words for a visitor."""


class OutsideLimitsError(JobRefusedError, ValueError):
    """The settings are outside what this server trains (a forged or stale request)."""


class DataMissingError(JobRefusedError):
    """The dataset is not on this machine; training would have to download it."""


class TrainingUnavailableError(JobRefusedError):
    """This host has too little memory for even one run beside the server."""


class ServerBusyError(JobRefusedError):
    """Every run this host can afford is taken; try again in a minute."""


@dataclass(frozen=True)
class TrainingLimits:
    """What the server agrees to train: the Train view's choices, and nothing else."""

    max_epochs: int = 30
    latent_dims: tuple[int, int] = (2, 128)
    families: tuple[str, ...] = ("dense", "conv")
    hidden_units: tuple[tuple[int, ...], ...] = (
        (32,), (64,), (128,), (256,), (128, 64), (256, 128),
    )  # fmt: skip
    filters: tuple[tuple[int, ...], ...] = ((16, 32), (32, 64))
    batch_sizes: tuple[int, ...] = (32, 64, 128, 256, 512)
    learning_rates: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
    betas: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    noise_levels: Mapping[str, tuple[float, ...]] = field(
        default_factory=lambda: {
            "none": (0.0,),
            "gaussian": (0.1, 0.2, 0.3, 0.5),
            "mask": (0.1, 0.25, 0.5),
        }
    )
    train_images: tuple[int, ...] = (1_000, 5_000, 20_000, 60_000)
    max_seconds: float = 15 * 60  # a run is asked to stop (keeping its best epoch) after this

    def problems(self, config: Config, train_limit: int | None) -> list[str]:
        """Each way ``config`` (on ``train_limit`` images; None: all) is out of bounds."""
        found = []
        if config.family not in self.families:
            found.append(f"family {config.family!r} is not trained here")
        elif config.family == "dense" and (
            config.hidden_units not in self.hidden_units or config.filters
        ):
            found.append(f"hidden layers {list(config.hidden_units)} are not offered")
        elif config.family == "conv" and (
            config.filters not in self.filters or config.hidden_units
        ):
            found.append(f"filters {list(config.filters)} are not offered")
        low, high = self.latent_dims
        if not low <= config.latent_dim <= high:
            found.append(f"code size must be {low}-{high}")
        if config.epochs > self.max_epochs:
            found.append(f"at most {self.max_epochs} epochs")
        if config.batch_size not in self.batch_sizes:
            found.append(f"batch size {config.batch_size} is not offered")
        if not _among(config.learning_rate, self.learning_rates):
            found.append(f"learning rate {config.learning_rate:g} is not offered")
        if config.variational and not _among(config.beta, self.betas):
            found.append(f"beta {config.beta:g} is not offered")
        if not _among(config.noise_level, self.noise_levels.get(config.noise, ())):
            found.append(f"{config.noise} noise of {config.noise_level:g} is not offered")
        if train_limit is not None and train_limit not in self.train_images:
            found.append(f"{train_limit:,} training images is not offered")
        return found

    def check(self, config: Config, train_limit: int | None = None) -> None:
        problems = self.problems(config, train_limit)
        if problems:
            raise OutsideLimitsError(
                "This server does not train that: " + "; ".join(problems) + "."
            )


def _among(value: float, choices: Sequence[float]) -> bool:
    return any(math.isclose(value, choice, rel_tol=1e-9) for choice in choices)


# --- How many runs fit ---------------------------------------------------------------------


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
    return max(0, min(MAX_RUNS, int((memory_mb - SERVER_BUDGET_MB) // RUN_PEAK_MB)))


# --- Time estimates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    seconds: float
    basis: tuple[str, ...]  # the zoo models (or this server's runs) whose pace it scales
    on_this_server: bool = False  # paced by runs this server finished, not by the zoo's


def measured_runs() -> list[dict[str, Any]]:
    """This server's recent runs, with their pace, in the zoo manifest's shape (newest last)."""
    return _supervisor.runs()


def read_zoo_timings(path: Path | None = None) -> list[dict[str, Any]]:
    """The zoo models with a measured training time (``ZOO_MANIFEST``); [] without one."""
    try:
        models = json.loads((path or ZOO_MANIFEST).read_text()).get("models", [])
    except (OSError, ValueError, AttributeError):
        return []
    usable = []
    for model in models if isinstance(models, list) else []:
        if not isinstance(model, dict):
            continue
        numbers = [model.get(key) for key in ("training_seconds", "epochs", "train_images")]
        if all(isinstance(n, (int, float)) and n > 0 for n in numbers):
            usable.append(model)
    return usable


def estimate_seconds(
    config: Config,
    train_images: int,
    zoo: Sequence[Mapping[str, Any]],
    runs: Sequence[Mapping[str, Any]] = (),
) -> Estimate | None:
    """A run's wall time, scaled from measured models like it; None if none is like it.

    The pace (seconds per image per epoch) is the median over the models of
    the same kind (dense, conv, vae) and family, else the same family, that
    are within 2x of this model's parameters (else the nearest one): one
    timing taken on a busy machine must not set the estimate. It is scaled by
    this run's images and epochs, plus TensorFlow's start. Runs this server
    finished (``measured_runs()``) come first when one was set up alike (same
    kind, batch size and corruption, within 2x in parameters and images: an
    epoch also validates on the whole test set, so a small run's pace per
    image is higher): they were timed on this host's CPUs, as the app runs
    them; the zoo was built elsewhere.
    """

    def same_kind(model: Mapping[str, Any]) -> bool:
        return model.get("kind") == config.kind and model.get("family") == config.family

    def same_setup(model: Mapping[str, Any]) -> bool:
        return (
            same_kind(model)
            and model.get("batch_size") == config.batch_size
            and model.get("denoising") == config.denoising
            and _within_2x(model.get("train_images"), train_images)
        )

    here = _estimate(config, train_images, runs, (same_setup,), nearest=False)
    if here is not None:
        return Estimate(here.seconds, here.basis, on_this_server=True)
    return _estimate(
        config, train_images, zoo, (same_kind, lambda m: m.get("family") == config.family)
    )


def _distance(theirs: Any, ours: float) -> float:
    """How many times apart two sizes are, on a log scale; infinite for a size missing."""
    if not isinstance(theirs, (int, float)) or theirs <= 0:
        return math.inf
    return abs(math.log(theirs / ours))


def _within_2x(theirs: Any, ours: float) -> bool:
    return _distance(theirs, ours) <= math.log(2)


def _estimate(
    config: Config,
    train_images: int,
    measured: Sequence[Mapping[str, Any]],
    matchers: Sequence[Callable[[Mapping[str, Any]], bool]],
    *,
    nearest: bool = True,
) -> Estimate | None:
    """Scaled from the first matcher's models within 2x in size, else (``nearest``) the nearest."""
    for matches in matchers:
        candidates = [model for model in measured if matches(model)]
        if candidates:
            break
    else:
        return None
    parameters = parameter_count(config)
    alike = [model for model in candidates if _within_2x(model.get("parameters"), parameters)]
    if not alike and not nearest:
        return None
    alike = alike or [min(candidates, key=lambda m: _distance(m.get("parameters"), parameters))]
    pace = statistics.median(
        model["training_seconds"] / (model["epochs"] * model["train_images"]) for model in alike
    )
    compiling = statistics.median(float(model.get("compile_seconds", 0.0)) for model in alike)
    return Estimate(
        seconds=TENSORFLOW_START_SECONDS + compiling + pace * train_images * config.epochs,
        basis=tuple(str(model.get("name", "?")) for model in alike),
    )


# --- Jobs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0 to 1, for a progress bar
    text: str


@dataclass(eq=False)
class TrainingJob:
    config: Config
    folder: Path
    process: subprocess.Popen[bytes]
    max_seconds: float = math.inf
    train_images: int | None = None  # None: the whole training set, its size unknown here
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls,
        config: Config,
        *,
        train_limit: int | None = None,
        data: Path | None = None,
        limits: TrainingLimits | None = None,
    ) -> TrainingJob:
        """Start training ``config`` in a child, or raise ``JobRefusedError`` saying why not.

        ``limits`` (default: the app's) are enforced here, not in the page, so
        a forged request gets no further than a widget would let it.
        """
        limits = limits or TrainingLimits()
        limits.check(config, train_limit)
        source = _local_data(config.dataset, data)
        return _supervisor.launch(config, train_limit, source, limits.max_seconds)

    @property
    def running(self) -> bool:
        return self.process.poll() is None  # poll() also reaps a child that has ended

    @property
    def succeeded(self) -> bool:
        return self.process.poll() == 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def epochs(self) -> list[dict[str, Any]]:
        """The epochs reported so far (a line still being written is skipped)."""
        try:
            lines = (self.folder / "progress.jsonl").read_text().splitlines()
        except FileNotFoundError:
            return []
        reports = []
        for line in lines:
            try:
                report = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(report, dict) and "epoch" in report:
                reports.append(report)
        return reports

    def progress(self) -> Progress:
        """How far the run is, for every progress display (so they agree).

        The child reports once per epoch; between reports the bar moves on at
        the pace of the last epoch, stopping short of the next report.
        """
        reports = self.epochs()
        total = self.config.epochs
        done = len(reports)
        if done == 0:
            return Progress(0.0, f"Starting TensorFlow, then epoch 1 of {total}")
        if done >= total or not self.running:
            return Progress(min(done / total, 1.0), f"Epoch {done} of {total} done")
        fraction = done / total
        last = reports[-1].get("seconds")
        try:
            since = time.time() - (self.folder / "progress.jsonl").stat().st_mtime
        except FileNotFoundError:
            since = 0.0
        if isinstance(last, (int, float)) and last > 0:
            fraction += min(since / last, 0.9) / total
        return Progress(fraction, f"Epoch {done + 1} of {total}")

    def timing(self) -> dict[str, Any] | None:
        """This run's pace, in the zoo manifest's shape; None without two epochs to time.

        Epoch 1 is timed apart: tracing and compiling in it would inflate the
        pace of a short run many times over.
        """
        seconds = [report.get("seconds") for report in self.epochs()]
        if not self.train_images or not all(isinstance(s, (int, float)) for s in seconds):
            return None
        if len(seconds) < 2 or min(seconds) <= 0:
            return None
        steady = seconds[1:]
        return {
            "name": self.config.describe(), "kind": self.config.kind,
            "family": self.config.family, "parameters": parameter_count(self.config),
            "batch_size": self.config.batch_size, "denoising": self.config.denoising,
            "epochs": len(steady), "train_images": self.train_images,
            "training_seconds": sum(steady),
            "compile_seconds": max(0.0, seconds[0] - statistics.median(steady)),
        }  # fmt: skip

    def keep_alive(self) -> None:
        (self.folder / "heartbeat").touch()

    def heartbeat_age(self) -> float:
        try:
            return time.time() - (self.folder / "heartbeat").stat().st_mtime
        except FileNotFoundError:
            return math.inf

    def stop(self) -> None:
        """Ask the job to end after this epoch; it keeps and saves the best epoch so far."""
        (self.folder / "stop").touch()

    def error(self) -> str:
        """Why the child failed: the system's kill, its 'error: ...', or its last own line."""
        code = self.process.poll()
        if code == -signal.SIGKILL:  # the kernel's OOM killer, or a host enforcing its limit
            return KILLED_MESSAGE
        if code is not None and code < 0:
            return f"stopped by the system (signal {signal.Signals(-code).name})"
        try:
            text = (self.folder / "log.txt").read_text(errors="replace")
        except FileNotFoundError:
            text = ""
        lines = [line for line in text.strip().splitlines() if not _LOG_LINE.match(line)]
        errors = [line for line in lines if line.startswith("error: ")]
        if errors:
            return errors[-1].removeprefix("error: ")
        return lines[-1] if lines else "training ended without a word"

    def result(self) -> Autoencoder:
        # The folder is the server's: messages say "your trained model", never its path.
        return load_model(self.folder / "model", shown_as="your trained model")

    def cleanup(self) -> None:
        """End the child if it still runs, reap it, and remove the folder (at once)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        timing = self.timing()
        shutil.rmtree(self.folder, ignore_errors=True)
        _supervisor.forget(self, timing)


def _local_data(name: str, data: Path | None) -> Path:
    """The .npz to train on, on this machine; never a download (that would start TensorFlow)."""
    if data is not None:
        path = Path(data).expanduser()
        if not path.is_file():
            raise DataMissingError(f"{path}: no such data file")
        return path
    found = find_local(name)
    if found is None:
        raise DataMissingError(missing_data_message(name))
    return found


def missing_data_message(name: str) -> str:
    return (
        f"The {DATASET_LABELS[name]} training images are not on this server, "
        "so it cannot train a model on them."
    )


def unavailable_message() -> str:
    """Why this host trains nothing (``training_slots() == 0``)."""
    return (
        f"Training is not available on this server: it has {memory_limit_mb():,.0f} MB, and "
        f"a run needs about {RUN_PEAK_MB} MB beside the app's own {SERVER_BUDGET_MB} MB. "
        "You can still load a model you trained elsewhere."
    )


# --- Starting, reaping and stopping children ------------------------------------------------


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
        self, config: Config, train_limit: int | None, data: Path, max_seconds: float
    ) -> TrainingJob:
        with self._start_lock:
            slots = training_slots()
            if slots == 0:
                raise TrainingUnavailableError(unavailable_message())
            self.reap()
            if sum(job.running for job in self.jobs()) >= slots:
                raise ServerBusyError(
                    f"{slots} {'model is' if slots == 1 else 'models are'} training on this "
                    "server already (all it has memory for). Try again in a minute."
                )
            remove_stale_folders()
            folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
            try:
                process = self._call(lambda: _spawn(config, train_limit, data, folder))
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
    config: Config, train_limit: int | None, data: Path, folder: Path
) -> subprocess.Popen[bytes]:
    (folder / "heartbeat").touch()
    (folder / "owner").write_text(str(os.getpid()))
    settings = folder / "config.json"
    settings.write_text(json.dumps(config.to_dict()))
    command = [
        sys.executable, "-m", "autoencoder", "train", "--config", str(settings),
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
atexit.register(_supervisor.stop_all)  # a clean shutdown ends the runs (SIGKILL: prctl does)


def running_jobs() -> list[TrainingJob]:
    """The jobs of this process whose child is still training."""
    return [job for job in _supervisor.jobs() if job.running]


def reap() -> None:
    """What the supervisor thread does every few seconds, now."""
    _supervisor.reap()


def remove_stale_folders(max_age: float = STALE_SECONDS) -> None:
    """Remove job folders left by a process that died, or silent for ``max_age`` seconds."""
    ours = {job.folder for job in _supervisor.jobs()}
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
