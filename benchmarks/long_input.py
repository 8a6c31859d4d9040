"""Tagging one very long sentence: time and peak traced memory of ``tag()`` on a
single sentence of 1,000 to 300,000 tokens (EWT test words, repeated), next to
the same tokens as sentences of 20. Sentences longer than
``tagging.MAX_SENTENCE_TOKENS`` are tagged in pieces, so both should grow
linearly with the tokens.

    python benchmarks/long_input.py
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from common import DATA, machine, single_core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,300000")
    args = parser.parse_args()
    single_core()
    from smallnlp import PosTagger
    from smallnlp.datasets import read_conllu

    tagger = PosTagger.load("en")
    words = [f for s in read_conllu(DATA / "ud" / "English-EWT" / "test.conllu")
             for f in s.forms]
    tagger.tag(words[:50])  # warm up
    print(f"{machine()}; pos-en\n")
    print("| tokens | one sentence: time | peak memory | as sentences of 20: time | peak memory |")
    print("|---:|---:|---:|---:|---:|")
    for size in map(int, args.sizes.split(",")):
        tokens = (words * (size // len(words) + 1))[:size]
        cells = []
        for sentences in ([tokens], [tokens[i:i + 20] for i in range(0, size, 20)]):
            tracemalloc.start()
            start = time.perf_counter()
            tagger.tag_batch(sentences)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            cells += [f"{seconds:.2f} s", f"{peak / 1e6:.1f} MB"]
        print(f"| {size:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
