"""Featurizers: a task's input -> one ``SparseGroup`` per feature group.

Both dispatch every group to its kind (``kinds.py``) and hash all the spans
the groups ask for in one vectorised pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from ..text import normalize
from .batch import (
    FEATURIZER_VERSION,
    READABLE_FEATURIZER_VERSIONS,
    WORD_END,
    WORD_START,
    FramedBatch,
    HashRequest,
    TokenBatch,
    frame_token,
    positions,
)
from .kinds import (
    NEXT_TAGS,
    PREVIOUS_TAGS,
    STATIC,
    TEXT,
    TOKEN,
    GroupSpec,
    check_groups,
    needs_tag_dictionary,
)
from .sparse import SparseGroup, pooled_group

# Texts are hashed in chunks of about this many characters to bound memory.
_CHUNK_CHARS = 1 << 20
# Sentences whose distinct features are counted together.
_COUNT_SENTENCES = 4096
# Chunks whose distinct hashes are kept apart before they are merged.
_MERGE_CHUNKS = 16


def _chunks(framed: list[str]) -> Iterator[list[str]]:
    """Consecutive runs of ``framed`` of about ``_CHUNK_CHARS`` characters (at
    least one run, and at least one text a run)."""
    start = 0
    while start < len(framed) or start == 0:
        end, size = start, 0
        while end < len(framed) and (end == start or size + len(framed[end]) <= _CHUNK_CHARS):
            size += len(framed[end])
            end += 1
        yield framed[start:end]
        if end == len(framed):
            return
        start = end


def _checked_version(version: int) -> int:
    if version not in READABLE_FEATURIZER_VERSIONS:
        raise ValueError(f"featurizer version {version!r} is not one of "
                         f"{READABLE_FEATURIZER_VERSIONS}")
    return version


class TextFeaturizer:
    """Texts -> one ``SparseGroup`` per group of ``groups`` (language ID).

    A text is normalised (``text.normalize``, its first ``max_chars``
    characters, by the rules of featurizer ``version``) and each word framed
    as ``^word$``.
    """

    def __init__(self, groups: Sequence[GroupSpec], max_chars: int = 20_000,
                 version: int = FEATURIZER_VERSION):
        self.groups = list(groups)
        check_groups(self.groups, TEXT)
        self.max_chars = max_chars
        self.version = _checked_version(version)

    def framed(self, text: str) -> str:
        words = normalize(text, max_chars=self.max_chars, version=self.version)
        if not words:
            return ""
        return WORD_START + (WORD_END + WORD_START).join(words) + WORD_END

    def transform(self, texts: Sequence[str], merge_repeats: bool = True
                  ) -> list[SparseGroup]:
        """One group per spec. ``merge_repeats`` sums a text's repeated features
        into one weighted entry (less work for training); prediction skips it."""
        chunks = [self._transform_framed(chunk, merge_repeats)
                  for chunk in _chunks([self.framed(t) for t in texts])]
        if len(chunks) == 1:
            return chunks[0]
        return [SparseGroup.concatenate([c[g] for c in chunks]) for g in range(len(self.groups))]

    def distinct_features(self, texts: Sequence[str],
                          progress: Callable[[int, int], None] | None = None
                          ) -> dict[str, int]:
        """How many distinct features (32-bit hashes) each hashed group has in
        ``texts``: more buckets than that would stay empty. ``progress(done,
        total)`` is told the texts counted after each chunk."""
        seen: dict[int, list[np.ndarray]] = {}
        done = 0
        for chunk in _chunks([self.framed(t) for t in texts]):
            batch = FramedBatch(chunk)
            requests = self._requests(batch)
            raw = batch.bucket_ids([r._replace(buckets=None) for r in requests.values()])
            for index, hashes in zip(requests, raw):
                # Each chunk's distinct hashes, merged a few chunks at a time: a
                # merge into one growing set per chunk re-sorts all of it each time.
                parts = seen.setdefault(index, [])
                parts.append(np.unique(hashes))
                if len(parts) >= _MERGE_CHUNKS:
                    parts[:] = [np.unique(np.concatenate(parts))]
            done += len(chunk)
            if progress:
                progress(done, len(texts))
        return {self.groups[index].name: len(np.unique(np.concatenate(parts)))
                for index, parts in seen.items()}

    def _requests(self, batch: FramedBatch) -> dict:
        """The spans each hashing group asks for, by the group's index."""
        return {index: request for index, group in enumerate(self.groups)
                if (request := group.feature_kind.text_request(group, batch)) is not None}

    def _transform_framed(self, framed: Sequence[str], merge_repeats: bool
                          ) -> list[SparseGroup]:
        batch = FramedBatch(framed)
        requests = self._requests(batch)
        ids = dict(zip(requests, batch.bucket_ids(list(requests.values()))))
        out = []
        for index, group in enumerate(self.groups):
            rows, group_ids = group.feature_kind.text_features(
                group, batch, requests.get(index), ids.get(index))
            out.append(pooled_group(rows, group_ids, len(framed), group.buckets, merge_repeats))
        return out


class TokenFeaturizer:
    """Sentences (token lists) -> one ``SparseGroup`` per static group, one row
    per token, tokens of all sentences in order (tagging).

    Word-level features use the lowercased token with digits mapped to ``0``
    (``batch.frame_token``); ``shape`` uses the token as written. Tag groups
    depend on decoding, and ``tag_ids`` builds them: ``next_tag`` groups (a
    first pass's tags) follow the static groups, and ``prev_tag`` groups come
    last.

    ``known_words`` (fitted by ``fit_known_words``) is a bitmap of the hashed
    words seen in training. With it, each word group keeps its last row for
    unknown words: hashing alone would give an unseen word the row of some
    seen word it collides with, whose tags say nothing about it.
    """

    def __init__(self, groups: Sequence[GroupSpec], known_words: np.ndarray | None = None,
                 known_word_seed: int = 0, version: int = FEATURIZER_VERSION,
                 lexicon=None, tag_dictionary=None, hangul_jamo: bool = False):
        self.groups = list(groups)
        # Hangul syllables framed as their jamo (``batch.frame_token``).
        self.hangul_jamo = hangul_jamo
        self.lexicon = lexicon  # a lexicon.Lexicon, for cluster and case_ratio groups
        # A tag_dictionary.TagDictionary: for decoding, and for tag_class groups.
        self.tag_dictionary = tag_dictionary
        check_groups(self.groups, TOKEN)
        self.version = _checked_version(version)
        if known_words is not None and (known_words.dtype != np.uint8 or known_words.ndim != 1
                                        or not len(known_words)):
            raise ValueError("known_words must be a non-empty 1-d uint8 bitmap")
        self.known_words = known_words
        self.known_word_seed = known_word_seed
        stage = {g.name: g.feature_kind.stage for g in self.groups}
        self.static_groups = [g for g in self.groups if stage[g.name] == STATIC]
        self.next_tag_groups = [g for g in self.groups if stage[g.name] == NEXT_TAGS]
        self.tag_groups = [g for g in self.groups if stage[g.name] == PREVIOUS_TAGS]
        self.has_tag_classes = needs_tag_dictionary(self.static_groups)

    def fit_known_words(self, tokens: Sequence[str], bits: int, seed: int) -> TokenFeaturizer:
        """Set the bitmap of ``bits`` bits marking the training words (as
        framed and hashed for the word groups, with ``seed``)."""
        if bits < 8 or bits % 8:
            raise ValueError(f"known_word_bits must be a positive multiple of 8, got {bits}")
        batch = FramedBatch([frame_token(t, self.version, jamo=self.hangul_jamo)
                             for t in tokens])
        hashes, = batch.bucket_ids([batch.word_request(seed)])
        flags = np.zeros(bits, dtype=bool)
        flags[hashes % np.uint32(bits)] = True
        self.known_words = np.packbits(flags, bitorder="little")
        self.known_word_seed = seed
        return self

    def unknown_row(self, group: GroupSpec) -> int | None:
        """The row a group gives words outside ``known_words`` (None: no such row)."""
        if not group.feature_kind.unknown_row or self.known_words is None:
            return None
        return group.buckets - 1

    def transform(self, sentences: Sequence[Sequence[str]], merge_repeats: bool = True,
                  tag_masks: np.ndarray | None = None) -> list[SparseGroup]:
        """One group per static spec, one row per token (``merge_repeats`` as
        in ``TextFeaturizer.transform``). ``tag_masks``: the tokens' masks for
        tag_class groups in place of the dictionary's (training's, each from a
        dictionary built without the token's sentence)."""
        return self._transform(sentences, merge_repeats, tag_masks)[0]

    def decoding_features(self, sentences: Sequence[Sequence[str]], merge_repeats: bool = True
                          ) -> tuple[list[SparseGroup], np.ndarray | None]:
        """``transform``'s groups and each token's allowed tags by the tag
        dictionary (uint32 masks; None without one, or with one kept for
        tag_class groups only), from words framed and hashed once for both."""
        dictionary = self.tag_dictionary
        decoding = dictionary is not None and dictionary.decoding
        groups, masks = self._transform(sentences, merge_repeats, masks_wanted=decoding)
        return groups, masks if decoding else None

    def _transform(self, sentences: Sequence[Sequence[str]], merge_repeats: bool,
                   tag_masks: np.ndarray | None = None, masks_wanted: bool = False
                   ) -> tuple[list[SparseGroup], np.ndarray | None]:
        """The static groups, and each token's tag dictionary mask where
        ``masks_wanted`` or tag_class groups need them (else None)."""
        batch = TokenBatch(sentences, self.version, self.hangul_jamo)
        dictionary = self.tag_dictionary
        if not (masks_wanted or self.has_tag_classes):
            dictionary = None  # no masks to look up
        keys, requests = self._requests(batch)
        known_key = ("word", 0, self.known_word_seed)
        if self.known_words is not None:
            requests.setdefault(known_key, batch.framed.word_request(self.known_word_seed))
        if dictionary is not None and not dictionary.cased:  # the word groups' hashes
            dictionary_key = ("word", 0, dictionary.seed)
            requests.setdefault(dictionary_key, batch.framed.word_request(dictionary.seed))
        hashed = dict(zip(requests, batch.framed.bucket_ids(list(requests.values()))))
        if self.known_words is not None:
            bits = np.uint32(8 * len(self.known_words))
            bit = hashed[known_key] % bits
            known = (self.known_words[bit >> 3] >> (bit & 7).astype(np.uint8)) & 1 == 1
            known[batch.n:] = True  # the padding words
            batch.known = known
        if self.lexicon is not None:
            pads = np.zeros(2, dtype=np.int64)  # the two padding words
            batch.lexicon_ids = tuple(np.concatenate([ids, pads])
                                      for ids in self.lexicon.token_ids(batch.tokens))
        masks = None
        if dictionary is not None:
            masks = tag_masks if tag_masks is not None else dictionary.masks(
                dictionary.keys(batch.tokens, self.version) if dictionary.cased
                else hashed[dictionary_key][:batch.n])  # not the padding words
            batch.tag_masks = np.concatenate([masks, np.zeros(2, dtype=np.uint32)])
        out = []
        for group in self.static_groups:
            key = keys.get(group.name)
            out.append(group.feature_kind.token_group(group, batch, requests.get(key),
                                                      hashed.get(key), merge_repeats))
        return out, masks

    def distinct_features(self, sentences: Sequence[Sequence[str]]) -> dict[str, int]:
        """How many distinct features (32-bit hashes, with the padding words
        and a word group's unknown-word row) each hashed static group has in
        ``sentences``: more buckets than that would stay empty."""
        seen: dict[tuple, np.ndarray] = {}
        keys: dict[str, tuple] = {}
        for start in range(0, len(sentences), _COUNT_SENTENCES):
            batch = TokenBatch(sentences[start:start + _COUNT_SENTENCES], self.version,
                               self.hangul_jamo)
            keys, requests = self._requests(batch)
            raw = batch.framed.bucket_ids(list(requests.values()))
            for key, hashes in zip(requests, raw):
                seen[key] = np.union1d(seen.get(key, hashes[:0]), hashes)
        kinds = {g.name: g.feature_kind for g in self.static_groups}
        return {name: len(seen[key]) + kinds[name].unknown_row for name, key in keys.items()}

    def _requests(self, batch: TokenBatch) -> tuple[dict[str, tuple], dict[tuple, HashRequest]]:
        """The raw hashes the static groups ask for, under keys that groups
        differing only in window offset or buckets share (hashed once), and
        each group's key."""
        keys, requests = {}, {}
        for group in self.static_groups:
            asked = group.feature_kind.token_request(group, batch)
            if asked is not None:
                keys[group.name] = asked[0]
                requests.setdefault(*asked)
        return keys, requests

    @staticmethod
    def tag_ids(specs: Sequence[GroupSpec], tags: np.ndarray, lengths: np.ndarray,
                not_known_yet: np.ndarray | None = None) -> list[np.ndarray]:
        """For each tag group, per token, the id of the tag ``offset`` tokens
        away: 0 outside the sentence, tag index + 1 inside, and the group's last
        id ("not known yet", as in a first decoding pass) for tokens flagged in
        ``not_known_yet``. Tokens are laid out as in ``transform``."""
        position, remaining = positions(lengths)
        n = len(tags)
        out = []
        for spec in specs:
            outside = position + spec.offset < 0 if spec.offset < 0 else spec.offset > remaining
            source = np.clip(np.arange(n) + spec.offset, 0, max(n - 1, 0))
            ids = np.where(outside, 0, tags[source] + 1 if n else tags)
            if not_known_yet is not None:
                ids = np.where(not_known_yet & ~outside, spec.buckets - 1, ids)
            out.append(ids)
        return out

