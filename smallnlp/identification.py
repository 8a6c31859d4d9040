"""Language identification by numpy: the reference forward pass of
docs/FORMAT.md, one of the two backends of backends.LangidPredictor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import TextFeaturizer, has_features
from .network import FeedForwardNetwork, softmax
from .spans import RawSpan, find_spans

# Texts featurized together: big enough to amortise numpy calls, small enough that
# the per-feature arrays stay in cache (measured: benchmarks/scaling.py).
PREDICT_BATCH = 512


def text_logits(texts: Sequence[str], network: FeedForwardNetwork, featurizer: TextFeaturizer
            ) -> tuple[np.ndarray, np.ndarray]:
    """Logits before the temperature, and which texts have letters at all."""
    groups = featurizer.transform(texts, merge_repeats=False)
    return network.exact_logits(groups), has_features(groups)


class NumpyLangid:
    """The numpy reference predictor (backends.LangidPredictor): the float64
    forward pass of docs/FORMAT.md."""

    name = "numpy"

    def __init__(self, network: FeedForwardNetwork, featurizer: TextFeaturizer,
                 temperature: float, names: tuple[str, ...], answer: type[tuple]):
        self._network, self._featurizer, self._temperature = network, featurizer, temperature
        self._names, self._answer = names, answer

    def _calibrated_logits(self, texts: Sequence[str], allowed: np.ndarray | None
                           ) -> tuple[np.ndarray, np.ndarray]:
        """Logits over the temperature, -inf outside ``allowed``; and which
        texts have letters."""
        logits, has_letters = text_logits(texts, self._network, self._featurizer)
        logits /= self._temperature
        if allowed is not None:
            logits[:, ~allowed] = -np.inf
        return logits, has_letters

    def proba(self, texts: Sequence[str], allowed: np.ndarray | None) -> np.ndarray:
        logits, has_letters = self._calibrated_logits(texts, allowed)
        probs = softmax(logits)
        probs[~has_letters] = 0.0
        return probs.astype(np.float32)

    def top_k(self, texts: Sequence[str], k: int, allowed: np.ndarray | None
              ) -> list[list[tuple[int, float]]]:
        probs = self.proba(texts, allowed)
        # Languages outside the subset are never listed: ranked last.
        ranking = probs if allowed is None else np.where(allowed, probs, -1)
        k = min(k, probs.shape[1] if allowed is None else int(allowed.sum()))
        order = (ranking.argmax(axis=1)[:, None] if k == 1
                 else np.argsort(-ranking, axis=1, kind="stable")[:, :k])
        return [[(i, float(row[i])) for i in best] if row[best[0]] > 0 else []
                for row, best in zip(probs, order.tolist())]

    def answers(self, texts: Sequence[str], allowed: np.ndarray | None, threshold: float
                ) -> list[tuple[str, float]]:
        return [self._answer_of(pairs[0] if pairs else None, threshold)
                for pairs in self.top_k(texts, 1, allowed)]

    def answer(self, text: str, allowed: np.ndarray | None, threshold: float
               ) -> tuple[str, float]:
        """top_k's first answer for one text, in fewer numpy calls (they are
        most of its time): the same row of probabilities, whose largest is
        an allowed label's (at least 1 / their count; the others' are 0)."""
        logits, has_letters = self._calibrated_logits((text,), allowed)
        if not has_letters[0]:
            return self._answer_of(None, threshold)
        probs = softmax(logits)[0].astype(np.float32)
        index = int(probs.argmax())
        return self._answer_of((index, float(probs[index])), threshold)

    def _answer_of(self, best: tuple[int, float] | None, threshold: float) -> tuple[str, float]:
        """A best (label index, probability) as an answer; None: no letters."""
        if best is None:
            return self._answer(self._names[-1], 0.0)
        index, probability = best
        return self._answer(self._names[index if probability >= threshold else -1], probability)

    def spans(self, texts: Sequence[str], allowed: np.ndarray | None, threshold: float,
              switch_cost: float, max_chars: int | None) -> list[list[RawSpan]]:
        n_labels = self._network.output_bias.shape[0]

        def scores(pieces: list[str]) -> np.ndarray:
            return np.concatenate([self._word_scores(pieces[i:i + PREDICT_BATCH], allowed)
                                   for i in range(0, len(pieces), PREDICT_BATCH)])

        def label(pieces: list[str]) -> list[tuple[int, float]]:
            out = []
            for i in range(0, len(pieces), PREDICT_BATCH):
                chunk = [p[:max_chars] for p in pieces[i:i + PREDICT_BATCH]] if max_chars else \
                    pieces[i:i + PREDICT_BATCH]
                for pairs in self.top_k(chunk, 1, allowed):
                    below = not pairs or pairs[0][1] < threshold
                    out.append((n_labels, pairs[0][1] if pairs else 0.0) if below else pairs[0])
            return out
        cost = switch_cost * self._temperature  # the scores are not divided by it
        return [find_spans(text, scores, label, cost) for text in texts]

    def _word_scores(self, texts: Sequence[str], allowed: np.ndarray | None) -> np.ndarray:
        """Scores as snlp_langid_spans computes them: logits, -inf outside
        the allowed labels, 0 for a text without letters. Log probabilities
        are the logits over the temperature less one number per text, which
        changes no choice of ``spans.best_labels`` given the switch cost
        times the temperature."""
        logits, has_letters = text_logits(texts, self._network, self._featurizer)
        if allowed is not None:
            logits[:, ~allowed] = -np.inf
        logits[~has_letters] = 0.0
        return logits

    def heap_bytes(self) -> int:
        return 0
