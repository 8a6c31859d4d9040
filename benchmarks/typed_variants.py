"""Language ID on dev lines as people type them: without diacritics, Romanian with
the legacy cedilla letters, fullwidth and mathematical-bold Latin letters.

Each variant is made from ``../shared/data/langid/dev`` by a fixed rule, and only
the lines the rule changes are scored (beside the same lines as written). With
``--per-language`` it also prints, for every language with stripped lines, the
accuracy on those lines as written and stripped. Give several model files to
compare them (for example the model before and after a retrain):

    python benchmarks/typed_variants.py models/langid.snlp new.snlp --per-language
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from common import DATA, REPO, one_blas_thread

_FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
_MATH_BOLD = {**{ord("A") + i: 0x1D400 + i for i in range(26)},
              **{ord("a") + i: 0x1D41A + i for i in range(26)}}
_LEGACY_CEDILLA = str.maketrans("ȘșȚț", "ŞşŢţ")


def variants() -> dict[str, tuple[Callable[[str], str], set[str] | None]]:
    """Name -> (rule, the languages it applies to; None: all)."""
    from smallnlp.text import strip_diacritics

    return {
        "diacritics stripped": (strip_diacritics, None),
        "Romanian with cedilla ş ţ": (lambda t: t.translate(_LEGACY_CEDILLA), {"ro"}),
        "fullwidth Latin letters": (lambda t: t.translate(_FULLWIDTH), None),
        "mathematical bold letters": (lambda t: t.translate(_MATH_BOLD), None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path,
                        default=[REPO / "models" / "langid.snlp"])
    parser.add_argument("--data", type=Path, default=DATA / "langid" / "dev")
    parser.add_argument("--per-language", action="store_true")
    args = parser.parse_args()
    one_blas_thread()
    import numpy as np

    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    texts, labels = read_labelled_dir(args.data)
    gold = np.array(labels)
    models = [LanguageIdentifier.load(path) for path in args.models]
    names = " | ".join(path.name for path in args.models)

    def correct(lines: list[str]) -> list[np.ndarray]:
        return [np.array([p.label for p in model.predict_batch(lines)]) for model in models]

    as_written = correct(texts)
    print(f"| dev lines | count | {names} |")
    print("|---|---:|" + "---:|" * len(models))
    print(f"| all, as written | {len(texts):,} | "
          + " | ".join(f"{100 * np.mean(p == gold):.2f}%" for p in as_written) + " |")
    stripped_rows = None
    for name, (rule, languages) in variants().items():
        changed = [i for i, (t, y) in enumerate(zip(texts, labels))
                   if (languages is None or y in languages) and rule(t) != t]
        if not changed:
            continue
        predicted = correct([rule(texts[i]) for i in changed])
        before = [p[changed] == gold[changed] for p in as_written]
        after = [p == gold[changed] for p in predicted]
        print(f"| {name}: the changed lines as written | {len(changed):,} | "
              + " | ".join(f"{100 * b.mean():.2f}%" for b in before) + " |")
        print(f"| {name} | {len(changed):,} | "
              + " | ".join(f"{100 * a.mean():.2f}%" for a in after) + " |")
        if name == "diacritics stripped":
            stripped_rows = (changed, before, after)
    if args.per_language and stripped_rows:
        changed, before, after = stripped_rows
        languages = gold[changed]
        print(f"\nPer language, the lines stripping changes: as written → stripped "
              f"({names})\n")
        print("| language | lines | " + " | ".join(
            f"{path.name} as written | stripped" for path in args.models) + " |")
        print("|---|---:|" + "---:|---:|" * len(models))
        for language in sorted(set(languages)):
            mask = languages == language
            cells = " | ".join(f"{100 * b[mask].mean():.1f}% | {100 * a[mask].mean():.1f}%"
                               for b, a in zip(before, after))
            print(f"| {language} | {int(mask.sum()):,} | {cells} |")


if __name__ == "__main__":
    main()
