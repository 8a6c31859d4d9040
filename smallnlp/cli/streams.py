"""Corpus files for the command line: plain text (a text a line) or JSON Lines
(a record a line, its text in one field), gzip-compressed when the name ends
in ``.gz``, on stdin/stdout or in files; and Parquet files (``.parquet``,
with the ``parquet`` extra: pyarrow), read and written in record batches.

Input is read in blocks of whole lines, undecoded, so that ``--jobs`` workers
split, decode and parse them (``lines_of``, ``parse_jsonl``) while the first
process only moves bytes. Output files are written to a temporary name and
renamed when complete: an interrupted or failed run leaves no file that looks
finished.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import itertools
import json
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import click

from ..errors import DataError
from ..files import replaced_on_success

JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Block:
    """Whole lines of an input, as read: ``first_line`` is the 1-based number
    of its first line in ``source``, for error messages."""

    data: bytes
    source: str
    first_line: int
    encoding: str = "utf-8"


def is_jsonl(path: str | None) -> bool:
    """Whether a file's name says JSON Lines (``.jsonl``, ``.ndjson``, ``.gz`` after)."""
    name = (path or "").lower().removesuffix(".gz")
    return name.endswith(JSONL_SUFFIXES)


def is_parquet(path: str | None) -> bool:
    return (path or "").lower().endswith(".parquet")


def _pyarrow_parquet():
    try:
        import pyarrow.parquet
    except ImportError:
        raise DataError("Parquet needs pyarrow: pip install smallnlp[parquet]") from None
    return pyarrow.parquet


@dataclass(frozen=True)
class RecordBlock:
    """A record batch of a Parquet file; ``first_row`` (1-based) for errors."""

    batch: object  # pyarrow.RecordBatch
    source: str
    first_row: int


def open_parquet(path: str):
    """The Parquet file ``path`` opened (its footer read once: the schema and
    the row groups), a ``pyarrow.parquet.ParquetFile``; an unreadable file is
    a DataError naming it."""
    try:
        return _pyarrow_parquet().ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise DataError(f"{path}: cannot read as Parquet: {exc}") from None


def read_parquet(reader, path: str, rows: int) -> Iterator[RecordBlock]:
    """The opened Parquet file ``reader`` (``open_parquet(path)``) in record
    batches of ``rows`` rows, with a progress bar on stderr; a file that turns
    out unreadable is a DataError naming it."""
    try:
        with click.progressbar(length=reader.metadata.num_rows, file=sys.stderr,
                               label="reading") as bar:
            row = 1
            for batch in reader.iter_batches(batch_size=rows):
                bar.update(batch.num_rows)
                yield RecordBlock(batch, path, row)
                row += batch.num_rows
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise DataError(f"{path}: cannot read as Parquet: {exc}") from None


@contextlib.contextmanager
def parquet_output(path: str, schema):
    """A function that writes record batches of ``schema`` to the Parquet file
    ``path``, which is renamed into place when complete (an empty input gives
    a file with the schema and no rows)."""
    parquet = _pyarrow_parquet()
    with output_stream(path) as raw, parquet.ParquetWriter(raw, schema) as writer:
        yield writer.write_batch


def read_blocks(path: str | None, lines: int, encoding: str = "utf-8") -> Iterator[Block]:
    """The file ``path`` (None or ``-``: stdin) in blocks of ``lines`` lines,
    in constant memory, with a progress bar on stderr when it is a regular
    file. A truncated or corrupt gzip stream is a DataError naming the file.
    The first line that is not text in ``encoding`` is named in a warning on
    stderr (it is read with U+FFFD for the bytes that are not)."""
    source = "<stdin>" if path in (None, "-") else path
    warned = False
    try:
        with _opened(path) as (handle, raw, size):
            for block in _blocks(handle, raw, size, lines, source, encoding):
                if not warned:
                    warned = _warn_if_undecodable(block)
                yield block
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{source}: truncated or corrupt gzip data ({exc})") from None


def check_encoding(encoding: str) -> None:
    """DataError unless Python knows ``encoding`` and its lines end in byte
    0x0A as in ASCII (input is split into lines before it is decoded; UTF-16's
    do not)."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataError(f"unknown encoding {encoding!r}") from None
    if "a\n".encode(encoding, errors="replace") != b"a\n":
        raise DataError(f"encoding {encoding!r} does not write ASCII as ASCII (as UTF-16 "
                        "does not): convert the input to UTF-8")


def _warn_if_undecodable(block: Block) -> bool:
    """Warn (and return True) if ``block`` is not all text in its encoding:
    a Latin-1 file read as UTF-8 would otherwise be answered in silence."""
    try:
        block.data.decode(block.encoding)
    except UnicodeDecodeError as exc:
        line = block.first_line + block.data.count(b"\n", 0, exc.start)
        click.echo(f"warning: {block.source}:{line}: not {block.encoding} text; bytes that are "
                   f"not are read as U+FFFD (--encoding names the input's encoding)", err=True)
        return True
    return False


@contextlib.contextmanager
def _opened(path: str | None):
    """(text-bytes handle, the underlying file, its size or None)."""
    if path in (None, "-"):
        raw = sys.stdin.buffer
        yield raw, raw, _regular_size(raw)
        return
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with raw:
        if path.lower().endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as handle:
                yield handle, raw, _regular_size(raw)
        else:
            yield raw, raw, _regular_size(raw)


def _regular_size(handle) -> int | None:
    """The size of a regular file behind ``handle``, else None (a pipe)."""
    try:
        status = os.fstat(handle.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _blocks(handle, raw, size: int | None, lines: int, source: str, encoding: str
            ) -> Iterator[Block]:
    chunks = iter(lambda: list(itertools.islice(handle, lines)), [])
    line = 1
    if size is None:
        for chunk in chunks:
            yield Block(b"".join(chunk), source, line, encoding)
            line += len(chunk)
        return
    with click.progressbar(length=size, file=sys.stderr, label="reading") as bar:
        done = 0
        for chunk in chunks:
            position = raw.tell()  # of the file itself: compressed bytes for gzip
            bar.update(position - done)
            done = position
            yield Block(b"".join(chunk), source, line, encoding)
            line += len(chunk)


def lines_of(block: Block) -> list[str]:
    """A block's lines: split at each newline, line ends (``\\r``, ``\\n``)
    dropped and bytes not of its encoding replaced (``read_blocks`` warned),
    never fatal."""
    lines = block.data.split(b"\n")
    if lines[-1] == b"":  # the block ends with a newline
        lines.pop()
    return [line.rstrip(b"\r\n").decode(block.encoding, errors="replace") for line in lines]


def parse_jsonl(block: Block, field: str, skip_bad: bool
                ) -> tuple[list[dict], list[str], int]:
    """The block's records, their texts (``field``) and how many lines were
    skipped as bad. A line that is not a JSON object, or whose ``field`` is
    missing or not a string, is a DataError naming the file and line, unless
    ``skip_bad``. Blank lines are skipped and not counted."""
    records, texts, skipped = [], [], 0
    for number, line in enumerate(block.data.split(b"\n"), block.first_line):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode(block.encoding))
            problem = ("is not a JSON object" if not isinstance(record, dict)
                       else f"has no field {field!r}" if field not in record
                       else f"field {field!r} is not a string"
                       if not isinstance(record[field], str) else None)
        except ValueError as exc:  # JSON or UTF-8 errors
            problem = f"is not valid JSON ({exc})"
        if problem:
            if not skip_bad:
                raise DataError(f"{block.source}:{number}: the line {problem} "
                                "(--skip-bad-records skips such lines and counts them)")
            skipped += 1
            continue
        records.append(record)
        texts.append(record[field])
    return records, texts, skipped


def jsonl_bytes(records: list[dict]) -> bytes:
    """Records as JSON Lines: UTF-8, non-ASCII as is, except lone surrogates
    (a ``"\\ud800"`` in the input), which UTF-8 cannot hold: they go out as
    the JSON escapes they came in as."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return text.encode("utf-8", "backslashreplace")


@contextlib.contextmanager
def output_stream(path: str | None) -> Iterator[BinaryIO]:
    """Where output goes: stdout, or the file ``path`` (gzip when it ends in
    ``.gz``) written under a temporary name and renamed into place only when
    the body finishes without an error."""
    if path in (None, "-"):
        yield sys.stdout.buffer
        return
    try:
        replacing = replaced_on_success(os.path.abspath(path))
        raw = replacing.__enter__()
    except OSError as exc:
        raise DataError(f"{path}: cannot write: {exc.strerror or exc}") from None
    with contextlib.ExitStack() as stack:
        stack.push(replacing)
        if path.lower().endswith(".gz"):
            yield stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb"))
        else:
            yield raw
