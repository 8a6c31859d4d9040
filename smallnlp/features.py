"""Feature groups built from a declarative spec.

A model's features are data: a list of groups, each with a kind, a bucket
count, an embedding width and a hash seed. The featurizer turns a batch of texts
into one sparse matrix per group (CSR: ``indptr``, bucket ``ids``, ``weights``);
within a group a text's weights are relative frequencies, so the group's input
to the network is the frequency-weighted average of its embedding rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .hashing import hash_spans
from .text import SCRIPTS, normalize, script_ids

WORD_START = "^"
WORD_END = "$"
_WORD_START_CP = ord(WORD_START)
_WORD_END_CP = ord(WORD_END)
# Texts are hashed in chunks of about this many characters to bound memory.
_CHUNK_CHARS = 1 << 20

GROUP_KINDS = ("char_ngram", "word", "script")
# Words are hashed by at most this many UTF-8 bytes of "^word$" (bounds work).
WORD_HASH_BYTES = 64


@dataclass(frozen=True)
class GroupSpec:
    """One feature group: which features, how many buckets, how wide a row."""

    name: str
    kind: str
    buckets: int
    dims: int
    order: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in GROUP_KINDS:
            raise ValueError(f"feature group {self.name!r}: unknown kind {self.kind!r}; "
                             f"expected one of {', '.join(GROUP_KINDS)}")
        if self.kind == "char_ngram" and not 1 <= self.order <= 8:
            raise ValueError(f"feature group {self.name!r}: order must be 1..8")
        if self.buckets < 1 or self.dims < 1:
            raise ValueError(f"feature group {self.name!r}: buckets and dims must be >= 1")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SparseGroup:
    """One group's features for a batch of texts, in CSR layout."""

    indptr: np.ndarray  # (n_texts + 1,) int64
    ids: np.ndarray  # (nnz,) int64 bucket ids
    weights: np.ndarray  # (nnz,) float32, summing to 1 per non-empty text

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def row_sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    def take(self, rows: np.ndarray) -> SparseGroup:
        """The sub-matrix of the given rows (in that order)."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        sizes = ends - starts
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        positions = np.repeat(starts - indptr[:-1], sizes) + np.arange(indptr[-1])
        return SparseGroup(indptr, self.ids[positions], self.weights[positions])

    @staticmethod
    def concatenate(parts: Sequence[SparseGroup]) -> SparseGroup:
        indptr = [np.zeros(1, dtype=np.int64)]
        offset = 0
        for part in parts:
            indptr.append(part.indptr[1:] + offset)
            offset += part.indptr[-1]
        return SparseGroup(np.concatenate(indptr),
                           np.concatenate([p.ids for p in parts]),
                           np.concatenate([p.weights for p in parts]))


def aggregate(rows: np.ndarray, ids: np.ndarray, n_rows: int, buckets: int) -> SparseGroup:
    """Count repeated (row, id) pairs into relative-frequency weights."""
    key = rows.astype(np.int64) * buckets + ids.astype(np.int64)
    unique, counts = np.unique(key, return_counts=True)
    unique_rows = unique // buckets
    totals = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique_rows, minlength=n_rows), out=indptr[1:])
    weights = (counts / totals[unique_rows]).astype(np.float32)
    return SparseGroup(indptr, unique % buckets, weights)


class CharNgramFeaturizer:
    """Texts -> one ``SparseGroup`` per group of ``groups``.

    Each word is framed as ``^word$`` and n-grams never cross words; order-1
    groups skip the frame markers. A ``word`` group hashes whole framed words
    (their first ``WORD_HASH_BYTES`` UTF-8 bytes).
    """

    def __init__(self, groups: Sequence[GroupSpec], max_chars: int = 20_000):
        self.groups = list(groups)
        self.max_chars = max_chars

    def framed(self, text: str) -> str:
        words = normalize(text, max_chars=self.max_chars)
        if not words:
            return ""
        return WORD_START + (WORD_END + WORD_START).join(words) + WORD_END

    def transform(self, texts: Sequence[str]) -> list[SparseGroup]:
        framed = [self.framed(t) for t in texts]
        chunks: list[list[SparseGroup]] = []
        start = 0
        while start < len(framed) or not chunks:
            end, size = start, 0
            while end < len(framed) and (end == start or size + len(framed[end]) <= _CHUNK_CHARS):
                size += len(framed[end])
                end += 1
            chunks.append(self._transform_framed(framed[start:end]))
            start = end
        return [SparseGroup.concatenate([c[g] for c in chunks]) for g in range(len(self.groups))]

    def _transform_framed(self, framed: Sequence[str]) -> list[SparseGroup]:
        n_texts = len(framed)
        whole = "".join(framed)
        cp = np.frombuffer(whole.encode("utf-32-le"), dtype="<u4")
        text_of_char = np.repeat(np.arange(n_texts), [len(s) for s in framed])
        stream = np.frombuffer(whole.encode("utf-8"), dtype=np.uint8)
        utf8_lengths = (1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000))
        byte_offsets = np.zeros(len(cp) + 1, dtype=np.int64)
        np.cumsum(utf8_lengths, out=byte_offsets[1:])
        word_of_char = np.cumsum(cp == _WORD_START_CP)
        is_letter = (cp != _WORD_START_CP) & (cp != _WORD_END_CP)

        out = []
        for group in self.groups:
            if group.kind == "script":
                ids = script_ids(cp[is_letter])
                rows = text_of_char[is_letter]
            elif group.kind == "word":
                starts = np.flatnonzero(cp == _WORD_START_CP)
                ends = np.flatnonzero(cp == _WORD_END_CP) + 1
                rows = text_of_char[starts]
                lengths = np.minimum(byte_offsets[ends] - byte_offsets[starts], WORD_HASH_BYTES)
                ids = (hash_spans(stream, byte_offsets[starts], lengths, group.seed,
                                  WORD_HASH_BYTES) % np.uint32(group.buckets)
                       if len(starts) else np.zeros(0, dtype=np.uint32))
            else:
                n = group.order
                starts = np.arange(max(len(cp) - n + 1, 0))
                valid = word_of_char[starts] == word_of_char[starts + n - 1]
                if n == 1:
                    valid &= is_letter
                starts = starts[valid]
                rows = text_of_char[starts]
                if len(starts):
                    hashes = hash_spans(stream, byte_offsets[starts],
                                        byte_offsets[starts + n] - byte_offsets[starts],
                                        group.seed, 4 * n)
                    ids = hashes % np.uint32(group.buckets)
                else:
                    ids = np.zeros(0, dtype=np.uint32)
            out.append(aggregate(rows, ids, n_texts, group.buckets))
        return out


def script_group(dims: int, name: str = "script") -> GroupSpec:
    """A group whose features are the Unicode scripts of the text's letters."""
    return GroupSpec(name=name, kind="script", buckets=len(SCRIPTS), dims=dims)
