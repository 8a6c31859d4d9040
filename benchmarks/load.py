"""Model load time and resident memory, each shipped model in fresh processes.

For every run: the time to import smallnlp, the time to load the model, and
how much the process's resident memory (RSS) grows with the load and then with
the first prediction, next to the file's size. The median of ``--runs`` fresh
processes is reported.

    python benchmarks/load.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from common import REPO, in_fresh_process, machine, rss_bytes, serve_worker, single_core

MODELS = {"langid": "models/langid.snlp", "pos-en": "models/pos-en.snlp"}


def worker(name: str) -> dict:
    rss_start = rss_bytes()
    start = time.perf_counter()
    from smallnlp import LanguageIdentifier, PosTagger

    imported = time.perf_counter()
    rss_imported = rss_bytes()
    path = REPO / MODELS[name]
    if name == "langid":
        model = LanguageIdentifier.load(path)
        loaded = time.perf_counter()
        rss_loaded = rss_bytes()
        model.predict("Dies ist ein kurzer Satz.")
    else:
        model = PosTagger.load(path)
        loaded = time.perf_counter()
        rss_loaded = rss_bytes()
        model.tag(["This", "is", "a", "short", "sentence", "."])
    return {"import_ms": 1000 * (imported - start), "load_ms": 1000 * (loaded - imported),
            "rss_import": rss_imported - rss_start, "rss_load": rss_loaded - rss_imported,
            "rss_first_prediction": rss_bytes() - rss_loaded,
            "file_bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if serve_worker(args.worker, worker, single_core):
        return
    print(f"{machine()}; median of {args.runs} fresh processes\n")
    print("| model | file | import smallnlp | load | RSS growth: load | "
          "RSS growth: first prediction |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in MODELS:
        runs = [in_fresh_process(__file__, "--worker", name) for _ in range(args.runs)]
        failed = [run for run in runs if isinstance(run, str)]
        if failed:
            sys.exit(f"{name}: {failed[0]}")
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(f"| {name} | {median['file_bytes']:,.0f} B | {median['import_ms']:.0f} ms "
              f"| {median['load_ms']:.1f} ms | {median['rss_load'] / 1e6:+.2f} MB "
              f"| {median['rss_first_prediction'] / 1e6:+.2f} MB |")


if __name__ == "__main__":
    main()
