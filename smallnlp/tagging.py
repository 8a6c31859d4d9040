"""Decoding a tagger's networks into tags: ``TagDecoder`` (two passes, several
members' probabilities averaged), the numpy reference predictor of a tagger.

With next_tag groups, a first pass tags every token at once, its tag features
"not known yet"; the greedy pass then tags left to right. Sentences are decoded
in batches bounded in sentences and tokens, and a very long one in pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np

from .features import SparseGroup, TokenFeaturizer, one_per_row
from .network import FeedForwardNetwork, softmax
from .tag_dictionary import mask_rows

if TYPE_CHECKING:
    from .pos import PosTagger

DECODE_BATCH = 512  # sentences decoded together at most,
_DECODE_TOKENS = 16_384  # and tokens (memory grows with them)
# A longer sentence is tagged as consecutive pieces of this many tokens (each
# piece sees the padding words at its ends): bounds time and memory per
# sentence, as max_chars does for language ID.
MAX_SENTENCE_TOKENS = 1000


def check_sentences(sentences: Sequence[Sequence[str]]) -> list[list[str]]:
    """The sentences as lists, each iterated once: every count after this is
    of what was taken (a sequence's len() may lie, or change as it is read)."""
    if isinstance(sentences, str) or not isinstance(sentences, Sequence):
        raise TypeError(f"expected a list of token lists, got {type(sentences).__name__}")
    taken = []
    for sentence in sentences:
        try:
            tokens = None if isinstance(sentence, str) else list(sentence)
        except TypeError:
            tokens = None
        if tokens is None or not all(map(isinstance, tokens, repeat(str))):
            raise TypeError("each sentence must be a list of str tokens")
        taken.append(tokens)
    return taken


class TagDecoder:
    """Two-pass greedy decoding for one tagger, or for several whose tag
    probabilities are averaged at every step (an ensemble).

    With next_tag groups, a first pass tags every token at once, all its tag
    features "not known yet"; the greedy pass then tags left to right and sees
    those tags as the tags of the tokens that follow. Each member is a
    ``(network, featurizer)`` pair; one member decodes by its logits. It is
    the numpy reference predictor of a tagger (backends.TagPredictor).

    The hidden layer is linear in its inputs, so the static features' share
    of it is computed once for all tokens, and each tag group's share is a row
    of a small table (one row per tag id) made for each batch: nothing that
    grows with the number of tags is kept between calls.
    """

    name = "numpy"

    def __init__(self, members: Sequence[tuple[FeedForwardNetwork, TokenFeaturizer]],
                 labels: Sequence[str] = ()):
        self.members = list(members)
        self.labels = list(labels)  # tag names, for tag_batch
        if not self.members:
            raise ValueError("a decoder needs at least one member")
        shapes = {(net.n_labels, bool(f.next_tag_groups)) for net, f in self.members}
        if len(shapes) > 1:
            raise ValueError("the members must have the same labels and the same passes")
        self.two_pass = bool(self.members[0][1].next_tag_groups)

    def heap_bytes(self) -> int:
        return 0

    @classmethod
    def of(cls, taggers: Sequence[PosTagger]) -> TagDecoder:
        """A decoder averaging ``taggers``, which must share their labels."""
        for tagger in taggers:
            if not tagger.networks_:
                raise RuntimeError("a tagger is not fitted: call fit() or load()")
        if any(t.labels_ != taggers[0].labels_ for t in taggers):
            raise ValueError("the taggers' labels differ")
        return cls([(net, t.featurizer_) for t in taggers for net in t.networks_],
                   taggers[0].labels_)

    def tag_batch(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """Tag names for each sentence (a list of tokens)."""
        return [[self.labels[t] for t in tags] for tags in self.tags(check_sentences(sentences))]

    def tags(self, sentences: Sequence[Sequence[str]]) -> list[list[int]]:
        """Tag ids for each sentence (lists of str, as ``check_sentences``
        gives them: a tagger checks once, before this). A sentence longer
        than ``MAX_SENTENCE_TOKENS`` is tagged as consecutive pieces of that
        many tokens, so that time and memory stay linear in the input."""
        pieces, owners = [], []
        for index, sentence in enumerate(sentences):
            for start in range(0, max(len(sentence), 1), MAX_SENTENCE_TOKENS):
                pieces.append(sentence[start:start + MAX_SENTENCE_TOKENS])
                owners.append(index)
        out: list[list[int]] = [[] for _ in sentences]
        for chunk, chunk_owners in _decode_batches(pieces, owners):
            lengths = np.array([len(s) for s in chunk], dtype=np.int64)
            features, allowed = {}, {}  # members sharing a featurizer (one file's) share them
            for _, f in self.members:
                if id(f) not in features:
                    features[id(f)], allowed[id(f)] = f.decoding_features(chunk,
                                                                          merge_repeats=False)
            tags = self.decode([features[id(f)] for _, f in self.members], lengths,
                               allowed[id(self.members[0][1])]).tolist()  # the first tagger's
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            for owner, a, b in zip(chunk_owners, bounds[:-1], bounds[1:]):
                out[owner] += tags[a:b]
        return out

    def decode(self, static: list[SparseGroup] | list[list[SparseGroup]],
               lengths: np.ndarray, allowed: np.ndarray | None = None) -> np.ndarray:
        """Tag ids of tokens laid out sentence after sentence, given each
        member's static feature groups (one member: its list of groups) and,
        with a tag dictionary, each token's allowed tags (in both passes).

        Vectorised across sentences: step t tags every sentence's t-th token.
        Sentences are sorted longest first and tokens laid out position by
        position, so each step works on one contiguous slice.
        """
        if static and isinstance(static[0], SparseGroup):
            static = [static]
        n_tokens = int(lengths.sum())
        tags = np.zeros(n_tokens, dtype=np.int64)
        if n_tokens == 0:
            return tags
        tables = [_tag_tables(net, f) for net, f in self.members]
        static_hidden = [self._static_hidden(net, groups)
                         for (net, _), groups in zip(self.members, static)]
        if self.two_pass:
            first = self._best([net.output(self._first_pass_hidden(f, hidden, lengths, t))
                                for (net, f), hidden, t in zip(self.members, static_hidden,
                                                               tables)], allowed)
            for (_, f), hidden, (next_tables, _) in zip(self.members, static_hidden, tables):
                hidden += _share(next_tables, f.tag_ids(f.next_tag_groups, first, lengths),
                                 hidden.shape)

        by_length = np.argsort(-lengths, kind="stable")
        longest = int(lengths[by_length[0]])
        active = len(lengths) - np.cumsum(np.bincount(lengths, minlength=longest + 1))[:longest]
        step_start = np.concatenate([[0], np.cumsum(active)])
        step_of_slot = np.repeat(np.arange(longest), active)
        sentence_of_slot = by_length[np.arange(n_tokens) - step_start[step_of_slot]]
        token_of_slot = (np.cumsum(lengths) - lengths)[sentence_of_slot] + step_of_slot
        slot_hidden = [hidden[token_of_slot] for hidden in static_hidden]
        slot_allowed = None if allowed is None else allowed[token_of_slot]

        slot_tags = np.zeros(n_tokens, dtype=np.int64)
        for step in range(longest):
            a, k = step_start[step], active[step]
            scores = []
            for (net, f), hidden, (_, previous_tables) in zip(self.members, slot_hidden, tables):
                ids = []
                for group in f.tag_groups:  # 0: before the sentence, else 1 + the tag
                    if step + group.offset < 0:
                        ids.append(np.zeros(k, dtype=np.int64))
                    else:
                        earlier = step_start[step + group.offset]
                        ids.append(slot_tags[earlier:earlier + k] + 1)
                pre_activation = _share(previous_tables, ids, (k, net.hidden_size))
                pre_activation += hidden[a:a + k]
                scores.append(net.output(pre_activation))
            slot_tags[a:a + k] = self._best(
                scores, None if slot_allowed is None else slot_allowed[a:a + k])
        tags[token_of_slot] = slot_tags
        return tags

    @staticmethod
    def _best(scores: list[np.ndarray], allowed: np.ndarray | None = None) -> np.ndarray:
        """Best allowed tag per row: by logits for one member, else by summed
        probabilities."""
        summed = scores[0] if len(scores) == 1 else sum(softmax(s) for s in scores)
        return mask_rows(summed, allowed).argmax(axis=1)

    @staticmethod
    def _static_hidden(network: FeedForwardNetwork, static: list[SparseGroup]) -> np.ndarray:
        """The static features' share of the hidden layer's pre-activations
        (bias included)."""
        width = sum(store.shape[1] for store in network.embeddings[:len(static)])
        static_hidden = network.pooled(static) @ network.hidden_weights[:width]
        static_hidden += network.hidden_bias
        return static_hidden

    @staticmethod
    def _first_pass_hidden(featurizer: TokenFeaturizer, static_hidden: np.ndarray,
                           lengths: np.ndarray, tables: tuple) -> np.ndarray:
        """Hidden pre-activations of the first pass, which tags all tokens at
        once with every tag feature "not known yet" (no sequential decoding)."""
        next_tables, previous_tables = tables
        n = len(static_hidden)
        blank, unknown = np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)
        hidden = _share(next_tables, featurizer.tag_ids(featurizer.next_tag_groups, blank,
                                                         lengths, unknown), static_hidden.shape)
        hidden += _share(previous_tables, featurizer.tag_ids(featurizer.tag_groups, blank,
                                                              lengths, unknown),
                         static_hidden.shape)
        hidden += static_hidden
        return hidden


def _decode_batches(pieces: list, owners: list[int]):
    """Consecutive runs of ``pieces`` (with their owners) of at most
    ``DECODE_BATCH`` sentences and, unless one piece is longer,
    ``_DECODE_TOKENS`` tokens: what is decoded together."""
    start = tokens = 0
    for end, piece in enumerate(pieces):
        if end > start and (end - start == DECODE_BATCH
                            or tokens + len(piece) > _DECODE_TOKENS):
            yield pieces[start:end], owners[start:end]
            start, tokens = end, 0
        tokens += len(piece)
    if start < len(pieces):
        yield pieces[start:], owners[start:]


def _tag_tables(network: FeedForwardNetwork, featurizer: TokenFeaturizer
                ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each next-tag and each previous-tag group's contribution to the hidden
    layer's pre-activations, one row per id of the group."""
    n_static = len(featurizer.static_groups)
    column = sum(store.shape[1] for store in network.embeddings[:n_static])
    tables = []
    for store in network.embeddings[n_static:]:
        weights = network.hidden_weights[column:column + store.shape[1]]
        column += store.shape[1]
        tables.append(store.rows(np.arange(store.shape[0])) @ weights)
    n_next = len(featurizer.next_tag_groups)
    return tables[:n_next], tables[n_next:]


def _share(tables: list[np.ndarray], ids: list[np.ndarray], shape: tuple[int, int]
           ) -> np.ndarray:
    """The summed contribution of some tag groups to ``shape`` pre-activations,
    given each group's ids (a fresh array; zeros when there are no groups)."""
    if not tables:
        return np.zeros(shape, dtype=np.float32)
    total = tables[0][ids[0]]
    for table, group_ids in zip(tables[1:], ids[1:]):
        total += table[group_ids]
    return total


def tag_groups(featurizer: TokenFeaturizer, following: np.ndarray, previous: np.ndarray,
                lengths: np.ndarray, not_known_yet: np.ndarray | None = None
                ) -> list[SparseGroup]:
    """Training inputs of the tag groups: next tags from ``following``,
    previous tags from ``previous``."""
    ids = (featurizer.tag_ids(featurizer.next_tag_groups, following, lengths, not_known_yet)
           + featurizer.tag_ids(featurizer.tag_groups, previous, lengths, not_known_yet))
    return [one_per_row(i) for i in ids]

