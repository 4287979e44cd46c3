import io
import os
import pickle
import struct
import time
import zipfile

import numpy as np
import pytest

from autoencoder import files
from autoencoder.files import (
    BadFileError,
    LimitedReader,
    atomic_path,
    atomic_write_bytes,
    file_sha256,
    npz_members,
    open_zip,
    read_member,
    read_npy_array,
    read_npy_header,
    remove_temporaries,
)


def npy(array=None, *, header=None, data=b"", version=(1, 0)):
    """An .npy file's bytes: a real array's, or any header with any data."""
    stream = io.BytesIO()
    if array is not None:
        np.save(stream, array, allow_pickle=True)
        return stream.getvalue()
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(stream, header)
    else:  # numpy picks the version itself; write a 2.0 header by hand
        text = repr(header).encode("latin1")
        stream.write(np.lib.format.magic(2, 0) + struct.pack("<I", len(text)) + text)
    return stream.getvalue() + data


def zip_of(members, compression=zipfile.ZIP_STORED):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return stream.getvalue()


def read_one(data, name="a"):
    """Header, then array, of member ``name.npy`` of an in-memory .npz."""
    with open_zip(io.BytesIO(data), max_members=4) as archive:
        info = npz_members(archive, "it")[name]
        header = read_npy_header(archive, info, name)
        return read_npy_array(archive, info, header, name)


class Pickled:
    """Unpickling it makes a folder: proof that a pickle ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


# --- atomic writes ------------------------------------------------------------


def test_atomic_write_replaces_the_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_remove_temporaries_removes_only_what_a_killed_writer_left(tmp_path):
    left = [tmp_path / ".config.json.a1b2.tmp", tmp_path / ".weights-0123.npz.x9.tmp"]
    kept = [tmp_path / "config.json", tmp_path / ".other.txt.a1.tmp", tmp_path / "weights-1.npz"]
    for path in left + kept:
        path.write_bytes(b"x")
    removed = remove_temporaries(tmp_path, "config.json", "weights-*.npz")
    assert sorted(removed) == sorted(left)
    assert sorted(tmp_path.iterdir()) == sorted(kept)


def test_remove_temporaries_spares_recent_ones_when_asked(tmp_path):
    old, recent = tmp_path / ".data.npz.old.tmp", tmp_path / ".data.npz.new.tmp"
    for path in (old, recent):
        path.write_bytes(b"x")
    os.utime(old, (time.time() - 700, time.time() - 700))
    assert remove_temporaries(tmp_path, "data.npz", older_than=600) == [old]
    assert recent.exists()


def test_sha256_of_a_known_string(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    assert file_sha256(path).startswith("ba7816bf8f01cfea")


# --- bounded reads ------------------------------------------------------------


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.asked = 0

    def read(self, size=-1):
        self.asked += size if size >= 0 else 10**12
        return super().read(size)


def test_limited_reader_stops_one_byte_past_its_limit():
    stream = CountingStream(b"x" * 10_000)
    assert LimitedReader(CountingStream(b"x" * 100), 100, "it").read() == b"x" * 100
    with pytest.raises(BadFileError, match="it is larger than 1,000 bytes"):
        LimitedReader(stream, 1000, "it").read()
    assert stream.asked == 1001  # never asked the stream for more


def test_a_deflate_bomb_is_inflated_only_up_to_the_cap():
    bomb = zip_of({"a": b"\0" * 10_000_001}, zipfile.ZIP_DEFLATED)  # 10 kB zipped
    with open_zip(io.BytesIO(bomb), max_members=1) as archive:
        info = archive.getinfo("a")
        assert read_member(archive, info, 10_000_001, "a") == b"\0" * 10_000_001
        with pytest.raises(BadFileError, match=r"larger than 9\.5 MB"):
            read_member(archive, info, 10_000_000, "a")


def test_too_many_members_are_refused_before_parsing():
    data = zip_of({str(index): b"" for index in range(5)})
    with open_zip(io.BytesIO(data), max_members=5) as archive:
        assert len(archive.infolist()) == 5
    with (
        pytest.raises(BadFileError, match="too many files"),
        open_zip(io.BytesIO(data), max_members=4),
    ):
        pass


def test_the_member_count_is_checked_even_when_the_end_record_lies():
    data = bytearray(zip_of({str(index): b"" for index in range(5)}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = struct.pack("<HH", 1, 1)  # "one entry"; zipfile ignores it
    with (
        pytest.raises(BadFileError, match="too many files"),
        open_zip(io.BytesIO(data), max_members=4),
    ):
        pass


def test_a_large_central_directory_is_refused_before_parsing():
    # Two members, but names long enough for a directory over 2 kB.
    data = zip_of({"a" * 1100: b"", "b" * 1100: b""})
    with (
        pytest.raises(BadFileError, match="too many files"),
        open_zip(io.BytesIO(data), max_members=2),
    ):
        pass
    with open_zip(io.BytesIO(zip_of({"a" * 900: b"", "b": b""})), max_members=2):
        pass


def test_zip64_and_other_compression_and_duplicates_are_refused():
    with (
        pytest.raises(BadFileError, match="ZIP64"),
        open_zip(
            io.BytesIO(zip_of({"a": b"x"}, zipfile.ZIP_STORED)[:-22] + _zip64_end()), max_members=4
        ),
    ):
        pass
    with (
        pytest.raises(BadFileError, match="other means than deflate"),
        open_zip(io.BytesIO(zip_of({"a": b"x"}, zipfile.ZIP_BZIP2)), max_members=4),
    ):
        pass
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("a", b"1")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("a", b"2")
    with pytest.raises(BadFileError, match="two files named 'a'"), open_zip(stream, max_members=4):
        pass


def _zip64_end():
    # A zip64 locator just before an end record marking its fields as "see zip64".
    locator = b"PK\x06\x07" + b"\0" * 16
    return locator + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, 0xFFFFFFFF, 0xFFFFFFFF, 0)


def test_not_a_zip():
    for data in (b"", b"hello", b"PK\x05\x06"):
        with (
            pytest.raises(BadFileError, match="not a zip file"),
            open_zip(io.BytesIO(data), max_members=4),
        ):
            pass


# --- .npy headers before data -------------------------------------------------


def test_arrays_round_trip_in_any_order_and_byte_order():
    values = np.arange(12, dtype=np.float32).reshape(3, 4)
    for array in (values, np.asfortranarray(values), values.astype(">f8")):
        loaded = read_one(zip_of({"a.npy": npy(array)}))
        np.testing.assert_array_equal(loaded, values)


def test_an_object_array_is_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    data = zip_of({"a.npy": npy(np.array([Pickled(marker)] * 2, dtype=object))})
    with pytest.raises(BadFileError, match="Python objects"):
        read_one(data)
    assert not marker.exists()
    # The same file through numpy with pickles allowed does run the pickle.
    with np.load(io.BytesIO(data), allow_pickle=True) as archive:
        archive["a"]
    assert marker.is_dir()


def test_a_pickled_file_that_is_not_even_npy_is_refused(tmp_path):
    marker = tmp_path / "unpickled"
    with pytest.raises(BadFileError, match=r"not a valid \.npy"):
        read_one(zip_of({"a.npy": pickle.dumps(Pickled(marker))}))
    assert not marker.exists()


def test_a_header_claiming_a_trillion_values_allocates_nothing():
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**12,)}
    data = zip_of({"a.npy": npy(header=header)})
    with open_zip(io.BytesIO(data), max_members=1) as archive:
        info = archive.getinfo("a.npy")
        assert read_npy_header(archive, info, "a").nbytes == 4 * 10**12  # read, not allocated


def test_a_huge_header_is_refused_after_its_cap():
    header = {"descr": "<f4", "fortran_order": False, "shape": (2,), "pad": " " * 2000}
    data = zip_of({"a.npy": npy(header=header, version=(2, 0))}, zipfile.ZIP_DEFLATED)
    with pytest.raises(BadFileError, match="larger than 1,036 bytes"):
        read_one(data)


def test_a_v2_header_length_of_4_gb_reads_no_more_than_the_cap():
    data = zip_of({"a.npy": np.lib.format.magic(2, 0) + struct.pack("<I", 2**32 - 1)})
    with pytest.raises(BadFileError, match=r"not a valid \.npy"):
        read_one(data)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"descr": [("x", "<f4")], "fortran_order": False, "shape": (1,)}, "structured"),
        ({"descr": "<f4", "fortran_order": False, "shape": (-1,)}, "negative"),
        ({"descr": "<f4", "fortran_order": "no", "shape": (1,)}, "not a valid .npy"),
    ],
)
def test_odd_headers_are_refused(header, message):
    with pytest.raises(BadFileError, match=message):
        read_one(zip_of({"a.npy": npy(header=header, data=b"\0" * 8)}))


def test_data_must_end_where_the_array_ends():
    array = np.zeros(4, np.float32)
    with pytest.raises(BadFileError, match="past the end"):
        read_one(zip_of({"a.npy": npy(array) + b"\0"}))
    with pytest.raises(BadFileError, match="truncated"):
        read_one(zip_of({"a.npy": npy(array)[:-1]}))


def test_a_member_that_changes_between_header_and_data_is_refused(monkeypatch):
    data = zip_of({"a.npy": npy(np.zeros(4, np.float32))})
    real = files._header
    calls = []

    def header_then_another(stream, what):
        calls.append(what)
        found = real(stream, what)
        return found if len(calls) == 1 else files.NpyHeader((5,), found.dtype, False)

    monkeypatch.setattr(files, "_header", header_then_another)
    with pytest.raises(BadFileError, match="changed"):
        read_one(data)
