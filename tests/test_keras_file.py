"""The Keras file: plain Keras loads it and matches serving; the server gets it from a child."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autoencoder import cli, keras_file
from autoencoder.artifact import save_model
from autoencoder.config import Config
from autoencoder.keras_file import KerasExportError, bundle_bytes, keras_file_bytes
from tests.conftest import ROOT, random_model

ZOO = ROOT / "assets" / "zoo"
FAMILIES = {
    "dense-2-layers": Config(hidden_units=(16, 8), latent_dim=4),
    "conv-vae": Config.for_family(
        "conv", latent_dim=3, filters=(4, 8), hidden_units=(6,), variational=True
    ),
}
ZOO_MODELS = ("dense-32", "conv-32", "vae-32", "denoise-32", "pca-32")


def isolated_python(*arguments: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess:
    """``python -I``: no PYTHONPATH, no current folder on the path, so no package of ours."""
    return subprocess.run(
        [sys.executable, "-I", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **environment},
        timeout=600,
        check=False,
    )


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "keras"


@pytest.fixture
def fake_child(monkeypatch, tmp_path):
    """Replace the export child by a tiny script: ``behaviour`` picks what it does."""
    calls = tmp_path / "calls"
    state = {"behaviour": "write"}
    script = (
        "import sys, time, pathlib\n"
        "behaviour, out, calls = sys.argv[1:4]\n"
        "open(calls, 'a').write('x')\n"
        "if behaviour == 'sleep': time.sleep(30)\n"
        "if behaviour.startswith('write'): pathlib.Path(out).write_bytes(b'PK fake keras file')\n"
        f"sys.exit({{'fail': 1, 'write-fail': 1, 'no-keras': {keras_file.NO_KERAS_EXIT}}}"
        ".get(behaviour, 0))\n"
    )

    def command(model_folder: Path, out: Path) -> list[str]:
        assert (model_folder / "config.json").is_file()  # the child gets a real model folder
        return [sys.executable, "-c", script, state["behaviour"], str(out), str(calls)]

    monkeypatch.setattr(keras_file, "export_command", command)

    def count() -> int:
        return len(calls.read_text()) if calls.exists() else 0

    state["count"] = count
    return state


# --- the server side, without TensorFlow -----------------------------------------------------


def test_importing_the_module_and_its_server_calls_never_import_tensorflow():
    code = (
        "import sys\n"
        "from autoencoder import keras_file\n"
        "from tests.conftest import random_model\n"
        "keras_file.bundle_bytes(random_model(), b'bytes')\n"
        "keras_file.keras_cache_dir()\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_file_is_made_once_per_model_and_then_read_from_the_cache(cache, fake_child):
    model = random_model()
    assert keras_file_bytes(model) == b"PK fake keras file"
    assert keras_file_bytes(model) == b"PK fake keras file"
    assert fake_child["count"]() == 1
    assert (cache / f"{model.fingerprint}.keras").is_file()
    keras_file_bytes(random_model(seed=1))  # other weights: another file
    assert fake_child["count"]() == 2


def test_the_cache_follows_the_environment(tmp_path, monkeypatch, fake_child):
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path / "elsewhere"))
    keras_file_bytes(random_model())
    assert len(list((tmp_path / "elsewhere" / "keras").glob("*.keras"))) == 1


def test_the_cache_keeps_the_most_recently_used_files(cache, fake_child, monkeypatch):
    monkeypatch.setattr(keras_file, "MAX_CACHED_FILES", 2)
    first, second, third = (random_model(seed=seed) for seed in range(3))
    keras_file_bytes(first)
    keras_file_bytes(second)
    os.utime(cache / f"{first.fingerprint}.keras", (1, 1))
    os.utime(cache / f"{second.fingerprint}.keras", (2, 2))
    keras_file_bytes(first)  # a hit: now the most recently used
    keras_file_bytes(third)
    assert sorted(path.stem for path in cache.glob("*.keras")) == sorted(
        [first.fingerprint, third.fingerprint]
    )


def test_the_cache_stays_within_its_bytes_and_keeps_the_newest_file(cache, fake_child, monkeypatch):
    monkeypatch.setattr(keras_file, "MAX_CACHED_BYTES", 40)  # two fake files of 18 bytes
    models = [random_model(seed=seed) for seed in range(3)]
    for age, model in enumerate(models):
        keras_file_bytes(model)
        os.utime(cache / f"{model.fingerprint}.keras", (age, age))
    assert sorted(path.stem for path in cache.glob("*.keras")) == sorted(
        model.fingerprint for model in models[1:]
    )
    monkeypatch.setattr(keras_file, "MAX_CACHED_BYTES", 1)
    keras_file_bytes(random_model(seed=9))
    assert [path.stem for path in cache.glob("*.keras")] == [random_model(seed=9).fingerprint]


def test_a_visitors_model_leaves_nothing_on_disk(cache, fake_child, tmp_path, monkeypatch):
    monkeypatch.setattr(keras_file.tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    model = random_model()
    assert keras_file_bytes(model, cache=False) == b"PK fake keras file"
    assert keras_file_bytes(model, cache=False) == b"PK fake keras file"
    assert fake_child["count"]() == 2  # made afresh each time: nothing was kept
    assert not cache.exists() or not list(cache.iterdir())
    assert not list((tmp_path / "scratch").iterdir())


def test_leftovers_of_a_killed_export_are_removed_once_old(cache, fake_child):
    cache.mkdir(parents=True)
    old = cache / ".model.keras.abc"
    old.mkdir()
    os.utime(old, (1, 1))
    recent = cache / ".model.keras.def"
    recent.mkdir()  # an export still running
    keras_file_bytes(random_model())
    assert not old.exists() and recent.exists()


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        ("fail", "could not be made on this server"),
        ("write-fail", "could not be made on this server"),  # a file, but the child failed
        ("silent", "could not be made on this server"),  # exit 0 but no file
        ("no-keras", "no TensorFlow"),
        ("sleep", "took longer than 1 s"),
    ],
)
def test_a_failed_export_is_one_sentence_without_a_server_path(
    behaviour, says, cache, fake_child, tmp_path
):
    fake_child["behaviour"] = behaviour
    with pytest.raises(KerasExportError, match=says) as raised:
        keras_file_bytes(random_model(), timeout=1)
    message = str(raised.value)
    assert str(tmp_path) not in message and "/" not in message
    assert message.count(". ") == 0 and message.endswith(".")
    assert not list(cache.glob("*.keras"))  # nothing half-made is cached


def test_one_export_at_a_time_and_a_clear_refusal_when_busy(cache, fake_child):
    keras_file._one_export.acquire()
    try:
        with pytest.raises(KerasExportError, match="busy making another"):
            keras_file_bytes(random_model(), timeout=0.1)
    finally:
        keras_file._one_export.release()
    assert fake_child["count"]() == 0


def test_an_export_takes_a_training_slot_and_says_so_when_none_is_free(
    cache, fake_child, monkeypatch
):
    from autoencoder import jobs
    from autoencoder.jobs import capacity

    monkeypatch.setattr(capacity, "training_slots", lambda: 1)
    busy = pytest.raises(KerasExportError, match="memory is taken by training runs")
    with jobs.borrowed_slot(), busy as said:  # the slot: what a training run would hold
        keras_file_bytes(random_model())
    assert str(said.value).count(". ") == 0 and "/" not in str(said.value)
    assert fake_child["count"]() == 0
    monkeypatch.setattr(capacity, "training_slots", lambda: 0)
    with pytest.raises(KerasExportError, match="too little memory"):
        keras_file_bytes(random_model(), cache=False)
    assert fake_child["count"]() == 0


def test_a_visitors_bundle_is_never_cached(cache, fake_child):
    model = random_model()
    keras_file.keras_bundle_bytes(model, cache=False)
    keras_file.keras_bundle_bytes(model, cache=False)
    assert fake_child["count"]() == 2
    assert not cache.exists() or not list(cache.glob("*.keras"))


def test_a_cached_file_is_served_without_waiting_for_a_running_export(cache, fake_child):
    model = random_model()
    keras_file_bytes(model)
    keras_file._one_export.acquire()
    try:
        assert keras_file_bytes(model, timeout=0.01) == b"PK fake keras file"
    finally:
        keras_file._one_export.release()


def test_a_waiting_call_reads_what_the_running_export_made(cache, fake_child):
    model = random_model()
    keras_file._one_export.acquire()
    results = []
    waiting = threading.Thread(target=lambda: results.append(keras_file_bytes(model)))
    waiting.start()
    cache.mkdir(parents=True)
    (cache / f"{model.fingerprint}.keras").write_bytes(b"made by the other call")
    keras_file._one_export.release()
    waiting.join(timeout=30)
    assert results == [b"made by the other call"]
    assert fake_child["count"]() == 0


def test_an_unwritable_cache_is_a_clear_error(tmp_path, monkeypatch, fake_child):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(blocker))
    with pytest.raises(KerasExportError, match="could not be stored"):
        keras_file_bytes(random_model())


def test_the_bundle_holds_the_file_a_readme_and_the_example():
    model = random_model(FAMILIES["conv-vae"])
    archive = zipfile.ZipFile(io.BytesIO(bundle_bytes(model, b"keras bytes", "my-model")))
    assert sorted(archive.namelist()) == [
        "my-model/README.md", "my-model/example.py", "my-model/my-model.keras",
    ]  # fmt: skip
    assert archive.read("my-model/my-model.keras") == b"keras bytes"
    readme = archive.read("my-model/README.md").decode()
    assert 'keras.models.load_model("my-model.keras")' in readme
    assert "28x28x1 → 14x14x4 → 7x7x8 → 6 → 3 (mean, log-variance)" in readme
    assert "[mean, log_var]" in readme and "$" not in readme
    assert "python example.py --dataset mnist" in readme
    compile(archive.read("my-model/example.py"), "example.py", "exec")


@pytest.mark.parametrize("name", ["", "../up", "a b", "x" * 65])
def test_a_bundle_name_is_a_plain_word(name):
    with pytest.raises(ValueError, match="letters, digits"):
        bundle_bytes(random_model(), b"", name)


def test_the_cli_refuses_an_output_that_is_neither_keras_nor_zip(tmp_path, capsys):
    assert cli.main(["export", "--out", str(tmp_path / "model.h5")]) == 1
    assert "name the file FILE.keras, or FILE.zip" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# --- with TensorFlow ---------------------------------------------------------------------------

EXPORT_SCRIPT = """
import sys
from autoencoder.artifact import load_model
from autoencoder.keras_file import write_keras_file
for folder in sys.argv[1:]:
    write_keras_file(load_model(folder), folder + ".keras")
"""
PARITY_SCRIPT = """
import json, sys
import importlib.util
import keras
import numpy as np
assert importlib.util.find_spec("autoencoder") is None, "plain Keras must not see the package"
report = {}
for path in sys.argv[1:]:
    images = np.load(path.replace(".keras", ".images.npy"))
    model = keras.models.load_model(path)
    codes = model.get_layer("encoder").predict(images, verbose=0)
    codes = codes[0] if isinstance(codes, list) else codes
    np.save(path.replace(".keras", ".out.npy"), model.predict(images, verbose=0))
    np.save(path.replace(".keras", ".codes.npy"), codes)
    np.save(path.replace(".keras", ".decoded.npy"), model.get_layer("decoder").predict(codes))
    report[path] = [model.name, [layer.name for layer in model.layers]]
print(json.dumps(report))
"""


@pytest.mark.slow
def test_plain_keras_loads_every_family_and_matches_serving(tmp_path, mnist_path):
    from autoencoder import zoo

    with np.load(mnist_path) as arrays:
        mnist = arrays["x_test"][:1000].reshape(-1, 784).astype(np.float32) / 255
    models = {name: zoo.load(name) for name in ZOO_MODELS}
    models |= {name: random_model(config, seed=3) for name, config in FAMILIES.items()}
    paths = []
    for name, model in models.items():
        save_model(model, tmp_path / name)
        paths.append(tmp_path / f"{name}.keras")
        np.save(tmp_path / f"{name}.images.npy", mnist)
    # One child makes them all; another, of plain Keras, loads them all.
    folders = [str(tmp_path / name) for name in models]
    subprocess.run(
        [sys.executable, "-c", EXPORT_SCRIPT, *folders], check=True, cwd=ROOT, timeout=600
    )
    loaded = isolated_python("-c", PARITY_SCRIPT, *map(str, paths), cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    report = json.loads(loaded.stdout.strip().splitlines()[-1])
    for (name, model), path in zip(models.items(), paths, strict=True):
        assert report[str(path)] == ["autoencoder", ["image", "encoder", "decoder"]], name
        output = np.load(tmp_path / f"{name}.out.npy")
        codes = np.load(tmp_path / f"{name}.codes.npy")
        np.testing.assert_allclose(output, model.reconstruct(mnist), atol=1e-5, err_msg=name)
        np.testing.assert_allclose(codes, model.encode(mnist), atol=2e-5, err_msg=name)
        np.testing.assert_allclose(
            np.load(tmp_path / f"{name}.decoded.npy"), model.decode(codes), atol=1e-5
        )


@pytest.mark.slow
def test_the_server_call_makes_a_real_file_in_a_child_and_imports_no_tensorflow(tmp_path):
    out = tmp_path / "made.keras"
    code = (
        "import sys\n"
        "from autoencoder import keras_file, zoo\n"
        f"data = keras_file.keras_file_bytes(zoo.load('dense-2'))\n"
        f"open({str(out)!r}, 'wb').write(data)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    env = {**os.environ, "AUTOENCODER_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, timeout=600)
    assert zipfile.is_zipfile(out)  # a .keras file is a zip of config.json and the weights
    assert len(list((tmp_path / "cache" / "keras").glob("*.keras"))) == 1


@pytest.mark.slow
def test_the_bundles_example_runs_against_the_exported_file(tmp_path, mnist_path):
    bundle = tmp_path / "conv-32.zip"
    subprocess.run(
        [sys.executable, "-m", "autoencoder", "export", "--model", str(ZOO / "conv-32"),
         "--out", str(bundle)],
        check=True, cwd=ROOT, capture_output=True, timeout=600,
    )  # fmt: skip
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "conv-32"
    ran = isolated_python(
        "example.py", "--data", str(mnist_path), "--count", "8", cwd=folder, MPLBACKEND="Agg"
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "8 test images rebuilt: mean squared error 0.00" in ran.stdout
    assert "decoded the one halfway" in ran.stdout
    for picture in ("reconstructions.png", "decoded.png"):
        assert (folder / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
