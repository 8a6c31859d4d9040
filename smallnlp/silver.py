"""Uptraining (Petrov et al., 2010): unlabeled sentences tagged by a teacher, a
bigger and better tagger (say, one of several members), become extra training
data for a small one. The student learns what the teacher knows of words its
own treebank never had.

Lines that are sentences of held-out data (a dev or test split, compared with
all white space removed) are left out, so that no scored sentence ever
trains the student, even as silver; so are sentences of the gold training
data (the teacher's tags would only repeat them, or contradict them) and
repeated lines. The lines are tokenized by the built-in tokenizer
(``pos.tokenize``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .datasets import Sentence, file_digest, read_utf8
from .errors import DataError
from .pos import PosTagger, tokenize


def sentence_key(text: str) -> str:
    """What two sentences must share to count as the same: their characters
    without white space (tokenizations differ; a treebank may not keep spaces)."""
    return "".join(text.split())


def held_out_keys(sentences: Iterable[Sentence]) -> set[str]:
    """The keys of CoNLL-U sentences: their ``# text`` comment, else their words."""
    keys = set()
    for sentence in sentences:
        text = next((line.split("=", 1)[1] for line in sentence.lines
                     if line.startswith("# text") and "=" in line), None)
        keys.add(sentence_key(text if text is not None else "".join(sentence.forms)))
    return keys


@dataclass
class Silver:
    """Sentences tagged by a teacher, and the record a model keeps of them."""

    sentences: list[list[str]]
    tags: list[list[str]]
    record: dict


def tag_unlabeled(teacher: PosTagger, paths: Sequence[str | os.PathLike],
                  held_out: set[str], training: set[str] = frozenset(),
                  teacher_path: str | os.PathLike | None = None) -> Silver:
    """The lines of the UTF-8 text files ``paths`` (one sentence a line)
    tokenized and tagged by ``teacher``, without those whose key
    (``sentence_key``) is in ``held_out`` or ``training``, repeats and lines
    without tokens. DataError (naming the file and line) for a file that
    cannot be read."""
    sentences, seen = [], set()
    left_out = {"held_out": 0, "training": 0, "repeated": 0, "no_tokens": 0}
    files = []
    for path in paths:
        lines = read_utf8(path).splitlines()
        files.append({"file": Path(path).name, "lines": len(lines),
                      "sha256": file_digest([Path(path)])})
        for line in lines:
            # The tokenizer gives every character but white space a token, so
            # a line has tokens exactly when its key is not empty.
            key = sentence_key(line)
            reason = ("no_tokens" if not key else "held_out" if key in held_out
                      else "training" if key in training
                      else "repeated" if key in seen else None)
            if reason is not None:
                left_out[reason] += 1
                continue
            seen.add(key)
            sentences.append(tokenize(line))
    if not sentences:
        raise DataError(f"{', '.join(map(str, paths))}: no unlabeled sentences left to tag")
    tags = teacher.tag_batch(sentences)
    teacher_record = {"members": len(teacher.networks_), "labels": len(teacher.labels)}
    if teacher_path is not None:
        teacher_record.update(file=Path(teacher_path).name,
                              sha256=file_digest([Path(teacher_path)]))
    record = {"files": files, "sentences": len(sentences),
              "tokens": sum(map(len, sentences)), "left_out": left_out,
              "teacher": teacher_record}
    return Silver(sentences, tags, record)
