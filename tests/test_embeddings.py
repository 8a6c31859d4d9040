import numpy as np

from smallnlp.embeddings import FloatEmbedding, QuantizedEmbedding
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
