import numpy as np

from smallnlp.embeddings import (
    FloatEmbedding,
    QuantizedEmbedding,
    SharedBufferTables,
    pool_side_by_side,
)
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


def _in_one_buffer(stores: list[QuantizedEmbedding]) -> list[QuantizedEmbedding]:
    """The stores' arrays copied into one bytes buffer, one after another and
    8-byte aligned, as a loaded model file holds them."""
    arrays = [a for s in stores for a in (s.codes, s.offset, s.scale)]
    offsets, size = [], 0
    for array in arrays:
        offsets.append(size)
        size += -(-array.nbytes // 8) * 8
    buffer = bytearray(size)
    for array, offset in zip(arrays, offsets):
        buffer[offset:offset + array.nbytes] = array.tobytes()
    buffer = bytes(buffer)
    views = [np.frombuffer(buffer, dtype=a.dtype, count=a.size, offset=o).reshape(a.shape)
             for a, o in zip(arrays, offsets)]
    return [QuantizedEmbedding(*views[i:i + 3]) for i in range(0, len(views), 3)]


def test_tables_in_one_buffer_pool_as_each_table_does():
    # One text's pooling reads tables that share a buffer as one table (fewer
    # numpy calls); it must pool exactly as each table on its own, first and
    # last rows included
    rng = np.random.default_rng(3)
    stores = _in_one_buffer([FloatEmbedding.random(rows, 16, rng).quantize()
                             for rows in (50, 301, 7)])
    shared = SharedBufferTables.of(stores)
    assert shared is not None
    for sizes in ([3], [1], [0], [40]):
        groups = [_random_group(rng, s.shape[0], sizes) for s in stores]
        groups[1].ids[:2] = [0, stores[1].shape[0] - 1][:len(groups[1].ids)]
        expected = np.concatenate([s.pool(g) for s, g in zip(stores, groups)], axis=1)
        assert np.array_equal(shared.pool(groups), expected)
        assert np.array_equal(pool_side_by_side(stores, groups, shared), expected)


def test_tables_apart_are_not_read_as_one():
    rng = np.random.default_rng(4)
    apart = [FloatEmbedding.random(rows, 16, rng).quantize() for rows in (5, 6)]
    assert SharedBufferTables.of(apart) is None  # each its own arrays
    other_width = _in_one_buffer([apart[0], FloatEmbedding.random(6, 8, rng).quantize()])
    assert SharedBufferTables.of(other_width) is None
    assert SharedBufferTables.of([FloatEmbedding.random(5, 16, rng)]) is None


def test_a_loaded_model_reads_its_tables_as_one():
    import smallnlp

    lid = smallnlp.load("langid", backend="numpy")
    network, featurizer = lid.predictor_._network, lid.predictor_._featurizer
    assert network._shared_tables is not None  # a loaded file's tables share its buffer
    groups = featurizer.transform(["Ceci est une phrase en français."], merge_repeats=False)
    assert np.array_equal(network.pooled(groups), np.concatenate(
        [s.pool(g) for s, g in zip(network.embeddings, groups)], axis=1))
