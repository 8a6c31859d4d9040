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


def per_call(function, texts: list[str]) -> float:
    """Seconds per text of one call per text (best of three passes)."""
    def calls() -> None:
        for text in texts:
            try:
                function(text)
            except Exception:  # pycld2 refuses some characters; the time still counts
                pass
    return best_of(calls) / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    args = parser.parse_args()
    single_core()
    from smallnlp import LanguageIdentifier

    texts = texts_of_100_chars(args.texts)
    rows = [("C demo (runtime/c/examples/langid.c)", c_demo_seconds_per_text(texts), None)]
    for backend in ("c", "numpy"):
        model = LanguageIdentifier.load(backend=backend)
        single = per_call(model.predict, texts[:2000])
        batch = best_of(lambda model=model: model.predict_batch(texts)) / len(texts)
        rows.append((f"smallnlp predict(), backend {backend}", single, batch))
    try:
        import gcld3

        detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
        rows.append(("CLD3 (gcld3)", per_call(detector.FindLanguage, texts[:2000]), None))
    except ImportError:
        pass
    try:
        import pycld2

        rows.append(("CLD2 (pycld2)", per_call(pycld2.detect, texts[:2000]), None))
    except ImportError:
        pass
    print(f"{len(texts):,} dev texts of 100 characters; one core; {machine()}\n")
    print("| system | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    for name, single, batch in rows:
        print(f"| {name} | {1e6 * single:.1f} | {'-' if batch is None else f'{1e6 * batch:.1f}'} |")
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
