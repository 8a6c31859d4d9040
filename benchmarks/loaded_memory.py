"""What a loaded model retains, for every shipped model: the bytes Python and
numpy hold (tracemalloc) after loading, and after the first call with its
answer dropped, plus what the C runtime's model allocated when it is the
backend, next to the file's size and the budget it was trained for.
Each model in a fresh process, imports (and the codec the featurizers load on
first use) done before tracing starts.

    python benchmarks/loaded_memory.py [MORE.snlp ...]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from pathlib import Path

from common import REPO, in_fresh_process, machine, one_blas_thread, serve_worker

SENTENCE = ["This", "is", "a", "short", "sentence", "about", "Paris", "."]


def worker(path: str) -> dict:
    from smallnlp import LanguageIdentifier, PosTagger, modelfile

    task = modelfile.load(path).metadata["task"]
    "x".encode("utf-32-le")  # imports the codec the featurizers use, once per process
    gc.collect()
    tracemalloc.start()
    model = (LanguageIdentifier if task == "langid" else PosTagger).load(path)
    gc.collect()
    after_load = tracemalloc.get_traced_memory()[0]
    if task == "langid":
        answer = model.predict("Dies ist ein kurzer Satz, nichts weiter.")
    else:
        answer = model.tag(SENTENCE)
    del answer
    gc.collect()
    after_call = tracemalloc.get_traced_memory()[0]
    # The C runtime's own tables live outside what tracemalloc sees.
    c_heap = model.predictor_.heap_bytes()
    return {"file": Path(path).stat().st_size, "after_load": after_load + c_heap,
            "after_call": after_call + c_heap, "backend": model.backend,
            "budget": model.metadata_["training"]["memory_budget"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extra", nargs="*", type=Path,
                        help="model files to measure besides the shipped ones")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if serve_worker(args.worker, worker, one_blas_thread):
        return
    print(f"{machine()}\n")
    print("| model | backend | budget | file bytes | retained after load | after the first call |")
    print("|---|---|---:|---:|---:|---:|")
    worst = 0.0
    for path in sorted((REPO / "models").glob("*.snlp")) + [p.resolve() for p in args.extra]:
        result = in_fresh_process(__file__, "--worker", str(path))
        if isinstance(result, str):
            sys.exit(f"{path.name}: {result}")
        worst = max(worst, result["after_call"] / result["budget"])
        print(f"| {path.stem} | {result['backend']} | {result['budget']:,} | {result['file']:,} | "
              f"{result['after_load']:,} | {result['after_call']:,} |")
    print(f"\nlargest retained/budget after the first call: {worst:.3f}")


if __name__ == "__main__":
    main()
