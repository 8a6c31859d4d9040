"""``smallnlp langid``: the language of each text (lines, JSON Lines, Parquet)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import click

from .. import LanguageIdentifier
from ..parallel import cached
from . import streams
from .common import (
    BACKEND,
    ENCODING,
    FIELD,
    INPUT,
    JOBS,
    MODEL_OPTION,
    OUTPUT,
    SKIP_BAD_RECORDS,
    Arguments,
    check_probability,
    encoded,
    first_number,
    input_batches,
    input_format_option,
    is_jsonl_input,
    load_model,
    one_line,
    record_batch_texts,
    refuse_overwriting,
    texts_of,
    with_columns,
    write_in_order,
    write_parquet_in_order,
)


@dataclass(frozen=True)
class _LangidJob:
    """What a process needs to answer batches for ``smallnlp langid``."""

    model_name: str | None
    backend: str
    languages: str | None
    top_k: int
    threshold: float
    fmt: str  # tsv, json; jsonl or parquet: records in, records out
    field: str = "text"
    label_field: str = "language"
    probability_field: str = "language_probability"
    skip_bad: bool = False
    max_chars: int | None = None
    spans: bool = False  # --spans
    shares: int = 0  # --shares K


@cached
def _langid_model(job: _LangidJob) -> LanguageIdentifier:
    model = load_model(LanguageIdentifier, job.model_name, job.backend)
    try:
        model.set_languages(job.languages)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--languages") from None
    return model.set_max_chars(job.max_chars)


def _langid_output(job: _LangidJob, batch: Arguments | streams.Block | streams.RecordBlock
                   ) -> tuple[object, int]:
    """One batch's output (bytes; a record batch for Parquet), and how many
    of its records were bad (skipped lines; for Parquet, rows left unlabelled)."""
    model = _langid_model(job)
    if job.fmt == "parquet":
        return _label_record_batch(job, model, batch)
    if job.spans or job.shares:
        return _spans_output(job, model, batch)
    if job.fmt == "jsonl":
        records, texts, skipped = streams.parse_jsonl(batch, job.field, job.skip_bad)
        for record, preds in zip(records, model.top_k_batch(texts, job.top_k, job.threshold)):
            record[job.label_field] = preds[0].label
            record[job.probability_field] = round(preds[0].probability, 6)
            if job.top_k > 1:
                record[f"{job.label_field}_top_k"] = _top_k_pairs(preds)
        return streams.jsonl_bytes(records), skipped
    texts, lines = texts_of(batch), []
    for text, preds in zip(texts, model.top_k_batch(texts, job.top_k, job.threshold)):
        if job.fmt == "json":
            lines.append(json.dumps({"text": text, "label": preds[0].label,
                                     "probability": round(preds[0].probability, 6),
                                     "top_k": _top_k_pairs(preds)}, ensure_ascii=False))
        else:
            fields = [f"{p.label}\t{p.probability:.4f}" for p in preds]
            lines.append("\t".join(fields + [one_line(text)]))
    return encoded("".join(line + "\n" for line in lines)), 0


def _spans_fields(job: _LangidJob, model: LanguageIdentifier, texts: list[str]
                  ) -> list[dict]:
    """Each text's "spans" (--spans) and "shares" (--shares K), as JSON gives them."""
    out: list[dict] = [{} for _ in texts]
    if job.spans:
        for fields, spans in zip(out, model.spans_batch(texts, job.threshold)):
            fields["spans"] = [{"start": s.start, "end": s.end, "label": s.label,
                                "probability": round(s.probability, 6)} for s in spans]
    if job.shares:
        for fields, shares in zip(out, model.language_shares_batch(texts, job.shares,
                                                                   job.threshold)):
            fields["shares"] = [{"label": s.label, "share": round(s.share, 6)} for s in shares]
    return out


def _spans_output(job: _LangidJob, model: LanguageIdentifier,
                  batch: Arguments | streams.Block) -> tuple[bytes, int]:
    """--spans / --shares: JSON Lines records get the fields; plain texts give
    {"text_id": their 1-based line (or argument) number, ...} a line."""
    if job.fmt == "jsonl":
        records, texts, skipped = streams.parse_jsonl(batch, job.field, job.skip_bad)
        for record, fields in zip(records, _spans_fields(job, model, texts)):
            record.update(fields)
        return streams.jsonl_bytes(records), skipped
    texts = texts_of(batch)
    lines = [json.dumps({"text_id": number, **fields}, ensure_ascii=False)
             for number, fields in enumerate(_spans_fields(job, model, texts),
                                             first_number(batch))]
    return encoded("".join(line + "\n" for line in lines)), 0


def _top_k_pairs(preds) -> list[list]:
    """[label, probability] of each prediction, as JSON output gives them."""
    return [[p.label, round(p.probability, 6)] for p in preds]


def _label_record_batch(job: _LangidJob, model: LanguageIdentifier,
                        block: streams.RecordBlock) -> tuple[object, int]:
    """A Parquet record batch with the label columns added (nulls where its
    text is not a string, with --skip-bad-records)."""
    import pyarrow as pa

    texts, good = record_batch_texts(block, job.field, job.skip_bad)
    fields = _parquet_label_fields(job)
    if job.spans or job.shares:
        answers: list = [None] * len(texts)
        for i, found in zip(good, _spans_fields(job, model, [texts[i] for i in good])):
            answers[i] = found
        columns = [pa.array([a and a[f.name] for a in answers], f.type) for f in fields]
        return with_columns(block.batch, fields, columns), len(texts) - len(good)
    labels, probabilities = [None] * len(texts), [None] * len(texts)
    top: list = [None] * len(texts)
    for i, preds in zip(good, model.top_k_batch([texts[i] for i in good], job.top_k,
                                                job.threshold)):
        labels[i], probabilities[i] = preds[0].label, preds[0].probability
        top[i] = [{"label": p.label, "probability": p.probability} for p in preds]
    columns = [pa.array(labels, fields[0].type), pa.array(probabilities, fields[1].type)]
    if job.top_k > 1:
        columns.append(pa.array(top, fields[2].type))
    return with_columns(block.batch, fields, columns), len(texts) - len(good)


def _parquet_label_fields(job: _LangidJob) -> list:
    import pyarrow as pa

    if job.spans or job.shares:
        return ([pa.field("spans", pa.list_(pa.struct(
            [("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()),
             ("probability", pa.float64())])))] if job.spans else []) + \
            ([pa.field("shares", pa.list_(pa.struct(
                [("label", pa.string()), ("share", pa.float64())])))] if job.shares else [])
    fields = [pa.field(job.label_field, pa.string()),
              pa.field(job.probability_field, pa.float64())]
    if job.top_k > 1:
        fields.append(pa.field(f"{job.label_field}_top_k", pa.list_(pa.struct(
            [("label", pa.string()), ("probability", pa.float64())]))))
    return fields


@click.command("langid")
@click.argument("texts", nargs=-1)
@MODEL_OPTION
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many labels to print per text, best first.")
@click.option("--format", "fmt", type=click.Choice(["text", "tsv", "json"]), default="text",
              show_default=True, help="Output for plain-text input: text (tab-separated; "
              "tsv is the same) or json (JSON Lines input gives its records back, labelled).")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Texts answered together (and handed to a --jobs worker at once).")
@click.option("--languages", help="Comma-separated codes: only answer one of these.")
@click.option("--max-chars", type=click.IntRange(min=1),
              help="Read only the first N characters of each text (default: as many as the "
              "model reads, its max_chars).")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              callback=check_probability,
              help="Answer 'und' (with the best probability) when the best probability is "
              "below this; see the README's section on confidence.")
@BACKEND
@INPUT
@input_format_option("lines", "jsonl", "parquet")
@FIELD
@click.option("--label-field", default="language", show_default=True,
              help="JSON Lines and Parquet: the field the label goes in (with --top-k 2 or "
              "more, also <this>_top_k).")
@click.option("--probability-field", default="language_probability", show_default=True,
              help="JSON Lines and Parquet: the field the probability goes in.")
@SKIP_BAD_RECORDS
@OUTPUT
@ENCODING
@JOBS
@click.option("--spans", "spans", is_flag=True,
              help="Give each text's runs of one language instead of one label: JSON "
              "Lines {\"text_id\": line or argument number, \"spans\": [{\"start\", "
              "\"end\", \"label\", \"probability\"}]} (offsets in characters); JSON "
              "Lines and Parquet input get a \"spans\" field.")
@click.option("--shares", type=click.IntRange(min=1),
              help="Give the K languages holding most of each text's letters, with their "
              "share (\"shares\": [{\"label\", \"share\"}]), as --spans gives spans.")
@click.option("--list-languages", is_flag=True,
              help="Print the model's languages (those of --languages, if given): code, "
              "English name, scripts, training lines and the licence of the training text.")
def langid_command(texts, model_name, top_k, fmt, batch_size, languages, max_chars, threshold,
                   backend, input_path, input_format, field, label_field, probability_field,
                   skip_bad_records, output_path, encoding, jobs, spans, shares,
                   list_languages) -> None:
    """Identify the language of each TEXT, or of each line of --input or stdin.

    Prints label<TAB>probability<TAB>text ('und' with probability 0 for text
    without letters); with --top-k, label<TAB>probability pairs, best first.
    JSON Lines input (--input-format, or a .jsonl name) gives back every
    record, in order and with all its fields, plus the label and probability.
    """
    if list_languages:
        if texts or input_path:
            raise click.UsageError("--list-languages reads no texts")
        return _list_languages(_langid_model(_LangidJob(model_name, backend, languages, top_k,
                                                        threshold, fmt)), fmt)
    if (spans or shares) and top_k > 1:
        raise click.UsageError("--spans and --shares give no --top-k")
    refuse_overwriting(output_path, model_name, input_path)
    streams.check_encoding(encoding)
    if input_format == "parquet" or (input_format == "auto" and streams.is_parquet(input_path)):
        job = _LangidJob(model_name, backend, languages, top_k, threshold, "parquet", field,
                         label_field, probability_field, skip_bad_records, max_chars, spans,
                         shares or 0)
        _langid_model(job)
        return write_parquet_in_order(_langid_output, job, texts, input_path, output_path,
                                      batch_size, jobs, field, _parquet_label_fields(job))
    jsonl = is_jsonl_input(input_format, input_path, texts)
    job = _LangidJob(model_name, backend, languages, top_k, threshold,
                     "jsonl" if jsonl else fmt, field, label_field, probability_field,
                     skip_bad_records, max_chars, spans, shares or 0)
    _langid_model(job)  # bad options are reported here, before any worker starts
    write_in_order(_langid_output, job, input_batches(texts, input_path, batch_size, encoding),
                   jobs, output_path, field)


def _list_languages(model: LanguageIdentifier, fmt: str) -> None:
    """``--list-languages``: a TSV line (or JSON object) per language."""
    chosen = set(model.languages)
    for info in model.language_info():
        if info.code not in chosen:
            continue
        if fmt == "json":
            click.echo(json.dumps(info._asdict(), ensure_ascii=False))
            continue
        click.echo("\t".join(["-" if value is None else str(value) for value in (
            info.code, info.name, ",".join(info.scripts) or None, info.training_lines,
            info.licence)]))


