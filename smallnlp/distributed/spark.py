"""Spark: a language and its probability for every row of a DataFrame, with
``mapInArrow``. The model travels in the function's closure, pickled as its
file's bytes; each Python worker unpickles it once per task.

    from smallnlp.distributed.spark import identify

    labelled = identify(spark.read.parquet("docs/"), column="text")
    labelled.write.parquet("labelled/")
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from ..langid import LanguageIdentifier
from . import label_texts, language_identifier


def identify(frame: DataFrame, column: str = "text", *,
             model: LanguageIdentifier | str | os.PathLike | None = None,
             languages: Sequence[str] | None = None, threshold: float = 0.0,
             label_column: str = "language",
             probability_column: str = "language_probability") -> DataFrame:
    """``frame`` with two more columns: the best language of ``column`` and
    its probability (a null text gets null ones)."""
    model = language_identifier(model, languages)

    def label(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            texts = batch.column(column).to_pylist()
            present = [i for i, text in enumerate(texts) if text is not None]
            labels, probabilities = [None] * len(texts), [None] * len(texts)
            found, scores = label_texts(model, [texts[i] for i in present], threshold)
            for i, found_label, score in zip(present, found.tolist(), scores.tolist()):
                labels[i], probabilities[i] = found_label, score
            yield batch.append_column(label_column, pa.array(labels, pa.string())) \
                .append_column(probability_column, pa.array(probabilities, pa.float64()))

    schema = StructType(frame.schema.fields + [StructField(label_column, StringType()),
                                               StructField(probability_column, DoubleType())])
    return frame.mapInArrow(label, schema)
