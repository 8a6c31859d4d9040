"""Train (with --train) and measure the shipped POS models: for every treebank in
configs/pos_models.toml, model bytes, test UPOS (gold tokenization), accuracy on
words unseen in training, tokens/s (``tag_batch`` over the test set, best of three,
one core), and the training data's licence. ``--split dev`` measures on dev instead.

    python benchmarks/pos_shipped.py --train      # trains models/pos-<code>.snlp, then measures
    python benchmarks/pos_shipped.py --train --jobs 2   # the same models, two trained at a time
    python benchmarks/pos_shipped.py              # measures the models as they are
    python benchmarks/pos_shipped.py --train --only en   # one model

A model with a word lexicon (``lexicon = true``) needs spacy-lookups-data
installed (``pip install smallnlp[lexicon]``) to train. A model with
``unlabeled`` text is uptrained: a teacher of ``--teacher-budget`` (several
members) is trained first by the same command, tags that text (without the
sentences of the treebank's splits: ``smallnlp train pos --held-out``), and
the model trains on the treebank plus those silver sentences. The teacher is
kept in ``--teachers`` (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import REPO, best_of, one_blas_thread, single_core


def measure(model_path: Path, train: Path, test: Path) -> dict:
    import numpy as np

    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger

    tagger = PosTagger.load(model_path)
    sentences = read_conllu(test)
    forms = [s.forms for s in sentences]
    predicted = tagger.tag_batch(forms)
    seconds = best_of(lambda: tagger.tag_batch(forms))
    vocabulary = {f for s in read_conllu(train) for f in s.forms}
    hits = [(g == p, f in vocabulary) for s, tags in zip(sentences, predicted)
            for f, g, p in zip(s.forms, s.tags, tags)]
    correct = np.array([h for h, _ in hits])
    seen = np.array([s for _, s in hits])
    return {"bytes": model_path.stat().st_size, "accuracy": correct.mean(),
            "unseen": correct[~seen].mean(), "tokens": len(hits),
            "tokens_per_s": len(hits) / seconds}


def lexicon_source() -> str:
    """spacy-lookups-data's data folder (the word lexicon's source)."""
    try:
        import importlib.resources

        return str(importlib.resources.files("spacy_lookups_data") / "data")
    except ModuleNotFoundError:
        sys.exit("a model with a word lexicon needs spacy-lookups-data: "
                 "pip install smallnlp[lexicon]")


def train(name: str, entry: dict, args: argparse.Namespace) -> None:
    folder = args.data / name
    start = time.perf_counter()
    command = [sys.executable, "-m", "smallnlp.cli", "train", "pos",
               "--train", str(folder / "train.conllu"), "--licence", entry["licence"],
               "--dev", str(folder / "dev.conllu")]
    for extra, licence in zip(entry.get("extra_train", []), entry.get("extra_licences", [])):
        command += ["--train", str(args.data / extra), "--licence", licence]
    if "config" in entry:
        command += ["--config", entry["config"]]
    if entry.get("lexicon"):
        command += ["--lexicon", lexicon_source()]
    uptraining = []
    if entry.get("unlabeled"):
        teacher = args.teachers / f"teacher-{entry['code']}.snlp"
        _run(name, command + ["--memory-budget", args.teacher_budget, "--output", str(teacher)])
        uptraining = ["--teacher", str(teacher), "--held-out", str(folder / "test.conllu"),
                      "--unlabeled-licence", entry["unlabeled_licence"]]
        for text in entry["unlabeled"]:
            uptraining += ["--unlabeled", str(args.data.parent / text)]
    _run(name, command + uptraining + [
        "--memory-budget", args.memory_budget,
        "--output", str(args.models / f"pos-{entry['code']}.snlp")])
    print(f"{name}: trained in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


def _run(name: str, command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:  # progress bars are not shown, but a failure's output is
        sys.exit(f"{name}: training failed:\n{result.stdout}{result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ud")
    parser.add_argument("--models", type=Path, default=REPO / "models")
    parser.add_argument("--train", action="store_true", help="train the models first")
    parser.add_argument("--memory-budget", default="1MB")
    parser.add_argument("--teacher-budget", default="3MB",
                        help="the budget of an uptrained model's teacher")
    parser.add_argument("--teachers", type=Path,
                        help="where the teachers are written (default: a temporary folder)")
    parser.add_argument("--split", choices=["test", "dev"], default="test",
                        help="the split measured (tune on dev; test is for final numbers)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="models trained at a time (each training is deterministic, so "
                        "this changes no model)")
    parser.add_argument("--only", nargs="+", metavar="CODE",
                        help="only these models (language codes)")
    args = parser.parse_args()
    one_blas_thread()
    from smallnlp.config import load_toml

    treebanks = load_toml(REPO / "configs" / "pos_models.toml")[0]["treebanks"]
    if args.only:
        treebanks = {k: v for k, v in treebanks.items() if v["code"] in args.only}
    if args.train:
        with tempfile.TemporaryDirectory() as folder:
            args.teachers = args.teachers or Path(folder)
            args.teachers.mkdir(parents=True, exist_ok=True)
            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(lambda item: train(*item, args), treebanks.items()))
    single_core()  # measuring only: training above used every core it was given
    import numpy as np

    rows = []
    for name, entry in treebanks.items():
        folder = args.data / name
        model = args.models / f"pos-{entry['code']}.snlp"
        result = measure(model, folder / "train.conllu", folder / f"{args.split}.conllu")
        rows.append((name, entry, result))
        print(f"{name}: {100 * result['accuracy']:.2f}%", file=sys.stderr, flush=True)
    split = args.split
    print(f"| treebank | code | model bytes | {split} UPOS | unseen-word acc. | {split} tokens "
          "| tokens/s | training data licence |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for name, entry, r in rows:
        print(f"| {name} | {entry['code']} | {r['bytes']:,} | {100 * r['accuracy']:.2f}% "
              f"| {100 * r['unseen']:.2f}% | {r['tokens']:,} | {r['tokens_per_s']:,.0f} "
              f"| {entry['licence']} |")
    mean = np.mean([r["accuracy"] for _, _, r in rows])
    print(f"\nAverage {split} UPOS over {len(rows)} treebanks: {100 * mean:.2f}%")


if __name__ == "__main__":
    main()
