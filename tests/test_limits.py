"""Budgets and sizes: a loaded model holds no more than its budget, the stated
minimum budget is accepted, a budget beyond the data gives a smaller model,
and very long input is handled in pieces."""

import pytest
from click.testing import CliRunner

from smallnlp.cli import main

from .conftest import synthetic_corpus, write_corpus


def retained_by_loading(path, task, call) -> int:
    """What loading ``path`` and one ``call`` leave held: Python's and numpy's
    bytes (tracemalloc, the file's own bytes included) plus the C runtime's."""
    import gc
    import tracemalloc

    call(task.load(path))  # warm the per-process caches (letters, shapes)
    gc.collect()
    tracemalloc.start()
    try:
        loaded = task.load(path)
        call(loaded)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] + loaded.predictor_.heap_bytes()
    finally:
        tracemalloc.stop()


def stated_minimum(error) -> int:
    import re
    return int(re.search(r"minimum is ([\d,]+) bytes", str(error))[1].replace(",", ""))


def test_a_loaded_model_holds_no_more_than_its_budget(tiny_model, tmp_path):
    from smallnlp import BudgetError, LanguageIdentifier, PosTagger, datasets

    from .conftest import TINY_CONFIG, TINY_POS_CONFIG, synthetic_treebank
    (tmp_path / "train.conllu").write_text(synthetic_treebank(100))
    sentences = datasets.read_conllu(tmp_path / "train.conllu")
    tagger = PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(
        [s.forms for s in sentences], [s.tags for s in sentences])
    # 75 languages, each with a name, scripts, lines and licence in the metadata, at the
    # smallest budget accepted: there the metadata weighs most.
    texts, _ = synthetic_corpus(150)
    labels = [f"l{i % 75:02d}" for i in range(len(texts))]
    records = {"data_licences": {code: "CC BY-SA 4.0 (Tatoeba)" for code in labels},
               "language_names": {code: f"Language {code}" for code in labels}}
    with pytest.raises(BudgetError) as info:
        LanguageIdentifier("1KB", config=TINY_CONFIG).fit(texts, labels, **records)
    many = LanguageIdentifier(stated_minimum(info.value), config=TINY_CONFIG, epochs=1).fit(
        texts, labels, **records)
    say = lambda m: m.predict("kokona tata")  # noqa: E731
    for model, call in ((tiny_model, say), (many, say),
                        (tagger, lambda m: m.tag(["the", "cat", "."] * 30))):
        path = tmp_path / "m.snlp"
        model.save(path)
        retained = retained_by_loading(path, type(model), call)
        assert retained <= model.metadata_["training"]["memory_budget"], (model.labels, retained)


# -- budgets ----------------------------------------------------------------------------

@pytest.mark.parametrize("task", ["langid", "pos"])
def test_the_stated_minimum_budget_is_accepted(task, tiny_model, tmp_path):
    from smallnlp import BudgetError, LanguageIdentifier, PosTagger, datasets

    from .conftest import TINY_CONFIG, TINY_POS_CONFIG, synthetic_treebank
    if task == "langid":
        texts, labels = synthetic_corpus(20)

        def train(budget):
            return LanguageIdentifier(budget, config=TINY_CONFIG, epochs=1).fit(texts, labels)
    else:
        (tmp_path / "t.conllu").write_text(synthetic_treebank(30))
        sentences = datasets.read_conllu(tmp_path / "t.conllu")
        config = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"],
                                                  "known_word_bits": 262_144}}

        def train(budget):
            return PosTagger(budget, config=config, epochs=1).fit(
                [s.forms for s in sentences], [s.tags for s in sentences])
    with pytest.raises(BudgetError) as info:
        train("1KB")
    minimum = stated_minimum(info.value)
    model = train(minimum)  # accepted, and the file fits
    assert model.save(tmp_path / "m.snlp") <= minimum
    with pytest.raises(BudgetError, match=f"minimum is {minimum:,} bytes"):
        train(minimum - 1)


# -- long input ---------------------------------------------------------------------------

def test_a_very_long_sentence_is_tagged_in_pieces():
    from smallnlp import PosTagger
    from smallnlp.tagging import MAX_SENTENCE_TOKENS

    from .conftest import TINY_POS_CONFIG, WORDS
    sentences = [[w for ws in WORDS.values() for w in ws] * 3] * 20
    tags = [[tag for tag, ws in WORDS.items() for _ in ws] * 3] * 20
    tagger = PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(sentences, tags)
    long = [w for ws in WORDS.values() for w in ws] * 130  # 2,600 tokens
    pieces = [long[i:i + MAX_SENTENCE_TOKENS] for i in range(0, len(long), MAX_SENTENCE_TOKENS)]
    assert len(pieces) == 3
    expected = [t for piece in pieces for t in tagger.tag(piece)]
    assert tagger.tag(long) == expected
    assert tagger.tag_batch([["a"], long, [], long[:5]]) == [
        tagger.tag(["a"]), expected, [], tagger.tag(long[:5])]


def test_a_budget_far_beyond_the_data_gives_a_smaller_model(tmp_path):
    from smallnlp import LanguageIdentifier

    from .conftest import TINY_CONFIG
    texts, labels = synthetic_corpus(50)
    model = LanguageIdentifier("10GB", config=TINY_CONFIG, epochs=1).fit(texts, labels)
    distinct = model.featurizer_.distinct_features(texts)
    for group in model.featurizer_.groups:
        if group.name in distinct:
            assert group.buckets == max(64, distinct[group.name]), group
    assert model.save(tmp_path / "m.snlp") < 100_000
    result = CliRunner().invoke(main, [
        "train", "langid", "--train", str(write_corpus(tmp_path / "train", texts, labels)),
        "--memory-budget", "10GB", "--epochs", "1", "--output", str(tmp_path / "c.snlp")])
    assert result.exit_code == 0, result.output
    assert "note: the model is" in result.output


def test_a_network_too_big_to_train_is_refused(monkeypatch):
    from smallnlp import BudgetError, LanguageIdentifier, budget

    from .conftest import TINY_CONFIG
    monkeypatch.setattr(budget, "available_memory", lambda: 10_000)
    texts, labels = synthetic_corpus(20)
    with pytest.raises(BudgetError, match="GB of memory is available"):
        LanguageIdentifier("60KB", config=TINY_CONFIG, epochs=1).fit(texts, labels)
