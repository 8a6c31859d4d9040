"""Embedding stores: float32 for training, 8-bit for shipping, one interface.

An 8-bit row holds ``dims`` uint8 codes plus a float16 ``offset`` and ``scale``
(``value = offset + code * scale``); rows are decoded only when a computation
touches them, so a loaded model never holds a float32 copy of its tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from .features import SparseGroup

QUANT_LEVELS = 255
# Bytes per row beyond the codes: float16 offset + float16 scale.
QUANT_ROW_OVERHEAD = 4


class EmbeddingStore(ABC):
    """A ``(num_rows, dims)`` table that can be gathered and pooled."""

    @property
    @abstractmethod
    def shape(self) -> tuple[int, int]: ...

    @property
    @abstractmethod
    def nbytes(self) -> int: ...

    @abstractmethod
    def rows(self, ids: np.ndarray) -> np.ndarray:
        """float32 rows for ``ids`` (decoded if stored quantized)."""

    def pool(self, group: SparseGroup) -> np.ndarray:
        """Weighted sum of rows per text: ``(n_texts, dims)`` float32."""
        out = np.zeros((group.n_rows, self.shape[1]), dtype=np.float32)
        if len(group.ids) == 0:
            return out
        weighted = self.rows(group.ids) * group.weights[:, None]
        starts = group.indptr[:-1]
        nonempty = starts < group.indptr[1:]
        out[nonempty] = np.add.reduceat(weighted, starts[nonempty], axis=0)
        return out


class FloatEmbedding(EmbeddingStore):
    def __init__(self, table: np.ndarray):
        self.table = np.asarray(table, dtype=np.float32)

    @classmethod
    def random(cls, num_rows: int, dims: int, rng: np.random.Generator,
               scale: float = 1.0) -> FloatEmbedding:
        return cls(rng.normal(0.0, scale, size=(num_rows, dims)).astype(np.float32))

    @property
    def shape(self) -> tuple[int, int]:
        return self.table.shape

    @property
    def nbytes(self) -> int:
        return self.table.nbytes

    def rows(self, ids: np.ndarray) -> np.ndarray:
        return self.table.take(ids, axis=0)

    def quantize(self) -> QuantizedEmbedding:
        return QuantizedEmbedding.from_float(self.table)


class QuantizedEmbedding(EmbeddingStore):
    def __init__(self, codes: np.ndarray, offset: np.ndarray, scale: np.ndarray):
        if codes.dtype != np.uint8 or codes.ndim != 2:
            raise ValueError("codes must be a 2-D uint8 array")
        if offset.shape != (codes.shape[0],) or scale.shape != (codes.shape[0],):
            raise ValueError("offset and scale need one float16 value per row")
        self.codes = codes
        self.offset = offset.astype(np.float16, copy=False)
        self.scale = scale.astype(np.float16, copy=False)

    @classmethod
    def from_float(cls, table: np.ndarray) -> QuantizedEmbedding:
        """Per-row min/max quantization to 256 levels."""
        table = np.asarray(table, dtype=np.float32)
        low = table.min(axis=1).astype(np.float16)
        high = table.max(axis=1)
        # Round the float16 scale up so the row's maximum stays in range.
        scale = ((high - low.astype(np.float32)) / QUANT_LEVELS).astype(np.float16)
        scale = np.where(scale.astype(np.float32) * QUANT_LEVELS + low.astype(np.float32) < high,
                         np.nextafter(scale, np.float16(np.inf)), scale).astype(np.float16)
        safe_scale = np.where(scale > 0, scale.astype(np.float32), 1.0)
        codes = np.rint((table - low.astype(np.float32)[:, None]) / safe_scale[:, None])
        codes = np.clip(codes, 0, QUANT_LEVELS).astype(np.uint8)
        return cls(codes, low, scale)

    @property
    def shape(self) -> tuple[int, int]:
        return self.codes.shape

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.offset.nbytes + self.scale.nbytes

    def pool(self, group: SparseGroup) -> np.ndarray:
        if group.one_per_row:  # e.g. a tagger's word at one window offset
            return self.rows(group.ids)
        return pool_side_by_side([self], [group])

    def rows(self, ids: np.ndarray) -> np.ndarray:
        decoded = self.codes.take(ids, axis=0).astype(np.float32)
        decoded *= self.scale[ids].astype(np.float32)[:, None]
        decoded += self.offset[ids].astype(np.float32)[:, None]
        return decoded


def pool_side_by_side(stores: Sequence[EmbeddingStore], groups: Sequence[SparseGroup],
                      shared: SharedBufferTables | None = None) -> np.ndarray:
    """Each store's ``pool`` of its group, side by side: ``(n_texts, sum of
    dims)``. 8-bit stores of one width (language ID's) are pooled in one pass
    over all their features, with the same sums as ``pool`` (so the same
    result), in a fraction of the numpy calls, which are most of one text's
    time; for one text, ``shared`` (the same stores, read as one) saves a few
    calls more (a batch's time is in its gathers, where it saves nothing)."""
    dims = stores[0].shape[1]
    if all(isinstance(s, QuantizedEmbedding) and s.shape[1] == dims and not g.one_per_row
           for s, g in zip(stores, groups)):
        if shared is not None and shared.n_tables == len(groups) and groups[0].n_rows == 1:
            return shared.pool(groups)
        ids = [g.ids for g in groups]
        return _pool_8bit(np.concatenate([s.codes.take(i, axis=0) for s, i in zip(stores, ids)]),
                          np.concatenate([s.scale.take(i) for s, i in zip(stores, ids)]),
                          np.concatenate([s.offset.take(i) for s, i in zip(stores, ids)]),
                          groups)
    return np.concatenate([s.pool(g) for s, g in zip(stores, groups)], axis=1)


class SharedBufferTables:
    """8-bit tables of one width whose arrays lie in one buffer (as a loaded
    file's do), read as one table: one gather per array for all groups'
    features instead of one per table. Holds views only, no copy."""

    def __init__(self, codes: np.ndarray, scale: np.ndarray, offset: np.ndarray,
                 firsts: np.ndarray):
        self.codes, self.scale, self.offset = codes, scale, offset
        self.firsts = firsts  # (3, tables): each table's first row in codes, scale, offset
        self.n_tables = firsts.shape[1]

    @classmethod
    def of(cls, stores: Sequence[EmbeddingStore]) -> SharedBufferTables | None:
        """The stores read as one, or None when they are not all 8-bit tables
        of one width in one buffer."""
        if not stores or not all(isinstance(s, QuantizedEmbedding) for s in stores):
            return None
        dims = stores[0].shape[1]
        if any(s.shape[1] != dims for s in stores):
            return None
        views, firsts = [], []
        for arrays, width in (([s.codes for s in stores], dims),
                              ([s.scale for s in stores], 1), ([s.offset for s in stores], 1)):
            spanned = _spanning_view(arrays, width)
            if spanned is None:
                return None
            views.append(spanned[0])
            firsts.append(spanned[1])
        return cls(views[0], views[1][:, 0], views[2][:, 0], np.array(firsts))

    def pool(self, groups: Sequence[SparseGroup]) -> np.ndarray:
        """``pool_side_by_side`` of one group per table."""
        ids = np.concatenate([g.ids for g in groups])
        rows = ids + np.repeat(self.firsts, [len(g.ids) for g in groups], axis=1)
        return _pool_8bit(self.codes.take(rows[0], axis=0), self.scale.take(rows[1]),
                          self.offset.take(rows[2]), groups)


def _spanning_view(arrays: Sequence[np.ndarray], width: int
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """One ``(rows, width)`` view of the buffer that holds all ``arrays``
    (C-contiguous, one dtype), and each array's first row in it; None when
    they do not share a buffer or do not start on its rows."""
    buffer = _buffer_of(arrays[0])
    dtype = arrays[0].dtype
    if buffer is None or any(_buffer_of(a) is not buffer or a.dtype != dtype
                             or not a.flags.c_contiguous for a in arrays):
        return None
    try:
        start = np.frombuffer(buffer, dtype=np.uint8).__array_interface__["data"][0]
    except (TypeError, ValueError):  # not a buffer numpy can view
        return None
    addresses = [a.__array_interface__["data"][0] - start for a in arrays]
    low = min(addresses)
    row_bytes = width * dtype.itemsize
    if any((address - low) % row_bytes for address in addresses):
        return None
    rows = max(a + arr.nbytes for a, arr in zip(addresses, arrays)) - low
    view = np.frombuffer(buffer, dtype=dtype, count=rows // dtype.itemsize, offset=low)
    return view.reshape(-1, width), np.array([(a - low) // row_bytes for a in addresses])


def _buffer_of(array: np.ndarray) -> object | None:
    """The non-numpy object whose memory ``array`` views (None: its own)."""
    base = array.base
    while isinstance(base, np.ndarray):
        base = base.base
    return base


def _pool_8bit(codes: np.ndarray, scales: np.ndarray, offsets: np.ndarray,
               groups: Sequence[SparseGroup]) -> np.ndarray:
    """Decode and pool in one pass the rows gathered for ``groups``' features
    (laid one group after another), each group's side by side:
    ``sum(w * (offset + scale * codes))`` is ``sum(w * offset) + sum((w *
    scale) * codes)``. Each (group, text) is a segment summed in feature
    order; a text without features in a group gets zeros there."""
    weights = np.concatenate([g.weights for g in groups])
    firsts = np.cumsum([0] + [len(g.ids) for g in groups[:-1]])
    starts = np.concatenate([g.indptr[:-1] + first for g, first in zip(groups, firsts)])
    # Laid out one dimension per row, so that each sum below runs over
    # contiguous memory (about a third faster than summing rows of width 16).
    weighted = np.empty((codes.shape[1], len(weights)), dtype=np.float32)
    np.multiply(codes.T, scales * weights, out=weighted)
    shifts = offsets * weights
    # Sums go through reduceat, never a BLAS product, even for one text: the
    # same order of additions whatever the batch, so the same result.
    nonempty = starts < np.concatenate([starts[1:], [len(weights)]])
    if nonempty.all():  # the usual case, without masked copies
        sums = np.add.reduceat(weighted, starts, axis=1)
        sums += np.add.reduceat(shifts, starts)
    else:
        sums = np.zeros((codes.shape[1], len(starts)), dtype=np.float32)
        if len(weights):
            sums[:, nonempty] = np.add.reduceat(weighted, starts[nonempty], axis=1)
            sums[:, nonempty] += np.add.reduceat(shifts, starts[nonempty])
    # (dims, groups x texts) -> (texts, groups x dims)
    dims, n_texts = codes.shape[1], groups[0].n_rows
    return sums.reshape(dims, len(groups), n_texts).transpose(2, 1, 0).reshape(
        n_texts, len(groups) * dims)
