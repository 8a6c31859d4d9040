"""``smallnlp train langid|pos``: a model trained under a memory budget, with
progress on stderr and Ctrl-C that never leaves a half-written file."""

from __future__ import annotations

import signal
import sys
import time

import click

from .. import LanguageIdentifier, PosTagger, Progress, datasets, held_out_keys, tag_unlabeled
from ..errors import ModelFileError
from ..files import check_writable
from .common import Interrupted


@click.group()
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
        raise Interrupted

    def check(self) -> None:
        if self.seen:
            raise Interrupted

    def __exit__(self, kind, value, traceback) -> None:
        signal.signal(signal.SIGINT, self.previous)
        if (kind is not None and issubclass(kind, KeyboardInterrupt)) or self.seen:
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
        click.option("--hidden", type=click.IntRange(min=1),
                     help="Override the config's hidden layer size (default: the config's "
                          "hidden, else the budget's choice). Fewer units predict faster "
                          "and leave their bytes to the embedding rows."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _check_output(output: str) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    try:
        check_writable(output)
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
@click.option("--train", "train_dir", required=True, type=click.Path(exists=True, file_okay=False),
              help="Directory of <label>.txt files, one text per line.")
@click.option("--dev", "dev_dir", type=click.Path(exists=True, file_okay=False),
              help="Directory like --train, for early stopping.")
@_training_options
@click.option("--languages", help="Comma-separated codes: train on these languages' files "
              "of --train and --dev only (default: every file).")
@click.option("--licence", "licence",
              help="Licence of the training data, recorded in the model for every language "
              "--sources gives none.")
@click.option("--sources", type=click.Path(exists=True, dir_okay=False),
              help="TSV with code and license columns (and optionally language, the "
                   "English name) recorded in the model per language (default: SOURCES.tsv "
                   "beside the train directory, if present).")
@click.option("--teacher", "teacher_model",
              help="A language identifier (a shipped name or a path) that knows every "
              "language trained: each example's target mixes its label with the teacher's "
              "probabilities (the config's teacher_weight), which helps a small model.")
def train_langid(train_dir, dev_dir, memory_budget, output, config_path, epochs, seed, hidden,
                 languages, licence, sources, teacher_model) -> None:
    """Train a language identifier."""
    with _Interrupts() as interrupts:
        _check_output(output)
        model = LanguageIdentifier(memory_budget=memory_budget, config=config_path,
                                   epochs=epochs, seed=seed, hidden=hidden)
        model.check_budget()  # a bad config or budget stops here, before reading data
        teacher = _teacher(teacher_model) if teacher_model else None
        texts, labels = _chosen(datasets.read_labelled_dir(train_dir), languages, "--train")
        dev_texts, dev_labels = (_chosen(datasets.read_labelled_dir(dev_dir), languages, None)
                                 if dev_dir else (None, None))
        sources = sources or datasets.sources_beside(train_dir)
        table = datasets.read_sources(sources) if sources else {}
        known = {code: row for code, row in table.items() if code in set(labels)}
        click.echo(f"training on {len(texts):,} lines in {len(set(labels))} languages; "
                   "counting their features...", err=True)
        _train_and_save(model, output, interrupts, model.fit, texts, labels, dev_texts,
                        dev_labels,
                        data_licences={code: known[code]["license"] if code in known
                                       else licence for code in sorted(set(labels))
                                       if code in known or licence},
                        provenance=datasets.langid_provenance(train_dir, len(texts),
                                                          len(dev_texts or [])),
                        language_names={code: row["language"] for code, row in known.items()
                                        if row.get("language")},
                        teacher=teacher)


def _teacher(name: str) -> LanguageIdentifier:
    """The --teacher model, or a usage error that says why it cannot be read."""
    try:
        return LanguageIdentifier.load(name)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--teacher") from None


def _chosen(data: tuple[list[str], list[str]], languages: str | None, option: str | None
            ) -> tuple[list[str], list[str]]:
    """The texts and labels of ``languages`` (comma-separated; None: all); a
    code with no file in --train is a usage error."""
    if languages is None:
        return data
    wanted = {code.strip() for code in languages.split(",") if code.strip()}
    missing = sorted(wanted - set(data[1]))
    if option and (missing or not wanted):
        raise click.BadParameter(f"no file for {', '.join(missing)} in {option}" if missing
                                 else "name at least one language", param_hint="--languages")
    kept = [(text, label) for text, label in zip(*data) if label in wanted]
    return [text for text, _ in kept], [label for _, label in kept]


@train.command("pos")
@click.option("--train", "train_files", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="CoNLL-U training file; repeat it to train on several (say, EWT and GUM).")
@click.option("--dev", "dev_file", type=click.Path(exists=True, dir_okay=False),
              help="CoNLL-U dev file, for early stopping.")
@_training_options
@click.option("--licence", "licences", multiple=True,
              help="Licence of the training data, recorded in the model: once per --train, "
              "in the same order (default: the first line of LICENSE.txt beside each train "
              "file, if present).")
@click.option("--lexicon", "lexicon", type=click.Path(exists=True, file_okay=False),
              help="The word lexicon's source, for configs with lexicon_words: "
              "spacy-lookups-data's data folder (en_lexeme_cluster.json.gz, "
              "en_lexeme_prob.json.gz).")
@click.option("--members", type=click.IntRange(min=1, max=PosTagger.MAX_MEMBERS),
              help="Networks in the model, their tag probabilities averaged (default: the "
              "config's members, else one per 1 MB of budget, at most 4). Each costs its "
              "share of the budget and of the tagging time.")
@click.option("--tag-dictionary/--no-tag-dictionary", default=None,
              help="Keep each training word's tags in the model and tag a word seen in "
              "training only with one of them (default: the config's [tagging] "
              "tag_dictionary). Costs 8 bytes a distinct training word of the budget.")
@click.option("--cased-tag-dictionary", is_flag=True,
              help="A tag dictionary whose words are keyed as written, not lowercased: "
              "for languages whose case tells tags apart (Indonesian's PROPN and NOUN).")
@click.option("--unlabeled", "unlabeled_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Text, one sentence a line, tagged by --teacher and added to the training "
              "data (uptraining); repeat it for several files.")
@click.option("--teacher", "teacher_model", type=click.Path(exists=True, dir_okay=False),
              help="The model that tags --unlabeled: a bigger one (say, --memory-budget 3MB) "
              "trained on the same data.")
@click.option("--unlabeled-licence", help="Licence of the --unlabeled text, recorded in the model.")
@click.option("--held-out", "held_out_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="CoNLL-U whose sentences must never train the model (say, the test split): "
              "--unlabeled lines equal to one are left out, as those of --dev always are.")
def train_pos(train_files, dev_file, memory_budget, output, config_path, epochs, seed, hidden,
              licences, lexicon, members, tag_dictionary, cased_tag_dictionary, unlabeled_files,
              teacher_model, unlabeled_licence, held_out_files) -> None:
    """Train a POS tagger on CoNLL-U (FORM and UPOS columns)."""
    if licences and len(licences) != len(train_files):
        raise click.UsageError(f"give --licence once per --train ({len(train_files)}), or "
                               "not at all")
    if bool(unlabeled_files) != bool(teacher_model):
        raise click.UsageError("--unlabeled and --teacher go together")
    if cased_tag_dictionary:
        if tag_dictionary is False:
            raise click.UsageError("--cased-tag-dictionary and --no-tag-dictionary contradict "
                                   "each other")
        tag_dictionary = "cased"
    with _Interrupts() as interrupts:
        _check_output(output)
        tagger = PosTagger(memory_budget=memory_budget, config=config_path, epochs=epochs,
                           seed=seed, lexicon=lexicon, members=members,
                           tag_dictionary=tag_dictionary, hidden=hidden)
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
                        data_licences=data_licences, provenance=provenance,
                        labelled=len(sentences), xpos=[s.xpos for s in sentences])


def _silver(teacher_model: str, unlabeled_files, held_out_files, dev: list, training: list):
    """The --unlabeled lines tagged by the teacher, without held-out sentences
    and sentences of the training data."""
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
