"""Training data a demanding user gets wrong: inconsistent lengths, misaligned
tags, dev labels never seen, label files named oddly; each a clear error."""

import pytest
from click.testing import CliRunner

from smallnlp.cli import main

from .conftest import synthetic_corpus, write_corpus

LANGID_BAD_INPUTS = [
    (lambda t, y: (t, y[:60]), "inputs but 60 labels"),
    (lambda t, y: ([], []), "no examples"),
    (lambda t, y: (t, ["aa"] * len(t)), "one language \\('aa'\\)"),
    (lambda t, y: (t, ["a\tb"] + y[1:]), "must be a non-empty string without tabs"),
    (lambda t, y: (t, ["und"] + y[1:]), "'und' is reserved"),
]


@pytest.mark.parametrize("change, message", LANGID_BAD_INPUTS)
def test_langid_fit_refuses_inconsistent_data(change, message):
    from smallnlp import DataError, LanguageIdentifier

    from .conftest import TINY_CONFIG
    texts, labels = change(*synthetic_corpus(30))
    with pytest.raises(DataError, match=message):
        LanguageIdentifier("60KB", config=TINY_CONFIG, epochs=1).fit(texts, labels)


def test_langid_fit_refuses_dev_data_of_another_length():
    from smallnlp import DataError, LanguageIdentifier

    from .conftest import TINY_CONFIG
    texts, labels = synthetic_corpus(30)
    with pytest.raises(DataError, match="dev data: 120 inputs but 119 labels"):
        LanguageIdentifier("60KB", config=TINY_CONFIG, epochs=1).fit(
            texts, labels, texts, labels[:-1])


POS_BAD_INPUTS = [
    (([["a", "b"]], [["X"]]), "training data: sentence 1 has 2 tokens but 1 tags"),
    (([["a"], ["b", "c"]], [["X"], ["X"]]), "sentence 2 has 2 tokens but 1 tags"),
    (([["a"], ["b"]], [["X"]]), "2 inputs but 1 labels"),
    (([], []), "no examples"),
    (([[]], [[]]), "no tokens"),
    (([["a"]], [["X\n"]]), "without tabs or line breaks"),
]


@pytest.mark.parametrize("data, message", POS_BAD_INPUTS)
def test_pos_fit_refuses_misaligned_data(data, message):
    from smallnlp import DataError, PosTagger

    from .conftest import TINY_POS_CONFIG
    with pytest.raises(DataError, match=message):
        PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(*data)


def test_pos_fit_refuses_dev_tags_it_never_saw():
    from smallnlp import DataError, PosTagger

    from .conftest import TINY_POS_CONFIG
    with pytest.raises(DataError, match="dev tags not in training data: ADV"):
        PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(
            [["the", "cat"]], [["DET", "NOUN"]], [["very"]], [["ADV"]])


def test_label_files_hidden_are_skipped_and_upper_case_refused(tmp_path):
    from smallnlp import DataError
    from smallnlp.datasets import read_labelled_dir

    (tmp_path / "aa.txt").write_text("one\n")
    (tmp_path / ".backup.txt").write_text("two\n")
    assert read_labelled_dir(tmp_path) == (["one"], ["aa"])
    (tmp_path / "ES.TXT").write_text("tres\n")
    with pytest.raises(DataError, match="ES.TXT: name label files <label>.txt, in lower case"):
        read_labelled_dir(tmp_path)


def test_eval_warns_of_labels_the_model_does_not_know(tiny_model, tmp_path):
    texts, labels = synthetic_corpus(5)
    write_corpus(tmp_path / "dev", texts, ["zz" if y == "aa" else y for y in labels])
    model = tmp_path / "m.snlp"
    tiny_model.save(model)
    result = CliRunner().invoke(main, ["eval", "langid", "--model", str(model),
                                       "--data", str(tmp_path / "dev")])
    assert result.exit_code == 0, result.output
    assert "warning: 5 texts have labels this model does not know (zz)" in result.output
