"""Feature hashing: MurmurHash3 (x86, 32-bit) of UTF-8 n-grams, modulo buckets.

``bucket_id`` is the reference definition (the ``mmh3`` package);
``hash_spans`` computes the same hash for many byte spans of one buffer at once
with numpy, which is what featurisation uses. Tests keep the two in agreement.
"""

from __future__ import annotations

import numpy as np

_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


# numpy hashes all spans a 4-byte block at a time, so each round (about ten
# numpy calls, some 10 µs) serves every span still that long. Words reach 16
# rounds (64 bytes), most n-grams one or two. Where fewer than
# _SPANS_PER_ROUND spans per round saved are longer than _VECTOR_ROUNDS
# blocks (one text's words), mmh3 hashes those one by one instead, at about a
# third of a µs each (chosen by timing the featurizer on dev lines, one a
# call and in batches). It is imported only then, so that the C backend's
# predictions import numpy alone.
_VECTOR_ROUNDS = 1
_SPANS_PER_ROUND = 32


def bucket_id(ngram: str, seed: int, buckets: int) -> int:
    """Reference: the bucket of one n-gram (imports ``mmh3`` only when used)."""
    import mmh3

    return mmh3.hash(ngram, seed, signed=False) % buckets


# In-place steps: a numpy call on one text's few hundred spans costs about as
# much as the arithmetic, so each step below makes no temporary it can avoid.
_SHIFTS = {r: (np.uint32(r), np.uint32(32 - r)) for r in (13, 15)}
_TWO, _THREE, _THIRTEEN, _SIXTEEN = (np.uint32(n) for n in (2, 3, 13, 16))
_FIVE, _N = np.uint32(5), np.uint32(0xE6546B64)
_FMIX1, _FMIX2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


def _rotate_left(x: np.ndarray, r: int) -> np.ndarray:
    """``x`` rotated left by ``r`` bits, in place."""
    left, right = _SHIFTS[r]
    low = x >> right
    x <<= left
    x |= low
    return x


def _scramble(block: np.ndarray) -> np.ndarray:
    """MurmurHash3's k1 steps on key blocks, in place."""
    block *= _C1
    _rotate_left(block, 15)
    block *= _C2
    return block


def hash_spans(stream: bytes, starts: np.ndarray, lengths: np.ndarray,
               seeds: int | np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32 of each span ``stream[start:start + length]``.

    ``seeds`` is one seed or one per span. Keys are read in place as
    little-endian 32-bit words at byte offsets (an unaligned strided view), so
    no span is ever copied; only spans long enough for block ``k`` take part in
    round ``k``. A few long spans are hashed by mmh3 instead (``_VECTOR_ROUNDS``).
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.uint32)
    padded = bytes(stream) + b"\0\0\0\0"
    words = np.ndarray((len(padded) - 3,), dtype="<u4", buffer=padded, strides=(1,))
    h = np.empty(len(starts), dtype=np.uint32)
    h[:] = seeds
    n_blocks = lengths >> _TWO
    rounds = int(n_blocks.max()) if len(n_blocks) else 0
    long = None
    if rounds > _VECTOR_ROUNDS:
        long = np.flatnonzero(n_blocks > _VECTOR_ROUNDS)
        if len(long) < _SPANS_PER_ROUND * (rounds - _VECTOR_ROUNDS):
            rounds = _VECTOR_ROUNDS  # the long spans' h is replaced below
            long_seeds = h[long].tolist()
        else:
            long = None
    for k in range(rounds):
        active = np.flatnonzero(n_blocks > k)
        mixed = h[active]
        mixed ^= _scramble(words.take(starts[active] + 4 * k))
        _rotate_left(mixed, 13)
        mixed *= _FIVE
        mixed += _N
        h[active] = mixed
    # Tail: the last length % 4 bytes; masked to zero (and a no-op) when there are none.
    tail = words.take(starts + (n_blocks << _TWO))
    tail &= _TAIL_MASKS.take(lengths & _THREE)
    h ^= _scramble(tail)
    h ^= lengths
    h ^= h >> _SIXTEEN
    h *= _FMIX1
    h ^= h >> _THIRTEEN
    h *= _FMIX2
    h ^= h >> _SIXTEEN
    if long is not None:
        import mmh3

        h[long] = [mmh3.hash(padded[a:a + n], s, signed=False) for a, n, s in
                   zip(starts[long].tolist(), lengths[long].tolist(), long_seeds)]
    return h
