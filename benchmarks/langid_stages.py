"""Where language ID's time goes: each stage of the C path (decode and
normalise, n-gram ids, embedding rows, hidden layer, output layer, softmax)
timed by runtime/c/bench/stages.c over the same dev lines, the C runtime's
time for a text of a batch as predict_batch hands it over, and what Python
adds on top for one predict() call and for predict_batch, on one core.

    python benchmarks/langid_stages.py [--model models/langid.snlp] [--texts 10000] [--chars 0]

--chars N cuts each line to N characters (0: whole lines). A stage's time is
the difference between running the pipeline up to it and up to the stage
before (best of five passes, and of --rounds rounds taken in turn with the
Python measurements), so the shares are approximate.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from common import DATA, REPO, best_of, machine, single_core


def dev_lines(count: int, chars: int) -> list[str]:
    import numpy as np

    from smallnlp.datasets import read_labelled_dir

    texts, _ = read_labelled_dir(DATA / "langid" / "dev")
    order = np.random.default_rng(0).permutation(len(texts))[:count]
    return [texts[i][:chars] if chars else texts[i] for i in order]


def c_stages(model: Path, texts: list[str]) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as build:
        subprocess.run(["make", "-s", "-C", str(REPO / "runtime" / "c"), f"BUILD={build}",
                        f"{build}/stages"], check=True, capture_output=True)
        result = subprocess.run([str(Path(build) / "stages"), str(model)],
                                input=("\n".join(texts) + "\n").encode(), check=True,
                                capture_output=True)
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    return [(name, float(micros)) for name, micros in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO / "models" / "langid.snlp")
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=0, help="cut lines to this (0: whole)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    single_core()
    from smallnlp import LanguageIdentifier

    texts = [t for t in dev_lines(args.texts, args.chars) if "\n" not in t]
    lid = LanguageIdentifier.load(args.model, backend="c")
    # This host's speed drifts within seconds: the C stages and the Python calls
    # are measured in turn, several rounds, and each keeps its best round.
    runs, singles, batches = [], [], []
    for _ in range(args.rounds):
        runs.append(c_stages(args.model, texts))
        singles.append(best_of(lambda: [lid.predict(t) for t in texts]) / len(texts) * 1e6)
        batches.append(best_of(lambda: lid.predict_batch(texts)) / len(texts) * 1e6)
    stages = [(name, min(run[i][1] for run in runs)) for i, (name, _) in enumerate(runs[0])]
    named = dict(stages)
    whole, c_batch = named["whole call"], named["batch, per text"]
    single, batch = min(singles), min(batches)
    mean_chars = sum(len(t) for t in texts) / len(texts)
    print(f"{len(texts):,} dev lines ({'whole' if not args.chars else f'cut to {args.chars}'}"
          f" characters, {mean_chars:.0f} on average); {args.model.name}; one core; "
          f"{machine()}\n")
    print("| stage | µs per text | share of one predict() call |")
    print("|---|---:|---:|")
    for name, micros in stages[:-2]:
        print(f"| {name} | {micros:.2f} | {100 * micros / single:.0f}% |")
    print(f"| C total (snlp_langid_predict) | {whole:.2f} | {100 * whole / single:.0f}% |")
    print(f"| Python around one predict() call | {single - whole:.2f} | "
          f"{100 * (single - whole) / single:.0f}% |")
    print(f"| **one predict() call** | **{single:.2f}** | 100% |")
    print(f"| C, per text of a batch (snlp_langid_best_texts) | {c_batch:.2f} | |")
    print(f"| Python around predict_batch, per text | {batch - c_batch:.2f} | |")
    print(f"| **predict_batch, per text** | **{batch:.2f}** | |")


if __name__ == "__main__":
    main()
