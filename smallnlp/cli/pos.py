"""``smallnlp pos``: universal POS tags for each sentence (text or CoNLL-U)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import click

from .. import datasets
from ..parallel import cached, ordered_map
from . import streams
from .common import (
    BACKEND,
    ENCODING,
    INPUT,
    JOBS,
    batched,
    encoded,
    input_batches,
    load_model,
    texts_of,
)


@click.command("pos")
@click.argument("texts", nargs=-1)
@click.option("--model", "model_name", default="en", show_default=True,
              help="Model file, language code or treebank name of a shipped model.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "conllu"]), default="text",
              show_default=True, help="text: tokenize each line and print token/TAG pairs; "
              "json: one {\"text\", \"tokens\", \"tags\"} object a line; conllu: read "
              "CoNLL-U (from --input or stdin) and write it back with UPOS filled in.")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Sentences tagged together.")
@BACKEND
@INPUT
@ENCODING
@JOBS
def pos_command(texts, model_name, fmt, batch_size, backend, input_path, encoding,
                jobs) -> None:
    """Tag each TEXT (or each line of --input or stdin) with universal POS tags."""
    streams.check_encoding(encoding)
    job = _PosJob(model_name, backend, fmt)
    _pos_model(job)  # a bad model or backend is reported before any worker starts
    if fmt == "conllu":
        if texts:
            raise click.UsageError("--format conllu reads CoNLL-U from --input or stdin, "
                                   "not TEXT arguments")
        lines = (raw.decode(encoding, errors="replace")
                 for block in streams.read_blocks(input_path, batch_size, encoding)
                 for raw in io.BytesIO(block.data))
        source = "<stdin>" if input_path in (None, "-") else input_path
        batches = batched(datasets.parse_conllu(lines, source), batch_size)
        for output in ordered_map(_pos_output, job, batches, jobs):
            click.echo(output, nl=False)
        return
    for output in ordered_map(_pos_output, job,
                              input_batches(texts, input_path, batch_size, encoding), jobs):
        click.echo(output, nl=False)


@dataclass(frozen=True)
class _PosJob:
    """What a process needs to tag batches for ``smallnlp pos``."""

    model_name: str
    backend: str
    fmt: str


@cached
def _pos_model(job: _PosJob):
    from ..pos import PosTagger

    return load_model(PosTagger, job.model_name, job.backend)


def _pos_output(job: _PosJob, batch: list | streams.Block) -> bytes:
    """The output of one batch: CoNLL-U sentences (tagged), or lines of text."""
    from ..pos import tokenize

    tagger = _pos_model(job)
    if job.fmt == "conllu":
        tagged = tagger.tag_batch([s.forms for s in batch])
        return encoded("".join(datasets.format_conllu(sentence.with_tags(tags))
                                for sentence, tags in zip(batch, tagged)))
    batch = texts_of(batch)
    token_lists = [tokenize(line) for line in batch]
    tagged = tagger.tag_batch(token_lists)
    if job.fmt == "json":
        lines = [json.dumps({"text": line, "tokens": tokens, "tags": tags}, ensure_ascii=False)
                 for line, tokens, tags in zip(batch, token_lists, tagged)]
    else:
        lines = [" ".join(f"{t}/{g}" for t, g in zip(tokens, tags))
                 for tokens, tags in zip(token_lists, tagged)]
    return encoded("".join(line + "\n" for line in lines))
