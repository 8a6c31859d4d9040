import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smallnlp import datasets
from smallnlp.cli import main
from smallnlp.errors import DataError, ModelFileError
from smallnlp.features import GroupSpec, TokenFeaturizer
from smallnlp.pos import PosTagger, TagDecoder, tokenize

from .conftest import (
    KNOWN_WORDS_CONFIG,
    REFERENCE_SENTENCES,
    TINY_POS_CONFIG,
    TWO_PASS_CONFIG,
    config_toml,
    reference_tags,
    run_fresh,
    save_unchecked,
    synthetic_treebank,
)

# Every code point, lone surrogates included (hypothesis leaves them out by default).
ANY_CHARACTER = st.characters(blacklist_categories=())


def test_conllu_skips_ranges_and_empty_nodes(treebank):
    sentence = datasets.read_conllu(treebank / "train.conllu")[0]
    assert sentence.forms[0] != sentence.forms[0] + "x"
    assert "ghost" not in sentence.forms
    assert len(sentence.forms) == len(sentence.tags) in (6, 9)


def test_conllu_round_trip_is_byte_identical_apart_from_upos(treebank, tmp_path):
    original = (treebank / "dev.conllu").read_text(encoding="utf-8")
    sentences = datasets.read_conllu(treebank / "dev.conllu")
    assert "".join(datasets.format_conllu(s) for s in sentences) == original
    retagged = [s.with_tags(["X"] * len(s.forms)) for s in sentences]
    written = "".join(datasets.format_conllu(s) for s in retagged)
    for before, after in zip(original.splitlines(), written.splitlines()):
        a, b = before.split("\t"), after.split("\t")
        if len(a) == 10 and a[0].isdigit():
            assert b[3] == "X" and a[:3] + a[4:] == b[:3] + b[4:]
        else:
            assert before == after


@pytest.mark.parametrize("text, message", [
    ("1\tone\t_\tNOUN\t_\n", "expected 10 tab-separated columns"),
    ("2\ttwo\t_\tNOUN\t_\t_\t_\t_\t_\t_\n", "word ID 2, expected 1"),
    ("x\tone\t_\tNOUN\t_\t_\t_\t_\t_\t_\n", "invalid ID"),
    ("# only a comment\n\n", "sentence has no words"),
])
def test_malformed_conllu_names_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.conllu"
    path.write_text("1\tok\t_\tNOUN\t_\t_\t_\t_\t_\t_\n\n" + text, encoding="utf-8")
    with pytest.raises(DataError, match=rf"bad\.conllu:3: {message}"):
        datasets.read_conllu(path)


def test_tagger_learns_synthetic_treebank(tagger, treebank):
    test = datasets.read_conllu(treebank / "dev.conllu")
    predicted = tagger.tag_batch([s.forms for s in test])
    gold = [t for s in test for t in s.tags]
    flat = [t for tags in predicted for t in tags]
    assert np.mean([g == p for g, p in zip(gold, flat)]) > 0.97
    assert tagger.tag(["the", "dog", "eats", "a", "tree", "."]) == [
        "DET", "NOUN", "VERB", "DET", "NOUN", "PUNCT"]


def test_tag_batch_equals_tag_and_handles_hostile_tokens(tagger):
    sentences = [["the", "cat"], [], ["😀", "\x00", "...", "ﷺ", "a" * 10_000], ["the"] * 10_000,
                 ["Straße", "猫", "кот"]]
    batch = tagger.tag_batch(sentences)
    assert [len(t) for t in batch] == [len(s) for s in sentences]
    for sentence, tags in zip(sentences, batch):
        assert tagger.tag(sentence) == tags
        assert set(tags) <= set(tagger.labels)
    with pytest.raises(TypeError):
        tagger.tag_batch("not a list of sentences")


def test_save_load_identical_output(tagger, tmp_path):
    path = tmp_path / "pos.snlp"
    assert tagger.save(path) <= 80_000
    loaded = PosTagger.load(path)
    sentences = [["a", "tree", "likes", "this", "idea", "!"], ["near", "the", "house"]]
    assert loaded.tag_batch(sentences) == tagger.tag_batch(sentences)
    assert loaded.labels == tagger.labels


def test_tag_text_and_tokenizer(tagger):
    assert tokenize("The cat's toy, well-made!") == ["The", "cat's", "toy", ",", "well-made", "!"]
    pairs = tagger.tag_text("the cat sees a dog.")
    assert [t for t, _ in pairs] == ["the", "cat", "sees", "a", "dog", "."]
    assert pairs[1][1] == "NOUN"


def test_cli_train_tag_eval(treebank, tmp_path):
    runner = CliRunner()
    config = tmp_path / "pos.toml"
    config.write_text(config_toml(TINY_POS_CONFIG))
    model = tmp_path / "pos.snlp"
    result = runner.invoke(main, ["train", "pos", "--train", str(treebank / "train.conllu"),
                                  "--dev", str(treebank / "dev.conllu"), "--memory-budget",
                                  "80KB", "--output", str(model), "--config", str(config),
                                  "--epochs", "3", "--licence", "test-licence"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["pos", "--model", str(model), "the cat sees a dog."])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("the/DET cat/NOUN")
    conllu_in = (treebank / "dev.conllu").read_text(encoding="utf-8")
    result = runner.invoke(main, ["pos", "--model", str(model), "--format", "conllu"],
                           input=conllu_in.encode())
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(conllu_in.splitlines())
    result = runner.invoke(main, ["eval", "pos", "--model", str(model), "--train",
                                  str(treebank / "train.conllu"), "--data",
                                  str(treebank / "dev.conllu")])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "unseen" in result.output
    result = runner.invoke(main, ["info", str(model)])
    assert "test-licence" in result.output
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tx\n")
    result = runner.invoke(main, ["eval", "pos", "--model", str(model), "--data", str(bad)])
    assert result.exit_code == 1 and "bad.conllu:1" in result.output


def test_cli_trains_on_several_treebanks_and_records_each(treebank, tmp_path):
    from smallnlp import modelfile

    other = tmp_path / "Other-Treebank"
    other.mkdir()
    (other / "train.conllu").write_text(synthetic_treebank(15, seed=3), encoding="utf-8")
    config = tmp_path / "pos.toml"
    config.write_text(config_toml(TINY_POS_CONFIG))
    model = tmp_path / "pos.snlp"
    files = [str(treebank / "train.conllu"), str(other / "train.conllu")]
    base = ["train", "pos", "--train", files[0], "--train", files[1], "--memory-budget",
            "80KB", "--output", str(model), "--config", str(config), "--epochs", "1"]
    result = CliRunner().invoke(main, base + ["--licence", "only one"])
    assert result.exit_code == 2 and "once per --train (2)" in result.output
    result = CliRunner().invoke(main, base + ["--licence", "A licence", "--licence", "B licence"])
    assert result.exit_code == 0, result.output
    metadata = modelfile.load(model).metadata
    assert metadata["data_licences"] == {treebank.name: "A licence",
                                         "Other-Treebank": "B licence"}
    training = metadata["training"]
    counts = [len(datasets.read_conllu(f)) for f in files]
    assert [(t["file"], t["sentences"], t["treebank"]) for t in training["train"]] == \
        [("train.conllu", counts[0], treebank.name), ("train.conllu", counts[1],
                                                      "Other-Treebank")]


def test_word_dropout_and_scheduled_sampling_train(treebank):
    config = {**KNOWN_WORDS_CONFIG,
              "tagging": {"word_dropout": 0.25, "scheduled_sampling": 0.3}}
    train = datasets.read_conllu(treebank / "train.conllu")
    tagger = PosTagger("80KB", config=config, epochs=3).fit(
        [s.forms for s in train], [s.tags for s in train])
    recorded = tagger.metadata_["training"]["tagging"]
    assert {key: recorded[key] for key in config["tagging"]} == config["tagging"]
    assert tagger.tag(["the", "dog", "eats", "a", "tree", "."]) == [
        "DET", "NOUN", "VERB", "DET", "NOUN", "PUNCT"]


def test_word_dropout_needs_an_unknown_word_row(treebank):
    train = datasets.read_conllu(treebank / "train.conllu")
    config = {**TINY_POS_CONFIG, "tagging": {"word_dropout": 0.25}}
    with pytest.raises(ValueError, match="known_word_bits"):
        PosTagger("80KB", config=config, epochs=1).fit(
            [s.forms for s in train], [s.tags for s in train])


def test_unseen_words_take_the_unknown_row_and_survive_save_load(treebank, tmp_path):
    train = datasets.read_conllu(treebank / "train.conllu")
    tagger = PosTagger("80KB", config=KNOWN_WORDS_CONFIG, epochs=2).fit(
        [s.forms for s in train], [s.tags for s in train])
    featurizer = tagger.featurizer_
    sentence = ["The", "zorblax", "eats", "a", "Tree", "."]  # zorblax is not in training
    groups = featurizer.transform([sentence])
    for spec, group in zip(featurizer.static_groups, groups):
        if spec.kind == "word":
            unknown = featurizer.unknown_row(spec)
            assert unknown == spec.buckets - 1
            word_at = np.arange(len(sentence)) + spec.offset
            is_zorblax = word_at == 1
            assert np.all(group.ids[is_zorblax] == unknown)
            assert np.all(group.ids[~is_zorblax] < unknown)  # seen words and padding
    path = tmp_path / "known.snlp"
    size = tagger.save(path)
    assert size <= 80_000
    loaded = PosTagger.load(path)
    assert np.array_equal(loaded.featurizer_.known_words, featurizer.known_words)
    assert loaded.metadata_["features"]["known_words"] == {"bits": 4096, "seed": 1}
    assert loaded.tag(sentence) == tagger.tag(sentence)
    shown = CliRunner().invoke(main, ["info", str(path)]).output
    assert "known words: a 4,096-bit bitmap" in shown and "known_words " in shown

    # A bitmap that does not match its metadata, or is missing, is refused.
    features = loaded.metadata_["features"]
    wrong_bits = {**loaded.metadata_, "features": {**features, "known_words": {
        "bits": 8, "seed": 1}}}
    for metadata, arrays in ((wrong_bits, {"known_words": featurizer.known_words}),
                             (loaded.metadata_, {})):
        save_unchecked(tmp_path / "bad.snlp", metadata, loaded.network_, arrays)
        with pytest.raises(ModelFileError, match="known_words"):
            PosTagger.load(tmp_path / "bad.snlp")


def test_metadata_written_after_planning_stays_within_budget(treebank):
    # Many epochs and groups make the history and feature spec large.
    train = datasets.read_conllu(treebank / "train.conllu")
    budget = 100_000
    tagger = PosTagger(budget, config={**TINY_POS_CONFIG, "training": {
        **TINY_POS_CONFIG["training"], "epochs": 30, "patience": 100}}, epochs=30)
    tagger.fit([s.forms for s in train[:50]], [s.tags for s in train[:50]],
               [s.forms for s in train[50:60]], [s.tags for s in train[50:60]])
    assert len(tagger.metadata_["training"]["history"]) == 30
    from smallnlp import fileformat, modelfile
    payload = modelfile.encode(tagger.metadata_, fileformat.arrays_of_network(tagger.network_))
    assert len(payload) <= budget


@given(st.lists(st.lists(st.text(ANY_CHARACTER, max_size=30), max_size=12), max_size=4))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_unicode_tokens_get_tags(tagger, sentences):
    batch = tagger.tag_batch(sentences)
    assert [len(t) for t in batch] == [len(s) for s in sentences]
    assert all(set(tags) <= set(tagger.labels) for tags in batch)
    assert [tagger.tag(s) for s in sentences] == batch


@pytest.mark.parametrize("bad", [None, 123, [["ok", None]], [[b"bytes"]], [123]])
def test_non_token_inputs_raise_type_error(tagger, bad):
    with pytest.raises(TypeError):
        tagger.tag_batch(bad)


def test_tagging_imports_numpy_only(tagger, tmp_path):
    path = tmp_path / "pos.snlp"
    tagger.save(path)
    assert run_fresh("from smallnlp import PosTagger\n"
                     f"print(PosTagger.load({str(path)!r}).tag(['the', 'dog']))"
                     ) == ["['DET', 'NOUN']", "[]"]


@pytest.fixture(scope="module")
def two_pass_tagger(treebank):
    train = datasets.read_conllu(treebank / "train.conllu")
    return PosTagger("80KB", config=TWO_PASS_CONFIG).fit(
        [s.forms for s in train], [s.tags for s in train])


@pytest.mark.parametrize("which", ["tagger", "two_pass_tagger"])
def test_vectorised_decoding_matches_token_by_token_reference(which, request):
    model = request.getfixturevalue(which)
    assert model.tag_batch(REFERENCE_SENTENCES) == [reference_tags([model], s)
                                                    for s in REFERENCE_SENTENCES]


def test_an_ensemble_decodes_by_averaged_probabilities(two_pass_tagger, treebank):
    train = datasets.read_conllu(treebank / "train.conllu")
    other = PosTagger("80KB", config=TWO_PASS_CONFIG, epochs=2, seed=5).fit(
        [s.forms for s in train], [s.tags for s in train])
    members = [two_pass_tagger, other]
    decoder = TagDecoder.of(members)
    assert decoder.tag_batch(REFERENCE_SENTENCES) == [reference_tags(members, s)
                                                      for s in REFERENCE_SENTENCES]
    assert TagDecoder.of([other]).tag_batch(REFERENCE_SENTENCES) == other.tag_batch(
        REFERENCE_SENTENCES)
    with pytest.raises(RuntimeError, match="not fitted"):
        TagDecoder.of([other, PosTagger()])


def test_two_pass_tagger_learns_and_survives_save_load(two_pass_tagger, treebank, tmp_path):
    test = datasets.read_conllu(treebank / "dev.conllu")
    predicted = [t for tags in two_pass_tagger.tag_batch([s.forms for s in test]) for t in tags]
    gold = [t for s in test for t in s.tags]
    assert np.mean([g == p for g, p in zip(gold, predicted)]) > 0.97
    path = tmp_path / "two-pass.snlp"
    two_pass_tagger.save(path)
    loaded = PosTagger.load(path)
    assert [g.name for g in loaded.featurizer_.next_tag_groups] == ["next+1"]
    n_labels = len(loaded.labels)
    assert [g.buckets for g in loaded.featurizer_.groups if "tag" in g.kind] == [n_labels + 2] * 3
    sentences = [s.forms for s in test[:20]] + [[], ["😀", "\x00"]]
    assert loaded.tag_batch(sentences) == two_pass_tagger.tag_batch(sentences)
    assert [loaded.tag(s) for s in sentences] == loaded.tag_batch(sentences)
    # A file whose tag groups lack the "not known yet" row is refused.
    features = loaded.metadata_["features"]
    groups = [{**g, "buckets": g["buckets"] - 1} if g["kind"] == "next_tag" else g
              for g in features["groups"]]
    network = loaded.network_
    network.embeddings = [store if spec.kind != "next_tag" else type(store)(
        store.codes[:-1], store.offset[:-1], store.scale[:-1])
        for spec, store in zip(loaded.featurizer_.groups, network.embeddings)]
    save_unchecked(tmp_path / "bad.snlp", {**loaded.metadata_, "features": {**features,
                                                                        "groups": groups}},
               network, {"known_words": loaded.featurizer_.known_words})
    with pytest.raises(ModelFileError, match="feature group 'next\\+1' has"):
        PosTagger.load(tmp_path / "bad.snlp")


def test_tag_ids():
    following = GroupSpec("next+1", "next_tag", 7, 8, offset=1)
    previous = GroupSpec("tag-2", "prev_tag", 7, 8, offset=-2)
    tags, lengths = np.array([0, 1, 2, 3, 4]), np.array([3, 2])
    hidden = np.array([False, True, False, False, False])
    after, before = TokenFeaturizer.tag_ids([following, previous], tags, lengths, hidden)
    assert after.tolist() == [2, 6, 0, 5, 0]  # 0: past the end, 6: hidden ("not known yet")
    assert before.tolist() == [0, 0, 1, 0, 0]


def test_two_pass_specs_are_checked(treebank):
    with pytest.raises(ValueError, match="positive offset"):
        GroupSpec("next", "next_tag", 6, 8, offset=0)
    with pytest.raises(ValueError, match="prev_tag groups must come last"):
        TokenFeaturizer([GroupSpec("tag-1", "prev_tag", 6, 8, offset=-1),
                         GroupSpec("next+1", "next_tag", 6, 8, offset=1)])
    train = datasets.read_conllu(treebank / "train.conllu")
    config = {**TWO_PASS_CONFIG, "tagging": {"word_dropout": 1.0}}
    with pytest.raises(ValueError, match="first_pass_share"):
        PosTagger("80KB", config=config, epochs=1).fit(
            [s.forms for s in train], [s.tags for s in train])



def test_tokens_in_compatibility_forms_get_the_features_of_their_letters(tagger):
    plain = [["The", "cat", "sees", "42", "dogs"]]
    fullwidth = [["Ｔｈｅ", "ｃａｔ", "𝐬𝐞𝐞𝐬", "４２", "ｄｏｇｓ"]]
    featurizer = tagger.featurizer_
    old_rules = TokenFeaturizer(featurizer.groups, featurizer.known_words,
                                featurizer.known_word_seed, version=1)
    for rules, same in ((featurizer, True), (old_rules, False)):
        groups = zip(rules.transform(plain), rules.transform(fullwidth))
        assert all(np.array_equal(a.ids, b.ids) for a, b in groups) == same


def test_score_and_evaluate_are_tag_batch_scored(tagger, treebank):
    dev = datasets.read_conllu(treebank / "dev.conllu")
    forms, gold = [s.forms for s in dev], [s.tags for s in dev]
    predicted = tagger.tag_batch(forms)
    pairs = [(g, p) for gs, ps in zip(gold, predicted) for g, p in zip(gs, ps)]
    right = sum(g == p for g, p in pairs)
    assert tagger.score(forms, gold) == right / len(pairs)
    seen = {forms[0][0]}
    report = tagger.evaluate(forms, gold, training_words=seen)
    unseen = [g == p for fs, gs, ps in zip(forms, gold, predicted)
              for f, g, p in zip(fs, gs, ps) if f not in seen]
    assert report.extra == {"unseen_words": len(unseen),
                            "unseen_accuracy": sum(unseen) / len(unseen)}
    with pytest.raises(DataError, match="tokens but"):
        tagger.score([["a", "b"]], [["NOUN"]])
