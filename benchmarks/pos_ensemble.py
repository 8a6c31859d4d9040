"""How much an ensemble of POS models gains over one: each model's accuracy on a
CoNLL-U file, then the accuracy of averaging their tag probabilities at every
step of the two decoding passes (the first pass over all tokens, then greedy
left to right). An ensemble of k models costs k times the memory and time, so
this measures what the 1 MB limit leaves on the table; it is not a product path.

    python benchmarks/pos_ensemble.py ../shared/data/ud/English-EWT/dev.conllu \\
        models/pos-en.snlp seed1.snlp seed2.snlp seed3.snlp \\
        --train ../shared/data/ud/English-EWT/train.conllu   # + accuracy on unseen words

The models must be two-pass taggers with the same labels (e.g. ``smallnlp train pos
... --seed S`` with the shipped config).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from common import one_blas_thread

if TYPE_CHECKING:
    import numpy as np


def ensemble_tags(taggers: list, forms: list[list[str]]) -> np.ndarray:
    """Tag ids of every token, laid out sentence after sentence. Each step is
    ``PosTagger._decode``'s, done per member, with the members' probabilities
    averaged before the argmax (so all members see the same tags)."""
    import numpy as np

    from smallnlp.network import softmax

    lengths = np.array([len(f) for f in forms], dtype=np.int64)
    members, first_pass = [], 0
    for tagger in taggers:
        network = tagger.network_
        static_hidden, width = tagger._static_hidden(
            network, tagger.featurizer_.transform(forms, merge_repeats=False))
        (next_table, next_strides), (tag_table, strides) = tagger._tag_tables(network, width)
        members.append((tagger, static_hidden, next_table, next_strides, tag_table, strides))
        hidden = tagger._first_pass_hidden(static_hidden, lengths, next_table, next_strides,
                                           tag_table, strides)
        first_pass = first_pass + softmax(network.output(hidden))
    first = first_pass.argmax(axis=1)
    with_next = [static_hidden + tagger._next_tags_share(first, lengths, next_table, next_strides)
                 for tagger, static_hidden, next_table, next_strides, _, _ in members]

    starts = np.cumsum(lengths) - lengths
    tags = np.zeros(int(lengths.sum()), dtype=np.int64)
    for step in range(int(lengths.max(initial=0))):
        tokens = starts[lengths > step] + step
        probabilities = 0
        for (tagger, *_, tag_table, strides), hidden in zip(members, with_next):
            row = np.zeros(len(tokens), dtype=np.int64)
            for group, stride in zip(tagger.featurizer_.tag_groups, strides):
                if step + group.offset >= 0:
                    row += (tags[tokens + group.offset] + 1) * stride
            probabilities = probabilities + softmax(
                tagger.network_.output(tag_table[row] + hidden[tokens]))
        tags[tokens] = probabilities.argmax(axis=1)
    return tags

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="CoNLL-U file to score (a dev split)")
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--train", type=Path,
                        help="the models' CoNLL-U train file: also score words unseen in it")
    args = parser.parse_args()
    one_blas_thread()
    import numpy as np

    from smallnlp import conllu
    from smallnlp.pos import PosTagger

    sentences = conllu.read(args.data)
    forms = [s.forms for s in sentences]
    gold = np.array([t for s in sentences for t in s.tags])
    vocabulary = {f for s in conllu.read(args.train) for f in s.forms} if args.train else set()
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
    labels = taggers[0].labels_
    predicted = [labels[i] for i in ensemble_tags(taggers, forms)]
    print(f"ensemble of {len(taggers)}: {score(predicted)}")


if __name__ == "__main__":
    main()
