"""Feature kinds: each kind of feature group is one class, registered in ``KINDS``.

A kind owns everything about its groups: which parameters it reads and their
valid ranges, which task input it fits (a ``text`` for language ID, a
``token`` in its sentence for tagging), its bucket count when that is fixed
rather than planned, the ids it produces, and its one-line description for
``smallnlp info``. The featurizers, the config reader, the budget planner and
the model-file checks all ask the kind, so adding one is one class here plus
its tests (see docs/DEVELOPING.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np

from ..hashing import hash_spans
from ..text import SCRIPTS
from .batch import SHAPE_IDS, FramedBatch, HashRequest, TokenBatch
from .sparse import SparseGroup, one_per_row, pooled_group

TEXT = "text"  # features of a whole text, pooled over it (language ID)
TOKEN = "token"  # features of one token in its sentence (tagging)

# Decoding stages of a tagger's groups, in the order they must be listed.
STATIC, NEXT_TAGS, PREVIOUS_TAGS = 0, 1, 2

MAX_ORDER = 8
MAX_OFFSET = 16
MAX_SEED = 2**32 - 1
# A group's rows and width, as both readers accept them (runtime/c/src/model.c
# has the same numbers): the C runtime pools a group in a buffer of MAX_DIMS.
MAX_BUCKETS = 2**31 - 1
MAX_DIMS = 256
TAG_CLASS_BUCKETS = 1024  # rows of a tag_class group (runtime/c/src/internal.h has it too)


@dataclass(frozen=True)
class KindContext:
    """What fixed bucket counts depend on: the labels, whether a tagger
    decodes in two passes (it has ``next_tag`` groups), and the cluster ids of
    its word lexicon (0: none)."""

    n_labels: int = 0
    two_pass: bool = False
    lexicon_clusters: int = 0


@dataclass(frozen=True)
class GroupSpec:
    """One sized feature group, as a model file stores it."""

    name: str
    kind: str
    buckets: int
    dims: int
    order: int = 0
    seed: int = 0
    offset: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"feature group name {self.name!r} is not a non-empty string")
        for field in ("buckets", "dims", "order", "seed", "offset"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"feature group {self.name!r}: {field} must be an integer, "
                                 f"not {value!r}")
        if not 1 <= self.buckets <= MAX_BUCKETS or not 1 <= self.dims <= MAX_DIMS:
            raise ValueError(f"feature group {self.name!r}: buckets must be 1..{MAX_BUCKETS} "
                             f"and dims 1..{MAX_DIMS}")
        kind = kind_of(self.kind, self.name)
        kind.check(self)
        if kind.unknown_row and self.buckets < 2:
            raise ValueError(f"feature group {self.name!r}: a {self.kind} group needs 2 rows "
                             "at least (its last stands for unknown words)")

    @property
    def feature_kind(self) -> FeatureKind:
        return KINDS[self.kind]

    def to_dict(self) -> dict:
        return asdict(self)


class FeatureKind:
    """The base of every kind: parameter checks shared by all of them."""

    name: ClassVar[str]
    inputs: ClassVar[frozenset[str]]  # TEXT, TOKEN or both
    parameters: ClassVar[tuple[str, ...]] = ()  # which of order, seed, offset it reads
    stage: ClassVar[int] = STATIC
    unknown_row: ClassVar[bool] = False  # its last row stands for words not seen in training

    def check(self, group) -> None:
        """Raise ValueError naming ``group`` if its parameters do not fit this kind."""
        for parameter in ("order", "seed", "offset"):
            value = getattr(group, parameter)
            if parameter not in self.parameters and value:
                raise ValueError(f"feature group {group.name!r}: kind {self.name} takes no "
                                 f"{parameter} (got {value})")
        if "order" in self.parameters and not 1 <= group.order <= MAX_ORDER:
            raise ValueError(f"feature group {group.name!r}: order must be 1..{MAX_ORDER}")
        if "seed" in self.parameters and not 0 <= group.seed <= MAX_SEED:
            raise ValueError(f"feature group {group.name!r}: seed must be 0..{MAX_SEED}")
        if "offset" in self.parameters and not -MAX_OFFSET <= group.offset <= MAX_OFFSET:
            raise ValueError(f"feature group {group.name!r}: offset must be "
                             f"-{MAX_OFFSET}..{MAX_OFFSET}")

    def check_input(self, group, task_input: str) -> None:
        """Raise ValueError if ``group`` does not fit a task of ``task_input``."""
        if task_input not in self.inputs:
            fits = " or ".join(sorted(self.inputs))
            raise ValueError(f"feature group {group.name!r}: kind {self.name} is for "
                             f"{fits} features, and this task's features are {task_input} "
                             f"features (kinds for it: {', '.join(kinds_for(task_input))})")

    def fixed_buckets(self, context: KindContext) -> int | None:
        """The bucket count when the kind fixes it; ``None``: the planner sizes it."""
        return None

    def describe(self, group: GroupSpec) -> str:
        raise NotImplementedError

    # -- text features (language ID) -------------------------------------------------
    def text_request(self, group: GroupSpec, batch: FramedBatch) -> HashRequest | None:
        """The spans to hash for this group, if it hashes any."""
        return None

    def text_features(self, group: GroupSpec, batch: FramedBatch, request: HashRequest | None,
                      ids: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(row, bucket id) of every feature, given the hashed request: by
        default, each hashed span is a feature of the text it starts in."""
        return batch.row_of_char[request.starts], ids

    # -- token features (tagging) ----------------------------------------------------
    def token_request(self, group: GroupSpec, batch: TokenBatch
                      ) -> tuple[tuple, HashRequest] | None:
        """Raw hashes this group needs, under a key that groups differing only
        in offset or buckets share (so they are hashed once)."""
        return None

    def token_group(self, group: GroupSpec, batch: TokenBatch, request: HashRequest | None,
                    hashes: np.ndarray | None, merge_repeats: bool) -> SparseGroup:
        raise NotImplementedError


def _at(group: GroupSpec) -> str:
    return f" at {group.offset:+d}" if group.offset else ""


class CharNgram(FeatureKind):
    """Character n-grams of order ``order`` inside ``^word$`` frames (order 1
    skips the frame markers), hashed with ``seed``: of every word of a text,
    or of a tagger's focus word."""

    name = "char_ngram"
    inputs = frozenset({TEXT, TOKEN})
    parameters = ("order", "seed")

    def describe(self, group: GroupSpec) -> str:
        return f"character {group.order}-grams, seed {group.seed}"

    @staticmethod
    def _request(group: GroupSpec, starts: np.ndarray, buckets: int | None) -> HashRequest:
        return HashRequest(starts, starts + group.order, group.seed, buckets, 4 * group.order)

    def text_request(self, group, batch):
        return self._request(group, batch.ngram_starts(group.order), group.buckets)

    def token_request(self, group, batch):
        starts = batch.framed.ngram_starts(group.order)
        starts = starts[batch.framed.row_of_char[starts] < batch.n]  # not the padding words
        return (self.name, group.order, group.seed), self._request(group, starts, None)

    def token_group(self, group, batch, request, hashes, merge_repeats):
        rows = batch.framed.row_of_char[request.starts]
        return pooled_group(rows, hashes % np.uint32(group.buckets), batch.n, group.buckets,
                            merge_repeats)


class Word(FeatureKind):
    """Whole framed words (their first ``WORD_HASH_BYTES`` UTF-8 bytes) hashed
    with ``seed``: every word of a text, or the token ``offset`` away from a
    tagger's focus word. With a tagger's known-word bitmap, words outside it
    take the group's last row."""

    name = "word"
    inputs = frozenset({TEXT, TOKEN})
    parameters = ("seed", "offset")
    unknown_row = True

    def check_input(self, group, task_input: str) -> None:
        super().check_input(group, task_input)
        if task_input == TEXT and group.offset:
            raise ValueError(f"feature group {group.name!r}: a text's word group takes "
                             "no offset (every word of the text is a feature)")

    def describe(self, group: GroupSpec) -> str:
        return f"words{_at(group)}, seed {group.seed}"

    def text_request(self, group, batch):
        return batch.word_request(group.seed, group.buckets)

    def token_request(self, group, batch):
        return (self.name, 0, group.seed), batch.framed.word_request(group.seed)

    def token_group(self, group, batch, request, hashes, merge_repeats):
        if batch.known is None:
            ids = hashes % np.uint32(group.buckets)
        else:
            unknown = group.buckets - 1
            ids = np.where(batch.known, hashes % np.uint32(unknown), unknown)
        return one_per_row(batch.window(ids, group.offset))


class Script(FeatureKind):
    """The Unicode script of every letter of a text (``text.SCRIPTS``, one id
    per script), frequency-weighted."""

    name = "script"
    inputs = frozenset({TEXT})

    def fixed_buckets(self, context):
        return len(SCRIPTS)

    def describe(self, group):
        return f"scripts of the letters ({len(SCRIPTS)} ids)"

    def text_features(self, group, batch, request, ids):
        return batch.scripts()


class _Affix(FeatureKind):
    inputs = frozenset({TOKEN})
    parameters = ("order", "seed", "offset")
    suffix: ClassVar[bool]

    def describe(self, group):
        return f"{group.order}-letter {self.name}es{_at(group)}, seed {group.seed}"

    def token_request(self, group, batch):
        return (self.name, group.order, group.seed), HashRequest(
            *batch.framed.affix_spans(group.order, self.suffix), group.seed, None,
            4 * (group.order + 1))

    def token_group(self, group, batch, request, hashes, merge_repeats):
        return one_per_row(batch.window(hashes % np.uint32(group.buckets), group.offset))


class Prefix(_Affix):
    """The first ``order`` letters of the token ``offset`` away, with the
    ``^`` marker (the whole framed word when shorter), hashed with ``seed``."""

    name = "prefix"
    suffix = False


class Suffix(_Affix):
    """The last ``order`` letters of the token ``offset`` away, with the ``$``
    marker (the whole framed word when shorter), hashed with ``seed``."""

    name = "suffix"
    suffix = True


class Shape(FeatureKind):
    """Capitalisation x digits x punctuation x length of the token ``offset``
    away, as written (``batch.shape_id``)."""

    name = "shape"
    inputs = frozenset({TOKEN})
    parameters = ("offset",)

    def fixed_buckets(self, context):
        return SHAPE_IDS

    def describe(self, group):
        return f"word shape{_at(group)} ({SHAPE_IDS} ids)"

    def token_group(self, group, batch, request, hashes, merge_repeats):
        return one_per_row(batch.window(batch.shapes, group.offset))


class _Lexical(FeatureKind):
    """What a tagger's word lexicon (``lexicon.Lexicon``) says of the token
    ``offset`` away, as written; the padding words get id 0."""

    inputs = frozenset({TOKEN})
    parameters = ("offset",)
    column: ClassVar[int]  # of batch.lexicon_ids

    def token_group(self, group, batch, request, hashes, merge_repeats):
        if batch.lexicon_ids is None:
            raise ValueError(f"feature group {group.name!r}: kind {self.name} needs a word "
                             "lexicon ([features] lexicon_words and a lexicon source)")
        return one_per_row(batch.window(batch.lexicon_ids[self.column], group.offset))


class Cluster(_Lexical):
    """The word cluster of the token ``offset`` away (0: none known)."""

    name = "cluster"
    column = 0

    def fixed_buckets(self, context):
        return context.lexicon_clusters or None

    def describe(self, group):
        return f"word cluster{_at(group)}"


class CaseRatio(_Lexical):
    """How much likelier the token ``offset`` away is capitalised than not
    (log P(Word) − log P(word), binned; ``lexicon.RATIO_IDS`` ids)."""

    name = "case_ratio"
    column = 1

    def fixed_buckets(self, context):
        from ..lexicon import RATIO_IDS

        return RATIO_IDS

    def describe(self, group):
        return f"capitalisation ratio{_at(group)}"


class TagClass(FeatureKind):
    """The tags the token ``offset`` away had in training (its tag dictionary
    mask, as UDPipe 1's tagger sees a word's ambiguity class), hashed with
    ``seed``: a class is shared by many words, so a rare word's neighbours and
    the word itself are told by what kind of word they are. Words outside the
    dictionary share the all-tags mask, the padding words mask 0."""

    name = "tag_class"
    inputs = frozenset({TOKEN})
    parameters = ("seed", "offset")

    def fixed_buckets(self, context):
        return TAG_CLASS_BUCKETS

    def describe(self, group):
        return f"tags the word had in training{_at(group)}, seed {group.seed}"

    def token_group(self, group, batch, request, hashes, merge_repeats):
        if batch.tag_masks is None:
            raise ValueError(f"feature group {group.name!r}: kind {self.name} needs a tag "
                             "dictionary")
        masks = batch.tag_masks.astype("<u4")
        ids = hash_spans(masks.tobytes(), 4 * np.arange(len(masks)),
                         np.full(len(masks), 4), group.seed) % np.uint32(group.buckets)
        return one_per_row(batch.window(ids, group.offset))


def needs_tag_dictionary(groups) -> bool:
    """Whether a tagger with these groups keeps a tag dictionary for its features."""
    return any(g.kind == TagClass.name for g in groups)


class _Tag(FeatureKind):
    """Tags are not featurized from text: the decoder supplies them
    (``TokenFeaturizer.tag_ids``). Row 0 is "outside the sentence", row
    ``1 + tag`` a tag, and with two passes the last row "not known yet"."""

    inputs = frozenset({TOKEN})
    parameters = ("offset",)

    def fixed_buckets(self, context):
        return context.n_labels + (2 if context.two_pass else 1)


class PreviousTag(_Tag):
    """The tag already given to the token ``offset`` (< 0) back."""

    name = "prev_tag"
    stage = PREVIOUS_TAGS

    def check(self, group):
        super().check(group)
        if group.offset >= 0:
            raise ValueError(f"feature group {group.name!r}: prev_tag needs a negative offset")

    def describe(self, group):
        return f"the tag given{_at(group)}"


class NextTag(_Tag):
    """The tag a first decoding pass gave the token ``offset`` (> 0) ahead."""

    name = "next_tag"
    stage = NEXT_TAGS

    def check(self, group):
        super().check(group)
        if group.offset <= 0:
            raise ValueError(f"feature group {group.name!r}: next_tag needs a positive offset")

    def describe(self, group):
        return f"the first pass's tag{_at(group)}"


KINDS: dict[str, FeatureKind] = {kind.name: kind() for kind in (
    CharNgram, Word, Script, Prefix, Suffix, Shape, Cluster, CaseRatio, TagClass, PreviousTag,
    NextTag)}


def kinds_for(task_input: str) -> list[str]:
    return [name for name, kind in KINDS.items() if task_input in kind.inputs]


def kind_of(name: str, group_name: str = "?") -> FeatureKind:
    """The registered kind called ``name``; ValueError naming the group if none."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ValueError(f"feature group {group_name!r}: unknown kind {name!r}; expected one "
                         f"of {', '.join(KINDS)}")
    return kind


def two_pass(groups) -> bool:
    """Whether a tagger with these groups decodes in two passes: it has
    groups that read the first pass's tags."""
    return any(kind_of(g.kind, g.name).stage == NEXT_TAGS for g in groups)


def check_groups(groups, task_input: str) -> None:
    """Checks on a task's whole list of groups (each already valid alone): kinds
    fit the task input, names are unique, and a tagger's groups are listed in
    decoding order (static, then next tags, then previous tags)."""
    names = [g.name for g in groups]
    if not groups:
        raise ValueError("no feature groups")
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ValueError(f"feature group {duplicate!r} is listed twice")
    for group in groups:
        kind_of(group.kind, group.name).check_input(group, task_input)
    stages = [KINDS[g.kind].stage for g in groups]
    if stages != sorted(stages):
        raise ValueError("next_tag groups must follow the other groups, and prev_tag groups "
                         "must come last")
