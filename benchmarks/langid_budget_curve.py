"""Memory-accuracy curve for language ID: train one model per budget, report
file size, dev accuracy on whole lines and on word pairs (markdown table).

    python benchmarks/langid_budget_curve.py --data ../shared/data/langid \
        --budgets 50KB,100KB,200KB,500KB,1MB,4MB --epochs 4 --out /tmp/curve
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from smallnlp import LanguageIdentifier
from smallnlp.budget import parse_size
from smallnlp.langid import cut_spans, read_labelled_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/langid"))
    parser.add_argument("--budgets", default="50KB,100KB,200KB,500KB,1MB,4MB")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/smallnlp-curve"))
    args = parser.parse_args()

    texts, labels = read_labelled_dir(args.data / "train")
    dev_texts, dev_labels = read_labelled_dir(args.data / "dev")
    spans = cut_spans(dev_texts, np.random.default_rng(0), 2, 2)
    pairs = [(s, y) for s, y, t in zip(spans, dev_labels, dev_texts)
             if s is not None and len(t.split()) > 1]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for budget in args.budgets.split(","):
        start = time.perf_counter()
        model = LanguageIdentifier(memory_budget=budget, epochs=args.epochs, seed=args.seed)
        model.fit(texts, labels, dev_texts, dev_labels)
        path = args.out / f"langid-{budget}.snlp"
        size = model.save(path)
        loaded = LanguageIdentifier.load(path)
        dev_acc = np.mean([p.label == y for p, y in
                           zip(loaded.predict_batch(dev_texts), dev_labels)])
        pair_acc = np.mean([p.label == y for p, y in
                            zip(loaded.predict_batch([s for s, _ in pairs]),
                                [y for _, y in pairs])])
        shape = model.plan_
        rows.append((budget, parse_size(budget), size, shape, dev_acc, pair_acc,
                     time.perf_counter() - start))
        print(f"{budget}: {size:,} bytes, dev {100 * dev_acc:.2f}%, pairs {100 * pair_acc:.2f}%",
              flush=True)
    print("\n| budget | file bytes | dims | hidden | buckets (per group) | dev accuracy "
          "| dev word pairs | train s |")
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for budget, limit, size, shape, dev_acc, pair_acc, seconds in rows:
        assert size <= limit
        buckets = "/".join(str(g.buckets) for g in shape.groups)
        print(f"| {budget} | {size:,} | {shape.groups[0].dims} | {shape.hidden} | {buckets} "
              f"| {100 * dev_acc:.2f}% | {100 * pair_acc:.2f}% | {seconds:.0f} |")


if __name__ == "__main__":
    main()
