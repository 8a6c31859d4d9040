"""One feature group's values for a batch: a sparse matrix of bucket ids and weights.

Within a group a row's weights are relative frequencies, so the group's input
to the network is the frequency-weighted average of its embedding rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Groups this small (e.g. scripts) always have their repeats merged: cheap to
# count densely, and it leaves far fewer rows to pool.
SMALL_GROUP_BUCKETS = 256


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
        weights = np.empty(len(ids), dtype=np.float32)  # (np.full: twice the time)
        weights.fill(np.float32(1) / np.float32(max(len(ids), 1)))
        return SparseGroup(np.array([0, len(ids)]), ids.astype(np.int64), weights)
    sizes = np.bincount(rows, minlength=n_rows)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    sizes.cumsum(out=indptr[1:])
    inverse = 1.0 / np.maximum(sizes, 1).astype(np.float32)
    return SparseGroup(indptr, ids.astype(np.int64), inverse[rows])


def pooled_group(rows: np.ndarray, ids: np.ndarray, n_rows: int, buckets: int,
                 merge_repeats: bool) -> SparseGroup:
    """A group whose rows average several features: repeats are merged when
    asked, and always in small groups."""
    return aggregate(rows, ids, n_rows, buckets) \
        if merge_repeats or buckets <= SMALL_GROUP_BUCKETS else occurrences(rows, ids, n_rows)


def has_features(groups: Sequence[SparseGroup]) -> np.ndarray:
    """Rows with at least one feature in some group (i.e. text with letters)."""
    total = groups[0].indptr.copy()
    for group in groups[1:]:
        total += group.indptr
    return total[1:] > total[:-1]


def one_per_row(ids: np.ndarray) -> SparseGroup:
    """A group with exactly one feature (weight 1) per row."""
    return SparseGroup(np.arange(len(ids) + 1, dtype=np.int64), ids.astype(np.int64),
                       np.ones(len(ids), dtype=np.float32), one_per_row=True)
