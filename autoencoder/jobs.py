"""Train in a child process, so the caller (the web app) never loads TensorFlow.

A job is ``python -m autoencoder train --json`` in a private temporary folder:
progress goes to ``progress.jsonl``, the model is saved (atomically) to
``model/``. The caller asks it to stop by creating ``stop``, and proves it is
still watching by touching ``heartbeat``; a job nobody watches stops itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoencoder.artifact import load_model
from autoencoder.config import Config
from autoencoder.network import Autoencoder

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
FOLDER_PREFIX = "autoencoder-train-"
STALE_SECONDS = 3600  # folders of jobs whose heartbeat stopped this long ago are removed


@dataclass
class TrainingJob:
    config: Config
    folder: Path
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(
        cls, config: Config, *, train_limit: int | None = None, data: Path | None = None
    ) -> TrainingJob:
        remove_stale_folders()
        folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        (folder / "heartbeat").touch()
        command = [
            sys.executable, "-m", "autoencoder", "train",
            "--epochs", str(config.epochs), "--batch-size", str(config.batch_size),
            "--latent-dim", str(config.latent_dim), "--hidden-units", str(config.hidden_units),
            "--learning-rate", repr(config.learning_rate), "--dataset", config.dataset,
            "--seed", str(config.seed), "--out", str(folder / "model"), "--json",
            "--stop-file", str(folder / "stop"), "--heartbeat", str(folder / "heartbeat"),
        ]  # fmt: skip
        if train_limit is not None:
            command += ["--limit", str(train_limit)]
        if data is not None:
            command += ["--data", str(data)]
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])
            ),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
        with (
            open(folder / "progress.jsonl", "wb") as progress,
            open(folder / "log.txt", "wb") as log,
        ):
            process = subprocess.Popen(
                command, cwd=folder, env=environment, stdout=progress, stderr=log
            )
        return cls(config=config, folder=folder, process=process)

    @property
    def running(self) -> bool:
        return self.process.poll() is None

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
            if "epoch" in report:
                reports.append(report)
        return reports

    def keep_alive(self) -> None:
        (self.folder / "heartbeat").touch()

    def stop(self) -> None:
        """Ask the job to end after this epoch; it keeps and saves the best epoch so far."""
        (self.folder / "stop").touch()

    def error(self) -> str:
        """What the child said when it failed: its last line, 'error: ...' for known errors."""
        try:
            lines = (self.folder / "log.txt").read_text(errors="replace").strip().splitlines()
        except FileNotFoundError:
            lines = []
        return lines[-1].removeprefix("error: ") if lines else "training ended without a word"

    def result(self) -> Autoencoder:
        return load_model(self.folder / "model")

    def cleanup(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_stale_folders(max_age: float = STALE_SECONDS) -> None:
    """Remove folders of jobs that stopped long ago (their session went away)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            age = time.time() - (folder / "heartbeat").stat().st_mtime
        except FileNotFoundError:
            age = time.time() - folder.stat().st_mtime
        if age > max_age:
            shutil.rmtree(folder, ignore_errors=True)
