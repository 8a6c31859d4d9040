"""``smallnlp eval langid|pos``: a model scored on labelled data."""

from __future__ import annotations

import json

import click

from .. import LanguageIdentifier, PosTagger, datasets
from .common import BACKEND, MODEL_OPTION, POS_MODEL_OPTION, REPORT_FORMAT, load_model


@click.group("eval")
def evaluate_group() -> None:
    """Score a model on labelled data."""


@evaluate_group.command("langid")
@MODEL_OPTION
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory of <label>.txt files, one text per line (as train's --train).")
@click.option("--span-words", type=click.IntRange(min=1),
              help="Score one random span of this many words cut from each line.")
@click.option("--min-letters", type=click.IntRange(min=0), default=0,
              help="With --span-words, only words with at least this many letters.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random spans (--span-words).")
@BACKEND
@REPORT_FORMAT
def eval_langid(model_name, data_dir, span_words, min_letters, seed, backend, fmt) -> None:
    """Accuracy, macro-F1, per-label precision/recall and confusions on --data.

    With --span-words, lines written without spaces (Chinese, Japanese) and
    lines with too few qualifying words are left out.
    """
    model = load_model(LanguageIdentifier, model_name, backend)
    texts, labels = datasets.read_labelled_dir(data_dir)
    _warn_unknown(labels, model.labels, "texts")
    report = model.evaluate(texts, labels, span_words=span_words, min_letters=min_letters,
                            seed=seed)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=1))
    else:
        click.echo(report.format())
        click.echo(f"\nexpected calibration error: "
                   f"{100 * report.extra['expected_calibration_error']:.2f}% "
                   f"(temperature {model.temperature_:g})")


def _warn_unknown(gold: list[str], known: list[str], what: str) -> None:
    """Say on stderr when the data has labels the model cannot answer."""
    unknown = sorted(set(gold) - set(known))
    if unknown:
        count = sum(label in set(unknown) for label in gold)
        click.echo(f"warning: {count:,} {what} have labels this model does not know "
                   f"({', '.join(unknown)}); they count as errors", err=True)


@evaluate_group.command("pos")
@POS_MODEL_OPTION
@click.option("--data", "data_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CoNLL-U file with gold UPOS tags (as train's --dev).")
@click.option("--train", "train_file", type=click.Path(exists=True, dir_okay=False),
              help="The training CoNLL-U, to score words unseen in it.")
@BACKEND
@REPORT_FORMAT
def eval_pos(model_name, data_file, train_file, backend, fmt) -> None:
    """UPOS accuracy, unseen-word accuracy, per-tag F1 and confusions on --data."""
    tagger = load_model(PosTagger, model_name, backend)
    sentences = datasets.read_conllu(data_file)
    _warn_unknown([t for s in sentences for t in s.tags], tagger.labels, "tokens")
    vocabulary = ({f for s in datasets.read_conllu(train_file) for f in s.forms}
                  if train_file else None)
    report = tagger.evaluate([s.forms for s in sentences], [s.tags for s in sentences],
                             vocabulary)
    extra = report.extra
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=1))
        return
    click.echo(report.format())
    if extra:
        click.echo(f"\nwords unseen in training: {extra['unseen_words']}, accuracy "
                   f"{100 * extra['unseen_accuracy']:.2f}%")
