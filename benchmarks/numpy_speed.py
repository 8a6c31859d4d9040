"""The numpy backend (no compiler), or the C one, on two or more language-ID
models, in one run on one core: µs per text for predict() one text a call (on
the first 2,000 texts) and predict_batch over all, on dev lines cut to 100
characters. For the float32 model shipped before the 8-bit one:

    git show 2bd0316^:models/langid.snlp > /tmp/langid-float32.snlp
    python benchmarks/numpy_speed.py /tmp/langid-float32.snlp models/langid.snlp

``--before DIR`` also times the package as it was, with its own model: DIR
holds an older ``smallnlp/`` and ``models/langid.snlp``, e.g. from before the
8-bit model (``mkdir DIR && git archive 2bd0316^ smallnlp models/langid.snlp |
tar -x -C DIR``). ``--backend c`` times the C backend instead, the same way
(DIR's package then needs its extension built: a ``git worktree`` of the
older commit and ``python setup.py build_ext --inplace`` in it).

Timing: each system (package and model) runs in a worker process of its own
(one process holding two packages made the older one's batches a sixth
faster than alone: they share an allocator). Every round asks each worker in
turn for the same slice of the texts, 50 one-call texts or one 1,000-text
batch; each slice keeps its fastest round, and a pass's time is the sum of its
slices'. This host's speed drifts by several per cent within seconds; slices
that alternate between the systems let a drift reach both alike, which whole
passes in turn did not (runs of the same code differed by a tenth).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from c_runtime import texts_of_100_chars
from common import machine, single_core

SLICE = 50  # texts per timed slice of one-call passes
BATCH_SLICE = 1000  # texts per timed slice (one predict_batch call) of batch passes
ONE_CALL_TEXTS = 2000


def slices(count: int) -> list[tuple[str, int, int]]:
    """(kind, first text, end) of every timed slice."""
    return ([("one", a, min(a + SLICE, ONE_CALL_TEXTS)) for a in range(0, ONE_CALL_TEXTS, SLICE)]
            + [("batch", a, min(a + BATCH_SLICE, count)) for a in range(0, count, BATCH_SLICE)])


def worker(model: str, count: int, backend: str) -> None:
    """Answer "kind first end" lines with the seconds that slice took."""
    import smallnlp

    lid = smallnlp.load(model, backend=backend)
    texts = texts_of_100_chars(count)
    print("ready", flush=True)
    for line in sys.stdin:
        kind, first, end = line.split()
        part = texts[int(first):int(end)]
        started = time.perf_counter()
        if kind == "one":
            for text in part:
                lid.predict(text)
        else:
            lid.predict_batch(part)
        print(time.perf_counter() - started, flush=True)


def start_worker(model: str, count: int, code: Path | None, backend: str) -> subprocess.Popen:
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    process = subprocess.Popen([sys.executable, __file__, "--worker", "--texts", str(count),
                                "--backend", backend, model], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent)
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker for {model} did not start")
    return process


def fastest_slices(workers: dict[str, subprocess.Popen], count: int, rounds: int
                   ) -> dict[tuple[str, str], float]:
    """Seconds per text of each system's one-call and batch passes."""
    parts = slices(count)
    best = {name: [float("inf")] * len(parts) for name in workers}
    for round_ in range(rounds):
        order = list(workers) if round_ % 2 == 0 else list(reversed(workers))
        for index, part in enumerate(parts):
            for name in order:
                workers[name].stdin.write(" ".join(map(str, part)) + "\n")
                workers[name].stdin.flush()
                best[name][index] = min(best[name][index], float(workers[name].stdout.readline()))
    totals = {}
    for name in workers:
        for kind, texts in (("one", ONE_CALL_TEXTS), ("batch", count)):
            totals[name, kind] = sum(t for t, part in zip(best[name], parts)
                                     if part[0] == kind) / texts
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="an older smallnlp/ and models/langid.snlp to time as well")
    parser.add_argument("--backend", choices=("numpy", "c"), default="numpy")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    single_core()
    if args.worker:
        worker(args.models[0], args.texts, args.backend)
        return
    systems = {given: (str(Path(given).resolve()), None) for given in args.models}
    if args.before is not None:
        systems["before"] = (str((args.before / "models" / "langid.snlp").resolve()), args.before)
    workers = {name: start_worker(model, args.texts, code, args.backend)
               for name, (model, code) in systems.items()}
    try:
        best = fastest_slices(workers, args.texts, args.rounds)
    finally:
        for process in workers.values():
            process.stdin.close()
            process.wait()
    print(f"{machine()}; {args.backend} backend; {args.texts:,} texts, {args.rounds} rounds\n")
    print("| package and model | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    for name in systems:
        label = (f"{args.before}/smallnlp, {args.before}/models/langid.snlp"
                 if name == "before" else f"this package, {name}")
        print(f"| {label} | {1e6 * best[name, 'one']:.1f} | {1e6 * best[name, 'batch']:.1f} |")
    if args.before is not None:
        first = args.models[0]
        print(f"\n{first} against before: one call {best[first, 'one'] / best['before', 'one']:.3f}"
              f" times as long, a batch {best[first, 'batch'] / best['before', 'batch']:.3f}")


if __name__ == "__main__":
    main()
