"""One training run in a child process: its progress, its result, its end.

A job is ``python -m autoencoder train --config FILE --json`` in a private
temporary folder: progress goes to ``progress.jsonl``, the model is saved
(atomically) to ``model/``. The caller asks it to stop by creating ``stop``,
and proves it is still watching by touching ``heartbeat``; a job nobody
watches stops itself. A job whose data is not on this machine never starts
(no download, no TensorFlow).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import signal
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoencoder import manifest
from autoencoder.artifact import load_model
from autoencoder.config import CUSTOM, DATASET_LABELS, Config
from autoencoder.data import find_local
from autoencoder.jobs.limits import DataMissingError, OutsideLimitsError, TrainingLimits
from autoencoder.network import Autoencoder, parameter_count

KILLED_MESSAGE = "stopped by the system, probably out of memory"
# TensorFlow and absl log lines ("I0000 00:00:... Could not find cuda drivers"): never an error.
_LOG_LINE = re.compile(r"^[IWEF]\d{4} ")


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
    data_label: str | None = None  # a custom dataset's name for the record (the visitor's file)
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls,
        config: Config,
        *,
        train_limit: int | None = None,
        data: Path | None = None,
        data_bytes: bytes | None = None,
        data_label: str | None = None,
        limits: TrainingLimits | None = None,
    ) -> TrainingJob:
        """Start training ``config`` in a child, or raise ``JobRefusedError`` saying why not.

        ``limits`` (default: the app's) are enforced here, not in the page, so
        a forged request gets no further than a widget would let it. A
        ``custom`` dataset comes as ``data_bytes`` (a visitor's .npz, already
        read once with ``dataset_from_bytes``), written into the job's own folder
        and gone with it; ``data_label`` names it in the trained model's record.
        """
        limits = limits or TrainingLimits()
        limits.check(config, train_limit)
        if data_bytes is not None:
            if config.dataset != CUSTOM:
                raise OutsideLimitsError("A dataset file trains a model of the custom dataset.")
            source = None
        else:
            source = _local_data(config.dataset, data)
        from autoencoder.jobs import supervisor  # which starts jobs, so imports this module

        job = supervisor.current().launch(
            config, train_limit, source, limits.max_seconds, data_bytes=data_bytes
        )
        job.data_label = data_label
        return job

    @classmethod
    def finetune(
        cls, model: Autoencoder, digits: bytes, *, limits: TrainingLimits | None = None
    ) -> TrainingJob:
        """Fine-tune ``model`` on a visitor's ``digits`` (``handwriting.digits_npz``, the
        held-out ones already left out) mixed with MNIST, in a child like a run's.

        Nothing here is the visitor's choice but their digits: the settings are
        ``handwriting.finetune_config``'s, the model theirs or the zoo's (both
        within Config's bounds). JobRefusedError says why not.
        """
        from autoencoder.handwriting import HandwritingError, finetune_config

        limits = limits or TrainingLimits()
        try:
            config = finetune_config(model.config)
        except HandwritingError as error:
            raise OutsideLimitsError(str(error)) from None
        if config.dataset != "mnist":
            raise OutsideLimitsError(
                "Only a model of MNIST digits learns handwriting here: choose one in the sidebar."
            )
        source = _local_data("mnist", None)
        from autoencoder.jobs import supervisor

        return supervisor.current().launch(
            config, None, source, limits.max_seconds, start=(model, digits)
        )

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
        pace of a short run many times over. A run on a visitor's own file is not
        timed: it may hold fewer images than the run asked for.
        """
        if self.config.dataset == CUSTOM:  # a visitor's file: its size is not train_images
            return None
        seconds = [report.get("seconds") for report in self.epochs()]
        if not self.train_images or not all(isinstance(s, (int, float)) for s in seconds):
            return None
        if len(seconds) < 2 or min(seconds) <= 0:
            return None
        steady = seconds[1:]
        return manifest.entry(
            self.config,
            name=self.config.describe(),
            parameters=parameter_count(self.config),
            batch_size=self.config.batch_size,
            epochs=len(steady),
            train_images=self.train_images,
            training_seconds=sum(steady),
            compile_seconds=max(0.0, seconds[0] - statistics.median(steady)),
        )

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
        model = load_model(self.folder / "model", shown_as="your trained model")
        if self.data_label is None or "dataset" not in model.record:
            return model
        record = dict(model.record)
        record["dataset"] = {**record["dataset"], "label": self.data_label[:64]}
        return Autoencoder(config=model.config, weights=model.weights, record=record)

    def cleanup(self) -> None:
        """End the child if it still runs, reap it, and remove the folder (at once)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        timing = self.timing()
        shutil.rmtree(self.folder, ignore_errors=True)
        from autoencoder.jobs import supervisor

        supervisor.current().forget(self, timing)


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
    if name == CUSTOM:
        return "Give your dataset file (.npz) first, then start training."
    return (
        f"The {DATASET_LABELS[name]} training images are not on this server, "
        "so it cannot train a model on them."
    )
