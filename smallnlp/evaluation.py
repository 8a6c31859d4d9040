"""Scores for classifiers: accuracy, macro-F1, per-label table, confusions;
what ``LanguageIdentifier.evaluate`` and ``PosTagger.evaluate`` return."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    per_label: dict[str, dict[str, float]]  # label -> precision, recall, f1, support
    confusions: list[tuple[str, str, int]]  # (gold, predicted, count), most first
    total: int
    # What a task adds: a language identifier's calibration error, a tagger's
    # accuracy on words its training data lacked (name -> value).
    extra: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"accuracy": self.accuracy, "macro_f1": self.macro_f1, "total": self.total,
                "per_label": self.per_label,
                "confusions": [list(c) for c in self.confusions], **self.extra}

    def format(self, top_confusions: int = 10) -> str:
        lines = [f"examples  {self.total}", f"accuracy  {100 * self.accuracy:.2f}%",
                 f"macro-F1  {100 * self.macro_f1:.2f}%", "",
                 f"{'label':<8} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}"]
        for label, row in self.per_label.items():
            lines.append(f"{label:<8} {100 * row['precision']:>8.2f}% {100 * row['recall']:>6.2f}%"
                         f" {100 * row['f1']:>6.2f}% {int(row['support']):>8}")
        if self.confusions:
            lines += ["", "most confused (gold -> predicted: count)"]
            lines += [f"  {g} -> {p}: {n}" for g, p, n in self.confusions[:top_confusions]]
        return "\n".join(lines)


def evaluate(gold: Sequence[str], predicted: Sequence[str]) -> Report:
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0)
    per_label = {label: {"precision": float(p), "recall": float(r), "f1": float(f),
                         "support": int(s)}
                 for label, p, r, f, s in zip(labels, precision, recall, f1, support)}
    correct = sum(g == p for g, p in zip(gold, predicted))
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return Report(accuracy=correct / max(len(gold), 1),
                  macro_f1=float(f1.mean()) if len(labels) else 0.0,
                  per_label=per_label,
                  confusions=[(g, p, n) for (g, p), n in confusions.most_common()],
                  total=len(gold))
