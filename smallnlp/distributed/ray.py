"""Ray Data: a language and its probability for every row of a Dataset, and
POS tags for a column of token lists. Each actor unpickles the model once
(its file's bytes) and answers batch after batch (``map_batches`` with a
callable class). Rows keep all their columns; set Ray's
``DataContext.get_current().execution_options.preserve_order = True`` when
the output must keep the input's row order.

    import ray.data
    from smallnlp.distributed.ray import identify

    labelled = identify(ray.data.read_json("docs.jsonl"), column="text", workers=4)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import ray.data

from ..langid import LanguageIdentifier
from ..pos import PosTagger
from . import label_texts, language_identifier, pos_tagger


class _Identify:
    """One actor's model, and the labelling of one batch."""

    def __init__(self, model: LanguageIdentifier, column: str, label_column: str,
                 probability_column: str, threshold: float):
        self.model, self.column, self.threshold = model, column, threshold
        self.label_column, self.probability_column = label_column, probability_column

    def __call__(self, batch: pa.Table) -> pa.Table:
        labels, probabilities = label_texts(self.model, batch.column(self.column).to_pylist(),
                                            self.threshold)
        return batch.append_column(self.label_column, pa.array(labels.tolist(), pa.string())) \
            .append_column(self.probability_column, pa.array(probabilities))


class _Tag:
    def __init__(self, tagger: PosTagger, column: str, tags_column: str):
        self.tagger, self.column, self.tags_column = tagger, column, tags_column

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        sentences = [[str(token) for token in tokens] for tokens in batch[self.column]]
        tags = np.empty(len(sentences), dtype=object)
        tags[:] = self.tagger.tag_batch(sentences)
        return {**batch, self.tags_column: tags}


def identify(dataset: ray.data.Dataset, column: str = "text", *,
             model: LanguageIdentifier | str | os.PathLike | None = None,
             languages: Sequence[str] | None = None, threshold: float = 0.0,
             label_column: str = "language", probability_column: str = "language_probability",
             batch_size: int = 1000, workers: int = 1) -> ray.data.Dataset:
    """``dataset`` with two more columns: the best language of ``column``'s
    text and its probability ('und' and 0 for text without letters, as
    ``predict_batch``), answered by ``workers`` actors."""
    model = language_identifier(model, languages)
    return dataset.map_batches(
        _Identify, fn_constructor_args=(model, column, label_column, probability_column,
                                        threshold),
        batch_size=batch_size, batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers))


def tag(dataset: ray.data.Dataset, column: str = "tokens", *,
        model: PosTagger | str | os.PathLike = "en", tags_column: str = "upos",
        batch_size: int = 256, workers: int = 1) -> ray.data.Dataset:
    """``dataset`` with a column of the UPOS tags of each row's token list."""
    return dataset.map_batches(
        _Tag, fn_constructor_args=(pos_tagger(model), column, tags_column),
        batch_size=batch_size, batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers))
