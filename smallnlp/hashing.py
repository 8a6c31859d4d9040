"""Feature hashing: MurmurHash3 (x86, 32-bit) of UTF-8 n-grams, modulo buckets.

``bucket_id`` is the reference definition (the ``mmh3`` package);
``murmur3_32`` computes the same hash for many byte strings at once with numpy,
which is what featurisation uses. Tests keep the two in agreement.
"""

from __future__ import annotations

import numpy as np

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


def bucket_id(ngram: str, seed: int, buckets: int) -> int:
    """Reference: the bucket of one n-gram (imports ``mmh3`` only when used, so
    prediction needs numpy alone)."""
    import mmh3

    return mmh3.hash(ngram, seed, signed=False) % buckets


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmur3_32(data: np.ndarray, lengths: np.ndarray, seed: int) -> np.ndarray:
    """MurmurHash3_x86_32 of each row of ``data``.

    ``data`` is a C-contiguous ``(m, width)`` uint8 matrix, ``width`` a multiple
    of 4, with each row's first ``lengths[i]`` bytes holding the key and the
    rest zero.
    """
    m, width = data.shape
    blocks = data.view("<u4")
    lengths = lengths.astype(np.uint32)
    n_blocks = lengths >> np.uint32(2)
    h = np.full(m, seed & 0xFFFFFFFF, dtype=np.uint32)
    for k in range(width // 4):
        k1 = _rotl(blocks[:, k] * _C1, 15) * _C2
        mixed = _rotl(h ^ k1, 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(k < n_blocks, mixed, h)
    remainder = lengths & np.uint32(3)
    tail_block = np.minimum(n_blocks, width // 4 - 1).astype(np.intp)
    tail = blocks[np.arange(m), tail_block] & _TAIL_MASKS[remainder]
    k1 = _rotl(tail * _C1, 15) * _C2
    h = np.where(remainder > 0, h ^ k1, h)
    h ^= lengths
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def hash_spans(stream: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
               seed: int, max_length: int) -> np.ndarray:
    """Hash the byte spans ``stream[start:start+length]`` (all ``<= max_length``)."""
    width = -(-max_length // 4) * 4
    columns = np.arange(width)
    index = starts[:, None] + columns[None, :]
    np.minimum(index, len(stream) - 1, out=index)
    data = stream[index]
    data[columns[None, :] >= lengths[:, None]] = 0
    return murmur3_32(np.ascontiguousarray(data), lengths, seed)
