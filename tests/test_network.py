import numpy as np

from smallnlp.features import SparseGroup
from smallnlp.network import FeedForwardNetwork, RowGradient, softmax
from smallnlp.train import Adam


def _loss(network, groups, labels):
    probs = softmax(network.logits(groups).astype(np.float64))
    return -np.log(probs[np.arange(len(labels)), labels]).mean()


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    network = FeedForwardNetwork.initialise([(7, 3), (5, 2)], hidden=6, n_labels=4, rng=rng)
    groups = [SparseGroup(np.array([0, 2, 5, 6]), np.array([1, 3, 0, 4, 6, 2]),
                          np.array([0.5, 0.5, 0.2, 0.3, 0.5, 1.0], dtype=np.float32)),
              SparseGroup(np.array([0, 1, 1, 3]), np.array([4, 0, 1]),
                          np.array([1.0, 0.4, 0.6], dtype=np.float32))]
    labels = np.array([0, 3, 1])
    logits, cache = network.forward(groups)
    d_logits = softmax(logits)
    d_logits[np.arange(3), labels] -= 1
    grads = network.backward(cache, d_logits / 3)
    eps = 1e-2
    for name, param in network.parameters().items():
        flat = param.reshape(-1)
        for index in rng.choice(flat.size, size=min(flat.size, 6), replace=False):
            original = flat[index]
            flat[index] = original + eps
            up = _loss(network, groups, labels)
            flat[index] = original - eps
            down = _loss(network, groups, labels)
            flat[index] = original
            numeric = (up - down) / (2 * eps)
            analytic = grads[name].reshape(-1)[index]
            assert abs(numeric - analytic) < 2e-3 + 2e-2 * abs(numeric), (name, index)


def test_row_gradients_are_the_touched_rows_of_the_dense_ones():
    rng = np.random.default_rng(1)
    network = FeedForwardNetwork.initialise([(50, 4), (9, 2)], hidden=5, n_labels=3, rng=rng)
    ids = rng.integers(0, 20, size=40)  # repeats within and across rows; rows 20-49 untouched
    groups = [SparseGroup(np.arange(0, 41, 5), ids, rng.random(40, dtype=np.float32)),
              SparseGroup(np.array([0, 0, 1, 1, 2, 2, 3, 3, 4]), np.array([8, 8, 2, 8]),
                          np.ones(4, dtype=np.float32))]
    logits, cache = network.forward(groups)
    d_logits = softmax(logits) / 8
    dense, sparse = network.backward(cache, d_logits), network.backward(cache, d_logits, True)
    for index, group in enumerate(groups):
        rows = sparse[f"embedding_{index}"]
        assert isinstance(rows, RowGradient)
        np.testing.assert_array_equal(rows.rows, np.unique(group.ids))
        np.testing.assert_allclose(rows.values, dense[f"embedding_{index}"][rows.rows],
                                   rtol=1e-5, atol=1e-7)
        untouched = np.setdiff1d(np.arange(network.embeddings[index].shape[0]), rows.rows)
        assert not dense[f"embedding_{index}"][untouched].any()
    assert np.array_equal(sparse["hidden_weights"], dense["hidden_weights"])


def test_lazy_adam_moves_only_the_rows_it_is_given():
    table = np.ones((6, 2), dtype=np.float32)
    adam = Adam({"table": table}, decayed=())
    adam.step({"table": RowGradient(np.array([1, 4]), np.full((2, 2), 0.5, np.float32))},
              lr=0.1, weight_decay=0.0)
    moved = np.flatnonzero((table != 1).any(axis=1))
    assert moved.tolist() == [1, 4]
    np.testing.assert_allclose(table[[1, 4]], 0.9, rtol=1e-5)  # Adam's first step: lr


def test_quantized_copy_predicts_like_float():
    rng = np.random.default_rng(3)
    network = FeedForwardNetwork.initialise([(50, 8)], hidden=16, n_labels=3, rng=rng)
    group = [SparseGroup(np.array([0, 3]), np.array([1, 2, 3]),
                         np.full(3, 1 / 3, dtype=np.float32))]
    quant = network.quantized()
    assert quant.is_quantized() and not network.is_quantized()
    np.testing.assert_allclose(quant.logits(group), network.logits(group), atol=0.05)
