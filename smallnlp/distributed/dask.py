"""Dask: a language and its probability for every row of a
``dask.dataframe`` (``map_partitions`` with its ``meta``), or for every text
of a ``dask.bag``. The model goes to the graph once, as a delayed object, so
each worker receives (and unpickles) it once.

    import dask.dataframe as dd
    from smallnlp.distributed.dask import identify_frame

    labelled = identify_frame(dd.read_parquet("docs/"), column="text").compute()
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import dask
import dask.bag
import dask.dataframe
import pandas as pd

from ..langid import LanguageIdentifier
from . import label_texts, language_identifier


def _label_partition(frame: pd.DataFrame, model: LanguageIdentifier, column: str,
                     label_column: str, probability_column: str,
                     threshold: float) -> pd.DataFrame:
    labels, probabilities = label_texts(model, frame[column].tolist(), threshold)
    return frame.assign(**{label_column: labels, probability_column: probabilities})


def identify_frame(frame: dask.dataframe.DataFrame, column: str = "text", *,
                   model: LanguageIdentifier | str | os.PathLike | None = None,
                   languages: Sequence[str] | None = None, threshold: float = 0.0,
                   label_column: str = "language",
                   probability_column: str = "language_probability"
                   ) -> dask.dataframe.DataFrame:
    """``frame`` with two more columns: the best language of ``column`` and
    its probability, row by row, in order."""
    model = dask.delayed(language_identifier(model, languages), pure=True)
    meta = frame._meta.assign(**{label_column: pd.Series(dtype=object),
                                 probability_column: pd.Series(dtype="float64")})
    return frame.map_partitions(_label_partition, model, column, label_column,
                                probability_column, threshold, meta=meta)


def _label_texts(texts, model: LanguageIdentifier, threshold: float) -> list[tuple[str, float]]:
    labels, probabilities = label_texts(model, list(texts), threshold)
    return list(zip(labels.tolist(), probabilities.tolist()))


def identify_bag(bag: dask.bag.Bag, *,
                 model: LanguageIdentifier | str | os.PathLike | None = None,
                 languages: Sequence[str] | None = None, threshold: float = 0.0
                 ) -> dask.bag.Bag:
    """A bag of ``(label, probability)`` pairs, one per text of ``bag``, in order."""
    model = dask.delayed(language_identifier(model, languages), pure=True)
    return bag.map_partitions(_label_texts, model, threshold)
