"""Language spans of mixed-language text: where each language runs.

Each word is scored by the network on its own, with ``radius`` words either
side as context; then one best labelling of the words is found by dynamic
programming (Viterbi), where every switch of language costs ``switch_cost``
(in natural-log probability): a single odd word does not open a span, a run
of a few words of another language does. Linear in the text's length: each
word is scored once, in a window of bounded size, and the labelling keeps one
score per label.

This module knows no model: the caller scores the windows (``score``) and
relabels the spans it finds (``LanguageIdentifier.spans``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from .text import MARKUP, letters_only

WORD = re.compile(r"[^ ]+")

# Chosen on mixed documents built from dev lines (benchmarks/langid_spans.py, another
# seed than the reported one): README, "Mixed-language text".
RADIUS = 0
SWITCH_COST = 20.0


def words_of(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets into ``text`` of its words: runs of letters
    and marks, as the featurizer reads them (markup, digits, punctuation,
    symbols and spaces separate them)."""
    blanked = MARKUP.sub(lambda match: " " * len(match.group()), text)
    return [match.span() for match in WORD.finditer(letters_only(blanked))]


def windows(text: str, words: Sequence[tuple[int, int]], radius: int) -> list[str]:
    """Each word with ``radius`` words either side, as the text to score it by."""
    last = len(words) - 1
    return [text[words[max(0, i - radius)][0]:words[min(last, i + radius)][1]]
            for i in range(len(words))]


def best_labels(log_probabilities: np.ndarray, switch_cost: float) -> np.ndarray:
    """The label index of each word (rows) that maximises the sum of its log
    probabilities minus ``switch_cost`` per change of label."""
    words, labels = log_probabilities.shape
    came_from = np.empty((words, labels), dtype=np.int32)
    score = log_probabilities[0].astype(np.float64)
    everyone = np.arange(labels, dtype=np.int32)
    for i in range(1, words):
        leader = int(np.argmax(score))
        switched = score[leader] - switch_cost
        stay = score >= switched  # ties keep the label: no needless switch
        came_from[i] = np.where(stay, everyone, leader)
        score = np.where(stay, score, switched) + log_probabilities[i]
    path = np.empty(words, dtype=np.int32)
    path[-1] = int(np.argmax(score))
    for i in range(words - 1, 0, -1):
        path[i - 1] = came_from[i, path[i]]
    return path


def runs(labels: Sequence[int]) -> list[tuple[int, int, int]]:
    """``(first word, last word + 1, label)`` of each run of equal labels."""
    out: list[tuple[int, int, int]] = []
    for i, label in enumerate(labels):
        if out and out[-1][2] == label:
            out[-1] = (out[-1][0], i + 1, label)
        else:
            out.append((i, i + 1, label))
    return out


def cut(text_length: int, words: Sequence[tuple[int, int]],
        word_runs: Sequence[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """The character ``(start, end)`` of each run, covering the whole text: a
    run starts where its first word starts (the first at 0), so what lies
    between two words (spaces, punctuation) stays with the earlier run."""
    starts = [0] + [words[first][0] for first, _, _ in word_runs[1:]]
    return list(zip(starts, starts[1:] + [text_length]))


def segment(text: str, score: Callable[[list[str]], np.ndarray]) -> list[tuple[int, int]]:
    """The character spans of ``text``'s runs of one language (at least one).
    ``score`` takes texts and gives their probabilities, a row each."""
    radius, switch_cost = RADIUS, SWITCH_COST  # read now: benchmarks/langid_spans.py tunes them
    words = words_of(text)
    if not words:
        return [(0, len(text))]
    with np.errstate(divide="ignore"):  # a label ruled out has probability 0
        log_probabilities = np.log(score(windows(text, words, radius)))
    return cut(len(text), words, runs(best_labels(log_probabilities, switch_cost)))
