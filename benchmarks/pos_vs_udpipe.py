"""POS tagging side by side, per shipped treebank: UDPipe 1's tagger (ufal.udpipe,
its default tagger options), NLTK's averaged perceptron and the shipped smallnlp
model, the first two trained here on the same labelled files as the shipped model
(configs/pos_models.toml: the treebank's train split plus its extra_train files;
the treebank's dev split as UDPipe's heldout data; a model trained on dev: the
same 90/10 cut of it). Gold tokenization; scored on
the test split (or, with --split dev, on dev, where settings are chosen). One
table row per system and treebank: UPOS, accuracy on words unseen in training,
model bytes, tokens/s one sentence a call and in one batch, training time; one
core. Then smallnlp's lead over UDPipe with a 95% interval from a paired
bootstrap over sentences: how far resampling the scored sentences moves it.
Needs the `bench` extra (nltk, ufal.udpipe).

    python benchmarks/pos_vs_udpipe.py --train-only    # UDPipe's models, once
    python benchmarks/pos_vs_udpipe.py [--only en tr] [--smallnlp-training]

UDPipe trains for minutes per treebank (hours on English), so its models are
kept (--udpipe-models, with their options and training time) and reused
whatever --udpipe-options says (delete one to train it again), and the timed
runs can wait for a quiet machine; --smallnlp-training also times the shipped model's own command
(tools/build_pos_models.py --only CODE, into a temporary folder).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from common import REPO, machine, single_core

DATA = REPO.parent / "shared" / "data" / "ud"


def udpipe_sentences(paths: list[Path]):
    from ufal.udpipe import InputFormat, ProcessingError, Sentence

    sentences = []
    for path in paths:
        reader = InputFormat.newConlluInputFormat()
        reader.setText(path.read_text(encoding="utf-8"))
        error, sentence = ProcessingError(), Sentence()
        while reader.nextSentence(sentence, error):
            sentences.append(sentence)
            sentence = Sentence()
        if error.occurred():
            sys.exit(f"{path}: {error.message}")
    return sentences


def _tokens_per_second(tag_one, sentences: list, seconds: float = 2.0) -> float:
    """Tokens/s calling ``tag_one`` per sentence, over at least ``seconds``."""
    tokens, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for sentence in sentences:
            tokens += tag_one(sentence)
    return tokens / (time.perf_counter() - start)


def trained_udpipe(name: str, train: list[Path], dev: Path, options: str,
                   models: Path) -> tuple[Path, dict]:
    """UDPipe's model of treebank ``name`` (trained now with ``options``, or
    kept in ``models`` by an earlier run) and its record: the tagger options it
    was trained with and the training seconds."""
    from ufal.udpipe import ProcessingError, Sentences, Trainer

    path = models / f"{name}.udpipe"
    record = models / f"{name}.udpipe.json"
    if record.exists():
        return path, json.loads(record.read_text())
    training, heldout = Sentences(), Sentences()
    for sentence in udpipe_sentences(train):
        training.append(sentence)
    for sentence in udpipe_sentences([dev]):
        heldout.append(sentence)
    error = ProcessingError()
    start = time.perf_counter()
    trained = Trainer.train("morphodita_parsito", training, heldout, "none", options, "none",
                            error)
    train_seconds = time.perf_counter() - start
    if error.occurred():
        sys.exit(f"{name}: UDPipe training failed: {error.message}")
    models.mkdir(parents=True, exist_ok=True)
    path.write_bytes(trained if isinstance(trained, bytes) else trained.encode("latin-1"))
    record.write_text(json.dumps({"options": options, "train_seconds": train_seconds}))
    return path, json.loads(record.read_text())


def udpipe_row(model_path: Path, record: dict, test: Path) -> tuple[dict, list]:
    from ufal.udpipe import Model, Pipeline, ProcessingError

    model, error = Model.load(str(model_path)), ProcessingError()
    sentences = udpipe_sentences([test])
    for sentence in sentences:
        model.tag(sentence, Model.DEFAULT, error)
    predicted = [w.upostag for s in sentences for w in list(s.words)[1:]]

    def tag_one(sentence) -> int:
        model.tag(sentence, Model.DEFAULT, error)
        return len(sentence.words) - 1

    # UDPipe has no batch call: its pipeline over the whole test file, CoNLL-U in and out.
    pipeline = Pipeline(model, "conllu", Pipeline.DEFAULT, Pipeline.NONE, "conllu")
    text = test.read_text(encoding="utf-8")
    start = time.perf_counter()
    pipeline.process(text, error)
    batch = len(predicted) / (time.perf_counter() - start)
    return {"bytes": model_path.stat().st_size, "train_seconds": record["train_seconds"],
            "options": record["options"], "single": _tokens_per_second(tag_one, sentences),
            "batch": batch}, predicted


def nltk_row(train_sentences, test_forms) -> tuple[dict, list]:
    from nltk.tag.perceptron import PerceptronTagger

    start = time.perf_counter()
    tagger = PerceptronTagger(load=False)
    tagger.train([list(zip(s.forms, s.tags)) for s in train_sentences], nr_iter=5)
    train_seconds = time.perf_counter() - start
    # NLTK's own save format is JSON of weights, tag dict and classes.
    size = len(json.dumps([tagger.model.weights, tagger.tagdict,
                           sorted(tagger.classes)]).encode())
    start = time.perf_counter()
    predicted = [t for forms in test_forms for _, t in tagger.tag(forms)]
    batch = len(predicted) / (time.perf_counter() - start)

    def tag_one(forms) -> int:
        return len(tagger.tag(forms))

    return {"bytes": size, "train_seconds": train_seconds,
            "single": _tokens_per_second(tag_one, test_forms), "batch": batch}, predicted


def smallnlp_row(code: str, test_forms, train_seconds: float | None) -> tuple[dict, list]:
    from smallnlp.pos import PosTagger

    path = REPO / "models" / f"pos-{code}.snlp"
    tagger = PosTagger.load(path)
    start = time.perf_counter()
    predicted = [t for tags in tagger.tag_batch(test_forms) for t in tags]
    batch = len(predicted) / (time.perf_counter() - start)

    def tag_one(forms) -> int:
        return len(tagger.tag(forms))

    return {"bytes": path.stat().st_size, "train_seconds": train_seconds,
            "single": _tokens_per_second(tag_one, test_forms), "batch": batch,
            "backend": tagger.backend}, predicted


def smallnlp_training_seconds(code: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "tools" / "build_pos_models.py"), "--only",
                        code, "--models", folder], check=True)
        return time.perf_counter() - start


def lead_interval(ours: list[bool], theirs: list[bool], lengths: list[int],
                  rounds: int = 2000, seed: int = 0) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of ``ours`` minus ``theirs`` (shares
    of tokens right) over ``rounds`` resamplings of the sentences: the
    sentence, not the token, is the unit, since errors cluster within one."""
    sizes = np.asarray(lengths)
    starts = np.cumsum(sizes) - sizes
    gain = np.add.reduceat(np.asarray(ours, int) - np.asarray(theirs, int), starts)
    picks = np.random.default_rng(seed).integers(0, len(sizes), (rounds, len(sizes)))
    leads = gain[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    low, high = np.percentile(leads, [2.5, 97.5])
    return float(low), float(high)


def treebank_rows(name: str, entry: dict, args: argparse.Namespace) -> dict:
    from smallnlp.datasets import read_conllu

    folder = DATA / name
    train = [folder / "train.conllu"] + [DATA / extra for extra in entry.get("extra_train", [])]
    dev = folder / "dev.conllu"
    if entry.get("train_on") == "dev":  # as tools/build_pos_models.py trains it
        sys.path.insert(0, str(REPO / "tools"))
        from build_pos_models import write_dev_split

        train_file, dev = write_dev_split(folder / "dev.conllu", args.scratch / name)
        train = [train_file]
        if args.split == "dev":
            print(f"{name}: skipped, its dev split is its training data", file=sys.stderr)
            return {}
    train_sentences = [s for path in train for s in read_conllu(path)]
    scored = folder / f"{args.split}.conllu"
    test = read_conllu(scored)
    test_forms = [s.forms for s in test]
    gold = [t for s in test for t in s.tags]
    seen = {form for s in train_sentences for form in s.forms}
    unseen = [form not in seen for s in test for form in s.forms]
    udpipe = trained_udpipe(name, train, dev, args.udpipe_options, args.udpipe_models)
    if args.train_only:
        return {}
    rows = {}
    for system, (row, predicted) in (
            ("UDPipe 1", udpipe_row(*udpipe, scored)),
            ("NLTK perceptron", nltk_row(train_sentences, test_forms)),
            ("smallnlp", smallnlp_row(entry["code"], test_forms,
                                      smallnlp_training_seconds(entry["code"])
                                      if args.smallnlp_training else None))):
        if len(predicted) != len(gold):
            sys.exit(f"{name}: {system} tagged {len(predicted)} words, the {args.split} "
                     f"split has {len(gold)}")
        right = [p == g for p, g in zip(predicted, gold)]
        rows[system] = {**row, "upos": sum(right) / len(right), "right": right,
                        "unseen": sum(r for r, u in zip(right, unseen) if u) / max(1, sum(unseen))}
    lead = lead_interval(rows["smallnlp"]["right"], rows["UDPipe 1"]["right"],
                         [len(forms) for forms in test_forms])
    return {"tokens": len(gold), "unseen_share": sum(unseen) / len(unseen), "rows": rows,
            "lead": lead}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="CODE",
                        help="only these models (language codes)")
    parser.add_argument("--udpipe-models", type=Path,
                        default=Path(tempfile.gettempdir()) / "smallnlp-udpipe-models",
                        help="where UDPipe's models are kept between runs")
    parser.add_argument("--train-only", action="store_true",
                        help="only train the UDPipe models that are not kept yet")
    parser.add_argument("--udpipe-options", default="default",
                        help="UDPipe's tagger options (default: its defaults)")
    parser.add_argument("--smallnlp-training", action="store_true",
                        help="also time the shipped models' training command")
    parser.add_argument("--split", choices=("test", "dev"), default="test",
                        help="the split scored (default: test)")
    args = parser.parse_args()
    single_core()
    with open(REPO / "configs" / "pos_models.toml", "rb") as file:
        treebanks = tomllib.load(file)["treebanks"]
    wanted = set(args.only or [])
    results = {}
    with tempfile.TemporaryDirectory() as scratch:  # dev splits cut in two
        args.scratch = Path(scratch)
        for name, entry in treebanks.items():
            if not wanted or entry["code"] in wanted:
                result = treebank_rows(name, entry, args)
                if result:
                    results[name] = result
                print(f"{name}: done", file=sys.stderr, flush=True)
    if args.train_only:
        return

    print(f"{machine()}; UDPipe tagger options: its defaults unless the row says\n")
    print(f"Scored on the {args.split} split.\n")
    print(f"| treebank | tagger | {args.split} UPOS | unseen words | model bytes | tokens/s, one "
          "sentence a call | tokens/s, batch | training |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        for system, row in result["rows"].items():
            if row.get("options", "default") != "default":
                system += f" ({row['options']})"
            trained = (f"{row['train_seconds']:,.0f} s" if row["train_seconds"] is not None
                       else "-")
            print(f"| {name} | {system} | {100 * row['upos']:.2f}% | {100 * row['unseen']:.2f}% "
                  f"| {row['bytes']:,} | {row['single']:,.0f} | {row['batch']:,.0f} | "
                  f"{trained} |")
    print(f"\n| treebank | {args.split} tokens | unseen in training | smallnlp − UDPipe (UPOS "
          "points) | 95% interval | smallnlp / UDPipe tokens/s (one a call, batch) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        ours, theirs = result["rows"]["smallnlp"], result["rows"]["UDPipe 1"]
        print(f"| {name} | {result['tokens']:,} | {100 * result['unseen_share']:.1f}% | "
              f"{100 * (ours['upos'] - theirs['upos']):+.2f} | "
              f"{100 * result['lead'][0]:+.2f} to {100 * result['lead'][1]:+.2f} | "
              f"{ours['single'] / theirs['single']:.1f}×, {ours['batch'] / theirs['batch']:.1f}× |")


if __name__ == "__main__":
    main()
