"""User data in and out: UTF-8 files, labelled directories, CoNLL-U, licences, provenance.

Every reader names the file and line of what it cannot read (``DataError``).
The CoNLL-U writer keeps every byte it does not own: it replaces only the UPOS
column of syntactic-word lines (integer IDs), so comments, multi-word-token
ranges (``1-2``), empty nodes (``1.1``) and every other column come back
untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError


def read_utf8(path: str | os.PathLike) -> str:
    """A whole UTF-8 text file; a missing file or a bad byte raises DataError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{path}:{line}: not valid UTF-8 ({exc.reason} at byte "
                        f"{exc.start})") from None


def read_lines(path: Path) -> list[str]:
    """Non-empty lines of a UTF-8 file; a bad byte is reported with its line."""
    text = read_utf8(path)
    return [line for line in (raw.strip() for raw in text.split("\n")) if line]


def read_labelled_dir(directory: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Texts and labels from ``<label>.txt`` files, one text per line. Hidden
    files (``.name.txt``) are skipped; ``NAME.TXT`` is refused rather than
    skipped, so that no language's file is left out silently."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such directory")
    shouting = sorted(p for p in directory.iterdir()
                      if p.suffix.lower() == ".txt" and p.suffix != ".txt")
    if shouting:
        raise DataError(f"{shouting[0]}: name label files <label>.txt, in lower case")
    files = sorted(p for p in directory.glob("*.txt") if not p.name.startswith("."))
    if not files:
        raise DataError(f"{directory}: no <label>.txt files")
    texts, labels = [], []
    for path in files:
        lines = read_lines(path)
        if not lines:
            raise DataError(f"{path}: file has no text lines")
        texts += lines
        labels += [path.stem] * len(lines)
    return texts, labels


def read_sources(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """``label -> {column: value}`` from a TSV with ``code`` and ``license``
    columns and any others (the layout of ``langid/SOURCES.tsv``, whose
    ``language`` column is the language's English name)."""
    path = Path(path)
    # Keep real line numbers for errors, and trailing empty fields (no strip).
    rows = [(number, line.rstrip("\r\n")) for number, line
            in enumerate(read_utf8(path).split("\n"), start=1) if line.strip()]
    header = rows[0][1].split("\t") if rows else []
    if "code" not in header or "license" not in header:
        raise DataError(f"{path}:1: expected a header with 'code' and 'license' columns")
    code = header.index("code")
    sources = {}
    for number, row in rows[1:]:
        fields = row.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{path}:{number}: expected {len(header)} tab-separated fields")
        sources[fields[code]] = dict(zip(header, fields))
    return sources


def file_digest(paths: Sequence[Path]) -> str:
    """SHA-256 over the given files, for training provenance."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def check_labelled(inputs: Sequence, labels: Sequence, what: str) -> None:
    """DataError unless there is one label per input and there are some."""
    if isinstance(inputs, str) or isinstance(labels, str):
        raise TypeError(f"{what}: expected lists, got a string")
    if len(inputs) != len(labels):
        raise DataError(f"{what}: {len(inputs):,} inputs but {len(labels):,} labels")
    if not len(inputs):
        raise DataError(f"{what}: no examples")


def is_safe_label(name: object) -> bool:
    """A non-empty string without a tab or line break: labels are written one a
    line, tab-separated (the CLI's output, model files)."""
    return isinstance(name, str) and bool(name) and not any(c in name for c in "\t\n\r")


def check_label_names(names: Sequence[str], what: str, reserved: Sequence[str] = ()) -> None:
    """DataError unless every label is safe (``is_safe_label``) and not reserved."""
    for name in names:
        if not is_safe_label(name):
            raise DataError(f"{what}: label {name!r} must be a non-empty string without tabs "
                            "or line breaks")
        if name in reserved:
            raise DataError(f"{what}: label {name!r} is reserved (it means 'undetermined')")


def langid_provenance(train_dir: str | os.PathLike, lines: int, dev_lines: int) -> dict:
    """What a language identifier records of its training data."""
    files = sorted(Path(train_dir).glob("*.txt"))
    return {"train": {"files": len(files), "lines": lines, "sha256": file_digest(files)},
            "dev_lines": dev_lines}


def sources_beside(train_dir: str | os.PathLike) -> Path | None:
    """``SOURCES.tsv`` beside a labelled training directory, if there is one."""
    path = Path(train_dir).parent / "SOURCES.tsv"
    return path if path.is_file() else None


def licence_beside(train_file: str | os.PathLike) -> str | None:
    """The first line of ``LICENSE.txt`` beside a training file, if there is one
    (a UD treebank's licence)."""
    path = Path(train_file).parent / "LICENSE.txt"
    if not path.is_file():
        return None
    return next((line.strip() for line in read_utf8(path).splitlines() if line.strip()), None)


def treebank_provenance(train_files: Sequence[str | os.PathLike],
                        sentences: Sequence[int]) -> dict:
    """What a tagger records of its CoNLL-U training files: for one, its
    file, sentences, digest and treebank; for several, a list of those."""
    records = [{"file": Path(f).name, "sentences": n, "sha256": file_digest([Path(f)]),
                "treebank": treebank_name(f)} for f, n in zip(train_files, sentences)]
    if len(records) == 1:
        treebank = records[0].pop("treebank")
        return {"train": records[0], "treebank": treebank}
    return {"train": records}


def treebank_sources(train_files: Sequence[str | os.PathLike]) -> list[str]:
    """The name each training file's licence is recorded under: its
    treebank, or treebank/file when one treebank gives several files."""
    names = [treebank_name(f) for f in train_files]
    return [name if names.count(name) == 1 else f"{name}/{Path(f).name}"
            for name, f in zip(names, train_files)]


def treebank_name(train_file: str | os.PathLike) -> str:
    """A treebank's name: the folder its CoNLL-U files are in."""
    return Path(train_file).resolve().parent.name


# -- CoNLL-U ----------------------------------------------------------------------
N_COLUMNS = 10
FORM, UPOS, XPOS = 1, 3, 4
_WORD_ID = re.compile(r"^[1-9][0-9]*$")
_RANGE_ID = re.compile(r"^[1-9][0-9]*-[1-9][0-9]*$")
_EMPTY_ID = re.compile(r"^[0-9]+\.[1-9][0-9]*$")


@dataclass
class Sentence:
    lines: list[str]  # the sentence's lines as read, without newlines
    word_lines: list[int] = field(default_factory=list)  # indexes of syntactic-word lines

    def column(self, index: int) -> list[str]:
        """Column ``index`` of each syntactic word's line."""
        return [self.lines[i].split("\t")[index] for i in self.word_lines]

    @property
    def forms(self) -> list[str]:
        return self.column(FORM)

    @property
    def tags(self) -> list[str]:
        return self.column(UPOS)

    @property
    def xpos(self) -> list[str]:
        return self.column(XPOS)

    def with_tags(self, tags: Sequence[str]) -> Sentence:
        if len(tags) != len(self.word_lines):
            raise ValueError(f"{len(tags)} tags for {len(self.word_lines)} words")
        lines = list(self.lines)
        for index, tag in zip(self.word_lines, tags):
            columns = lines[index].split("\t")
            columns[UPOS] = tag
            lines[index] = "\t".join(columns)
        return Sentence(lines, list(self.word_lines))


def parse_conllu(lines: Iterator[str], source: str) -> Iterator[Sentence]:
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


def read_conllu(path: str | os.PathLike) -> list[Sentence]:
    """All sentences of a CoNLL-U file (UTF-8)."""
    sentences = list(parse_conllu(iter(read_utf8(path).split("\n")), str(path)))
    if not sentences:
        raise DataError(f"{path}: no sentences")
    return sentences


def format_conllu(sentence: Sentence) -> str:
    """The sentence's lines followed by the blank line that ends it."""
    return "\n".join(sentence.lines) + "\n\n"
