"""8-bit dense layers (language ID's ``[features] dense = "int8"``): the file
(format version 3), the arithmetic of docs/FORMAT.md, the C runtime giving
numpy's answers, the planner's byte costs, and taggers refusing them."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from smallnlp import ConfigError, LanguageIdentifier, ModelFileError, PosTagger, modelfile
from smallnlp.budget import dense_bytes, plan
from smallnlp.config import parse_config
from smallnlp.features import KindContext
from smallnlp.langid_records import LangidConfig
from smallnlp.network import int8_columns, int8_product

from .conftest import (
    REPO,
    TINY_CONFIG,
    TINY_POS_CONFIG,
    model_contents,
    rebuilt_payload,
    synthetic_corpus,
    train_tiny_langid,
)

INT8_CONFIG = {**TINY_CONFIG, "features": {**TINY_CONFIG["features"], "dense": "int8"}}


@pytest.fixture(scope="module")
def int8_model():
    return train_tiny_langid(INT8_CONFIG)


def test_the_file_is_version_3_with_int8_weights_and_loads_as_it_was(int8_model, tiny_model,
                                                                     tmp_path):
    int8_model.save(tmp_path / "int8.snlp")
    tiny_model.save(tmp_path / "float.snlp")
    contents = modelfile.load(tmp_path / "int8.snlp")
    assert contents.version == 3 and modelfile.load(tmp_path / "float.snlp").version == 2
    assert contents.metadata["dense"] == "int8" and "dense" not in tiny_model.metadata_
    assert contents.arrays["hidden_weights"].dtype == np.int8
    assert contents.arrays["hidden_scales"].shape == (int8_model.network_.hidden_size,)
    texts, _ = synthetic_corpus(20, seed=7)
    loaded = LanguageIdentifier.load(tmp_path / "int8.snlp", backend="numpy")
    expected = int8_model.predict_proba(texts)
    assert np.array_equal(loaded.predict_proba(texts), expected)
    assert np.array_equal(pickle.loads(pickle.dumps(loaded)).predict_proba(texts), expected)
    training = contents.metadata["training"]
    assert {"dev_accuracy_float32", "dev_accuracy_8bit"} <= set(training)


def test_the_c_runtime_gives_numpy_answers(int8_model, tmp_path):
    int8_model.save(tmp_path / "int8.snlp")
    try:
        c = LanguageIdentifier.load(tmp_path / "int8.snlp", backend="c")
    except ValueError as exc:
        pytest.skip(f"the C extension is not built: {exc}")
    numpy = LanguageIdentifier.load(tmp_path / "int8.snlp", backend="numpy")
    texts = synthetic_corpus(60, seed=9)[0] + ["", "123", "kakiko " * 3000, "ка sch ou"]
    assert np.allclose(c.predict_proba(texts), numpy.predict_proba(texts), atol=1e-6)
    assert [p.label for p in c.predict_batch(texts)] == [p.label for p in
                                                         numpy.predict_batch(texts)]


def test_the_arithmetic_is_the_one_docs_format_states():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(12, 5)).astype(np.float32)
    codes, scales = int8_columns(weights)
    assert codes.dtype == np.int8 and np.abs(codes).max() == 127
    assert np.allclose(codes * scales, weights, atol=scales.max() / 2 + 1e-7)
    inputs = rng.normal(size=(3, 12)).astype(np.float32)
    inputs[2] = 0  # no signal: the bias alone
    bias = rng.normal(size=5).astype(np.float32)
    out = int8_product(inputs, codes, scales, bias)
    input_scale = np.abs(inputs[0]).max() / np.float32(127)
    by_hand = (np.rint(inputs[0] / input_scale).astype(np.int64) @ codes.astype(np.int64)
               ).astype(np.float32) * input_scale * scales + bias
    assert np.array_equal(out[0], by_hand) and np.array_equal(out[2], bias)
    assert np.allclose(out[:2], inputs[:2] @ weights + bias, atol=0.1)
    # one row at a time (prediction's case), the same; a row so small that
    # its scale rounds to 0 in float32 gives the bias, as the C runtime does
    for i in range(len(inputs)):
        assert np.array_equal(int8_product(inputs[i:i + 1], codes, scales, bias)[0], out[i])
    tiny = np.full((1, 12), 1e-44, dtype=np.float32)
    assert np.array_equal(int8_product(tiny, codes, scales, bias)[0], bias)


def test_the_planner_counts_a_quarter_of_the_bytes():
    assert dense_bytes(96, 128, 75, dense_int8=True) < dense_bytes(96, 128, 75) / 3
    config = parse_config(INT8_CONFIG, LangidConfig, "langid")
    groups = config.features.groups
    small, small_int8 = (plan(30_000, groups, KindContext(4), dims=8, hidden=32,
                              dense_int8=flag) for flag in (False, True))
    rows = [sum(g.buckets for g in p.groups) for p in (small, small_int8)]
    assert rows[1] > rows[0]


def test_taggers_have_no_int8_dense_layers(tmp_path, tagger):
    config = copy.deepcopy(TINY_POS_CONFIG)
    config["features"]["dense"] = "int8"
    with pytest.raises(ConfigError, match="unknown key 'dense'"):
        PosTagger("80KB", config=config).read_config()
    metadata, arrays = model_contents(tagger, tmp_path)
    metadata["dense"] = "int8"
    path = tmp_path / "pos-int8.snlp"
    modelfile.save(path, metadata, arrays)
    with pytest.raises(ModelFileError, match="no 8-bit dense layers"):
        PosTagger.load(path)


def test_a_float_file_stays_readable_by_version_2_readers(tiny_model, tmp_path):
    """A file without 8-bit dense layers is written exactly as before: version
    2, no "dense" key (so runtimes that predate them read it)."""
    tiny_model.save(tmp_path / "float.snlp")
    payload = (tmp_path / "float.snlp").read_bytes()
    assert payload[8:12] == (2).to_bytes(4, "little") and b'"dense"' not in payload
    assert rebuilt_payload(payload, lambda meta: meta) == payload
    assert (REPO / "models" / "pos-en.snlp").read_bytes()[8:12] == (2).to_bytes(4, "little")


def test_weights_that_overflow_give_the_same_answers_in_both_backends(int8_model, tmp_path):
    metadata, arrays = model_contents(int8_model, tmp_path)
    arrays["hidden_scales"] = np.full_like(arrays["hidden_scales"], 3e38)  # finite, huge
    path = tmp_path / "overflow.snlp"
    modelfile.save(path, metadata, arrays)
    texts = synthetic_corpus(10, seed=3)[0]
    numpy = LanguageIdentifier.load(path, backend="numpy").predict_proba(texts)
    assert np.isfinite(numpy).all()  # the output layer falls back to its bias
    try:
        c = LanguageIdentifier.load(path, backend="c").predict_proba(texts)
    except ValueError:
        return  # the C extension is not built
    assert np.allclose(c, numpy, atol=1e-6)  # the same logits; each backend's own exp
