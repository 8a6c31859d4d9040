"""Two language identifiers side by side on dev text: whole lines, 1-word and
2-word spans cut from them, and the lines stripping diacritics changes,
stripped. Made for a retrain that adds languages (issue 23): the old model's
languages must not lose accuracy, and every language of the new one is
reported.

    python benchmarks/langid_coverage.py OLD.snlp NEW.snlp [--markdown] [--plot PNG]

Spans are cut with fixed seeds from the lines of more than one word (as
``smallnlp eval langid --span-words`` does), keeping words with a letter; both
models answer the same texts. Prints, on the old model's languages, each
measure for both models and whether the new one is within ``--tolerance`` of
the old; then the new model's accuracy over all its languages, the languages
below ``--floor`` on dev lines with their main confusion, and (``--markdown``)
a table per language. ``--plot`` draws the confusion within the groups of
close languages (needs the ``plot`` extra, matplotlib).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from common import DATA, one_blas_thread

MEASURES = ("dev lines", "1-word spans", "2-word spans", "stripped lines")
# Languages written alike, whose confusions the picture shows (issue 23's list).
GROUPS = {
    "Malay and neighbours": "ms id jv su",
    "Arabic script": "ar fa ur ps sd ckb ug",
    "Cyrillic": "ru uk be bg mk sr kk ky tt ba tg mn",
    "Devanagari": "hi mr ne",
    "Ethiopic and Hebrew": "am ti he yi",
    "West Germanic": "nl af lb de",
    "Ibero-Romance": "es pt gl ca oc",
    "Turkic": "tr az tk uz",
    "Southern Bantu": "sw ny sn zu xh st tn ts rw lg",
    "Nordic": "is fo da nb nn sv",
    "South Slavic": "bs hr sr sl",
    "Written without spaces": "th km lo my zh ja",
}


def variants(texts: list[str], labels: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Measure -> (texts, gold labels)."""
    import numpy as np

    from smallnlp.augment import cut_spans
    from smallnlp.text import strip_diacritics

    out = {"dev lines": (texts, labels)}
    for words, seed in ((1, 1), (2, 2)):
        spans = cut_spans(texts, np.random.default_rng(seed), words, words, min_letters=1)
        pairs = [(s, y) for s, y, t in zip(spans, labels, texts)
                 if s is not None and len(t.split()) > 1]
        out[f"{words}-word spans"] = ([s for s, _ in pairs], [y for _, y in pairs])
    stripped = [(strip_diacritics(t), y) for t, y in zip(texts, labels)]
    changed = [(s, y) for (s, y), t in zip(stripped, texts) if s != t]
    out["stripped lines"] = ([s for s, _ in changed], [y for _, y in changed])
    return out


def per_language(gold: list[str], predicted: list[str]) -> dict[str, tuple[int, int]]:
    """Label -> (right, all)."""
    right, total = Counter(), Counter(gold)
    for g, p in zip(gold, predicted):
        right[g] += g == p
    return {label: (right[label], total[label]) for label in total}


def share(counts: dict[str, tuple[int, int]], labels: set[str]) -> float:
    right = sum(counts[x][0] for x in labels if x in counts)
    total = sum(counts[x][1] for x in labels if x in counts)
    return right / max(total, 1)


def plot(path: Path, gold: list[str], predicted: list[str], labels: set[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    groups = {name: [c for c in codes.split() if c in labels] for name, codes in GROUPS.items()}
    groups = {name: codes for name, codes in groups.items() if len(codes) > 1}
    columns = 4
    rows = -(-len(groups) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 4.0 * rows))
    pairs = Counter(zip(gold, predicted))
    totals = Counter(gold)
    for axis, (name, codes) in zip(axes.flat, groups.items()):
        # Rows: gold language; columns: the group's languages, then anything else.
        matrix = np.array([[pairs[(g, p)] for p in codes]
                           + [totals[g] - sum(pairs[(g, p)] for p in codes)]
                           for g in codes], dtype=float)
        matrix /= np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        axis.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
        axis.set_xticks(range(len(codes) + 1), [*codes, "other"], rotation=90, fontsize=8)
        axis.set_yticks(range(len(codes)), codes, fontsize=8)
        for (i, j), value in np.ndenumerate(matrix):
            if value >= 0.005:
                axis.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=6,
                          color="white" if value > 0.6 else "black")
        axis.set_title(name, fontsize=10)
    for axis in list(axes.flat)[len(groups):]:
        axis.axis("off")
    figure.suptitle("Dev lines: % of each language (row) answered as each column", fontsize=12)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--data", type=Path, default=DATA / "langid" / "dev")
    parser.add_argument("--tolerance", type=float, default=0.002)
    parser.add_argument("--floor", type=float, default=0.90)
    parser.add_argument("--markdown", action="store_true", help="a table per language")
    parser.add_argument("--plot", type=Path, help="draw the group confusions to this PNG")
    args = parser.parse_args()
    one_blas_thread()
    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    old, new = LanguageIdentifier.load(args.old), LanguageIdentifier.load(args.new)
    texts, labels = read_labelled_dir(args.data)
    measured = {}  # (model, measure) -> per-language counts
    answers = {}
    for measure, (items, gold) in variants(texts, labels).items():
        for name, model in (("old", old), ("new", new)):
            predicted = [p.label for p in model.predict_batch(items)]
            measured[name, measure] = per_language(gold, predicted)
            answers[name, measure] = (gold, predicted)

    old_labels, new_labels = set(old.labels), set(new.labels)
    print(f"On the old model's {len(old_labels)} languages ({args.data}):")
    print(f"{'measure':<16} {'texts':>7} {'old':>8} {'new':>8} {'new-old':>8}")
    for measure in MEASURES:
        counts = measured["old", measure]
        texts_scored = sum(counts[x][1] for x in old_labels if x in counts)
        a, b = share(counts, old_labels), share(measured["new", measure], old_labels)
        verdict = "ok" if b >= a - args.tolerance else f"LOWER by more than {args.tolerance}"
        print(f"{measure:<16} {texts_scored:>7,} {100 * a:>7.2f}% {100 * b:>7.2f}% "
              f"{100 * (b - a):>+7.2f}  {verdict}")
    print(f"\nNew model on all its {len(new_labels)} languages:")
    for measure in MEASURES:
        print(f"{measure:<16} {100 * share(measured['new', measure], new_labels):.2f}%")

    gold, predicted = answers["new", "dev lines"]
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    lines = measured["new", "dev lines"]
    below = sorted(x for x in new_labels if x in lines and lines[x][0] / lines[x][1] < args.floor)
    print(f"\nLanguages below {args.floor:.2f} on dev lines: {len(below)}")
    for code in below:
        top = [(p, n) for (g, p), n in confusions.most_common() if g == code][:2]
        print(f"  {code} {100 * lines[code][0] / lines[code][1]:.1f}%  "
              + ", ".join(f"-> {p} {n} of {lines[code][1]}" for p, n in top))

    if args.markdown:
        info = {i.code: i for i in new.language_info()}
        print("\n| code | language | dev lines | 1 word | 2 words | stripped | old model: "
              "lines / 1 word / 2 words / stripped |")
        print("|---|---|---:|---:|---:|---:|---|")

        def cell(model: str, measure: str, code: str) -> str:
            right, total = measured[model, measure].get(code, (0, 0))
            return f"{100 * right / total:.1f}" if total else "-"
        for code in sorted(new_labels):
            old_cells = (" / ".join(cell("old", m, code) for m in MEASURES)
                         if code in old_labels else "(new)")
            print(f"| {code} | {info[code].name or '-'} | "
                  + " | ".join(cell("new", m, code) for m in MEASURES) + f" | {old_cells} |")
    if args.plot:
        plot(args.plot, gold, predicted, new_labels)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
