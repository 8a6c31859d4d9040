"""Language identification: hashed character n-grams -> small network -> language."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .budget import GroupTemplate
from .calibration import calibration_record, fit_temperature
from .config import shipped_file
from .errors import DataError
from .features import CharNgramFeaturizer, SparseGroup
from .fileio import read_utf8
from .model import TaskModel
from .network import FeedForwardNetwork, softmax
from .text import SCRIPTS
from .train import Progress, accuracy, fit

TASK = "langid"
UNDETERMINED = "und"
# Training label of gibberish: its target is a uniform distribution (train.py).
NONE_OF_THESE = -1
DEFAULT_MODEL = "langid.snlp"
_PREDICT_BATCH = 512  # texts featurized together: big enough to amortise numpy calls,
# small enough that the per-feature arrays stay in cache (measured: benchmarks/scaling.py)


class Prediction(NamedTuple):
    label: str
    probability: float


def read_lines(path: Path) -> list[str]:
    """Non-empty lines of a UTF-8 file; a bad byte is reported with its line."""
    text = read_utf8(path)
    return [line for line in (raw.strip() for raw in text.split("\n")) if line]


def read_labelled_dir(directory: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Texts and labels from ``<label>.txt`` files, one text per line."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such directory")
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise DataError(f"{directory}: no <label>.txt files")
    texts, labels = [], []
    for path in files:
        lines = read_lines(path)
        if not lines:
            raise DataError(f"{path}: file has no text lines")
        texts += lines
        labels += [path.stem] * len(lines)
    return texts, labels


def cut_spans(texts: Sequence[str], rng: np.random.Generator, min_words: int,
              max_words: int, min_letters: int = 0) -> list[str | None]:
    """One random span of ``min_words..max_words`` words from each text.

    Texts written without spaces (Chinese, Japanese) get a span of 2 to
    ``2 * max_words`` characters instead. ``None`` where no span qualifies.
    """
    spans: list[str | None] = []
    for text in texts:
        words = text.split()
        if len(words) == 1 and len(text) > 2 * max_words:
            size = int(rng.integers(2, 2 * max_words + 1))
            start = int(rng.integers(0, len(text) - size + 1))
            spans.append(text[start:start + size])
            continue
        if min_letters:
            words = [w for w in words if sum(c.isalpha() for c in w) >= min_letters]
        if len(words) < min_words:
            spans.append(None)
            continue
        size = int(rng.integers(min_words, min(max_words, len(words)) + 1))
        start = int(rng.integers(0, len(words) - size + 1))
        spans.append(" ".join(words[start:start + size]))
    return spans


def gibberish(texts: Sequence[str], rng: np.random.Generator, count: int) -> list[str]:
    """``count`` strings of 1-8 random "words" whose letters are drawn uniformly
    from the distinct letters of a random line of ``texts``: the line's script,
    none of its language's letter sequences."""
    out = []
    for line in rng.choice(len(texts), size=count) if count else []:
        letters = sorted({c for c in texts[line] if c.isalpha()})
        if not letters:
            continue
        words = [rng.choice(letters, size=int(rng.integers(1, 13)))
                 for _ in range(int(rng.integers(1, 9)))]
        out.append(" ".join("".join(w) for w in words))
    return out


def _templates(feature_config: dict) -> list[GroupTemplate]:
    templates = []
    for group in feature_config["groups"]:
        group = dict(group)
        if group.get("kind") == "script":
            group["fixed_buckets"] = len(SCRIPTS)
        templates.append(GroupTemplate(**group))
    return templates


class LanguageIdentifier(TaskModel):
    """Identify the language of text.

    Construct with training settings and ``fit``, or ``load`` a trained model.
    Text without letters gets ``Prediction('und', 0.0)``.
    """

    task = TASK
    default_config = "langid"
    extra_metadata_bytes = 600  # the calibration record
    excluded_: np.ndarray | None = None  # labels set_languages() rules out
    temperature_ = 1.0  # softmax temperature fitted on dev data (see _calibrate)

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            dev_texts: Sequence[str] | None = None, dev_labels: Sequence[str] | None = None,
            *, progress: Callable[[Progress], None] | None = None,
            data_licences: dict[str, str] | None = None,
            provenance: dict | None = None) -> LanguageIdentifier:
        label_names = sorted(set(labels))
        label_index = {name: i for i, name in enumerate(label_names)}
        config, options, rng, metadata = self._setup(
            label_names, {"data_licences": data_licences or {}}, provenance)
        augment = config.get("augment", {})
        metadata["training"]["augment"] = augment
        shape = self._plan(config, _templates(config["features"]), metadata)
        featurizer = CharNgramFeaturizer(shape.groups,
                                         max_chars=config["features"].get("max_chars", 20_000))

        train_texts, train_labels = list(texts), [label_index[x] for x in labels]
        for _ in range(augment.get("spans_per_line", 0)):
            spans = cut_spans(texts, rng, augment.get("min_words", 1),
                              augment.get("max_words", 4))
            for span, label in zip(spans, labels):
                if span is not None:
                    train_texts.append(span)
                    train_labels.append(label_index[label])
        noise = gibberish(texts, rng, augment.get("gibberish_lines", 0))
        train_texts += noise
        train_labels += [NONE_OF_THESE] * len(noise)
        groups = featurizer.transform(train_texts)
        y = np.array(train_labels, dtype=np.int64)
        keep = _has_features(groups)
        groups, y = [g.take(np.flatnonzero(keep)) for g in groups], y[keep]

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
        result = fit(network, groups, y, options, rng, progress=progress, dev=dev)
        self._finish(network, featurizer, metadata, result, dev, examples=int(len(y)))
        if dev_texts is not None:
            self._calibrate(dev_texts, [label_index[x] for x in dev_labels], rng)
        return self

    def _calibrate(self, texts: Sequence[str], gold: Sequence[int],
                   rng: np.random.Generator) -> None:
        """Fit the softmax temperature on the even dev lines and one 1-3 word
        span of each (users send short text too); report ECE on the odd lines
        and on two-word spans of them, which the fit never saw."""
        def logits_of(texts: Sequence[str], gold: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
            pairs = [(t, y) for t, y in zip(texts, gold) if t is not None]
            logits, keep = self._logits([t for t, _ in pairs], self.network_)
            return logits[keep], np.array([y for _, y in pairs], dtype=np.int64)[keep]

        fit_texts, fit_gold = list(texts[0::2]), list(gold[0::2])
        spans = cut_spans(fit_texts, rng, 1, 3)
        # Rounded as stored, so a saved and reloaded model answers the same.
        temperature = round(fit_temperature(*logits_of(fit_texts + spans, fit_gold * 2)), 5)
        held_texts, held_gold = texts[1::2], gold[1::2]
        pairs = cut_spans(held_texts, rng, 2, 2)
        self.temperature_ = temperature
        self.metadata_["calibration"] = {
            "temperature": temperature,
            "fitted_on": "even dev lines and a 1-3 word span of each",
            "held_out_lines": calibration_record(*logits_of(held_texts, held_gold),
                                                 temperature),
            "held_out_word_pairs": calibration_record(*logits_of(pairs, held_gold),
                                                      temperature)}

    def _set_state(self, network: FeedForwardNetwork, featurizer, labels: list[str],
                   metadata: dict) -> None:
        super()._set_state(network, featurizer, labels, metadata)
        temperature = float(metadata.get("calibration", {}).get("temperature", 1.0))
        if not 0 < temperature < float("inf"):
            raise ValueError(f"calibration temperature {temperature} is not positive")
        self.temperature_ = temperature

    def _describe_features(self, featurizer: CharNgramFeaturizer) -> dict:
        return {**super()._describe_features(featurizer), "max_chars": featurizer.max_chars}

    # -- prediction -----------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str], network: FeedForwardNetwork | None = None
                      ) -> np.ndarray:
        """``(len(texts), len(labels))`` probabilities; all-zero rows for texts
        without letters."""
        self._require_fitted()
        if isinstance(texts, (str, bytes)):
            raise TypeError("predict_proba and predict_batch take a list of str; "
                            "use predict() for one text")
        network = network or self.network_
        out = np.zeros((len(texts), len(self.labels_)), dtype=np.float32)
        excluded = self.excluded_
        for start in range(0, len(texts), _PREDICT_BATCH):
            chunk = texts[start:start + _PREDICT_BATCH]
            logits, has_letters = self._logits(chunk, network)
            logits /= self.temperature_
            if excluded is not None:
                logits[:, excluded] = -np.inf
            probs = softmax(logits)
            probs[~has_letters] = 0.0
            out[start:start + len(chunk)] = probs
        return out

    def _logits(self, texts: Sequence[str], network: FeedForwardNetwork
                ) -> tuple[np.ndarray, np.ndarray]:
        """Logits before the temperature, and which texts have letters at all."""
        groups = self.featurizer_.transform(texts, merge_repeats=False)
        return network.exact_logits(groups), _has_features(groups)

    def predict_batch(self, texts: Sequence[str]) -> list[Prediction]:
        probs = self.predict_proba(texts)
        best = probs.argmax(axis=1)
        top = probs[np.arange(len(best)), best].tolist()
        return [Prediction(self.labels_[b], p) if p > 0 else Prediction(UNDETERMINED, 0.0)
                for b, p in zip(best.tolist(), top)]

    def predict(self, text: str) -> Prediction:
        return self.predict_batch([text])[0]

    def top_k(self, text: str, k: int = 3) -> list[Prediction]:
        probs = self.predict_proba([text])[0]
        if not probs.any():
            return [Prediction(UNDETERMINED, 0.0)]
        best = np.argsort(-probs, kind="stable")[:k]
        return [Prediction(self.labels_[i], float(probs[i])) for i in best]

    # -- persistence ----------------------------------------------------------------
    def set_languages(self, languages: Sequence[str] | None) -> LanguageIdentifier:
        """Only ever answer one of ``languages`` (probabilities renormalised over
        them, as langid.py's ``set_languages``); ``None`` lifts the restriction."""
        self._require_fitted()
        if languages is None:
            self.excluded_ = None
            return self
        unknown = sorted(set(languages) - set(self.labels_))
        if unknown or not languages:
            raise ValueError(f"unknown language code(s) {', '.join(unknown)}; this model "
                             f"knows {' '.join(self.labels_)}" if unknown
                             else "languages must name at least one language")
        self.excluded_ = np.array([label not in set(languages) for label in self.labels_])
        return self

    @classmethod
    def load(cls, path: str | os.PathLike | None = None,
             languages: Sequence[str] | None = None) -> LanguageIdentifier:
        """Load a model file; without ``path``, the shipped model. ``languages``
        restricts the answers to those codes (see ``set_languages``)."""
        path = Path(path) if path is not None else shipped_file("models", DEFAULT_MODEL)
        model = cls._from_file(path, lambda groups, metadata, arrays: CharNgramFeaturizer(
            groups, int(metadata["features"]["max_chars"])))
        return model.set_languages(languages)


def _has_features(groups: Sequence[SparseGroup]) -> np.ndarray:
    """Rows with at least one feature in some group (i.e. text with letters)."""
    total = groups[0].indptr.copy()
    for group in groups[1:]:
        total += group.indptr
    return total[1:] > total[:-1]


def file_digest(paths: Sequence[Path]) -> str:
    """SHA-256 over the given files, for training provenance."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_licences(path: str | os.PathLike) -> dict[str, str]:
    """``label -> licence`` from a TSV with ``code`` and ``license`` columns
    (the layout of ``langid/SOURCES.tsv``)."""
    path = Path(path)
    # Keep real line numbers for errors, and trailing empty fields (no strip).
    rows = [(number, line.rstrip("\r\n")) for number, line
            in enumerate(read_utf8(path).split("\n"), start=1) if line.strip()]
    header = rows[0][1].split("\t") if rows else []
    if "code" not in header or "license" not in header:
        raise DataError(f"{path}:1: expected a header with 'code' and 'license' columns")
    code, licence = header.index("code"), header.index("license")
    licences = {}
    for number, row in rows[1:]:
        fields = row.split("\t")
        if len(fields) != len(header):
            raise DataError(f"{path}:{number}: expected {len(header)} tab-separated fields")
        licences[fields[code]] = fields[licence]
    return licences
