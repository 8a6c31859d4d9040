"""What a demanding user does to training: interrupts it, points it at paths
it cannot write, and feeds it inconsistent data."""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from smallnlp.cli import main

from .conftest import synthetic_corpus, write_corpus

# Gibberish generation and training that together last well past the last signal.
SLOW_CONFIG = """
[features]
dims = 8
[[features.groups]]
name = "char2"
kind = "char_ngram"
order = 2
seed = 2
[[features.groups]]
name = "script"
kind = "script"
[training]
epochs = 200
[augment]
gibberish_lines = 150000
"""


@pytest.fixture(scope="module")
def slow_training(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    texts, labels = synthetic_corpus(300)
    write_corpus(root / "train", texts, labels)
    (root / "slow.toml").write_text(SLOW_CONFIG)
    return root


@pytest.mark.parametrize("delay", [0.0, 0.5, 2.0, 5.0])
def test_ctrl_c_stops_training_and_keeps_the_existing_output(slow_training, tmp_path, delay):
    """Signals from the moment training starts (counting features, gibberish, epochs)."""
    output = tmp_path / "model.snlp"
    output.write_bytes(b"the user's previous model")
    process = subprocess.Popen(
        [sys.executable, "-m", "smallnlp.cli", "train", "langid", "--train",
         str(slow_training / "train"), "--config", str(slow_training / "slow.toml"),
         "--memory-budget", "150KB", "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = process.stderr.readline()  # "training on ... counting their features..."
    assert "counting their features" in started, started
    time.sleep(delay)
    assert process.poll() is None, "training ended before the signal"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert output.read_bytes() == b"the user's previous model"
    assert "no model was written" in stderr and "Traceback" not in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["model.snlp"]  # no temp file left


@pytest.mark.parametrize("output, message", [
    ("", "the output path is empty"),
    ("/proc/smallnlp-test.snlp", "cannot write in /proc"),
    ("{tmp}/a-file/model.snlp", "a-file is not a directory"),
])
def test_an_unwritable_output_is_refused_before_reading_data(tmp_path, output, message):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "garbage.conllu").write_text("not CoNLL-U\n")  # reading it would fail
    result = CliRunner().invoke(main, ["train", "pos", "--train",
                                       str(tmp_path / "garbage.conllu"),
                                       "--output", output.format(tmp=tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "garbage" not in result.output


def test_the_output_check_leaves_nothing_behind(tmp_path):
    from smallnlp import modelfile

    modelfile.check_writable(tmp_path / "new" / "deeper" / "m.snlp")
    assert list(tmp_path.iterdir()) == []
    assert os.access(tmp_path, os.W_OK)


# -- fit checks its input ---------------------------------------------------------------

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

    from .test_pos import TINY_POS_CONFIG
    with pytest.raises(DataError, match=message):
        PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(*data)


def test_pos_fit_refuses_dev_tags_it_never_saw():
    from smallnlp import DataError, PosTagger

    from .test_pos import TINY_POS_CONFIG
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


# -- the API's small edges ---------------------------------------------------------------

def test_top_k_and_threshold_arguments_are_checked(tiny_model):
    with pytest.raises(ValueError, match="k must be at least 1, not -1"):
        tiny_model.top_k("kata", k=-1)
    with pytest.raises(TypeError, match="k must be an integer, not str"):
        tiny_model.top_k("kata", k="3")
    with pytest.raises(ValueError, match="threshold must be a probability"):
        tiny_model.predict("kata", threshold=float("nan"))


def test_languages_as_one_string(tiny_model, tmp_path):
    from smallnlp import LanguageIdentifier

    path = tmp_path / "m.snlp"
    tiny_model.save(path)
    model = LanguageIdentifier.load(path, languages=" aa, bb")
    assert {p.label for p in model.predict_batch(["kokona", "schein", "ouique"])} <= {"aa", "bb"}
    result = CliRunner().invoke(main, ["langid", "--model", str(path), "--languages",
                                       " aa, bb", "--threshold", "nan", "kata"])
    assert result.exit_code == 2 and "not nan" in result.output


def test_pos_cli_edges(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["pos", "--format", "conllu", "The cat"])
    assert result.exit_code == 2 and "not TEXT arguments" in result.output
    result = runner.invoke(main, ["pos", "--model", "xx", "The cat"])
    assert result.exit_code == 1 and "shipped models: en, fr" in result.output
    (tmp_path / "in.txt").write_text("The cat sat.\n")
    result = runner.invoke(main, ["pos", "--format", "json", "--input",
                                  str(tmp_path / "in.txt")])
    assert result.exit_code == 0, result.output
    import json
    record = json.loads(result.output.splitlines()[-1])
    assert record["tokens"] == ["The", "cat", "sat", "."] and len(record["tags"]) == 4
    result = runner.invoke(main, ["langid", "--input", str(tmp_path / "in.txt"), "Hello"])
    assert result.exit_code == 2 and "not both" in result.output
    result = runner.invoke(main, ["langid", "--input", str(tmp_path / "absent.txt")])
    assert result.exit_code == 2 and "absent.txt' does not exist" in result.output


def test_python_dash_m_smallnlp_and_typing_marker():
    result = subprocess.run([sys.executable, "-m", "smallnlp", "--help"], capture_output=True,
                            text=True, check=True)
    assert "Tiny feed-forward NLP models" in result.stdout
    from pathlib import Path

    import smallnlp
    assert (Path(smallnlp.__file__).parent / "py.typed").exists()
    from smallnlp import LanguageIdentifier, PosTagger
    for method in (LanguageIdentifier.predict, LanguageIdentifier.predict_batch,
                   LanguageIdentifier.top_k, LanguageIdentifier.fit, PosTagger.tag,
                   PosTagger.tag_batch, PosTagger.fit):
        assert method.__doc__ and len(method.__doc__.split()) >= 8, method.__name__


# -- what a loaded model holds ------------------------------------------------------------

def test_a_loaded_model_holds_no_more_than_its_budget(tiny_model, tmp_path):
    import gc
    import tracemalloc

    from smallnlp import PosTagger, datasets

    from .test_pos import TINY_POS_CONFIG, synthetic_treebank
    (tmp_path / "train.conllu").write_text(synthetic_treebank(100))
    sentences = datasets.read_conllu(tmp_path / "train.conllu")
    tagger = PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1).fit(
        [s.forms for s in sentences], [s.tags for s in sentences])
    for model, budget, call in ((tiny_model, 60_000, lambda m: m.predict("kokona tata")),
                                (tagger, 80_000, lambda m: m.tag(["the", "cat", "."] * 30))):
        path = tmp_path / "m.snlp"
        model.save(path)
        call(type(model).load(path))  # warm the per-process caches (letters, shapes)
        gc.collect()
        tracemalloc.start()
        loaded = type(model).load(path)
        call(loaded)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert retained <= budget, (type(model).__name__, retained)
        del loaded


# -- budgets ----------------------------------------------------------------------------

@pytest.mark.parametrize("task", ["langid", "pos"])
def test_the_stated_minimum_budget_is_accepted(task, tiny_model, tmp_path):
    import re

    from smallnlp import BudgetError, LanguageIdentifier, PosTagger, datasets

    from .conftest import TINY_CONFIG
    from .test_pos import TINY_POS_CONFIG, synthetic_treebank
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
    minimum = int(re.search(r"minimum is ([\d,]+) bytes", str(info.value))[1].replace(",", ""))
    model = train(minimum)  # accepted, and the file fits
    assert model.save(tmp_path / "m.snlp") <= minimum
    with pytest.raises(BudgetError, match=f"minimum is {minimum:,} bytes"):
        train(minimum - 1)


# -- long input ---------------------------------------------------------------------------

def test_a_very_long_sentence_is_tagged_in_pieces():
    from smallnlp import PosTagger
    from smallnlp.tagging import MAX_SENTENCE_TOKENS

    from .test_pos import TINY_POS_CONFIG, WORDS
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
