"""Speed of the C runtime, in one run on one core. Language ID: the C demo
(runtime/c/examples/langid.c), LanguageIdentifier with backend "c" and "numpy",
and CLD3 and CLD2 when installed (the `bench` extra), on the same dev lines cut
to 100 characters. Tagging: PosTagger (EWT) with backend "c" and "numpy", one
sentence a call and the whole EWT test split in one batch.

    python benchmarks/c_runtime.py [--texts 10000]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from common import DATA, REPO, best_of, machine, single_core


def texts_of_100_chars(count: int) -> list[str]:
    import numpy as np

    from smallnlp.datasets import read_labelled_dir

    texts, _ = read_labelled_dir(DATA / "langid" / "dev")
    long_enough = [t[:100] for t in texts if len(t) >= 100]
    order = np.random.default_rng(0).permutation(len(long_enough))[:count]
    return [long_enough[i] for i in order]


def c_demo_seconds_per_text(texts: list[str]) -> float:
    """The demo's time on the texts minus its time on no text (loading)."""
    with tempfile.TemporaryDirectory() as build:
        subprocess.run(["make", "-s", "-C", str(REPO / "runtime" / "c"), f"BUILD={build}"],
                       check=True, capture_output=True)
        demo = [str(Path(build) / "langid"), str(REPO / "models" / "langid.snlp")]
        payload = ("\n".join(texts) + "\n").encode()

        def run(data: bytes) -> None:
            subprocess.run(demo, input=data, check=True, capture_output=True)
        return (best_of(lambda: run(payload)) - best_of(lambda: run(b""))) / len(texts)


def one_call_each(function, texts: list[str]):
    """A pass that calls ``function`` once per text."""
    def calls() -> None:
        for text in texts:
            try:
                function(text)
            except Exception:  # pycld2 refuses some characters; the time still counts
                pass
    return calls


def interleaved(passes: dict[str, tuple], rounds: int) -> dict[str, float]:
    """Seconds per text of each pass (name -> (pass, texts it reads)): every
    round times each pass once, and each keeps its fastest round, so a drift
    of the host's speed reaches every row alike."""
    best = {name: float("inf") for name in passes}
    for _ in range(rounds):
        for name, (run, count) in passes.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], (time.perf_counter() - started) / count)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    single_core()
    from smallnlp import LanguageIdentifier

    texts = texts_of_100_chars(args.texts)
    calls = texts[:2000]
    passes = {}
    for backend in ("c", "numpy"):
        model = LanguageIdentifier.load(backend=backend)
        passes[f"{backend} one"] = (one_call_each(model.predict, calls), len(calls))
        passes[f"{backend} batch"] = (lambda m=model: m.predict_batch(texts), len(texts))
    peers = []
    try:
        import gcld3

        detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
        passes["CLD3 (gcld3)"] = (one_call_each(detector.FindLanguage, calls), len(calls))
        peers.append("CLD3 (gcld3)")
    except ImportError:
        pass
    try:
        import pycld2

        passes["CLD2 (pycld2)"] = (one_call_each(pycld2.detect, calls), len(calls))
        peers.append("CLD2 (pycld2)")
    except ImportError:
        pass
    best = interleaved(passes, args.rounds)
    print(f"{len(texts):,} dev texts of 100 characters; one core; {args.rounds} rounds, "
          f"each timing every row; {machine()}\n")
    print("| system | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    print(f"| C demo (runtime/c/examples/langid.c) | {1e6 * c_demo_seconds_per_text(texts):.1f} "
          "| - |")
    for backend in ("c", "numpy"):
        print(f"| smallnlp predict(), backend {backend} | {1e6 * best[f'{backend} one']:.1f} | "
              f"{1e6 * best[f'{backend} batch']:.1f} |")
    for name in peers:
        print(f"| {name} | {1e6 * best[name]:.1f} | - |")
    if peers:
        print("\nTexts per second of smallnlp (backend c) against each peer's single calls:\n")
        print("| peer | one call | one batch |")
        print("|---|---:|---:|")
        for name in peers:
            print(f"| {name} | {best[name] / best['c one']:.2f}× | "
                  f"{best[name] / best['c batch']:.2f}× |")
    tagging_rates()


def tagging_rates() -> None:
    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger

    sentences = [s.forms for s in read_conllu(DATA / "ud" / "English-EWT" / "test.conllu")]
    tokens = sum(map(len, sentences))
    single = sentences[:500]
    single_tokens = sum(map(len, single))
    print(f"\nEWT test ({tokens:,} tokens), pos-en\n")
    print("| backend | tokens/s, one sentence a call | tokens/s, one batch |")
    print("|---|---:|---:|")
    for backend in ("c", "numpy"):
        tagger = PosTagger.load("en", backend=backend)
        one = best_of(lambda t=tagger: [t.tag(s) for s in single])
        batch = best_of(lambda t=tagger: t.tag_batch(sentences))
        print(f"| {backend} | {single_tokens / one:,.0f} | {tokens / batch:,.0f} |")


if __name__ == "__main__":
    main()
