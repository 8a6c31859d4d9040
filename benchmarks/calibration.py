"""Confidence of the language identifier: calibration on held-out dev text, and
what a probability threshold does to real text and to gibberish.

Calibration is measured on the odd dev lines (the temperature was fitted on the
even ones) and on word pairs cut from them, with the model's temperature and
without it (T = 1). Gibberish comes in three kinds, all made here with a fixed
seed: random a-z "words" (close to what training's gibberish looks like for
Latin-script lines), keyboard mashing (walks along a QWERTY row, unlike
anything in training), and dev words with their letters shuffled (each
language's own letters in the wrong order).

    python benchmarks/calibration.py [--model models/langid.snlp]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from common import DATA, REPO

THRESHOLDS = (0.3, 0.5, 0.7, 0.9)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def random_words(rng: np.random.Generator, n: int) -> list[str]:
    letters = list("abcdefghijklmnopqrstuvwxyz")
    return [" ".join("".join(rng.choice(letters, int(rng.integers(2, 10))))
                     for _ in range(int(rng.integers(1, 8)))) for _ in range(n)]


def keyboard_mashing(rng: np.random.Generator, n: int) -> list[str]:
    out = []
    for _ in range(n):
        words = []
        for _ in range(int(rng.integers(1, 5))):
            row = KEYBOARD_ROWS[int(rng.integers(0, 3))]
            key, word = int(rng.integers(0, len(row))), []
            for _ in range(int(rng.integers(3, 12))):
                key = int(np.clip(key + rng.integers(-2, 3), 0, len(row) - 1))
                word.append(row[key])
            words.append("".join(word))
        out.append(" ".join(words))
    return out


def shuffled_words(rng: np.random.Generator, texts: list[str], n: int) -> list[str]:
    out = []
    for index in rng.choice(len(texts), min(n, len(texts)), replace=False):
        words = texts[index].split()[:8]
        out.append(" ".join("".join(rng.permutation(list(w))) for w in words))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "langid.snlp")
    parser.add_argument("--data", type=Path, default=DATA / "langid" / "dev")
    parser.add_argument("--gibberish", type=int, default=2000, help="texts of each kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from smallnlp import LanguageIdentifier
    from smallnlp.augment import cut_spans
    from smallnlp.calibration import expected_calibration_error
    from smallnlp.datasets import read_labelled_dir

    model = LanguageIdentifier.load(args.model)
    texts, labels = read_labelled_dir(args.data)
    # Only the model's languages: the data may hold languages it does not know.
    known = set(model.labels)
    kept = [(t, y) for t, y in zip(texts, labels) if y in known]
    texts, labels = [t for t, _ in kept], [y for _, y in kept]
    held_texts, held_labels = texts[1::2], labels[1::2]
    rng = np.random.default_rng(args.seed)
    pairs = [(s, y) for s, y in zip(cut_spans(held_texts, rng, 2, 2), held_labels) if s]
    real = {"held-out dev lines": (held_texts, held_labels),
            "word pairs from them": ([s for s, _ in pairs], [y for _, y in pairs])}

    print(f"model {args.model} (temperature {model.temperature_:g})\n")
    print("| text | count | accuracy | ECE, T = 1 | ECE, fitted T |")
    print("|---|---:|---:|---:|---:|")
    answered = {}
    for name, (items, gold) in real.items():
        results = {}
        fitted = model.predict_proba(items).astype(np.float64)
        has_letters = fitted.sum(axis=1) > 0
        # The same logits at T = 1: probabilities at T are softmax(z / T), so
        # softmax(T * log p) gives softmax(z).
        scaled = model.temperature_ * np.log(np.maximum(fitted, 1e-300))
        unscaled = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        unscaled /= unscaled.sum(axis=1, keepdims=True)
        labels = np.array(model.labels + ["und"])
        for temperature, probs in ((1.0, unscaled), (model.temperature_, fitted)):
            best = np.where(has_letters, probs.argmax(axis=1), len(model.labels))
            confidence = np.where(has_letters, probs.max(axis=1), 0.0)
            correct = labels[best] == np.array(gold)
            results[temperature] = expected_calibration_error(confidence, correct)
        answered[name] = (confidence, correct)
        print(f"| {name} | {len(items):,} | {100 * correct.mean():.2f}% "
              f"| {100 * results[1.0]:.2f}% | {100 * results[model.temperature_]:.2f}% |")

    gibberish = {"random a-z words": random_words(rng, args.gibberish),
                 "keyboard mashing": keyboard_mashing(rng, args.gibberish),
                 "dev words, letters shuffled": shuffled_words(rng, held_texts, args.gibberish)}
    print("\nShare of texts answered (probability >= threshold), and the accuracy of those "
          "answers for real text:\n")
    print("| text | " + " | ".join(f"p >= {t}" for t in THRESHOLDS) + " |")
    print("|---|" + "---:|" * len(THRESHOLDS))
    for name, (confidence, correct) in answered.items():
        cells = [f"{100 * (confidence >= t).mean():.1f}% "
                 f"({100 * correct[confidence >= t].mean():.1f}% right)" for t in THRESHOLDS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for name, items in gibberish.items():
        confidence = np.array([p.probability for p in model.predict_batch(items)])
        cells = [f"{100 * (confidence >= t).mean():.1f}%" for t in THRESHOLDS]
        print(f"| gibberish: {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
