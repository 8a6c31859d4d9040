"""Both readers of a model file, the Python one and the C runtime, decide alike
on hostile files with valid checksums: both refuse a file at load (the Python
reader with ModelFileError naming it), or both accept it and answer alike.
Never a crash, a division by zero, a run-away lookup, or a refusal only at
predict time."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from smallnlp import LanguageIdentifier, ModelFileError, PosTagger, modelfile

from .conftest import model_contents, rebuilt_payload

TEXTS = ["kakiko tonaru", "Schein bericht", "кона стов", "x", "", "ka sch ou ко"]
SENTENCES = [["the", "cat", "sees", "a", "dog", "."], ["Ａ", "1984"], ["a"]]


@pytest.fixture(scope="module", autouse=True)
def c_runtime():
    """Every test here compares the two readers: without the C one, skip."""
    try:
        from smallnlp import _runtime  # noqa: F401
    except ImportError:
        pytest.skip("the C extension is not built here (no compiler at install time)")


@pytest.fixture(scope="module")
def lexicon_tagger():
    """The golden tagger: known words and a word lexicon."""
    from pathlib import Path

    return PosTagger.load(Path(__file__).resolve().parents[1] / "runtime" / "c" / "tests"
                          / "golden" / "tiny-pos.snlp", backend="numpy")


def _decisions(model_class, payload: bytes, tmp_path) -> tuple[str, str]:
    """What each reader makes of ``payload``: 'refused' or its answers."""
    path = tmp_path / "hostile.snlp"
    path.write_bytes(payload)
    try:
        python = model_class.load(path, backend="numpy")
    except ModelFileError as exc:
        assert str(path) in str(exc)
        python = None
    try:
        c = model_class.load(path, backend="c")
    except (ModelFileError, ValueError) as exc:
        if python is not None and "featurizer version 1" in str(exc):
            return "answers", "the same answers"  # numpy's alone (docs/FORMAT.md): the
        c = None                                  # C runtime reads version 2 only
    if python is None or c is None:
        return ("refused" if python is None else "accepted",
                "refused" if c is None else "accepted")
    if model_class is LanguageIdentifier:
        p, q = python.predict_proba(TEXTS), c.predict_proba(TEXTS)
        same = (p.argmax(axis=1) == q.argmax(axis=1)).all() and np.allclose(p, q, atol=1e-4)
    else:
        same = python.tag_batch(SENTENCES) == c.tag_batch(SENTENCES)
    return "answers", "the same answers" if same else "other answers"


def _with(model, tmp_path, change) -> bytes:
    metadata, arrays = model_contents(model, tmp_path)
    change(metadata, arrays)
    return modelfile.encode(metadata, arrays)


def _text_edit(model, tmp_path, old: bytes, new: bytes) -> bytes:
    """The model's file with its metadata JSON text edited (valid checksum)."""
    payload = _with(model, tmp_path, lambda m, a: None)
    assert old in payload
    return rebuilt_payload(payload, lambda meta: meta.replace(old, new, 1))


def _group(index: int, key: str, value):
    return lambda m, a: m["features"]["groups"][index].__setitem__(key, value)


def test_regressions_found_by_mutating_metadata(tiny_model, lexicon_tagger, tmp_path):
    """The files of issue 22, written with the package's own encoder."""
    word = next(i for i, g in enumerate(lexicon_tagger.metadata_["features"]["groups"])
                if g["kind"] == "word")

    def one_word_row(m, a):
        m["features"]["groups"][word]["buckets"] = 1
        for member in range(m.get("members", 1)):
            prefix = f"member{member}." if member else ""
            for part in ("codes", "offset", "scale"):
                name = f"{prefix}embedding_{word}.{part}"
                a[name] = a[name][:1]
        width = sum(g["dims"] for g in m["features"]["groups"])
        assert a["hidden_weights"].shape[0] == width

    def wide_group(m, a):
        m["features"]["groups"][0]["dims"] = 300
        a["embedding_0.codes"] = np.zeros((a["embedding_0.codes"].shape[0], 300), np.uint8)
        a["hidden_weights"] = np.zeros((a["hidden_weights"].shape[0] - 8 + 300,
                                        a["hidden_weights"].shape[1]), np.float32)

    def lexicon_slot(value):
        def change(m, a):
            slots = a["lexicon"].view(np.uint32)
            slots[np.flatnonzero(slots)[0]] = value
        return change

    cases = [
        (PosTagger, _with(lexicon_tagger, tmp_path, one_word_row)),
        (LanguageIdentifier, _with(tiny_model, tmp_path, wide_group)),
        (PosTagger, _with(lexicon_tagger, tmp_path, lambda m, a: m["features"][
            "lexicon"].__setitem__("probes", 10**15))),
        (PosTagger, _with(lexicon_tagger, tmp_path, lexicon_slot(0xFFFF0001))),
        (PosTagger, _with(lexicon_tagger, tmp_path, lexicon_slot(0xC0000001))),
        (LanguageIdentifier,
         _text_edit(tiny_model, tmp_path, b'"calibration":{', b'"calibration":{"temperature":9,')),
        (LanguageIdentifier,
         _text_edit(tiny_model, tmp_path, b'"labels":', b'"labels":["x","y","z","w"],"labels":')),
        (LanguageIdentifier,
         _text_edit(tiny_model, tmp_path, b'"hidden":', b'"hidden":' + b"1" * 5000 + b',"x":')),
        (LanguageIdentifier, _text_edit(tiny_model, tmp_path, b'"aa"', b'"a\\u0000"')),
        (LanguageIdentifier, _text_edit(tiny_model, tmp_path, b'"aa"', b'"a\\ud800"')),
        (LanguageIdentifier,
         _text_edit(tiny_model, tmp_path, b'"hidden":', b'"hidden":NaN,"y":')),
    ]
    for model_class, payload in cases:
        assert _decisions(model_class, payload, tmp_path) == ("refused", "refused")


def _number_fields(metadata: dict) -> list[tuple[tuple, int | float]]:
    """(path, value) of every number the readers interpret (of the free-form
    training record only its seed and budget)."""
    found = []

    def walk(value, path):
        if isinstance(value, bool):
            return
        if isinstance(value, (int, float)):
            found.append((path, value))
        elif isinstance(value, dict):
            for key, child in value.items():
                if path == ("training",) and key not in ("seed", "memory_budget"):
                    continue  # free-form but for these two
                if key != "data_licences":
                    walk(child, (*path, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                walk(child, (*path, index))
    walk(metadata, ())
    return found


def _boundary_values(value: int | float) -> list[int | float]:
    if isinstance(value, float):
        return [0.0, -1.0, 5e-324, 1e-300, 1e300, value * 2]
    return sorted({0, 1, -1, value - 1, value + 1, 255, 256, 257, 2**31 - 1, 2**31, 2**32 - 1,
                   2**32, 2**63})


@pytest.mark.parametrize("fixture", ["tiny_model", "lexicon_tagger"])
def test_boundary_values_of_every_field_are_decided_alike(request, tmp_path, fixture):
    model = request.getfixturevalue(fixture)
    model_class = type(model)
    metadata, arrays = model_contents(model, tmp_path)
    checked = 0
    for path, value in _number_fields(metadata):
        for new in _boundary_values(value):
            changed = copy.deepcopy(metadata)
            target = changed
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = new
            try:
                payload = modelfile.encode(changed, arrays)
            except (ValueError, OverflowError):
                continue
            python, c = _decisions(model_class, payload, tmp_path)
            assert (python, c) in (("refused", "refused"), ("answers", "the same answers")), \
                f"{'.'.join(map(str, path))} = {new}: Python {python}, C {c}"
            checked += 1
    assert checked > 50
