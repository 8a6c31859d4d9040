"""A tagger's tag dictionary, kept inside its model file: for every word of the
training data, the tags it had there. Decoding gives a word seen in training
only one of those tags, as UDPipe 1's morphological dictionary does; a word
not in the dictionary may take any tag. On small treebanks this corrects the
network where it picks a tag its word never had (Vietnamese dev: 83.69 ->
84.83%; docs/EXPERIMENTS.md).

Words are keyed as the word groups hash them (``batch.frame_token``: NFKC,
lowercased, digits as 0) with the dictionary's seed, by the whole 32-bit
MurmurHash3; a cased dictionary keys them as written, not lowercased
(Indonesian dev: 92.77% without a dictionary, 92.51 lowercased, 93.15 cased;
its PROPN and NOUN share many lowercased forms). Two arrays, sorted by key:
``tag_dictionary_words`` (the keys) and ``tag_dictionary_tags`` (bit k set:
tag k allowed), both ``<i4`` read as uint32. Two words with the same key
share the union of their tags.

A tagger with ``tag_class`` feature groups keeps a dictionary for them too;
when it keeps one for them only, decoding leaves every tag open
(``decoding`` false; Portuguese dev, docs/EXPERIMENTS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .errors import ConfigError
from .features.batch import FramedBatch, frame_token

BYTES_PER_WORD = 8  # a key and a tag mask, 32 bits each
MAX_TAGS = 32  # the tags a mask holds
ALL_TAGS = np.uint32(0xFFFFFFFF)


def word_keys(tokens: Sequence[str], seed: int, version: int, cased: bool = False,
              jamo: bool = False) -> np.ndarray:
    """The dictionary keys of ``tokens`` (uint32)."""
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    batch = FramedBatch([frame_token(t, version, lowercase=not cased, jamo=jamo)
                         for t in tokens])
    keys, = batch.bucket_ids([batch.word_request(seed)])
    return keys.astype(np.uint32, copy=False)


class TagDictionary:
    """Sorted word keys and each one's allowed tags (see the module's text)."""

    def __init__(self, words: np.ndarray, tags: np.ndarray, seed: int, cased: bool = False,
                 decoding: bool = True, jamo: bool = False):
        if not len(words) or len(words) != len(tags):
            raise ValueError("a tag dictionary needs words, and one tag mask per word")
        self.words = np.asarray(words, dtype=np.uint32)
        self.tags = np.asarray(tags, dtype=np.uint32)
        self.seed = seed
        self.cased = cased
        self.decoding = decoding  # whether decoding keeps a seen word to its tags
        self.jamo = jamo  # whether words are keyed with Hangul as jamo, as framed

    @classmethod
    def build(cls, tokens: Sequence[str], tag_ids: np.ndarray, n_tags: int, seed: int,
              version: int, cased: bool = False, decoding: bool = True,
              jamo: bool = False) -> TagDictionary:
        """The dictionary of ``tokens`` tagged ``tag_ids`` (indices of ``n_tags`` tags)."""
        return cls.from_keys(word_keys(tokens, seed, version, cased, jamo), tag_ids, n_tags,
                             seed, cased, decoding, jamo)

    @classmethod
    def from_keys(cls, keys: np.ndarray, tag_ids: np.ndarray, n_tags: int, seed: int,
                  cased: bool = False, decoding: bool = True, jamo: bool = False
                  ) -> TagDictionary:
        """``build``'s dictionary from the tokens' keys (``word_keys``)."""
        if n_tags > MAX_TAGS:
            raise ConfigError(f"[tagging] tag_dictionary holds at most {MAX_TAGS} tags; the "
                              f"training data has {n_tags}")
        words, owner = np.unique(keys, return_inverse=True)
        tags = np.zeros(len(words), dtype=np.uint32)
        np.bitwise_or.at(tags, owner, np.left_shift(np.uint32(1), tag_ids.astype(np.uint32)))
        return cls(words, tags, seed, cased, decoding, jamo)

    def keys(self, tokens: Sequence[str], version: int) -> np.ndarray:
        """``word_keys`` of ``tokens`` as this dictionary keys them."""
        return word_keys(tokens, self.seed, version, self.cased, self.jamo)

    def masks(self, keys: np.ndarray) -> np.ndarray:
        """The allowed tags of the words of ``keys`` (``word_keys``), as masks:
        every tag for a word not in the dictionary."""
        at = np.minimum(np.searchsorted(self.words, keys), len(self.words) - 1)
        return np.where(self.words[at] == keys, self.tags[at], ALL_TAGS)

    def __len__(self) -> int:
        return len(self.words)


def held_out_masks(sentences: Sequence[Sequence[str]], tag_ids: Sequence[np.ndarray],
                   n_tags: int, like: TagDictionary, version: int, folds: int = 5
                   ) -> np.ndarray:
    """The training tokens' masks for tag_class groups, each from a dictionary
    (keyed as ``like``) of the other folds' sentences (sentence i is in fold
    i mod ``folds``). A word seen once would otherwise always show its own
    tag as its class, which unseen text never does."""
    fold_of = np.arange(len(sentences)) % folds
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    token_fold = np.repeat(fold_of, lengths)
    tokens = [t for sentence in sentences for t in sentence]
    tags = np.concatenate([np.asarray(t, dtype=np.int64) for t in tag_ids]) if tokens \
        else np.zeros(0, dtype=np.int64)
    keys = like.keys(tokens, version)
    masks = np.zeros(len(tokens), dtype=np.uint32)
    for fold in range(folds):
        inside = token_fold == fold
        if inside.all():  # no other fold's words to learn from
            masks[inside] = ALL_TAGS
            continue
        dictionary = TagDictionary.from_keys(keys[~inside], tags[~inside], n_tags, like.seed,
                                             like.cased, jamo=like.jamo)
        masks[inside] = dictionary.masks(keys[inside])
    return masks


def mask_rows(scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """``scores`` (tokens x tags) with the tags a token's mask forbids at -inf."""
    if allowed is None:
        return scores
    bits = (allowed[:, None] >> np.arange(scores.shape[1], dtype=np.uint32)) & 1
    return np.where(bits == 1, scores, -np.inf)
