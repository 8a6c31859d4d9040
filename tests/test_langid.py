import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smallnlp import LanguageIdentifier, Prediction
from smallnlp.augment import cut_spans
from smallnlp.datasets import read_labelled_dir
from smallnlp.errors import ConfigError, DataError, ModelFileError

from .conftest import TINY_CONFIG, run_fresh, save_unchecked, synthetic_corpus, write_corpus

# Every code point, lone surrogates included (hypothesis leaves them out by default).
ANY_CHARACTER = st.characters(blacklist_categories=())


def test_end_to_end_training_learns_synthetic_languages(tiny_model):
    texts, labels = synthetic_corpus(40, seed=7)
    predicted = [p.label for p in tiny_model.predict_batch(texts)]
    accuracy = np.mean([p == y for p, y in zip(predicted, labels)])
    assert accuracy > 0.95
    assert tiny_model.labels == ["aa", "bb", "cc", "dd"]


def test_predict_and_top_k(tiny_model):
    prediction = tiny_model.predict("kakiko tonaru")
    assert isinstance(prediction, Prediction) and prediction.label == "aa"
    top = tiny_model.top_k("kakiko tonaru", k=3)
    assert [p.label for p in top][0] == "aa" and len(top) == 3
    assert top[0].probability >= top[1].probability >= top[2].probability


@pytest.mark.parametrize("text", ["", "   ", "12345", "!?.,;", "\x00\x07", "😀🎉"])
def test_text_without_letters_is_undetermined(tiny_model, text):
    assert tiny_model.predict(text) == Prediction("und", 0.0)
    assert tiny_model.top_k(text) == [Prediction("und", 0.0)]


@pytest.mark.parametrize("text", ["ka\ud800ki", "\u202eкона", "a" + "\u0301" * 5000,
                                  "kaki " * 2_000_000, "tonaru\x00kiko"])
def test_hostile_text_does_not_crash(tiny_model, text):
    prediction = tiny_model.predict(text)
    assert prediction.label in tiny_model.labels
    assert 0.0 < prediction.probability <= 1.0


def test_batch_equals_single(tiny_model, tmp_path):
    """predict() takes a path of its own for one text (best), here the numpy
    backend's: the same answers, with and without a language subset."""
    texts, _ = synthetic_corpus(10, seed=3)
    texts += ["", "123"]
    for languages in (None, ["bb", "cc"]):
        model = LanguageIdentifier.load(_saved(tiny_model, tmp_path), backend="numpy",
                                         languages=languages)
        batch = model.predict_batch(texts)
        for text, expected in zip(texts, batch):
            single = model.predict(text)
            assert single.label == expected.label
            assert abs(single.probability - expected.probability) < 1e-6


def test_save_load_gives_identical_predictions(tiny_model, tmp_path):
    path = tmp_path / "tiny.snlp"
    size = tiny_model.save(path)
    assert size == path.stat().st_size <= 60_000
    loaded = LanguageIdentifier.load(path, backend="numpy")
    texts, _ = synthetic_corpus(20, seed=5)
    np.testing.assert_array_equal(loaded.predict_proba(texts), tiny_model.predict_proba(texts))
    assert loaded.labels == tiny_model.labels


def test_same_seed_gives_byte_identical_model(tmp_path):
    texts, labels = synthetic_corpus(30)
    paths = []
    for name in ("a", "b"):
        model = LanguageIdentifier("60KB", config=TINY_CONFIG, epochs=2, seed=11)
        model.fit(texts, labels)
        paths.append(tmp_path / f"{name}.snlp")
        model.save(paths[-1])
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_float_and_8bit_agree(tiny_model):
    texts, labels = synthetic_corpus(40, seed=9)
    quantized = tiny_model.predict_proba(texts).argmax(axis=1)
    groups = tiny_model.featurizer_.transform(texts, merge_repeats=False)
    floating = tiny_model.float_network_.exact_logits(groups).argmax(axis=1)
    assert np.mean(quantized == floating) > 0.97


def test_unfitted_model_raises():
    with pytest.raises(RuntimeError, match="not fitted"):
        LanguageIdentifier().predict("hello")


def test_loading_another_task_is_refused(tmp_path):
    from smallnlp import modelfile
    path = tmp_path / "other.snlp"
    modelfile.save(path, {"task": "pos"}, {})
    with pytest.raises(ModelFileError, match="holds a POS-tagging model, not a language-ID one"):
        LanguageIdentifier.load(path)


def test_bad_training_files_name_file_and_line(tmp_path):
    with pytest.raises(DataError, match="no such directory"):
        read_labelled_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no <label>.txt files"):
        read_labelled_dir(tmp_path / "empty")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "en.txt").write_bytes(b"good line\nbad \xff line\n")
    with pytest.raises(DataError, match=r"en\.txt:2: not valid UTF-8"):
        read_labelled_dir(corpus)
    (corpus / "en.txt").write_text("\n  \n")
    with pytest.raises(DataError, match="en.txt: file has no text lines"):
        read_labelled_dir(corpus)


def test_read_labelled_dir(tmp_path):
    texts, labels = synthetic_corpus(3)
    got_texts, got_labels = read_labelled_dir(write_corpus(tmp_path, texts, labels))
    assert sorted(zip(got_texts, got_labels)) == sorted(zip(texts, labels))


def test_cut_spans():
    rng = np.random.default_rng(0)
    spans = cut_spans(["one two three four five", "solo", "日本語のテキストです"], rng, 2, 2)
    assert len(spans[0].split()) == 2 and spans[0] in "one two three four five"
    assert spans[1] is None
    assert 2 <= len(spans[2]) <= 4


def test_prediction_imports_numpy_only(tiny_model, tmp_path):
    path = tmp_path / "tiny.snlp"
    tiny_model.save(path)
    assert run_fresh("from smallnlp import LanguageIdentifier\n"
                     f"print(LanguageIdentifier.load({str(path)!r}).predict('kakiko').label)"
                     ) == ["aa", "[]"]


def test_restricting_languages_renormalises(tiny_model, tmp_path):
    path = tmp_path / "tiny.snlp"
    tiny_model.save(path)
    model = LanguageIdentifier.load(path, languages=["bb", "cc"])
    probs = model.predict_proba(["kakiko tonaru", "schein ber", "123"])
    assert probs[:, [0, 3]].sum() == 0.0
    np.testing.assert_allclose(probs[:2].sum(axis=1), 1.0, rtol=1e-5)
    assert model.predict("kakiko tonaru").label in ("bb", "cc")
    assert model.predict("123").label == "und"
    assert model.set_languages(None).predict("kakiko tonaru").label == "aa"
    with pytest.raises(ValueError, match="unknown language code"):
        model.set_languages(["aa", "zz"])


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_a_language_subset_is_all_that_top_k_lists(tiny_model, tmp_path, backend):
    path = tmp_path / "tiny.snlp"
    tiny_model.save(path)
    try:
        model = LanguageIdentifier.load(path, languages=["bb", "cc"], backend=backend)
    except ValueError as exc:  # the C extension is not built here
        pytest.skip(str(exc))
    assert model.languages == ["bb", "cc"] and model.labels == ["aa", "bb", "cc", "dd"]
    for answers in model.top_k_batch(["kakiko tonaru", "schein ber", "кона"], k=4):
        assert len(answers) == 2 and {a.label for a in answers} == {"bb", "cc"}
    assert [a.label for a in model.top_k("123", k=4)] == ["und"]
    assert model.set_languages(None).languages == model.labels


def test_batch_of_a_string_is_refused(tiny_model):
    with pytest.raises(TypeError, match="list of str"):
        tiny_model.predict_batch("kakiko")
    with pytest.raises(TypeError):
        tiny_model.predict(None)
    with pytest.raises(TypeError):
        tiny_model.predict_batch([b"bytes"])


def test_one_model_shared_by_eight_threads_gives_single_threaded_answers(tiny_model):
    from concurrent.futures import ThreadPoolExecutor
    texts, _ = synthetic_corpus(25, seed=13)
    texts += ["", "😀", "ka\ud800ki"]
    expected = [tiny_model.predict(t) for t in texts]

    def work(seed: int) -> list:
        order = np.random.default_rng(seed).permutation(len(texts))
        answers = [None] * len(texts)
        for _ in range(3):
            for i in order:
                answers[i] = tiny_model.predict(texts[i])
        return answers

    with ThreadPoolExecutor(max_workers=8) as pool:
        for answers in pool.map(work, range(8)):
            assert answers == expected


def test_read_sources_reports_real_line_numbers(tmp_path):
    from smallnlp.datasets import read_sources
    path = tmp_path / "SOURCES.tsv"
    path.write_text("code\tlanguage\tlicense\n\nde\tGerman\tCC BY-SA 4.0\n\nen\tEnglish\n")
    with pytest.raises(DataError, match=r"SOURCES\.tsv:5: expected 3 tab-separated fields"):
        read_sources(path)
    path.write_text("code\tlanguage\tlicense\nde\tGerman\tCC BY-SA 4.0\n")
    assert read_sources(path) == {"de": {"code": "de", "language": "German",
                                         "license": "CC BY-SA 4.0"}}


@given(st.text(ANY_CHARACTER, max_size=300))
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_unicode_text_gets_a_label_or_und(tiny_model, text):
    prediction = tiny_model.predict(text)
    assert prediction.label in tiny_model.labels or prediction == Prediction("und", 0.0)
    assert 0.0 <= prediction.probability <= 1.0
    batch = tiny_model.predict_batch([text, "kakiko tonaru", text])
    assert batch[0] == batch[2] and batch[0].label == prediction.label
    assert abs(batch[0].probability - prediction.probability) < 1e-6


@pytest.mark.parametrize("bad", [None, 123, 4.5, b"bytes", ["nested"]])
def test_non_text_inputs_raise_type_error(tiny_model, bad):
    with pytest.raises(TypeError):
        tiny_model.predict(bad)
    with pytest.raises(TypeError):
        tiny_model.predict_batch(["fine", bad])


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=255))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_corrupted_model_file_is_refused_cleanly(tiny_model, tmp_path_factory, where, flip):
    path = tmp_path_factory.mktemp("corrupt") / "m.snlp"
    tiny_model.save(path)
    data = bytearray(path.read_bytes())
    data[where % len(data)] ^= flip
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=str(path.name)):
        LanguageIdentifier.load(path)


def test_model_with_a_bad_temperature_is_refused(tiny_model, tmp_path):
    metadata = {**tiny_model.metadata_, "calibration": {
        **tiny_model.metadata_["calibration"], "temperature": -1.0}}
    save_unchecked(tmp_path / "bad.snlp", metadata, tiny_model.network_)
    with pytest.raises(ModelFileError, match="temperature"):
        LanguageIdentifier.load(tmp_path / "bad.snlp")


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_a_share_of_training_examples_is_stripped_of_diacritics(share, monkeypatch):
    import smallnlp.augment

    texts, labels = synthetic_corpus(40, seed=17)
    stripped = []
    monkeypatch.setattr(smallnlp.augment, "strip_diacritics",
                        lambda text: stripped.append(text) or text)
    config = {**TINY_CONFIG, "augment": {**TINY_CONFIG["augment"], "stripped_share": share}}
    model = LanguageIdentifier(memory_budget="60KB", config=config, epochs=1).fit(texts, labels)
    examples = 2 * len(texts)  # every line and one span of it
    assert abs(len(stripped) - share * examples) <= 4 * (examples * 0.25) ** 0.5
    assert model.metadata_["training"]["augment"]["stripped_share"] == share


def test_stripped_share_is_a_share():
    config = {**TINY_CONFIG, "augment": {"stripped_share": 1.5}}
    with pytest.raises(ConfigError, match=r"\[augment\].*stripped_share"):
        LanguageIdentifier(config=config).fit(*synthetic_corpus(5))


def test_a_model_records_its_languages(tiny_model):
    info = {i.code: i for i in tiny_model.language_info()}
    assert sorted(info) == tiny_model.labels
    assert info["dd"].scripts == ("Cyrillic",) and info["aa"].scripts == ("Latin",)
    assert info["aa"].training_lines == 150 and info["aa"].name is None


def _every_label(labels, **changes):
    table = {code: {"scripts": ["Latin"], "lines": 1} for code in labels}
    return {**table, **changes}


@pytest.mark.parametrize("make_table, says", [
    (lambda labels: {"aa": {"scripts": ["Latin"], "lines": 3}}, "table of the labels"),
    (lambda labels: "dd", "table of the labels"),
    (lambda labels: _every_label(labels, bb={"scripts": ["Latin"], "lines": -1}),
     "training.languages.bb"),
    (lambda labels: _every_label(labels, bb={"scripts": ["Latin"], "lines": 1, "x": 2}),
     "training.languages.bb"),
])
def test_a_bad_language_table_is_refused(tiny_model, tmp_path, make_table, says):
    metadata = {**tiny_model.metadata_, "training": {
        **tiny_model.metadata_["training"], "languages": make_table(tiny_model.labels)}}
    save_unchecked(tmp_path / "bad.snlp", metadata, tiny_model.network_)
    with pytest.raises(ModelFileError, match=says):
        LanguageIdentifier.load(tmp_path / "bad.snlp")


def test_the_line_prior_shifts_each_bias_by_its_share_of_the_lines():
    texts, labels = synthetic_corpus(60)
    keep = [i for i, y in enumerate(labels) if y != "bb" or i % 4 == 0]  # bb: 15 lines
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    biases = []
    for prior in (0.0, 0.5):
        config = {**TINY_CONFIG, "training": {**TINY_CONFIG["training"], "line_prior": prior}}
        model = LanguageIdentifier(memory_budget="60KB", config=config, epochs=1).fit(texts,
                                                                                      labels)
        biases.append(model.network_.output_bias.astype(np.float64))
    lines = np.log([60, 15, 60, 60])
    np.testing.assert_allclose(biases[1] - biases[0], 0.5 * (lines - lines.mean()), atol=1e-5)


def test_score_and_evaluate_are_predict_batch_scored(tiny_model):
    texts, labels = synthetic_corpus(8, seed=3)
    labels[0] = "xx"  # a label the model lacks counts as an error
    predicted = [p.label for p in tiny_model.predict_batch(texts)]
    right = sum(p == y for p, y in zip(predicted, labels))
    assert tiny_model.score(texts, labels) == right / len(labels)
    report = tiny_model.evaluate(texts, labels)
    assert (report.total, report.accuracy) == (len(texts), right / len(labels))
    assert 0 <= report.extra["expected_calibration_error"] <= 1
    assert report.to_dict()["expected_calibration_error"] == report.extra[
        "expected_calibration_error"]
    with pytest.raises(DataError, match="inputs but"):
        tiny_model.score(texts, labels[:-1])
    with pytest.raises(TypeError):
        tiny_model.score("one text", ["de"])


def test_max_chars_reads_only_the_start_of_each_text(tiny_model, tmp_path):
    import pickle

    long_text = "kakiko tonaru " * 50 + "schein bericht " * 200
    model = LanguageIdentifier.load(_saved(tiny_model, tmp_path), backend="numpy")
    assert model.max_chars == 2000  # the config's max_chars
    assert model.predict(long_text).label == "bb"
    model.set_max_chars(100)
    assert model.max_chars == 100 and model.predict(long_text).label == "aa"
    assert model.predict(long_text) == model.set_max_chars(None).predict(long_text[:100])
    model.set_max_chars(100)
    assert pickle.loads(pickle.dumps(model)).max_chars == 100
    assert model.set_max_chars(10**9).max_chars == 2000  # no more than the model reads
    for bad, error in ((0, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(error):
            model.set_max_chars(bad)
    from click.testing import CliRunner

    from smallnlp.cli import main

    for limit, label in (("100", "aa"), ("2000", "bb")):
        result = CliRunner().invoke(main, ["langid", "--model", str(tmp_path / "tiny.snlp"),
                                           "--max-chars", limit, long_text])
        assert result.exit_code == 0 and result.output.startswith(label + "\t"), result.output


def _saved(model, tmp_path):
    path = tmp_path / "tiny.snlp"
    model.save(path)
    return path
