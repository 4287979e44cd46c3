"""Training in a child process: progress, stop, failure, cleanup, and the server's guards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from autoencoder import jobs
from autoencoder.config import Config
from autoencoder.jobs import capacity, supervisor
from tests.conftest import ROOT

QUICK = Config(hidden_units=(32,), latent_dim=2, epochs=2, batch_size=64)  # within the app's limits
LONG = Config(hidden_units=(32,), latent_dim=2, epochs=200)  # runs until stopped
WIDE = jobs.TrainingLimits(max_epochs=200)


def wait(*watched, timeout=240):
    """Until every job ends, watching all of them (an unwatched job is abandoned)."""
    deadline = time.monotonic() + timeout
    while any(job.running for job in watched) and time.monotonic() < deadline:
        for job in watched:
            job.keep_alive()
        time.sleep(0.2)
    assert not any(job.running for job in watched), "the job did not finish in time"


def state(pid: int) -> str | None:
    """The process's state letter from /proc (Z: a zombie), or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return None
    return next(line.split()[1] for line in status.splitlines() if line.startswith("State:"))


def eventually(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def no_process(monkeypatch):
    """Fail the test if anything tries to start a child."""

    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(supervisor.subprocess, "Popen", refuse)


# --- Running a job ---------------------------------------------------------------------------


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_job_trains_reports_and_saves(tiny_npz):
    job = jobs.TrainingJob.start(QUICK, data=tiny_npz)
    try:
        # The child gets its settings as a file, not as flags.
        assert "--config" in job.process.args
        assert "--latent-dim" not in job.process.args
        assert json.loads((job.folder / "config.json").read_text()) == QUICK.to_dict()
        wait(job)
        assert job.succeeded, job.error()
        assert [report["epoch"] for report in job.epochs()] == [1, 2]
        assert job.progress() == jobs.Progress(1.0, "Epoch 2 of 2 done")
        model = job.result()
        assert model.config == QUICK
        assert model.record["dataset"]["train_images"] == 300
    finally:
        job.cleanup()
    assert not job.folder.exists()  # collected: the folder goes at once
    assert job not in jobs.running_jobs()


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_stopped_job_keeps_the_best_epoch(tiny_npz):
    job = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
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


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_failing_job_says_why(tmp_path):
    broken = tmp_path / "mnist.npz"
    broken.write_bytes(b"not an archive")
    job = jobs.TrainingJob.start(QUICK, data=broken)
    try:
        wait(job)
        assert not job.succeeded
        assert "not a readable .npz" in job.error()
    finally:
        job.cleanup()


@pytest.mark.slow  # starts a TensorFlow training child
def test_cleanup_kills_a_running_job(tiny_npz):
    job = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
    job.cleanup()
    assert not job.running
    assert not job.folder.exists()


@pytest.mark.slow  # starts a TensorFlow training child
def test_two_jobs_at_once_keep_to_themselves_and_leave_the_default_model_alone(tiny_npz):
    from autoencoder.artifact import DEFAULT_MODEL_DIR
    from autoencoder.files import file_sha256

    default_files = {path.name: file_sha256(path) for path in DEFAULT_MODEL_DIR.iterdir()}
    first = jobs.TrainingJob.start(
        Config(hidden_units=(32,), latent_dim=3, epochs=2), data=tiny_npz
    )
    second = jobs.TrainingJob.start(
        Config(hidden_units=(64,), latent_dim=5, epochs=2), data=tiny_npz
    )
    try:
        assert first.folder != second.folder
        wait(first, second)
        assert first.succeeded, first.error()
        assert second.succeeded, second.error()
        assert first.result().latent_dim == 3
        assert second.result().latent_dim == 5
    finally:
        first.cleanup()
        second.cleanup()
    assert {path.name: file_sha256(path) for path in DEFAULT_MODEL_DIR.iterdir()} == default_files


# --- Children are reaped, and never outlive the server -----------------------------------------


@pytest.mark.slow  # starts a TensorFlow training child
def test_an_ended_child_is_reaped_though_nobody_polls_it(tiny_npz):
    job = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
    pid = job.process.pid
    try:
        os.kill(pid, signal.SIGKILL)
        # Nobody calls job.running: the supervisor's own rounds must reap it.
        assert eventually(lambda: state(pid) is None, timeout=3 * supervisor.REAP_SECONDS + 2), (
            f"process {pid} is still there (state {state(pid)}): a zombie"
        )
    finally:
        job.cleanup()


@pytest.mark.slow  # starts a TensorFlow training child
def test_an_abandoned_job_is_ended_and_its_folder_removed(tiny_npz):
    job = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
    try:
        long_ago = time.time() - supervisor.ABANDONED_SECONDS - 10
        os.utime(job.folder / "heartbeat", (long_ago, long_ago))  # the visitor left
        jobs.reap()
        assert not job.folder.exists()
        assert job.process.returncode is not None  # ended and reaped
        assert job not in jobs.running_jobs()
    finally:
        job.cleanup()


@pytest.mark.slow  # starts a TensorFlow training child
def test_an_overdue_job_is_asked_to_stop(tiny_npz):
    job = jobs.TrainingJob.start(
        LONG, data=tiny_npz, limits=jobs.TrainingLimits(max_epochs=200, max_seconds=0)
    )
    try:
        jobs.reap()
        assert (job.folder / "stop").exists()
    finally:
        job.cleanup()


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_job_started_by_a_passing_thread_outlives_the_thread(tiny_npz):
    """Streamlit runs each rerun in a thread that ends with it; the run must go on."""
    started: list[jobs.TrainingJob] = []
    thread = threading.Thread(
        target=lambda: started.append(jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE))
    )
    thread.start()
    thread.join()
    (job,) = started
    try:
        time.sleep(1.5)
        assert job.running, f"the child died with the thread that asked for it ({job.error()})"
    finally:
        job.cleanup()


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from autoencoder import jobs
    from autoencoder.config import Config

    job = jobs.TrainingJob.start(
        Config(hidden_units=(32,), latent_dim=2, epochs=200),
        data=Path(sys.argv[1]),
        limits=jobs.TrainingLimits(max_epochs=200),
    )
    print(job.process.pid, job.folder, flush=True)
    time.sleep(600)
    """
)


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_job_dies_with_the_server(tiny_npz):
    """The server SIGKILLed (no atexit): the kernel's parent-death signal ends the child."""
    server = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tiny_npz)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    child, folder = server.stdout.readline().split()
    child = int(child)
    try:
        assert state(child) not in (None, "Z")
        server.kill()
        server.wait()
        # Re-parented to init, a dead child may linger as init's zombie: dead all the same.
        assert eventually(lambda: state(child) in (None, "Z"), timeout=5), (
            "the child trains on after its server died"
        )
    finally:
        if state(child) not in (None, "Z"):
            os.kill(child, signal.SIGKILL)
        subprocess.run(["rm", "-rf", folder], check=False)


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_clean_shutdown_stops_its_runs_and_removes_their_folders(tiny_npz):
    """The server exits normally (Streamlit on SIGTERM): the atexit hook cleans up."""
    parent = PARENT.replace("time.sleep(600)", "time.sleep(0.5)")  # then exit normally
    server = subprocess.run(
        [sys.executable, "-c", parent, str(tiny_npz)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    child, folder = server.stdout.split()
    assert state(int(child)) in (None, "Z")
    assert not Path(folder).exists()


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_child_killed_by_the_system_says_so(tiny_npz):
    job = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
    try:
        os.kill(job.process.pid, signal.SIGKILL)  # what the OOM killer does
        wait(job)
        assert job.process.returncode == -signal.SIGKILL
        assert job.error() == "stopped by the system, probably out of memory"
    finally:
        job.cleanup()


TENSORFLOW_NOISE = (
    "I0000 00:00:1712345678.123456 1 cuda_executor.cc:1] Could not find cuda drivers\n"
)


@pytest.mark.parametrize(
    ("log", "says"),
    [
        ("error: /data/mnist.npz: not a readable .npz\n", "/data/mnist.npz: not a readable .npz"),
        ("Traceback (most recent call last):\nMemoryError\n", "MemoryError"),
    ],
)
def test_an_error_is_the_childs_own_words_not_tensorflows_log(tmp_path, log, says):
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    process.wait()
    (tmp_path / "log.txt").write_text(log + TENSORFLOW_NOISE)
    job = jobs.TrainingJob(config=QUICK, folder=tmp_path, process=process)
    assert job.error() == says


# --- What the server refuses to start --------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "train_limit", "says"),
    [
        (Config(hidden_units=(32,), epochs=31), None, "at most 30 epochs"),
        (Config(hidden_units=(1024, 512)), None, "hidden layers"),
        (Config(hidden_units=(32,), batch_size=7), None, "batch size 7"),
        (Config(hidden_units=(32,), latent_dim=1), None, "code size"),
        (Config.for_family("pca", latent_dim=8), None, "family 'pca'"),
        (Config.for_family("conv", filters=(128, 128)), None, "filters"),
        (Config(hidden_units=(32,), noise="gaussian", noise_level=0.9), None, "gaussian noise"),
        (
            Config(hidden_units=(32,), variational=True, code_activation="linear", beta=50.0),
            None,
            "beta 50",
        ),
        (Config(hidden_units=(32,), learning_rate=0.5), None, "learning rate"),
        (QUICK, 123_456, "123,456 training images"),
    ],
)
def test_settings_outside_the_limits_are_refused_whatever_the_page_sent(
    no_process, tiny_npz, config, train_limit, says
):
    with pytest.raises(jobs.OutsideLimitsError, match=says):
        jobs.TrainingJob.start(config, train_limit=train_limit, data=tiny_npz)


def test_the_pages_choices_are_within_the_limits():
    limits = jobs.TrainingLimits()
    assert limits.problems(Config(), 60_000) == []
    vae = Config.for_family("conv", latent_dim=16, variational=True, beta=2.0, epochs=30)
    assert limits.problems(vae, 1_000) == []
    denoising = Config(hidden_units=(256, 128), noise="mask", noise_level=0.25, batch_size=32)
    assert limits.problems(denoising, None) == []


def test_missing_data_is_refused_at_once_without_a_process(no_process, monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))  # holds no dataset
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(jobs.DataMissingError, match="MNIST digits training images are not on"):
        jobs.TrainingJob.start(QUICK)
    with pytest.raises(jobs.DataMissingError, match="no such data file"):
        jobs.TrainingJob.start(QUICK, data=tmp_path / "elsewhere.npz")
    assert list(tmp_path.iterdir()) == []  # not even a folder


@pytest.mark.parametrize(
    ("config", "mapped"),
    [(QUICK, False), (Config.for_family("conv", filters=(4,), epochs=1), True)],
    ids=["dense", "conv"],
)
def test_a_child_runs_with_the_memory_saving_settings(monkeypatch, tmp_path, config, mapped):
    # Measured by benchmarks/train_memory.py: without them a run peaks above RUN_PEAK_MB.
    started = {}

    def record(command, **kwargs):
        started.update(kwargs, command=command)

    monkeypatch.setattr(supervisor.subprocess, "Popen", record)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "64")  # the server's own setting does not leak in
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    supervisor._spawn(config, None, tmp_path / "mnist.npz", tmp_path)
    environment = started["env"]
    assert environment["MALLOC_ARENA_MAX"] == "2"
    assert environment.get("MALLOC_MMAP_THRESHOLD_") == (str(2**20) if mapped else None)
    assert "--no-xla" in started["command"]


def test_a_child_runs_at_a_lower_cpu_priority_than_the_server():
    # The same preexec_fn as a training child's, on a child that only reports its niceness.
    report = "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"
    result = subprocess.run([sys.executable, "-c", report], preexec_fn=supervisor._child_setup(),
                            capture_output=True, text=True, check=True)  # fmt: skip
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert int(result.stdout) == min(19, ours + jobs.CHILD_NICENESS)


def test_no_memory_for_a_run_means_no_training(no_process, monkeypatch, tiny_npz):
    monkeypatch.setenv(jobs.MEMORY_ENV, "1200")
    with pytest.raises(jobs.TrainingUnavailableError, match="not available on this server"):
        jobs.TrainingJob.start(QUICK, data=tiny_npz)


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_full_server_refuses_another_run(monkeypatch, tiny_npz):
    monkeypatch.setattr(capacity, "training_slots", lambda: 1)
    first = jobs.TrainingJob.start(LONG, data=tiny_npz, limits=WIDE)
    try:
        with pytest.raises(jobs.ServerBusyError, match="1 model is training"):
            jobs.TrainingJob.start(QUICK, data=tiny_npz)
    finally:
        first.cleanup()


def test_an_export_holding_the_last_slot_keeps_a_run_from_starting(
    no_process, monkeypatch, tiny_npz
):
    monkeypatch.setattr(capacity, "training_slots", lambda: 1)
    with jobs.borrowed_slot():
        with pytest.raises(jobs.ServerBusyError, match="memory is taken by other runs"):
            jobs.TrainingJob.start(QUICK, data=tiny_npz)
        with pytest.raises(jobs.ServerBusyError, match="taken by other work"), jobs.borrowed_slot():
            pass


def test_a_slot_is_given_back_when_its_export_ends(monkeypatch):
    monkeypatch.setattr(capacity, "training_slots", lambda: 1)
    with pytest.raises(RuntimeError), jobs.borrowed_slot():
        raise RuntimeError("the export failed")
    with jobs.borrowed_slot():  # free again
        pass


def test_no_memory_for_a_run_means_no_export_either(monkeypatch):
    monkeypatch.setattr(capacity, "training_slots", lambda: 0)
    with pytest.raises(jobs.TrainingUnavailableError), jobs.borrowed_slot():
        pass


# --- How many runs fit -----------------------------------------------------------------------

GIB = 2**30


@pytest.mark.parametrize(
    ("files", "setting", "slots"),
    [
        ({"memory.max": "2700000000"}, None, 2),  # Community Cloud: 2.7 GB, two runs at a time
        ({"memory.max": str(2 * GIB)}, None, 1),
        ({"memory.max": str(3 * GIB // 2)}, None, 0),
        ({"memory.max": "max"}, None, 2),  # no limit: the RAM (8 GB here), at most MAX_RUNS
        ({"memory/memory.limit_in_bytes": str(2 * GIB)}, None, 1),  # cgroup v1
        ({"memory/memory.limit_in_bytes": "9223372036854771712"}, None, 2),  # v1's "no limit"
        ({"memory.max": str(8 * GIB)}, "2000", 1),  # the setting lowers the limit ...
        ({"memory.max": str(2 * GIB)}, "9000", 1),  # ... and cannot raise it
        ({}, "1000", 0),
        ({}, "lots", 0),  # unreadable: assume the worst
        ({}, None, 2),
    ],
)
def test_slots_follow_the_memory_the_app_may_use(monkeypatch, tmp_path, files, setting, slots):
    monkeypatch.setattr(capacity, "_physical_memory_mb", lambda: 8192.0)
    if setting is None:
        monkeypatch.delenv(jobs.MEMORY_ENV, raising=False)
    else:
        monkeypatch.setenv(jobs.MEMORY_ENV, setting)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text + "\n")
    assert jobs.training_slots(jobs.memory_limit_mb(tmp_path)) == slots


def test_slots_never_go_below_zero_or_above_the_cap():
    assert jobs.training_slots(100) == 0
    assert jobs.training_slots(jobs.SERVER_BUDGET_MB + jobs.RUN_PEAK_MB - 1) == 0
    assert jobs.training_slots(jobs.SERVER_BUDGET_MB + jobs.RUN_PEAK_MB) == 1
    # A second run shares the first one's library pages: it needs only its own memory.
    second = jobs.SERVER_BUDGET_MB + jobs.RUN_PEAK_MB + jobs.RUN_EXTRA_MB
    assert jobs.training_slots(second - 1) == 1
    assert jobs.training_slots(second) == 2
    assert jobs.training_slots(2700) == 2  # Community Cloud
    assert jobs.training_slots(1_000_000) == jobs.MAX_RUNS


# --- Folders, progress, estimates ------------------------------------------------------------


@pytest.mark.parametrize(("age", "owner_alive", "removed"), [
    (7200, True, True), (10, True, False), (10, False, True),
])  # fmt: skip
def test_stale_folders_are_removed(monkeypatch, tmp_path, age, owner_alive, removed):
    monkeypatch.setattr(supervisor.tempfile, "gettempdir", lambda: str(tmp_path))
    folder = tmp_path / f"{jobs.FOLDER_PREFIX}abc"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / "owner").write_text(str(os.getppid() if owner_alive else dead.pid))
    (folder / "heartbeat").touch()
    os.utime(folder / "heartbeat", (time.time() - age, time.time() - age))
    jobs.remove_stale_folders()
    assert folder.exists() is not removed


def fake_job(
    folder: Path, config: Config, reports: list[dict], running: bool, images: int | None = None
):
    command = "import time; time.sleep(30)" if running else "pass"
    process = subprocess.Popen([sys.executable, "-c", command])
    if not running:
        process.wait()
    (folder / "progress.jsonl").write_text("".join(json.dumps(r) + "\n" for r in reports))
    return jobs.TrainingJob(config=config, folder=folder, process=process, train_images=images)


def test_progress_moves_between_epoch_reports(tmp_path):
    config = Config(epochs=4)
    job = fake_job(tmp_path, config, [], running=True)
    try:
        assert job.progress() == jobs.Progress(0.0, "Starting TensorFlow, then epoch 1 of 4")
        report = {"epoch": 1, "epochs": 4, "loss": 0.2, "val_loss": 0.2, "seconds": 10.0}
        (tmp_path / "progress.jsonl").write_text(json.dumps(report) + "\n")
        five_seconds_ago = time.time() - 5
        os.utime(tmp_path / "progress.jsonl", (five_seconds_ago, five_seconds_ago))
        progress = job.progress()
        assert progress.text == "Epoch 2 of 4"
        assert 0.25 + 0.1 < progress.fraction < 0.25 + 0.15  # half of epoch 2, at epoch 1's pace
    finally:
        job.process.kill()
        job.process.wait()


def zoo_manifest(path: Path) -> Path:
    models = [
        {"name": "dense-a", "kind": "dense", "family": "dense", "latent_dim": 32,
         "epochs": 10, "train_images": 60_000, "training_seconds": 60.0, "parameters": 100_000},
        {"name": "dense-b", "kind": "dense", "family": "dense", "latent_dim": 2,
         "epochs": 10, "train_images": 60_000, "training_seconds": 30.0, "parameters": 60_000},
        {"name": "dense-far", "kind": "dense", "family": "dense", "latent_dim": 2,
         "epochs": 10, "train_images": 60_000, "training_seconds": 600.0, "parameters": 20_000},
        {"name": "conv-16", "kind": "conv", "family": "conv", "latent_dim": 16,
         "epochs": 5, "train_images": 60_000, "training_seconds": 300.0, "parameters": 90_000},
        {"name": "pca-16", "kind": "pca", "family": "pca", "latent_dim": 16, "epochs": None,
         "train_images": 60_000, "training_seconds": 14.6},  # closed form: no pace per epoch
    ]  # fmt: skip
    path.write_text(json.dumps({"models": models}))
    return path


def test_an_estimate_scales_the_pace_of_similar_measured_models(tmp_path):
    zoo = jobs.read_zoo_timings(zoo_manifest(tmp_path / "manifest.json"))
    assert [model["name"] for model in zoo] == ["dense-a", "dense-b", "dense-far", "conv-16"]
    config = Config(hidden_units=(64,), latent_dim=32, epochs=5)  # 105,392 parameters
    estimate = jobs.estimate_seconds(config, 20_000, zoo)
    assert estimate.basis == ("dense-a", "dense-b")  # within 2x in size; the median of their pace
    pace = (60.0 / 600_000 + 30.0 / 600_000) / 2
    assert estimate.seconds == pytest.approx(jobs.TENSORFLOW_START_SECONDS + pace * 20_000 * 5)
    conv = jobs.estimate_seconds(Config.for_family("conv", epochs=1), 60_000, zoo)
    assert conv.basis == ("conv-16",)  # none within 2x: the nearest
    assert conv.seconds == pytest.approx(jobs.TENSORFLOW_START_SECONDS + 60.0)
    vae = Config(hidden_units=(64,), latent_dim=32, variational=True, code_activation="linear")
    assert jobs.estimate_seconds(vae, 1_000, zoo).basis == ("dense-a", "dense-b")
    assert jobs.estimate_seconds(Config.for_family("conv"), 1_000, zoo[:3]) is None


def test_no_manifest_no_estimate(tmp_path):
    assert jobs.read_zoo_timings(tmp_path / "missing.json") == []
    (tmp_path / "broken.json").write_text("{not json")
    assert jobs.read_zoo_timings(tmp_path / "broken.json") == []
    assert jobs.estimate_seconds(Config(), 20_000, []) is None


def epoch_reports(*seconds: float) -> list[dict]:
    return [
        {"epoch": n, "epochs": len(seconds), "loss": 0.2, "val_loss": 0.2, "seconds": s}
        for n, s in enumerate(seconds, start=1)
    ]


def finished_job(folder: Path, config: Config, seconds: list[float], images: int | None):
    """A job of this server's supervisor whose child has ended after epochs of ``seconds``."""
    folder.mkdir()
    job = fake_job(folder, config, epoch_reports(*seconds), running=False, images=images)
    with supervisor.current()._jobs_lock:
        supervisor.current()._jobs.append(job)
    return job


def test_a_finished_run_paces_the_estimates_after_it(monkeypatch, tmp_path):
    monkeypatch.setattr(supervisor, "_supervisor", supervisor._Supervisor())
    zoo = jobs.read_zoo_timings(zoo_manifest(tmp_path / "manifest.json"))
    config = Config(hidden_units=(64,), latent_dim=32, epochs=5)  # 105,392 parameters
    assert not jobs.estimate_seconds(config, 20_000, zoo, jobs.measured_runs()).on_this_server

    for name, seconds, images in (
        ("one", [9.0], 10_000),  # epoch 1 alone: mostly compiling, not a pace
        ("whole", [9.0, 1.0], None),  # the whole set: its size unknown here
        ("timed", [9.0, 1.0, 1.5], 10_000),
    ):
        job = finished_job(tmp_path / name, config, seconds, images)
        timing = job.timing()
        job.cleanup()
        # A second cleanup racing the first (the reaper's and the page's) read the same
        # epochs before the folder went: the run still counts once.
        supervisor.current().forget(job, timing)
    runs = jobs.measured_runs()
    assert [(run["epochs"], run["training_seconds"]) for run in runs] == [(2, 2.5)]  # no epoch 1
    assert runs[0]["compile_seconds"] == 9.0 - 1.25

    estimate = jobs.estimate_seconds(config, 20_000, zoo, runs)
    assert estimate.on_this_server
    pace = 2.5 / (2 * 10_000)
    assert estimate.seconds == pytest.approx(
        jobs.TENSORFLOW_START_SECONDS + 7.75 + pace * 20_000 * 5
    )
    # Only a run set up alike paces another; else the zoo does.
    vae = replace(config, variational=True, code_activation="linear")
    deep = replace(config, hidden_units=(512, 256))
    for other, images in (
        (vae, 20_000), (deep, 20_000), (Config.for_family("conv"), 20_000),
        (replace(config, batch_size=64), 20_000),
        (replace(config, noise="gaussian", noise_level=0.5), 20_000),
        (config, 60_000),  # a small run's epochs are mostly validation: its pace per image is high
    ):  # fmt: skip
        assert not jobs.estimate_seconds(other, images, zoo, runs).on_this_server, other


def test_this_servers_runs_are_a_bounded_record(monkeypatch, tmp_path):
    monkeypatch.setattr(supervisor, "_supervisor", supervisor._Supervisor())
    for n in range(jobs.RUNS_KEPT + 5):
        finished_job(tmp_path / str(n), Config(), [5.0, float(n + 1)], images=1_000).cleanup()
    kept = [run["training_seconds"] for run in jobs.measured_runs()]
    assert kept == [float(n + 1) for n in range(5, jobs.RUNS_KEPT + 5)]  # the newest


def test_a_visitors_file_is_written_into_the_jobs_own_folder_and_goes_with_it(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = {}

    def spawn(config, train_limit, data, folder, initial=None):
        seen.update(data=data, folder=folder, content=data.read_bytes())
        return subprocess.Popen([sys.executable, "-c", "pass"])

    monkeypatch.setattr(supervisor, "_spawn", spawn)
    custom = replace(QUICK, dataset="custom")
    job = jobs.TrainingJob.start(custom, data_bytes=b"the visitor's npz", data_label="mine.npz")
    assert seen["data"].parent == seen["folder"] == job.folder
    assert seen["content"] == b"the visitor's npz"
    assert job.data_label == "mine.npz"
    job.cleanup()
    assert not job.folder.exists()
    with pytest.raises(jobs.OutsideLimitsError, match="custom dataset"):
        jobs.TrainingJob.start(QUICK, data_bytes=b"npz")


def test_a_custom_run_without_a_file_is_refused_without_a_process(no_process):
    with pytest.raises(jobs.DataMissingError, match="Give your dataset file"):
        jobs.TrainingJob.start(replace(QUICK, dataset="custom"))


def test_a_fine_tune_of_a_model_that_cannot_learn_digits_is_refused_without_a_process(
    no_process,
):
    from tests.conftest import random_model

    pca = random_model(Config.for_family("pca", latent_dim=4))
    with pytest.raises(jobs.OutsideLimitsError, match="PCA model is computed"):
        jobs.TrainingJob.finetune(pca, b"digits")
    fashion = random_model(Config(hidden_units=(8,), latent_dim=4, dataset="fashion_mnist"))
    with pytest.raises(jobs.OutsideLimitsError, match="Only a model of MNIST digits"):
        jobs.TrainingJob.finetune(fashion, b"digits")


def test_a_fine_tune_child_starts_from_the_model_and_gets_only_the_digits_given(
    monkeypatch, tmp_path, tiny_npz
):
    from tests.conftest import random_model

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tiny_npz.parent))
    commands = []
    real_popen = subprocess.Popen

    def popen(command, **kwargs):
        commands.append(command)
        return real_popen([sys.executable, "-c", "pass"])

    monkeypatch.setattr(supervisor.subprocess, "Popen", popen)
    job = jobs.TrainingJob.finetune(random_model(), b"the digits")
    (command,) = commands
    assert command[1:3] == ["-m", "autoencoder.handwriting"]
    assert (job.folder / "digits.npz").read_bytes() == b"the digits"
    assert (job.folder / "start" / "config.json").is_file()
    assert command[command.index("--model") + 1] == str(job.folder / "start")
    job.cleanup()


@pytest.mark.slow  # starts a TensorFlow training child
def test_a_model_of_a_visitors_file_names_it_in_its_record(tiny_npz):
    custom = replace(QUICK, dataset="custom")
    job = jobs.TrainingJob.start(custom, data_bytes=tiny_npz.read_bytes(), data_label="mine.npz")
    try:
        wait(job)
        assert job.succeeded, job.error()
        model = job.result()
    finally:
        job.cleanup()
    assert model.config.dataset == "custom"
    assert model.record["dataset"]["name"] == "custom"
    assert model.record["dataset"]["label"] == "mine.npz"


def test_a_run_on_a_visitors_file_paces_no_estimate(monkeypatch, tmp_path):
    monkeypatch.setattr(supervisor, "_supervisor", supervisor._Supervisor())
    config = Config(hidden_units=(64,), latent_dim=32, epochs=5, dataset="custom")
    job = finished_job(tmp_path / "custom", config, [9.0, 1.0, 1.5], 10_000)
    assert job.timing() is None
    job.cleanup()
