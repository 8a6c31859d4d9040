"""Language ID's training examples, made afresh each epoch from the lines.

Besides every whole line, a language identifier trains on short spans cut
from the lines (users send one or two words too), on some of both with their
diacritics stripped (people type without them), and on gibberish trained
towards "unsure". Each epoch draws its examples anew and featurizes them a
block at a time, so memory holds the lines and one block's features, never
every example's, and each epoch sees spans it has not seen before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from .features import SparseGroup, TextFeaturizer, has_features
from .records import option
from .text import strip_diacritics
from .train import Batch, take_rows

# Training label of gibberish: its target is a uniform distribution (train.py).
NONE_OF_THESE = -1
# Examples featurized together: enough to amortise numpy's calls, few enough
# that one block's features stay small (about 30 MB of whole lines).
BLOCK_BATCHES = 64


@dataclasses.dataclass(frozen=True)
class Augment:
    """``[augment]``: extra training examples made from the training lines."""

    spans_per_line: int = option(0, minimum=0)  # span slots beside each line's own
    min_words: int = option(1, minimum=1)  # a span's length, in words
    max_words: int = option(4, minimum=1)
    gibberish_lines: int = option(0, minimum=0)  # random letters, trained towards "unsure"
    # Share of the lines and spans trained without their diacritics
    # (text.strip_diacritics), as people often type them.
    stripped_share: float = option(0.0, minimum=0.0, maximum=1.0)

    def validate(self) -> None:
        if self.max_words < self.min_words:
            raise ValueError(f"max_words {self.max_words} is below min_words {self.min_words}")


def cut_spans(texts: Sequence[str], rng: np.random.Generator, min_words: int,
              max_words: int, min_letters: int = 0) -> list[str | None]:
    """One random span of ``min_words..max_words`` words from each text.

    Texts written without spaces (Chinese, Japanese) get a span of 2 to
    ``2 * max_words`` characters instead. ``None`` where no span qualifies.
    """
    spans: list[str | None] = []
    for text in texts:
        words = text.split()
        if len(words) == 1 and len(text) > 2 * max_words:
            size = int(rng.integers(2, 2 * max_words + 1))
            start = int(rng.integers(0, len(text) - size + 1))
            spans.append(text[start:start + size])
            continue
        if min_letters:
            words = [w for w in words if sum(c.isalpha() for c in w) >= min_letters]
        if len(words) < min_words:
            spans.append(None)
            continue
        size = int(rng.integers(min_words, min(max_words, len(words)) + 1))
        start = int(rng.integers(0, len(words) - size + 1))
        spans.append(" ".join(words[start:start + size]))
    return spans


def gibberish(texts: Sequence[str], rng: np.random.Generator, count: int) -> list[str]:
    """``count`` strings of 1-8 random "words" whose letters are drawn uniformly
    from the distinct letters of a random line of ``texts``: the line's script,
    none of its language's letter sequences."""
    out = []
    for line in rng.choice(len(texts), size=count) if count else []:
        letters = sorted({c for c in texts[line] if c.isalpha()})
        if not letters:
            continue
        # Indexes drawn as rng.choice(letters) draws them, without making a numpy
        # string array: iterating one can swallow a Ctrl-C.
        words = [rng.integers(0, len(letters), size=int(rng.integers(1, 13))).tolist()
                 for _ in range(int(rng.integers(1, 9)))]
        out.append(" ".join("".join(letters[i] for i in w) for w in words))
    return out


def distilled_targets(labels: np.ndarray, teacher_probs: np.ndarray, weight: float
                      ) -> np.ndarray:
    """Each example's target distribution when a teacher model is distilled
    (Hinton et al., 2015): ``1 - weight`` on its label and ``weight`` spread
    as the teacher's probabilities. A row the teacher gives nothing (all 0:
    text without letters) keeps its label alone; gibberish rows (negative
    labels) are not read (their target is uniform, train.py)."""
    targets = teacher_probs.astype(np.float32) * np.float32(weight)
    known = np.flatnonzero(labels >= 0)
    silent = known[teacher_probs[known].sum(axis=1) <= 0]
    targets[silent] = 0.0
    targets[known, labels[known]] += np.float32(1 - weight)
    targets[silent, labels[silent]] = 1.0
    return targets


class AugmentedLines:
    """The training examples of labelled lines, drawn each epoch.

    Each line has ``1 + spans_per_line`` slots: its whole self and that many
    spans, cut afresh whenever a slot is drawn; each gibberish string has
    one. An epoch draws at most ``per_class_cap`` slots of each label, every
    slot at most once, shuffles them and strips the diacritics of
    ``stripped_share`` of the lines and spans. With a ``teacher`` (texts ->
    probability rows over these labels), the examples' targets mix their
    labels with its answers (``distilled_targets``, ``teacher_weight``).
    """

    def __init__(self, texts: Sequence[str], labels: np.ndarray, augment: Augment,
                 featurizer: TextFeaturizer, rng: np.random.Generator,
                 teacher: Callable[[list[str]], np.ndarray] | None = None,
                 teacher_weight: float = 0.0):
        self.augment = augment
        self.featurizer = featurizer
        self.teacher = teacher if teacher_weight > 0 else None
        self.teacher_weight = teacher_weight
        noise = gibberish(texts, rng, augment.gibberish_lines)
        self.lines = len(texts)
        self.texts = list(texts) + noise
        self.labels = np.concatenate([np.asarray(labels, dtype=np.int64),
                                      np.full(len(noise), NONE_OF_THESE, dtype=np.int64)])
        self.slots = np.concatenate([np.full(len(texts), 1 + augment.spans_per_line),
                                     np.ones(len(noise), dtype=np.int64)])

    def __len__(self) -> int:
        """Slots in all: the examples there are to draw from."""
        return int(self.slots.sum())

    def epoch(self, batch_size: int, per_class_cap: int | None, rng: np.random.Generator
              ) -> tuple[int, Iterator[Batch]]:
        drawn = []
        for label in np.unique(self.labels):
            lines = np.flatnonzero(self.labels == label)
            slots = self.slots[lines]
            total = int(slots.sum())
            chosen = (np.arange(total) if per_class_cap is None or total <= per_class_cap
                      else rng.choice(total, per_class_cap, replace=False))
            # Slot k of the label's lines: line i owns [first[i], first[i] + slots[i]).
            first = np.cumsum(slots) - slots
            owner = np.searchsorted(first, chosen, side="right") - 1
            drawn.append(np.stack([lines[owner], chosen - first[owner]], axis=1))
        order = np.concatenate(drawn)[rng.permutation(sum(len(d) for d in drawn))]
        steps = -(-len(order) // batch_size)
        block = batch_size * BLOCK_BATCHES

        def batches() -> Iterator[Batch]:
            for start in range(0, len(order), block):
                groups, labels, targets = self._featurize(order[start:start + block], rng)
                letters = has_features(groups)
                for first_row in range(0, len(labels), batch_size):
                    rows = np.arange(first_row, min(first_row + batch_size, len(labels)))
                    rows = rows[letters[rows]]
                    yield Batch(take_rows(groups, rows), labels[rows],
                                None if targets is None else targets[rows])
        return steps, batches()

    def _featurize(self, drawn: np.ndarray, rng: np.random.Generator
                   ) -> tuple[list[SparseGroup], np.ndarray, np.ndarray | None]:
        """The texts of ``drawn`` (line, slot) pairs, featurized; their labels,
        and their targets where a teacher is distilled."""
        augment = self.augment
        lines, slots = drawn[:, 0], drawn[:, 1]
        texts = [self.texts[i] for i in lines.tolist()]
        span_rows = np.flatnonzero(slots > 0).tolist()
        spans = cut_spans([texts[i] for i in span_rows], rng, augment.min_words,
                          augment.max_words)
        for row, span in zip(span_rows, spans):
            texts[row] = span or ""
        if augment.stripped_share:
            stripped = (rng.random(len(texts)) < augment.stripped_share) & (lines < self.lines)
            for row in np.flatnonzero(stripped).tolist():
                texts[row] = strip_diacritics(texts[row])
        labels = self.labels[lines]
        targets = None if self.teacher is None else distilled_targets(
            labels, self.teacher(texts), self.teacher_weight)
        return self.featurizer.transform(texts), labels, targets
