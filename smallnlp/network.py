"""The network: pooled group embeddings -> concat -> hidden ReLU -> softmax.

Forward and backward passes are plain numpy. Parameters live in one dict so
the optimiser (``train.py``) and the model file treat them uniformly; the
embedding tables are float during training and 8-bit once quantized.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .embeddings import (
    EmbeddingStore,
    FloatEmbedding,
    QuantizedEmbedding,
    SharedBufferTables,
    pool_side_by_side,
)
from .features import SparseGroup

# The dense layers' parameters (attributes of FeedForwardNetwork), in order.
DENSE_PARAMETERS = ("hidden_weights", "hidden_bias", "output_weights", "output_bias")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted


class RowGradient(NamedTuple):
    """The gradient of some rows of a table (the others' is zero)."""

    rows: np.ndarray  # distinct row ids, ascending
    values: np.ndarray  # (len(rows), dims) float32


@dataclass
class ForwardCache:
    groups: Sequence[SparseGroup]
    inputs: np.ndarray
    hidden: np.ndarray
    keep: np.ndarray | None = None  # inverted-dropout mask applied to the inputs


class FeedForwardNetwork:
    """Embedding stores plus one hidden layer and a softmax output layer."""

    def __init__(self, embeddings: Sequence[EmbeddingStore], hidden_weights: np.ndarray,
                 hidden_bias: np.ndarray, output_weights: np.ndarray, output_bias: np.ndarray,
                 dense_scales: tuple[np.ndarray, np.ndarray] | None = None):
        self.embeddings = list(embeddings)
        self.hidden_weights = hidden_weights
        self.hidden_bias = hidden_bias
        self.output_weights = output_weights
        self.output_bias = output_bias
        # With 8-bit dense layers (dense_int8): one float32 scale per hidden
        # unit and per label, and the weights are int8 codes.
        self.dense_scales = dense_scales
        input_dims = sum(e.shape[1] for e in self.embeddings)
        hidden = hidden_weights.shape[1]
        if (hidden_weights.shape != (input_dims, hidden) or hidden_bias.shape != (hidden,)
                or output_weights.shape[0] != hidden
                or output_bias.shape != (output_weights.shape[1],)):
            raise ValueError("layer shapes do not chain: embeddings "
                             f"{[e.shape for e in self.embeddings]}, hidden "
                             f"{hidden_weights.shape}/{hidden_bias.shape}, output "
                             f"{output_weights.shape}/{output_bias.shape}")

    @classmethod
    def initialise(cls, table_shapes: Sequence[tuple[int, int]], hidden: int, n_labels: int,
                   rng: np.random.Generator) -> FeedForwardNetwork:
        embeddings = [FloatEmbedding.random(rows, dims, rng) for rows, dims in table_shapes]
        input_dims = sum(dims for _, dims in table_shapes)
        return cls(
            embeddings,
            (rng.normal(0, np.sqrt(2.0 / input_dims), (input_dims, hidden))).astype(np.float32),
            np.zeros(hidden, dtype=np.float32),
            *output_layer(hidden, n_labels, rng),
        )

    @property
    def n_labels(self) -> int:
        return self.output_bias.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.hidden_bias.shape[0]

    def pooled(self, groups: Sequence[SparseGroup]) -> np.ndarray:
        """Concatenated pooled embeddings of ``groups``, which feed the first
        ``len(groups)`` tables (a tagger pools just its static groups)."""
        return pool_side_by_side(self.embeddings[:len(groups)], groups, self._shared_tables)

    @functools.cached_property
    def _shared_tables(self) -> SharedBufferTables | None:
        """The 8-bit tables read as one, when a loaded file holds them all."""
        return SharedBufferTables.of(self.embeddings)

    @property
    def dense_int8(self) -> bool:
        """Whether the dense layers are 8-bit (docs/FORMAT.md, "8-bit dense layers")."""
        return self.dense_scales is not None

    def head(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hidden activations and logits for concatenated inputs."""
        if self.dense_int8:
            with np.errstate(invalid="ignore", over="ignore"):  # a hostile file's overflows
                hidden = int8_product(inputs, self.hidden_weights, self.dense_scales[0],
                                      self.hidden_bias)
                np.maximum(hidden, 0, out=hidden)
                return hidden, int8_product(hidden, self.output_weights, self.dense_scales[1],
                                            self.output_bias)
        hidden = inputs @ self.hidden_weights
        hidden += self.hidden_bias
        return hidden, self.output(hidden)

    def output(self, pre_activation: np.ndarray) -> np.ndarray:
        """Logits from the hidden layer's pre-activations, which the ReLU
        overwrites in place (a tagger sums them from parts before calling)."""
        np.maximum(pre_activation, 0, out=pre_activation)
        logits = pre_activation @ self.output_weights
        logits += self.output_bias
        return logits

    def forward(self, groups: Sequence[SparseGroup], dropout: float = 0.0,
                rng: np.random.Generator | None = None) -> tuple[np.ndarray, ForwardCache]:
        """Logits for a batch, and what ``backward`` needs. With ``dropout``
        (training only), that fraction of the input units is zeroed."""
        if len(groups) != len(self.embeddings):
            raise ValueError(f"expected {len(self.embeddings)} feature groups, got {len(groups)}")
        inputs = self.pooled(groups)
        keep = None
        if dropout:
            keep = (rng.random(inputs.shape, dtype=np.float32) >= dropout) / np.float32(
                1 - dropout)
            inputs *= keep
        hidden, logits = self.head(inputs)
        return logits, ForwardCache(groups, inputs, hidden, keep)

    def logits(self, groups: Sequence[SparseGroup]) -> np.ndarray:
        return self.forward(groups)[0]

    def exact_logits(self, groups: Sequence[SparseGroup]) -> np.ndarray:
        """Logits with the dense layers in float64, for prediction: BLAS rounds
        one row and many rows differently (other kernels), and in float32 that
        is enough for a text's probabilities to depend on its batch. 8-bit
        dense layers are exact in any batch: integer products, then float32."""
        pooled = self.pooled(groups)
        return self.head(pooled if self.dense_int8 else pooled.astype(np.float64))[1]

    def backward(self, cache: ForwardCache, d_logits: np.ndarray, row_gradients: bool = False,
                 d_hidden_more: np.ndarray | None = None) -> dict[str, np.ndarray | RowGradient]:
        """Gradients of every parameter given dLoss/dlogits (float tables only);
        with ``row_gradients``, each table's as a ``RowGradient`` of the rows
        the batch touched. ``d_hidden_more``: dLoss/d(hidden activations) from
        another layer that reads them (an auxiliary output layer)."""
        grads = {
            "output_weights": cache.hidden.T @ d_logits,
            "output_bias": d_logits.sum(axis=0),
        }
        d_hidden = d_logits @ self.output_weights.T
        if d_hidden_more is not None:
            d_hidden += d_hidden_more
        d_hidden *= cache.hidden > 0
        grads["hidden_weights"] = cache.inputs.T @ d_hidden
        grads["hidden_bias"] = d_hidden.sum(axis=0)
        d_inputs = d_hidden @ self.hidden_weights.T
        if cache.keep is not None:
            d_inputs *= cache.keep
        column = 0
        for index, (store, group) in enumerate(zip(self.embeddings, cache.groups)):
            dims = store.shape[1]
            d_pooled = np.ascontiguousarray(d_inputs[:, column:column + dims])
            column += dims
            rows = np.repeat(np.arange(group.n_rows), group.row_sizes())
            if row_gradients:
                grads[f"embedding_{index}"] = _row_sums(group, rows, d_pooled, store.shape[0])
                continue
            d_table = np.zeros(store.shape, dtype=np.float32)
            np.add.at(d_table, group.ids, d_pooled[rows] * group.weights[:, None])
            grads[f"embedding_{index}"] = d_table
        return grads

    def parameters(self) -> dict[str, np.ndarray]:
        """Trainable arrays by name (embedding tables must be float)."""
        params = {name: getattr(self, name) for name in DENSE_PARAMETERS}
        for index, store in enumerate(self.embeddings):
            if not isinstance(store, FloatEmbedding):
                raise TypeError("only float embedding tables are trainable")
            params[f"embedding_{index}"] = store.table
        return params

    def quantized(self, dense_int8: bool = False) -> FeedForwardNetwork:
        """A copy whose embedding tables are 8-bit, and with ``dense_int8`` its
        dense weights too (int8, one scale per output unit)."""
        stores = [e.quantize() if isinstance(e, FloatEmbedding) else e for e in self.embeddings]
        dense = [getattr(self, name) for name in DENSE_PARAMETERS]
        scales = self.dense_scales
        if dense_int8 and scales is None:
            (dense[0], hidden), (dense[2], output) = (int8_columns(dense[0]),
                                                      int8_columns(dense[2]))
            scales = (hidden, output)
        return FeedForwardNetwork(stores, *dense, dense_scales=scales)

    def is_quantized(self) -> bool:
        return all(isinstance(e, QuantizedEmbedding) for e in self.embeddings)


def output_layer(hidden: int, n_labels: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """An output layer's first weights (scaled to its ``hidden`` inputs) and
    bias, in float32."""
    return (rng.normal(0, np.sqrt(1.0 / hidden), (hidden, n_labels)).astype(np.float32),
            np.zeros(n_labels, dtype=np.float32))


def int8_columns(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 weights (inputs x outputs) as int8 codes and one float32 scale
    per output (column): its largest magnitude becomes 127."""
    scales = (np.abs(weights).max(axis=0) / np.float32(127)).astype(np.float32)
    scales[scales == 0] = 1
    codes = np.clip(np.rint(weights / scales), -127, 127).astype(np.int8)
    return codes, scales


def int8_product(inputs: np.ndarray, codes: np.ndarray, scales: np.ndarray,
                 bias: np.ndarray) -> np.ndarray:
    """One 8-bit dense layer, exactly as docs/FORMAT.md states it (and the C
    runtime computes it): each input row as int8 codes with one scale (its
    largest magnitude / 127, in float32), an exact integer product, then
    ``((sum * input scale) * weight scale) + bias`` in float32. A hostile
    file's scales may overflow to inf, with numpy's warning unless the caller
    silences it (``head`` does). One text's time here is numpy calls, a µs or
    two each, so one text takes the fewest. The codes are made floats for
    each call, not kept: a loaded model holds no more than its budget."""
    inputs = np.asarray(inputs, dtype=np.float32)
    float_codes = _float_codes(codes)
    usable = None  # every row has a scale
    if len(inputs) == 1:  # one text: its scale as a float32 scalar, no reductions over rows
        row_scales = np.abs(inputs).max(initial=np.float32(0)) / np.float32(127)
        usual = 0 < row_scales < np.inf
    else:
        row_scales = np.abs(inputs).max(axis=1, initial=0, keepdims=True) / np.float32(127)
        usual = len(inputs) > 0 and 0 < row_scales.min() and row_scales.max() < np.inf
    if usual:
        sums = np.rint(inputs / row_scales) @ float_codes
    else:
        with np.errstate(invalid="ignore", over="ignore"):
            row_scales = (np.nanmax(np.abs(inputs), axis=1, initial=0, keepdims=True)
                          / np.float32(127)).astype(np.float32)
            usable = ((row_scales > 0) & np.isfinite(row_scales))[:, 0]
            values = inputs / np.where(usable[:, None], row_scales, np.float32(1))
            input_codes = np.rint(np.where(np.isnan(values), 0, values))
            input_codes[~usable] = 0
            sums = input_codes @ float_codes
    sums = sums.astype(np.float32, copy=False)  # as C rounds its int32 sums
    sums *= row_scales
    sums *= scales
    sums += bias
    if usable is not None:
        sums[~usable] = bias
    return sums


def _float_codes(codes: np.ndarray) -> np.ndarray:
    """int8 weight codes as floats in which a product with input codes (integers
    of at most 127 in magnitude) is exact, for BLAS (numpy's integer matmul has
    none): every partial sum is an integer of at most rows * 127 * 128, summed
    exactly in any order while that stays below 2**24 in float32 (below 1,032
    rows), and below 2**53 in float64."""
    return codes.astype(np.float32 if codes.shape[0] * 127 * 128 < 2 ** 24 else np.float64)


def _row_sums(group: SparseGroup, rows: np.ndarray, d_pooled: np.ndarray,
              n_rows: int) -> RowGradient:
    """The gradient of a table of ``n_rows`` rows that ``group`` pooled into
    ``d_pooled`` (``rows``: each entry's text), summed by row id: a sort and a
    segmented sum, not a scatter. Ids sort as 16-bit keys where they fit:
    numpy sorts those by radix, several times faster, in the same order."""
    ids = group.ids
    if len(ids) == 0:
        return RowGradient(ids, np.zeros((0, d_pooled.shape[1]), dtype=np.float32))
    order = np.argsort(ids.astype(np.uint16) if n_rows <= 1 << 16 else ids, kind="stable")
    sorted_ids = ids[order]
    values = d_pooled[rows[order]]
    values *= group.weights[order][:, None]
    starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
    return RowGradient(sorted_ids[starts], np.add.reduceat(values, starts, axis=0))
