"""How far the C backend's language-ID probabilities are from numpy's (the
reference), on the dev lines, on random strings from many scripts, and on long
and repetitive texts: the largest difference in probability, and how many
labels differ. The C runtime computes the dense layers in float32 and numpy in
float64, so the two cannot be bit-equal; this measures the bound the README
states.

    python benchmarks/backend_agreement.py
"""

from __future__ import annotations

import argparse

import numpy as np
from common import DATA


def random_lines(count: int, seed: int) -> list[str]:
    """Strings of 1-40 code points from many scripts and from everywhere."""
    rng = np.random.default_rng(seed)
    spans = [(0x20, 0x24F), (0x370, 0x4FF), (0x600, 0x6FF), (0x900, 0x97F), (0xAC00, 0xD7A3),
             (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0x10000, 0x10FFFF)]
    lines = []
    for _ in range(count):
        code_points = (int(rng.integers(*spans[int(rng.integers(len(spans)))]))
                       for _ in range(int(rng.integers(1, 40))))
        lines.append("".join(chr(c) for c in code_points if not 0xD800 <= c <= 0xDFFF))
    return lines


def long_and_repetitive(dev: list[str]) -> list[str]:
    """Dev lines repeated, one word repeated, and one letter up to 20,000 times."""
    texts = []
    for line in dev[::500]:
        texts += [line * 50, (line.split() or ["x"])[0] * 2000, " ".join([line] * 10)]
    return texts + [letter * count for letter in ("a", "bé", "я", "中", "ا", "ก")
                    for count in (10, 100, 1000, 5000, 20000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a model file (default: the shipped one)")
    args = parser.parse_args()
    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    c = LanguageIdentifier.load(args.model, backend="c")
    reference = LanguageIdentifier.load(args.model, backend="numpy")
    dev, _ = read_labelled_dir(DATA / "langid" / "dev")
    print("| texts | count | labels differing | largest difference | 99.9th percentile |")
    print("|---|---|---|---|---|")
    for name, texts in [("dev lines", dev), ("random strings", random_lines(20_000, 0)),
                        ("long and repetitive", long_and_repetitive(dev))]:
        p, q = c.predict_proba(texts), reference.predict_proba(texts)
        differ = int((p.argmax(axis=1) != q.argmax(axis=1)).sum())
        largest = np.abs(p - q).max(axis=1)
        print(f"| {name} | {len(texts):,} | {differ} | {largest.max():.1e} | "
              f"{np.quantile(largest, 0.999):.1e} |")


if __name__ == "__main__":
    main()
