"""A tagger's tag dictionary: each training word's tags, kept in the model
file; decoding gives a word seen in training only one of them, in both
backends alike, and both readers refuse a dictionary that breaks the format."""


import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import PosTagger, datasets, modelfile
from smallnlp.cli import main
from smallnlp.errors import ConfigError
from smallnlp.features import FEATURIZER_VERSION
from smallnlp.tag_dictionary import ALL_TAGS, TagDictionary, held_out_masks, word_keys

from .conftest import C_RUNTIME, TINY_POS_CONFIG, config_toml, synthetic_treebank


def test_words_keep_their_training_tags():
    tokens = ["The", "the", "cat", "runs", "runs", "12"]
    tags = np.array([0, 0, 2, 3, 2, 1])
    dictionary = TagDictionary.build(tokens, tags, 4, seed=5, version=FEATURIZER_VERSION)
    assert len(dictionary) == 4  # "The" and "the" are one word, as the word groups see it
    assert np.all(np.diff(dictionary.words.astype(np.int64)) > 0)
    allowed = dictionary.masks(word_keys(["THE", "runs", "cat", "34", "dog", ""], 5,
                                         FEATURIZER_VERSION))
    assert allowed.tolist() == [0b1, 0b1100, 0b100, 0b10, int(ALL_TAGS), int(ALL_TAGS)]
    assert word_keys(["runs"], 5, FEATURIZER_VERSION)[0] in dictionary.words
    with pytest.raises(ConfigError, match="at most 32 tags"):
        TagDictionary.build(["a"], np.array([0]), 33, seed=5, version=FEATURIZER_VERSION)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny tagger trained with --tag-dictionary, and its training sentences."""
    folder = tmp_path_factory.mktemp("dictionary")
    (folder / "train.conllu").write_text(synthetic_treebank(80), encoding="utf-8")
    (folder / "tiny.toml").write_text(config_toml(TINY_POS_CONFIG))
    model = folder / "pos.snlp"
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(folder / "train.conllu"), "--memory-budget", "80KB",
        "--output", str(model), "--config", str(folder / "tiny.toml"), "--epochs", "3",
        "--licence", "test", "--tag-dictionary"])
    assert result.exit_code == 0, result.output
    sentences = [s.forms for s in datasets.read_conllu(folder / "train.conllu")]
    return model, sentences


def test_the_dictionary_is_in_the_file(trained):
    model, sentences = trained
    metadata, arrays, version, _ = modelfile.load(model)
    assert version == 3  # readers that predate tag dictionaries refuse the file
    words = {w.lower() for s in sentences for w in s}
    assert metadata["features"]["tag_dictionary"]["words"] == len(words)
    assert metadata["training"]["tagging"]["tag_dictionary"] is True
    tagger = PosTagger.load(model, backend="numpy")
    assert len(tagger.featurizer_.tag_dictionary) == len(words)


def _forced(model, tmp_path, word: str, tag: str):
    """The model's file with ``word`` (keyed as its dictionary keys words)
    allowed only ``tag``."""
    metadata, arrays, *_ = modelfile.load(model)
    arrays = {name: np.array(a) for name, a in arrays.items()}
    entry = metadata["features"]["tag_dictionary"]
    words = arrays["tag_dictionary_words"].view(np.uint32)
    key = word_keys([word], entry["seed"], FEATURIZER_VERSION, entry.get("cased", False))[0]
    at = int(np.searchsorted(words, key))
    assert words[at] == key, f"{word!r} is not in the dictionary"
    arrays["tag_dictionary_tags"].view(np.uint32)[at] = 1 << metadata["labels"].index(tag)
    path = tmp_path / "forced.snlp"
    modelfile.save(path, metadata, arrays)
    return path


def test_decoding_keeps_to_the_dictionary(trained, tmp_path):
    model, sentences = trained
    plain = PosTagger.load(model, backend="numpy")
    assert {t for s, tags in zip(sentences, plain.tag_batch(sentences))
            for w, t in zip(s, tags) if w == "cat"} == {"NOUN"}
    forced = _forced(model, tmp_path, "cat", "ADP")  # "cat" is a NOUN in training
    backends = ["numpy"] + (["c"] if C_RUNTIME else [])
    answers = []
    for backend in backends:
        tagger = PosTagger.load(forced, backend=backend)
        tags = tagger.tag_batch(sentences) + [tagger.tag(s) for s in sentences[:10]]
        assert {t for s, ts in zip(sentences + sentences[:10], tags)
                for w, t in zip(s, ts) if w.lower() == "cat"} == {"ADP"}
        answers.append(tags)
    assert all(a == answers[0] for a in answers)


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
@pytest.mark.parametrize("tagger", ["trained", "with_classes"])
def test_both_backends_tag_alike(tagger, request):
    model, sentences = request.getfixturevalue(tagger)
    words = [w for s in sentences for w in s] + ["unseen", "", "Ünïcödé", "CAT", "a\ud800b"]
    rng = np.random.default_rng(2)
    mixed = [[words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 15)))]
             for _ in range(300)]
    numpy_tags = PosTagger.load(model, backend="numpy").tag_batch(sentences + mixed)
    assert PosTagger.load(model, backend="c").tag_batch(sentences + mixed) == numpy_tags


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
def test_both_readers_refuse_a_broken_dictionary(trained, tmp_path):
    from .test_hostile_files import _decisions

    model, _ = trained

    def changed(change) -> bytes:
        metadata, arrays, *_ = modelfile.load(model)
        arrays = {name: np.array(a) for name, a in arrays.items()}
        change(metadata, arrays["tag_dictionary_words"].view(np.uint32),
               arrays["tag_dictionary_tags"].view(np.uint32))
        return modelfile.encode(metadata, arrays)

    def swap_words(m, words, tags):
        words[[0, 1]] = words[[1, 0]]

    def no_tag(m, words, tags):
        tags[3] = 0

    def tag_past_labels(m, words, tags):
        tags[3] |= 1 << len(m["labels"])

    def shorter(m, words, tags):
        m["features"]["tag_dictionary"]["words"] -= 1

    def case_not_a_bool(m, words, tags):
        m["features"]["tag_dictionary"]["cased"] = 1

    def unknown_key(m, words, tags):
        m["features"]["tag_dictionary"]["lowercase"] = True

    for change in (swap_words, no_tag, tag_past_labels, shorter, case_not_a_bool, unknown_key):
        assert _decisions(PosTagger, changed(change), tmp_path) == ("refused", "refused"), \
            change.__name__


def test_a_lowercased_dictionary_records_no_case(trained):
    # Files without a cased dictionary keep the metadata they had before the
    # option existed (its size moves a tagger's bucket plan)
    metadata, *_ = modelfile.load(trained[0])
    assert "cased" not in metadata["features"]["tag_dictionary"]
    assert "tag_dictionary_cased" not in metadata["training"]["tagging"]


def test_cased_keys_tell_case_apart():
    tokens = ["Dog", "dog", "DOG", "İs", "is"]
    dictionary = TagDictionary.build(tokens, np.array([0, 1, 2, 3, 4]), 5, seed=5,
                                     version=FEATURIZER_VERSION, cased=True)
    assert len(dictionary) == 5 and dictionary.cased
    allowed = dictionary.masks(dictionary.keys(["dog", "Dog", "DOG", "dOG", "İs"],
                                               FEATURIZER_VERSION))
    assert allowed.tolist() == [0b10, 0b1, 0b100, int(ALL_TAGS), 0b1000]
    lowercased = TagDictionary.build(tokens, np.array([0, 1, 2, 3, 4]), 5, seed=5,
                                     version=FEATURIZER_VERSION)
    assert lowercased.masks(lowercased.keys(["Dog"], FEATURIZER_VERSION)).tolist() == [0b111]


def _cased_treebank() -> str:
    """The synthetic treebank with "Dog" a PROPN wherever "dog" starts no
    sentence, every other time."""
    lines, flip = [], False
    for line in synthetic_treebank(120, seed=3).splitlines():
        fields = line.split("\t")
        if len(fields) == 10 and fields[1] == "dog" and fields[0] != "1":
            flip = not flip
            if flip:
                fields[1:4] = ["Dog", "Dog", "PROPN"]
        lines.append("\t".join(fields))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def cased(tmp_path_factory):
    """A tiny tagger with a cased tag dictionary, and its training sentences."""
    folder = tmp_path_factory.mktemp("cased")
    (folder / "train.conllu").write_text(_cased_treebank(), encoding="utf-8")
    config = {**TINY_POS_CONFIG, "tagging": {"tag_dictionary": True,
                                             "tag_dictionary_cased": True}}
    (folder / "cased.toml").write_text(config_toml(config))
    model = folder / "pos.snlp"
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(folder / "train.conllu"), "--memory-budget", "80KB",
        "--output", str(model), "--config", str(folder / "cased.toml"), "--epochs", "3",
        "--licence", "test"])
    assert result.exit_code == 0, result.output
    return model, [s.forms for s in datasets.read_conllu(folder / "train.conllu")]


def test_a_cased_dictionary_is_in_the_file(cased):
    model, sentences = cased
    metadata, *_ = modelfile.load(model)
    assert metadata["features"]["tag_dictionary"]["cased"] is True
    assert metadata["training"]["tagging"]["tag_dictionary_cased"] is True
    assert metadata["features"]["tag_dictionary"]["words"] == len({w for s in sentences
                                                                   for w in s})
    dictionary = PosTagger.load(model, backend="numpy").featurizer_.tag_dictionary
    labels = metadata["labels"]
    assert dictionary.masks(dictionary.keys(["Dog", "dog"], FEATURIZER_VERSION)).tolist() == [
        1 << labels.index("PROPN"), 1 << labels.index("NOUN")]


def test_decoding_keeps_to_a_cased_dictionary(cased, tmp_path):
    model, sentences = cased
    forced = _forced(model, tmp_path, "Dog", "ADP")  # "Dog" is a PROPN in training
    answers = []
    for backend in ["numpy"] + (["c"] if C_RUNTIME else []):
        tags = PosTagger.load(forced, backend=backend).tag_batch(sentences)
        by_word = {}
        for s, ts in zip(sentences, tags):
            for w, t in zip(s, ts):
                by_word.setdefault(w, set()).add(t)
        assert by_word["Dog"] == {"ADP"} and "ADP" not in by_word["dog"], backend
        answers.append(tags)
    assert all(a == answers[0] for a in answers)


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
def test_both_backends_key_cased_words_alike(cased):
    model, sentences = cased
    words = [w for s in sentences for w in s] + [
        "DOG", "dOg", "", "Ünïcödé", "ÜNÏCÖDÉ", "İstanbul", "ǅ", "Ｄｏｇ", "Dog12", "^Dog$",
        "a\ud800b", "D" * 80]
    rng = np.random.default_rng(4)
    mixed = [[words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 15)))]
             for _ in range(300)]
    numpy_tags = PosTagger.load(model, backend="numpy").tag_batch(sentences + mixed)
    assert PosTagger.load(model, backend="c").tag_batch(sentences + mixed) == numpy_tags


def test_a_cased_dictionary_needs_a_dictionary(tmp_path):
    (tmp_path / "train.conllu").write_text(synthetic_treebank(20), encoding="utf-8")
    config = {**TINY_POS_CONFIG, "tagging": {"tag_dictionary_cased": True}}
    (tmp_path / "bad.toml").write_text(config_toml(config))
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(tmp_path / "train.conllu"), "--output",
        str(tmp_path / "x.snlp"), "--config", str(tmp_path / "bad.toml"), "--licence", "test"])
    assert result.exit_code != 0
    assert "tag_dictionary_cased needs tag_dictionary" in result.output


def test_held_out_masks_show_a_word_only_the_other_folds_tags():
    sentences = [["run", "fast"], ["run", "home"], ["dog", "run"]]
    tags = [np.array([1, 2]), np.array([0, 3]), np.array([3, 1])]
    like = TagDictionary.build(["x"], np.array([0]), 4, seed=5, version=FEATURIZER_VERSION)
    masks = held_out_masks(sentences, tags, 4, like, FEATURIZER_VERSION, folds=3)
    # Each "run" sees the other two sentences' tags for it; words seen in one
    # sentence only are unknown (every tag) there, as unseen words are in use.
    assert masks.tolist() == [0b11, int(ALL_TAGS), 0b10, int(ALL_TAGS), int(ALL_TAGS), 0b11]
    assert held_out_masks([["one"]], [np.array([2])], 4, like, FEATURIZER_VERSION).tolist() \
        == [int(ALL_TAGS)]


CLASSES_CONFIG = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"], "groups": [
    *TINY_POS_CONFIG["features"]["groups"][:-2],
    {"name": "class-1", "kind": "tag_class", "offset": -1, "seed": 4},
    {"name": "class0", "kind": "tag_class", "seed": 4},
    *TINY_POS_CONFIG["features"]["groups"][-2:]]}}


@pytest.fixture(scope="module")
def with_classes(tmp_path_factory):
    """A tiny tagger with tag_class groups and no --tag-dictionary: it keeps a
    dictionary for them alone."""
    folder = tmp_path_factory.mktemp("classes")
    (folder / "train.conllu").write_text(synthetic_treebank(80), encoding="utf-8")
    sentences = datasets.read_conllu(folder / "train.conllu")
    tagger = PosTagger("150KB", config=CLASSES_CONFIG, epochs=2).fit(
        [s.forms for s in sentences], [s.tags for s in sentences])
    tagger.save(folder / "classes.snlp")
    return folder / "classes.snlp", [s.forms for s in sentences]


def test_a_dictionary_kept_for_tag_classes_leaves_decoding_open(with_classes, tmp_path):
    model, sentences = with_classes
    metadata, *_ = modelfile.load(model)
    assert metadata["features"]["tag_dictionary"]["decoding"] is False
    # "cat" allowed ADP alone: its class changes, but decoding may still tag it NOUN.
    forced = _forced(model, tmp_path, "cat", "ADP")
    backends = ["numpy"] + (["c"] if C_RUNTIME else [])
    answers = [PosTagger.load(forced, backend=b).tag_batch(sentences) for b in backends]
    assert "NOUN" in {t for s, ts in zip(sentences, answers[0])
                      for w, t in zip(s, ts) if w.lower() == "cat"}
    assert all(a == answers[0] for a in answers)


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
def test_both_readers_refuse_tag_classes_without_a_dictionary(with_classes, tmp_path):
    from .test_hostile_files import _decisions

    model, _ = with_classes
    metadata, arrays, *_ = modelfile.load(model)
    del metadata["features"]["tag_dictionary"]
    arrays = {k: v for k, v in arrays.items() if not k.startswith("tag_dictionary")}
    assert _decisions(PosTagger, modelfile.encode(metadata, arrays), tmp_path) == (
        "refused", "refused")
    metadata, arrays, *_ = modelfile.load(model)
    metadata["features"]["tag_dictionary"]["decoding"] = "no"
    assert _decisions(PosTagger, modelfile.encode(metadata, arrays), tmp_path) == (
        "refused", "refused")
