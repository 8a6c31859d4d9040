"""Language ID's training examples, drawn afresh each epoch (smallnlp.augment)."""

from collections import Counter

import numpy as np

from smallnlp.augment import NONE_OF_THESE, Augment, AugmentedLines
from smallnlp.features import GroupSpec, TextFeaturizer

from .conftest import synthetic_corpus

GROUPS = [GroupSpec("char2", "char_ngram", order=2, seed=2, buckets=512, dims=8),
          GroupSpec("script", "script", buckets=32, dims=8)]


def _examples(texts, labels, augment, seed=0):
    label_ids = np.array([sorted(set(labels)).index(y) for y in labels])
    return AugmentedLines(texts, label_ids, augment, TextFeaturizer(GROUPS),
                          np.random.default_rng(seed)), label_ids


def _drawn(examples, batch_size, cap, seed):
    """The epoch's (line, slot) draws, as the batches see them, and the batches."""
    rng = np.random.default_rng(seed)
    steps, batches = examples.epoch(batch_size, cap, rng)
    return steps, list(batches)


def test_an_epoch_caps_each_language_and_draws_each_slot_once():
    texts, labels = synthetic_corpus(30)  # 4 languages of 30 lines
    augment = Augment(spans_per_line=3, gibberish_lines=20)
    examples, _ = _examples(texts, labels, augment)
    assert len(examples) == 4 * 30 * 4 + 20
    steps, batches = _drawn(examples, 16, 50, seed=1)
    seen = Counter(int(y) for batch in batches for y in batch.labels)
    # 50 of each language's 120 slots; the 20 gibberish strings are all drawn.
    assert all(seen[label] == 50 for label in range(4)) and seen[NONE_OF_THESE] == 20
    assert steps == len(batches) == -(-220 // 16)
    assert all(len(b.labels) <= 16 and b.groups[0].n_rows == len(b.labels) for b in batches)


def test_slots_are_whole_lines_or_spans_of_them():
    texts, labels = synthetic_corpus(10)
    augment = Augment(spans_per_line=2, min_words=1, max_words=2)
    examples, _ = _examples(texts, labels, augment)
    order = []
    original = examples._featurize
    examples._featurize = lambda drawn, rng: (order.append(drawn.copy()), original(drawn, rng))[1]
    _drawn(examples, 8, None, seed=3)
    drawn = np.concatenate(order)
    assert len(drawn) == len(examples) and len({tuple(d) for d in drawn.tolist()}) == len(drawn)
    # Each line's own slot plus two span slots, every one drawn once.
    assert Counter(drawn[:, 1].tolist()) == {0: 40, 1: 40, 2: 40}


def test_each_epoch_cuts_new_spans():
    texts = ["alpha beta gamma delta epsilon zeta eta theta iota kappa"] * 2
    labels = ["aa", "bb"]
    augment = Augment(spans_per_line=4, min_words=1, max_words=2)
    examples, _ = _examples(texts, labels, augment)
    rng = np.random.default_rng(0)
    cut = []
    original = examples._featurize

    def featurize(drawn, rng):
        groups, y, targets = original(drawn, rng)
        cut.append(groups[0].ids.copy())
        return groups, y, targets
    examples._featurize = featurize
    for _ in range(2):
        list(examples.epoch(64, None, rng)[1])
    assert not np.array_equal(cut[0], cut[1])


def test_the_same_seed_draws_the_same_epochs():
    texts, labels = synthetic_corpus(20)
    augment = Augment(spans_per_line=2, gibberish_lines=5, stripped_share=0.3)
    runs = []
    for _ in range(2):
        examples, _ = _examples(texts, labels, augment, seed=4)
        batches = _drawn(examples, 32, 40, seed=5)[1]
        runs.append([(b.labels.tolist(), b.groups[0].ids.tolist()) for b in batches])
    assert runs[0] == runs[1]


def test_texts_without_letters_are_left_out_of_their_batch():
    texts = ["1234 5678", "hello world", "9999", "bonjour monde"]
    examples, _ = _examples(texts, ["aa", "aa", "bb", "bb"], Augment())
    batches = _drawn(examples, 4, None, seed=0)[1]
    assert sorted(int(y) for b in batches for y in b.labels) == [0, 1]
