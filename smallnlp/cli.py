"""The ``smallnlp`` command: thin verbs over the Python API."""

from __future__ import annotations

import io
import json
import math
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import click
import numpy as np

from . import datasets, fileformat, modelfile, streams
from .backends import BACKENDS
from .errors import BudgetError, ConfigError, DataError, ModelFileError, SmallNLPError
from .langid import LanguageIdentifier, cut_spans
from .parallel import cached, ordered_map
from .train import Progress


class _UsageProblem(click.ClickException):
    """A mistake in what the command was given (config, budget): exit code 2."""

    exit_code = 2


class _Terminated(BaseException):
    """SIGTERM (what service managers and `timeout` send), raised where the
    program is, so that it unwinds as Ctrl-C does: workers stopped, partial
    output removed."""


def _raise_terminated(signum, frame) -> None:
    raise _Terminated


class _Errors(click.Group):
    """Show smallnlp's own errors as one clean line: exit code 2 for a bad
    config or budget, 1 for the rest (data, model files, output that cannot
    be written); 130 after Ctrl-C and 143 after SIGTERM, as a shell reports
    a process those signals ended."""

    def invoke(self, ctx: click.Context):
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        try:
            return super().invoke(ctx)
        except (ConfigError, BudgetError) as exc:
            raise _UsageProblem(str(exc)) from None
        except SmallNLPError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory: try a smaller --memory-budget, "
                                       "--batch-size or input") from None
        except BrokenProcessPool:
            raise click.ClickException("a worker process died (killed, or out of memory?): "
                                       "the run stopped; --output, if given, was not "
                                       "written") from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except _Terminated:
            click.echo("terminated", err=True)
            raise click.exceptions.Exit(143) from None
        except OSError as exc:  # a full disk, a closed pipe, a file that went away
            if exc.filename is not None:
                raise click.ClickException(f"{exc.filename}: {exc.strerror or exc}") from None
            _silence_stdout()
            raise click.ClickException(f"cannot write the output: "
                                       f"{exc.strerror or exc}") from None
        finally:
            signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Drop what stdout still buffers, so that the interpreter's last flush
    does not fail again (with a traceback) on the same full disk or pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real stdout (tests)
        pass


@click.group(cls=_Errors)
@click.version_option(package_name="smallnlp")
def main() -> None:
    """Tiny feed-forward NLP models: language identification and POS tagging."""


def _input_batches(texts: tuple[str, ...], path: str | None, size: int,
                   encoding: str = "utf-8") -> Iterator[list[str] | streams.Block]:
    """TEXT arguments in lists of ``size``, else blocks of ``size`` lines of
    --input or stdin (decoded by the worker that answers them)."""
    if texts and path is not None:
        raise click.UsageError("give TEXT arguments or --input, not both")
    if texts:
        yield from _batches(iter(texts), size)
        return
    yield from streams.read_blocks(path, size, encoding)


def _texts_of(batch: list[str] | streams.Block) -> list[str]:
    return batch if isinstance(batch, list) else streams.lines_of(batch)


def _probability(ctx, param, value: float) -> float:
    if math.isnan(value):
        raise click.BadParameter("must be a probability in 0..1, not nan")
    return value


_INPUT = click.option("--input", "input_path", type=click.Path(dir_okay=False, allow_dash=True),
                      help="Read one text per line from this file ('-': stdin) instead of "
                           "TEXT arguments.")
_ENCODING = click.option("--encoding", default="utf-8", show_default=True,
                         help="The encoding of --input or stdin (one that writes ASCII as "
                              "ASCII: latin-1, cp1252, shift_jis...). Bytes that are not "
                              "text in it are read as U+FFFD, with a warning naming the "
                              "first such line.")
_JOBS = click.option("--jobs", type=click.IntRange(min=0), default=1, show_default=True,
                     help="Processes to run batches in (0: all cores); the output keeps the "
                          "input's order, and memory stays bounded.")


def _batches(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def _load(task_class, name_or_path, backend: str):
    """A model for a command; the C backend asked for and not usable is a usage error."""
    try:
        return task_class.load(name_or_path, backend=backend)
    except SmallNLPError:
        raise
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--backend") from None


@dataclass(frozen=True)
class _LangidJob:
    """What a process needs to answer batches for ``smallnlp langid``."""

    model_path: str | None
    backend: str
    languages: str | None
    top_k: int
    threshold: float
    fmt: str  # tsv, json; jsonl or parquet: records in, records out
    field: str = "text"
    label_field: str = "language"
    probability_field: str = "language_probability"
    skip_bad: bool = False


@cached
def _langid_model(job: _LangidJob) -> LanguageIdentifier:
    model = _load(LanguageIdentifier, job.model_path, job.backend)
    try:
        model.set_languages(job.languages)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--languages") from None
    return model


def _encoded(text: str) -> bytes:
    """Output as UTF-8, made in the worker (the writing process only copies
    it out); undecodable bytes of the command line (surrogate escapes) go out
    as they came in, as click's own stdout does."""
    return text.encode("utf-8", "surrogateescape")


def _langid_output(job: _LangidJob, batch: list[str] | streams.Block | streams.RecordBlock
                   ) -> tuple[object, int]:
    """One batch's output (bytes; a record batch for Parquet), and how many
    of its records were bad (skipped lines; for Parquet, rows left unlabelled)."""
    model = _langid_model(job)
    if job.fmt == "parquet":
        return _label_record_batch(job, model, batch)
    if job.fmt == "jsonl":
        records, texts, skipped = streams.parse_jsonl(batch, job.field, job.skip_bad)
        for record, preds in zip(records, model.top_k_batch(texts, job.top_k, job.threshold)):
            record[job.label_field] = preds[0].label
            record[job.probability_field] = round(preds[0].probability, 6)
            if job.top_k > 1:
                record[f"{job.label_field}_top_k"] = _top_k_pairs(preds)
        return streams.jsonl_bytes(records), skipped
    texts, lines = _texts_of(batch), []
    for text, preds in zip(texts, model.top_k_batch(texts, job.top_k, job.threshold)):
        if job.fmt == "json":
            lines.append(json.dumps({"text": text, "label": preds[0].label,
                                     "probability": round(preds[0].probability, 6),
                                     "top_k": _top_k_pairs(preds)}, ensure_ascii=False))
        else:
            fields = [f"{p.label}\t{p.probability:.4f}" for p in preds]
            lines.append("\t".join(fields + [_one_line(text)]))
    return _encoded("".join(line + "\n" for line in lines)), 0


def _top_k_pairs(preds) -> list[list]:
    """[label, probability] of each prediction, as JSON output gives them."""
    return [[p.label, round(p.probability, 6)] for p in preds]


def _label_record_batch(job: _LangidJob, model: LanguageIdentifier,
                        block: streams.RecordBlock) -> tuple[object, int]:
    """A Parquet record batch with the label columns added. A row whose text
    is not a string (a null) is an error naming its row, or with
    --skip-bad-records keeps null labels: columnar output drops no row."""
    import pyarrow as pa

    texts = block.batch.column(job.field).to_pylist()
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    if bad and not job.skip_bad:
        raise DataError(f"{block.source}: row {block.first_row + bad[0]:,}: field "
                        f"{job.field!r} is not a string (--skip-bad-records leaves such rows "
                        "unlabelled)")
    good = [i for i, text in enumerate(texts) if isinstance(text, str)]
    labels, probabilities = [None] * len(texts), [None] * len(texts)
    top: list = [None] * len(texts)
    for i, preds in zip(good, model.top_k_batch([texts[i] for i in good], job.top_k,
                                                job.threshold)):
        labels[i], probabilities[i] = preds[0].label, preds[0].probability
        top[i] = [{"label": p.label, "probability": p.probability} for p in preds]
    fields = _parquet_label_fields(job)
    columns = [pa.array(labels, fields[0].type), pa.array(probabilities, fields[1].type)]
    if job.top_k > 1:
        columns.append(pa.array(top, fields[2].type))
    batch = block.batch
    for field, column in zip(fields, columns):
        batch = batch.append_column(field, column)
    return batch, len(bad)


def _parquet_label_fields(job: _LangidJob) -> list:
    import pyarrow as pa

    fields = [pa.field(job.label_field, pa.string()),
              pa.field(job.probability_field, pa.float64())]
    if job.top_k > 1:
        fields.append(pa.field(f"{job.label_field}_top_k", pa.list_(pa.struct(
            [("label", pa.string()), ("probability", pa.float64())]))))
    return fields


_OUTPUT = click.option("--output", "output_path", type=click.Path(dir_okay=False, allow_dash=True),
                       help="Write here instead of stdout ('.gz': gzip); the file appears "
                            "only when the run has finished.")


@main.command("langid")
@click.argument("texts", nargs=-1)
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="Model file (default: the shipped model).")
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many labels to print per text, best first.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv",
              show_default=True, help="Output for plain-text input (JSON Lines input gives "
              "its records back, labelled).")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--languages", help="Comma-separated codes: only answer one of these.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              callback=_probability,
              help="Answer 'und' (with the best probability) when the best probability is "
              "below this; see the README's section on confidence.")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="Predict with the C runtime, numpy, or C when it can (same answers).")
@_INPUT
@click.option("--input-format", type=click.Choice(["auto", "lines", "jsonl", "parquet"]),
              default="auto", show_default=True, help="lines: a text a line; jsonl: a JSON "
              "object a line; parquet: a Parquet file (to a Parquet --output); auto: by the "
              "name (.jsonl, .ndjson, then .gz; .parquet), else lines.")
@click.option("--field", default="text", show_default=True,
              help="JSON Lines and Parquet: the field that holds the text.")
@click.option("--label-field", default="language", show_default=True,
              help="JSON Lines and Parquet: the field the label goes in (with --top-k 2 or "
              "more, also <this>_top_k).")
@click.option("--probability-field", default="language_probability", show_default=True,
              help="JSON Lines and Parquet: the field the probability goes in.")
@click.option("--skip-bad-records", is_flag=True,
              help="JSON Lines: skip lines that are not an object with a string text field, "
              "counting them on stderr; Parquet: leave rows with a null text unlabelled "
              "(default: stop at the first, naming file and line or row).")
@_OUTPUT
@_ENCODING
@_JOBS
@click.option("--list-languages", is_flag=True,
              help="Print the model's languages (those of --languages, if given): code, "
              "English name, scripts, training lines and the licence of the training text.")
def langid_command(texts, model_path, top_k, fmt, batch_size, languages, threshold,
                   backend, input_path, input_format, field, label_field, probability_field,
                   skip_bad_records, output_path, encoding, jobs, list_languages) -> None:
    """Identify the language of each TEXT, or of each line of --input or stdin.

    Prints label<TAB>probability<TAB>text ('und' with probability 0 for text
    without letters); with --top-k, label<TAB>probability pairs, best first.
    JSON Lines input (--input-format, or a .jsonl name) gives back every
    record, in order and with all its fields, plus the label and probability.
    """
    if list_languages:
        if texts or input_path:
            raise click.UsageError("--list-languages reads no texts")
        return _list_languages(_langid_model(_LangidJob(model_path, backend, languages, top_k,
                                                        threshold, fmt)), fmt)
    _refuse_overwriting(output_path, model_path, input_path)
    streams.check_encoding(encoding)
    if input_format == "parquet" or (input_format == "auto" and streams.is_parquet(input_path)):
        return _langid_parquet(texts, input_path, output_path, batch_size, jobs, _LangidJob(
            model_path, backend, languages, top_k, threshold, "parquet", field, label_field,
            probability_field, skip_bad_records))
    jsonl = input_format == "jsonl" or (input_format == "auto" and streams.is_jsonl(input_path))
    if jsonl and texts:
        raise click.UsageError("JSON Lines come from --input or stdin, not TEXT arguments")
    job = _LangidJob(model_path, backend, languages, top_k, threshold,
                     "jsonl" if jsonl else fmt, field, label_field, probability_field,
                     skip_bad_records)
    _langid_model(job)  # bad options are reported here, before any worker starts
    skipped = 0
    with streams.output_stream(output_path) as out:
        batches = _input_batches(texts, input_path, batch_size, encoding)
        for output, bad in ordered_map(_langid_output, job, batches, jobs):
            out.write(output)
            if output_path in (None, "-"):
                out.flush()  # a pipe's reader sees each batch as it is answered
            skipped += bad
    if skipped:
        click.echo(f"skipped {skipped:,} bad line(s) (not a JSON object with a string "
                   f"{field!r} field)", err=True)


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


def _langid_parquet(texts, input_path, output_path, batch_size: int, jobs: int,
                    job: _LangidJob) -> None:
    """A Parquet file in, a Parquet file out: every row, in order, plus the labels."""
    if texts or input_path in (None, "-") or not streams.is_parquet(output_path):
        raise click.UsageError("Parquet goes from an --input file to an --output file ending "
                               "in .parquet")
    _langid_model(job)
    reader = streams.open_parquet(input_path)
    schema = reader.schema_arrow
    if job.field not in schema.names:
        raise DataError(f"{input_path}: no column {job.field!r} (columns: "
                        f"{', '.join(schema.names)})")
    for field in _parquet_label_fields(job):
        schema = schema.append(field)
    unlabelled = 0
    with streams.parquet_output(output_path, schema) as write:
        for batch, bad in ordered_map(_langid_output, job,
                                      streams.read_parquet(reader, input_path, batch_size),
                                      jobs):
            write(batch)
            unlabelled += bad
    if unlabelled:
        click.echo(f"left {unlabelled:,} row(s) unlabelled (a {job.field!r} that is not a "
                   "string)", err=True)


@main.group()
def train() -> None:
    """Train a model on your own data under a memory budget."""


class _Interrupts:
    """Ctrl-C while training: always stops it, never writes the output, exits 130.

    The interrupt is remembered as well as raised, because an exception raised
    inside some numpy loops can be lost; every training step checks it."""

    def __enter__(self) -> _Interrupts:
        self.seen = False
        self.previous = signal.signal(signal.SIGINT, self._on_interrupt)
        return self

    def _on_interrupt(self, signum, frame) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def __exit__(self, kind, value, traceback) -> None:
        signal.signal(signal.SIGINT, self.previous)
        if kind is KeyboardInterrupt or self.seen:
            click.echo("\ninterrupted: no model was written", err=True)
            raise SystemExit(130)


class _TrainingBar:
    """A click progress bar fed by the training loop's Progress reports (and
    one for each phase before it); when stderr is no terminal (a log, CI), a
    line at each epoch's end and every ``LOG_SECONDS`` within one instead."""

    LOG_SECONDS = 60

    def __init__(self, epochs: int, interrupts: _Interrupts):
        self.epochs = epochs
        self.interrupts = interrupts
        self.bar = None
        self.stage_bar = None
        self.terminal = sys.stderr.isatty()
        self.logged = self.epoch_started = time.monotonic()

    def __call__(self, report: Progress) -> None:
        self.interrupts.check()
        if report.stage:
            self._stage(report)
            return
        if self.stage_bar is not None:
            self.stage_bar.render_finish()
            self.stage_bar = None
        if report.step == 1 and report.epoch == 1:
            self.epoch_started = time.monotonic()
        dev = "-" if report.dev_accuracy is None else f"{100 * report.dev_accuracy:.2f}%"
        member = f"member {report.member}/{report.members} " if report.members > 1 else ""
        if not self.terminal:
            self._log(report, member, dev)
            return
        if self.bar is None:  # a model of several members trains them one after another
            self.bar = click.progressbar(
                length=report.members * self.epochs * report.steps_in_epoch,
                file=sys.stderr, show_eta=True, item_show_func=lambda r: r)
            self.bar.__enter__()
        self.bar.update(0 if report.epoch_end else 1,
                        f"{member}epoch {report.epoch}/{self.epochs} loss {report.loss:.3f} "
                        f"dev {dev}")

    def _stage(self, report: Progress) -> None:
        if not self.terminal:
            finished = report.step >= report.steps_in_epoch
            if finished or time.monotonic() - self.logged >= self.LOG_SECONDS:
                click.echo(f"{report.stage}: {report.step:,} of {report.steps_in_epoch:,}",
                           err=True)
                self.logged = time.monotonic()
            return
        if self.stage_bar is None or self.stage_bar.label != report.stage:
            if self.stage_bar is not None:
                self.stage_bar.render_finish()
            self.stage_bar = click.progressbar(length=report.steps_in_epoch, label=report.stage,
                                               file=sys.stderr, show_eta=True)
            self.stage_bar.__enter__()
        self.stage_bar.update(report.step - self.stage_bar.pos)

    def _log(self, report: Progress, member: str, dev: str) -> None:
        now = time.monotonic()
        if report.epoch_end:
            click.echo(f"{member}epoch {report.epoch}/{self.epochs} done: loss "
                       f"{report.loss:.3f}, dev accuracy {dev} "
                       f"({now - self.epoch_started:.0f} s)", err=True)
            self.epoch_started = now
        elif now - self.logged >= self.LOG_SECONDS:
            click.echo(f"{member}epoch {report.epoch}/{self.epochs}: step {report.step:,}/"
                       f"{report.steps_in_epoch:,}, loss {report.loss:.3f}", err=True)
        else:
            return
        self.logged = now

    def close(self) -> None:
        for bar in (self.stage_bar, self.bar):
            if bar is not None:
                bar.render_finish()


def _training_options(command):
    """The options every ``train`` verb shares."""
    options = [
        click.option("--memory-budget",
                     help="Hard limit on the model file and loaded model: 200KB, 1MB, "
                          "2.5MiB, bytes (default: the config's memory_budget, else 1MB)."),
        click.option("--output", required=True, type=click.Path(dir_okay=False)),
        click.option("--config", "config_path",
                     help="TOML config path, or the name of a shipped config "
                          "(default: the task's own, configs/<task>.toml)."),
        click.option("--epochs", type=click.IntRange(min=1),
                     help="Override the config's epochs."),
        click.option("--seed", type=int, default=0, show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _refuse_overwriting(output: str | None, *inputs: str | None) -> None:
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


def _check_output(output: str) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    try:
        modelfile.check_writable(output)
    except ModelFileError as exc:
        raise click.BadParameter(str(exc), param_hint="--output") from None


def _train_and_save(model, output: str, interrupts: _Interrupts, fit, *args, **kwargs) -> None:
    """Run ``fit`` under a progress bar, then save the model within its budget."""
    bar = _TrainingBar(model.training_options().epochs, interrupts)
    try:
        fit(*args, progress=bar, **kwargs)
    finally:
        bar.close()
    interrupts.check()
    size = model.save(output)
    result = model.training_result_
    # The saved (8-bit) network's, after anything done past the best epoch.
    saved = model.metadata_["training"].get("dev_accuracy_8bit", result.best_dev_accuracy)
    dev = "" if saved is None else f", dev accuracy {100 * saved:.2f}%"
    ensemble = model.metadata_["training"].get("ensemble_dev_accuracy")
    if ensemble is not None:
        dev += (f"; {len(model.networks_)} members averaged: dev accuracy "
                f"{100 * ensemble:.2f}%")
    click.echo(f"wrote {output}: {size:,} bytes, best epoch {result.best_epoch}{dev}", err=True)
    budget = model.metadata_["training"]["memory_budget"]
    if size < budget // 2:
        click.echo(f"note: the model is {size:,} bytes of its {budget:,}: no feature group "
                   "gets more rows than the training data has distinct features", err=True)


@train.command("langid")
@click.option("--train", "train_dir", required=True, type=click.Path(file_okay=False),
              help="Directory of <label>.txt files, one text per line.")
@click.option("--dev", "dev_dir", type=click.Path(file_okay=False),
              help="Directory like --train, for early stopping.")
@_training_options
@click.option("--sources", type=click.Path(dir_okay=False),
              help="TSV with code and license columns (and optionally language, the "
                   "English name) recorded in the model (default: SOURCES.tsv beside the "
                   "train directory, if present).")
def train_langid(train_dir, dev_dir, memory_budget, output, config_path, epochs, seed,
                 sources) -> None:
    """Train a language identifier."""
    with _Interrupts() as interrupts:
        _check_output(output)
        model = LanguageIdentifier(memory_budget=memory_budget, config=config_path,
                                   epochs=epochs, seed=seed)
        model.check_budget()  # a bad config or budget stops here, before reading data
        texts, labels = datasets.read_labelled_dir(train_dir)
        dev_texts, dev_labels = datasets.read_labelled_dir(dev_dir) if dev_dir else (None, None)
        sources = sources or datasets.sources_beside(train_dir)
        table = datasets.read_sources(sources) if sources else {}
        known = {code: row for code, row in table.items() if code in set(labels)}
        click.echo(f"training on {len(texts):,} lines in {len(set(labels))} languages; "
                   "counting their features...", err=True)
        _train_and_save(model, output, interrupts, model.fit, texts, labels, dev_texts,
                        dev_labels,
                        data_licences={code: row["license"] for code, row in known.items()},
                        provenance=datasets.langid_provenance(train_dir, len(texts),
                                                          len(dev_texts or [])),
                        language_names={code: row["language"] for code, row in known.items()
                                        if row.get("language")})


@main.group("eval")
def evaluate_group() -> None:
    """Score a model on labelled data."""


@evaluate_group.command("langid")
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="Model file (default: the shipped model).")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--span-words", type=click.IntRange(min=1),
              help="Score one random span of this many words cut from each line.")
@click.option("--min-letters", type=click.IntRange(min=0), default=0,
              help="With --span-words, only words with at least this many letters.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_langid(model_path, data_dir, span_words, min_letters, seed, as_json) -> None:
    """Accuracy, macro-F1, per-label precision/recall and confusions on DATA_DIR.

    With --span-words, lines written without spaces (Chinese, Japanese) and
    lines with too few qualifying words are left out.
    """
    from .calibration import ECE_BINS, expected_calibration_error
    from .evaluation import evaluate

    model = LanguageIdentifier.load(model_path)
    texts, labels = datasets.read_labelled_dir(data_dir)
    if span_words:
        spans = cut_spans([t for t in texts], np.random.default_rng(seed), span_words,
                          span_words, min_letters=min_letters)
        pairs = [(s, y) for s, y, t in zip(spans, labels, texts)
                 if s is not None and len(t.split()) > 1]
        texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    _warn_unknown(labels, model.labels, "texts")
    predictions = model.predict_batch(texts)
    report = evaluate(labels, [p.label for p in predictions])
    ece = expected_calibration_error(np.array([p.probability for p in predictions]),
                                     np.array([p.label == y for p, y in zip(predictions, labels)]))
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "expected_calibration_error": ece}, indent=1))
    else:
        click.echo(report.format())
        click.echo(f"\nexpected calibration error ({ECE_BINS} bins): {100 * ece:.2f}% "
                   f"(temperature {model.temperature_:g})")


def _warn_unknown(gold: list[str], known: list[str], what: str) -> None:
    """Say on stderr when the data has labels the model cannot answer."""
    unknown = sorted(set(gold) - set(known))
    if unknown:
        count = sum(label in set(unknown) for label in gold)
        click.echo(f"warning: {count:,} {what} have labels this model does not know "
                   f"({', '.join(unknown)}); they count as errors", err=True)


@main.command("pos")
@click.argument("texts", nargs=-1)
@click.option("--model", "model_name", default="en", show_default=True,
              help="Model file, language code or treebank name of a shipped model.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "conllu"]), default="text",
              show_default=True, help="text: tokenize each line and print token/TAG pairs; "
              "json: one {\"text\", \"tokens\", \"tags\"} object a line; conllu: read "
              "CoNLL-U (from --input or stdin) and write it back with UPOS filled in.")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Sentences tagged together.")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="Tag with the C runtime, numpy, or C when it can (same tags).")
@_INPUT
@_ENCODING
@_JOBS
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
        batches = _batches(datasets.parse_conllu(lines, source), batch_size)
        for output in ordered_map(_pos_output, job, batches, jobs):
            click.echo(output, nl=False)
        return
    for output in ordered_map(_pos_output, job,
                              _input_batches(texts, input_path, batch_size, encoding), jobs):
        click.echo(output, nl=False)


@dataclass(frozen=True)
class _PosJob:
    """What a process needs to tag batches for ``smallnlp pos``."""

    model_name: str
    backend: str
    fmt: str


@cached
def _pos_model(job: _PosJob):
    from .pos import PosTagger

    return _load(PosTagger, job.model_name, job.backend)


def _pos_output(job: _PosJob, batch: list | streams.Block) -> bytes:
    """The output of one batch: CoNLL-U sentences (tagged), or lines of text."""
    from .pos import tokenize

    tagger = _pos_model(job)
    if job.fmt == "conllu":
        tagged = tagger.tag_batch([s.forms for s in batch])
        return _encoded("".join(datasets.format_conllu(sentence.with_tags(tags))
                                for sentence, tags in zip(batch, tagged)))
    batch = _texts_of(batch)
    token_lists = [tokenize(line) for line in batch]
    tagged = tagger.tag_batch(token_lists)
    if job.fmt == "json":
        lines = [json.dumps({"text": line, "tokens": tokens, "tags": tags}, ensure_ascii=False)
                 for line, tokens, tags in zip(batch, token_lists, tagged)]
    else:
        lines = [" ".join(f"{t}/{g}" for t, g in zip(tokens, tags))
                 for tokens, tags in zip(token_lists, tagged)]
    return _encoded("".join(line + "\n" for line in lines))


@train.command("pos")
@click.option("--train", "train_files", required=True, multiple=True,
              type=click.Path(dir_okay=False),
              help="CoNLL-U training file; repeat it to train on several (say, EWT and GUM).")
@click.option("--dev", "dev_file", type=click.Path(dir_okay=False),
              help="CoNLL-U dev file, for early stopping.")
@_training_options
@click.option("--licence", "licences", multiple=True,
              help="Licence of the training data, recorded in the model: once per --train, "
              "in the same order (default: the first line of LICENSE.txt beside each train "
              "file, if present).")
@click.option("--lexicon", "lexicon", type=click.Path(file_okay=False),
              help="The word lexicon's source, for configs with lexicon_words: "
              "spacy-lookups-data's data folder (en_lexeme_cluster.json.gz, "
              "en_lexeme_prob.json.gz).")
@click.option("--members", type=click.IntRange(min=1, max=fileformat.MAX_MEMBERS),
              help="Networks in the model, their tag probabilities averaged (default: the "
              "config's members, else one per 1 MB of budget, at most 4). Each costs its "
              "share of the budget and of the tagging time.")
@click.option("--unlabeled", "unlabeled_files", multiple=True, type=click.Path(dir_okay=False),
              help="Text, one sentence a line, tagged by --teacher and added to the training "
              "data (uptraining); repeat it for several files.")
@click.option("--teacher", "teacher_model", type=click.Path(dir_okay=False),
              help="The model that tags --unlabeled: a bigger one (say, --memory-budget 3MB) "
              "trained on the same data.")
@click.option("--unlabeled-licence", help="Licence of the --unlabeled text, recorded in the model.")
@click.option("--held-out", "held_out_files", multiple=True, type=click.Path(dir_okay=False),
              help="CoNLL-U whose sentences must never train the model (say, the test split): "
              "--unlabeled lines equal to one are left out, as those of --dev always are.")
def train_pos(train_files, dev_file, memory_budget, output, config_path, epochs, seed,
              licences, lexicon, members, unlabeled_files, teacher_model, unlabeled_licence,
              held_out_files) -> None:
    """Train a POS tagger on CoNLL-U (FORM and UPOS columns)."""
    from .pos import PosTagger

    if licences and len(licences) != len(train_files):
        raise click.UsageError(f"give --licence once per --train ({len(train_files)}), or "
                               "not at all")
    if bool(unlabeled_files) != bool(teacher_model):
        raise click.UsageError("--unlabeled and --teacher go together")
    with _Interrupts() as interrupts:
        _check_output(output)
        tagger = PosTagger(memory_budget=memory_budget, config=config_path, epochs=epochs,
                           seed=seed, lexicon=lexicon, members=members)
        tagger.check_budget()  # a bad config or budget stops here, before reading data
        parts = [datasets.read_conllu(f) for f in train_files]
        sentences = [s for part in parts for s in part]
        dev = datasets.read_conllu(dev_file) if dev_file else None
        licences = licences or [datasets.licence_beside(f) for f in train_files]
        forms, tags = [s.forms for s in sentences], [s.tags for s in sentences]
        data_licences = {source: licence for source, licence in
                         zip(datasets.treebank_sources(train_files), licences) if licence}
        provenance = datasets.treebank_provenance(train_files, [len(p) for p in parts])
        if unlabeled_files:
            silver = _silver(teacher_model, unlabeled_files, held_out_files, dev or [],
                             sentences)
            forms, tags = forms + silver.sentences, tags + silver.tags
            provenance["silver"] = silver.record
            if unlabeled_licence:
                data_licences["unlabeled text, tagged by the teacher"] = unlabeled_licence
        click.echo(f"training on {len(forms):,} sentences; featurizing...", err=True)
        _train_and_save(tagger, output, interrupts, tagger.fit, forms, tags,
                        [s.forms for s in dev] if dev else None,
                        [s.tags for s in dev] if dev else None,
                        data_licences=data_licences, provenance=provenance)


def _silver(teacher_model: str, unlabeled_files, held_out_files, dev: list, training: list):
    """The --unlabeled lines tagged by the teacher, without held-out sentences
    and sentences of the training data."""
    from .pos import PosTagger
    from .silver import held_out_keys, tag_unlabeled

    held_out = held_out_keys([s for f in held_out_files for s in datasets.read_conllu(f)] + dev)
    teacher = PosTagger.load(teacher_model)
    members = len(teacher.networks_)
    click.echo(f"tagging {', '.join(unlabeled_files)} with {teacher_model}"
               + (f" ({members} members)" if members > 1 else "") + "...", err=True)
    silver = tag_unlabeled(teacher, unlabeled_files, held_out, held_out_keys(training),
                           teacher_model)
    left_out = silver.record["left_out"]
    click.echo(f"{silver.record['sentences']:,} silver sentences "
               f"({silver.record['tokens']:,} tokens); left out: {left_out['held_out']:,} "
               f"held-out sentences, {left_out['training']:,} training sentences, "
               f"{left_out['repeated']:,} repeats, {left_out['no_tokens']:,} lines without "
               "tokens", err=True)
    return silver


@evaluate_group.command("pos")
@click.option("--model", "model_name", default="en", show_default=True,
              help="Model file, language code or treebank name of a shipped model.")
@click.argument("data_file", type=click.Path(dir_okay=False))
@click.option("--train", "train_file", type=click.Path(dir_okay=False),
              help="The training CoNLL-U, to score words unseen in it.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_pos(model_name, data_file, train_file, as_json) -> None:
    """UPOS accuracy, unseen-word accuracy, per-tag F1 and confusions on DATA_FILE."""
    from .evaluation import evaluate
    from .pos import PosTagger

    tagger = PosTagger.load(model_name)
    sentences = datasets.read_conllu(data_file)
    predicted = tagger.tag_batch([s.forms for s in sentences])
    gold = [t for s in sentences for t in s.tags]
    _warn_unknown(gold, tagger.labels, "tokens")
    flat = [t for tags in predicted for t in tags]
    report = evaluate(gold, flat)
    extra = {}
    if train_file:
        vocabulary = {f for s in datasets.read_conllu(train_file) for f in s.forms}
        unseen = [g == p for s, tags in zip(sentences, predicted)
                  for f, g, p in zip(s.forms, s.tags, tags) if f not in vocabulary]
        extra = {"unseen_words": len(unseen),
                 "unseen_accuracy": sum(unseen) / max(len(unseen), 1)}
    if as_json:
        click.echo(json.dumps({**report.to_dict(), **extra}, indent=1))
        return
    click.echo(report.format())
    if extra:
        click.echo(f"\nwords unseen in training: {extra['unseen_words']}, accuracy "
                   f"{100 * extra['unseen_accuracy']:.2f}%")


def _backend_of(model, path) -> str:
    """The C runtime, or numpy and why the C runtime cannot read the file."""
    if model.backend == "c":
        return "the C runtime"
    try:
        type(model).load(path, backend="c")
    except ValueError as exc:
        return f"numpy ({exc})"
    return "numpy"


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def info(path) -> None:
    """Show a model file's metadata and byte breakdown (after checking it)."""
    from . import TASKS

    contents = modelfile.load(path)
    task = contents.metadata.get("task")
    if task not in TASKS:
        raise SmallNLPError(f"{path}: not a model of a known task ({task!r}); smallnlp has "
                            f"{', '.join(TASKS)}")
    model = TASKS[task].load(path)
    metadata, arrays, size = model.metadata_, contents.arrays, os.path.getsize(path)
    featurizer = contents.metadata.get("featurizer", {})
    click.echo(f"{path}: {task} model, format version {contents.version}, {size:,} bytes")
    click.echo(f"features made by featurizer version {featurizer.get('version', 1)}, "
               f"Unicode {featurizer.get('unicode', 'unrecorded')}; predicts with "
               f"{_backend_of(model, path)}")
    click.echo(f"labels ({len(model.labels)}): {' '.join(model.labels)}")
    click.echo("\nfeature groups:")
    for index, group in enumerate(model.featurizer_.groups):
        table = sum(arrays[name].nbytes for name in fileformat.embedding_arrays(index))
        click.echo(f"  {group.name:<10} {group.kind:<10} {group.buckets:>6} rows x "
                   f"{group.dims:>2} dims = {table:>8,} bytes: "
                   f"{group.feature_kind.describe(group)}")
    known = metadata["features"].get("known_words")
    if known:
        click.echo(f"  known words: a {known['bits']:,}-bit bitmap of hashed training words "
                   f"(seed {known['seed']}); others take their word group's last row")
    click.echo(f"hidden layer: {model.network_.hidden_size} units")
    if len(model.networks_) > 1:
        click.echo(f"members: {len(model.networks_)} networks of these groups and hidden size, "
                   "their tag probabilities averaged at every decoding step")
    click.echo("\narrays:")
    array_bytes = 0
    for name, array in arrays.items():
        array_bytes += array.nbytes
        click.echo(f"  {name:<22} {str(array.dtype):<8} {str(tuple(array.shape)):<14} "
                   f"{array.nbytes:>10,} bytes")
    click.echo(f"  {'header, metadata, padding, checksum':<46} {size - array_bytes:>10,} bytes")
    click.echo(f"  {'total':<46} {size:>10,} bytes")
    training = metadata["training"]
    if training:
        click.echo(f"\ntraining: budget {training.get('memory_budget', 0):,} bytes, seed "
                   f"{training.get('seed')}, best epoch {training.get('best_epoch')}")
        environment = training.get("environment")
        if isinstance(environment, dict):  # what the bits depend on (README: reproducible)
            click.echo("  trained with " + ", ".join(f"{key} {value}" for key, value
                                                      in sorted(environment.items())))
        for key in ("dev_accuracy_float32", "dev_accuracy_8bit"):
            if key in training:
                click.echo(f"  {key}: {100 * training[key]:.2f}%")
        for record in training.get("members", []):
            if "dev_accuracy_8bit" in record:
                click.echo(f"  member {record['member']}: best epoch {record['best_epoch']}, "
                           f"dev_accuracy_8bit {100 * record['dev_accuracy_8bit']:.2f}%")
        if "ensemble_dev_accuracy" in training:
            click.echo(f"  members averaged: dev accuracy "
                       f"{100 * training['ensemble_dev_accuracy']:.2f}%")
    calibration = metadata.get("calibration")
    if calibration:
        click.echo(f"calibration: temperature {calibration['temperature']:g}, fitted on "
                   f"{calibration['fitted_on']}; held-out expected calibration error:")
        for key, record in calibration.items():
            if key.startswith("held_out_"):
                click.echo(f"  {key[9:].replace('_', ' '):<11} {100 * record['ece_before']:.2f}% "
                           f"-> {100 * record['ece_after']:.2f}% ({record['examples']:,} texts)")
    licences = sorted(set(metadata["data_licences"].values()))
    if licences:
        click.echo("training data licences:")
        for licence in licences:
            click.echo(f"  {licence}")


if __name__ == "__main__":  # pragma: no cover
    main()
