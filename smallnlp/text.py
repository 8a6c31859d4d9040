"""Text normalisation and Unicode script lookup.

Normalisation keeps only what tells languages apart: letters and the combining
marks that belong to them. Python's ``\\w`` is not used because it splits Indic
words at their vowel signs and viramas (category ``Mc``/``Mn``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

MARKUP = re.compile(r"<[^<>\n]{0,256}>")


# One letter typed two ways: the comma-below s and t of Romanian and their
# older cedilla forms, still common in Romanian text (Turkish ş is the cedilla
# form). Featurizer version 2 folds them to the cedilla forms.
VARIANT_FOLDS = {ord(a): ord(b) for a, b in zip("ȘșȚț", "ŞşŢţ")}


class _LetterTable(dict):
    """``str.translate`` table that classifies each code point on first sight:
    letters and marks map to themselves (or to the letter an entry given at
    construction folds them to), everything else to a space. Bounded, so text
    made of every code point there is cannot grow it without limit."""

    MAX_ENTRIES = 1 << 16

    def __missing__(self, code: int) -> int:
        value = code if unicodedata.category(chr(code))[0] in "LM" else 0x20
        if len(self) < self.MAX_ENTRIES:
            self[code] = value
        return value


# The letter filter of each featurizer version.
_LETTERS_ONLY = {1: _LetterTable({}), 2: _LetterTable(VARIANT_FOLDS)}
NORMALIZATION_VERSIONS = tuple(_LETTERS_ONLY)
_LATEST = NORMALIZATION_VERSIONS[-1]


def letters_only(text: str) -> str:
    """``text`` with every character but letters and marks made a space (the
    letter filter of normalisation, before NFKC): the same length, so its
    words keep their offsets into ``text``."""
    return text.translate(_LETTERS_ONLY[_LATEST])


def normalize(text: str, *, lowercase: bool = True, strip_markup: bool = True,
              max_chars: int | None = None, version: int = _LATEST) -> list[str]:
    """Return the words of ``text``: letters and marks only, Unicode-normalised
    and lowercased, by the rules of featurizer ``version``.

    Digits, punctuation, symbols, control characters, lone surrogates and
    ``<...>`` markup spans all act as word separators. ``max_chars`` bounds the
    work on huge inputs: only that many leading characters are read.
    Version 1 normalises to NFC. Version 2 normalises to NFKC, so that
    compatibility forms (fullwidth, mathematical bold, ligatures, Arabic
    presentation forms) read as the letters they stand for, and folds the
    ``VARIANT_FOLDS`` letters; the filter runs again after NFKC because NFKC
    can make a non-letter (Catalan ŀ becomes l and a middle dot).
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
    if strip_markup and "<" in text:
        text = MARKUP.sub(" ", text)
    letters_only = _LETTERS_ONLY[version]
    # Unicode normalisation after dropping lone surrogates: unicodedata.normalize
    # accepts them, but the UTF-8 encoding that hashing needs would not.
    text = text.translate(letters_only)
    if version == 1:
        text = unicodedata.normalize("NFC", text)
    elif not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).translate(letters_only)
    if lowercase:
        text = text.lower()
    return text.split()


def normalize_token(token: str, version: int = _LATEST, lowercase: bool = True) -> str:
    """A tagger's token as its word features see it (before digit mapping):
    lowercased (unless not ``lowercase``: a cased tag dictionary's keys), and
    under version 2 NFKC-normalised with ``VARIANT_FOLDS``."""
    if version >= 2:
        token = unicodedata.normalize("NFKC", token).translate(VARIANT_FOLDS)
    return token.lower() if lowercase else token


# Hangul syllables U+AC00..U+D7A3 and the conjoining jamo they are made of
# (Unicode's arithmetic decomposition, as NFD gives it).
_HANGUL_FIRST, _HANGUL_COUNT, _VOWELS_TIMES_FINALS, _FINALS = 0xAC00, 11172, 588, 28


@functools.lru_cache(maxsize=1)
def _jamo_table() -> dict[int, str]:
    table = {}
    for index in range(_HANGUL_COUNT):
        initial, rest = divmod(index, _VOWELS_TIMES_FINALS)
        vowel, final = divmod(rest, _FINALS)
        table[_HANGUL_FIRST + index] = (chr(0x1100 + initial) + chr(0x1161 + vowel)
                                        + (chr(0x11A7 + final) if final else ""))
    return table


def hangul_jamo(text: str) -> str:
    """``text`` with every Hangul syllable written as its jamo (가 -> ᄀ ᅡ, 간 ->
    ᄀ ᅡ ᆫ): Korean endings fused into a syllable (가까운 = 가깝 + ㄴ) become
    letters of their own, which suffix features can see."""
    return text.translate(_jamo_table())


# Latin letters whose diacritic is not a combining mark, and the letter people
# type when they drop it.
_BARE_LETTERS = str.maketrans("łŁđĐøØıħĦŧŦ", "lLdDoOihHtT")


_MARK, _LATIN_OR_GREEK, _OTHER = range(3)


@functools.lru_cache(maxsize=1 << 16)
def _mark_or_base(ch: str) -> int:
    if unicodedata.category(ch) == "Mn":
        return _MARK
    script = SCRIPTS[int(script_ids(np.array([ord(ch)], dtype=np.uint32))[0])]
    return _LATIN_OR_GREEK if script in ("Latin", "Greek") else _OTHER


def strip_diacritics(text: str) -> str:
    """``text`` as typed without accents: the combining marks on Latin and
    Greek letters dropped (é -> e, ọ̀ -> o, ά -> α) and ł đ ø ı ħ ŧ made bare.
    Other scripts are left alone: their marks are letters' vowels (Indic
    vowel signs), or are not typed anyway (Arabic, Hebrew points)."""
    out: list[str] = []
    strip = False  # whether marks here sit on a Latin or Greek letter
    for ch in unicodedata.normalize("NFD", text.translate(_BARE_LETTERS)):
        kind = _mark_or_base(ch)
        if kind == _MARK:
            if strip:
                continue
        else:
            strip = kind == _LATIN_OR_GREEK
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


# Script ranges: (first code point, script name). A code point belongs to the
# last range starting at or before it; "Other" fills the gaps.
_SCRIPT_RANGES: list[tuple[int, str]] = [
    (0x0000, "Other"), (0x0041, "Latin"), (0x0250, "Latin"), (0x02B0, "Other"),
    (0x0370, "Greek"), (0x0400, "Cyrillic"), (0x0530, "Armenian"), (0x0590, "Hebrew"),
    (0x0600, "Arabic"), (0x0700, "Syriac"), (0x0750, "Arabic"), (0x0780, "Thaana"),
    (0x07C0, "Other"), (0x08A0, "Arabic"), (0x0900, "Devanagari"), (0x0980, "Bengali"),
    (0x0A00, "Gurmukhi"), (0x0A80, "Gujarati"), (0x0B00, "Oriya"), (0x0B80, "Tamil"),
    (0x0C00, "Telugu"), (0x0C80, "Kannada"), (0x0D00, "Malayalam"), (0x0D80, "Sinhala"),
    (0x0E00, "Thai"), (0x0E80, "Lao"), (0x0F00, "Tibetan"), (0x1000, "Myanmar"),
    (0x10A0, "Georgian"), (0x1100, "Hangul"), (0x1200, "Ethiopic"), (0x13A0, "Other"),
    (0x1780, "Khmer"), (0x1800, "Mongolian"), (0x18B0, "Other"), (0x1C80, "Cyrillic"),
    (0x1C90, "Georgian"), (0x1CC0, "Other"), (0x1E00, "Latin"), (0x1F00, "Greek"),
    (0x2000, "Other"), (0x2C60, "Latin"), (0x2C80, "Other"), (0x2DE0, "Cyrillic"),
    (0x2E00, "Other"), (0x3040, "Hiragana"), (0x30A0, "Katakana"), (0x3100, "Bopomofo"),
    (0x3130, "Hangul"), (0x3190, "Other"), (0x31F0, "Katakana"), (0x3200, "Other"),
    (0x3400, "Han"), (0x4DC0, "Other"), (0x4E00, "Han"), (0xA000, "Other"),
    (0xA640, "Cyrillic"), (0xA6A0, "Other"), (0xA720, "Latin"), (0xA800, "Other"),
    (0xAB30, "Latin"), (0xAB70, "Other"), (0xAC00, "Hangul"), (0xD7B0, "Other"),
    (0xF900, "Han"), (0xFB00, "Other"), (0xFB50, "Arabic"), (0xFE00, "Other"),
    (0xFE70, "Arabic"), (0xFF00, "Other"), (0xFF21, "Latin"), (0xFF5B, "Other"),
    (0xFF66, "Katakana"), (0xFFA0, "Other"), (0x20000, "Han"), (0x40000, "Other"),
]
SCRIPTS: tuple[str, ...] = tuple(sorted({name for _, name in _SCRIPT_RANGES}))
_RANGE_STARTS = np.array([start for start, _ in _SCRIPT_RANGES], dtype=np.uint32)
_RANGE_SCRIPT_IDS = np.array([SCRIPTS.index(name) for _, name in _SCRIPT_RANGES],
                             dtype=np.int64)


def script_ids(code_points: np.ndarray) -> np.ndarray:
    """Index into ``SCRIPTS`` for every code point (vectorised)."""
    positions = np.searchsorted(_RANGE_STARTS, code_points, side="right") - 1
    return _RANGE_SCRIPT_IDS[positions]


def main_scripts(text: str, min_share: float = 0.1) -> list[str]:
    """The scripts (``SCRIPTS``, not "Other") of at least ``min_share`` of the
    script-bearing characters of ``text``, most frequent first."""
    ids = script_ids(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    counts = np.bincount(ids, minlength=len(SCRIPTS))
    counts[SCRIPTS.index("Other")] = 0
    total = counts.sum()
    if not total:
        return []
    return [SCRIPTS[i] for i in np.argsort(-counts, kind="stable")
            if counts[i] >= min_share * total]
