"""``[features] hangul_jamo``: a tagger that frames Hangul syllables as their
jamo, so that its suffix features see a Korean ending fused into a syllable
(가까운 = 가깝 + ㄴ); both backends alike, and both readers refuse a bad flag."""

import unicodedata

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import PosTagger, datasets, fileformat, modelfile
from smallnlp.cli import main
from smallnlp.features.batch import frame_token
from smallnlp.text import hangul_jamo

from .conftest import C_RUNTIME, config_toml, model_contents


def test_syllables_become_their_jamo_and_nothing_else_changes():
    syllables = "".join(chr(c) for c in range(0xAC00, 0xD7A4))
    assert hangul_jamo(syllables) == unicodedata.normalize("NFD", syllables)
    assert len(hangul_jamo("가간")) == 5  # ᄀ ᅡ, ᄀ ᅡ ᆫ
    untouched = "abc é ㄱㅏ ᄀ 漢字 ｶ 가"[:-1]  # letters, compatibility jamo, jamo, Han
    assert hangul_jamo(untouched) == untouched


def test_frame_token_spells_hangul_as_jamo_only_when_asked():
    assert frame_token("가까운12") == "^가까운00$"
    jamo = unicodedata.normalize("NFD", "가까운")
    assert frame_token("가까운12", jamo=True) == f"^{jamo}00$"
    assert frame_token("Abc", jamo=True) == frame_token("Abc")


# Syllables with no final consonant.
_OPEN = [chr(0xAC00 + 28 * k) for k in range(0, 399, 7)]


def _treebank(n: int, seed: int, last: list[str]) -> str:
    """Sentences of Hangul words whose tag only the last syllable's final
    consonant tells: 4 (ᆫ, as in 가까운) for VERB, 21 (ᆼ) for NOUN; that
    syllable is one of ``last`` with the final added."""
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        lines += [f"# sent_id = s{i}", "# text = ..."]
        for k in range(1, int(rng.integers(3, 8))):
            tag = "VERB" if rng.random() < 0.5 else "NOUN"
            stem = "".join(rng.choice(_OPEN, size=int(rng.integers(1, 3))))
            word = stem + chr(ord(str(rng.choice(last))) + (4 if tag == "VERB" else 21))
            lines.append(f"{k}\t{word}\t{word}\t{tag}\t_\t_\t0\tdep\t_\t_")
        lines.append("")
    return "\n".join(lines) + "\n"


_CONFIG = {
    "features": {"dims": 8, "groups": [
        {"name": "word0", "kind": "word", "seed": 1, "share": 0.5},
        {"name": "suffix1", "kind": "suffix", "order": 1, "seed": 3, "share": 0.3},
        {"name": "shape", "kind": "shape"},
        {"name": "tag-1", "kind": "prev_tag", "offset": -1}]},
    "training": {"epochs": 4, "batch_size": 32, "learning_rate": 0.01, "dropout": 0.1},
    "tagging": {"tag_dictionary": True, "tag_dictionary_cased": True},
}


def _train(folder, jamo: bool):
    config = {**_CONFIG, "features": {**_CONFIG["features"], "hangul_jamo": jamo}}
    (folder / "config.toml").write_text(config_toml(config))
    (folder / "train.conllu").write_text(_treebank(300, seed=1, last=_OPEN[::2]), encoding="utf-8")
    model = folder / f"jamo-{jamo}.snlp"
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(folder / "train.conllu"), "--memory-budget", "60KB",
        "--output", str(model), "--config", str(folder / "config.toml"), "--licence", "test"])
    assert result.exit_code == 0, result.output
    return model


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return {jamo: _train(tmp_path_factory.mktemp(f"jamo{jamo}"), jamo) for jamo in (True, False)}


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """Test sentences whose words, and last syllables, training never had."""
    path = tmp_path_factory.mktemp("unseen") / "test.conllu"
    path.write_text(_treebank(100, seed=2, last=_OPEN[1::2]), encoding="utf-8")
    return datasets.read_conllu(path)


def test_the_endings_inside_syllables_tag_unseen_words(models, unseen):
    forms, tags = [s.forms for s in unseen], [s.tags for s in unseen]
    with_jamo = PosTagger.load(models[True], backend="numpy").score(forms, tags)
    as_syllables = PosTagger.load(models[False], backend="numpy").score(forms, tags)
    assert with_jamo > 0.95 and as_syllables < 0.8, (with_jamo, as_syllables)


def test_the_file_says_so_only_when_set(models):
    assert modelfile.load(models[True])[0]["features"]["hangul_jamo"] is True
    # Format version 3 (the models here have it anyway, for their dictionaries).
    assert fileformat.file_version({"features": {"hangul_jamo": True}}) == 3
    assert fileformat.file_version({"features": {}}) == 2
    assert "hangul_jamo" not in modelfile.load(models[False])[0]["features"]
    tagger = PosTagger.load(models[True], backend="numpy")
    assert tagger.featurizer_.hangul_jamo and tagger.featurizer_.tag_dictionary.jamo


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
def test_both_backends_tag_alike(models, unseen):
    seen = [s.forms for s in datasets.read_conllu(models[True].parent / "train.conllu")]
    words = [w for s in seen[:50] + [s.forms for s in unseen] for w in s] + [
        "", "가", "ㄱ", "\u1100\u1161", "Ａ가", "가12", "^가$", "가" * 40, "a\ud800b", "漢字"]
    rng = np.random.default_rng(3)
    mixed = [[words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 12)))]
             for _ in range(300)]
    for model in models.values():
        c = PosTagger.load(model, backend="c")
        numpy_tagger = PosTagger.load(model, backend="numpy")
        assert c.tag_batch(seen + mixed) == numpy_tagger.tag_batch(seen + mixed)
        assert [c.tag(s) for s in mixed[:30]] == numpy_tagger.tag_batch(mixed[:30])


@pytest.mark.skipif(not C_RUNTIME, reason="the C extension is not built here")
def test_both_readers_refuse_a_flag_that_is_not_a_bool(models, tmp_path):
    from smallnlp import LanguageIdentifier

    from .test_hostile_files import _decisions

    metadata, arrays, *_ = modelfile.load(models[True])
    metadata["features"]["hangul_jamo"] = 1
    payload = modelfile.encode(metadata, {name: np.array(a) for name, a in arrays.items()})
    assert _decisions(PosTagger, payload, tmp_path) == ("refused", "refused")
    metadata, arrays = model_contents(LanguageIdentifier.load("langid"), tmp_path)
    metadata["features"]["hangul_jamo"] = True  # a tagger's key only
    payload = modelfile.encode(metadata, arrays)
    assert _decisions(LanguageIdentifier, payload, tmp_path) == ("refused", "refused")
