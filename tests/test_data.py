import os
import subprocess
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autoencoder import data
from autoencoder.data import DatasetUnavailableError, find_local, load_dataset
from tests.conftest import write_npz
from tests.test_files import Pickled, npy, zip_of


def test_loads_flat_uint8_pixels_and_float32_images_in_unit_range(tiny_npz):
    dataset = load_dataset(path=tiny_npz)
    assert dataset.train.pixels.shape == (300, 784)
    assert dataset.test.pixels.dtype == np.uint8
    assert dataset.test.images.shape == (100, 784)
    assert dataset.test.images.dtype == np.float32
    assert dataset.test.images.min() >= 0 and dataset.test.images.max() == 1
    np.testing.assert_array_equal(dataset.test.images * 255, dataset.test.pixels)
    assert dataset.test.labels.shape == (100,)
    assert len(dataset.sha256) == 64
    assert dataset.class_names[3] == "3"


def test_images_are_made_once_and_nobody_can_change_the_shared_arrays(tiny_npz):
    test = load_dataset(path=tiny_npz).test
    assert "images" not in vars(test)  # not made until asked for
    assert test.images is test.images
    for array in (test.pixels, test.images, test.labels):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0


def test_reads_the_real_mnist(mnist_path):
    dataset = load_dataset(path=mnist_path)
    assert dataset.train.pixels.shape == (60_000, 784)
    assert dataset.test.pixels.shape == (10_000, 784)
    assert sorted(np.unique(dataset.test.labels)) == list(range(10))


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
    with pytest.raises(ValueError, match=r"partial\.npz: missing keys x_test \(expected"):
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


@pytest.mark.parametrize("key", ["x_test", "y_test", "x_train"])
def test_object_arrays_are_refused_and_never_unpickled(tmp_path, key):
    marker = tmp_path / "unpickled"
    pickled = np.empty((100, 28, 28) if key.startswith("x") else (100,), dtype=object)
    pickled.fill(Pickled(marker))
    path = write_npz(tmp_path / "pickled.npz", **{key: pickled})
    with pytest.raises(ValueError, match=rf"pickled\.npz: {key} holds Python objects"):
        load_dataset(path=path)
    assert not marker.exists()  # with allow_pickle=True numpy would have made it


def raw_npz(path, compression=zipfile.ZIP_STORED, **members):
    """An .npz of the given raw .npy bytes, with small valid arrays for the other keys."""
    arrays = {
        "x_train": npy(np.zeros((1, 28, 28), np.uint8)),
        "y_train": npy(np.zeros(1, np.uint8)),
        "x_test": npy(np.zeros((1, 28, 28), np.uint8)),
        "y_test": npy(np.zeros(1, np.uint8)),
        **members,
    }
    path.write_bytes(zip_of({f"{key}.npy": data for key, data in arrays.items()}, compression))
    return path


def test_a_header_claiming_a_trillion_images_allocates_nothing(tmp_path):
    header = {"descr": "|u1", "fortran_order": False, "shape": (10**12, 28, 28)}
    path = raw_npz(tmp_path / "huge.npz", x_test=npy(header=header))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"x_test holds 1000000000000 images; at most 100,000"):
            load_dataset(path=path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000  # the checksum's 1 MB blocks; the array would be 784 TB


def test_one_image_over_the_limit_is_refused(tmp_path):
    count = 100_001  # one over the limit; no data needed, it is refused by its header
    header = {"descr": "|u1", "fortran_order": False, "shape": (count, 28, 28)}
    path = raw_npz(
        tmp_path / "big.npz", x_test=npy(header=header), y_test=npy(np.zeros(count, np.uint8))
    )
    with pytest.raises(ValueError, match="at most 100,000 are read"):
        load_dataset(path=path, include_train=False)


def test_only_the_splits_asked_for_are_read(tmp_path):
    truncated = npy(np.zeros((300, 28, 28), np.uint8))[:-10]
    path = raw_npz(tmp_path / "half.npz", x_train=truncated, y_train=npy(np.zeros(300, np.uint8)))
    assert len(load_dataset(path=path, include_train=False).test) == 1
    with pytest.raises(ValueError, match=r"half\.npz: x_train is truncated"):
        load_dataset(path=path)


def test_data_past_the_end_of_an_array_is_refused(tmp_path):
    path = raw_npz(tmp_path / "long.npz", x_test=npy(np.zeros((1, 28, 28), np.uint8)) + b"more")
    with pytest.raises(ValueError, match="x_test holds data past the end"):
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


def test_a_failed_download_is_not_retried_for_a_while(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOENCODER_DATA_DIR", raising=False)
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path))
    calls = []
    clock = [1000.0]
    monkeypatch.setattr(data.time, "monotonic", lambda: clock[0])

    def offline(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, "", "Exception: URL fetch failure")

    monkeypatch.setattr(data.subprocess, "run", offline)
    for _ in range(3):  # three page visits
        with pytest.raises(DatasetUnavailableError, match="URL fetch failure"):
            load_dataset("mnist")
    assert len(calls) == 1
    clock[0] += data.RETRY_DOWNLOAD_SECONDS
    with pytest.raises(DatasetUnavailableError):
        load_dataset("mnist")
    assert len(calls) == 2

    def online(command, **kwargs):
        write_npz(Path(command[-1]), test=3)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(data.subprocess, "run", online)
    clock[0] += data.RETRY_DOWNLOAD_SECONDS
    assert len(load_dataset("mnist").test) == 3


def test_a_download_removes_what_a_killed_download_left(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOENCODER_DATA_DIR", raising=False)
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path))
    old, running = tmp_path / ".mnist.npz.k1ll3d.tmp", tmp_path / ".mnist.npz.running.tmp"
    for path in (old, running):
        path.write_bytes(b"half a download")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    def fake_run(command, **kwargs):
        write_npz(Path(command[-1]), test=3)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(data.subprocess, "run", fake_run)
    load_dataset("mnist")
    assert not old.exists()
    assert running.exists()  # perhaps another process's download, still going


def test_find_local_never_downloads(tmp_path, monkeypatch):
    def no_download(command, **kwargs):
        raise AssertionError("find_local must not download")

    monkeypatch.setattr(data.subprocess, "run", no_download)
    monkeypatch.setenv("AUTOENCODER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AUTOENCODER_DATA_DIR", raising=False)
    assert find_local("mnist") is None
    (tmp_path / "cache").mkdir()
    cached = write_npz(tmp_path / "cache" / "mnist.npz")
    assert find_local("mnist") == cached
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    assert find_local("mnist") is None  # the named folder wins, and it has no mnist.npz
    assert find_local("fashion_mnist") is None
    explicit = write_npz(tmp_path / "fashion_mnist.npz")
    assert find_local("fashion_mnist") == explicit
    with pytest.raises(ValueError, match="unknown dataset"):
        find_local("../etc/passwd")
