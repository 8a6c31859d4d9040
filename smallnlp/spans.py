"""Language spans of mixed-language text: where each language runs.

Each word is scored by the network alone (its log probabilities); then the one
labelling of the words that maximises the sum of their log probabilities less
``switch_cost`` per change of language is found by dynamic programming
(Viterbi): a single odd word does not open a span, a run of a few words of
another language does. The scores fed to it are the logits, with the switch
cost times the temperature: a word's log probabilities are its logits over the
temperature less one number (their log-sum-exp), the same for all its labels,
so they lead to the same labelling without an exp or a division per label.
Each run is then labelled as ``predict`` labels its text, and neighbours that
get one label are merged and labelled again. Linear in the text's length: each
word is scored once, and the labelling keeps a score per label and, per word,
a label and a bit per label to trace back.

This is the reference; the C runtime's ``snlp_langid_spans`` does the same
steps in the same order (runtime/c/src/spans.c). This module knows no model:
the backend passes its scoring functions (identification.NumpyLangid).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from .text import MARKUP, letters_only

WORD = re.compile(r"[^ ]+")

# Chosen on mixed documents built from dev lines (benchmarks/langid_spans.py, another
# seed than the reported one): README, "Mixed-language text"; the C runtime's
# SNLP_SPAN_SWITCH_COST is the same.
SWITCH_COST = 20.0

# (start, end, label index, probability); the label count stands for "und".
RawSpan = tuple[int, int, int, float]


def words_of(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets into ``text`` of its words: runs of letters
    and marks, as the featurizer reads them (markup, digits, punctuation,
    symbols and spaces separate them)."""
    blanked = MARKUP.sub(lambda match: " " * len(match.group()), text)
    return [match.span() for match in WORD.finditer(letters_only(blanked))]


def best_labels(scores: np.ndarray, switch_cost: float) -> np.ndarray:
    """The label index of each word (rows) that maximises the sum of its
    scores (log probabilities, or those plus a number per word) minus
    ``switch_cost`` per change of label."""
    words, labels = scores.shape
    leaders = np.zeros(words, dtype=np.int64)
    switched = np.zeros((words, (labels + 7) // 8), dtype=np.uint8)  # a bit per label
    score = scores[0].copy()
    for i in range(1, words):
        leaders[i] = np.argmax(score)
        leader_score = score[leaders[i]] - switch_cost
        stay = score >= leader_score  # ties keep the label: no needless switch
        switched[i] = np.packbits(~stay, bitorder="little")
        score = np.where(stay, score, leader_score) + scores[i]
    path = np.empty(words, dtype=np.int64)
    path[-1] = np.argmax(score)
    for i in range(words - 1, 0, -1):
        label = path[i]
        path[i - 1] = leaders[i] if switched[i, label // 8] >> (label % 8) & 1 else label
    return path


def find_spans(text: str, word_scores: Callable[[list[str]], np.ndarray],
               label: Callable[[list[str]], list[tuple[int, float]]],
               switch_cost: float = SWITCH_COST) -> list[RawSpan]:
    """The spans of ``text`` (LanguageIdentifier.spans): ``word_scores`` gives
    texts' scores for ``best_labels``, a row each (-inf outside a language subset, 0
    for a text without letters); ``label`` their (label index, probability)
    answers, the label count for "und"."""
    words = words_of(text)
    if not words:
        return [(0, len(text), *label([text])[0])]
    path = best_labels(word_scores([text[a:b] for a, b in words]), switch_cost)
    firsts = [0] + [i for i in range(1, len(words)) if path[i] != path[i - 1]]
    starts = [0] + [words[i][0] for i in firsts[1:]]
    return relabelled(text, list(zip(starts, starts[1:] + [len(text)])), label)


def relabelled(text: str, cuts: Sequence[tuple[int, int]],
               label: Callable[[list[str]], list[tuple[int, float]]]) -> list[RawSpan]:
    """The cuts labelled as their texts are; neighbours given one label merged
    and the merged text labelled again, until no two neighbours share one."""
    spans = [(a, b, *answer) for (a, b), answer in zip(cuts, label([text[a:b] for a, b in cuts]))]
    while True:
        merged: list[list] = []
        for span in spans:
            if merged and merged[-1][2] == span[2]:
                merged[-1][1], merged[-1][4] = span[1], True
            else:
                merged.append([*span, False])
        if len(merged) == len(spans):
            return spans
        again = [m for m in merged if m[4]]
        answers = iter(label([text[m[0]:m[1]] for m in again]))
        spans = [(m[0], m[1], *next(answers)) if m[4] else tuple(m[:4]) for m in merged]
