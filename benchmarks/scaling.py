"""How time and memory grow with input: language ID of one text of 10 characters
to 1 MB, language ID of batches of 1 to 100,000 texts, and POS tagging of batches
of 1 to 10,000 sentences. One core. Time is the best of a few runs; memory is
the peak of numpy and Python allocations during the call (tracemalloc), measured
in a separate run so that tracing does not slow the timed one.

Prints the numbers as markdown; with the ``plot`` extra (matplotlib) it also
draws them, log-log, to ``--plot`` (default ``benchmarks/scaling.png``).

    python benchmarks/scaling.py
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import time
import tracemalloc
from pathlib import Path

from common import DATA, REPO, machine, single_core


def measure(function, repeats: int) -> tuple[float, int]:
    """(best seconds, peak traced bytes) of ``function()``."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def series(name: str, sizes: list[int], make_input, run, unit: str) -> list[dict]:
    rows = []
    for size in sizes:
        data = make_input(size)
        repeats = 5 if size <= 10_000 else 2
        seconds, peak = measure(functools.partial(run, data), repeats)
        rows.append({"series": name, "size": size, "seconds": seconds, "peak_bytes": peak,
                     "unit": unit})
        print(f"| {name} | {size:,} {unit} | {1000 * seconds:,.3f} ms "
              f"| {1e6 * seconds / size:,.2f} µs | {peak / 1e6:,.2f} MB |", flush=True)
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, group in itertools.groupby(rows, key=lambda r: r["series"]):
        group = list(group)
        sizes = [r["size"] for r in group]
        left.plot(sizes, [r["seconds"] for r in group], "o-", label=name)
        right.plot(sizes, [r["peak_bytes"] / 1e6 for r in group], "o-", label=name)
    for axis, label in ((left, "seconds"), (right, "peak traced memory, MB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("input size (characters, texts or sentences)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    figure.suptitle("smallnlp scaling, one core")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", type=Path, default=REPO / "benchmarks" / "scaling.png")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    single_core()
    from smallnlp import LanguageIdentifier, PosTagger
    from smallnlp.datasets import read_conllu, read_labelled_dir

    identifier = LanguageIdentifier.load()
    texts, labels = read_labelled_dir(DATA / "langid" / "dev")
    english = " ".join(t for t, y in zip(texts, labels) if y == "en")
    tagger = PosTagger.load("en")
    sentences = [s.forms for s in read_conllu(DATA / "ud" / "English-EWT" / "test.conllu")]

    random.Random(0).shuffle(texts)  # the dev files come one language after another
    random.Random(0).shuffle(sentences)

    def cycled(items: list, n: int) -> list:
        return list(itertools.islice(itertools.cycle(items), n))

    print(f"{machine()}\n")
    print("| series | input | time | time per unit | peak memory |")
    print("|---|---:|---:|---:|---:|")
    rows = series("langid, one text", [10, 100, 1_000, 10_000, 100_000, 1_000_000],
                  lambda n: (english * (1 + n // len(english)))[:n],
                  identifier.predict, "chars")
    rows += series("langid, batch of texts", [1, 10, 100, 1_000, 10_000, 100_000],
                   lambda n: cycled(texts, n), identifier.predict_batch, "texts")
    rows += series("POS (en), batch of sentences", [1, 10, 100, 1_000, 10_000],
                   lambda n: cycled(sentences, n), tagger.tag_batch, "sentences")
    print(f"\nOne text is read up to max_chars = {identifier.featurizer_.max_chars:,} "
          "characters (a documented limit), so beyond that its cost stays flat.")
    if not args.no_plot:
        plot(rows, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
