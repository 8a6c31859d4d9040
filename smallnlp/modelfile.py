"""The model file: a versioned, self-describing binary container (no pickle).

Layout (all integers little-endian)::

    magic      8 bytes   b"SMALLNLP"
    version    uint32    FORMAT_VERSION, or 2 for a file without 8-bit dense
                         layers (which runtimes that predate them read);
                         version 1 files are still read
    meta_len   uint32    length of the JSON metadata
    metadata   meta_len bytes of UTF-8 JSON; its "arrays" entry lists every
               array's name, dtype, shape and offset into the data section
    padding    zero bytes up to a multiple of 8
    data       the arrays, each starting on an 8-byte boundary
    crc32      uint32    zlib.crc32 of every byte before it

Loading reads the file once and returns zero-copy numpy views of the data;
every declared shape and offset is checked against the file size, and the
arrays against each other (no overlaps), before any view exists. What the
metadata and the arrays must be is ``fileformat.py``'s business, not this module's.
Version 2 changed only the metadata (see ``fileformat.upgrade_v1``); the layout
is the same. Version 3 adds the int8 dtype, for 8-bit dense layers; a file
without them is still written as version 2.
"""

from __future__ import annotations

import json
import os
import re
import struct
import zlib
from typing import NamedTuple

import numpy as np

from .errors import ModelFileError
from .files import write_atomic

MAGIC = b"SMALLNLP"
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
_PREFIX = struct.Struct("<8sII")
_CRC = struct.Struct("<I")
_ALIGN = 8
ALLOWED_DTYPES = ("<u1", "<i1", "<f2", "<f4", "<i4", "<i8")
MAX_DIMS = 4


class Contents(NamedTuple):
    """A model file's parts: its metadata, its arrays (read-only views of
    ``payload``, the file's bytes) and the format version it was written in."""

    metadata: dict
    arrays: dict[str, np.ndarray]
    version: int
    payload: bytes


def _pad(n: int) -> int:
    return -n % _ALIGN


def encode(metadata: dict, arrays: dict[str, np.ndarray], version: int = FORMAT_VERSION
           ) -> bytes:
    """The bytes of a model file of format ``version`` holding ``metadata``
    and ``arrays``."""
    layout, chunks, offset = [], [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        dtype = array.dtype.newbyteorder("<").str.replace("|", "<")
        if dtype not in ALLOWED_DTYPES:
            raise ValueError(f"array {name!r}: dtype {array.dtype} cannot be stored")
        data = array.astype(dtype, copy=False).tobytes()
        layout.append({"name": name, "dtype": dtype,
                       "shape": list(array.shape), "offset": offset})
        chunks += [data, b"\0" * _pad(len(data))]
        offset += len(data) + _pad(len(data))
    meta = metadata_json({**metadata, "arrays": layout})
    head = _PREFIX.pack(MAGIC, version, len(meta)) + meta
    body = head + b"\0" * _pad(len(head)) + b"".join(chunks)
    return body + _CRC.pack(zlib.crc32(body))


def metadata_json(metadata: dict) -> bytes:
    """The metadata section's bytes (``metadata`` with its "arrays" table)."""
    return json.dumps(metadata, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def save(path: str | os.PathLike, metadata: dict, arrays: dict[str, np.ndarray]) -> int:
    """Atomically write a model file; returns its size in bytes."""
    payload = encode(metadata, arrays)
    write_atomic(path, payload)
    return len(payload)


def decode(payload: bytes, source: str = "<bytes>") -> Contents:
    """Validate and parse model-file bytes into metadata and read-only arrays."""
    def fail(reason: str) -> ModelFileError:
        return ModelFileError(f"{source}: not a valid smallnlp model file: {reason}")

    if len(payload) < _PREFIX.size + _CRC.size:
        raise fail(f"file is too short ({len(payload)} bytes)")
    magic, version, meta_len = _PREFIX.unpack_from(payload)
    if magic != MAGIC:
        raise fail(f"bad magic bytes {magic!r} (expected {MAGIC!r})")
    if version not in READABLE_VERSIONS:
        raise fail(f"format version {version} is not supported (this smallnlp reads "
                   f"versions {', '.join(map(str, READABLE_VERSIONS))})")
    body_end = len(payload) - _CRC.size
    (stored_crc,) = _CRC.unpack_from(payload, body_end)
    if zlib.crc32(memoryview(payload)[:body_end]) != stored_crc:
        raise fail("checksum mismatch (truncated or corrupted)")
    meta_end = _PREFIX.size + meta_len
    if meta_end > body_end:
        raise fail("metadata length exceeds the file size")
    try:
        metadata = json.loads(payload[_PREFIX.size:meta_end].decode("utf-8"),
                              object_pairs_hook=_object_without_repeats,
                              parse_constant=_no_constant)
    except ValueError as exc:  # bad UTF-8 or JSON, a repeated key, an integer too long
        raise fail(f"metadata is not valid JSON ({exc})") from None
    except RecursionError:
        raise fail("metadata is nested too deeply") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("arrays"), list):
        raise fail("metadata has no array table")
    odd = _odd_string(metadata)
    if odd is not None:
        raise fail(f"the string {odd!r} holds a NUL or a lone surrogate")
    data_start = meta_end + _pad(meta_end)
    data_size = body_end - data_start
    arrays, spans = {}, []
    for entry in metadata.pop("arrays"):
        name = _entry_name(entry, fail)
        if name in arrays:
            raise fail(f"array {name!r} is listed twice")
        arrays[name] = _view(payload, entry, data_start, data_size, fail)
        spans.append((entry["offset"], entry["offset"] + arrays[name].nbytes, name))
    spans.sort()
    for (_, end, name), (start, _, other) in zip(spans, spans[1:]):
        if start < end:
            raise fail(f"arrays {name!r} and {other!r} overlap")
    return Contents(metadata, arrays, version, payload)


def _object_without_repeats(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object, refused if it repeats a key: readers that kept the
    first or the last of two would read one file as two models."""
    found = dict(pairs)
    if len(found) != len(pairs):
        repeated = next(key for key, _ in pairs if [k for k, _ in pairs].count(key) > 1)
        raise ValueError(f"the key {repeated!r} appears twice in one object")
    return found


_ODD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _odd_string(value: object) -> str | None:
    """The first string (key or value) holding a NUL or a lone surrogate:
    JSON can escape them, C strings and UTF-8 cannot hold them."""
    if isinstance(value, str):
        return value if _ODD_CHARACTER.search(value) else None
    children = (list(value) + list(value.values()) if isinstance(value, dict)
                else value if isinstance(value, list) else ())
    return next((odd for child in children if (odd := _odd_string(child)) is not None), None)


def _no_constant(name: str) -> float:
    """NaN and Infinity are not JSON (Python's parser takes them; C's does not)."""
    raise ValueError(f"{name} is not a JSON number")


def _entry_name(entry: object, fail) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise fail("malformed array table entry")
    return entry["name"]


def _view(payload: bytes, entry: dict, data_start: int, data_size: int, fail) -> np.ndarray:
    name, dtype, shape, offset = (entry.get(k) for k in ("name", "dtype", "shape", "offset"))
    if dtype not in ALLOWED_DTYPES:
        raise fail(f"array {name!r} has unsupported dtype {dtype!r}")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(isinstance(d, int) and 0 <= d < 2**40 for d in shape)):
        raise fail(f"array {name!r} has an invalid shape {shape!r}")
    if not isinstance(offset, int) or offset < 0 or offset % _ALIGN:
        raise fail(f"array {name!r} has an invalid offset {offset!r}")
    count = int(np.prod(shape, dtype=object)) if shape else 1
    nbytes = count * np.dtype(dtype).itemsize
    if offset + nbytes > data_size:
        raise fail(f"array {name!r} of shape {shape} runs past the end of the file")
    array = np.frombuffer(payload, dtype=dtype, count=count, offset=data_start + offset)
    return array.reshape(shape)


def load(path: str | os.PathLike) -> Contents:
    """Read and validate a model file in one pass."""
    try:
        with open(path, "rb") as handle:
            payload = handle.read()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read model file: {exc.strerror or exc}") from None
    return decode(payload, str(path))
