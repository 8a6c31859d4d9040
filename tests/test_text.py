import numpy as np
import pytest

from smallnlp.text import SCRIPTS, normalize, script_ids


def test_normalize_lowercases_and_drops_non_letters():
    assert normalize("Das IST gut! 123 <b>fett</b>") == ["das", "ist", "gut", "fett"]


def test_normalize_keeps_indic_vowel_signs_and_viramas():
    assert normalize("हिन्दी भाषा") == ["हिन्दी", "भाषा"]


def test_normalize_separates_on_controls_surrogates_and_emoji():
    assert normalize("a\x00b\ud800c😀d\u202ee") == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("text", ["", "   ", "123 456", "!!! ???", "\x00\x01", "😀😀"])
def test_normalize_without_letters_is_empty(text):
    assert normalize(text) == []


def test_normalize_applies_nfc():
    assert normalize("e\u0301t\u00e9") == ["\u00e9t\u00e9"]


def test_normalize_rejects_non_strings():
    with pytest.raises(TypeError):
        normalize(b"bytes")


def test_max_chars_bounds_work():
    assert normalize("ab " * 10, max_chars=4) == ["ab", "a"]


def test_script_ids():
    names = [SCRIPTS[i] for i in script_ids(np.array([ord(c) for c in "aЖ日かカ한ก"]))]
    assert names == ["Latin", "Cyrillic", "Han", "Hiragana", "Katakana", "Hangul", "Thai"]
