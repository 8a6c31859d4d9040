"""Language identification: hashed character n-grams -> small network -> language."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .augment import AugmentedLines, cut_spans
from .backends import CLangid, check_backend
from .budget import MIN_BUCKETS
from .calibration import (
    calibration_record,
    expected_calibration_error,
    filled_calibration_record,
    fit_temperature,
)
from .config import shipped_file, shipped_model
from .datasets import check_label_names, check_labelled
from .errors import DataError
from .evaluation import Report, evaluate
from .features import KindContext, TextFeaturizer
from .fileformat import WIDEST_FLOAT, WIDEST_INT
from .identification import PREDICT_BATCH, NumpyLangid, text_logits
from .langid_records import (
    TASK,
    LangidConfig,
    LangidMetadata,
    calibration_entry,
    language_records,
)
from .model import TaskModel
from .network import FeedForwardNetwork
from .spans import SWITCH_COST
from .text import letters_only
from .train import Progress, accuracy, fit

UNDETERMINED = "und"
_new_tuple = tuple.__new__  # Span._make's way to make a Span, without its checks
DEFAULT_MODEL = "langid.snlp"


class Prediction(NamedTuple):
    label: str
    probability: float


class Span(NamedTuple):
    """A run of one language: ``text[start:end]``, its label and probability."""

    start: int
    end: int
    label: str
    probability: float


class LanguageShare(NamedTuple):
    """A language and the fraction of a text's letters its spans hold."""

    label: str
    share: float


class LanguageInfo(NamedTuple):
    """What a model file records of one of its languages (None or empty where
    it does not: files from older versions, data without a SOURCES.tsv)."""

    code: str
    name: str | None  # English name, from the data's SOURCES.tsv
    scripts: tuple[str, ...]  # the scripts of at least a tenth of its training letters
    training_lines: int | None
    licence: str | None  # of its training text


class LanguageIdentifier(TaskModel):
    """Identify the language of text.

    Construct with training settings and ``fit``, or ``load`` a trained model.
    Text without letters gets ``Prediction('und', 0.0)``.
    """

    task = TASK
    default_config = "langid"
    config_schema = LangidConfig
    metadata_schema = LangidMetadata
    allowed_: np.ndarray | None = None  # a flag per label set_languages() leaves; None: all
    read_chars_: int | None = None  # set_max_chars(): fewer characters than the model reads
    temperature_ = 1.0  # softmax temperature fitted on dev data (see _calibrate)

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            dev_texts: Sequence[str] | None = None, dev_labels: Sequence[str] | None = None,
            *, progress: Callable[[Progress], None] | None = None,
            data_licences: dict[str, str] | None = None,
            provenance: dict | None = None,
            language_names: dict[str, str] | None = None,
            teacher: LanguageIdentifier | None = None) -> LanguageIdentifier:
        """Train on ``texts`` and their ``labels``; with dev data, stop early on
        its accuracy and fit the confidence calibration on it. ``data_licences``
        (label -> licence), ``provenance`` and ``language_names`` (label ->
        English name) are recorded in the model, with each label's training
        lines and scripts (``language_info``). With a ``teacher`` (a fitted
        identifier that knows every label, often a bigger one), each
        example's target mixes its label with the teacher's probabilities
        (``teacher_weight`` of ``[training]``): a small model learns more from
        how sure a big one is, on short spans above all, than from labels
        alone. The teacher's data licences join the model's."""
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
        teacher_probabilities = None
        if teacher is not None:
            teacher_probabilities = _teacher_columns(teacher, label_names)
            metadata["training"]["teacher"] = _teacher_record(teacher)
            for key, value in teacher.metadata_.get("data_licences", {}).items():
                metadata["data_licences"].setdefault(key, value)
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
                                  featurizer, rng, teacher_probabilities,
                                  options.teacher_weight)
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
            logits, keep = text_logits([t for t, _ in pairs], self.network_, self.featurizer_)
            return logits[keep], np.array([y for _, y in pairs], dtype=np.int64)[keep]

        fit_texts, fit_gold = list(texts[0::2]), list(gold[0::2])
        spans = cut_spans(fit_texts, rng, 1, 3)
        # Rounded as stored, so a saved and reloaded model answers the same.
        temperature = round(fit_temperature(*logits_of(fit_texts + spans, fit_gold * 2)), 5)
        held_texts, held_gold = texts[1::2], gold[1::2]
        pairs = cut_spans(held_texts, rng, 2, 2)
        self.temperature_ = temperature
        self.metadata_["calibration"] = calibration_entry(
            temperature, calibration_record(*logits_of(held_texts, held_gold), temperature),
            calibration_record(*logits_of(pairs, held_gold), temperature))

    def _widest_task_metadata(self, config) -> dict:
        widest = filled_calibration_record(WIDEST_INT, WIDEST_FLOAT)
        return {"features": {"max_chars": WIDEST_INT},
                "calibration": calibration_entry(WIDEST_FLOAT, widest, widest)}

    def _set_state(self, networks: list[FeedForwardNetwork], featurizer, labels: list[str],
                   metadata: dict) -> None:
        self.temperature_ = float((metadata.get("calibration") or {}).get("temperature", 1.0))
        super()._set_state(networks, featurizer, labels, metadata)

    def _numpy_predictor(self) -> NumpyLangid:
        return NumpyLangid(self.network_, self.featurizer_, self.temperature_,
                           self._answer_names(), Prediction)

    def _c_predictor(self, c_model) -> CLangid:
        return CLangid(c_model, self._answer_names(), Prediction)

    def _answer_names(self) -> tuple[str, ...]:
        """What a predictor's answers are named: each label, then 'und'."""
        return (*self.labels_, UNDETERMINED)

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
        allowed = self.allowed_
        for start in range(0, len(texts), PREDICT_BATCH):
            chunk = texts[start:start + PREDICT_BATCH]
            out[start:start + len(chunk)] = self.predictor_.proba(chunk, allowed)
        return out

    def _check_texts(self, texts: Sequence[str]) -> list[str]:
        """The texts as a list, iterated once: every count after this is of
        what was taken (a sequence's len() may lie, or change as it is read)."""
        self._require_fitted()
        if isinstance(texts, (str, bytes)):
            raise TypeError("predict_proba and predict_batch take a list of str; "
                            "use predict() for one text")
        limit = self.read_chars_
        if limit is None:
            return list(texts)
        # The first `limit` characters are all either backend reads of a longer text.
        return [t[:limit] if isinstance(t, str) and len(t) > limit else t for t in texts]

    def top_k_batch(self, texts: Sequence[str], k: int = 3, threshold: float = 0.0
                    ) -> list[list[Prediction]]:
        """The ``k`` most likely labels of each text, best first. A text without
        letters gets ``[Prediction('und', 0.0)]``; one whose best probability
        is below ``threshold`` gets ``[Prediction('und', that probability)]``."""
        _check_k(k)
        _check_threshold(threshold)
        texts = self._check_texts(texts)
        return [self._answers(pairs, threshold) for chunk in _chunks(texts)
                for pairs in self.predictor_.top_k(chunk, int(k), self.allowed_)]

    def _answers(self, pairs: list[tuple[int, float]], threshold: float) -> list[Prediction]:
        """A text's ranked (label index, probability) pairs as predictions."""
        if not pairs or pairs[0][1] < threshold:
            return [Prediction(UNDETERMINED, pairs[0][1] if pairs else 0.0)]
        return [Prediction(self.labels_[i], p) for i, p in pairs]

    def top_k(self, text: str, k: int = 3, threshold: float = 0.0) -> list[Prediction]:
        """The ``k`` most likely languages of ``text``, best first (``'und'``
        as in ``top_k_batch``)."""
        return self.top_k_batch([text], k, threshold)[0]

    def score(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Accuracy of ``predict_batch`` on ``texts`` against ``labels``."""
        return self.evaluate(texts, labels).accuracy

    def evaluate(self, texts: Sequence[str], labels: Sequence[str], *,
                 span_words: int | None = None, min_letters: int = 0, seed: int = 0
                 ) -> Report:
        """Accuracy, macro-F1, per-label precision and recall, confusions, and
        the expected calibration error (``extra``) of ``predict_batch``.

        With ``span_words``, each text is replaced by one random span of that
        many words (of at least ``min_letters`` letters; ``seed`` draws them):
        short input is where language ID is hard. Texts written without
        spaces (Chinese, Japanese) and texts with too few such words are
        left out; ``extra["texts"]`` counts those scored."""
        texts, labels = self._check_texts(texts), list(labels)
        check_labelled(texts, labels, "evaluate")
        if span_words:
            spans = cut_spans(texts, np.random.default_rng(seed), span_words, span_words,
                              min_letters=min_letters)
            kept = [(span, label) for span, label, text in zip(spans, labels, texts)
                    if span is not None and len(text.split()) > 1]
            texts, labels = [span for span, _ in kept], [label for _, label in kept]
        predictions = self.predict_batch(texts)
        report = evaluate([str(y) for y in labels], [p.label for p in predictions])
        report.extra["expected_calibration_error"] = expected_calibration_error(
            np.array([p.probability for p in predictions]),
            np.array([p.label == y for p, y in zip(predictions, labels)]))
        report.extra["texts"] = len(texts)
        return report

    def predict_batch(self, texts: Sequence[str], threshold: float = 0.0) -> list[Prediction]:
        """The most likely language of each text, vectorised; ``'und'`` (with
        probability 0) for text without letters, and (with the best
        probability) below ``threshold``."""
        _check_threshold(threshold)
        texts = self._check_texts(texts)
        answers: list[Prediction] = []
        for chunk in _chunks(texts):  # extended in C: no Python step per text
            answers += self.predictor_.answers(chunk, self.allowed_, threshold)
        return answers

    def predict(self, text: str, threshold: float = 0.0) -> Prediction:
        """The most likely language of ``text`` and its calibrated probability;
        ``'und'`` as in ``predict_batch``."""
        # predict_batch([text]) spent more time in Python than the C runtime
        # spends on a sentence; this is its path for one text, each check
        # called only when its quick test fails (a call costs a hundredth of
        # a short text's time).
        if threshold.__class__ is not float or not 0.0 <= threshold <= 1.0:
            _check_threshold(threshold)
        predictor = self.predictor_
        if predictor is None:
            self._require_fitted()
        if self.read_chars_ is not None and isinstance(text, str):
            text = text[:self.read_chars_]
        return predictor.answer(text, self.allowed_, threshold)

    # -- mixed-language text ----------------------------------------------------------
    def spans(self, text: str, threshold: float = 0.0) -> list[Span]:
        """The runs of one language in ``text``, in order, covering it whole:
        ``text[span.start:span.end]`` is a span's text (offsets count Python
        characters). A span starts at its first word (the first span at 0),
        so spaces and punctuation between two spans end the earlier one.
        Neighbours never share a label. A span is labelled as ``predict``
        labels its text, among ``set_languages``' subset and with
        ``threshold`` ('und' below it); text without letters is one 'und'
        span. Each word is scored on its own, and a switch of language must
        pay for itself (``smallnlp/spans.py``): one odd word stays in its
        sentence's span, a run of several words of another language opens
        its own."""
        # One text without spans_batch's lists: 4% of a short text's time.
        _check_threshold(threshold)
        self._require_fitted()
        return self._named_spans(self._backend_spans((_checked_text(text),), threshold)[0])

    def spans_batch(self, texts: Sequence[str], threshold: float = 0.0) -> list[list[Span]]:
        """``spans`` of each text."""
        _check_threshold(threshold)
        self._require_fitted()
        texts = _span_texts(texts)
        return [self._named_spans(spans) for chunk in _chunks(texts)
                for spans in self._backend_spans(chunk, threshold)]

    def _backend_spans(self, texts: Sequence[str], threshold: float
                       ) -> list[list[tuple[int, int, int, float]]]:
        return self.predictor_.spans(texts, self.allowed_, float(threshold), SWITCH_COST,
                                     self.read_chars_)

    def _named_spans(self, spans: list[tuple[int, int, int, float]]) -> list[Span]:
        """A backend's spans with their labels' names (the label count: 'und'),
        made as Span._make makes them: Span(...) checks its arguments in
        Python, a µs of a short text's 40."""
        labels = self.labels_
        undetermined = len(labels)
        return [_new_tuple(Span, (a, b, labels[label] if label != undetermined else
                                  UNDETERMINED, p)) for a, b, label, p in spans]

    def language_shares(self, text: str, k: int = 3, threshold: float = 0.0
                        ) -> list[LanguageShare]:
        """The ``k`` languages whose ``spans`` (with ``threshold``) hold most of
        ``text``'s letters, with the fraction they hold (as CLD3's
        FindTopNMostFreqLangs gives of bytes), largest first; they sum to at
        most 1 ('und' spans count in the whole but are not listed). [] for
        text without letters."""
        return self.language_shares_batch([text], k, threshold)[0]

    def language_shares_batch(self, texts: Sequence[str], k: int = 3, threshold: float = 0.0
                              ) -> list[list[LanguageShare]]:
        """``language_shares`` of each text."""
        _check_k(k)
        texts = _span_texts(texts)
        out = []
        for text, spans in zip(texts, self.spans_batch(texts, threshold)):
            letters: dict[str, int] = {}
            for span in spans:
                count = len(letters_only(text[span.start:span.end]).replace(" ", ""))
                letters[span.label] = letters.get(span.label, 0) + count
            total = sum(letters.values())
            ranked = sorted((-count, label) for label, count in letters.items()
                            if label != UNDETERMINED and count)
            out.append([LanguageShare(label, -count / total) for count, label in ranked[:k]])
        return out

    @property
    def max_chars(self) -> int:
        """How many characters of a text are read: the model's ``max_chars``
        (from its config), or fewer after ``set_max_chars``."""
        self._require_fitted()
        return self.read_chars_ or self.featurizer_.max_chars

    def set_max_chars(self, max_chars: int | None) -> LanguageIdentifier:
        """Read only the first ``max_chars`` characters of each text (as CLD3's
        max bytes): time stops growing with a text's length where accuracy
        no longer does. ``None``: as many as the model reads."""
        self._require_fitted()
        if max_chars is not None:
            if isinstance(max_chars, bool) or not isinstance(max_chars, (int, np.integer)):
                raise TypeError(f"max_chars must be an integer, not {type(max_chars).__name__}")
            if max_chars < 1:
                raise ValueError(f"max_chars must be at least 1, not {max_chars}")
            if max_chars >= self.featurizer_.max_chars:
                max_chars = None  # the model reads no more than that anyway
        self.read_chars_ = None if max_chars is None else int(max_chars)
        return self

    # -- persistence ----------------------------------------------------------------
    def _settings(self) -> dict:
        return {"languages": None if self.allowed_ is None else self.languages,
                "max_chars": self.read_chars_}

    def _apply_settings(self, settings: dict) -> None:
        self.set_languages(settings["languages"])
        self.set_max_chars(settings.get("max_chars"))

    @property
    def languages(self) -> list[str]:
        """The labels this identifier answers: those of ``set_languages`` (or
        ``load(languages=...)``), else every label. ``labels`` stays every
        label the model knows, in the order of ``predict_proba``'s columns."""
        self._require_fitted()
        if self.allowed_ is None:
            return list(self.labels_)
        return [label for label, keep in zip(self.labels_, self.allowed_) if keep]

    def language_info(self) -> list[LanguageInfo]:
        """Every label the model knows, with what its file records of it: the
        English name, scripts, training lines and licence of its text."""
        self._require_fitted()
        metadata = self.metadata_  # a loaded model parses it on each access
        records = metadata["training"].get("languages") or {}
        licences = metadata.get("data_licences", {})
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
            self.allowed_ = None
            return self
        if isinstance(languages, str):  # "de,en", as the command line takes them
            languages = languages.split(",")
        languages = [code.strip() for code in languages]
        unknown = sorted(set(languages) - set(self.labels_))
        if unknown or not languages:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}; this model "
                             f"knows {' '.join(self.labels_)}" if unknown
                             else "languages must name at least one language")
        self.allowed_ = np.array([label in set(languages) for label in self.labels_])
        return self

    @classmethod
    def load(cls, path: str | os.PathLike | None = None,
             languages: Sequence[str] | None = None, *, backend: str = "auto",
             max_chars: int | None = None) -> LanguageIdentifier:
        """Load a model file; without ``path``, the shipped model, and a shipped
        model by name (``langid``) too. ``languages``
        restricts the answers to those codes (see ``set_languages``),
        ``max_chars`` the characters read of each text (``set_max_chars``).

        ``backend``: ``"c"`` predicts with the C runtime (an error if it cannot:
        not built, or a file it cannot reproduce), ``"numpy"`` with numpy,
        ``"auto"`` (default) with C when it can. Both give the same labels and
        probabilities within 1e-4 (8-bit dense layers: within 1e-2, as an input
        can round to another code; README, "In your app"); ``.backend`` says
        which one is in use."""
        check_backend(backend)
        path = Path(path) if path is not None else shipped_file("models", DEFAULT_MODEL)
        if not path.exists():
            path = shipped_model(path) or path
        model = cls._from_file(path).set_languages(languages).set_max_chars(max_chars)
        model._use_backend(backend, path)
        return model


def _check_k(k: int) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"k must be an integer, not {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def _span_texts(texts: Sequence[str]) -> list[str]:
    """The texts of a spans batch as a list, each checked to be a str."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("the batch forms take a list of str; spans() and language_shares() "
                        "take one text")
    return [_checked_text(text) for text in texts]


def _checked_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text


def _chunks(texts: list[str]) -> Iterator[list[str]]:
    """The texts PREDICT_BATCH at a time, as the backends take them."""
    return (texts[start:start + PREDICT_BATCH] for start in range(0, len(texts), PREDICT_BATCH))


def _check_threshold(threshold: float) -> None:
    if threshold.__class__ is float and 0.0 <= threshold <= 1.0:  # the usual case, at once
        return
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)):
        raise TypeError(f"threshold must be a number, not {type(threshold).__name__}")
    if not 0 <= threshold <= 1:  # NaN included
        raise ValueError(f"threshold must be a probability in 0..1, not {threshold}")


def _teacher_columns(teacher: LanguageIdentifier, labels: list[str]
                     ) -> Callable[[list[str]], np.ndarray]:
    """Texts -> the teacher's probabilities, a column per label of ``labels``
    (in that order); a DataError if the teacher lacks one of them."""
    teacher._require_fitted()
    known = {label: i for i, label in enumerate(teacher.labels_)}
    missing = [label for label in labels if label not in known]
    if missing:
        raise DataError(f"the teacher does not know {', '.join(missing)}: it must know every "
                        "language of the training data")
    columns = np.array([known[label] for label in labels])
    return lambda texts: teacher.predict_proba(texts)[:, columns]


def _teacher_record(teacher: LanguageIdentifier) -> dict:
    """What a student's training record says of its teacher."""
    training = teacher.metadata_.get("training", {})
    return {"labels": len(teacher.labels_), "memory_budget": training.get("memory_budget"),
            "train": training.get("train"),
            "dev_accuracy_8bit": training.get("dev_accuracy_8bit")}
