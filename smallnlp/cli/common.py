"""What the verbs share: reading TEXT arguments, --input or stdin in batches,
loading a model for a command, and the options every verb spells alike."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass

import click

from .. import BACKENDS, model_file
from ..errors import DataError, ModelFileError, SmallNLPError
from ..parallel import ordered_map
from . import streams


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, as smallnlp's handlers raise it. Not a plain KeyboardInterrupt:
    CPython remembers one that ends code run by ``exec`` of a string (which
    dataclasses do when defined, as at an import) as unhandled even once
    caught, and ``python -m smallnlp.cli`` then ends by SIGINT instead of
    exiting 130. It remembers that exact class only."""


def raise_interrupted(signum, frame) -> None:
    raise Interrupted


@dataclass(frozen=True)
class Arguments:
    """TEXT arguments answered together; ``first`` is the 1-based number of the first."""

    texts: list[str]
    first: int


def input_batches(texts: tuple[str, ...], path: str | None, size: int,
                  encoding: str = "utf-8") -> Iterator[Arguments | streams.Block]:
    """TEXT arguments ``size`` at a time, else blocks of ``size`` lines of
    --input or stdin (decoded by the worker that answers them)."""
    if texts and path is not None:
        raise click.UsageError("give TEXT arguments or --input, not both")
    if texts:
        for first in range(0, len(texts), size):
            yield Arguments(list(texts[first:first + size]), first + 1)
        return
    yield from streams.read_blocks(path, size, encoding)


def texts_of(batch: Arguments | streams.Block) -> list[str]:
    return batch.texts if isinstance(batch, Arguments) else streams.lines_of(batch)


def first_number(batch: Arguments | streams.Block) -> int:
    """The 1-based number of a batch's first text: its argument, or its line."""
    return batch.first if isinstance(batch, Arguments) else batch.first_line


def check_probability(ctx, param, value: float) -> float:
    if math.isnan(value):
        raise click.BadParameter("must be a probability in 0..1, not nan")
    return value


INPUT = click.option("--input", "input_path",
                     type=click.Path(exists=True, dir_okay=False, allow_dash=True),
                     help="Read one text per line from this file ('-': stdin) instead of "
                          "TEXT arguments.")


ENCODING = click.option("--encoding", default="utf-8", show_default=True,
                        help="The encoding of --input or stdin (one that writes ASCII as "
                             "ASCII: latin-1, cp1252, shift_jis...). Bytes that are not "
                             "text in it are read as U+FFFD, with a warning naming the "
                             "first such line.")


JOBS = click.option("--jobs", type=click.IntRange(min=0), default=1, show_default=True,
                    help="Processes to run batches in (0: all cores); the output keeps the "
                         "input's order, and memory stays bounded.")


def batched(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


FIELD = click.option("--field", default="text", show_default=True,
                     help="JSON Lines (and Parquet): the field that holds the text.")
SKIP_BAD_RECORDS = click.option(
    "--skip-bad-records", is_flag=True,
    help="JSON Lines: skip lines that are not an object with a string text field, counting "
    "them on stderr; Parquet: leave rows with a null text unanswered (default: stop at the "
    "first, naming file and line or row).")


def input_format_option(*formats: str):
    """--input-format: auto or one of ``formats`` (lines, jsonl, parquet)."""
    said = {"lines": "lines: a text a line", "jsonl": "jsonl: a JSON object a line",
            "parquet": "parquet: a Parquet file (to a Parquet --output)"}
    names = {"jsonl": ".jsonl, .ndjson, then .gz", "parquet": ".parquet"}
    return click.option("--input-format", type=click.Choice(["auto", *formats]),
                        default="auto", show_default=True,
                        help="; ".join(said[f] for f in formats) + "; auto: by the name ("
                        + "; ".join(names[f] for f in formats if f in names) + "), else lines.")


def is_jsonl_input(input_format: str, input_path: str | None, texts: tuple[str, ...]) -> bool:
    """Whether the input is JSON Lines (--input-format, else the file's name)."""
    jsonl = input_format == "jsonl" or (input_format == "auto" and streams.is_jsonl(input_path))
    if jsonl and texts:
        raise click.UsageError("JSON Lines come from --input or stdin, not TEXT arguments")
    return jsonl


def write_in_order(answer, job, batches, jobs: int, output_path: str | None,
                   field: str) -> None:
    """``answer(job, batch)`` of every batch, in ``jobs`` processes, written in
    input order to --output or stdout; then how many bad lines were skipped."""
    skipped = 0
    with streams.output_stream(output_path) as out:
        for output, bad in ordered_map(answer, job, batches, jobs):
            out.write(output)
            if output_path in (None, "-"):
                out.flush()  # a pipe's reader sees each batch as it is answered
            skipped += bad
    if skipped:
        click.echo(f"skipped {skipped:,} bad line(s) (not a JSON object with a string "
                   f"{field!r} field)", err=True)


def write_parquet_in_order(answer, job, texts: tuple[str, ...], input_path: str | None,
                           output_path: str | None, batch_size: int, jobs: int, field: str,
                           added_fields: list) -> None:
    """A Parquet file in, a Parquet file out: ``answer(job, block)`` of each
    record batch (the batch with ``added_fields`` appended), every row, in
    order; then how many rows were left unanswered."""
    if texts or input_path in (None, "-") or not streams.is_parquet(output_path):
        raise click.UsageError("Parquet goes from an --input file to an --output file ending "
                               "in .parquet")
    reader = streams.open_parquet(input_path)
    schema = reader.schema_arrow
    if field not in schema.names:
        raise DataError(f"{input_path}: no column {field!r} (columns: "
                        f"{', '.join(schema.names)})")
    for added in added_fields:
        schema = schema.append(added)
    unanswered = 0
    with streams.parquet_output(output_path, schema) as write:
        for batch, bad in ordered_map(answer, job,
                                      streams.read_parquet(reader, input_path, batch_size),
                                      jobs):
            write(batch)
            unanswered += bad
    if unanswered:
        click.echo(f"left {unanswered:,} row(s) unanswered (a {field!r} that is not a "
                   "string)", err=True)


def record_batch_texts(block: streams.RecordBlock, field: str, skip_bad: bool
                       ) -> tuple[list, list[int]]:
    """A Parquet record batch's texts and the rows that hold a string. A row
    whose text is not a string (a null) is an error naming its row, or with
    --skip-bad-records is left unanswered (null answers): columnar output
    drops no row."""
    texts = block.batch.column(field).to_pylist()
    good = [i for i, text in enumerate(texts) if isinstance(text, str)]
    if len(good) < len(texts) and not skip_bad:
        first = next(i for i, text in enumerate(texts) if not isinstance(text, str))
        raise DataError(f"{block.source}: row {block.first_row + first:,}: field "
                        f"{field!r} is not a string (--skip-bad-records leaves such rows "
                        "unanswered)")
    return texts, good


def with_columns(batch, fields: list, columns: list):
    """A record batch with ``columns`` appended under ``fields``."""
    for added, column in zip(fields, columns):
        batch = batch.append_column(added, column)
    return batch


BACKEND = click.option("--backend", type=click.Choice(BACKENDS), default="auto",
                       show_default=True, help="Predict with the C runtime, numpy, or C when "
                       "it can (the same answers).")
REPORT_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True,
                             help="A report to read, or one JSON object.")


def one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


MODEL_OPTION = click.option("--model", "model_name", default="langid", show_default=True,
                            help="Model file, or a shipped model's name.")
POS_MODEL_OPTION = click.option("--model", "model_name", default="en", show_default=True,
                                help="Model file, or a shipped model by name (pos-en), "
                                     "language code (en) or treebank (English-EWT).")


def load_model(task_class, name_or_path: str | None, backend: str):
    """A model for a command, by file or shipped name (None: the task's
    default); a model that is not there, or the C backend asked for and not
    usable, is a usage error."""
    if name_or_path is not None:
        try:
            name_or_path = model_file(name_or_path)
        except ModelFileError as exc:
            raise click.BadParameter(str(exc), param_hint="--model") from None
    try:
        return task_class.load(name_or_path, backend=backend)
    except SmallNLPError:
        raise
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--backend") from None


def encoded(text: str) -> bytes:
    """Output as UTF-8, made in the worker (the writing process only copies
    it out); undecodable bytes of the command line (surrogate escapes) go out
    as they came in, as click's own stdout does."""
    return text.encode("utf-8", "surrogateescape")


OUTPUT = click.option("--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True),
                      help="Write here instead of stdout ('.gz': gzip); the file appears "
                           "only when the run has finished.")


def refuse_overwriting(output: str | None, *inputs: str | None) -> None:
    """--output naming a file the command reads (the model, the input) would
    replace it with the answers: refused before any work."""
    if output in (None, "-"):
        return
    for given in inputs:
        if given in (None, "-"):
            continue
        same = (os.path.samefile(output, given) if os.path.exists(output) and
                os.path.exists(given) else os.path.realpath(output) == os.path.realpath(given))
        if same:
            raise click.BadParameter(f"{output} is also an input of this command; "
                                     "write the output elsewhere", param_hint="--output")
