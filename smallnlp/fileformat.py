"""What a model file holds: the one definition of its metadata and arrays.

``modelfile.py`` is the container (magic, version, JSON, aligned arrays,
checksum); this module says what the JSON and the arrays must be, for every
task, and checks a file against it completely, on load and before every
save, so that a file either loads into a working model or is refused with a
``ModelFileError``, never a crash at the first prediction.

The metadata (format version 2; ``docs/FORMAT.md`` explains every field):

- ``task``, ``labels`` (unique, non-empty, no tab or line break), ``hidden``;
- ``featurizer``: the feature rules' version (``FEATURIZER_VERSION``) and the
  Unicode version of the ``unicodedata`` that made the file;
- ``features``: the sized groups (each checked by its kind) plus the task's
  own keys; a task subclasses ``FeatureRecord`` and ``ModelMetadata``;
- ``data_licences``: what each part of the training data is licensed under;
- ``training``: a free-form record of the training run (settings, history,
  provenance); only its ``seed`` and ``memory_budget`` are checked.

The arrays: per feature group ``i``, ``embedding_i.codes`` (uint8, buckets x
dims), ``embedding_i.offset`` and ``embedding_i.scale`` (float16, buckets);
then the dense layers; then the task's own arrays. A tagger of several
members (``members``) has every network array once per member, member m > 0's
names prefixed ``member<m>.``. Nothing else, nothing less.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import modelfile
from .datasets import is_safe_label
from .embeddings import QuantizedEmbedding
from .errors import ModelFileError
from .features import (
    FEATURIZER_VERSION,
    READABLE_FEATURIZER_VERSIONS,
    TEXT,
    GroupSpec,
    KindContext,
    check_groups,
)
from .features.kinds import MAX_SEED, kind_of, two_pass
from .network import DENSE_PARAMETERS, FeedForwardNetwork
from .records import SchemaError, option, read

UNICODE_VERSION = unicodedata.unidata_version
MAX_LABELS = 1 << 16
MAX_HIDDEN = 1 << 16
# The dense layers' arrays, after the embedding tables (shapes: see ModelMetadata.arrays).
DENSE_ARRAYS = ("hidden_weights", "hidden_bias", "output_weights", "output_bias")
# With 8-bit dense layers, their weights are int8 and these scales follow.
DENSE_SCALE_ARRAYS = ("hidden_scales", "output_scales")
DENSE_KINDS = ("float32", "int8")
# The most networks one file may hold (a tagger's members, averaged).
MAX_MEMBERS = 16


def member_prefix(member: int) -> str:
    """What the names of member ``member``'s network arrays start with."""
    return f"member{member}." if member else ""


def embedding_arrays(index: int, member: int = 0) -> tuple[str, str, str]:
    """Names of group ``index``'s codes, row offsets and row scales."""
    prefix = f"{member_prefix(member)}embedding_{index}"
    return f"{prefix}.codes", f"{prefix}.offset", f"{prefix}.scale"


def dense_arrays(member: int = 0, dense_int8: bool = False) -> tuple[str, ...]:
    """Names of member ``member``'s dense layers, in ``DENSE_ARRAYS`` order,
    then (8-bit dense layers) their scales."""
    names = DENSE_ARRAYS + (DENSE_SCALE_ARRAYS if dense_int8 else ())
    return tuple(member_prefix(member) + name for name in names)


def arrays_of_network(network: FeedForwardNetwork, member: int = 0) -> dict[str, np.ndarray]:
    """The 8-bit ``network`` as the named arrays of the file's member ``member``."""
    net = network.quantized()
    arrays = {}
    for index, store in enumerate(net.embeddings):
        arrays.update(zip(embedding_arrays(index, member),
                          (store.codes, store.offset, store.scale)))
    dense = [getattr(net, parameter) for parameter in DENSE_PARAMETERS]
    arrays.update(zip(dense_arrays(member, net.dense_int8),
                      dense + list(net.dense_scales or ())))
    return arrays


def network_of_arrays(arrays: dict[str, np.ndarray], n_groups: int,
                      member: int = 0) -> FeedForwardNetwork:
    """Member ``member``'s network, over a checked file's arrays (not copied)."""
    stores = [QuantizedEmbedding(*(arrays[name] for name in embedding_arrays(i, member)))
              for i in range(n_groups)]
    names = dense_arrays(member, dense_int8=True)
    scales = (arrays[names[4]], arrays[names[5]]) if names[4] in arrays else None
    return FeedForwardNetwork(stores, *(arrays[name] for name in names[:4]),
                              dense_scales=scales)


def network_arrays(n_groups: int, members: int = 1, dense_int8: bool = False) -> list[str]:
    """Names of every network array of ``members`` networks of ``n_groups`` groups."""
    return [name for member in range(members)
            for name in [*(name for index in range(n_groups)
                           for name in embedding_arrays(index, member)),
                         *dense_arrays(member, dense_int8)]]


def array_count(n_groups: int, task_arrays: int = 0, members: int = 1,
                dense_int8: bool = False) -> int:
    """How many arrays a model with ``n_groups`` feature groups holds."""
    dense = len(DENSE_ARRAYS) + (len(DENSE_SCALE_ARRAYS) if dense_int8 else 0)
    return members * (3 * n_groups + dense) + task_arrays


def file_version(metadata: dict) -> int:
    """The format version a file of ``metadata`` is written as: 3 with 8-bit
    dense layers, a tag dictionary or Hangul framed as jamo, else 2, which
    runtimes that predate them read."""
    features = metadata.get("features", {})
    later = features.get("tag_dictionary") or features.get("hangul_jamo")
    return 3 if metadata.get("dense") == "int8" or later else 2


# Values at least as long in JSON as any a field of their type holds: a
# metadata dict filled with them bounds the size of the real one.
WIDEST_INT = -(2**63)
WIDEST_FLOAT = -1.2345678901234567e-300


def widest_group(name: str, kind: str) -> dict:
    """A feature group's entry at its widest, before the planner sizes it."""
    return {"name": name, "kind": kind,
            **dict.fromkeys(("buckets", "dims", "order", "seed", "offset"), WIDEST_INT)}


def metadata_bytes(widest: dict, task_arrays: tuple[str, ...] = (), members: int = 1) -> int:
    """Bytes of the metadata section of a file whose metadata is ``widest``
    (filled with ``WIDEST_*`` values where they are not known yet) and whose
    arrays are those of its feature groups and dense layers (of each of
    ``members`` networks) and ``task_arrays``: what the budget planner
    reserves for it."""
    names = network_arrays(len(widest["features"]["groups"]), members,
                           widest.get("dense") == "int8") + [*task_arrays]
    table = [{"name": name, "dtype": "<f4", "shape": [WIDEST_INT, WIDEST_INT],
              "offset": WIDEST_INT} for name in names]
    return len(modelfile.metadata_json({**widest, "arrays": table}))


@dataclass(frozen=True)
class FeaturizerRecord:
    """Which feature rules made the ids: a runtime that cannot reproduce them
    must refuse the file."""

    version: int = option(minimum=1)
    unicode: str = option()


@dataclass(frozen=True)
class FeatureRecord:
    """``features``: the sized groups; a task adds its own keys."""

    groups: tuple[GroupSpec, ...]
    task_input: ClassVar[str] = TEXT

    def validate(self) -> None:
        check_groups(self.groups, self.task_input)

    def arrays(self) -> dict[str, tuple[str, tuple[int, ...]]]:
        """The task's own arrays implied by these features."""
        return {}


@dataclass(frozen=True)
class ModelMetadata:
    """The metadata every model file has; a task subclasses it to type its
    ``features`` (and add keys of its own)."""

    task: str
    labels: tuple[str, ...]
    smallnlp_version: str
    featurizer: FeaturizerRecord
    features: FeatureRecord
    hidden: int = option(minimum=1, maximum=MAX_HIDDEN)
    data_licences: dict[str, str] = option()
    training: dict = option()
    # The dense layers' weights: float32, or int8 with a scale per output unit
    # (format version 3; for tasks that allow it).
    dense: str = "float32"
    task_name: ClassVar[str] = ""
    int8_dense: ClassVar[bool] = False  # whether the task's files may have them

    def validate(self) -> None:
        if self.task != self.task_name:
            raise ValueError(f"task is {self.task!r}, not {self.task_name!r}")
        if self.dense not in DENSE_KINDS:
            raise ValueError(f"dense is {self.dense!r}, not one of {', '.join(DENSE_KINDS)}")
        if self.dense == "int8" and not self.int8_dense:
            raise ValueError(f"a {self.task_name} model has no 8-bit dense layers")
        labels = self.labels
        if not labels or len(labels) > MAX_LABELS:
            raise ValueError(f"a model needs 1..{MAX_LABELS} labels, not {len(labels)}")
        bad = next((label for label in labels if not is_safe_label(label)), None)
        if bad is not None:
            raise ValueError(f"label {bad!r} is empty or holds a tab or line break")
        if len(set(labels)) != len(labels):
            raise ValueError("labels are not unique")
        if self.featurizer.version not in READABLE_FEATURIZER_VERSIONS:
            raise ValueError(f"its features were made by featurizer version "
                             f"{self.featurizer.version}; this smallnlp reads versions "
                             f"{', '.join(map(str, READABLE_FEATURIZER_VERSIONS))}")
        for key, low, high in (("seed", 0, MAX_SEED), ("memory_budget", 0, 2**63 - 1)):
            value = self.training.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or value < low or (high is not None and value > high)):
                raise ValueError(f"training {key} {value!r} is not an integer in "
                                 f"{low}..{high if high is not None else ''}")
        context = self.kind_context()
        for group in self.features.groups:
            fixed = kind_of(group.kind, group.name).fixed_buckets(context)
            if fixed is not None and group.buckets != fixed:
                raise ValueError(f"feature group {group.name!r} has {group.buckets} rows; a "
                                 f"{group.kind} group of this model has {fixed}")

    def kind_context(self) -> KindContext:
        return KindContext(len(self.labels), two_pass(self.features.groups))

    def check_contents(self, arrays: dict[str, np.ndarray]) -> None:
        """Raise ValueError if an array holds what the metadata rules out (a
        task with such arrays says what; shapes and dtypes are checked)."""

    def member_count(self) -> int:
        """How many networks the file holds (a task may allow several)."""
        return 1

    def arrays(self) -> dict[str, tuple[str, tuple[int, ...]]]:
        """Every array the file must hold: name -> (dtype, shape)."""
        expected: dict[str, tuple[str, tuple[int, ...]]] = {}
        width = sum(group.dims for group in self.features.groups)
        hidden, labels = self.hidden, len(self.labels)
        for member in range(self.member_count()):
            for index, group in enumerate(self.features.groups):
                codes, offset, scale = embedding_arrays(index, member)
                expected[codes] = ("<u1", (group.buckets, group.dims))
                expected[offset] = expected[scale] = ("<f2", (group.buckets,))
            weights = "<i1" if self.dense == "int8" else "<f4"
            expected.update(zip(dense_arrays(member, self.dense == "int8"),
                                [(weights, (width, hidden)), ("<f4", (hidden,)),
                                 (weights, (hidden, labels)), ("<f4", (labels,)),
                                 ("<f4", (hidden,)), ("<f4", (labels,))]))
        return {**expected, **self.features.arrays()}


def featurizer_record() -> dict:
    """The ``featurizer`` entry of a file this smallnlp writes."""
    return {"version": FEATURIZER_VERSION, "unicode": UNICODE_VERSION}


def upgrade_v1(metadata: dict) -> dict:
    """Format version 1's metadata in version 2's shape: its ids were made by
    featurizer version 1 (Unicode version not recorded), and a tagger's
    single ``data_licence`` becomes ``data_licences``."""
    upgraded = {key: value for key, value in metadata.items() if key != "data_licence"}
    upgraded["featurizer"] = {"version": 1, "unicode": "unrecorded"}
    if "data_licences" not in metadata:
        licence = metadata.get("data_licence")
        training = metadata.get("training")
        source = training.get("treebank", "training data") if isinstance(training, dict) \
            else "training data"
        upgraded["data_licences"] = {str(source): licence} if licence else {}
    return upgraded


def check(schema: type[ModelMetadata], metadata: dict, arrays: dict[str, np.ndarray],
          source: str) -> ModelMetadata:
    """``metadata`` and ``arrays`` checked against ``schema`` completely: every
    type, range and cross-reference, every array's name, dtype and shape, and
    finite floats. Returns the typed metadata; ModelFileError otherwise."""
    def fail(reason: str) -> ModelFileError:
        return ModelFileError(f"{source}: not a valid {schema.task_name} model: {reason}")

    try:
        record = read(schema, metadata, "metadata")
    except SchemaError as exc:
        raise fail(str(exc)) from None
    expected = record.arrays()
    missing = sorted(set(expected) - set(arrays))
    extra = sorted(set(arrays) - set(expected))
    if missing or extra:
        raise fail(f"array {(missing or extra)[0]!r} is "
                   f"{'missing' if missing else 'not part of this model'}")
    for name, (dtype, shape) in expected.items():
        array = arrays[name]
        if array.dtype != np.dtype(dtype) or array.shape != shape:
            raise fail(f"array {name!r} is {array.dtype} {array.shape}; the metadata implies "
                       f"{np.dtype(dtype)} {shape}")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise fail(f"array {name!r} holds values that are not finite")
    try:
        record.check_contents(arrays)
    except ValueError as exc:
        raise fail(str(exc)) from None
    return record
