"""``smallnlp pos``: universal POS tags for each sentence (text, JSON Lines or CoNLL-U)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import click

from .. import PosTagger, datasets, tokenize
from ..parallel import cached
from . import streams
from .common import (
    BACKEND,
    ENCODING,
    FIELD,
    INPUT,
    JOBS,
    OUTPUT,
    POS_MODEL_OPTION,
    SKIP_BAD_RECORDS,
    batched,
    encoded,
    input_batches,
    input_format_option,
    is_jsonl_input,
    load_model,
    record_batch_texts,
    refuse_overwriting,
    texts_of,
    with_columns,
    write_in_order,
    write_parquet_in_order,
)


@click.command("pos")
@click.argument("texts", nargs=-1)
@POS_MODEL_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json", "conllu"]), default="text",
              show_default=True, help="text: tokenize each line and print token/TAG pairs; "
              "json: one {\"text\", \"tokens\", \"tags\"} object a line; conllu: read "
              "CoNLL-U (from --input or stdin) and write it back with UPOS filled in. "
              "JSON Lines input gives its records back, tagged.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Sentences tagged together (and handed to a --jobs worker at once).")
@BACKEND
@INPUT
@input_format_option("lines", "jsonl", "parquet")
@FIELD
@click.option("--tokens-field", default="tokens", show_default=True,
              help="JSON Lines: the field the tokens go in.")
@click.option("--tags-field", default="tags", show_default=True,
              help="JSON Lines: the field the tags go in.")
@SKIP_BAD_RECORDS
@OUTPUT
@ENCODING
@JOBS
def pos_command(texts, model_name, fmt, batch_size, backend, input_path, input_format, field,
                tokens_field, tags_field, skip_bad_records, output_path, encoding,
                jobs) -> None:
    """Tag each TEXT (or each line of --input or stdin) with universal POS tags.

    Lines are split into tokens by the built-in tokenizer. JSON Lines input
    (--input-format, or a .jsonl name) gives back every record, in order and
    with all its fields, plus its tokens and their tags.
    """
    refuse_overwriting(output_path, model_name, input_path)
    streams.check_encoding(encoding)
    if input_format == "parquet" or (input_format == "auto" and streams.is_parquet(input_path)):
        job = _PosJob(model_name, backend, "parquet", field, tokens_field, tags_field,
                      skip_bad_records)
        _pos_model(job)
        return write_parquet_in_order(_pos_output, job, texts, input_path, output_path,
                                      batch_size, jobs, field, _parquet_tag_fields(job))
    jsonl = fmt != "conllu" and is_jsonl_input(input_format, input_path, texts)
    job = _PosJob(model_name, backend, "jsonl" if jsonl else fmt, field, tokens_field,
                  tags_field, skip_bad_records)
    _pos_model(job)  # a bad model or backend is reported before any worker starts
    if fmt != "conllu":
        batches = input_batches(texts, input_path, batch_size, encoding)
    elif texts:
        raise click.UsageError("--format conllu reads CoNLL-U from --input or stdin, "
                               "not TEXT arguments")
    else:
        lines = (raw.decode(encoding, errors="replace")
                 for block in streams.read_blocks(input_path, batch_size, encoding)
                 for raw in io.BytesIO(block.data))
        source = "<stdin>" if input_path in (None, "-") else input_path
        batches = batched(datasets.parse_conllu(lines, source), batch_size)
    write_in_order(_pos_output, job, batches, jobs, output_path, field)


@dataclass(frozen=True)
class _PosJob:
    """What a process needs to tag batches for ``smallnlp pos``."""

    model_name: str
    backend: str
    fmt: str  # text, json, conllu; jsonl or parquet: records in, records out
    field: str = "text"
    tokens_field: str = "tokens"
    tags_field: str = "tags"
    skip_bad: bool = False


@cached
def _pos_model(job: _PosJob):
    return load_model(PosTagger, job.model_name, job.backend)


def _pos_output(job: _PosJob, batch: list | streams.Block) -> tuple[bytes, int]:
    """The output of one batch (CoNLL-U sentences, JSON Lines records or lines
    of text, tagged) and how many of its lines were bad (skipped)."""
    tagger = _pos_model(job)
    if job.fmt == "parquet":
        return _tag_record_batch(job, tagger, batch)
    if job.fmt == "conllu":
        tagged = tagger.tag_batch([s.forms for s in batch])
        return encoded("".join(datasets.format_conllu(sentence.with_tags(tags))
                               for sentence, tags in zip(batch, tagged))), 0
    if job.fmt == "jsonl":
        records, texts, skipped = streams.parse_jsonl(batch, job.field, job.skip_bad)
        token_lists = [tokenize(text) for text in texts]
        for record, tokens, tags in zip(records, token_lists, tagger.tag_batch(token_lists)):
            record[job.tokens_field], record[job.tags_field] = tokens, tags
        return streams.jsonl_bytes(records), skipped
    batch = texts_of(batch)
    token_lists = [tokenize(line) for line in batch]
    tagged = tagger.tag_batch(token_lists)
    if job.fmt == "json":
        lines = [json.dumps({"text": line, "tokens": tokens, "tags": tags}, ensure_ascii=False)
                 for line, tokens, tags in zip(batch, token_lists, tagged)]
    else:
        lines = [" ".join(f"{t}/{g}" for t, g in zip(tokens, tags))
                 for tokens, tags in zip(token_lists, tagged)]
    return encoded("".join(line + "\n" for line in lines)), 0


def _tag_record_batch(job: _PosJob, tagger, block: streams.RecordBlock) -> tuple[object, int]:
    """A Parquet record batch with the tokens and tags columns added (nulls
    where its text is not a string, with --skip-bad-records)."""
    import pyarrow as pa

    texts, good = record_batch_texts(block, job.field, job.skip_bad)
    tokens, tags = [None] * len(texts), [None] * len(texts)
    token_lists = [tokenize(texts[i]) for i in good]
    for i, sentence, sentence_tags in zip(good, token_lists, tagger.tag_batch(token_lists)):
        tokens[i], tags[i] = sentence, sentence_tags
    fields = _parquet_tag_fields(job)
    columns = [pa.array(tokens, fields[0].type), pa.array(tags, fields[1].type)]
    return with_columns(block.batch, fields, columns), len(texts) - len(good)


def _parquet_tag_fields(job: _PosJob) -> list:
    import pyarrow as pa

    return [pa.field(job.tokens_field, pa.list_(pa.string())),
            pa.field(job.tags_field, pa.list_(pa.string()))]
