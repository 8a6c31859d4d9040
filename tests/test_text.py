import numpy as np
import pytest

from smallnlp.text import SCRIPTS, normalize, normalize_token, script_ids, strip_diacritics


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


@pytest.mark.parametrize("text", ["𝐇𝐞𝐥𝐥𝐨 𝐰𝐨𝐫𝐥𝐝", "Ｈｅｌｌｏ ｗｏｒｌｄ", "𝘏𝘦𝘭𝘭𝘰 ⓦorld",
                                  "ℌ𝔢𝔩𝔩𝔬 𝕨𝕠𝕣𝕝𝕕"])
def test_compatibility_forms_read_as_their_letters(text):
    # Circled letters are symbols, not letters: they separate words as in version 1.
    expected = ["hello", "orld"] if "ⓦ" in text else ["hello", "world"]
    assert normalize(text) == expected


def test_nfkc_is_followed_by_the_letter_filter_again():
    # Catalan l-middle-dot: NFKC gives "l" and U+00B7, which separates words.
    assert normalize("coŀlegi col·legi ﬁn") == ["col", "legi", "col", "legi", "fin"]


def test_cedilla_and_comma_below_letters_fold_together():
    assert normalize("ŞTIINŢĂ ştiinţă ȘTIINȚĂ știință") == ["ştiinţă"] * 4
    # Combining comma below (U+0326) composes to the comma-below letter first.
    assert normalize("s\u0326i") == ["şi"]


def test_version_1_rules_are_kept_for_old_files():
    assert normalize("Ｈｅｌｌｏ știință", version=1) == ["ｈｅｌｌｏ", "știință"]
    assert normalize_token("Ｈｅｌｌｏ", version=1) == "ｈｅｌｌｏ"
    assert normalize_token("Ｈｅｌｌｏ１Ș") == "hello1ş"


@pytest.mark.parametrize("typed, bare", [
    ("Ẹ kú àárọ̀", "E ku aaro"),                  # Yoruba: tone marks and underdots
    ("Tiếng Việt đẹp", "Tieng Viet dep"),        # Vietnamese, with đ
    ("Zażółć gęślą jaźń", "Zazolc gesla jazn"),  # Polish ł has no combining mark
    ("Ağaç ılık ÖĞRENCİ", "Agac ilik OGRENCI"),
    ("Καλημέρα, ΐ", "Καλημερα, ι"),
    ("Привет, ёжик й", "Привет, ёжик й"),        # Cyrillic letters are kept
    ("हिन्दी, العَرَبِيَّة", "हिन्दी, العَرَبِيَّة"),  # so are vowel signs and Arabic points
])
def test_strip_diacritics(typed, bare):
    assert strip_diacritics(typed) == bare
