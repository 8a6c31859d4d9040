"""What adding languages costs the old ones on single words, for a classifier
that only looks words up: a bound on what any model can keep.

    python benchmarks/langid_ambiguity.py OLD.snlp [--priors 0,0.75,1]

Counts every word of the training files (lowercased, split at spaces), then
answers each 1-word and 2-word span that ``langid_coverage.py`` cuts from the
dev lines of OLD's languages with the language in which its words are most
frequent relative to the language's words (add-0.01 smoothing, a span's words
independent), plus ``prior`` x log(training
lines), the same prior as ``line_prior`` in configs/langid.toml. It answers
twice: choosing among OLD's languages only, then among every language of the
data. A word written alike in an old and a new language (Spanish and Galician,
Icelandic and Faroese) is then claimed by one of them, so the drop is the part
of the short-span accuracy a model loses to the new languages however well it
is trained.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from common import DATA, one_blas_thread
from langid_coverage import variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the model whose languages are the old ones")
    parser.add_argument("--data", type=Path, default=DATA / "langid")
    parser.add_argument("--priors", default="0,0.75,1", help="prior weights, comma-separated")
    args = parser.parse_args()
    one_blas_thread()
    import numpy as np

    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    old = sorted(LanguageIdentifier.load(args.old).labels)
    counts: dict[str, Counter] = {}
    lines: dict[str, int] = {}
    for path in sorted((args.data / "train").glob("*.txt")):
        with path.open(encoding="utf-8") as handle:
            text = handle.read().splitlines()
        counts[path.stem] = Counter(w.lower() for line in text for w in line.split())
        lines[path.stem] = len(text)
    every = sorted(counts)
    vocabulary = len(set().union(*counts.values()))
    texts, labels = read_labelled_dir(args.data / "dev")
    print(f"{len(old)} old languages; {len(every)} languages in {args.data}")
    print(f"{'spans':<14} {'prior':>6} {'among old':>10} {'among all':>10} {'change':>8}")
    for measure in ("1-word spans", "2-word spans"):
        spans, gold = variants(texts, labels)[measure]
        scored = [(s.lower().split(), g) for s, g in zip(spans, gold) if g in old]
        words = sorted({w for span, _ in scored for w in span})
        index = {w: i for i, w in enumerate(words)}
        # log P(word | language) for every distinct dev word: words x languages.
        likelihood = np.empty((len(words), len(every)))
        for j, code in enumerate(every):
            total = sum(counts[code].values()) + 0.01 * vocabulary
            likelihood[:, j] = np.log([(counts[code][w] + 0.01) / total for w in words])
        # A span's log-likelihood: the sum over its words (at most two here).
        span_likelihood = np.array([likelihood[[index[w] for w in span]].sum(axis=0)
                                    for span, _ in scored])
        truth = np.array([g for _, g in scored])
        for prior in (float(p) for p in args.priors.split(",")):
            bias = prior * np.log(np.array([lines[c] for c in every], dtype=float))
            accuracy = []
            for candidates in (old, every):
                columns = np.array([every.index(c) for c in candidates])
                best = np.argmax(span_likelihood[:, columns] + bias[columns], axis=1)
                accuracy.append(np.mean(np.array(candidates)[best] == truth))
            print(f"{measure:<14} {prior:>6.2f} {100 * accuracy[0]:>9.2f}% "
                  f"{100 * accuracy[1]:>9.2f}% {100 * (accuracy[1] - accuracy[0]):>+7.2f}")


if __name__ == "__main__":
    main()
