"""Measure the shipped POS models: for every treebank in configs/pos_models.toml,
model bytes, test UPOS (gold tokenization), accuracy on words unseen in
training, tokens/s (``tag_batch`` over the test set, best of three, one core),
and the training data's licences (with an uptrained model's unlabeled text).
``--split dev`` measures on dev instead.
``tools/build_pos_models.py`` trains them.

    python benchmarks/pos_shipped.py              # every model in models/
    python benchmarks/pos_shipped.py --only en    # one model
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import REPO, best_of, one_blas_thread, single_core


def training_words(folder: Path, entry: dict) -> set[str]:
    """The word forms the model of ``entry`` (pos_models.toml) trained on."""
    from smallnlp.datasets import read_conllu

    if entry.get("train_on") != "dev":
        return {f for s in read_conllu(folder / "train.conllu") for f in s.forms}
    sys.path.insert(0, str(REPO / "tools"))
    from build_pos_models import write_dev_split

    with tempfile.TemporaryDirectory() as scratch:
        train, _ = write_dev_split(folder / "dev.conllu", Path(scratch))
        return {f for s in read_conllu(train) for f in s.forms}


def measure(model_path: Path, vocabulary: set[str], test: Path) -> dict:
    import numpy as np

    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger

    tagger = PosTagger.load(model_path)
    sentences = read_conllu(test)
    forms = [s.forms for s in sentences]
    predicted = tagger.tag_batch(forms)
    seconds = best_of(lambda: tagger.tag_batch(forms))
    hits = [(g == p, f in vocabulary) for s, tags in zip(sentences, predicted)
            for f, g, p in zip(s.forms, s.tags, tags)]
    correct = np.array([h for h, _ in hits])
    seen = np.array([s for _, s in hits])
    return {"bytes": model_path.stat().st_size, "accuracy": correct.mean(),
            "unseen": correct[~seen].mean(), "tokens": len(hits),
            "tokens_per_s": len(hits) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ud")
    parser.add_argument("--models", type=Path, default=REPO / "models")
    parser.add_argument("--split", choices=["test", "dev"], default="test",
                        help="the split measured (tune on dev; test is for final numbers)")
    parser.add_argument("--only", nargs="+", metavar="CODE",
                        help="only these models (language codes)")
    args = parser.parse_args()
    one_blas_thread()
    from smallnlp.config import load_toml

    treebanks = load_toml(REPO / "configs" / "pos_models.toml")[0]["treebanks"]
    if args.only:
        treebanks = {k: v for k, v in treebanks.items() if v["code"] in args.only}
    single_core()
    import numpy as np

    rows = []
    for name, entry in treebanks.items():
        folder = args.data / name
        model = args.models / f"pos-{entry['code']}.snlp"
        result = measure(model, training_words(folder, entry), folder / f"{args.split}.conllu")
        rows.append((name, entry, result))
        print(f"{name}: {100 * result['accuracy']:.2f}%", file=sys.stderr, flush=True)
    split = args.split
    print(f"| treebank | code | trained on | model bytes | {split} UPOS | unseen-word acc. "
          f"| {split} tokens | tokens/s | training data licence |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    for name, entry, r in rows:
        trained_on = "dev (90%)" if entry.get("train_on") == "dev" else "train"
        licence = "; ".join([entry["licence"]] + ([entry["unlabeled_licence"]]
                                                  if entry.get("unlabeled") else []))
        print(f"| {name} | {entry['code']} | {trained_on} | {r['bytes']:,} "
              f"| {100 * r['accuracy']:.2f}% "
              f"| {100 * r['unseen']:.2f}% | {r['tokens']:,} | {r['tokens_per_s']:,.0f} "
              f"| {licence} |")
    mean = np.mean([r["accuracy"] for _, _, r in rows])
    print(f"\nAverage {split} UPOS over {len(rows)} treebanks: {100 * mean:.2f}%")


if __name__ == "__main__":
    main()
