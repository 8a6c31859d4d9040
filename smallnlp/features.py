"""Feature groups built from a declarative spec.

A model's features are data: a list of groups, each with a kind, a bucket
count, an embedding width and a hash seed. The featurizer turns a batch of texts
into one sparse matrix per group (CSR: ``indptr``, bucket ``ids``, ``weights``);
within a group a text's weights are relative frequencies, so the group's input
to the network is the frequency-weighted average of its embedding rows.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from .hashing import hash_spans
from .text import normalize, script_ids

WORD_START = "^"
WORD_END = "$"
_WORD_START_CP = ord(WORD_START)
_WORD_END_CP = ord(WORD_END)
# Texts are hashed in chunks of about this many characters to bound memory.
_CHUNK_CHARS = 1 << 20
# Groups this small (e.g. scripts) always have their repeats merged: cheap to
# count densely, and it leaves far fewer rows to pool.
SMALL_GROUP_BUCKETS = 256

# Text groups (language ID): char_ngram, word, script. Token groups (tagging):
# word (at a window offset), char_ngram (of the focus word), prefix, suffix,
# shape, prev_tag (the tag predicted ``-offset`` tokens back), next_tag (the tag
# a first decoding pass gave ``offset`` tokens ahead).
GROUP_KINDS = ("char_ngram", "word", "script", "prefix", "suffix", "shape", "prev_tag",
               "next_tag")
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
    offset: int = 0

    def __post_init__(self) -> None:
        if self.kind not in GROUP_KINDS:
            raise ValueError(f"feature group {self.name!r}: unknown kind {self.kind!r}; "
                             f"expected one of {', '.join(GROUP_KINDS)}")
        if self.kind in ("char_ngram", "prefix", "suffix") and not 1 <= self.order <= 8:
            raise ValueError(f"feature group {self.name!r}: order must be 1..8")
        if self.kind == "prev_tag" and self.offset >= 0:
            raise ValueError(f"feature group {self.name!r}: prev_tag needs a negative offset")
        if self.kind == "next_tag" and self.offset <= 0:
            raise ValueError(f"feature group {self.name!r}: next_tag needs a positive offset")
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
    one_per_row: bool = False  # exactly one id of weight 1 per row (see one_per_row())

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
    if n_rows * buckets <= 4 * len(key) + 4096:  # same result as np.unique, without a sort
        all_counts = np.bincount(key, minlength=n_rows * buckets)
        unique = all_counts.nonzero()[0]
        counts = all_counts[unique]
    else:
        unique, counts = np.unique(key, return_counts=True)
    unique_rows = unique // buckets
    totals = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique_rows, minlength=n_rows), out=indptr[1:])
    weights = (counts / totals[unique_rows]).astype(np.float32)
    return SparseGroup(indptr, unique % buckets, weights)


def occurrences(rows: np.ndarray, ids: np.ndarray, n_rows: int) -> SparseGroup:
    """Every (row, id) pair as its own entry of weight ``1 / row size``, for
    ``rows`` in ascending order. Pools to what ``aggregate`` pools to (up to
    float rounding) without its sort, which is what prediction wants."""
    if n_rows == 1:  # the common case of predicting one text, in fewer steps
        # (float32 division, as below, so that one text's weights are bit-equal)
        weight = np.float32(1) / np.float32(max(len(ids), 1))
        return SparseGroup(np.array([0, len(ids)]), ids.astype(np.int64),
                           np.full(len(ids), weight, dtype=np.float32))
    sizes = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    sizes.cumsum(out=indptr[1:])
    inverse = 1.0 / np.maximum(sizes, 1).astype(np.float32)
    return SparseGroup(indptr, ids.astype(np.int64), inverse[rows])


def _group(rows: np.ndarray, ids: np.ndarray, n_rows: int, buckets: int,
           merge_repeats: bool) -> SparseGroup:
    """Repeats are merged when asked, and always in small groups."""
    return aggregate(rows, ids, n_rows, buckets) \
        if merge_repeats or buckets <= SMALL_GROUP_BUCKETS else occurrences(rows, ids, n_rows)


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

    def transform(self, texts: Sequence[str], merge_repeats: bool = True
                  ) -> list[SparseGroup]:
        """One group per spec. ``merge_repeats`` sums a text's repeated features
        into one weighted entry (less work for training); prediction skips it."""
        framed = [self.framed(t) for t in texts]
        chunks: list[list[SparseGroup]] = []
        start = 0
        while start < len(framed) or not chunks:
            end, size = start, 0
            while end < len(framed) and (end == start or size + len(framed[end]) <= _CHUNK_CHARS):
                size += len(framed[end])
                end += 1
            chunks.append(self._transform_framed(framed[start:end], merge_repeats))
            start = end
        if len(chunks) == 1:
            return chunks[0]
        return [SparseGroup.concatenate([c[g] for c in chunks]) for g in range(len(self.groups))]

    def _transform_framed(self, framed: Sequence[str], merge_repeats: bool
                          ) -> list[SparseGroup]:
        batch = FramedBatch(framed)
        spans = {}
        for index, group in enumerate(self.groups):
            if group.kind == "word":
                spans[index] = batch.word_request(group.seed, group.buckets)
            elif group.kind == "char_ngram":
                starts = batch.ngram_starts(group.order)
                spans[index] = HashRequest(starts, starts + group.order, group.seed,
                                           group.buckets, 4 * group.order)
        ids = dict(zip(spans, batch.bucket_ids(list(spans.values()))))
        out = []
        for index, group in enumerate(self.groups):
            if group.kind == "script":
                rows, group_ids = batch.scripts()
            else:
                rows, group_ids = batch.row_of_char[spans[index].starts], ids[index]
            out.append(_group(rows, group_ids, len(framed), group.buckets, merge_repeats))
        return out


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
    """A batch of ``^word$``-framed strings as code points and UTF-8 bytes, with
    vectorised hashing of the spans that features are made of."""

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
        starts = np.concatenate([r.starts for r in requests])
        first = self.byte_offsets[starts]
        lengths = self.byte_offsets[np.concatenate([r.ends for r in requests])] - first
        seeds = np.empty(len(starts), dtype=np.uint32)
        for r, a, b in zip(requests, bounds, bounds[1:]):
            np.minimum(lengths[a:b], r.max_bytes, out=lengths[a:b])
            seeds[a:b] = r.seed
        hashes = hash_spans(self.stream, first, lengths, seeds)
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
        return self.row_of_char[self.is_letter], script_ids(self.cp[self.is_letter])


class TokenFeaturizer:
    """Sentences (token lists) -> one ``SparseGroup`` per static group, one row
    per token, tokens of all sentences in order.

    Word-level features use the lowercased token with digits mapped to ``0``;
    ``shape`` uses the token as written. Tag groups depend on decoding, and
    ``tag_ids`` builds them: ``next_tag`` groups (a first pass's tags) follow
    the static groups, and ``prev_tag`` groups come last.

    ``known_words`` (fitted by ``fit_known_words``) is a bitmap of the hashed
    words seen in training. With it, each word group keeps its last row for
    unknown words: hashing alone would give an unseen word the row of some
    seen word it collides with, whose tags say nothing about it.
    """

    SHAPE_BUCKETS = 4 * 3 * 3 * 4

    def __init__(self, groups: Sequence[GroupSpec], known_words: np.ndarray | None = None,
                 known_word_seed: int = 0):
        self.groups = list(groups)
        if known_words is not None and (known_words.dtype != np.uint8 or known_words.ndim != 1
                                        or not len(known_words)):
            raise ValueError("known_words must be a non-empty 1-d uint8 bitmap")
        self.known_words = known_words
        self.known_word_seed = known_word_seed
        kinds = [g.kind for g in self.groups]
        rank = [{"next_tag": 1, "prev_tag": 2}.get(k, 0) for k in kinds]
        if rank != sorted(rank):
            raise ValueError("next_tag groups must follow the other groups, and prev_tag "
                             "groups must come last")
        if any(k == "script" for k in kinds):
            raise ValueError("script groups are for texts, not tokens")
        self.static_groups = [g for g in self.groups if g.kind not in ("next_tag", "prev_tag")]
        self.next_tag_groups = [g for g in self.groups if g.kind == "next_tag"]
        self.tag_groups = [g for g in self.groups if g.kind == "prev_tag"]

    @staticmethod
    def framed(token: str) -> str:
        return WORD_START + token.lower().translate(_TOKEN_CHARS) + WORD_END

    def fit_known_words(self, tokens: Sequence[str], bits: int, seed: int) -> TokenFeaturizer:
        """Set the bitmap of ``bits`` bits marking the training words (as
        framed and hashed for the word groups, with ``seed``)."""
        if bits < 8 or bits % 8:
            raise ValueError(f"known_word_bits must be a positive multiple of 8, got {bits}")
        batch = FramedBatch([self.framed(t) for t in tokens])
        hashes, = batch.bucket_ids([batch.word_request(seed)])
        flags = np.zeros(bits, dtype=bool)
        flags[hashes % np.uint32(bits)] = True
        self.known_words = np.packbits(flags, bitorder="little")
        self.known_word_seed = seed
        return self

    def unknown_row(self, group: GroupSpec) -> int | None:
        """The row a word group gives words outside ``known_words`` (None: no such row)."""
        if group.kind != "word" or self.known_words is None:
            return None
        return group.buckets - 1

    def transform(self, sentences: Sequence[Sequence[str]], merge_repeats: bool = True
                  ) -> list[SparseGroup]:
        """One group per static spec, one row per token (``merge_repeats`` as
        in ``CharNgramFeaturizer.transform``)."""
        tokens = [t for sentence in sentences for t in sentence]
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        n = len(tokens)
        # Two extra rows: the padding words before and after a sentence.
        batch = FramedBatch([self.framed(t) for t in tokens] + [_PAD_BEFORE, _PAD_AFTER])
        # Groups that differ only in window offset or buckets share one hashing.
        requests: dict[tuple, HashRequest] = {}
        for group in self.static_groups:
            key = (group.kind, group.order, group.seed)
            if group.kind == "char_ngram":
                starts = batch.ngram_starts(group.order)
                starts = starts[batch.row_of_char[starts] < n]
                requests[key] = HashRequest(starts, starts + group.order, group.seed,
                                            None, 4 * group.order)
            elif group.kind == "word":
                requests[("word", 0, group.seed)] = batch.word_request(group.seed)
            elif group.kind in ("prefix", "suffix"):
                requests[key] = HashRequest(
                    *batch.affix_spans(group.order, group.kind == "suffix"),
                    group.seed, None, 4 * (group.order + 1))
        if self.known_words is not None:
            requests.setdefault(("word", 0, self.known_word_seed),
                                batch.word_request(self.known_word_seed))
        hashed = dict(zip(requests, batch.bucket_ids(list(requests.values()))))
        if self.known_words is not None:
            bit = hashed[("word", 0, self.known_word_seed)] % np.uint32(8 * len(self.known_words))
            known = (self.known_words[bit >> 3] >> (bit & 7).astype(np.uint8)) & 1 == 1
            known[n:] = True  # the padding words
        if any(group.kind == "shape" for group in self.static_groups):
            shapes = np.array([shape_id(t) for t in tokens]
                              + [shape_id(_PAD_BEFORE), shape_id(_PAD_AFTER)], dtype=np.int64)
        position, remaining = _positions(lengths)
        sources: dict[int, np.ndarray] = {}  # window offset -> row of ids to take
        out = []
        for group in self.static_groups:
            key = (group.kind, group.order, group.seed)
            if group.kind == "char_ngram":
                rows = batch.row_of_char[requests[key].starts]
                ids = hashed[key] % np.uint32(group.buckets)
                out.append(_group(rows, ids, n, group.buckets, merge_repeats))
                continue
            # ids of every token plus the two padding rows, then shifted by offset
            unknown = self.unknown_row(group)
            if group.kind == "shape":
                ids = shapes
            elif group.kind == "word":
                words = hashed[("word", 0, group.seed)]
                ids = (words % np.uint32(group.buckets) if unknown is None
                       else np.where(known, words % np.uint32(unknown), unknown))
            else:
                ids = hashed[key] % np.uint32(group.buckets)
            if group.offset not in sources:
                sources[group.offset] = np.where(
                    position + group.offset < 0, n,
                    np.where(group.offset > remaining, n + 1, np.arange(n) + group.offset))
            ids = ids.astype(np.int64).take(sources[group.offset])
            out.append(one_per_row(ids))
        return out

    @staticmethod
    def tag_ids(specs: Sequence[GroupSpec], tags: np.ndarray, lengths: np.ndarray,
                hidden: np.ndarray | None = None) -> list[np.ndarray]:
        """For each tag group, per token, the id of the tag ``offset`` tokens
        away: 0 outside the sentence, tag index + 1 inside, and the group's last
        id ("not known yet", as in a first decoding pass) for tokens flagged in
        ``hidden``. Tokens are laid out as in ``transform``."""
        position, remaining = _positions(lengths)
        n = len(tags)
        out = []
        for spec in specs:
            outside = position + spec.offset < 0 if spec.offset < 0 else spec.offset > remaining
            source = np.clip(np.arange(n) + spec.offset, 0, max(n - 1, 0))
            ids = np.where(outside, 0, tags[source] + 1 if n else tags)
            if hidden is not None:
                ids = np.where(hidden & ~outside, spec.buckets - 1, ids)
            out.append(ids)
        return out


# ASCII digits -> 0; the frame markers inside a token -> control characters.
_TOKEN_CHARS = str.maketrans("123456789" + WORD_START + WORD_END, "000000000\x01\x02")
_PAD_BEFORE = WORD_START + "\x03" + WORD_END
_PAD_AFTER = WORD_START + "\x04" + WORD_END


def _positions(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each token's index in its sentence, and how many tokens follow it."""
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(int(lengths.sum())) - starts
    return position, np.repeat(lengths, lengths) - position - 1


def one_per_row(ids: np.ndarray) -> SparseGroup:
    """A group with exactly one feature (weight 1) per row."""
    return SparseGroup(np.arange(len(ids) + 1, dtype=np.int64), ids.astype(np.int64),
                       np.ones(len(ids), dtype=np.float32), one_per_row=True)


@functools.lru_cache(maxsize=1 << 16)  # tokens repeat (Zipf); the cache is bounded
def shape_id(token: str) -> int:
    """Capitalisation x digits x punctuation x length, as one of 144 ids."""
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
