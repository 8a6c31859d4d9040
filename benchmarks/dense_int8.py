"""Would 8-bit dense layers cost accuracy? The shipped language identifier's
hidden and output weights quantized after training (int8, one scale per
output unit), computed three ways on the dev lines of its languages: weights
only (float inputs), int8 inputs with one scale per input vector, and one
scale per feature group; each against the float64 reference.

    python benchmarks/dense_int8.py [--model models/langid.snlp]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from common import DATA, REPO


def inputs_int8(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and one scale per row (an input vector), in float64: for the variant
    with a scale per feature group, which no runtime computes."""
    scale = np.abs(x).max(axis=1, keepdims=True) / 127
    scale[scale == 0] = 1
    return np.rint(x / scale).astype(np.int32), scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "langid.snlp")
    args = parser.parse_args()
    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir
    from smallnlp.network import int8_columns, int8_product

    lid = LanguageIdentifier.load(args.model, backend="numpy")
    texts, labels = read_labelled_dir(DATA / "langid" / "dev")
    pairs = [(t, y) for t, y in zip(texts, labels) if y in set(lid.labels)]
    texts = [t for t, _ in pairs]
    gold = np.array([lid.labels.index(y) for _, y in pairs])
    net, featurizer = lid.network_, lid.featurizer_
    x = np.concatenate([net.pooled(featurizer.transform(texts[i:i + 4096], merge_repeats=False))
                        for i in range(0, len(texts), 4096)]).astype(np.float64)
    dims = [g.dims for g in featurizer.groups]
    w1, b1, w2, b2 = (a.astype(np.float64) for a in (net.hidden_weights, net.hidden_bias,
                                                      net.output_weights, net.output_bias))
    (q1, s1), (q2, s2) = int8_columns(net.hidden_weights), int8_columns(net.output_weights)
    q1, q2 = q1.astype(np.int64), q2.astype(np.int64)
    reference = (np.maximum(x @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)

    def weights_only() -> np.ndarray:
        return np.maximum(x @ (q1 * s1) + b1, 0) @ (q2 * s2) + b2

    def one_input_scale() -> np.ndarray:  # what format version 3 states, as numpy runs it
        hidden = int8_product(x, q1, s1, net.hidden_bias)
        np.maximum(hidden, 0, out=hidden)
        return int8_product(hidden, q2, s2, net.output_bias)

    def scale_per_group() -> np.ndarray:
        total, start = np.zeros((len(x), w1.shape[1])), 0
        for width in dims:
            codes, scale = inputs_int8(x[:, start:start + width])
            total += (codes @ q1[start:start + width]) * scale
            start += width
        hidden = np.maximum(total * s1 + b1, 0)
        codes, scale = inputs_int8(hidden)
        return (codes @ q2) * scale * s2 + b2

    print(f"{len(texts):,} dev lines of {len(lid.labels)} languages; {args.model.name}\n")
    print("| dense layers | dev accuracy | labels as float64 | changed labels |")
    print("|---|---:|---:|---:|")
    print(f"| float32 (the file), computed in float64 | {100 * (reference == gold).mean():.2f}% "
          "| 100% | 0 |")
    for name, logits in (("int8 weights, float inputs", weights_only()),
                         ("int8 x int8, one input scale", one_input_scale()),
                         ("int8 x int8, a scale per group", scale_per_group())):
        labels_of = logits.argmax(axis=1)
        print(f"| {name} | {100 * (labels_of == gold).mean():.2f}% | "
              f"{100 * (labels_of == reference).mean():.2f}% | {(labels_of != reference).sum()} |")


if __name__ == "__main__":
    main()
