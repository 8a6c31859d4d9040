"""A model file with a valid checksum but hostile metadata or arrays is refused
at load with a ModelFileError that says what is wrong (never a KeyError,
TypeError, RecursionError or OverflowError, and never later, at predict)."""

import copy

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import LanguageIdentifier, ModelFileError, PosTagger, datasets, fileformat, modelfile
from smallnlp.cli import main

from .conftest import TINY_POS_CONFIG, model_contents, rebuilt_payload, synthetic_treebank


@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "train.conllu"
    path.write_text(synthetic_treebank(60), encoding="utf-8")
    sentences = datasets.read_conllu(path)
    config = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"],
                                              "known_word_bits": 1024}}
    return PosTagger("80KB", config=config, epochs=1).fit(
        [s.forms for s in sentences], [s.tags for s in sentences])


DEEP = "deeply nested"


def _refused(model_class, metadata, arrays, tmp_path, message):
    path = tmp_path / "hostile.snlp"
    # A valid container and checksum around whatever the metadata says.
    path.write_bytes(rebuilt_payload(modelfile.encode(metadata, arrays), lambda meta: meta.replace(
        f'"{DEEP}"'.encode(), b"[" * 100_000 + b"]" * 100_000)))
    with pytest.raises(ModelFileError, match=message) as info:
        model_class.load(path)
    assert str(path) in str(info.value)
    shown = CliRunner().invoke(main, ["info", str(path)])
    assert shown.exit_code == 1 and "Traceback" not in shown.output
    assert len(shown.output.strip().splitlines()) == 1


def _set(path: str, value):
    """A change setting the metadata entry at a dotted ``path``."""
    def change(metadata, arrays):
        *parents, last = path.split(".")
        target = metadata
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def _drop(path: str):
    def change(metadata, arrays):
        *parents, last = path.split(".")
        target = metadata
        for key in parents:
            target = target[key]
        del target[last]
    return change


def _array(name: str, value):
    def change(metadata, arrays):
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value(arrays.get(name))
    return change


def _nested(metadata, arrays):
    metadata["training"]["history"] = DEEP  # becomes 100,000 nested lists


def _nan_weights(metadata, arrays):
    arrays["hidden_weights"][0, 0] = np.nan


def _inf_scale(metadata, arrays):
    arrays["embedding_0.scale"][3] = np.inf


COMMON_CASES = [
    ("labels not a list", _set("labels", "en fr"), "labels: expected a list"),
    ("no labels", _set("labels", []), "needs 1..65536 labels"),
    ("label not a string", _set("labels.0", 7), r"labels\[0\]: expected a string"),
    ("empty label", _set("labels.0", ""), "is empty or holds a tab"),
    ("label with a tab", _set("labels.0", "a\tb"), "is empty or holds a tab"),
    ("label with a newline", _set("labels.0", "a\nb"), "is empty or holds a tab"),
    ("duplicate labels", lambda m, a: m["labels"].__setitem__(1, m["labels"][0]),
     "labels are not unique"),
    ("missing key", _drop("labels"), "missing key 'labels'"),
    ("unknown key", _set("extra", 1), "unknown key 'extra'"),
    ("other task", _set("task", "other"), "task is 'other'"),
    ("newer featurizer", _set("featurizer.version", 3), "featurizer version 3"),
    ("featurizer 0", _set("featurizer.version", 0), "version: 0 is out of range"),
    ("hidden not an int", _set("hidden", "many"), "hidden: expected an integer"),
    ("huge hidden", _set("hidden", 10**40), "hidden: .* is out of range"),
    ("group seed negative", _set("features.groups.0.seed", -1), "seed must be 0..4294967295"),
    ("group seed too big", _set("features.groups.0.seed", 2**32), "seed must be 0..4294967295"),
    ("huge buckets", _set("features.groups.0.buckets", 10**30), "buckets must be"),
    ("bool buckets", _set("features.groups.0.buckets", True), "buckets: expected an integer"),
    ("unknown kind", _set("features.groups.0.kind", "bigram"), "unknown kind 'bigram'"),
    ("group key unknown", _set("features.groups.0.colour", 1), "unknown key 'colour'"),
    ("groups not a list", _set("features.groups", {"a": 1}), "groups: expected a non-empty"),
    ("training seed", _set("training.seed", -5), "training seed -5"),
    ("licence not a string", _set("data_licences", {"x": 5}),
     r"data_licences\['x'\]: expected a string"),
    ("deeply nested JSON", _nested, "nested too deeply"),
    ("missing array", _array("output_bias", None), "array 'output_bias' is missing"),
    ("extra array", _array("surprise", lambda _: np.zeros(3, np.float32)),
     "array 'surprise' is not part"),
    ("wrong dtype", _array("embedding_0.codes", lambda a: a.astype(np.float32)),
     "array 'embedding_0.codes' is float32"),
    ("wrong shape", _array("hidden_bias", lambda a: a[:-1]), "array 'hidden_bias' is float32"),
    ("NaN weight", _nan_weights, "'hidden_weights' holds values that are not finite"),
    ("infinite scale", _inf_scale, "'embedding_0.scale' holds values that are not finite"),
]

LANGID_CASES = [
    ("a tagger's kind", _set("features.groups.0.kind", "prefix"), "kind prefix is for token"),
    ("script rows", _set("features.groups.3.buckets", 7), "'script' has 7 rows"),
    ("negative temperature", _set("calibration.temperature", -1.0), "temperature: -1.0 is out"),
    ("NaN temperature", _set("calibration.temperature", float("nan")), "NaN is not a JSON number"),
    ("huge temperature", _set("calibration.temperature", 10**400), "not a finite number"),
    ("no max_chars", _drop("features.max_chars"), "missing key 'max_chars'"),
]

POS_CASES = [
    ("a text kind", _set("features.groups.5.kind", "script"), "kind script is for text"),
    ("tag rows", _set("features.groups.6.buckets", 3), "'tag-1' has 3 rows"),
    ("known-word seed", _set("features.known_words.seed", 2**40), "seed: .* is out of range"),
    ("bitmap size", _set("features.known_words.bits", 8), "'known_words' is uint8 \\(128,\\)"),
    ("no bitmap", _array("known_words", None), "'known_words' is missing"),
    ("tags before words", lambda m, a: m["features"]["groups"].reverse(), "must come last"),
]


CASES = ([("tiny_model", *case) for case in COMMON_CASES + LANGID_CASES]
         + [("tiny_tagger", *case) for case in COMMON_CASES + POS_CASES])


@pytest.mark.parametrize("fixture, name, change, message", CASES,
                         ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_hostile_files_are_refused(request, tmp_path, fixture, name, change, message):
    model = request.getfixturevalue(fixture)
    metadata, arrays = model_contents(model, tmp_path)
    change(metadata, arrays)
    _refused(type(model), metadata, arrays, tmp_path, message)


def test_overlapping_arrays_are_refused(tmp_path):
    path = tmp_path / "overlap.snlp"
    payload = modelfile.encode({}, {"a": np.zeros(4, np.float32), "b": np.zeros(4, np.float32)})
    path.write_bytes(rebuilt_payload(payload, lambda meta: meta.replace(b'"offset":16',
                                                                 b'"offset":8')))
    with pytest.raises(ModelFileError, match="arrays 'a' and 'b' overlap"):
        modelfile.load(path)


def test_a_model_is_checked_before_it_is_saved(tiny_model, tmp_path):
    model = copy.copy(tiny_model)
    model.metadata_ = {**tiny_model.metadata_, "labels": ["x"] * len(tiny_model.labels)}
    with pytest.raises(ModelFileError, match="labels are not unique"):
        model.save(tmp_path / "never.snlp")
    assert not (tmp_path / "never.snlp").exists()


def test_version_1_files_still_load(tiny_tagger, tmp_path):
    metadata, arrays = model_contents(tiny_tagger, tmp_path)
    metadata.pop("featurizer")
    licence = metadata.pop("data_licences")
    metadata["data_licence"] = "CC0"
    assert licence == {}
    payload = modelfile.encode(metadata, arrays)
    path = tmp_path / "v1.snlp"
    path.write_bytes(rebuilt_payload(payload[:8] + (1).to_bytes(4, "little") + payload[12:],
                              lambda meta: meta))
    loaded = PosTagger.load(path)
    assert loaded.metadata_["data_licences"] == {"training data": "CC0"}
    assert loaded.metadata_["featurizer"] == {"version": 1, "unicode": "unrecorded"}
    sentence = ["the", "cat", "sees", "a", "dog", "."]
    assert loaded.tag(sentence) == tiny_tagger.tag(sentence)
    assert "format version 1" in CliRunner().invoke(main, ["info", str(path)]).output


def test_a_featurizer_version_1_file_keeps_version_1_rules(tiny_model, tiny_tagger, tmp_path):
    plain, fullwidth = ["hello world"], ["Ｈｅｌｌｏ ｗｏｒｌｄ"]
    assert np.array_equal(tiny_model.predict_proba(fullwidth), tiny_model.predict_proba(plain))
    for model, task in ((tiny_model, LanguageIdentifier), (tiny_tagger, PosTagger)):
        metadata, arrays = model_contents(model, tmp_path)
        metadata["featurizer"]["version"] = 1
        modelfile.save(tmp_path / f"{task.task}-v1.snlp", metadata, arrays)
        loaded = task.load(tmp_path / f"{task.task}-v1.snlp")
        assert loaded.featurizer_.version == 1
        loaded.save(tmp_path / "resaved.snlp")
        assert modelfile.load(tmp_path / "resaved.snlp")[0]["featurizer"]["version"] == 1
    old = LanguageIdentifier.load(tmp_path / "langid-v1.snlp")
    assert np.array_equal(old.predict_proba(plain), tiny_model.predict_proba(plain))
    assert not np.array_equal(old.predict_proba(fullwidth), old.predict_proba(plain))


def test_files_record_the_featurizer_and_unicode_versions(tiny_model):
    assert tiny_model.metadata_["featurizer"] == {"version": fileformat.FEATURIZER_VERSION,
                                                  "unicode": fileformat.UNICODE_VERSION}


def test_a_loaded_model_reads_back_the_metadata_it_was_saved_with(tiny_model, tiny_tagger,
                                                                   tmp_path):
    for model in (tiny_model, tiny_tagger):
        model.save(tmp_path / "m.snlp")
        loaded = type(model).load(tmp_path / "m.snlp")
        assert loaded.metadata_ == model.metadata_
        loaded.metadata_["labels"] = []  # a copy: the loaded model keeps the file's
        assert loaded.metadata_ == model.metadata_


def test_a_file_without_calibration_answers_at_temperature_1(tiny_model, tmp_path):
    metadata, arrays = model_contents(tiny_model, tmp_path)
    for absent in ({key: value for key, value in metadata.items() if key != "calibration"},
                   {**metadata, "calibration": None}):
        modelfile.save(tmp_path / "plain.snlp", absent, arrays)
        assert LanguageIdentifier.load(tmp_path / "plain.snlp").temperature_ == 1.0


def test_info_names_a_task_it_does_not_know(tmp_path):
    path = tmp_path / "other.snlp"
    modelfile.save(path, {"task": "parsing"}, {})
    shown = CliRunner().invoke(main, ["info", str(path)])
    assert shown.exit_code == 1 and "not a model of a known task ('parsing')" in shown.output
