"""How much an ensemble of POS models gains over one: each model's accuracy on a
CoNLL-U file, then the accuracy of averaging their tag probabilities at every
step of the two decoding passes (``smallnlp.TagDecoder``: the first pass over
all tokens, then greedy left to right). An ensemble of k models costs k times
the memory and time, so this measures what the 1 MB limit leaves on the table.
The product's way to the same is one file of several members
(``smallnlp train pos --memory-budget 3MB``); this script averages separate files.

    python benchmarks/pos_ensemble.py ../shared/data/ud/English-EWT/dev.conllu \\
        models/pos-en.snlp seed1.snlp seed2.snlp seed3.snlp \\
        --train ../shared/data/ud/English-EWT/train.conllu   # + accuracy on unseen words

The models must be two-pass taggers with the same labels (e.g. ``smallnlp train pos
... --seed S`` with the shipped config).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import one_blas_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="CoNLL-U file to score (a dev split)")
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--train", type=Path,
                        help="the models' CoNLL-U train file: also score words unseen in it")
    args = parser.parse_args()
    one_blas_thread()
    import numpy as np

    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger, TagDecoder

    sentences = read_conllu(args.data)
    forms = [s.forms for s in sentences]
    gold = np.array([t for s in sentences for t in s.tags])
    vocabulary = {f for s in read_conllu(args.train) for f in s.forms} if args.train else set()
    unseen = np.array([f not in vocabulary for s in sentences for f in s.forms])

    def score(predicted: list[str]) -> str:
        correct = gold == np.array(predicted)
        text = f"{100 * correct.mean():.2f}%"
        return text + (f", unseen words {100 * correct[unseen].mean():.2f}%" if args.train else "")

    taggers = [PosTagger.load(path) for path in args.models]
    if any(t.labels_ != taggers[0].labels_ for t in taggers):
        raise SystemExit("the models' labels differ")
    if not all(t.featurizer_.next_tag_groups for t in taggers):
        raise SystemExit("every model must be a two-pass tagger (next_tag groups)")
    for path, tagger in zip(args.models, taggers):
        predicted = [t for tags in tagger.tag_batch(forms) for t in tags]
        print(f"{path}: {score(predicted)}")
    predicted = [t for tags in TagDecoder.of(taggers).tag_batch(forms) for t in tags]
    print(f"ensemble of {len(taggers)}: {score(predicted)}")


if __name__ == "__main__":
    main()
