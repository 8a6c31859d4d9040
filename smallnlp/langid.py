"""Language identification: hashed character n-grams -> small network -> language."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, NamedTuple

import numpy as np

from .augment import Augment, AugmentedLines, cut_spans
from .backends import CLangid, check_backend
from .budget import MIN_BUCKETS
from .calibration import (
    calibration_record,
    expected_calibration_error,
    filled_calibration_record,
    fit_temperature,
)
from .config import Features, shipped_file
from .datasets import check_label_names, check_labelled
from .errors import DataError
from .evaluation import Report, evaluate
from .features import TEXT, KindContext, TextFeaturizer, has_features
from .fileformat import WIDEST_FLOAT, WIDEST_INT, FeatureRecord, ModelMetadata
from .model import TaskConfig, TaskModel
from .network import FeedForwardNetwork, softmax
from .records import option, read
from .text import main_scripts
from .train import Progress, TrainOptions, accuracy, fit

TASK = "langid"
UNDETERMINED = "und"
DEFAULT_MODEL = "langid.snlp"
_PREDICT_BATCH = 512  # texts featurized together: big enough to amortise numpy calls,
# small enough that the per-feature arrays stay in cache (measured: benchmarks/scaling.py)


class Prediction(NamedTuple):
    label: str
    probability: float


class LanguageInfo(NamedTuple):
    """What a model file records of one of its languages (None or empty where
    it does not: files from older versions, data without a SOURCES.tsv)."""

    code: str
    name: str | None  # English name, from the data's SOURCES.tsv
    scripts: tuple[str, ...]  # the scripts of at least a tenth of its training letters
    training_lines: int | None
    licence: str | None  # of its training text


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
    task_input: ClassVar[str] = TEXT


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

    def validate(self) -> None:
        super().validate()
        languages = self.training.get("languages")
        if languages is None:
            return
        if not isinstance(languages, dict) or set(languages) != set(self.labels):
            raise ValueError("training languages must be a table of the labels")
        for code, record in languages.items():
            read(LanguageRecord, record, f"training.languages.{code}")


class LanguageIdentifier(TaskModel):
    """Identify the language of text.

    Construct with training settings and ``fit``, or ``load`` a trained model.
    Text without letters gets ``Prediction('und', 0.0)``.
    """

    task = TASK
    default_config = "langid"
    config_schema = LangidConfig
    metadata_schema = LangidMetadata
    excluded_: np.ndarray | None = None  # labels set_languages() rules out
    temperature_ = 1.0  # softmax temperature fitted on dev data (see _calibrate)

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            dev_texts: Sequence[str] | None = None, dev_labels: Sequence[str] | None = None,
            *, progress: Callable[[Progress], None] | None = None,
            data_licences: dict[str, str] | None = None,
            provenance: dict | None = None,
            language_names: dict[str, str] | None = None) -> LanguageIdentifier:
        """Train on ``texts`` and their ``labels``; with dev data, stop early on
        its accuracy and fit the confidence calibration on it. ``data_licences``
        (label -> licence), ``provenance`` and ``language_names`` (label ->
        English name) are recorded in the model, with each label's training
        lines and scripts (``language_info``)."""
        check_labelled(texts, labels, "training data")
        label_names = sorted(set(labels))
        check_label_names(label_names, "training data", reserved=[UNDETERMINED])
        if len(label_names) < 2:
            raise DataError(f"training data: one language ({label_names[0]!r}); a language "
                            "identifier needs at least two")
        if dev_texts is not None:
            check_labelled(dev_texts, dev_labels, "dev data")
        label_index = {name: i for i, name in enumerate(label_names)}
        config, options, rng, metadata = self._setup(label_names, data_licences or {},
                                                     provenance)
        augment = config.augment
        metadata["training"]["augment"] = dataclasses.asdict(augment)
        metadata["training"]["languages"] = language_records(texts, labels,
                                                             language_names or {})
        context = KindContext(len(label_names))
        self._refuse_too_small(config, metadata, context)  # before featurizing anything
        unsized = [t.sized(MIN_BUCKETS, config.features.dims) for t in config.features.groups]
        distinct = TextFeaturizer(unsized, config.features.max_chars).distinct_features(
            texts, progress and (lambda done, total: progress(Progress(
                0, done, total, 0.0, None, stage="counting features (lines)"))))
        shape = self._plan(config, metadata, context, distinct)
        featurizer = TextFeaturizer(shape.groups, max_chars=config.features.max_chars)

        examples = AugmentedLines(texts, np.array([label_index[x] for x in labels]), augment,
                                  featurizer, rng)
        dev = None
        if dev_texts is not None:
            unknown = sorted(set(dev_labels) - set(label_index))
            if unknown:
                raise DataError(f"dev labels not in training data: {', '.join(unknown)}")
            dev_groups = featurizer.transform(dev_texts)
            dev_y = np.array([label_index[x] for x in dev_labels], dtype=np.int64)

            def dev(net: FeedForwardNetwork) -> float:
                return accuracy(net, dev_groups, dev_y)

        network = FeedForwardNetwork.initialise(
            [(g.buckets, g.dims) for g in shape.groups], shape.hidden, len(label_names), rng)
        result = fit(network, examples, options, rng, progress=progress, dev=dev,
                     lazy_embeddings=options.lazy_embeddings)
        if options.line_prior:
            lines = np.log([metadata["training"]["languages"][x]["lines"] for x in label_names])
            network.output_bias += np.float32(options.line_prior) * (lines - lines.mean()
                                                                      ).astype(np.float32)
        self._finish([network], featurizer, metadata, [result], dev, len(examples))
        if dev_texts is not None:
            self._calibrate(dev_texts, [label_index[x] for x in dev_labels], rng)
            self.predictor_ = self._numpy_predictor()  # with the fitted temperature
        return self

    def _calibrate(self, texts: Sequence[str], gold: Sequence[int],
                   rng: np.random.Generator) -> None:
        """Fit the softmax temperature on the even dev lines and one 1-3 word
        span of each (users send short text too); report ECE on the odd lines
        and on two-word spans of them, which the fit never saw."""
        def logits_of(texts: Sequence[str], gold: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
            pairs = [(t, y) for t, y in zip(texts, gold) if t is not None]
            logits, keep = _logits([t for t, _ in pairs], self.network_, self.featurizer_)
            return logits[keep], np.array([y for _, y in pairs], dtype=np.int64)[keep]

        fit_texts, fit_gold = list(texts[0::2]), list(gold[0::2])
        spans = cut_spans(fit_texts, rng, 1, 3)
        # Rounded as stored, so a saved and reloaded model answers the same.
        temperature = round(fit_temperature(*logits_of(fit_texts + spans, fit_gold * 2)), 5)
        held_texts, held_gold = texts[1::2], gold[1::2]
        pairs = cut_spans(held_texts, rng, 2, 2)
        self.temperature_ = temperature
        self.metadata_["calibration"] = _calibration_entry(
            temperature, calibration_record(*logits_of(held_texts, held_gold), temperature),
            calibration_record(*logits_of(pairs, held_gold), temperature))

    def _widest_task_metadata(self, config) -> dict:
        widest = filled_calibration_record(WIDEST_INT, WIDEST_FLOAT)
        return {"features": {"max_chars": WIDEST_INT},
                "calibration": _calibration_entry(WIDEST_FLOAT, widest, widest)}

    def _set_state(self, networks: list[FeedForwardNetwork], featurizer, labels: list[str],
                   metadata: dict) -> None:
        self.temperature_ = float((metadata.get("calibration") or {}).get("temperature", 1.0))
        super()._set_state(networks, featurizer, labels, metadata)

    def _numpy_predictor(self) -> NumpyLangid:
        return NumpyLangid(self.network_, self.featurizer_, self.temperature_)

    def _c_predictor(self, c_model) -> CLangid:
        return CLangid(c_model, len(self.labels_))

    def _describe_features(self, featurizer: TextFeaturizer) -> dict:
        return {**super()._describe_features(featurizer), "max_chars": featurizer.max_chars}

    @classmethod
    def _featurizer_from(cls, record: LangidMetadata, arrays: dict) -> TextFeaturizer:
        return TextFeaturizer(record.features.groups, record.features.max_chars,
                              record.featurizer.version)

    # -- prediction -----------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(labels))`` probabilities; all-zero rows for texts
        without letters."""
        texts = self._check_texts(texts)
        out = np.zeros((len(texts), len(self.labels_)), dtype=np.float32)
        allowed = self._allowed()
        for start in range(0, len(texts), _PREDICT_BATCH):
            chunk = texts[start:start + _PREDICT_BATCH]
            out[start:start + len(chunk)] = self.predictor_.proba(chunk, allowed)
        return out

    def _check_texts(self, texts: Sequence[str]) -> list[str]:
        """The texts as a list, iterated once: every count after this is of
        what was taken (a sequence's len() may lie, or change as it is read)."""
        self._require_fitted()
        if isinstance(texts, (str, bytes)):
            raise TypeError("predict_proba and predict_batch take a list of str; "
                            "use predict() for one text")
        return list(texts)

    def _allowed(self) -> np.ndarray | None:
        """set_languages' subset as a flag per label, or None for all."""
        return None if self.excluded_ is None else ~self.excluded_

    def top_k_batch(self, texts: Sequence[str], k: int = 3, threshold: float = 0.0
                    ) -> list[list[Prediction]]:
        """The ``k`` most likely labels of each text, best first. A text without
        letters gets ``[Prediction('und', 0.0)]``; one whose best probability
        is below ``threshold`` gets ``[Prediction('und', that probability)]``."""
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise TypeError(f"k must be an integer, not {type(k).__name__}")
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        _check_threshold(threshold)
        texts, allowed = self._check_texts(texts), self._allowed()
        ranked = [pairs for start in range(0, len(texts), _PREDICT_BATCH)
                  for pairs in self.predictor_.top_k(texts[start:start + _PREDICT_BATCH],
                                                     int(k), allowed)]
        labels = self.labels_
        return [[Prediction(UNDETERMINED, pairs[0][1] if pairs else 0.0)]
                if not pairs or pairs[0][1] < threshold
                else [Prediction(labels[i], p) for i, p in pairs] for pairs in ranked]

    def top_k(self, text: str, k: int = 3, threshold: float = 0.0) -> list[Prediction]:
        """The ``k`` most likely languages of ``text``, best first (``'und'``
        as in ``top_k_batch``)."""
        return self.top_k_batch([text], k, threshold)[0]

    def score(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Accuracy of ``predict_batch`` on ``texts`` against ``labels``."""
        return self.evaluate(texts, labels).accuracy

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> Report:
        """Accuracy, macro-F1, per-label precision and recall, confusions, and
        the expected calibration error (``extra``) of ``predict_batch``."""
        texts, labels = self._check_texts(texts), list(labels)
        check_labelled(texts, labels, "evaluate")
        predictions = self.predict_batch(texts)
        report = evaluate([str(y) for y in labels], [p.label for p in predictions])
        report.extra["expected_calibration_error"] = expected_calibration_error(
            np.array([p.probability for p in predictions]),
            np.array([p.label == y for p, y in zip(predictions, labels)]))
        return report

    def predict_batch(self, texts: Sequence[str], threshold: float = 0.0) -> list[Prediction]:
        """The most likely language of each text, vectorised; ``'und'`` (with
        probability 0) for text without letters, and (with the best
        probability) below ``threshold``."""
        return [answers[0] for answers in self.top_k_batch(texts, 1, threshold)]

    def predict(self, text: str, threshold: float = 0.0) -> Prediction:
        """The most likely language of ``text`` and its calibrated probability;
        ``'und'`` as in ``predict_batch``."""
        return self.predict_batch([text], threshold)[0]

    # -- persistence ----------------------------------------------------------------
    def _settings(self) -> dict:
        return {"languages": None if self.excluded_ is None else self.languages}

    def _apply_settings(self, settings: dict) -> None:
        self.set_languages(settings["languages"])

    @property
    def languages(self) -> list[str]:
        """The labels this identifier answers: those of ``set_languages`` (or
        ``load(languages=...)``), else every label. ``labels`` stays every
        label the model knows, in the order of ``predict_proba``'s columns."""
        self._require_fitted()
        if self.excluded_ is None:
            return list(self.labels_)
        return [label for label, out in zip(self.labels_, self.excluded_) if not out]

    def language_info(self) -> list[LanguageInfo]:
        """Every label the model knows, with what its file records of it: the
        English name, scripts, training lines and licence of its text."""
        self._require_fitted()
        records = self.metadata_["training"].get("languages") or {}
        licences = self.metadata_.get("data_licences", {})
        out = []
        for code in self.labels_:
            record = records.get(code, {})
            out.append(LanguageInfo(code, record.get("name"), tuple(record.get("scripts", ())),
                                    record.get("lines"), licences.get(code)))
        return out

    def set_languages(self, languages: Sequence[str] | None) -> LanguageIdentifier:
        """Only ever answer one of ``languages`` (codes, or one string of
        comma-separated codes; probabilities renormalised over them, as
        langid.py's ``set_languages``); ``None`` lifts the restriction."""
        self._require_fitted()
        if languages is None:
            self.excluded_ = None
            return self
        if isinstance(languages, str):  # "de,en", as the command line takes them
            languages = languages.split(",")
        languages = [code.strip() for code in languages]
        unknown = sorted(set(languages) - set(self.labels_))
        if unknown or not languages:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}; this model "
                             f"knows {' '.join(self.labels_)}" if unknown
                             else "languages must name at least one language")
        self.excluded_ = np.array([label not in set(languages) for label in self.labels_])
        return self

    @classmethod
    def load(cls, path: str | os.PathLike | None = None,
             languages: Sequence[str] | None = None, *, backend: str = "auto"
             ) -> LanguageIdentifier:
        """Load a model file; without ``path``, the shipped model. ``languages``
        restricts the answers to those codes (see ``set_languages``).

        ``backend``: ``"c"`` predicts with the C runtime (an error if it cannot:
        not built, or a file it cannot reproduce), ``"numpy"`` with numpy,
        ``"auto"`` (default) with C when it can. Both give the same labels and
        probabilities within 1e-4; ``.backend`` says which one is in use."""
        check_backend(backend)
        path = Path(path) if path is not None else shipped_file("models", DEFAULT_MODEL)
        model = cls._from_file(path).set_languages(languages)
        model._use_backend(backend, path)
        return model


def _logits(texts: Sequence[str], network: FeedForwardNetwork, featurizer: TextFeaturizer
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
        logits, has_letters = _logits(texts, self._network, self._featurizer)
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


def _check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
        raise TypeError(f"threshold must be a number, not {type(threshold).__name__}")
    if not 0 <= threshold <= 1:  # NaN included
        raise ValueError(f"threshold must be a probability in 0..1, not {threshold}")


def _calibration_entry(temperature: float, held_out_lines: dict,
                       held_out_word_pairs: dict) -> dict:
    """The ``calibration`` metadata entry (see ``Calibration``)."""
    return {"temperature": temperature,
            "fitted_on": "even dev lines and a 1-3 word span of each",
            "held_out_lines": held_out_lines, "held_out_word_pairs": held_out_word_pairs}
