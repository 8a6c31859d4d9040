"""POS baseline side by side: smallnlp against NLTK's averaged perceptron, trained on
the same UD train split and scored on the same test split (gold tokenization).
Reports accuracy, model size and tokens/s at batch sizes of 1 and 1,000 sentences,
measured in one run on one core, for smallnlp with each backend (C when the
extension is built, and numpy). Needs the ``bench`` extra (nltk).

    python benchmarks/pos_vs_nltk.py --treebank English-EWT --model models/pos-en.snlp
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from common import REPO, machine, single_core


def _rate(tag_batch, sentences, batch_size: int, repeat_tokens: int = 20_000) -> float:
    """Tokens per second tagging ``sentences`` in batches of ``batch_size``."""
    tokens = 0
    start = time.perf_counter()
    for offset in range(0, len(sentences), batch_size):
        batch = sentences[offset:offset + batch_size]
        tag_batch(batch)
        tokens += sum(len(s) for s in batch)
        if batch_size == 1 and tokens >= repeat_tokens:
            break
    return tokens / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ud")
    parser.add_argument("--treebank", default="English-EWT")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "pos-en.snlp")
    parser.add_argument("--nltk-iterations", type=int, default=5)
    args = parser.parse_args()
    single_core()
    from nltk.tag.perceptron import PerceptronTagger

    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger

    folder = args.data / args.treebank
    train = read_conllu(folder / "train.conllu")
    test = read_conllu(folder / "test.conllu")
    sentences = [s.forms for s in test]
    gold = [t for s in test for t in s.tags]

    taggers = [PosTagger.load(args.model, backend=backend) for backend in ("auto", "numpy")]
    if taggers[0].backend == "numpy":  # no C extension here
        taggers = taggers[1:]
    ours = [(f"smallnlp, backend {tagger.backend}", tagger) for tagger in taggers]
    start = time.perf_counter()
    nltk_tagger = PerceptronTagger(load=False)
    nltk_tagger.train([list(zip(s.forms, s.tags)) for s in train],
                      nr_iter=args.nltk_iterations)
    nltk_train_seconds = time.perf_counter() - start
    # NLTK's own save format is JSON of weights, tag dict and classes.
    nltk_bytes = len(json.dumps([nltk_tagger.model.weights, nltk_tagger.tagdict,
                                 sorted(nltk_tagger.classes)]).encode())

    def nltk_batch(batch):
        return [[t for _, t in nltk_tagger.tag(s)] for s in batch]

    rows = []
    model_bytes = args.model.stat().st_size
    for name, tag_batch, size in ([(name, t.tag_batch, model_bytes) for name, t in ours]
                                  + [("NLTK averaged perceptron", nltk_batch, nltk_bytes)]):
        predicted = [t for tags in tag_batch(sentences) for t in tags]
        accuracy = sum(g == p for g, p in zip(gold, predicted)) / len(gold)
        rows.append((name, accuracy, size, _rate(tag_batch, sentences, 1),
                     _rate(tag_batch, sentences, 1000)))
    print(f"{args.treebank} test, {len(gold):,} tokens; NLTK trained {args.nltk_iterations} "
          f"iterations in {nltk_train_seconds:.0f} s; one core; {machine()}\n")
    print("| tagger | test UPOS | model bytes | tokens/s, batch 1 | tokens/s, batch 1000 |")
    print("|---|---:|---:|---:|---:|")
    for name, accuracy, size, rate1, rate1000 in rows:
        print(f"| {name} | {100 * accuracy:.2f}% | {size:,} | {rate1:,.0f} | {rate1000:,.0f} |")
    nltk = rows[-1]
    for name, _, _, rate1, rate1000 in rows[:-1]:
        print(f"\n{name} / NLTK tokens/s: batch 1 {rate1 / nltk[3]:.1f}x, "
              f"batch 1000 {rate1000 / nltk[4]:.1f}x")


if __name__ == "__main__":
    main()
