"""Part-of-speech tagging (UPOS) with the same engine, after Botha et al. (2017):
hashed window words, focus-word character n-grams, prefixes, suffixes, word
shape and the two previously predicted tags; two decoding passes (``TagDecoder``, tagging.py)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from .backends import CTagger, check_backend
from .budget import MIN_BUCKETS, known_word_bits, members_for
from .config import shipped_file
from .datasets import check_label_names, check_labelled
from .errors import ConfigError, DataError, ModelFileError
from .evaluation import Report, evaluate
from .features import FEATURIZER_VERSION, KindContext, SparseGroup, TokenFeaturizer, one_per_row
from .features.kinds import needs_tag_dictionary
from .fileformat import MAX_MEMBERS, WIDEST_INT
from .lexicon import Lexicon, bytes_for
from .model import TaskModel
from .network import FeedForwardNetwork
from .pos_records import TAG_DICTIONARY_ARRAYS, TASK, PosConfig, PosMetadata, Tagging
from .tag_dictionary import BYTES_PER_WORD, TagDictionary, held_out_masks
from .tagging import (
    DECODE_BATCH,
    TagDecoder,
    check_sentences,
    tag_groups,
)
from .train import ArrayExamples, Auxiliary, Progress, TrainResult, fit

# Language codes of the treebanks' languages, for PosTagger.load("en").
LANGUAGE_CODES = {
    "Arabic": "ar", "Chinese": "zh", "Czech": "cs", "Dutch": "nl", "English": "en",
    "Finnish": "fi", "French": "fr", "German": "de", "Hebrew": "he", "Hindi": "hi",
    "Indonesian": "id", "Italian": "it", "Japanese": "ja", "Korean": "ko", "Polish": "pl",
    "Portuguese": "pt", "Russian": "ru", "Spanish": "es", "Turkish": "tr", "Vietnamese": "vi",
}

# The built-in tokenizer: words (with inner hyphens/apostrophes) or single symbols.
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split text into words and punctuation. Limits: no clitic splitting
    (``don't`` stays one token, UD English has ``do n't``), no segmentation of
    scripts written without spaces (Chinese, Japanese, Thai)."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return _TOKEN.findall(text)


def model_path_for(name: str) -> Path:
    """A shipped model by language code (``en``) or treebank (``English-EWT``)."""
    language = name.split("-")[0]
    code = LANGUAGE_CODES.get(language, name)
    path = shipped_file("models", f"pos-{code}.snlp")
    if not path.exists():
        shipped = sorted(p.stem[4:] for p in path.parent.glob("pos-*.snlp"))
        raise ModelFileError(f"no shipped POS model for {name!r} and no such file; shipped "
                             f"models: {', '.join(shipped)}")
    return path


def _check_tagged(sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
                  what: str) -> tuple[list[list[str]], list[list[str]]]:
    """The sentences and their tags as lists (``check_sentences``); DataError
    unless every sentence has one tag per token, and some tokens."""
    sentences, tags = check_sentences(sentences), check_sentences(tags)
    check_labelled(sentences, tags, what)
    for number, (tokens, sentence_tags) in enumerate(zip(sentences, tags), start=1):
        if len(tokens) != len(sentence_tags):
            raise DataError(f"{what}: sentence {number} has {len(tokens)} tokens but "
                            f"{len(sentence_tags)} tags")
    if not any(sentences):
        raise DataError(f"{what}: no tokens")
    return sentences, tags


def _tagging_record(tagging: Tagging) -> dict:
    """The [tagging] options as a model file records them: the options added
    later only when set, so that a file without them keeps the metadata (and
    so the bucket plan) it had before they existed."""
    record = dataclasses.asdict(tagging)
    for later in ("tag_dictionary_cased", "xpos_weight"):  # options added since
        if not record[later]:
            del record[later]
    return record


def _xpos_labels(xpos: Sequence[Sequence[str]] | None, labelled: Sequence[Sequence[str]],
                 tokens: int, tagging: Tagging) -> tuple[np.ndarray, Auxiliary] | None:
    """Each training token's label for the XPOS layer (its XPOS cut at the last
    "+"; -1 for "_" and for silver sentences) and that layer, when
    ``xpos_weight`` asks for one."""
    if not tagging.xpos_weight:
        return None
    if xpos is None:
        raise DataError("[tagging] xpos_weight needs the XPOS of every labelled training token")
    xpos = _check_tagged(labelled, xpos, "XPOS of the training data")[1]
    cut = [x.rsplit("+", 1)[-1] for sentence in xpos for x in sentence]
    values = sorted(set(cut) - {"_"})
    if not values:
        raise DataError("[tagging] xpos_weight: the training data has no XPOS (all '_')")
    index = {x: i for i, x in enumerate(values)}
    labels = np.full(tokens, -1, dtype=np.int64)
    labels[:len(cut)] = [index.get(x, -1) for x in cut]
    return labels, Auxiliary(len(values), tagging.xpos_weight)


def _keeps_dictionary(config: PosConfig) -> bool:
    """Whether the model keeps a tag dictionary: for decoding, or for its
    tag_class groups."""
    return config.tagging.tag_dictionary or needs_tag_dictionary(config.features.groups)


def _known_word_bytes(config: PosConfig, budget: int) -> int:
    """The known-word bitmap's bytes under ``budget`` (the planner's share)."""
    return known_word_bits(budget, config.features.known_word_bits) // 8


class PosTagger(TaskModel):
    """Tag tokens with universal POS tags; ``fit`` or ``load`` first.

    ``lexicon``: the folder of the word-lexicon source (spacy-lookups-data's
    ``data``), read by ``fit`` when the config's ``lexicon_words`` is set.
    ``members``: how many networks the model averages (overrides the config's
    ``members``; 0 or None there: the budget decides, ``budget.members_for``).
    ``tag_dictionary``: keep each training word's tags and decode a seen word
    only to one of them (overrides the config's ``[tagging] tag_dictionary``);
    ``"cased"``: key the words as written, not lowercased."""

    task = TASK
    MAX_MEMBERS: ClassVar[int] = MAX_MEMBERS  # networks a file may hold (docs/FORMAT.md)
    default_config = "pos"
    config_schema = PosConfig
    metadata_schema = PosMetadata
    count_key = "tokens"

    def __init__(self, memory_budget: str | int | None = None,
                 config: str | os.PathLike | dict | None = None, epochs: int | None = None,
                 seed: int = 0, lexicon: str | os.PathLike | None = None,
                 members: int | None = None, tag_dictionary: bool | str | None = None,
                 hidden: int | None = None):
        super().__init__(memory_budget, config, epochs, seed, hidden)
        self.lexicon = lexicon
        self.members = members
        self.tag_dictionary = tag_dictionary
        self._dictionary_words = 0  # the planner's count while fit plans

    def _tagging(self, tagging: Tagging) -> Tagging:
        """The config's [tagging] with ``tag_dictionary`` applied."""
        if self.tag_dictionary is None:
            return tagging
        if self.tag_dictionary not in (True, False, "cased"):
            raise ConfigError(f"tag_dictionary must be True, False, 'cased' or None, not "
                              f"{self.tag_dictionary!r}")
        cased = self.tag_dictionary == "cased" or (
            self.tag_dictionary is True and tagging.tag_dictionary_cased)
        return dataclasses.replace(tagging, tag_dictionary=bool(self.tag_dictionary),
                                   tag_dictionary_cased=cased)

    # -- training -------------------------------------------------------------------
    def fit(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
            dev_sentences: Sequence[Sequence[str]] | None = None,
            dev_tags: Sequence[Sequence[str]] | None = None, *,
            progress: Callable[[Progress], None] | None = None,
            data_licences: dict[str, str] | None = None,
            provenance: dict | None = None, labelled: int | None = None,
            xpos: Sequence[Sequence[str]] | None = None) -> PosTagger:
        """Train on token lists and their tags; with dev data, stop early on its
        accuracy. ``data_licences`` (source -> licence) and ``provenance`` are
        recorded in the model. ``labelled``: only the first that many sentences
        have tags given by people (the rest are silver, uptraining), and only
        they fill the tag dictionary (default: all). ``xpos``: the labelled
        sentences' XPOS ("_": none), which ``[tagging] xpos_weight`` trains a
        second output layer on."""
        _check_tagged(sentences, tags, "training data")
        labels = sorted({t for sentence in tags for t in sentence})
        check_label_names(labels, "training data")
        if dev_sentences is not None:
            _check_tagged(dev_sentences, dev_tags, "dev data")
            unknown = sorted({t for s in dev_tags for t in s} - set(labels))
            if unknown:
                raise DataError(f"dev tags not in training data: {', '.join(unknown)}")
        index = {t: i for i, t in enumerate(labels)}
        config, options, rng, metadata = self._setup(labels, data_licences or {}, provenance)
        config = dataclasses.replace(config, training=options,
                                     tagging=self._tagging(config.tagging))
        metadata["training"]["tagging"] = _tagging_record(config.tagging)
        two_pass = config.features.two_pass()
        lexicon = self._build_lexicon(config, metadata)
        context = KindContext(len(labels), two_pass, lexicon.clusters if lexicon else 0)
        members = self._member_count(config, metadata["training"]["memory_budget"])
        self._refuse_too_small(config, metadata, context, members)  # before featurizing
        unsized = [t.sized(MIN_BUCKETS, config.features.dims) for t in config.features.groups]
        jamo = config.features.hangul_jamo
        distinct = TokenFeaturizer(unsized, hangul_jamo=jamo).distinct_features(sentences)
        word_seeds = [g.seed for g in config.features.groups if g.kind == "word"]
        dictionary = tag_ids = None
        if _keeps_dictionary(config):
            tag_ids = [np.array([index[t] for t in s], dtype=np.int64) for s in tags[:labelled]]
            dictionary = TagDictionary.build(
                [t for s in sentences[:labelled] for t in s],
                np.concatenate(tag_ids) if tag_ids else np.zeros(0, dtype=np.int64),
                len(labels), word_seeds[0] if word_seeds else 0, FEATURIZER_VERSION,
                config.tagging.tag_dictionary_cased, decoding=config.tagging.tag_dictionary,
                jamo=jamo)
        self._dictionary_words = len(dictionary) if dictionary else 0
        shape = self._plan(config, metadata, context, distinct, members)
        bits = 8 * _known_word_bytes(config, metadata["training"]["memory_budget"])
        featurizer = TokenFeaturizer(shape.groups, lexicon=lexicon, tag_dictionary=dictionary,
                                     hangul_jamo=jamo)
        if bits and word_seeds:
            featurizer.fit_known_words([t for s in sentences for t in s], bits, word_seeds[0])

        y = np.array([index[t] for sentence in tags for t in sentence], dtype=np.int64)
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        auxiliary = _xpos_labels(xpos, sentences[:labelled], len(y), config.tagging)
        training_masks = None
        if needs_tag_dictionary(shape.groups):
            silver = [t for s in sentences[labelled:] for t in s]
            training_masks = np.concatenate([
                held_out_masks(sentences[:labelled], tag_ids, len(labels), dictionary,
                               FEATURIZER_VERSION),
                dictionary.masks(dictionary.keys(silver, FEATURIZER_VERSION))])
        # Teacher forcing: tag features start from the gold tags.
        teacher_forced = (featurizer.transform(sentences, tag_masks=training_masks)
                          + tag_groups(featurizer, y, y, lengths))

        dev = ensemble_dev = None
        if dev_sentences is not None:
            dev_gold = np.array([index.get(t, -1) for s in dev_tags for t in s])
            dev_features, dev_allowed = featurizer.decoding_features(dev_sentences)
            dev_lengths = np.array([len(s) for s in dev_sentences], dtype=np.int64)

            def ensemble_dev(nets: list[FeedForwardNetwork]) -> float:
                predicted = TagDecoder([(net, featurizer) for net in nets]).decode(
                    [dev_features] * len(nets), dev_lengths, dev_allowed)
                return float(np.mean(predicted == dev_gold)) if len(dev_gold) else 0.0

            def dev(net: FeedForwardNetwork) -> float:
                return ensemble_dev([net])

        # Each member trains as a tagger of its own, from its own generator
        # (the first from the seed's, so that one member is the usual model).
        networks, results = [], []
        for member in range(members):
            member_rng = rng if member == 0 else np.random.default_rng([self.seed, member])
            network = FeedForwardNetwork.initialise(
                [(g.buckets, g.dims) for g in shape.groups], shape.hidden, len(labels),
                member_rng)
            if member == 0:
                self._set_state([network], featurizer, labels, metadata)
            report = progress if progress is None or members == 1 else (
                lambda r, m=member: progress(dataclasses.replace(r, member=m + 1,
                                                                 members=members)))
            results.append(self._fit_member(network, featurizer, list(teacher_forced), y,
                                            lengths, config, member_rng, dev, report,
                                            auxiliary))
            networks.append(network)
        self._finish(networks, featurizer, metadata, results, dev, int(len(y)), ensemble_dev)
        return self

    def _member_count(self, config: PosConfig, budget: int) -> int:
        """Members of the model to train: asked for, else the config's, else
        the planner's."""
        members = self.members or config.members or members_for(budget)
        if not 1 <= members <= MAX_MEMBERS:
            raise ConfigError(f"members must be 1..{MAX_MEMBERS}, not {members}")
        return members

    @staticmethod
    def _fit_member(network: FeedForwardNetwork, featurizer: TokenFeaturizer,
                    groups: list[SparseGroup], y: np.ndarray, lengths: np.ndarray,
                    config: PosConfig, rng: np.random.Generator,
                    dev: Callable[[FeedForwardNetwork], float] | None,
                    progress: Callable[[Progress], None] | None,
                    auxiliary: tuple[np.ndarray, Auxiliary] | None = None) -> TrainResult:
        """Train one network on the teacher-forced ``groups`` (which the epochs
        replace parts of) with word dropout, scheduled sampling and the first
        pass's blanks as ``config`` says; ``auxiliary``: each token's label for
        a second output layer, and that layer."""
        tagging, two_pass = config.tagging, config.features.two_pass()
        static = groups[:len(featurizer.static_groups)]
        # Word dropout: in each word group, a word seen c times takes the
        # unknown-word row with probability alpha / (alpha + c), which trains
        # that row, and teaches the network to tag rare words from the rest.
        alpha = tagging.word_dropout
        unknown_rows = {i: featurizer.unknown_row(g)
                        for i, g in enumerate(featurizer.static_groups)
                        if featurizer.unknown_row(g) is not None}
        seen_ids = {i: groups[i].ids for i in unknown_rows}
        drop_probability = {i: alpha / (alpha + np.bincount(ids)[ids])
                            for i, ids in seen_ids.items()}

        def before_epoch(epoch: int, net: FeedForwardNetwork) -> None:
            for i, p in drop_probability.items() if alpha > 0 else ():
                dropped = rng.random(len(p)) < p
                groups[i] = one_per_row(np.where(dropped, unknown_rows[i], seen_ids[i]))
            # Scheduled sampling: from epoch 2, each token's previous-tag features
            # see the current model's greedy tags with probability ``sampling``.
            previous = y
            if tagging.scheduled_sampling > 0 and epoch > 1:
                predicted = TagDecoder([(net, featurizer)]).decode(static, lengths)
                previous = np.where(rng.random(len(y)) < tagging.scheduled_sampling,
                                    predicted, y)
            # Two passes: a share of the tokens see all their tag features as
            # "not known yet", as every token does in the first pass.
            not_known_yet = rng.random(len(y)) < tagging.first_pass_share if two_pass else None
            if previous is not y or not_known_yet is not None:
                groups[len(static):] = tag_groups(featurizer, y, previous, lengths,
                                                  not_known_yet)

        labels, layer = auxiliary if auxiliary else (None, None)
        return fit(network, ArrayExamples(groups, y, labels), config.training, rng, dev=dev,
                   progress=progress, before_epoch=before_epoch, auxiliary=layer)

    # -- tagging --------------------------------------------------------------------
    def tag_batch(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tags for each sentence (a list of tokens), vectorised across
        sentences; empty sentences give []."""
        self._require_fitted()
        return self._tag_checked(check_sentences(sentences))

    def _tag_checked(self, sentences: list[list[str]]) -> list[list[str]]:
        """``tag_batch`` of sentences ``check_sentences`` has taken."""
        labels = self.labels_
        return [[labels[t] for t in tags]
                for first in range(0, len(sentences), DECODE_BATCH)
                for tags in self.predictor_.tags(sentences[first:first + DECODE_BATCH])]

    def score(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]]
              ) -> float:
        """Token accuracy of ``tag_batch`` on ``sentences`` against ``tags``."""
        return self.evaluate(sentences, tags).accuracy

    def evaluate(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
                 training_words: set[str] | None = None) -> Report:
        """Token accuracy, macro-F1, per-tag precision and recall, confusions;
        with ``training_words``, the accuracy on the other words (``extra``)."""
        self._require_fitted()
        sentences, tags = _check_tagged(sentences, tags, "evaluate")
        predicted = self._tag_checked(sentences)
        report = evaluate([t for sentence in tags for t in sentence],
                          [t for sentence in predicted for t in sentence])
        if training_words is not None:
            unseen = [g == p for forms, gold, guess in zip(sentences, tags, predicted)
                      for f, g, p in zip(forms, gold, guess) if f not in training_words]
            report.extra.update(unseen_words=len(unseen),
                                unseen_accuracy=sum(unseen) / max(len(unseen), 1))
        return report

    def tag(self, tokens: Sequence[str]) -> list[str]:
        """One UPOS tag per token of one sentence (a list of str)."""
        return self.tag_batch([tokens])[0]

    def tag_text(self, text: str) -> list[tuple[str, str]]:
        """Tokenize with the built-in tokenizer (see ``tokenize``), then tag."""
        tokens = tokenize(text)
        return list(zip(tokens, self.tag(tokens)))

    # -- persistence ----------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | os.PathLike, *, backend: str = "auto") -> PosTagger:
        """A model file, or a shipped model by language code or treebank name.

        ``backend="auto"`` (default) tags with the C runtime when the C
        extension is built, else with numpy; ``"c"`` insists on the C runtime
        (an error if it cannot), ``"numpy"`` on numpy. Both give the same tags;
        C is faster one sentence at a time and on batches. ``.backend`` says
        which one is in use."""
        check_backend(backend)
        path = Path(name_or_path)
        if not path.exists() and not path.suffix:
            path = model_path_for(str(name_or_path))
        model = cls._from_file(path)
        model._use_backend(backend, path)
        return model

    def _numpy_predictor(self) -> TagDecoder:
        return TagDecoder([(net, self.featurizer_) for net in self.networks_], self.labels_)

    def _c_predictor(self, c_model) -> CTagger:
        return CTagger(c_model)

    def _build_lexicon(self, config: PosConfig, metadata: dict) -> Lexicon | None:
        """The word lexicon the config asks for, from the ``lexicon`` folder
        (its licence recorded with the training data's)."""
        words = config.features.lexicon_words
        if not words:
            return None
        if self.lexicon is None:
            raise DataError("[features] lexicon_words needs the lexicon source: --lexicon "
                            "DIR (spacy-lookups-data's data folder)")
        metadata["data_licences"]["spacy-lookups-data (word lexicon)"] = "MIT"
        return Lexicon.build(self.lexicon, words)

    def _describe_features(self, featurizer: TokenFeaturizer) -> dict:
        described = super()._describe_features(featurizer)
        if featurizer.known_words is not None:
            described["known_words"] = {"bits": 8 * len(featurizer.known_words),
                                        "seed": featurizer.known_word_seed}
        lexicon = featurizer.lexicon
        if lexicon is not None:
            described["lexicon"] = {"slots": len(lexicon.slots), "seed": lexicon.seed,
                                    "clusters": lexicon.clusters, "probes": lexicon.probes,
                                    "words": lexicon.words}
        if featurizer.tag_dictionary is not None:
            dictionary = featurizer.tag_dictionary
            described["tag_dictionary"] = {"words": len(dictionary), "seed": dictionary.seed,
                                           **({"cased": True} if dictionary.cased else {}),
                                           **({} if dictionary.decoding else {"decoding": False})}
        if featurizer.hangul_jamo:  # only when set: older files keep their metadata
            described["hangul_jamo"] = True
        return described

    def _featurizer_arrays(self) -> dict[str, np.ndarray]:
        known, lexicon = self.featurizer_.known_words, self.featurizer_.lexicon
        arrays = {} if known is None else {"known_words": known}
        if lexicon is not None:
            arrays["lexicon"] = lexicon.slots.view(np.int32)
        dictionary = self.featurizer_.tag_dictionary
        if dictionary is not None:
            arrays.update(zip(TAG_DICTIONARY_ARRAYS, (dictionary.words.view(np.int32),
                                                      dictionary.tags.view(np.int32))))
        return arrays

    def _featurizer_bytes(self, config, budget: int) -> int:
        return (_known_word_bytes(config, budget) + bytes_for(config.features.lexicon_words)
                + BYTES_PER_WORD * self._dictionary_words)

    def _featurizer_arrays_planned(self, config) -> list[str]:
        return ([name for name, wanted in (("known_words", config.features.known_word_bits),
                                           ("lexicon", config.features.lexicon_words))
                 if wanted]
                + list(TAG_DICTIONARY_ARRAYS if _keeps_dictionary(config) else ()))

    def _widest_task_metadata(self, config: PosConfig) -> dict:
        # The lexicon's entry only when the config asks for one, so that a
        # tagger without it plans as it did before lexicons existed.
        lexicon = {"lexicon": {key: WIDEST_INT for key in (
            "slots", "seed", "clusters", "probes", "words")}} if config.features.lexicon_words \
            else {}
        dictionary = {"tag_dictionary": {"words": WIDEST_INT, "seed": WIDEST_INT, **(
            {"cased": True} if config.tagging.tag_dictionary_cased else {}), **(
            {} if config.tagging.tag_dictionary else {"decoding": False})}} \
            if _keeps_dictionary(config) else {}
        return {"features": {"known_words": {"bits": WIDEST_INT, "seed": WIDEST_INT}, **lexicon,
                             **dictionary,
                             **({"hangul_jamo": True} if config.features.hangul_jamo else {})}}

    @classmethod
    def _featurizer_from(cls, record: PosMetadata, arrays: dict) -> TokenFeaturizer:
        known, entry = record.features.known_words, record.features.lexicon
        lexicon = None if entry is None else Lexicon(
            arrays["lexicon"].view(np.uint32), entry.seed, entry.clusters, entry.probes,
            entry.words)
        kept = record.features.tag_dictionary
        dictionary = None if kept is None else TagDictionary(
            *(arrays[name].view(np.uint32) for name in TAG_DICTIONARY_ARRAYS), kept.seed,
            kept.cased, kept.decoding, record.features.hangul_jamo)
        return TokenFeaturizer(record.features.groups,
                               None if known is None else arrays["known_words"],
                               0 if known is None else known.seed, record.featurizer.version,
                               lexicon, dictionary, record.features.hangul_jamo)


