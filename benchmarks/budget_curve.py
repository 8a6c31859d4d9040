"""Memory-accuracy curves: train one model per budget and report file size and dev
accuracy as a markdown table (every file is checked to be within its budget).

    python benchmarks/budget_curve.py langid --budgets 50KB,100KB,200KB,500KB,1MB,4MB --epochs 6
    python benchmarks/budget_curve.py pos --budgets 150KB,250KB,500KB,1MB,2MB --epochs 12
    python benchmarks/budget_curve.py pos --budgets 2MB,3MB,4MB --epochs 12 --members 1

A tagger's budget of 2 MB or more holds several members (``budget.members_for``);
``--members`` sets their number instead (1: one network however large the budget).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from smallnlp import LanguageIdentifier
from smallnlp.augment import cut_spans
from smallnlp.budget import parse_size
from smallnlp.datasets import read_conllu, read_labelled_dir
from smallnlp.pos import PosTagger

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def langid_run(budget: str, epochs: int | None, out: Path) -> tuple[int, object, dict]:
    texts, labels = read_labelled_dir(DATA / "langid" / "train")
    dev_texts, dev_labels = read_labelled_dir(DATA / "langid" / "dev")
    model = LanguageIdentifier(memory_budget=budget, epochs=epochs)
    model.fit(texts, labels, dev_texts, dev_labels)
    size = model.save(out)
    loaded = LanguageIdentifier.load(out)
    spans = cut_spans(dev_texts, np.random.default_rng(0), 2, 2)
    pairs = [(s, y) for s, y, t in zip(spans, dev_labels, dev_texts)
             if s is not None and len(t.split()) > 1]
    scores = {
        "dev accuracy": np.mean([p.label == y for p, y in
                                 zip(loaded.predict_batch(dev_texts), dev_labels)]),
        "dev word pairs": np.mean([p.label == y for p, y in
                                   zip(loaded.predict_batch([s for s, _ in pairs]),
                                       [y for _, y in pairs])]),
    }
    return size, model.plan_, scores


def pos_run(budget: str, epochs: int | None, out: Path, members: int | None = None,
            seed: int = 0, treebank: str = "English-EWT") -> tuple[int, object, dict]:
    folder = DATA / "ud" / treebank
    train, dev = read_conllu(folder / "train.conllu"), read_conllu(folder / "dev.conllu")
    tagger = PosTagger(memory_budget=budget, epochs=epochs, members=members, seed=seed)
    tagger.fit([s.forms for s in train], [s.tags for s in train],
               [s.forms for s in dev], [s.tags for s in dev])
    size = tagger.save(out)
    loaded = PosTagger.load(out)
    predicted = [t for tags in loaded.tag_batch([s.forms for s in dev]) for t in tags]
    gold = [t for s in dev for t in s.tags]
    return size, tagger.plan_, {"members": len(loaded.networks_),
                                "dev UPOS": np.mean([g == p for g, p in zip(gold, predicted)])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=["langid", "pos"])
    parser.add_argument("--budgets", required=True)
    parser.add_argument("--epochs", type=int, help="override the config's epochs")
    parser.add_argument("--members", type=int,
                        help="pos: networks per model (default: as the budget planner decides)")
    parser.add_argument("--seed", type=int, default=0, help="pos: the training seed")
    parser.add_argument("--out", type=Path, default=Path("/tmp/smallnlp-curve"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.task == "langid":
        if args.members is not None or args.seed:
            parser.error("--members and --seed are for pos")
        run = langid_run
    else:
        def run(budget: str, epochs: int | None, out: Path) -> tuple[int, object, dict]:
            return pos_run(budget, epochs, out, args.members, args.seed)
    rows = []
    for budget in args.budgets.split(","):
        start = time.perf_counter()
        name = (f"{args.task}-{budget}" + (f"-x{args.members}" if args.members else "")
                + (f"-seed{args.seed}" if args.seed else ""))
        size, shape, scores = run(budget, args.epochs, args.out / f"{name}.snlp")
        assert size <= parse_size(budget), (budget, size)
        rows.append((budget, size, shape, scores, time.perf_counter() - start))
        print(budget, size, {k: round(float(v), 4) for k, v in scores.items()}, flush=True)
    names = [name for name in rows[0][3] if name != "members"]
    counts = "members" in rows[0][3]
    print(f"\n| budget |{' members |' if counts else ''} file bytes | dims | hidden "
          f"| total buckets | {' | '.join(names)} | train s |")
    print("|---|" + "---:|" * (4 + counts) + "---:|" * len(names) + "---:|")
    for budget, size, shape, scores, seconds in rows:
        cells = " | ".join(f"{100 * scores[n]:.2f}%" for n in names)
        members = f" {scores['members']} |" if counts else ""
        print(f"| {budget} |{members} {size:,} | {max(g.dims for g in shape.groups)} "
              f"| {shape.hidden} | {sum(g.buckets for g in shape.groups):,} | {cells} "
              f"| {seconds:.0f} |")


if __name__ == "__main__":
    main()
