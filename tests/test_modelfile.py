import struct

import numpy as np
import pytest

from smallnlp import modelfile
from smallnlp.errors import ModelFileError

ARRAYS = {"codes": np.arange(30, dtype=np.uint8).reshape(5, 6),
          "scale": np.linspace(0, 1, 5).astype(np.float16),
          "weights": np.ones((3, 4), dtype=np.float32)}


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "m.snlp"
    modelfile.save(path, {"task": "test", "labels": ["a", "b"]}, ARRAYS)
    return path


def test_round_trip(saved):
    metadata, arrays, version, _ = modelfile.load(saved)
    assert version == modelfile.FORMAT_VERSION
    assert metadata == {"task": "test", "labels": ["a", "b"]}
    for name, array in ARRAYS.items():
        assert arrays[name].dtype == array.dtype
        np.testing.assert_array_equal(arrays[name], array)


def test_write_is_atomic_and_leaves_no_temp_files(saved):
    assert [p.name for p in saved.parent.iterdir()] == ["m.snlp"]


def _corrupt(path, payload):
    path.write_bytes(payload)
    with pytest.raises(ModelFileError) as info:
        modelfile.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_truncated_file(saved):
    data = saved.read_bytes()
    for cut in (0, 5, 20, len(data) // 2, len(data) - 1):
        _corrupt(saved, data[:cut])


def test_bit_flip_fails_checksum(saved):
    data = bytearray(saved.read_bytes())
    data[len(data) // 2] ^= 0x10
    assert "checksum" in _corrupt(saved, bytes(data))


def test_bad_magic_and_other_version(saved):
    data = saved.read_bytes()
    assert "magic" in _corrupt(saved, b"NOTMODEL" + data[8:])
    assert "version 99" in _corrupt(saved, data[:8] + struct.pack("<I", 99) + data[12:])


def _reencode(header_meta: bytes) -> bytes:
    """A file with a valid checksum around arbitrary metadata bytes."""
    import zlib
    head = struct.pack("<8sII", modelfile.MAGIC, modelfile.FORMAT_VERSION, len(header_meta))
    body = head + header_meta
    body += b"\0" * (-len(body) % 8) + b"\0" * 16
    return body + struct.pack("<I", zlib.crc32(body))


@pytest.mark.parametrize("meta, reason", [
    (b'{"arrays":[{"name":"x","dtype":"<f4","shape":[1000000000],"offset":0}]}', "past the end"),
    (b'{"arrays":[{"name":"x","dtype":"object","shape":[1],"offset":0}]}', "dtype"),
    (b'{"arrays":[{"name":"x","dtype":"<f4","shape":[-1],"offset":0}]}', "shape"),
    (b'{"arrays":[{"name":"x","dtype":"<f4","shape":[1],"offset":3}]}', "offset"),
    (b'{"no":"arrays"}', "array table"),
    (b'\xff\xfe', "JSON"),
])
def test_hostile_headers_are_refused_before_allocation(tmp_path, meta, reason):
    assert reason in _corrupt(tmp_path / "h.snlp", _reencode(meta))


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        modelfile.load(tmp_path / "absent.snlp")


def test_saved_file_has_the_usual_permissions(saved):
    import os
    umask = os.umask(0)
    os.umask(umask)
    assert saved.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("payload", [
    bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)),
    b"\x80\x04\x95" + b"\0" * 64,  # a pickle's opening bytes
    b"PK\x03\x04" + b"\0" * 64,  # a zip file
    b'{"task": "langid"}',
])
def test_random_and_other_format_files(tmp_path, payload):
    _corrupt(tmp_path / "other.snlp", payload)


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ModelFileError, match="cannot read"):
        modelfile.load(tmp_path)
