"""Part-of-speech tagging (UPOS) with the same engine, after Botha et al. (2017):
hashed window words, focus-word character n-grams, prefixes, suffixes, word
shape and the two previously predicted tags; greedy left-to-right decoding."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from .budget import GroupTemplate, known_word_bits
from .config import shipped_file
from .features import SparseGroup, TokenFeaturizer, one_per_row
from .model import TaskModel
from .network import FeedForwardNetwork
from .train import Progress, fit

TASK = "pos"
_DECODE_BATCH = 512  # sentences decoded together

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
    return shipped_file("models", f"pos-{code}.snlp")


def _check_sentences(sentences: Sequence[Sequence[str]]) -> None:
    if isinstance(sentences, str) or not isinstance(sentences, Sequence):
        raise TypeError(f"expected a list of token lists, got {type(sentences).__name__}")
    for sentence in sentences:
        if isinstance(sentence, str) or not all(map(isinstance, sentence, repeat(str))):
            raise TypeError("each sentence must be a list of str tokens")


class PosTagger(TaskModel):
    """Tag tokens with universal POS tags; ``fit`` or ``load`` first."""

    task = TASK
    default_config = "pos"
    _tag_table_cache: tuple | None = None  # (network, _tag_tables(network)) of network_

    # -- training -------------------------------------------------------------------
    def fit(self, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]],
            dev_sentences: Sequence[Sequence[str]] | None = None,
            dev_tags: Sequence[Sequence[str]] | None = None, *,
            progress: Callable[[Progress], None] | None = None,
            data_licence: str | None = None, provenance: dict | None = None) -> PosTagger:
        labels = sorted({t for sentence in tags for t in sentence})
        index = {t: i for i, t in enumerate(labels)}
        config, options, rng, metadata = self._setup(
            labels, {"data_licence": data_licence}, provenance)
        tagging = config.get("tagging", {})
        metadata["training"]["tagging"] = tagging
        # Two decoding passes when the spec has next_tag groups (see _decode).
        two_pass = any(g["kind"] == "next_tag" for g in config["features"]["groups"])
        first_pass_share = float(tagging.get("first_pass_share", 0.0))
        if two_pass and not 0 < first_pass_share < 1:
            raise ValueError("next_tag groups need [tagging] first_pass_share between 0 and 1")
        templates = []
        for group in config["features"]["groups"]:
            group = dict(group)
            if group["kind"] == "shape":
                group["fixed_buckets"] = TokenFeaturizer.SHAPE_BUCKETS
            elif group["kind"] in ("prev_tag", "next_tag"):
                # 0: outside the sentence, then a row per tag, and with two
                # passes a last row for "not known yet" (the first pass).
                group["fixed_buckets"] = len(labels) + (2 if two_pass else 1)
            templates.append(GroupTemplate(**group))
        bits = known_word_bits(metadata["training"]["memory_budget"],
                               int(config["features"].get("known_word_bits", 0)))
        shape = self._plan(config, templates, metadata, featurizer_bytes=bits // 8)
        featurizer = TokenFeaturizer(shape.groups)
        word_seeds = [g.seed for g in shape.groups if g.kind == "word"]
        if bits and word_seeds:
            featurizer.fit_known_words([t for s in sentences for t in s], bits, word_seeds[0])

        y = np.array([index[t] for sentence in tags for t in sentence], dtype=np.int64)
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        # Teacher forcing: tag features start from the gold tags.
        groups = featurizer.transform(sentences) + _tag_groups(featurizer, y, y, lengths)
        network = FeedForwardNetwork.initialise(
            [(g.buckets, g.dims) for g in shape.groups], shape.hidden, len(labels), rng)
        self._set_state(network, featurizer, labels, metadata)

        dev = None
        if dev_sentences is not None:
            dev_gold = np.array([index.get(t, -1) for s in dev_tags for t in s])
            dev_features = featurizer.transform(dev_sentences)
            dev_lengths = np.array([len(s) for s in dev_sentences], dtype=np.int64)

            def dev(net: FeedForwardNetwork) -> float:
                predicted = self._decode(net, dev_features, dev_lengths)
                return float(np.mean(predicted == dev_gold)) if len(dev_gold) else 0.0

        sampling = float(tagging.get("scheduled_sampling", 0.0))
        static = groups[:len(featurizer.static_groups)]
        # Word dropout: in each word group, a word seen c times takes the
        # unknown-word row with probability alpha / (alpha + c), which trains
        # that row, and teaches the network to tag rare words from the rest.
        alpha = float(tagging.get("word_dropout", 0.0))
        unknown_rows = {i: featurizer.unknown_row(g)
                        for i, g in enumerate(featurizer.static_groups)
                        if featurizer.unknown_row(g) is not None}
        if alpha > 0 and not unknown_rows:
            raise ValueError("word_dropout needs word groups and [features] known_word_bits")
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
            if sampling > 0 and epoch > 1:
                predicted = self._decode(net, static, lengths)
                previous = np.where(rng.random(len(y)) < sampling, predicted, y)
            # Two passes: a share of the tokens see all their tag features as
            # "not known yet", as every token does in the first pass.
            hidden = rng.random(len(y)) < first_pass_share if two_pass else None
            if previous is not y or hidden is not None:
                groups[len(static):] = _tag_groups(featurizer, y, previous, lengths, hidden)

        result = fit(network, groups, y, options, rng, dev=dev, progress=progress,
                     before_epoch=before_epoch)
        self._finish(network, featurizer, metadata, result, dev, tokens=int(len(y)))
        return self

    # -- decoding -------------------------------------------------------------------
    def _decode(self, network: FeedForwardNetwork, static: list[SparseGroup],
                lengths: np.ndarray) -> np.ndarray:
        """Greedy left-to-right tags for tokens laid out sentence after sentence,
        vectorised across sentences: step t tags every sentence's t-th token.

        The hidden layer is linear in its inputs, so the static features' share
        of it is computed once for all tokens, and the previous tags' share is
        one row of a table with a row per combination of previous tags.
        Sentences are sorted longest first and tokens laid out position by
        position, so each step works on one contiguous slice.

        With next_tag groups, a first pass tags every token at once, all its
        tag features "not known yet"; the greedy pass then sees those tags as
        the tags of the tokens that follow.
        """
        n_tokens = int(lengths.sum())
        tags = np.zeros(n_tokens, dtype=np.int64)
        if n_tokens == 0:
            return tags
        static_hidden, static_width = self._static_hidden(network, static)
        (next_table, next_strides), (tag_table, strides) = self._tag_tables(network,
                                                                             static_width)
        if self.featurizer_.next_tag_groups:
            hidden = self._first_pass_hidden(static_hidden, lengths, next_table, next_strides,
                                             tag_table, strides)
            first = network.output(hidden).argmax(axis=1)
            static_hidden += self._next_tags_share(first, lengths, next_table, next_strides)

        by_length = np.argsort(-lengths, kind="stable")
        longest = int(lengths[by_length[0]])
        active = len(lengths) - np.cumsum(np.bincount(lengths, minlength=longest + 1))[:longest]
        step_start = np.concatenate([[0], np.cumsum(active)])
        step_of_slot = np.repeat(np.arange(longest), active)
        sentence_of_slot = by_length[np.arange(n_tokens) - step_start[step_of_slot]]
        token_of_slot = (np.cumsum(lengths) - lengths)[sentence_of_slot] + step_of_slot
        static_hidden = static_hidden[token_of_slot]

        slot_tags = np.zeros(n_tokens, dtype=np.int64)
        offsets = [g.offset for g in self.featurizer_.tag_groups]
        for step in range(longest):
            a, k = step_start[step], active[step]
            combination = np.zeros(k, dtype=np.int64)
            for offset, stride in zip(offsets, strides):
                if step + offset >= 0:
                    earlier = step_start[step + offset]
                    combination += (slot_tags[earlier:earlier + k] + 1) * stride
            hidden = tag_table[combination]
            hidden += static_hidden[a:a + k]
            slot_tags[a:a + k] = network.output(hidden).argmax(axis=1)
        tags[token_of_slot] = slot_tags
        return tags

    def _static_hidden(self, network: FeedForwardNetwork, static: list[SparseGroup]
                       ) -> tuple[np.ndarray, int]:
        """The static features' share of the hidden layer's pre-activations
        (bias included), and how many input columns they take."""
        width = sum(store.shape[1] for store in network.embeddings[:len(static)])
        static_hidden = network.pooled(static) @ network.hidden_weights[:width]
        static_hidden += network.hidden_bias
        return static_hidden, width

    def _first_pass_hidden(self, static_hidden: np.ndarray, lengths: np.ndarray,
                           next_table: np.ndarray, next_strides: list[int],
                           tag_table: np.ndarray, strides: list[int]) -> np.ndarray:
        """Hidden pre-activations of the first pass, which tags all tokens at
        once with every tag feature "not known yet" (no sequential decoding)."""
        featurizer = self.featurizer_
        blank = np.zeros(len(static_hidden), dtype=np.int64)
        unknown = np.ones(len(static_hidden), dtype=bool)
        hidden = next_table[_combine(
            featurizer.tag_ids(featurizer.next_tag_groups, blank, lengths, unknown), next_strides)]
        hidden += tag_table[_combine(
            featurizer.tag_ids(featurizer.tag_groups, blank, lengths, unknown), strides)]
        hidden += static_hidden
        return hidden

    def _next_tags_share(self, tags: np.ndarray, lengths: np.ndarray, next_table: np.ndarray,
                         next_strides: list[int]) -> np.ndarray:
        """The next-tag groups' share of the hidden layer, given a first pass's tags."""
        featurizer = self.featurizer_
        return next_table[_combine(
            featurizer.tag_ids(featurizer.next_tag_groups, tags, lengths), next_strides)]

    def _tag_tables(self, network: FeedForwardNetwork, column: int
                    ) -> list[tuple[np.ndarray, list[int]]]:
        """For the next-tag groups and then the previous-tag groups (whose
        columns start at ``column``): the hidden-layer contribution of every
        combination of their ids (``sum(id_k * strides[k])`` indexes it).
        Cached for the fitted model (a network in training changes from one
        call to the next)."""
        cached = self._tag_table_cache
        if cached is not None and cached[0] is network is self.network_:
            return cached[1]
        stores = network.embeddings[len(self.featurizer_.static_groups):]
        n_next = len(self.featurizer_.next_tag_groups)
        tables = []
        for part in (stores[:n_next], stores[n_next:]):
            table = np.zeros((1, network.hidden_size), dtype=np.float32)
            strides: list[int] = []
            for store in part:
                weights = network.hidden_weights[column:column + store.shape[1]]
                column += store.shape[1]
                contribution = store.rows(np.arange(store.shape[0])) @ weights
                strides = [s * store.shape[0] for s in strides] + [1]
                table = (table[:, None, :] + contribution[None, :, :]).reshape(
                    -1, network.hidden_size)
            tables.append((table, strides))
        if network is self.network_:
            self._tag_table_cache = (network, tables)
        return tables

    def tag_batch(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tags for each sentence (a list of tokens); empty sentences give []."""
        self._require_fitted()
        _check_sentences(sentences)
        out: list[list[str]] = []
        for start in range(0, len(sentences), _DECODE_BATCH):
            chunk = sentences[start:start + _DECODE_BATCH]
            lengths = np.array([len(s) for s in chunk], dtype=np.int64)
            tags = self._decode(self.network_,
                                self.featurizer_.transform(chunk, merge_repeats=False), lengths)
            names = [self.labels_[t] for t in tags]
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            out += [names[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        return out

    def tag(self, tokens: Sequence[str]) -> list[str]:
        return self.tag_batch([tokens])[0]

    def tag_text(self, text: str) -> list[tuple[str, str]]:
        """Tokenize with the built-in tokenizer (see ``tokenize``), then tag."""
        tokens = tokenize(text)
        return list(zip(tokens, self.tag(tokens)))

    # -- persistence ----------------------------------------------------------------
    @classmethod
    def load(cls, name_or_path: str | os.PathLike) -> PosTagger:
        """A model file, or a shipped model by language code or treebank name."""
        path = Path(name_or_path)
        if not path.exists() and not path.suffix:
            path = model_path_for(str(name_or_path))
        return cls._from_file(path, _featurizer_from_file)

    def _describe_features(self, featurizer: TokenFeaturizer) -> dict:
        described = super()._describe_features(featurizer)
        if featurizer.known_words is not None:
            described["known_words"] = {"bits": 8 * len(featurizer.known_words),
                                        "seed": featurizer.known_word_seed}
        return described

    def _featurizer_arrays(self) -> dict[str, np.ndarray]:
        known = self.featurizer_.known_words
        return {} if known is None else {"known_words": known}


def _featurizer_from_file(groups: list, metadata: dict, arrays: dict) -> TokenFeaturizer:
    two_pass = any(g.kind == "next_tag" for g in groups)
    tag_rows = len(metadata["labels"]) + (2 if two_pass else 1)
    for group in groups:
        if group.kind in ("prev_tag", "next_tag") and group.buckets != tag_rows:
            raise ValueError(f"tag group {group.name} has {group.buckets} rows, not {tag_rows}")
    known = metadata["features"].get("known_words")
    if known is None:
        return TokenFeaturizer(groups)
    bitmap = arrays["known_words"]
    if 8 * len(bitmap) != known["bits"]:
        raise ValueError(f"known_words has {8 * len(bitmap)} bits, metadata says {known['bits']}")
    return TokenFeaturizer(groups, bitmap, int(known["seed"]))


def _tag_groups(featurizer: TokenFeaturizer, following: np.ndarray, previous: np.ndarray,
                lengths: np.ndarray, hidden: np.ndarray | None = None) -> list[SparseGroup]:
    """Training inputs of the tag groups: next tags from ``following``,
    previous tags from ``previous``."""
    ids = (featurizer.tag_ids(featurizer.next_tag_groups, following, lengths, hidden)
           + featurizer.tag_ids(featurizer.tag_groups, previous, lengths, hidden))
    return [one_per_row(i) for i in ids]


def _combine(ids: list[np.ndarray], strides: list[int]) -> np.ndarray | int:
    """Row of a ``_tag_tables`` table for each token's tag ids."""
    return sum((i * stride for i, stride in zip(ids, strides)), 0)
