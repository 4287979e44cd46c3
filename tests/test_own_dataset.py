"""A visitor's own dataset: read by the bounded reader from memory, labels optional, trained on."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tracemalloc
import zipfile

import numpy as np
import pytest

from autoencoder import cli, data, letters
from autoencoder.data import DatasetFileError, dataset_from_bytes, load_dataset
from autoencoder.letters import LETTERS, make_letters, write_letters
from tests.conftest import ROOT, synthetic_digits, write_npz
from tests.test_files import Pickled, npy, zip_of


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unlabelled(train: int = 30, test: int = 10, **overrides: np.ndarray) -> dict[str, np.ndarray]:
    arrays = {"x_train": synthetic_digits(train, 1)[0], "x_test": synthetic_digits(test, 2)[0]}
    return {**arrays, **overrides}


def labelled(**overrides: np.ndarray) -> dict[str, np.ndarray]:
    x_train, y_train = synthetic_digits(30, 1)
    x_test, y_test = synthetic_digits(10, 2)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, **overrides}


def refused(upload: bytes) -> str:
    with pytest.raises(DatasetFileError) as raised:
        dataset_from_bytes(upload)
    message = str(raised.value)
    # One sentence that says what to do, and nothing of this machine.
    assert message.endswith("with numpy.savez.") and ". " not in message, message
    assert "/" not in message and "\n" not in message
    return message


def test_an_upload_reads_like_a_file_and_remembers_its_checksum():
    upload = npz_bytes(**labelled())
    dataset = dataset_from_bytes(upload)
    assert dataset.train.pixels.shape == (30, 784) and len(dataset.test) == 10
    assert dataset.source is None and dataset.sha256 == hashlib.sha256(upload).hexdigest()
    assert dataset.has_labels and dataset.test.labels.dtype == np.uint8
    np.testing.assert_array_equal(dataset.test.pixels.reshape(-1, 28, 28), labelled()["x_test"])


@pytest.mark.parametrize("source", ["file", "upload"])
def test_labels_are_optional(tmp_path, source):
    arrays = unlabelled()
    if source == "file":
        path = tmp_path / "mine.npz"
        np.savez(path, **arrays)
        dataset = load_dataset(path=path)
    else:
        dataset = dataset_from_bytes(npz_bytes(**arrays))
    assert not dataset.has_labels
    assert dataset.train.labels is None and dataset.test.labels is None
    assert len(dataset.train) == 30 and len(dataset.test) == 10
    assert dataset.test.images.shape == (10, 784)


def test_the_training_split_can_be_skipped_in_an_upload():
    dataset = dataset_from_bytes(npz_bytes(**unlabelled()), include_train=False)
    assert dataset.train is None and len(dataset.test) == 10


@pytest.mark.parametrize(
    ("arrays", "says"),
    [
        ({"x_train": synthetic_digits(3)[0]}, "missing keys x_test"),
        ({"x_test": synthetic_digits(3)[0]}, "missing keys x_train"),
        (unlabelled(y_train=np.zeros(30, np.uint8)), "y_train is given without y_test"),
        (unlabelled(y_test=np.zeros(10, np.uint8)), "y_test is given without y_train"),
        (unlabelled(x_test=np.zeros((5, 32, 32), np.uint8)), r"x_test has shape \(5, 32, 32\)"),
        (unlabelled(x_train=np.zeros((5, 784), np.uint8)), r"x_train has shape \(5, 784\)"),
        (unlabelled(x_test=np.zeros((5, 28, 28), np.float32)), "x_test has dtype float32"),
        (unlabelled(x_test=np.zeros((0, 28, 28), np.uint8)), "x_test holds no images"),
        (labelled(y_test=np.zeros(9, np.uint8)), r"y_test has shape \(9,\), expected \(10,\)"),
        (labelled(y_train=np.full(30, 1.0)), "y_train must hold integer class labels 0-9"),
        (labelled(y_test=np.full(10, 10, np.uint8)), "y_test must hold integer class labels 0-9"),
        (labelled(y_test=np.full(10, -1, np.int64)), "y_test must hold integer class labels 0-9"),
    ],
)
def test_every_bad_layout_is_one_sentence(arrays, says):
    assert re.search(says, refused(npz_bytes(**arrays)))


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    upload = npz_bytes(**unlabelled())
    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", len(upload) - 1)
    monkeypatch.setattr(data, "_read_archive", lambda *args, **kwargs: pytest.fail("was read"))
    assert "a dataset is at most" in refused(upload)


def test_the_size_limit_admits_a_file_of_exactly_that_size(monkeypatch):
    upload = npz_bytes(**unlabelled())
    monkeypatch.setattr(data, "MAX_UPLOAD_BYTES", len(upload))
    assert len(dataset_from_bytes(upload).test) == 10


def test_an_archive_of_too_many_members_is_refused():
    members = {f"extra_{index}.npy": npy(np.zeros(1, np.uint8)) for index in range(16)}
    members |= {
        "x_train.npy": npy(unlabelled()["x_train"]),
        "x_test.npy": npy(unlabelled()["x_test"]),
    }
    assert "too many files (at most 16" in refused(zip_of(members))


def test_sixteen_members_are_still_read():
    members = {f"extra_{index}.npy": npy(np.zeros(1, np.uint8)) for index in range(14)}
    members |= {
        "x_train.npy": npy(unlabelled()["x_train"]),
        "x_test.npy": npy(unlabelled()["x_test"]),
    }
    assert len(dataset_from_bytes(zip_of(members)).train) == 30


@pytest.mark.parametrize("key", ["x_train", "x_test", "y_test"])
def test_pickles_are_refused_and_never_unpickled(tmp_path, key):
    marker = tmp_path / "unpickled"
    pickled = np.empty((10, 28, 28) if key.startswith("x") else (10,), dtype=object)
    pickled.fill(Pickled(marker))
    arrays = labelled(**{key: pickled}) if key.startswith("y") else unlabelled(**{key: pickled})
    assert f"{key} holds Python objects" in refused(npz_bytes(**arrays))
    assert not marker.exists()


def test_a_header_claiming_a_billion_images_allocates_nothing():
    header = {"descr": "|u1", "fortran_order": False, "shape": (10**9, 28, 28)}
    members = {"x_train.npy": npy(unlabelled()["x_train"]), "x_test.npy": npy(header=header)}
    tracemalloc.start()
    try:
        message = refused(zip_of(members))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "x_test holds 1000000000 images; at most 100,000 are read" in message
    assert peak < 2_000_000  # the array would be 784 GB


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (b"not a zip at all, just some text", "not a readable .npz archive"),
        (npy(np.zeros((3, 28, 28), np.uint8)), "a single .npy array"),
        (npz_bytes(**unlabelled())[:3000], "not a readable .npz archive"),
        (b"", "not a readable .npz archive"),
    ],
)
def test_what_is_not_an_npz_is_one_sentence(upload, says):
    assert says in refused(upload)


def test_a_truncated_array_and_data_past_its_end_are_refused():
    images = unlabelled()
    short = {"x_train.npy": npy(images["x_train"])[:-5], "x_test.npy": npy(images["x_test"])}
    assert "x_train is truncated" in refused(zip_of(short))
    long = {"x_train.npy": npy(images["x_train"]), "x_test.npy": npy(images["x_test"]) + b"!"}
    assert "x_test holds data past the end" in refused(zip_of(long))


def test_a_zip_bomb_member_inflates_no_further_than_its_header_says():
    # 10 images declared, 20 MB of zeros behind them: read_npy_array stops at the declared size.
    images = unlabelled()
    bomb = npy(images["x_test"]) + bytes(20 * 2**20)
    members = {"x_train.npy": npy(images["x_train"]), "x_test.npy": bomb}
    assert "x_test holds data past the end" in refused(zip_of(members, zipfile.ZIP_DEFLATED))


def test_a_file_problem_still_names_the_file_for_the_command_line(tmp_path):
    path = write_npz(tmp_path / "mine.npz", y_test=np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"mine\.npz: y_test has shape \(3,\)"):
        load_dataset(path=path)


# --- the example dataset, and training on one's own file ---------------------------------------


def test_the_letters_are_balanced_seeded_and_in_mnists_layout(tmp_path):
    arrays = make_letters(train=40, test=20, seed=3)
    assert arrays["x_train"].shape == (40, 28, 28) and arrays["x_train"].dtype == np.uint8
    assert np.bincount(arrays["y_test"]).tolist() == [2] * len(LETTERS)
    np.testing.assert_array_equal(
        make_letters(train=40, test=20, seed=3)["x_test"], arrays["x_test"]
    )
    # MNIST-like framing: ink inside the 20 px box, the border empty.
    assert arrays["x_train"][:, :2].max() == 0 and arrays["x_train"].max() == 255
    path = write_letters(tmp_path / "letters.npz", train=40, test=20, seed=3)
    dataset = load_dataset(path=path)
    assert dataset.has_labels and len(dataset.train) == 40


def test_without_debians_fonts_the_letters_use_matplotlibs(tmp_path, monkeypatch):
    monkeypatch.setattr(letters, "FONT_DIRS", (tmp_path / "no-fonts",))
    found = letters.font_files()
    assert found and all("mpl-data" in str(path) for path in found)
    assert len(make_letters(train=10, test=10, fonts=found)["x_train"]) == 10


def test_without_any_font_the_letters_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(letters, "FONT_DIRS", (tmp_path / "no-fonts",))
    monkeypatch.setattr(letters, "_matplotlib_fonts", lambda: ())
    with pytest.raises(FileNotFoundError, match="apt-get install fonts-dejavu-core"):
        letters.font_files()


def test_the_cli_trains_on_an_unlabelled_file_of_ones_own(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, **unlabelled(train=200, test=50))
    out = tmp_path / "model"
    arguments = ["train", "--data", str(path), "--family", "pca", "--latent-dim", "3"]
    assert cli.main([*arguments, "--out", str(out), "--json"]) == 0  # pca: no TensorFlow
    record = json.loads((out / "config.json").read_text())
    assert record["dataset"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["dataset"]["train_images"] == 200 and record["dataset"]["test_images"] == 50


@pytest.mark.slow
def test_the_cli_trains_a_network_on_the_letters(tmp_path):
    path = write_letters(tmp_path / "letters.npz", train=600, test=100)
    out = tmp_path / "letters-model"
    result = subprocess.run(
        [sys.executable, "-m", "autoencoder", "train", "--data", str(path), "--epochs", "2",
         "--out", str(out)],
        check=True, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert "epoch   2/2" in result.stdout
    record = json.loads((out / "config.json").read_text())
    assert record["dataset"]["train_images"] == 600
    assert record["history"]["val_loss"][-1] < record["history"]["val_loss"][0]


def test_a_model_of_ones_own_file_says_so_in_its_config_and_record(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, **labelled())
    out = tmp_path / "model"
    arguments = ["train", "--dataset", "custom", "--data", str(path), "--family", "pca"]
    assert cli.main([*arguments, "--latent-dim", "3", "--out", str(out), "--json"]) == 0
    document = json.loads((out / "config.json").read_text())
    assert document["config"]["dataset"] == "custom"
    assert document["dataset"]["name"] == "custom"


def test_a_custom_dataset_is_only_ever_a_file_given(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOENCODER_DATA_DIR", str(tmp_path))
    np.savez(tmp_path / "custom.npz", **labelled())  # not even a file of that name is taken
    assert data.find_local("custom") is None
    with pytest.raises(FileNotFoundError, match="a file of your own: give its path with --data"):
        load_dataset("custom")
    assert load_dataset("custom", tmp_path / "custom.npz").name == "custom"
