import numpy as np

from smallnlp.embeddings import FloatEmbedding, QuantizedEmbedding, pool_side_by_side
from smallnlp.features import SparseGroup


def test_quantization_round_trip_error_is_within_half_a_step():
    rng = np.random.default_rng(0)
    table = rng.normal(0, 2.0, size=(500, 16)).astype(np.float32)
    table[3] = 0.7  # a constant row has zero range
    quant = QuantizedEmbedding.from_float(table)
    decoded = quant.rows(np.arange(500))
    step = quant.scale.astype(np.float32)[:, None]
    # Half a quantization step, plus float16 rounding of the offset.
    bound = 0.5 * step + np.abs(table).max(axis=1, keepdims=True) * 2.0**-10
    assert np.all(np.abs(decoded - table) <= bound + 1e-7)
    assert np.abs(decoded[3] - 0.7).max() < 1e-3


def test_stores_share_pooling():
    rng = np.random.default_rng(1)
    store = FloatEmbedding.random(10, 4, rng)
    group = SparseGroup(np.array([0, 2, 2, 3]), np.array([1, 5, 9]),
                        np.array([0.25, 0.75, 1.0], dtype=np.float32))
    pooled = store.pool(group)
    np.testing.assert_allclose(pooled[0], 0.25 * store.table[1] + 0.75 * store.table[5],
                               rtol=1e-6)
    assert not pooled[1].any()
    np.testing.assert_allclose(pooled[2], store.table[9])
    quant = store.quantize()
    np.testing.assert_allclose(quant.pool(group), pooled, atol=0.05)
    assert quant.nbytes == 10 * 4 + 10 * 4


def _random_group(rng, rows: int, sizes: list[int]) -> SparseGroup:
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return SparseGroup(indptr, rng.integers(0, rows, size=indptr[-1]),
                       rng.random(indptr[-1]).astype(np.float32))


def test_side_by_side_pooling_is_each_stores_pooling_bit_for_bit():
    # 8-bit stores of one width are pooled in one pass; the result must be
    # the concatenation of their own pools exactly, or predictions would
    # depend on which path ran
    rng = np.random.default_rng(2)
    stores = [FloatEmbedding.random(rows, 16, rng).quantize() for rows in (50, 300, 7)]
    for sizes in ([3, 1, 9], [1], [0, 4, 2], [5, 0]):  # with empty rows: pooled one by one
        groups = [_random_group(rng, s.shape[0], sizes) for s in stores]
        expected = np.concatenate([s.pool(g) for s, g in zip(stores, groups)], axis=1)
        together = pool_side_by_side(stores, groups)
        assert together.dtype == np.float32 and together.shape == expected.shape
        assert np.array_equal(together, expected)
    mixed = [stores[0], FloatEmbedding.random(20, 8, rng)]  # not all 8-bit of one width
    groups = [_random_group(rng, s.shape[0], [2, 3]) for s in mixed]
    assert np.array_equal(pool_side_by_side(mixed, groups),
                          np.concatenate([s.pool(g) for s, g in zip(mixed, groups)], axis=1))
