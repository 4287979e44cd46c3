import hashlib
import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
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
from autoencoder.network import weight_shapes
from autoencoder.record import (
    RECORD_SCHEMA,
    DatasetRecord,
    HistoryRecord,
    MetricsRecord,
    ModelRecord,
    record_of,
)
from tests.conftest import ROOT, random_model
from tests.test_files import Pickled, npy, zip_of

UPLOAD_ADVICE = "upload a model .zip downloaded from this app"
# The limits, written out: raising one in artifact.py must fail a test here.
MAX_ZIP_BYTES = 20 * 2**20
MAX_UNPACKED_BYTES = 40 * 2**20
MAX_CONFIG_BYTES = 2**20
MAX_MEMBERS = 16
RECORD = {  # what training writes, in miniature
    "dataset": {
        "name": "custom",
        "sha256": "ab" * 32,
        "train_images": 300,
        "test_images": 100,
        "label": "letters.npz",
    },
    "history": {"loss": [0.3, 0.2], "val_loss": [0.31, 0.21], "seconds": [1.0, 0.9]},
    "best_epoch": 1,
    "stopped_early": False,
    "training_seconds": 1.9,
    "trained_at": "2026-11-28T11:04:03+00:00",
    "metrics": {
        "val_bce": 0.21,
        "mse": 0.05,
        "psnr": 13.0,
        "count": 100,
        "bce_quantiles": [0.1 + i / 1000 for i in range(101)],
    },
}


# --- helpers: model files, crafted --------------------------------------------


def parts(model):
    """(config.json document, weights file name, weights bytes) as model_to_zip writes them."""
    with zipfile.ZipFile(io.BytesIO(model_to_zip(model))) as archive:
        names = {name.split("/")[-1]: name for name in archive.namelist()}
        document = json.loads(archive.read(names.pop("config.json")))
        (weights_name,) = names
        return document, weights_name, archive.read(names[weights_name])


def crafted(model, weights=None, document=None, extra=None, config_text=None):
    """The zip of ``model`` with any part replaced; the checksum still matches."""
    original, name, original_weights = parts(model)
    weights = original_weights if weights is None else weights
    document = original if document is None else document
    document["weights"]["sha256"] = hashlib.sha256(weights).hexdigest()
    text = json.dumps(document) if config_text is None else config_text
    members = {"model/config.json": text, f"model/{name}": weights, **(extra or {})}
    return zip_of(members, zipfile.ZIP_DEFLATED)


def npz_of(arrays):
    """An .npz of raw .npy members (any header, any data) keyed by array name."""
    return zip_of({f"{name}.npy": data for name, data in arrays.items()})


def weights_of(model, **replace):
    arrays = {name: npy(np.asarray(array)) for name, array in model.weights.items()}
    arrays.update(replace)
    return npz_of({name: data for name, data in arrays.items() if data is not None})


def unzip_to(folder, data):
    folder.mkdir()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            (folder / info.filename.split("/")[-1]).write_bytes(archive.read(info))
    return folder


def refused(data, match):
    """The upload is refused with one clear sentence naming no path of this machine."""
    with pytest.raises(ModelLoadError, match=match) as raised:
        model_from_zip(data)
    message = str(raised.value)
    assert message.endswith(UPLOAD_ADVICE) and "\n" not in message and len(message) < 400
    for path in (tempfile.gettempdir(), str(ROOT), os.getcwd(), os.path.expanduser("~")):
        assert path not in message
    return message


# --- saving and loading -------------------------------------------------------


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


def test_a_full_record_round_trips_and_is_typed(tmp_path, tiny_model):
    model = type(tiny_model)(config=tiny_model.config, weights=tiny_model.weights, record=RECORD)
    loaded = load_model(save_model(model, tmp_path / "model"))
    assert loaded.record == RECORD
    assert record_of(loaded)["metrics"]["val_bce"] == 0.21
    assert model_from_zip(model_to_zip(model)).record == RECORD


def test_the_record_type_and_the_schema_list_the_same_keys():
    assert set(ModelRecord.__annotations__) == set(RECORD_SCHEMA)
    assert set(DatasetRecord.__annotations__) == set(RECORD["dataset"])
    assert set(HistoryRecord.__annotations__) == set(RECORD["history"])
    assert set(MetricsRecord.__annotations__) == set(RECORD["metrics"])


def test_saving_again_replaces_the_weights_file(tmp_path):
    folder = tmp_path / "model"
    save_model(random_model(seed=1), folder)
    save_model(random_model(seed=2), folder)
    assert len(list(folder.glob("weights-*.npz"))) == 1
    np.testing.assert_array_equal(
        load_model(folder).weights["latent.bias"], random_model(seed=2).weights["latent.bias"]
    )


def test_a_record_that_would_not_load_is_not_saved(tmp_path, tiny_model):
    model = type(tiny_model)(
        config=tiny_model.config, weights=tiny_model.weights, record={"metrics": {"val_bce": "x"}}
    )
    with pytest.raises(ValueError, match="cannot save this model: its record's metrics"):
        save_model(model, tmp_path / "model")
    assert not (tmp_path / "model").exists()


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


# --- an interrupted save, by a real kill --------------------------------------

# The child saves seed 2 over seed 1 and SIGKILLs itself at ``point``. Only
# the primitives under atomic_write_bytes are patched (Path.write_bytes and
# os.replace), so a non-atomic atomic_write_bytes fails this test.
KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from autoencoder.artifact import load_model, save_model
from tests.conftest import random_model

folder, point = Path(sys.argv[1]), sys.argv[2]
new = random_model(load_model(folder).config, seed=2)
real_write_bytes, real_replace = Path.write_bytes, os.replace

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def write_bytes(path, data):
    is_config = data.startswith(b"{")
    if point == ("mid-config" if is_config else "mid-weights"):
        with open(path, "wb") as stream:
            stream.write(data[: len(data) // 2])
            stream.flush()
        die()
    return real_write_bytes(path, data)

def replace(source, destination):
    name = Path(destination).name
    if point == "before-config-rename" and name == "config.json":
        die()
    real_replace(source, destination)
    if point == "after-weights" and name.startswith("weights-"):
        die()

Path.write_bytes, os.replace = write_bytes, replace
save_model(new, folder)
"""


@pytest.mark.parametrize(
    "point", ["mid-weights", "after-weights", "mid-config", "before-config-rename"]
)
def test_a_killed_save_leaves_the_previous_model_and_the_next_save_cleans_up(tmp_path, point):
    folder = tmp_path / "model"
    old, new = random_model(seed=1), random_model(seed=2)
    save_model(old, folder)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(folder), point], cwd=ROOT, env=environment
    )
    assert child.returncode == -signal.SIGKILL  # it died at the point, not before or after
    loaded = load_model(folder)
    np.testing.assert_array_equal(loaded.weights["latent.bias"], old.weights["latent.bias"])
    left = {path.name for path in folder.iterdir()}
    if point != "after-weights":
        assert any(name.endswith(".tmp") for name in left), left  # what a kill leaves

    save_model(new, folder)
    assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*"))
    assert len(list(folder.glob("weights-*.npz"))) == 1
    loaded = load_model(folder)
    np.testing.assert_array_equal(loaded.weights["latent.bias"], new.weights["latent.bias"])


# --- uploads: the zip itself ----------------------------------------------------


def test_zip_round_trip(tiny_model):
    loaded = model_from_zip(model_to_zip(tiny_model))
    np.testing.assert_array_equal(
        loaded.weights["latent.kernel"], tiny_model.weights["latent.kernel"]
    )
    assert loaded.config == tiny_model.config


def test_zip_validation(tiny_model, tmp_path):
    refused(b"PK\x03\x04 but not really", "not a zip file")
    refused(zip_of({"readme.txt": "hello"}), r"exactly one config\.json")
    refused(zip_of({"a/config.json": "{}", "b/config.json": "{}"}), r"exactly one config\.json")
    good = model_to_zip(tiny_model)
    refused(good[: len(good) // 2], "not a zip file")


def test_a_zip_over_the_size_limit_is_refused(tiny_model):
    good = model_to_zip(tiny_model)
    padding = MAX_ZIP_BYTES - len(good)  # zipfile reads past data before the first member
    assert model_from_zip(b"\0" * padding + good).config == tiny_model.config
    refused(b"\0" * (padding + 1) + good, "at most 20 MB")


def test_members_beyond_the_limit_are_refused(tiny_model):
    def padded(count):
        return crafted(tiny_model, extra={f"model/junk{index}": b"" for index in range(count)})

    assert model_from_zip(padded(MAX_MEMBERS - 2)).config == tiny_model.config
    refused(padded(MAX_MEMBERS - 1), "too many files")


def test_a_central_directory_too_large_for_its_members_is_refused(tiny_model):
    # Three members (well under the count limit) whose names fill the directory.
    data = crafted(tiny_model, extra={"model/" + "x" * 60_000: b""})
    refused(data, "too many files")


def empty_files(count):
    """A zip of ``count`` empty files, built by hand (zipfile takes seconds to write it)."""
    local = b"".join(
        struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, 8, 0) + b"%08x" % index
        for index in range(count)
    )
    directory = b"".join(
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 38 * index
        )
        + b"%08x" % index
        for index in range(count)
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(local), 0)
    return local + directory + end


def test_a_zip_of_48000_files_is_refused_at_once():
    data = empty_files(48_000)
    with zipfile.ZipFile(io.BytesIO(empty_files(3))) as archive:  # a well-formed zip
        assert archive.namelist() == ["00000000", "00000001", "00000002"]
    started = time.perf_counter()
    refused(data, "too many files")
    assert time.perf_counter() - started < 0.5  # zipfile alone takes seconds to list them


def test_config_json_over_its_limit_is_refused(tiny_model, tmp_path):
    text = json.dumps(parts(tiny_model)[0])
    exact = text + " " * (MAX_CONFIG_BYTES - len(text))  # valid JSON, padded
    assert model_from_zip(crafted(tiny_model, config_text=exact)).config == tiny_model.config
    over = crafted(tiny_model, config_text=exact + " ")
    assert len(over) < len(model_to_zip(tiny_model)) + 5_000  # a deflate bomb of spaces
    refused(over, r"config\.json is larger than 1\.0 MB")
    folder = unzip_to(tmp_path / "model", over)
    with pytest.raises(ModelLoadError, match=r"config\.json is larger than 1\.0 MB"):
        load_model(folder)


def test_weights_over_their_limit_are_refused(tiny_model, tmp_path):
    # Leading bytes are skipped by zip readers: padded weights still load when under the limit.
    weights = weights_of(tiny_model)
    limit = artifact._weights_limit(tiny_model.config)
    exact = b"\0" * (limit - len(weights)) + weights
    assert model_from_zip(crafted(tiny_model, weights=exact)).config == tiny_model.config
    over = crafted(tiny_model, weights=b"\0" + exact)
    refused(over, "the weights file is larger than")
    folder = unzip_to(tmp_path / "model", over)
    with pytest.raises(ModelLoadError, match="weights file is larger than"):
        load_model(folder)


def test_everything_a_zip_inflates_is_capped_whatever_the_settings():
    # The largest settings Config allows: the weights file is cut off at what they can take.
    big = Config(hidden_units=(1024, 1024), latent_dim=64)
    zeros = {name: np.zeros(shape, np.float32) for name, shape in weight_shapes(big).items()}
    model = random_model(Config(hidden_units=(8,), latent_dim=4))
    document = parts(model)[0]
    document["config"] = big.to_dict()
    weights = npz_of({name: npy(array) for name, array in zeros.items()})
    config_bytes = len(json.dumps(document).encode())
    padding = MAX_UNPACKED_BYTES - config_bytes - len(weights) + 1
    data = crafted(model, weights=b"\0" * padding + weights, document=document)
    assert len(data) < 200_000
    refused(data, r"the weights file is larger than \d+\.\d MB")


def compressed_npz(arrays):
    """What np.savez_compressed writes: every array deflated inside the .npz."""
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    return stream.getvalue()


def largest_float64_upload(padding):
    """A zip of a few KB whose arrays, deflated inside the deflated weights file,
    inflate to 29 MB of float64 (the largest settings allowed), after ``padding``
    bytes of junk in front of the weights' own zip (zip readers skip a prefix)."""
    big = Config(hidden_units=(1024, 1024), latent_dim=64)
    model = random_model(Config(hidden_units=(8,), latent_dim=4))
    document = parts(model)[0]
    document["config"] = big.to_dict()
    arrays = {name: np.zeros(shape, np.float64) for name, shape in weight_shapes(big).items()}
    weights = b"\0" * padding + compressed_npz(arrays)
    return crafted(model, weights=weights, document=document), big


def test_arrays_compressed_inside_the_weights_count_before_they_are_allocated():
    # Nested bytes: the weights file (deflated in the zip) holds arrays deflated again.
    # What the arrays would inflate to is added to what the weights took, before any
    # array exists: just over the cap is refused, and memory never holds the arrays.
    _, big = largest_float64_upload(0)
    arrays_bytes = 8 * sum(int(np.prod(shape)) for shape in weight_shapes(big).values())
    padding = MAX_UNPACKED_BYTES - arrays_bytes  # config.json's bytes tip it over
    data, _ = largest_float64_upload(padding)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        message = refused(data, r"unpacks to \d+\.\d MB of arrays")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "float32" in message
    # The padded weights file (read, then joined: twice), never the 29 MB of arrays.
    assert peak < min(2 * padding + 4 * 2**20, arrays_bytes)


def test_float64_weights_are_converted_a_chunk_at_a_time():
    data, big = largest_float64_upload(0)
    tracemalloc.start()
    try:
        model = model_from_zip(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    float32_bytes = 4 * model.parameters
    assert model.config == big
    assert all(array.dtype == np.float32 for array in model.weights.values())
    # Reading (float32) and freezing (a copy) hold two float32 sets: never the float64 one.
    assert peak < 2 * float32_bytes + 4 * 2**20  # a float64 set alone would take 4x


@pytest.mark.parametrize("declared", [100, 2**32 - 2])
def test_a_central_directory_that_lies_about_sizes_costs_no_memory(tiny_model, declared):
    text = json.dumps(parts(tiny_model)[0])
    data = crafted(tiny_model, config_text=text + " " * (2 * MAX_CONFIG_BYTES))
    data = with_declared_size(data, "model/config.json", declared)
    tracemalloc.start()
    try:
        message = refused(data, r"config\.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "damaged" in message if declared == 100 else "larger than 1.0 MB" in message
    assert peak < 3 * MAX_CONFIG_BYTES


def with_declared_size(data, name, size):
    """``data`` with the uncompressed size of ``name`` patched in both places it is declared."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
        local = info.header_offset
        entry = archive.start_dir
        while data[entry + 46 : entry + 46 + len(name)] != name.encode():
            lengths = struct.unpack_from("<3H", data, entry + 28)
            entry += 46 + sum(lengths)
    struct.pack_into("<L", data, local + 22, size)
    struct.pack_into("<L", data, entry + 24, size)
    return bytes(data)


def test_zip_cannot_write_outside_anything(tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tag = f"escaped-{uuid.uuid4().hex}.txt"
    temporary = tempfile.gettempdir()
    evil = {
        f"model/../../{tag}": "x",
        f"../{tag}": "x",
        f"../../{tag}": "x",
        f"{temporary}/{tag}": "x",
        f"/{tag}": "x",
    }
    loaded = model_from_zip(crafted(tiny_model, extra=evil))  # extra members are never read
    assert loaded.config == tiny_model.config
    places = [temporary, os.path.dirname(temporary), os.getcwd(), tmp_path.parent, "/"]
    assert not [place for place in places if os.path.exists(os.path.join(place, tag))]
    assert not list(tmp_path.rglob(tag))


def test_random_damage_gives_only_model_load_errors(tiny_model):
    good = model_to_zip(tiny_model)
    rng = np.random.default_rng(0)
    messages = []
    for _ in range(300):
        data = bytearray(good)
        for position in rng.integers(0, len(data), size=rng.integers(1, 4)):
            data[position] = rng.integers(0, 256)
        try:
            model_from_zip(bytes(data))
        except ModelLoadError as error:  # anything else fails the test
            messages.append(str(error))
    assert messages and all(message.endswith(UPLOAD_ADVICE) for message in messages)


# --- uploads and folders: the weights file ------------------------------------


def test_an_extra_array_is_refused_before_any_data_is_read(tiny_model, tmp_path):
    # The reported attack: an extra 1.5 GB array (here a header claiming 4 TB).
    huge = npy(header={"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    data = crafted(tiny_model, weights=weights_of(tiny_model, extra=huge))
    refused(data, r"holds arrays these settings lack \('extra'\)")
    with pytest.raises(ModelLoadError, match="arrays these settings lack"):
        load_model(unzip_to(tmp_path / "model", data))


def test_a_missing_array_is_refused(tiny_model):
    refused(crafted(tiny_model, weights=weights_of(tiny_model, **{"latent.bias": None})), "lacks")


def test_a_trillion_value_header_is_refused_by_its_shape(tiny_model, tmp_path):
    huge = npy(header={"descr": "<f4", "fortran_order": False, "shape": (10**12,)})
    data = crafted(tiny_model, weights=weights_of(tiny_model, **{"latent.bias": huge}))
    refused(data, r"latent\.bias has shape \(1000000000000,\), expected \(4,\)")
    with pytest.raises(ModelLoadError, match=r"latent\.bias has shape"):
        load_model(unzip_to(tmp_path / "model", data))


def test_a_pickled_array_is_refused_and_never_unpickled(tiny_model, tmp_path):
    marker = tmp_path / "unpickled"
    pickled = npy(np.array([Pickled(marker)] * 4, dtype=object))
    data = crafted(tiny_model, weights=weights_of(tiny_model, **{"latent.bias": pickled}))
    refused(data, "Python objects")
    with pytest.raises(ModelLoadError, match="Python objects"):
        load_model(unzip_to(tmp_path / "model", data))
    assert not marker.exists()


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.complex64, np.bool_])
def test_weights_must_be_float32_or_float64(tiny_model, dtype):
    array = np.zeros(4, dtype)
    data = crafted(tiny_model, weights=weights_of(tiny_model, **{"latent.bias": npy(array)}))
    refused(data, "expected float32 or float64")


def test_float64_and_fortran_order_weights_load(tiny_model):
    arrays = {
        name: npy(np.asfortranarray(array.astype(np.float64)))
        for name, array in tiny_model.weights.items()
    }
    loaded = model_from_zip(crafted(tiny_model, weights=npz_of(arrays)))
    for name, array in tiny_model.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], array)


def test_weights_of_nan_are_refused(tiny_model):
    array = np.full(4, np.nan, np.float32)
    data = crafted(tiny_model, weights=weights_of(tiny_model, **{"latent.bias": npy(array)}))
    refused(data, "NaN")


# --- config.json: parsing within bounds and the record schema ------------------


def with_document(model, change):
    document = parts(model)[0]
    change(document)
    return crafted(model, document=document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests deeper than 8"),
        ('{"note": ' + "[" * 20 + "]" * 20 + "}", "nests deeper than 8"),
        ('{"format": "autoencoder-model", "seed": ' + "9" * 5000 + "}", "more than 18 digits"),
        ('{"format": "autoencoder-model", "x": 1e999}', "too large to be finite"),
        ('{"format": "autoencoder-model", "x": NaN}', "holds NaN"),
        ("\ud800", "not UTF-8"),
    ],
)
def test_hostile_json_is_refused(tiny_model, text, message):
    data = crafted(tiny_model, config_text=text.encode("utf-8", "surrogatepass"))
    refused(data, message)


def set_in(path, value):
    def change(document):
        *parents, key = path.split(".")
        target = document
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = value

    return change


def full_record(document):
    document.update(json.loads(json.dumps(RECORD)))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("metrics.val_bce", "x", r"metrics\.val_bce must be a finite number, got 'x'"),
        ("metrics.neg_elbo", [1], r"metrics\.neg_elbo must be a finite number"),
        ("metrics.bce_quantiles", [0.1] * 100, "must list exactly 101 numbers, not 100"),
        ("metrics.bce_quantiles", [0.2] + [0.1] * 100, "non-decreasing"),
        ("history.loss", 5, r"history\.loss must be a list"),
        ("history.loss", [0.1] * 1001, "at most 1000 numbers"),
        ("history.seconds", [1.0], "one value per epoch"),
        ("history.kl", ["a"], r"history\.kl must be a list of finite numbers"),
        ("dataset.name", "cifar10", "must be one of mnist, fashion_mnist"),
        ("dataset.sha256", "x" * 64, r"dataset\.sha256 must be a text like"),
        ("dataset.train_images", 1.5, r"dataset\.train_images must be an integer"),
        ("best_epoch", True, "best_epoch must be an integer"),
        ("stopped_early", "no", "stopped_early must be true or false"),
        ("trained_at", "x" * 65, "at most 64 characters"),
        ("note", "x" * 301, "at most 300 characters"),
        ("training_seconds", None, "must be a finite number, got None"),
        ("surprise", 1, "surprise is not an entry this app knows"),
        ("weights.file", "../../etc/passwd.npz", r"weights\.file must be a text like"),
        ("format_version", True, "format version True is not supported"),
        ("config.latent_dim", 0, "invalid settings"),
        ("config.surprise", 0, "unknown config keys: surprise"),
    ],
)
def test_a_record_of_wrong_types_is_refused(tiny_model, tmp_path, path, value, message):
    def change(document):
        full_record(document)
        set_in(path, value)(document)

    data = with_document(tiny_model, change)
    refused(data, message)
    with pytest.raises(ModelLoadError, match=message):
        load_model(unzip_to(tmp_path / "model", data))


def test_a_record_without_metrics_or_with_new_scores_loads(tiny_model):
    def change(document):
        full_record(document)
        document["metrics"]["noisy_psnr"] = 18.5
        document["history"]["kl"] = [3.0, 2.0]
        del document["best_epoch"]

    loaded = model_from_zip(with_document(tiny_model, change))
    assert loaded.record["metrics"]["noisy_psnr"] == 18.5
    assert model_from_zip(with_document(tiny_model, lambda document: None)).record == {
        "note": "random"
    }


def test_missing_scores_that_the_sidebar_reads_are_refused(tiny_model):
    def change(document):
        full_record(document)
        del document["metrics"]["psnr"]

    refused(with_document(tiny_model, change), "metrics lacks 'psnr'")


def test_messages_for_local_folders_name_the_folder(tiny_model, tmp_path):
    data = with_document(tiny_model, set_in("metrics", {"val_bce": "x"}))
    folder = unzip_to(tmp_path / "model", data)
    with pytest.raises(ModelLoadError) as raised:
        load_model(folder)
    message = str(raised.value)
    assert message.startswith(f"{folder}: config.json: metrics")
    assert message.endswith("retrain the model or copy its folder again")


def test_a_server_folder_can_be_named_otherwise_in_messages(tiny_model, tmp_path):
    folder = save_model(tiny_model, tmp_path / "job" / "model")
    (folder / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match=r"^your trained model: config\.json is not") as raised:
        load_model(folder, shown_as="your trained model")
    assert str(tmp_path) not in str(raised.value)


def test_uploads_are_read_one_at_a_time(monkeypatch, tiny_model):
    import threading

    reading, most = [0], [0]
    lock = threading.Lock()
    load = artifact._load_zip

    def slow_load(archive):
        with lock:
            reading[0] += 1
            most[0] = max(most[0], reading[0])
        time.sleep(0.05)
        with lock:
            reading[0] -= 1
        return load(archive)

    monkeypatch.setattr(artifact, "_load_zip", slow_load)
    data = model_to_zip(tiny_model)
    threads = [threading.Thread(target=model_from_zip, args=(data,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
