import mmh3
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from smallnlp.embeddings import FloatEmbedding
from smallnlp.features import GroupSpec, TextFeaturizer
from smallnlp.hashing import bucket_id, hash_spans


def test_pinned_bucket_ids():
    # Literal values: a change here silently invalidates every trained model.
    assert mmh3.hash("abc", 1, signed=False) == 2859854335
    assert bucket_id("abc", 1, 1000) == 335
    assert [bucket_id(g, 1, 1000) for g in ["a", "^d", "das$", "日本", "ा"]] == [
        528, 420, 747, 695, 508]
    assert bucket_id("^th", 3, 5000) == 3518
    assert bucket_id("^das$", 0, 5000) == 705


def _vector_hash(keys: list[bytes], seeds) -> np.ndarray:
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return hash_spans(b"".join(keys), starts, lengths, seeds)


# Up to 80 bytes (words are hashed by up to 64): some calls hash their long
# spans one by one, others in numpy rounds, as their count decides.
@given(st.lists(st.binary(min_size=0, max_size=80), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_vectorised_murmur_matches_mmh3_on_bytes(keys, seed):
    expected = [mmh3.hash(k, seed, signed=False) for k in keys]
    assert _vector_hash(keys, seed).tolist() == expected


@given(st.lists(st.tuples(st.binary(min_size=0, max_size=23),
                          st.integers(min_value=0, max_value=2**32 - 1)),
                min_size=1, max_size=40))
@settings(max_examples=100, deadline=None)
def test_vectorised_murmur_takes_a_seed_per_span(pairs):
    keys, seeds = [k for k, _ in pairs], np.array([s for _, s in pairs], dtype=np.uint32)
    expected = [mmh3.hash(k, int(s), signed=False) for k, s in pairs]
    assert _vector_hash(keys, seeds).tolist() == expected


def test_few_and_many_long_spans_hash_alike():
    rng = np.random.default_rng(0)
    long = [rng.bytes(int(n)) for n in rng.integers(17, 65, size=400)]
    short = [rng.bytes(int(n)) for n in rng.integers(0, 17, size=400)]
    seeds = rng.integers(0, 2**32, size=800, dtype=np.uint32)
    # a few long spans (mmh3 one by one), then hundreds (numpy rounds)
    for keys, key_seeds in ((short[:50] + long[:2], seeds[:52]), (long + short, seeds)):
        expected = [mmh3.hash(k, int(s), signed=False) for k, s in zip(keys, key_seeds)]
        assert _vector_hash(keys, key_seeds).tolist() == expected


def test_murmur_of_empty_spans():
    assert _vector_hash([b"", b""], 7).tolist() == [mmh3.hash(b"", 7, signed=False)] * 2
    assert hash_spans(b"", np.zeros(0), np.zeros(0), 7).tolist() == []


@given(st.text(min_size=0, max_size=60))
@settings(max_examples=200, deadline=None)
def test_featurizer_ids_match_reference_on_random_unicode(text):
    groups = [GroupSpec(f"c{n}", "char_ngram", 997, 8, order=n, seed=n) for n in (1, 2, 3, 4)]
    featurizer = TextFeaturizer(groups)
    framed = featurizer.framed(text)
    words = [w + "$" for w in framed.split("$") if w]
    for spec, sparse in zip(groups, featurizer.transform([text])):
        expected = set()
        for word in words:
            for i in range(len(word) - spec.order + 1):
                gram = word[i:i + spec.order]
                if spec.order == 1 and gram in "^$":
                    continue
                expected.add(bucket_id(gram, spec.seed, spec.buckets))
        assert set(sparse.ids.tolist()) == expected
        if expected:
            assert abs(float(sparse.weights.sum()) - 1.0) < 1e-5


@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
@settings(max_examples=100, deadline=None)
def test_unmerged_features_pool_like_merged_ones(texts):
    groups = [GroupSpec(f"c{n}", "char_ngram", 97, 4, order=n, seed=n) for n in (1, 3)]
    groups.append(GroupSpec("script", "script", 32, 4))
    featurizer = TextFeaturizer(groups)
    table = np.random.default_rng(0).normal(size=(97, 4)).astype(np.float32)
    store = FloatEmbedding(table)
    for merged, unmerged in zip(featurizer.transform(texts),
                                featurizer.transform(texts, merge_repeats=False)):
        np.testing.assert_allclose(store.pool(merged), store.pool(unmerged), atol=1e-5)


@given(st.text(min_size=0, max_size=120))
@settings(max_examples=100, deadline=None)
def test_word_group_matches_reference(text):
    spec = GroupSpec("word", "word", 1009, 8, seed=5)
    featurizer = TextFeaturizer([spec])
    framed = featurizer.framed(text)
    words = [w + "$" for w in framed.split("$") if w]
    expected = {mmh3.hash(w.encode("utf-8")[:64], 5, signed=False) % 1009 for w in words}
    assert set(featurizer.transform([text])[0].ids.tolist()) == expected
