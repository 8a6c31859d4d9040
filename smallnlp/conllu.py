"""A small CoNLL-U reader and writer that keeps every byte it does not own.

Reading keeps each sentence's original lines; writing replaces only the UPOS
column of syntactic-word lines (integer IDs), so comments, multi-word-token
ranges (``1-2``), empty nodes (``1.1``) and every other column come back
untouched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .errors import DataError
from .fileio import read_utf8

N_COLUMNS = 10
FORM, UPOS = 1, 3
_WORD_ID = re.compile(r"^[1-9][0-9]*$")
_RANGE_ID = re.compile(r"^[1-9][0-9]*-[1-9][0-9]*$")
_EMPTY_ID = re.compile(r"^[0-9]+\.[1-9][0-9]*$")


@dataclass
class Sentence:
    lines: list[str]  # the sentence's lines as read, without newlines
    word_lines: list[int] = field(default_factory=list)  # indexes of syntactic-word lines

    @property
    def forms(self) -> list[str]:
        return [self.lines[i].split("\t")[FORM] for i in self.word_lines]

    @property
    def tags(self) -> list[str]:
        return [self.lines[i].split("\t")[UPOS] for i in self.word_lines]

    def with_tags(self, tags: Sequence[str]) -> Sentence:
        if len(tags) != len(self.word_lines):
            raise ValueError(f"{len(tags)} tags for {len(self.word_lines)} words")
        lines = list(self.lines)
        for index, tag in zip(self.word_lines, tags):
            columns = lines[index].split("\t")
            columns[UPOS] = tag
            lines[index] = "\t".join(columns)
        return Sentence(lines, list(self.word_lines))


def parse(lines: Iterator[str], source: str) -> Iterator[Sentence]:
    """Sentences from CoNLL-U lines; malformed lines raise DataError(file:line)."""
    current: list[str] = []
    words: list[int] = []
    expected = 1
    first_line = 0  # where the current sentence starts, for errors
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n").rstrip("\r")
        if not line.strip():
            if current:
                if not words:
                    raise DataError(f"{source}:{first_line}: sentence has no words")
                yield Sentence(current, words)
            current, words, expected = [], [], 1
            continue
        if not current:
            first_line = number
        if line.startswith("#"):
            current.append(line)
            continue
        columns = line.split("\t")
        if len(columns) != N_COLUMNS:
            raise DataError(f"{source}:{number}: expected {N_COLUMNS} tab-separated columns, "
                            f"found {len(columns)}")
        token_id = columns[0]
        if _WORD_ID.match(token_id):
            if int(token_id) != expected:
                raise DataError(f"{source}:{number}: word ID {token_id}, expected {expected}")
            if not columns[FORM]:
                raise DataError(f"{source}:{number}: empty FORM")
            expected += 1
            words.append(len(current))
        elif not (_RANGE_ID.match(token_id) or _EMPTY_ID.match(token_id)):
            raise DataError(f"{source}:{number}: invalid ID {token_id!r}")
        current.append(line)
    if current:
        if not words:
            raise DataError(f"{source}:{first_line}: sentence has no words")
        yield Sentence(current, words)


def read(path: str | os.PathLike) -> list[Sentence]:
    """All sentences of a CoNLL-U file (UTF-8)."""
    sentences = list(parse(iter(read_utf8(path).split("\n")), str(path)))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    return sentences


def format_sentence(sentence: Sentence) -> str:
    """The sentence's lines followed by the blank line that ends it."""
    return "\n".join(sentence.lines) + "\n\n"
