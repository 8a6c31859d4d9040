"""Language identification by numpy: the reference forward pass of
docs/FORMAT.md, one of the two backends of backends.LangidPredictor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import TextFeaturizer, has_features
from .network import FeedForwardNetwork, softmax


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
                 temperature: float):
        self._network, self._featurizer, self._temperature = network, featurizer, temperature

    def proba(self, texts: Sequence[str], allowed: np.ndarray | None) -> np.ndarray:
        logits, has_letters = text_logits(texts, self._network, self._featurizer)
        logits /= self._temperature
        if allowed is not None:
            logits[:, ~allowed] = -np.inf
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

    def heap_bytes(self) -> int:
        return 0
