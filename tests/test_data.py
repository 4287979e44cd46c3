import subprocess
from pathlib import Path

import numpy as np
import pytest

from autoencoder import data
from autoencoder.data import DatasetUnavailableError, load_dataset
from tests.conftest import write_npz


def test_loads_flat_float32_in_unit_range(tiny_npz):
    dataset = load_dataset(path=tiny_npz)
    assert dataset.train.images.shape == (300, 784)
    assert dataset.test.images.shape == (100, 784)
    assert dataset.test.images.dtype == np.float32
    assert dataset.test.images.min() >= 0 and dataset.test.images.max() == 1
    assert dataset.test.labels.shape == (100,)
    assert len(dataset.sha256) == 64
    assert dataset.class_names[3] == "3"


def test_can_skip_the_training_split(tiny_npz):
    dataset = load_dataset(path=tiny_npz, include_train=False)
    assert dataset.train is None
    assert len(dataset.test) == 100


def test_reads_the_folder_named_by_the_environment(tmp_path, monkeypatch):
    write_npz(tmp_path / "fashion_mnist.npz", test=7)
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    dataset = load_dataset("fashion_mnist")
    assert len(dataset.test) == 7
    assert dataset.class_names[9] == "Ankle boot"


def test_an_explicit_path_wins_over_the_environment(tmp_path, monkeypatch, tiny_npz):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path / "nowhere"))
    assert load_dataset(path=tiny_npz).source == tiny_npz


def test_environment_folder_without_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="AUTOENCODER_DATA_DIR"):
        load_dataset("mnist")


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such data file"):
        load_dataset(path=tmp_path / "absent.npz")


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'"):
        load_dataset("cifar10")


def test_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("these are not the digits you are looking for")
    with pytest.raises(ValueError, match=r"mnist\.npz: not a readable \.npz archive"):
        load_dataset(path=path)


def test_a_truncated_npz(tmp_path, tiny_npz):
    path = tmp_path / "cut.npz"
    path.write_bytes(tiny_npz.read_bytes()[:5000])
    with pytest.raises(ValueError, match=r"cut\.npz"):
        load_dataset(path=path)


def test_a_single_npy_array(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as stream:
        np.save(stream, np.zeros((3, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"single \.npy array"):
        load_dataset(path=path)


def test_missing_keys(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"partial\.npz: missing keys y_train, x_test, y_test"):
        load_dataset(path=path)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"x_test": np.zeros((5, 32, 32), np.uint8)}, r"x_test has shape \(5, 32, 32\)"),
        ({"x_test": np.zeros((5, 784), np.uint8)}, r"x_test has shape \(5, 784\)"),
        ({"x_test": np.zeros((5, 28, 28), np.float64)}, "x_test has dtype float64"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8)}, "x_test holds no images"),
        ({"y_test": np.zeros((99,), np.uint8)}, r"y_test has shape \(99,\)"),
        ({"y_test": np.full((100,), 0.5)}, "y_test must hold integer class labels"),
        ({"y_test": np.full((100,), 12, np.uint8)}, "y_test must hold integer class labels"),
    ],
)
def test_wrong_shapes_or_dtypes(tmp_path, override, message):
    path = write_npz(tmp_path / "bad.npz", **override)
    with pytest.raises(ValueError, match=rf"bad\.npz: {message}"):
        load_dataset(path=path, include_train=False)


def test_object_arrays_are_refused_not_unpickled(tmp_path):
    path = write_npz(tmp_path / "pickled.npz", x_test=np.array([object()] * 3))
    with pytest.raises(ValueError, match=r"pickled\.npz"):
        load_dataset(path=path)


def test_download_is_cached(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOENCODER_DATA_DIR", raising=False)
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path))
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        write_npz(Path(command[-1]), test=11)  # the child writes where it is told
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(data.subprocess, "run", fake_run)
    assert len(load_dataset("mnist").test) == 11
    assert len(load_dataset("mnist").test) == 11
    assert len(calls) == 1
    assert (tmp_path / "mnist.npz").is_file()


def test_offline_without_a_local_file_says_how_to_provide_one(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOENCODER_DATA_DIR", raising=False)
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path))

    def offline(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "Exception: URL fetch failure")

    monkeypatch.setattr(data.subprocess, "run", offline)
    with pytest.raises(DatasetUnavailableError, match="URL fetch failure") as raised:
        load_dataset("mnist")
    assert "--data" in str(raised.value)
    assert "AUTOENCODER_DATA_DIR" in str(raised.value)
    assert list(tmp_path.iterdir()) == []  # no half-written cache file
