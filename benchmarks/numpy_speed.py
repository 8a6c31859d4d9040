"""The numpy backend (no compiler) on two or more language-ID models, in one run
on one core: µs per text for predict() one text a call (on the first 2,000
texts) and predict_batch over all, on dev lines cut to 100 characters, the
fastest of interleaved rounds. For the float32 model shipped before the 8-bit one:

    git show 2bd0316^:models/langid.snlp > /tmp/langid-float32.snlp
    python benchmarks/numpy_speed.py /tmp/langid-float32.snlp models/langid.snlp
"""

from __future__ import annotations

import argparse
import time

from c_runtime import texts_of_100_chars
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
    models = {path: smallnlp.load(path, backend="numpy") for path in args.models}
    best = {(path, kind): float("inf") for path in models for kind in ("one", "batch")}
    for _ in range(args.rounds):
        for path, lid in models.items():
            start = time.perf_counter()
            for text in singles:
                lid.predict(text)
            one = (time.perf_counter() - start) / len(singles)
            start = time.perf_counter()
            lid.predict_batch(texts)
            batch = (time.perf_counter() - start) / len(texts)
            best[path, "one"] = min(best[path, "one"], one)
            best[path, "batch"] = min(best[path, "batch"], batch)
    print(f"{machine()}; numpy backend; {len(texts):,} texts, {args.rounds} rounds\n")
    print("| model | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    for path in models:
        print(f"| {path} | {1e6 * best[path, 'one']:.1f} | {1e6 * best[path, 'batch']:.1f} |")


if __name__ == "__main__":
    main()
