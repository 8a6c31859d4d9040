"""What the verbs share: reading TEXT arguments, --input or stdin in batches,
loading a model for a command, and the options every verb spells alike."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import click

from ..backends import BACKENDS
from ..errors import SmallNLPError
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
