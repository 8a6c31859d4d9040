"""Long texts: accuracy and time against how many characters are read.

Paragraphs are made of consecutive dev lines of one language (shuffled with a
fixed seed) joined until they reach --paragraph characters; each is then
identified reading only its first N characters (``set_max_chars``), for each N
of --limits, with the C backend on one core (predict_batch, best of three).

    python benchmarks/long_texts.py [--paragraph 10000] [--limits 100,200,...]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from common import DATA, REPO, best_of, machine, single_core


def paragraphs(languages: list[str], size: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for code in languages:
        path = DATA / "langid" / "dev" / f"{code}.txt"
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        rng.shuffle(lines)
        current: list[str] = []
        length = 0
        for line in lines:
            current.append(line)
            length += len(line) + 1
            if length >= size:
                texts.append(" ".join(current))
                labels.append(code)
                current, length = [], 0
    return texts, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "langid.snlp")
    parser.add_argument("--paragraph", type=int, default=10_000)
    parser.add_argument("--limits", default="50,100,200,500,1000,2000,5000,20000")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    single_core()
    from smallnlp import LanguageIdentifier

    lid = LanguageIdentifier.load(args.model, backend="c")
    texts, labels = paragraphs(lid.labels, args.paragraph, args.seed)
    print(f"{len(texts):,} paragraphs of at least {args.paragraph:,} characters (mean "
          f"{sum(map(len, texts)) / len(texts):,.0f}) from the dev lines of "
          f"{len(set(labels))} languages; {args.model.name}, backend c, one core; "
          f"{machine()}\n")
    print("| characters read | accuracy | errors | µs per paragraph |")
    print("|---:|---:|---:|---:|")
    for limit in (int(x) for x in args.limits.split(",")):
        lid.set_max_chars(limit)
        answers = [p.label for p in lid.predict_batch(texts)]
        seconds = best_of(lambda: lid.predict_batch(texts))
        errors = sum(a != y for a, y in zip(answers, labels))
        print(f"| {lid.max_chars:,} | {100 * (1 - errors / len(texts)):.2f}% | {errors} | "
              f"{1e6 * seconds / len(texts):,.1f} |")


if __name__ == "__main__":
    main()
