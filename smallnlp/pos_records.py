"""What a tagger's config and model file hold: the records read from
``configs/pos.toml`` and written to a ``.snlp`` file's metadata
(docs/FORMAT.md), checked field by field (records.py)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from .config import Features
from .features import TOKEN, KindContext, kind_of
from .features.kinds import MAX_SEED, needs_tag_dictionary, two_pass
from .fileformat import MAX_MEMBERS, FeatureRecord, ModelMetadata
from .lexicon import CLUSTER_BITS, LOWER_UNKNOWN, MAX_CLUSTERS
from .model import TaskConfig
from .records import option
from .tag_dictionary import MAX_TAGS

# The tag dictionary's arrays: its words' keys and their tag masks.
TAG_DICTIONARY_ARRAYS = ("tag_dictionary_words", "tag_dictionary_tags")

TASK = "pos"


@dataclasses.dataclass(frozen=True)
class PosFeatures(Features):
    """``[features]`` of a tagger."""

    # Bits of the bitmap of hashed training words (at most 4% of the budget).
    known_word_bits: int = option(0, minimum=0)
    # Words of the lexicon source kept in the model's word lexicon (cluster and
    # case_ratio groups; 0: none). It costs lexicon.bytes_for(words) bytes.
    lexicon_words: int = option(0, minimum=0)
    # Frame Hangul syllables as their jamo (text.hangul_jamo), so that the
    # features see Korean endings fused into a syllable (가까운 = 가깝 + ㄴ).
    hangul_jamo: bool = option(False)
    task_input: ClassVar[str] = TOKEN

    def validate(self) -> None:
        super().validate()
        if self.known_word_bits % 8:
            raise ValueError(f"known_word_bits must be a multiple of 8, not "
                             f"{self.known_word_bits}")

    def two_pass(self) -> bool:
        return two_pass(self.groups)


@dataclasses.dataclass(frozen=True)
class Tagging:
    """``[tagging]``: how the tag features are trained."""

    # Probability that a previous-tag feature sees the model's own greedy tag
    # instead of the gold one, from epoch 2 (scheduled sampling).
    scheduled_sampling: float = option(0.0, minimum=0, maximum=1)
    # Share of the tokens that see "not known yet" tag features in each epoch,
    # as the first of two decoding passes does (needs next_tag groups).
    first_pass_share: float = option(0.0, minimum=0, below=1)
    # A word seen c times takes the unknown-word row with probability
    # alpha / (alpha + c) in each epoch (needs known_word_bits).
    word_dropout: float = option(0.0, minimum=0)
    # Keep each training word's tags in the model, and give a word seen in
    # training only one of them when decoding (tag_dictionary.py); costs 8
    # bytes a distinct training word, taken from the embedding rows.
    tag_dictionary: bool = option(False)
    # Key the dictionary's words as written instead of lowercased (where case
    # tells tags apart, as PROPN from NOUN in Indonesian).
    tag_dictionary_cased: bool = option(False)
    # Weight of a second output layer's loss, trained beside the tags' from the
    # same hidden layer and then dropped: it predicts each token's XPOS, cut at
    # its last "+" (Korean's NNG+JKB -> JKB, the particle), which teaches the
    # hidden layer what the UPOS alone does not say. 0: no such layer.
    xpos_weight: float = option(0.0, minimum=0)


@dataclasses.dataclass(frozen=True)
class PosConfig(TaskConfig):
    features: PosFeatures
    tagging: Tagging = Tagging()
    # Networks in the file, their tag probabilities averaged (0: as the
    # budget planner decides, budget.members_for).
    members: int = option(0, minimum=0, maximum=MAX_MEMBERS)

    def validate(self) -> None:
        if self.features.two_pass() and not self.tagging.first_pass_share > 0:
            raise ValueError("next_tag groups need [tagging] first_pass_share between 0 and 1")
        if lexical_groups(self.features.groups) and not self.features.lexicon_words:
            raise ValueError(f"groups {', '.join(lexical_groups(self.features.groups))} need "
                             "[features] lexicon_words")
        if self.tagging.word_dropout > 0 and not (
                self.features.known_word_bits
                and any(kind_of(g.kind).unknown_row for g in self.features.groups)):
            raise ValueError("[tagging] word_dropout needs word groups and [features] "
                             "known_word_bits")
        if self.tagging.tag_dictionary_cased and not self.tagging.tag_dictionary:
            raise ValueError("[tagging] tag_dictionary_cased needs tag_dictionary = true")


@dataclasses.dataclass(frozen=True)
class KnownWords:
    """The known-word bitmap: its size and the seed its words were hashed with."""

    bits: int = option(minimum=8)
    seed: int = option(minimum=0, maximum=MAX_SEED)

    def validate(self) -> None:
        if self.bits % 8:
            raise ValueError(f"known_words bits {self.bits} is not a multiple of 8")


@dataclasses.dataclass(frozen=True)
class LexiconRecord:
    """The word lexicon's table: its slots, hash seed, cluster ids and probes."""

    slots: int = option(minimum=1, maximum=2**32 - 1)
    seed: int = option(minimum=0, maximum=MAX_SEED)
    clusters: int = option(minimum=1, maximum=MAX_CLUSTERS)
    probes: int = option(minimum=1)
    words: int = option(minimum=0, maximum=2**63 - 1)

    def validate(self) -> None:
        if self.probes > self.slots:  # a lookup never needs more: a bound on its time
            raise ValueError(f"lexicon: probes {self.probes} exceeds its {self.slots} slots")


@dataclasses.dataclass(frozen=True)
class TagDictionaryRecord:
    """The tag dictionary's size, the seed its words were hashed with,
    whether they were hashed as written (else lowercased), and whether
    decoding keeps to it (else it serves tag_class groups only)."""

    words: int = option(minimum=1, maximum=2**32 - 1)
    seed: int = option(minimum=0, maximum=MAX_SEED)
    cased: bool = option(False)
    decoding: bool = option(True)


@dataclasses.dataclass(frozen=True)
class TokenFeatureRecord(FeatureRecord):
    known_words: KnownWords | None = None
    lexicon: LexiconRecord | None = None
    tag_dictionary: TagDictionaryRecord | None = None
    hangul_jamo: bool = option(False)
    task_input: ClassVar[str] = TOKEN

    def arrays(self) -> dict[str, tuple[str, tuple[int, ...]]]:
        arrays = {} if self.known_words is None else {
            "known_words": ("<u1", (self.known_words.bits // 8,))}
        if self.lexicon is not None:
            arrays["lexicon"] = ("<i4", (self.lexicon.slots,))
        if self.tag_dictionary is not None:
            for name in TAG_DICTIONARY_ARRAYS:
                arrays[name] = ("<i4", (self.tag_dictionary.words,))
        return arrays


@dataclasses.dataclass(frozen=True)
class PosMetadata(ModelMetadata):
    features: TokenFeatureRecord
    # Networks whose tag probabilities are averaged (written when more than one).
    members: int = option(1, minimum=1, maximum=MAX_MEMBERS)
    task_name: ClassVar[str] = TASK

    def member_count(self) -> int:
        return self.members

    def validate(self) -> None:
        super().validate()
        if self.features.lexicon is None and lexical_groups(self.features.groups):
            raise ValueError(f"groups {', '.join(lexical_groups(self.features.groups))} need "
                             "a word lexicon, and features has no lexicon")
        if self.features.tag_dictionary is None and needs_tag_dictionary(self.features.groups):
            raise ValueError("tag_class groups need a tag dictionary, and features has none")

    def kind_context(self) -> KindContext:
        lexicon = self.features.lexicon
        return dataclasses.replace(super().kind_context(),
                                   lexicon_clusters=lexicon.clusters if lexicon else 0)

    def check_contents(self, arrays: dict[str, np.ndarray]) -> None:
        """Every filled slot of the word lexicon names a cluster the model has
        rows for and a ratio code that exists; the tag dictionary's words are
        in increasing order and each allows some of the model's tags
        (docs/FORMAT.md)."""
        if self.features.tag_dictionary is not None:
            words, tags = (arrays[name].view(np.uint32) for name in TAG_DICTIONARY_ARRAYS)
            if len(self.labels) > MAX_TAGS:
                raise ValueError(f"a tag dictionary holds at most {MAX_TAGS} tags, the model "
                                 f"has {len(self.labels)}")
            if (np.diff(words.astype(np.int64)) <= 0).any():
                raise ValueError("tag dictionary words are not in increasing order")
            if (tags == 0).any() or (tags.astype(np.uint64) >= 1 << len(self.labels)).any():
                raise ValueError("a tag dictionary word allows no tag, or tags the model "
                                 "does not have")
        lexicon = self.features.lexicon
        if lexicon is None:
            return
        filled = arrays["lexicon"].view(np.uint32)
        filled = filled[filled != 0]
        bad = ((filled >> 16) & (MAX_CLUSTERS - 1)) >= lexicon.clusters
        bad |= ((filled >> (16 + CLUSTER_BITS)) & 0xF) > LOWER_UNKNOWN
        bad |= (filled >> 30) != 0
        if bad.any():
            raise ValueError(f"lexicon slot value {int(filled[bad][0]):#010x} names a cluster, "
                             "ratio code or bits that do not exist")


def lexical_groups(groups) -> list[str]:
    """The groups that read a word lexicon (cluster, case_ratio)."""
    return [g.name for g in groups if g.kind in ("cluster", "case_ratio")]
