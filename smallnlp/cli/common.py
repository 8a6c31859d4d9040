"""What the verbs share: reading TEXT arguments, --input or stdin in batches,
loading a model for a command, and the options every verb spells alike."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import click

from ..backends import BACKENDS
from ..errors import SmallNLPError
from ..parallel import ordered_map
from . import streams


def input_batches(texts: tuple[str, ...], path: str | None, size: int,
                  encoding: str = "utf-8") -> Iterator[list[str] | streams.Block]:
    """TEXT arguments in lists of ``size``, else blocks of ``size`` lines of
    --input or stdin (decoded by the worker that answers them)."""
    if texts and path is not None:
        raise click.UsageError("give TEXT arguments or --input, not both")
    if texts:
        yield from batched(iter(texts), size)
        return
    yield from streams.read_blocks(path, size, encoding)


def texts_of(batch: list[str] | streams.Block) -> list[str]:
    return batch if isinstance(batch, list) else streams.lines_of(batch)


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


BACKEND = click.option("--backend", type=click.Choice(BACKENDS), default="auto",
                       show_default=True, help="Predict with the C runtime, numpy, or C when "
                       "it can (the same answers).")
REPORT_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                             default="text", show_default=True,
                             help="A report to read, or one JSON object.")


def one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def load_model(task_class, name_or_path, backend: str):
    """A model for a command; the C backend asked for and not usable is a usage error."""
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
