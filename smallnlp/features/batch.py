"""A batch of text as the feature kinds see it: ``^word$``-framed code points
and UTF-8 bytes, with vectorised hashing of the spans features are made of.

``FramedBatch`` serves both tasks; ``TokenBatch`` adds what tagging needs on
top (sentence positions, the padding words, word shapes, the known-word mask).
The rules written here (framing, token normalisation, padding words, shapes)
are part of the model file's meaning: ``docs/FORMAT.md`` states them, and
``FEATURIZER_VERSION`` changes whenever one of them does.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..hashing import hash_spans
from ..text import NORMALIZATION_VERSIONS, hangul_jamo, normalize_token, script_ids

# Bumped whenever a change here (or in text.py) would give a saved model other
# ids. Files made by an older version keep its rules: each featurizer takes one.
FEATURIZER_VERSION = 2
READABLE_FEATURIZER_VERSIONS = NORMALIZATION_VERSIONS

WORD_START = "^"
WORD_END = "$"
_WORD_START_CP = ord(WORD_START)
_WORD_END_CP = ord(WORD_END)
# Words are hashed by at most this many UTF-8 bytes of "^word$" (bounds work).
WORD_HASH_BYTES = 64
# ASCII digits -> 0; the frame markers inside a token -> control characters.
_TOKEN_CHARS = str.maketrans("123456789" + WORD_START + WORD_END, "000000000\x01\x02")
# The words before the first and after the last token of a sentence.
PAD_BEFORE = WORD_START + "\x03" + WORD_END
PAD_AFTER = WORD_START + "\x04" + WORD_END


class HashRequest(NamedTuple):
    """Character spans ``[starts, ends)`` of a batch to hash into ``buckets``
    (``None``: the raw 32-bit hash) with ``seed``, reading at most
    ``max_bytes`` UTF-8 bytes of each."""

    starts: np.ndarray
    ends: np.ndarray
    seed: int
    buckets: int | None
    max_bytes: int


class FramedBatch:
    """A batch of ``^word$``-framed strings as code points and UTF-8 bytes."""

    def __init__(self, framed: Sequence[str]):
        whole = "".join(framed)
        # Lone surrogates (possible in a tagger's tokens) are kept as code points.
        self.cp = cp = np.frombuffer(whole.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        self.row_of_char = (np.zeros(len(cp), dtype=np.int64) if len(framed) == 1 else
                            np.repeat(np.arange(len(framed)), [len(s) for s in framed]))
        self.stream = whole.encode("utf-8", "surrogatepass")
        if len(self.stream) == len(cp):  # ASCII: one byte per character
            self.byte_offsets = np.arange(len(cp) + 1)
        else:
            utf8_lengths = 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)
            self.byte_offsets = np.zeros(len(cp) + 1, dtype=np.int64)
            utf8_lengths.cumsum(out=self.byte_offsets[1:])
        is_start = cp == _WORD_START_CP
        self.word_starts = is_start.nonzero()[0]
        self.word_ends = (cp == _WORD_END_CP).nonzero()[0] + 1
        self.is_letter = ~is_start & (cp != _WORD_END_CP)
        self._is_start = is_start
        self._to_word_end: np.ndarray | None = None  # characters left in each one's word

    def ngram_starts(self, order: int) -> np.ndarray:
        """Start of every n-gram inside a frame; order 1 skips the markers."""
        if order == 1:
            return self.is_letter.nonzero()[0]
        if self._to_word_end is None:
            word_index = self._is_start.cumsum() - 1
            self._to_word_end = self.word_ends[word_index] - np.arange(len(self.cp))
        return (self._to_word_end >= order).nonzero()[0]

    def word_request(self, seed: int, buckets: int | None = None) -> HashRequest:
        """Every whole framed word (its first ``WORD_HASH_BYTES`` bytes)."""
        return HashRequest(self.word_starts, self.word_ends, seed, buckets, WORD_HASH_BYTES)

    def bucket_ids(self, requests: Sequence[HashRequest]) -> list[np.ndarray]:
        """Bucket ids for each request, all hashed in one vectorised pass."""
        if not requests:
            return []
        counts = [len(r.starts) for r in requests]
        bounds = [0, *itertools.accumulate(counts)]
        first = self.byte_offsets[np.concatenate([r.starts for r in requests])]
        lengths = self.byte_offsets[np.concatenate([r.ends for r in requests])] - first
        # Each span's byte limit and seed, in one repeat.
        limits, seeds = np.repeat(np.array([(r.max_bytes, r.seed) for r in requests],
                                           dtype=np.uint32), counts, axis=0).T
        np.minimum(lengths, limits, out=lengths)
        hashes = hash_spans(self.stream, first, lengths, seeds)
        # A modulo by one number (numpy divides by a scalar without a division
        # per element), not by a repeated array: several times as fast.
        return [hashes[a:b] if r.buckets is None else hashes[a:b] % np.uint32(r.buckets)
                for r, a, b in zip(requests, bounds, bounds[1:])]

    def affix_spans(self, length: int, suffix: bool) -> tuple[np.ndarray, np.ndarray]:
        """Per word, the span of its first (or last) ``length`` letters with their
        frame marker; shorter words give the whole framed word."""
        starts, ends = self.word_starts, self.word_ends
        if suffix:
            return np.maximum(starts, ends - length - 1), ends
        return starts, np.minimum(ends, starts + length + 1)

    def scripts(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and script id of every letter."""
        return self.row_of_char[self.is_letter], script_ids(self.cp[self.is_letter])


def frame_token(token: str, version: int = FEATURIZER_VERSION, lowercase: bool = True,
                jamo: bool = False) -> str:
    """A tagger's token as hashed: ``text.normalize_token``, ASCII digits as
    ``0``, with ``jamo`` its Hangul syllables as their jamo (``text.hangul_jamo``),
    framed."""
    form = normalize_token(token, version, lowercase).translate(_TOKEN_CHARS)
    return WORD_START + (hangul_jamo(form) if jamo else form) + WORD_END


class TokenBatch:
    """The tokens of a batch of sentences, one after another, followed by the
    two padding words (rows ``n`` and ``n + 1`` of ``framed``)."""

    def __init__(self, sentences: Sequence[Sequence[str]], version: int = FEATURIZER_VERSION,
                 jamo: bool = False):
        self.tokens = [t for sentence in sentences for t in sentence]
        self.n = len(self.tokens)
        self.lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        self.framed = FramedBatch([frame_token(t, version, jamo=jamo) for t in self.tokens]
                                  + [PAD_BEFORE, PAD_AFTER])
        self.position, self.remaining = positions(self.lengths)
        # Set by the featurizer: which words (and padding words) are known,
        # with a word lexicon each token's (cluster ids, case-ratio ids), and
        # with a tag dictionary each word's mask of tags (padding words: 0).
        self.known: np.ndarray | None = None
        self.lexicon_ids: tuple[np.ndarray, np.ndarray] | None = None
        self.tag_masks: np.ndarray | None = None
        self._sources: dict[int, np.ndarray] = {}  # window offset -> row of ids to take

    @functools.cached_property
    def shapes(self) -> np.ndarray:
        """``shape_id`` of every token and of the two padding words."""
        return np.array([shape_id(t) for t in self.tokens]
                        + [shape_id(PAD_BEFORE), shape_id(PAD_AFTER)], dtype=np.int64)

    def window(self, ids: np.ndarray, offset: int) -> np.ndarray:
        """Per token, the id of the token ``offset`` away; ``ids`` has one entry
        per token and padding word, and the padding words stand beyond the
        sentence on either side."""
        if offset not in self._sources:
            n = self.n
            self._sources[offset] = np.where(
                self.position + offset < 0, n,
                np.where(offset > self.remaining, n + 1, np.arange(n) + offset))
        return ids.astype(np.int64).take(self._sources[offset])


def positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each token's index in its sentence, and how many tokens follow it."""
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(int(lengths.sum())) - starts
    return position, np.repeat(lengths, lengths) - position - 1


SHAPE_IDS = 4 * 3 * 3 * 4


@functools.lru_cache(maxsize=1 << 16)  # tokens repeat (Zipf); the cache is bounded
def shape_id(token: str) -> int:
    """Capitalisation x digits x punctuation x length, as one of ``SHAPE_IDS``."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        case = 3
    elif all(c.isupper() for c in letters):
        case = 2 if len(letters) > 1 else 1
    elif letters[0].isupper():
        case = 1
    else:
        case = 0
    digits = sum(c.isdigit() for c in token)
    punct = sum(not c.isalnum() for c in token)
    n = len(token)
    digit_class = 0 if not digits else (2 if digits == n else 1)
    punct_class = 0 if not punct else (2 if punct == n else 1)
    length_class = 0 if n <= 1 else 1 if n <= 3 else 2 if n <= 6 else 3
    return ((case * 3 + digit_class) * 3 + punct_class) * 4 + length_class
