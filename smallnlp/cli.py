"""The ``smallnlp`` command: thin verbs over the Python API."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np

from . import modelfile
from .errors import SmallNLPError
from .langid import (
    LanguageIdentifier,
    Prediction,
    cut_spans,
    file_digest,
    read_labelled_dir,
    read_licences,
)
from .train import Progress


class _Errors(click.Group):
    """Show smallnlp's own errors as one clean line, exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SmallNLPError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Errors)
@click.version_option(package_name="smallnlp")
def main() -> None:
    """Tiny feed-forward NLP models: language identification and POS tagging."""


def _input_lines(texts: tuple[str, ...]) -> Iterator[str]:
    """TEXT arguments, else stdin lines (invalid UTF-8 replaced, never fatal)."""
    if texts:
        yield from texts
        return
    for raw in click.get_binary_stream("stdin"):
        yield raw.rstrip(b"\r\n").decode("utf-8", errors="replace")


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


@main.command("langid")
@click.argument("texts", nargs=-1)
@click.option("--model", "model_path", type=click.Path(dir_okay=False),
              help="Model file (default: the shipped model).")
@click.option("--top-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many labels to print per text, best first.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv",
              show_default=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True)
def langid_command(texts, model_path, top_k, fmt, batch_size) -> None:
    """Identify the language of each TEXT, or of each stdin line.

    Prints label<TAB>probability<TAB>text ('und' with probability 0 for text
    without letters); with --top-k, label<TAB>probability pairs, best first.
    """
    model = LanguageIdentifier.load(model_path)
    for batch in _batches(_input_lines(texts), batch_size):
        probs = model.predict_proba(batch)
        for text, row in zip(batch, probs):
            order = np.argsort(-row, kind="stable")[:top_k]
            preds = ([Prediction(model.labels[i], float(row[i])) for i in order]
                     if row.any() else [Prediction("und", 0.0)])
            if fmt == "json":
                click.echo(json.dumps({"text": text, "label": preds[0].label,
                                       "probability": round(preds[0].probability, 6),
                                       "top_k": [[p.label, round(p.probability, 6)]
                                                 for p in preds]}, ensure_ascii=False))
            else:
                fields = [f"{p.label}\t{p.probability:.4f}" for p in preds]
                click.echo("\t".join(fields + [_one_line(text)]))


@main.group()
def train() -> None:
    """Train a model on your own data under a memory budget."""


class _TrainingBar:
    """A click progress bar fed by the training loop's Progress reports."""

    def __init__(self, epochs: int):
        self.epochs = epochs
        self.bar = None

    def __call__(self, report: Progress) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=self.epochs * report.steps_in_epoch,
                                         file=sys.stderr, show_eta=True,
                                         item_show_func=lambda r: r)
            self.bar.__enter__()
        dev = "-" if report.dev_accuracy is None else f"{100 * report.dev_accuracy:.2f}%"
        self.bar.update(0 if report.epoch_end else 1,
                        f"epoch {report.epoch}/{self.epochs} loss {report.loss:.3f} dev {dev}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()


@train.command("langid")
@click.option("--train", "train_dir", required=True, type=click.Path(file_okay=False),
              help="Directory of <label>.txt files, one text per line.")
@click.option("--dev", "dev_dir", type=click.Path(file_okay=False),
              help="Directory like --train, for early stopping.")
@click.option("--memory-budget", default="1MB", show_default=True,
              help="Hard limit on the model file and loaded model: 200KB, 1MB, 2.5MiB, bytes.")
@click.option("--output", required=True, type=click.Path(dir_okay=False))
@click.option("--config", "config_path", default="langid", show_default=True,
              help="TOML config path, or the name of a shipped config.")
@click.option("--epochs", type=click.IntRange(min=1), help="Override the config's epochs.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--sources", type=click.Path(dir_okay=False),
              help="TSV with code and license columns recorded as the data's licences "
                   "(default: SOURCES.tsv beside the train directory, if present).")
def train_langid(train_dir, dev_dir, memory_budget, output, config_path, epochs, seed,
                 sources) -> None:
    """Train a language identifier."""
    texts, labels = read_labelled_dir(train_dir)
    dev_texts, dev_labels = read_labelled_dir(dev_dir) if dev_dir else (None, None)
    sources = sources or next((p for p in [Path(train_dir).parent / "SOURCES.tsv"]
                               if p.is_file()), None)
    licences = read_licences(sources) if sources else {}
    train_files = sorted(Path(train_dir).glob("*.txt"))
    provenance = {"train": {"files": len(train_files), "lines": len(texts),
                            "sha256": file_digest(train_files)},
                  "dev_lines": len(dev_texts or [])}
    click.echo(f"training on {len(texts):,} lines in {len(set(labels))} languages; "
               "featurizing...", err=True)
    model = LanguageIdentifier(memory_budget=memory_budget, config=config_path,
                               epochs=epochs, seed=seed)
    bar = _TrainingBar(model.epochs or _config_epochs(config_path))
    try:
        model.fit(texts, labels, dev_texts, dev_labels, progress=bar,
                  data_licences={k: v for k, v in licences.items() if k in set(labels)},
                  provenance=provenance)
    finally:
        bar.close()
    size = model.save(output)
    result = model.training_result_
    dev = ("" if result.best_dev_accuracy is None
           else f", dev accuracy {100 * result.best_dev_accuracy:.2f}%")
    click.echo(f"wrote {output}: {size:,} bytes, best epoch {result.best_epoch}{dev}", err=True)


def _config_epochs(config_path: str) -> int:
    from .config import load_config
    from .train import TrainOptions

    return TrainOptions.from_dict(load_config(config_path).get("training", {})).epochs


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
    from .evaluation import evaluate

    model = LanguageIdentifier.load(model_path)
    texts, labels = read_labelled_dir(data_dir)
    if span_words:
        spans = cut_spans([t for t in texts], np.random.default_rng(seed), span_words,
                          span_words, min_letters=min_letters)
        pairs = [(s, y) for s, y, t in zip(spans, labels, texts)
                 if s is not None and len(t.split()) > 1]
        texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    predicted = [p.label for p in model.predict_batch(texts)]
    report = evaluate(labels, predicted)
    click.echo(json.dumps(report.to_dict(), indent=1) if as_json else report.format())


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def info(path) -> None:
    """Show a model file's metadata and byte breakdown."""
    metadata, arrays = modelfile.load(path)
    size = os.path.getsize(path)
    click.echo(f"{path}: {metadata.get('task')} model, format version "
               f"{modelfile.FORMAT_VERSION}, {size:,} bytes")
    labels = metadata.get("labels", [])
    click.echo(f"labels ({len(labels)}): {' '.join(labels)}")
    groups = metadata.get("features", {}).get("groups", [])
    click.echo("\nfeature groups:")
    for index, group in enumerate(groups):
        codes = arrays.get(f"embedding_{index}.codes")
        scales = sum(arrays[f"embedding_{index}.{k}"].nbytes for k in ("offset", "scale")
                     if f"embedding_{index}.{k}" in arrays)
        click.echo(f"  {group['name']:<8} {group['kind']:<10} order {group.get('order', 0)} "
                   f"seed {group.get('seed', 0)}: {group['buckets']} rows x {group['dims']} "
                   f"dims x 1 byte = {codes.nbytes:,} + offsets/scales {scales:,}")
    click.echo("\narrays:")
    array_bytes = 0
    for name, array in arrays.items():
        array_bytes += array.nbytes
        click.echo(f"  {name:<22} {str(array.dtype):<8} {str(tuple(array.shape)):<14} "
                   f"{array.nbytes:>10,} bytes")
    click.echo(f"  {'header, metadata, padding, checksum':<46} {size - array_bytes:>10,} bytes")
    click.echo(f"  {'total':<46} {size:>10,} bytes")
    training = metadata.get("training", {})
    if training:
        click.echo(f"\ntraining: budget {training.get('memory_budget', 0):,} bytes, seed "
                   f"{training.get('seed')}, best epoch {training.get('best_epoch')}")
        for key in ("dev_accuracy_float32", "dev_accuracy_8bit"):
            if key in training:
                click.echo(f"  {key}: {100 * training[key]:.2f}%")
    licences = sorted(set(metadata.get("data_licences", {}).values()))
    if licences:
        click.echo("training data licences:")
        for licence in licences:
            click.echo(f"  {licence}")


if __name__ == "__main__":  # pragma: no cover
    main()
