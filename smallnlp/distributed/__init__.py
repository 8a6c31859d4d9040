"""Language ID (and tagging) on distributed engines: ``smallnlp.distributed.ray``
for Ray Data, ``.dask`` for Dask and ``.spark`` for Spark, each an optional
extra (``pip install smallnlp[ray]``, ``smallnlp[dask]``, ``smallnlp[spark]``).

The model reaches the workers pickled, which for a smallnlp model is its
model file's bytes plus a few settings (``TaskModel.__getstate__``): each
worker opens it once and answers batch after batch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..langid import LanguageIdentifier
from ..pos import PosTagger


def language_identifier(model: LanguageIdentifier | str | os.PathLike | None,
                        languages: Sequence[str] | None = None) -> LanguageIdentifier:
    """``model`` itself, the model file at that path, or the shipped model
    (None); restricted to ``languages`` when given."""
    if not isinstance(model, LanguageIdentifier):
        model = LanguageIdentifier.load(model)
    if languages is not None:
        model.set_languages(languages)
    return model


def pos_tagger(model: PosTagger | str | os.PathLike) -> PosTagger:
    """``model`` itself, or the model file / shipped model it names."""
    return model if isinstance(model, PosTagger) else PosTagger.load(model)


def label_texts(model: LanguageIdentifier, texts: Sequence[str], threshold: float = 0.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """The best label of each text (object array) and its probability (float64)."""
    answers = model.predict_batch(list(texts), threshold)
    return (np.array([a.label for a in answers], dtype=object),
            np.array([a.probability for a in answers], dtype=np.float64))
