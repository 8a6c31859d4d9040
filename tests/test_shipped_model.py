"""The shipped language-ID model; tests that need ../shared/data skip without it."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import LanguageIdentifier
from smallnlp.cli import main
from smallnlp.config import shipped_file
from smallnlp.datasets import read_labelled_dir

from .conftest import require_shared_data


@pytest.fixture(scope="module")
def shipped():
    return LanguageIdentifier.load()


def test_shipped_model_is_small_and_records_licences(shipped):
    assert shipped_file("models", "langid.snlp").stat().st_size <= 1_000_000
    assert len(shipped.labels) >= 75
    assert set(shipped.metadata_["data_licences"]) == set(shipped.labels)


@pytest.mark.parametrize("text, label", [
    ("Das ist ein kleiner Test, der hoffentlich funktioniert.", "de"),
    ("The weather is lovely today and we are going outside.", "en"),
    ("これは日本語の文章です。", "ja"),
    ("这是一个中文句子。", "zh"),
    ("Это предложение написано по-русски.", "ru"),
])
def test_shipped_model_on_clear_sentences(shipped, text, label):
    assert shipped.predict(text).label == label


@pytest.mark.xfail(strict=True, reason="issue 23: the shipped model covers the first 75 "
                   "languages; the data has 115 since its third pass")
def test_shipped_model_covers_every_training_language(shipped):
    data = require_shared_data()
    languages = {p.stem for p in (data / "langid" / "train").glob("*.txt")}
    assert languages <= set(shipped.labels)


@pytest.mark.parametrize("name, least", [("langid", 0.97), ("langid-small", 0.96)])
def test_shipped_model_dev_accuracy(name, least):
    """On the dev lines of the languages it was trained on (the data has since
    gained languages the model does not know: issue 23)."""
    model = LanguageIdentifier.load(name)
    data = require_shared_data()
    texts, labels = read_labelled_dir(data / "langid" / "dev")
    known = set(model.labels)
    texts, labels = zip(*[(t, y) for t, y in zip(texts, labels) if y in known])
    predicted = [p.label for p in model.predict_batch(list(texts))]
    assert np.mean([p == y for p, y in zip(predicted, labels)]) >= least


def test_the_small_model_knows_the_same_languages_in_315_kb(shipped):
    small = LanguageIdentifier.load("langid-small")
    assert small.labels == shipped.labels
    assert small.metadata_["training"]["memory_budget"] == 315_000
    assert shipped_file("models", "langid-small.snlp").stat().st_size <= 315_000
    assert set(small.metadata_["data_licences"]) == set(small.labels)
    assert small.predict("Das ist ein kleiner Test, der hoffentlich funktioniert.").label == "de"
    teacher = small.metadata_["training"]["teacher"]  # distilled from the 1 MB model
    assert teacher["labels"] == 75 and teacher["memory_budget"] == 1_000_000


def test_train_five_languages_under_200kb(tmp_path):
    data = require_shared_data() / "langid"
    for split in ("train", "dev"):
        (tmp_path / split).mkdir()
        for code in ("de", "en", "fr", "nl", "sv"):
            (tmp_path / split / f"{code}.txt").symlink_to(data / split / f"{code}.txt")
    output = tmp_path / "five.snlp"
    result = CliRunner().invoke(main, [
        "train", "langid", "--train", str(tmp_path / "train"), "--dev", str(tmp_path / "dev"),
        "--memory-budget", "200KB", "--output", str(output), "--epochs", "3"])
    assert result.exit_code == 0, result.output
    assert output.stat().st_size <= 200_000
    model = LanguageIdentifier.load(output)
    texts, labels = read_labelled_dir(tmp_path / "dev")
    predicted = [p.label for p in model.predict_batch(texts)]
    assert np.mean([p == y for p, y in zip(predicted, labels)]) >= 0.9


def test_shipped_batch_and_single_paths_agree_on_real_text(shipped):
    data = require_shared_data()
    texts, _ = read_labelled_dir(data / "langid" / "dev")
    sample = texts[::400] + [t[:100] for t in texts[::997]]
    batch = shipped.predict_proba(sample)
    for text, row in zip(sample, batch):
        single = shipped.predict_proba([text])[0]
        assert single.argmax() == row.argmax()
        np.testing.assert_allclose(single, row, atol=1e-6)


@pytest.mark.parametrize("treebank", ["English-EWT", "Japanese-GSD", "Turkish-IMST"])
def test_shipped_tagger_batch_and_single_paths_agree(treebank):
    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger

    data = require_shared_data()
    tagger = PosTagger.load(treebank)
    sentences = [s.forms for s in read_conllu(data / "ud" / treebank / "dev.conllu")][:300]
    assert [tagger.tag(s) for s in sentences] == tagger.tag_batch(sentences)


def test_shipped_model_knows_text_typed_without_diacritics(shipped):
    from smallnlp.text import strip_diacritics

    data = require_shared_data()
    texts, labels = read_labelled_dir(data / "langid" / "dev")
    for language in ("vi", "yo", "cs"):  # the previous model: 48%, 4%, 69%
        stripped = [strip_diacritics(t) for t, y in zip(texts, labels) if y == language]
        predicted = [p.label for p in shipped.predict_batch(stripped)]
        assert np.mean([p == language for p in predicted]) >= 0.9, language


def test_shipped_model_reads_compatibility_forms(shipped):
    fullwidth = "Ｔｈｅ ｗｅａｔｈｅｒ ｉｓ ｌｏｖｅｌｙ ｔｏｄａｙ"
    bold = "𝐓𝐡𝐞 𝐰𝐞𝐚𝐭𝐡𝐞𝐫 𝐢𝐬 𝐥𝐨𝐯𝐞𝐥𝐲 𝐭𝐨𝐝𝐚𝐲"
    assert shipped.predict(fullwidth) == shipped.predict(bold) == shipped.predict(
        "The weather is lovely today")
    assert shipped.predict(bold).label == "en"


def test_a_shipped_tagger_is_what_its_committed_command_trains(tmp_path):
    """Retraining pos-it (the smallest treebank) by tools/build_pos_models.py's
    command gives the shipped file byte for byte where the training
    environment it records (Python, numpy, BLAS) is this one: any change to
    planning or training that would move the shipped models shows here.
    Elsewhere the arithmetic rounds otherwise and training takes another
    path, so the two must agree in behaviour; a warning says which comparison
    ran. Another environment is another draw of the same training. With
    pos-it's recipe (configs/pos_affix4.toml), seeds 0-2 span 94.97-95.21% dev
    UPOS and agree on 96.3-96.6% of the dev tags pairwise; numpy 1.24.0 with
    OpenBLAS 0.3.21 (Intel) retrained it to 95.64%, against the shipped 95.17%,
    with 97.2% of the tags alike (the recipe before, configs/pos.toml: 98.6%
    alike, and Vietnamese's 97.7%). So: 95% of the tags alike and accuracy
    within one point, which a lost feature group or a broken recipe exceeds by
    whole points."""
    import argparse
    import importlib.util

    data = require_shared_data()
    recipe = Path(__file__).resolve().parents[1] / "tools" / "build_pos_models.py"
    spec = importlib.util.spec_from_file_location("build_pos_models", recipe)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    from smallnlp.config import load_toml

    entry = load_toml(shipped_file("configs", "pos_models.toml"))[0]["treebanks"]["Italian-ParTUT"]
    args = argparse.Namespace(data=data / "ud", models=tmp_path, memory_budget="1MB",
                              teacher_budget="3MB", teachers=tmp_path)
    build.train("Italian-ParTUT", entry, args)
    retrained, shipped = tmp_path / "pos-it.snlp", shipped_file("models", "pos-it.snlp")
    from smallnlp.pos import PosTagger

    new, old = PosTagger.load(retrained), PosTagger.load(shipped)
    environments = [m.metadata_["training"].get("environment") for m in (new, old)]
    if environments[0] == environments[1]:
        assert retrained.read_bytes() == shipped.read_bytes()
        return
    warnings.warn(f"pos-it was shipped from another training environment ({environments[1]}; "
                  f"here {environments[0]}): compared by behaviour, not bytes", stacklevel=1)
    from smallnlp.datasets import read_conllu

    sentences = read_conllu(data / "ud" / "Italian-ParTUT" / "dev.conllu")
    forms = [s.forms for s in sentences]
    gold = [tag for s in sentences for tag in s.tags]
    tags = [[tag for tagged in m.tag_batch(forms) for tag in tagged] for m in (new, old)]
    assert np.mean([a == b for a, b in zip(*tags)]) >= 0.95
    accuracies = [np.mean([a == b for a, b in zip(t, gold)]) for t in tags]
    assert abs(accuracies[0] - accuracies[1]) <= 0.01
