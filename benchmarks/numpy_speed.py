"""The numpy backend (no compiler) on two or more language-ID models, in one run
on one core: µs per text for predict() one text a call (on the first 2,000
texts) and predict_batch over all, on dev lines cut to 100 characters, the
fastest of interleaved rounds. For the float32 model shipped before the 8-bit one:

    git show 2bd0316^:models/langid.snlp > /tmp/langid-float32.snlp
    python benchmarks/numpy_speed.py /tmp/langid-float32.snlp models/langid.snlp

``--before DIR`` also times the package as it was, with its own model: DIR
holds an older ``smallnlp/`` and ``models/langid.snlp``, e.g. from before the
8-bit model (``mkdir DIR && git archive 2bd0316^ smallnlp models/langid.snlp |
tar -x -C DIR``). Each round then runs that code and this one in processes of
their own, one after the other, on the first model given and on DIR's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from c_runtime import interleaved, one_call_each, texts_of_100_chars
from common import machine, single_core


def timed(models: list[str], count: int, rounds: int) -> dict[tuple[str, str], float]:
    """Seconds per text of each model, one call and one batch, in this process."""
    import smallnlp

    texts = texts_of_100_chars(count)
    singles = texts[:2000]
    passes = {}
    for path in models:
        lid = smallnlp.load(path, backend="numpy")
        passes[path, "one"] = (one_call_each(lid.predict, singles), len(singles))
        passes[path, "batch"] = (lambda lid=lid: lid.predict_batch(texts), len(texts))
    return interleaved(passes, rounds)


def one_round_elsewhere(code: Path | None, model: str, count: int) -> tuple[float, float]:
    """One round of ``timed`` on ``model`` in a fresh process importing the
    package from ``code`` (None: this checkout's)."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    result = subprocess.run([sys.executable, __file__, "--worker", "--texts", str(count),
                             "--rounds", "1", model], env=env, check=True,
                            capture_output=True, text=True, cwd=Path(__file__).parent)
    one, batch = result.stdout.split()
    return float(one), float(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="an older smallnlp/ and models/langid.snlp to time as well")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    single_core()
    models = [str(Path(m).resolve()) for m in args.models]
    best = timed(models, args.texts, args.rounds)
    if args.worker:
        print(best[models[0], "one"], best[models[0], "batch"])
        return
    print(f"{machine()}; numpy backend; {args.texts:,} texts, {args.rounds} rounds\n")
    print("| model | µs per text, one call | µs per text, one batch |")
    print("|---|---:|---:|")
    for given, path in zip(args.models, models):
        print(f"| {given} | {1e6 * best[path, 'one']:.1f} | {1e6 * best[path, 'batch']:.1f} |")
    if args.before is None:
        return
    runs = {"before": (args.before, str((args.before / "models" / "langid.snlp").resolve())),
            "now": (None, models[0])}
    fastest = {name: (float("inf"), float("inf")) for name in runs}
    for _ in range(args.rounds):
        for name, (code, model) in runs.items():
            one, batch = one_round_elsewhere(code, model, args.texts)
            fastest[name] = (min(fastest[name][0], one), min(fastest[name][1], batch))
    print("\n| package and model, each in a process of its own | µs per text, one call | "
          "µs per text, one batch |")
    print("|---|---:|---:|")
    for name, (code, model) in runs.items():
        one, batch = fastest[name]
        label = f"{code}/smallnlp, {model}" if code else f"this checkout, {model}"
        print(f"| {label} | {1e6 * one:.1f} | {1e6 * batch:.1f} |")


if __name__ == "__main__":
    main()
