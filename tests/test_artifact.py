import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from autoencoder import artifact
from autoencoder.artifact import (
    ModelLoadError,
    load_model,
    model_from_zip,
    model_to_zip,
    save_model,
)
from autoencoder.config import Config
from tests.conftest import ROOT, random_model


def test_round_trip(tmp_path, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    loaded = load_model(folder)
    assert loaded.config == tiny_model.config
    assert loaded.record == {"note": "random"}
    for name, array in tiny_model.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], array)
    document = json.loads((folder / "config.json").read_text())
    assert document["config"]["latent_dim"] == 4
    assert document["package_version"]


def test_saving_again_replaces_the_weights_file(tmp_path):
    folder = tmp_path / "model"
    save_model(random_model(seed=1), folder)
    save_model(random_model(seed=2), folder)
    assert len(list(folder.glob("weights-*.npz"))) == 1
    np.testing.assert_array_equal(
        load_model(folder).weights["latent.bias"], random_model(seed=2).weights["latent.bias"]
    )


def test_an_interrupted_save_leaves_the_previous_model(tmp_path, monkeypatch):
    folder = tmp_path / "model"
    old = random_model(seed=1)
    save_model(old, folder)
    writes = []

    def crash_on_config(path, data):
        if path.name == "config.json":
            raise KeyboardInterrupt  # the process dies before the commit point
        writes.append(path)
        return real_write(path, data)

    real_write = artifact.atomic_write_bytes
    monkeypatch.setattr(artifact, "atomic_write_bytes", crash_on_config)
    with pytest.raises(KeyboardInterrupt):
        save_model(random_model(seed=2), folder)
    assert writes  # the new weights were written ...
    loaded = load_model(folder)  # ... yet the folder still loads as the old model
    np.testing.assert_array_equal(loaded.weights["latent.bias"], old.weights["latent.bias"])


def test_missing_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="no such model folder"):
        load_model(tmp_path / "nothing")


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelLoadError, match=r"config\.json is missing"):
        load_model(tmp_path)


def test_truncated_weights(tmp_path, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    weights = next(folder.glob("weights-*.npz"))
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(ModelLoadError, match="checksum does not match"):
        load_model(folder)


def test_missing_weights(tmp_path, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    next(folder.glob("weights-*.npz")).unlink()
    with pytest.raises(ModelLoadError, match="weights file is missing"):
        load_model(folder)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"format": "something-else"}', "\xff"])
def test_corrupt_config(tmp_path, tiny_model, text):
    folder = save_model(tiny_model, tmp_path / "model")
    (folder / "config.json").write_text(text, encoding="latin-1")
    with pytest.raises(ModelLoadError, match=r"config\.json"):
        load_model(folder)


def test_settings_that_do_not_match_the_weights(tmp_path, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    document = json.loads((folder / "config.json").read_text())
    document["config"]["latent_dim"] = 16
    (folder / "config.json").write_text(json.dumps(document))
    with pytest.raises(
        ModelLoadError, match=r"latent\.kernel has shape \(8, 4\), expected \(8, 16\)"
    ):
        load_model(folder)


def test_newer_format_version(tmp_path, tiny_model):
    folder = save_model(tiny_model, tmp_path / "model")
    document = json.loads((folder / "config.json").read_text())
    document["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(document))
    with pytest.raises(ModelLoadError, match="format version 99 is not supported"):
        load_model(folder)


def test_zip_round_trip(tiny_model):
    loaded = model_from_zip(model_to_zip(tiny_model))
    np.testing.assert_array_equal(
        loaded.weights["latent.kernel"], tiny_model.weights["latent.kernel"]
    )
    assert loaded.config == tiny_model.config


def test_zip_validation(tiny_model, tmp_path):
    with pytest.raises(ModelLoadError, match="not a zip file"):
        model_from_zip(b"PK\x03\x04 but not really")
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelLoadError, match=r"exactly one config\.json"):
        model_from_zip(empty.read_bytes())
    good = model_to_zip(tiny_model)
    with pytest.raises(ModelLoadError):
        model_from_zip(good[: len(good) // 2])


def test_zip_cannot_write_outside_its_scratch_folder(tiny_model, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(model_to_zip(tiny_model))) as good:
            for info in good.infolist():
                archive.writestr(info.filename, good.read(info))
        archive.writestr("model/../../escaped.txt", "x")
    model_from_zip(buffer.getvalue())
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_default_model_loads_and_runs_without_tensorflow():
    script = (
        "import sys, numpy as np\n"
        "from autoencoder import load_model\n"
        "model = load_model()\n"
        "assert model.config == __import__('autoencoder').Config(), model.config\n"
        "assert model.reconstruct(np.zeros((28, 28), np.float32)).shape == (28, 28)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    # From another working directory: nothing may depend on it.
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT / "tests", env=environment)


def test_default_model_records_its_training():
    model = load_model()
    assert model.config == Config()
    assert model.record["dataset"]["name"] == "mnist"
    assert len(model.record["history"]["val_loss"]) == 25
    assert model.record["metrics"]["val_bce"] <= 0.093
    assert len(model.record["metrics"]["bce_quantiles"]) == 101
