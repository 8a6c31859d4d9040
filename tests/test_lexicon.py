"""A tagger's word lexicon: built from a (synthetic) spacy-lookups-data
folder, looked up exactly then lowercased, stored in the model file and read
back; cluster and case_ratio groups train and tag with it."""

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import PosTagger, datasets, modelfile
from smallnlp.cli import main
from smallnlp.errors import ConfigError, DataError, ModelFileError
from smallnlp.lexicon import RATIO_IDS, Lexicon, bytes_for

from .conftest import TINY_POS_CONFIG, config_toml, synthetic_treebank

CLUSTERS = {"the": 3, "The": 4, "a": 3, "cat": 9, "dog": 9, "Paris": 12, "sees": 20,
            "runs": 20, "in": 30, ".": 40, "rareword": 0}
PROBABILITIES = {"the": -3.0, "The": -5.5, "a": -4.0, "cat": -9.0, "dog": -9.5, "Paris": -10.0,
                 "paris": -14.0, "sees": -11.0, "runs": -11.5, "in": -4.5, ".": -3.5,
                 "rareword": -18.0, "Zz": -17.0}


def write_source(folder: Path) -> Path:
    """A made-up spacy-lookups-data folder (gzip without a time stamp, so the
    same bytes every time) in ``folder``."""
    for name, table in (("en_lexeme_cluster.json.gz", CLUSTERS),
                        ("en_lexeme_prob.json.gz", PROBABILITIES)):
        (folder / name).write_bytes(gzip.compress(json.dumps(table).encode(), mtime=0))
    return folder


@pytest.fixture
def source(tmp_path):
    return write_source(tmp_path)


def test_lookups_exact_then_lowercased(source):
    lexicon = Lexicon.build(source, words=12)
    assert len(lexicon.slots) * 4 == bytes_for(12)
    clusters, ratios = lexicon.token_ids(["the", "The", "THE", "Paris", "cat", "unknown", "Zz"])
    ids = {c: i + 1 for i, c in enumerate(sorted({v for v in CLUSTERS.values() if v}))}
    assert clusters.tolist() == [ids[3], ids[4], ids[3], ids[12], ids[9], 0, 0]
    # The: log P(The) - log P(the) = -2.5 -> its bin; THE: not in the table; Paris: +4.0;
    # Zz: capitalised, its lowercase form unknown; lower-case words: 0.
    assert ratios[[0, 4, 5]].tolist() == [0, 0, 0]
    assert ratios[2] == 1 and ratios[6] == RATIO_IDS - 1
    assert 1 < ratios[1] < ratios[3] < RATIO_IDS - 1
    random_words = [f"w{i}x" for i in range(5000)]
    assert (lexicon.find(random_words) != 0).mean() < 0.01  # fingerprints keep strays out
    with pytest.raises(DataError, match="en_lexeme_prob.json.gz"):
        Lexicon.build(source / "absent", words=5)


def _config(tmp_path, words: int):
    groups = TINY_POS_CONFIG["features"]["groups"]
    config = {**TINY_POS_CONFIG, "features": {
        "dims": 8, "lexicon_words": words,
        "groups": groups[:-2] + [{"name": "cluster", "kind": "cluster"},
                                 {"name": "cluster+1", "kind": "cluster", "offset": 1},
                                 {"name": "case", "kind": "case_ratio", "dims": 4}]
        + groups[-2:]}}
    path = tmp_path / "lexicon.toml"
    path.write_text(config_toml(config))
    return path


def test_a_tagger_trains_and_reloads_with_its_lexicon(tmp_path, source):
    treebank = tmp_path / "Tiny-Treebank"
    treebank.mkdir()
    (treebank / "train.conllu").write_text(synthetic_treebank(60), encoding="utf-8")
    model = tmp_path / "pos.snlp"
    arguments = ["train", "pos", "--train", str(treebank / "train.conllu"), "--memory-budget",
                 "80KB", "--output", str(model), "--config", str(_config(tmp_path, 12)),
                 "--epochs", "2", "--licence", "test"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1 and "needs the lexicon source" in result.output
    result = CliRunner().invoke(main, arguments + ["--lexicon", str(source)])
    assert result.exit_code == 0, result.output
    metadata = modelfile.load(model).metadata
    assert metadata["features"]["lexicon"]["words"] == 12
    assert "spacy-lookups-data (word lexicon)" in metadata["data_licences"]
    tagger = PosTagger.load(model, backend="numpy")
    sentences = [s.forms for s in datasets.read_conllu(treebank / "train.conllu")][:20]
    tags = tagger.tag_batch(sentences)
    assert all(len(t) == len(s) for t, s in zip(tags, sentences))
    if importlib.util.find_spec("smallnlp._runtime"):  # the C runtime reads the lexicon too
        c = PosTagger.load(model, backend="c")
        words = ["the", "The", "THE", "Paris", "PARIS", "cat", "Zz", "dog", "nothing", "",
                 "İstanbul", "a\ud800b", "Ünïcödé"] + [w for s in sentences for w in s]
        rng = np.random.default_rng(1)
        mixed = [[words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 12)))]
                 for _ in range(300)]
        assert c.tag_batch(sentences + mixed) == tagger.tag_batch(sentences + mixed)
        ids = tagger.featurizer_.lexicon.token_ids(words)
        assert ids[0].any() and ids[1].any()  # the mix reaches both kinds' lookups
    clusters, _ = tagger.featurizer_.lexicon.token_ids(["the", "cat", "nothing"])
    assert clusters[0] != 0 and clusters[2] == 0
    assert np.array_equal(PosTagger.load(model).featurizer_.lexicon.slots,
                          tagger.featurizer_.lexicon.slots)
    metadata, arrays, *_ = modelfile.load(model)
    del metadata["features"]["lexicon"]
    modelfile.save(tmp_path / "bare.snlp", metadata,
                   {k: np.array(a) for k, a in arrays.items() if k != "lexicon"})
    with pytest.raises(ModelFileError, match="need a word lexicon"):
        PosTagger.load(tmp_path / "bare.snlp")


def test_lexical_groups_need_lexicon_words(tmp_path):
    with pytest.raises(ConfigError, match="lexicon_words"):
        PosTagger(config=str(_config(tmp_path, 0))).read_config()
