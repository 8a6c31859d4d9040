"""The public API both tasks share: what ``smallnlp`` exports, ``load`` by path
or name, ``classes_``, ``describe`` and scoring on short spans."""

from __future__ import annotations

import pytest

import smallnlp
from smallnlp import LanguageIdentifier, ModelFileError, PosTagger

from .conftest import REPO, synthetic_corpus

TINY_TAGGER = REPO / "runtime" / "c" / "tests" / "golden" / "tiny-pos.snlp"


def test_everything_exported_exists():
    assert all(hasattr(smallnlp, name) for name in smallnlp.__all__)


def test_load_gives_the_task_a_file_holds(tmp_path, tiny_model):
    tiny_model.save(tmp_path / "lid.snlp")
    assert isinstance(smallnlp.load(tmp_path / "lid.snlp"), LanguageIdentifier)
    assert isinstance(smallnlp.load(TINY_TAGGER, backend="numpy"), PosTagger)
    assert isinstance(smallnlp.load("langid"), LanguageIdentifier)  # shipped, by name
    assert {"langid", "pos-en"} <= set(smallnlp.shipped_models())
    with pytest.raises(ModelFileError, match="no shipped model of that name.*langid"):
        smallnlp.load("no-such-model")
    with pytest.raises(ModelFileError, match="is a directory"):
        smallnlp.load(tmp_path)


def test_classes_are_the_columns_of_predict_proba(tiny_model):
    tagger = PosTagger.load(TINY_TAGGER)
    assert list(tiny_model.classes_) == tiny_model.labels
    assert tiny_model.predict_proba(["kakiko"]).shape[1] == len(tiny_model.classes_)
    assert list(tagger.classes_) == tagger.labels
    with pytest.raises(RuntimeError, match="not fitted"):
        LanguageIdentifier().classes_  # noqa: B018


def test_describe_accounts_for_the_file(tmp_path, tiny_model):
    before = tiny_model.describe()  # fitted, not saved: the file save would write
    size = tiny_model.save(tmp_path / "lid.snlp")
    after = LanguageIdentifier.load(tmp_path / "lid.snlp").describe()
    assert before["bytes"] == after["bytes"] == size
    assert sum(g["bytes"] for g in after["groups"]) <= sum(a["bytes"] for a in after["arrays"])
    assert sum(a["bytes"] for a in after["arrays"]) < size
    assert after["labels"] == tiny_model.labels and after["task"] == "langid"


def test_evaluate_on_spans_of_words(tiny_model):
    texts, labels = synthetic_corpus(20, seed=3)
    whole = tiny_model.evaluate(texts, labels)
    spans = tiny_model.evaluate(texts, labels, span_words=1, seed=1)
    assert whole.extra["texts"] == len(texts)
    multiword = sum(len(t.split()) > 1 for t in texts)
    assert spans.extra["texts"] == multiword and spans.total == multiword
    assert spans.accuracy <= whole.accuracy  # one word says less than a line
