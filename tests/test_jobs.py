"""Training in a child process: progress, stop, failure, cleanup."""

import os
import time

import pytest

from autoencoder import jobs
from autoencoder.config import Config

QUICK = Config(hidden_units=8, latent_dim=2, epochs=2, batch_size=64)


def wait(job, timeout=120):
    deadline = time.monotonic() + timeout
    while job.running and time.monotonic() < deadline:
        job.keep_alive()
        time.sleep(0.2)
    assert not job.running, "the job did not finish in time"


def test_a_job_trains_reports_and_saves(tiny_npz):
    job = jobs.TrainingJob.start(QUICK, train_limit=128, data=tiny_npz)
    try:
        wait(job)
        assert job.succeeded, job.error()
        assert [report["epoch"] for report in job.epochs()] == [1, 2]
        model = job.result()
        assert model.config == QUICK
        assert model.record["dataset"]["train_images"] == 128
    finally:
        job.cleanup()
    assert not job.folder.exists()


def test_a_stopped_job_keeps_the_best_epoch(tiny_npz):
    job = jobs.TrainingJob.start(Config(hidden_units=8, latent_dim=2, epochs=200), data=tiny_npz)
    try:
        while not job.epochs():
            job.keep_alive()
            time.sleep(0.1)
        job.stop()
        wait(job)
        assert job.succeeded
        assert job.result().record["stopped_early"] is True
        assert len(job.epochs()) < 200
    finally:
        job.cleanup()


def test_a_failing_job_says_why(tmp_path):
    job = jobs.TrainingJob.start(QUICK, data=tmp_path / "missing.npz")
    try:
        wait(job)
        assert not job.succeeded
        assert "no such data file" in job.error()
    finally:
        job.cleanup()


def test_cleanup_kills_a_running_job(tiny_npz):
    job = jobs.TrainingJob.start(Config(epochs=200), data=tiny_npz)
    job.cleanup()
    assert not job.running
    assert not job.folder.exists()


@pytest.mark.parametrize(("age", "removed"), [(7200, True), (10, False)])
def test_stale_folders_are_removed(monkeypatch, tmp_path, age, removed):
    monkeypatch.setattr(jobs.tempfile, "gettempdir", lambda: str(tmp_path))
    folder = tmp_path / f"{jobs.FOLDER_PREFIX}abc"
    folder.mkdir()
    (folder / "heartbeat").touch()
    os.utime(folder / "heartbeat", (time.time() - age, time.time() - age))
    jobs.remove_stale_folders()
    assert folder.exists() is not removed


def test_two_jobs_at_once_keep_to_themselves_and_leave_the_default_model_alone(tiny_npz):
    from autoencoder.artifact import DEFAULT_MODEL_DIR
    from autoencoder.files import file_sha256

    default_files = {path.name: file_sha256(path) for path in DEFAULT_MODEL_DIR.iterdir()}
    first = jobs.TrainingJob.start(Config(hidden_units=8, latent_dim=3, epochs=2), data=tiny_npz)
    second = jobs.TrainingJob.start(Config(hidden_units=16, latent_dim=5, epochs=2), data=tiny_npz)
    try:
        assert first.folder != second.folder
        wait(first)
        wait(second)
        assert first.succeeded, first.error()
        assert second.succeeded, second.error()
        assert first.result().latent_dim == 3
        assert second.result().latent_dim == 5
    finally:
        first.cleanup()
        second.cleanup()
    assert {path.name: file_sha256(path) for path in DEFAULT_MODEL_DIR.iterdir()} == default_files
