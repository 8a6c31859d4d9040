"""Text normalisation and Unicode script lookup.

Normalisation keeps only what tells languages apart: letters and the combining
marks that belong to them. Python's ``\\w`` is not used because it splits Indic
words at their vowel signs and viramas (category ``Mc``/``Mn``).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

MARKUP = re.compile(r"<[^<>\n]{0,256}>")


class _LetterTable(dict):
    """``str.translate`` table that classifies each code point on first sight:
    letters and marks map to themselves, everything else to a space. Bounded,
    so text made of every code point there is cannot grow it without limit."""

    MAX_ENTRIES = 1 << 16

    def __missing__(self, code: int) -> int:
        value = code if unicodedata.category(chr(code))[0] in "LM" else 0x20
        if len(self) < self.MAX_ENTRIES:
            self[code] = value
        return value


_LETTERS_ONLY = _LetterTable()


def normalize(text: str, *, lowercase: bool = True, strip_markup: bool = True,
              max_chars: int | None = None) -> list[str]:
    """Return the words of ``text``: NFC, lowercased, letters and marks only.

    Digits, punctuation, symbols, control characters, lone surrogates and
    ``<...>`` markup spans all act as word separators. ``max_chars`` bounds the
    work on huge inputs: only that many leading characters are read.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars]
    if strip_markup and "<" in text:
        text = MARKUP.sub(" ", text)
    text = text.translate(_LETTERS_ONLY)
    # NFC after dropping lone surrogates: unicodedata.normalize accepts them,
    # but the UTF-8 encoding that hashing needs would not.
    text = unicodedata.normalize("NFC", text)
    if lowercase:
        text = text.lower()
    return text.split()


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
