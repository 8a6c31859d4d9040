"""The numpy backend (no compiler) on two or more language-ID models, in one run
on one core: µs per text for predict() one text a call (on the first 2,000
texts) and predict_batch over all, on dev lines cut to 100 characters, the
fastest of interleaved rounds. For the float32 model shipped before the 8-bit one:

    git show 2bd0316^:models/langid.snlp > /tmp/langid-float32.snlp
    python benchmarks/numpy_speed.py /tmp/langid-float32.snlp models/langid.snlp
"""

from __future__ import annotations

import argparse

from c_runtime import interleaved, one_call_each, texts_of_100_chars
from common import machine, single_core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    single_core()
    import smallnlp

    texts = texts_of_100_chars(args.texts)
    singles = texts[:2000]
    passes = {}
    for path in args.models:
        lid = smallnlp.load(path, backend="numpy")
        passes[path, "one"] = (one_call_each(lid.predict, singles), len(singles))
        passes[path, "batch"] = (lambda lid=lid: lid.predict_batch(texts), len(texts))
    best = interleaved(passes, args.rounds)
    print(f"{machine()}; numpy backend; {len(texts):,} texts, {args.rounds} rounds\n")
    print("| model | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    for path in args.models:
        print(f"| {path} | {1e6 * best[path, 'one']:.1f} | {1e6 * best[path, 'batch']:.1f} |")


if __name__ == "__main__":
    main()
