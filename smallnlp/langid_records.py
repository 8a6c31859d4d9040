"""What a language identifier's config and model file hold: the records read
from ``configs/langid.toml`` and written to a ``.snlp`` file's metadata
(docs/FORMAT.md), checked field by field (records.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar

from .augment import Augment
from .config import Features
from .features import TEXT
from .fileformat import DENSE_KINDS, FeatureRecord, ModelMetadata
from .model import TaskConfig
from .records import option, read
from .text import main_scripts
from .train import TrainOptions

TASK = "langid"


@dataclasses.dataclass(frozen=True)
class LanguageRecord:
    """``training.languages.<code>`` in a model file."""

    scripts: tuple[str, ...]
    lines: int = option(minimum=0, maximum=2**53)
    name: str | None = None


def language_records(texts: Sequence[str], labels: Sequence[str],
                     names: dict[str, str]) -> dict[str, dict]:
    """``training.languages``: each label's training lines, main scripts and
    (when ``names`` has it) English name."""
    by_label: dict[str, list[str]] = {}
    for text, label in zip(texts, labels):
        by_label.setdefault(label, []).append(text)
    return {label: {"scripts": main_scripts("\n".join(lines)), "lines": len(lines),
                    **({"name": names[label]} if label in names else {})}
            for label, lines in sorted(by_label.items())}


@dataclasses.dataclass(frozen=True)
class LangidFeatures(Features):
    """``[features]`` of a language identifier."""

    max_chars: int = option(20_000, minimum=1)  # characters of a text read (documented limit)
    # The dense layers' weights in the file: float32, or int8 (a quarter of the
    # bytes, which the planner gives to the embedding rows; docs/FORMAT.md).
    dense: str = "float32"
    task_input: ClassVar[str] = TEXT

    def validate(self) -> None:
        super().validate()
        if self.dense not in DENSE_KINDS:
            raise ValueError(f"dense must be one of {', '.join(DENSE_KINDS)}, not "
                             f"{self.dense!r}")


@dataclasses.dataclass(frozen=True)
class LangidTraining(TrainOptions):
    """``[training]`` of a language identifier."""

    # Update only the embedding rows a batch touches (lazy Adam): several
    # times faster steps over tables of many rows, each batch touching few.
    lazy_embeddings: bool = option(False)
    # Training samples the languages evenly; this much of log(a language's
    # training lines / their geometric mean) is then added to its output bias:
    # a prior that text is likelier in a language with more text, which
    # decides inputs too short to tell close languages apart (0: none).
    line_prior: float = option(0.0, minimum=0.0, maximum=10.0)
    # With a teacher model (fit's ``teacher``, ``--teacher``): the share of
    # each example's target that is the teacher's probabilities rather than
    # its label (distillation; augment.distilled_targets).
    teacher_weight: float = option(0.5, minimum=0.0, maximum=1.0)


@dataclasses.dataclass(frozen=True)
class LangidConfig(TaskConfig):
    features: LangidFeatures
    training: LangidTraining = LangidTraining()
    augment: Augment = Augment()


@dataclasses.dataclass(frozen=True)
class TextFeatureRecord(FeatureRecord):
    max_chars: int = option(minimum=1, maximum=2**32 - 1)  # as the C runtime reads it
    task_input: ClassVar[str] = TEXT


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The softmax temperature fitted on dev data, and how well it calibrates."""

    temperature: float = option(minimum=1e-3, maximum=1e3)
    fitted_on: str
    held_out_lines: dict
    held_out_word_pairs: dict


@dataclasses.dataclass(frozen=True)
class LangidMetadata(ModelMetadata):
    features: TextFeatureRecord
    calibration: Calibration | None = None
    task_name: ClassVar[str] = TASK
    int8_dense: ClassVar[bool] = True

    def validate(self) -> None:
        super().validate()
        languages = self.training.get("languages")
        if languages is None:
            return
        if not isinstance(languages, dict) or set(languages) != set(self.labels):
            raise ValueError("training languages must be a table of the labels")
        for code, record in languages.items():
            read(LanguageRecord, record, f"training.languages.{code}")



def calibration_entry(temperature: float, held_out_lines: dict,
                       held_out_word_pairs: dict) -> dict:
    """The ``calibration`` metadata entry (see ``Calibration``)."""
    return {"temperature": temperature,
            "fitted_on": "even dev lines and a 1-3 word span of each",
            "held_out_lines": held_out_lines, "held_out_word_pairs": held_out_word_pairs}
