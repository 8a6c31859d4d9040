"""What every task's model shares: plain constructor arguments, the training
preamble and record, saving and loading. A task (langid.py, pos.py) subclasses
``TaskModel`` and declares its config schema, its metadata schema and how its
featurizer is built and described."""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np

from . import fileformat, modelfile
from .backends import choose_c_model, open_c_model
from .budget import (
    FILE_OVERHEAD,
    MIN_BUCKETS,
    Plan,
    check_training_memory,
    minimum_budget,
    parse_size,
    plan,
    too_small,
)
from .config import MAX_HIDDEN, Features, GroupTemplate, parse_config
from .errors import BudgetError, ConfigError, ModelFileError
from .features import KindContext
from .files import write_atomic
from .network import FeedForwardNetwork
from .records import option
from .train import TrainOptions, TrainResult
from .version import __version__

DEFAULT_BUDGET = "1MB"
ALIGNMENT = 8  # the most padding an array needs before it (modelfile)
# What a loaded model holds besides its file's bytes (which its arrays are
# views of): numpy array headers, and the Python objects of its groups and of
# its parsed metadata, then the few KB of caches a first call fills (letters,
# word shapes). Measured with tracemalloc (benchmarks/loaded_memory.py: 13-47
# KB for models of 4-20 groups, 4-7 KB more after a call) and rounded up by a
# quarter or more; the plan reserves it, so that the budget bounds the loaded
# model too.
LOADED_BYTES_PER_ARRAY = 300
LOADED_BYTES_PER_GROUP = 600
LOADED_BYTES_PER_METADATA_BYTE = 2
LOADED_BYTES_FIXED = 8192
# The widest training environment a file records: its values are cut to these
# lengths, and the planner reserves this much, so that a machine's version
# strings do not move the plan (and with it every weight).
WIDEST_ENVIRONMENT = {"python": "x" * 16, "numpy": "x" * 24, "blas": "x" * 64}


def training_environment() -> dict[str, str]:
    """What a trained file's bits depend on besides smallnlp, its settings and
    data: the Python and numpy versions, and the BLAS numpy calls (library,
    version and the CPU kernels it chose). Files trained where these match are
    byte-identical; elsewhere they agree in behaviour, not in every bit."""
    from threadpoolctl import threadpool_info

    blas = next((" ".join(str(info.get(key) or "") for key in
                          ("internal_api", "version", "architecture")).strip()
                 for info in threadpool_info() if info.get("user_api") == "blas"), "unknown")
    found = {"python": platform.python_version(), "numpy": np.__version__, "blas": blas}
    return {key: found[key][:len(widest)] for key, widest in WIDEST_ENVIRONMENT.items()}


# What each task's files hold, and what reads them (for a file given to the other task).
_TASK_USES = {"langid": ("language-ID", "smallnlp langid or LanguageIdentifier.load"),
              "pos": ("POS-tagging", "smallnlp pos or PosTagger.load")}


def file_arrays(networks: list[FeedForwardNetwork],
                featurizer_arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every array of a model file: each member network's, then the featurizer's."""
    arrays = {}
    for member, network in enumerate(networks):
        arrays.update(fileformat.arrays_of_network(network, member))
    return {**arrays, **featurizer_arrays}


def save_model(path: str | os.PathLike, schema: type[fileformat.ModelMetadata], metadata: dict,
               networks: list[FeedForwardNetwork],
               featurizer_arrays: dict[str, np.ndarray] | None = None) -> int:
    """Write the 8-bit model atomically, after checking it against ``schema``
    (a file this writes always loads) and its memory budget."""
    payload = modelfile.encode(metadata, file_arrays(networks, featurizer_arrays or {}),
                               fileformat.file_version(metadata))
    fileformat.check(schema, *modelfile.decode(payload, str(path))[:2], str(path))
    budget = metadata.get("training", {}).get("memory_budget")
    if budget is not None and len(payload) > budget:
        raise ModelFileError(f"{path}: model of {len(payload):,} bytes would exceed its "
                             f"memory budget of {budget:,} bytes")
    write_atomic(path, payload)
    return len(payload)


def members_record(results: list[TrainResult],
                   accuracies: list[tuple[float, float] | None],
                   ensemble_accuracy: float | None) -> dict:
    """What a file of several members adds to its ``training`` entry: the
    runs of the members after the first (whose run is the entry itself) and
    the dev accuracy of all of them averaged."""
    record: dict = {"members": [{"member": member, **result.record(accuracy)}
                                for member, (result, accuracy)
                                in enumerate(zip(results, accuracies), start=1)]}
    if ensemble_accuracy is not None:
        record["ensemble_dev_accuracy"] = ensemble_accuracy
    return record


def _dense_int8(config) -> bool:
    """Whether a config asks for 8-bit dense layers (language ID's ``dense``)."""
    return getattr(config.features, "dense", "float32") == "int8"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """The keys every task's config has; a task adds its sections."""

    features: Features
    training: TrainOptions
    memory_budget: str | int | None = option(None, minimum=1)

    def validate(self) -> None:
        if self.memory_budget is not None:
            parse_size(self.memory_budget)  # BudgetError (a ValueError) names the value


class TaskModel:
    """What LanguageIdentifier and PosTagger share: scikit-learn-style plain
    constructor arguments, fitted state in ``*_`` attributes, the training
    preamble and record, saving and loading."""

    task: ClassVar[str] = ""
    default_config: ClassVar[str] = ""
    config_schema: ClassVar[type[TaskConfig]] = TaskConfig
    metadata_schema: ClassVar[type[fileformat.ModelMetadata]] = fileformat.ModelMetadata
    # The training record's name for what was counted: examples, tokens.
    count_key: ClassVar[str] = "examples"
    def __init__(self, memory_budget: str | int | None = None,
                 config: str | os.PathLike | dict | None = None,
                 epochs: int | None = None, seed: int = 0, hidden: int | None = None):
        self.memory_budget = memory_budget
        self.config = config
        self.epochs = epochs
        self.seed = seed
        self.hidden = hidden
        self.network_: FeedForwardNetwork | None = None  # the first of networks_
        self.networks_: list[FeedForwardNetwork] = []  # a file's members (one, or more)
        self.featurizer_ = None
        self.labels_: list[str] = []
        self._metadata: dict = {}
        self._metadata_json: bytes | None = None  # a loaded model's metadata, see metadata_
        # What predicts (backends.py): numpy, or the C runtime over _file_bytes.
        self.predictor_ = None
        self._file_bytes: bytes | None = None  # the file a loaded model was read from

    @property
    def labels(self) -> list[str]:
        return list(self.labels_)

    @property
    def metadata_(self) -> dict:
        """What the model file records: labels, features, the training record,
        licences. A loaded model keeps it as compact JSON and parses it on each
        access: parsed, it held about three bytes of Python objects per JSON
        byte (55 KB for 75 languages' records and licences), a sixth of a
        315 KB budget spent on what no prediction reads."""
        if self._metadata_json is not None:
            return json.loads(self._metadata_json)
        return self._metadata

    @metadata_.setter
    def metadata_(self, metadata: dict) -> None:
        self._metadata, self._metadata_json = metadata, None

    @property
    def classes_(self) -> np.ndarray:
        """The labels under scikit-learn's name: ``predict_proba``'s columns, in order."""
        self._require_fitted()
        return np.array(self.labels_)

    @property
    def backend(self) -> str:
        """What predicts: ``"c"`` (the C runtime) or ``"numpy"``."""
        return "numpy" if self.predictor_ is None else self.predictor_.name

    def _require_fitted(self) -> None:
        if self.network_ is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted: call fit() or load()")

    # -- training -------------------------------------------------------------------
    def read_config(self):
        """The config (``config``, else the task's shipped one), checked, with
        ``hidden`` overriding its hidden size if given."""
        config = parse_config(self.config, self.config_schema, self.default_config)
        if self.hidden is None:
            return config
        if (not isinstance(self.hidden, int) or isinstance(self.hidden, bool)
                or not 1 <= self.hidden <= MAX_HIDDEN):
            raise ConfigError(f"hidden must be an integer in 1..{MAX_HIDDEN}, not "
                              f"{self.hidden!r}")
        return dataclasses.replace(config, features=dataclasses.replace(config.features,
                                                                        hidden=self.hidden))

    def training_options(self, config=None) -> TrainOptions:
        """The config's ``[training]`` with ``epochs`` overridden if given."""
        options = (config or self.read_config()).training
        return options if self.epochs is None else dataclasses.replace(options,
                                                                       epochs=self.epochs)

    def resolved_budget(self, config=None) -> int:
        """Bytes: ``memory_budget``, else the config's, else 1 MB."""
        config = config or self.read_config()
        given = next((b for b in (self.memory_budget, config.memory_budget) if b is not None),
                     DEFAULT_BUDGET)
        return parse_size(given)

    def check_budget(self) -> int:
        """The budget in bytes, or BudgetError if it is malformed or no model of
        this config fits it whatever the data (two labels): for a command to
        call before reading any data. (A budget that passes can still be too
        small for the data's labels: ``fit`` says so, naming the minimum,
        before it featurizes anything.)"""
        config = self.read_config()
        budget = self.resolved_budget(config)
        floor = minimum_budget(config.features.groups, KindContext(2), metadata_bytes=0,
                               dense_int8=_dense_int8(config))
        if budget < floor:
            raise BudgetError(f"memory budget of {budget:,} bytes is too small for any model "
                              f"of this config ({len(config.features.groups)} feature groups): "
                              f"it needs more than {floor:,} bytes")
        return budget

    def _setup(self, labels: list[str], data_licences: dict[str, str], provenance: dict | None):
        """Config, options, seeded generator and the metadata to fill in."""
        if not isinstance(self.seed, int) or not 0 <= self.seed <= fileformat.MAX_SEED:
            raise ConfigError(f"seed must be an integer in 0..{fileformat.MAX_SEED}, "
                              f"not {self.seed!r}")
        config = self.read_config()
        options = self.training_options(config)
        metadata = {"task": self.task, "labels": labels, "smallnlp_version": __version__,
                    "featurizer": fileformat.featurizer_record(),
                    "data_licences": dict(data_licences),
                    "training": {"memory_budget": self.resolved_budget(config),
                                 "seed": self.seed, "options": dataclasses.asdict(options),
                                 "environment": training_environment(),
                                 **(provenance or {})}}
        if _dense_int8(config):
            metadata["dense"] = "int8"
        return config, options, np.random.default_rng(self.seed), metadata

    def _plan(self, config, metadata: dict, context: KindContext,
              distinct: dict[str, int], members: int = 1) -> Plan:
        """Plan the shape of each of ``members`` networks within the budget
        (which ``_refuse_too_small`` has checked). The
        members share the featurizer, the metadata and its reserve, and
        split the rest evenly. No hashed group gets more buckets than it has
        ``distinct`` features in the training data (they would stay empty),
        nor a network too big to train in the memory there is."""
        budget, groups = metadata["training"]["memory_budget"], config.features.groups
        capped = tuple(t if t.name not in distinct else dataclasses.replace(
            t, max_buckets=max(MIN_BUCKETS, min(t.max_buckets or distinct[t.name],
                                                distinct[t.name])))
            for t in groups)
        reserve = self._reserve(config, metadata, budget, members)
        member_budget = reserve + FILE_OVERHEAD + (budget - reserve - FILE_OVERHEAD) // members
        self.plan_ = plan(member_budget, capped, context, dims=config.features.dims,
                          metadata_bytes=reserve, hidden=config.features.hidden,
                          dense_int8=_dense_int8(config))
        check_training_memory(self.plan_)
        return self.plan_

    def _refuse_too_small(self, config, metadata: dict, context: KindContext,
                          members: int = 1) -> None:
        """BudgetError, stating the smallest budget accepted, when the budget is
        below it: it depends on the config and the labels, not on the data's
        features, so a fit calls this before featurizing anything."""
        budget, groups = metadata["training"]["memory_budget"], config.features.groups
        # The smallest network (minimum_budget is linear in the reserve), once per member.
        network_minimum = minimum_budget(groups, context, metadata_bytes=0,
                                         dense_int8=_dense_int8(config)) - FILE_OVERHEAD
        minimum = 0
        while True:  # the reserve grows with the budget (a tagger's bitmap): a fixed point
            needed = (FILE_OVERHEAD + self._reserve(config, metadata, minimum, members)
                      + members * network_minimum)
            if needed <= minimum:
                break
            minimum = needed
        if budget < minimum:
            raise too_small(budget, minimum, context.n_labels, len(groups), members)

    def _reserve(self, config, metadata: dict, budget: int, members: int = 1) -> int:
        """What a model of ``budget`` needs besides its networks' arrays. The
        metadata is only complete after training, so this is what ``fileformat``
        says its widest form takes; then the featurizer's arrays, and the
        Python objects a loaded model holds besides the file's bytes. With
        several members, the arrays of all but the first (whose share
        ``plan`` counts) and their alignment."""
        templates: tuple[GroupTemplate, ...] = config.features.groups
        epochs = metadata["training"]["options"]["epochs"]
        widest_int, widest_float = fileformat.WIDEST_INT, fileformat.WIDEST_FLOAT
        widest_run = TrainResult.filled(epochs, widest_int, widest_float)
        run = widest_run.record((widest_float, widest_float), **{self.count_key: widest_int})
        # The budget at its widest too, so that a budget's digits do not move
        # the minimum that a too-small budget is told.
        training = {**metadata["training"], "memory_budget": fileformat.WIDEST_INT,
                    "environment": WIDEST_ENVIRONMENT, **run}
        if members > 1:
            training.update(members_record(
                [widest_run] * (members - 1),
                [(widest_float, widest_float)] * (members - 1), widest_float))
        task = self._widest_task_metadata(config)
        groups = [fileformat.widest_group(t.name, t.kind) for t in templates]
        widest = {**metadata, **task, "hidden": fileformat.WIDEST_INT, "training": training,
                  "features": {"groups": groups, **task.get("features", {})},
                  **({"members": fileformat.WIDEST_INT} if members > 1 else {})}
        featurizer_bytes = self._featurizer_bytes(config, budget)
        task_arrays = tuple(self._featurizer_arrays_planned(config))
        metadata_bytes = fileformat.metadata_bytes(widest, task_arrays, members)
        loaded_objects = (LOADED_BYTES_FIXED + LOADED_BYTES_PER_GROUP * len(templates)
                          + LOADED_BYTES_PER_ARRAY * fileformat.array_count(
                              len(templates), len(task_arrays), members, _dense_int8(config))
                          + LOADED_BYTES_PER_METADATA_BYTE * metadata_bytes)
        # plan() counts one network's alignment; the others' is reserved here.
        other_members = ALIGNMENT * (fileformat.array_count(len(templates), 0, members)
                                     - fileformat.array_count(len(templates)))
        return (metadata_bytes + featurizer_bytes + ALIGNMENT * len(task_arrays)
                + loaded_objects + other_members)

    def _finish(self, networks: list[FeedForwardNetwork], featurizer, metadata: dict,
                results: list[TrainResult], dev: Callable[[FeedForwardNetwork], float] | None,
                count: int,
                ensemble_dev: Callable[[list[FeedForwardNetwork]], float] | None = None
                ) -> None:
        """Record the training run of each member (the float-vs-8-bit dev gap
        is only measurable here, before the float weights are dropped) and of
        their average (``ensemble_dev``), and keep the model."""
        quantized = [n.quantized(metadata.get("dense") == "int8") for n in networks]
        accuracies = [None if dev is None else (dev(n), dev(q))
                      for n, q in zip(networks, quantized)]
        metadata["training"].update(results[0].record(accuracies[0],
                                                      **{self.count_key: count}))
        if len(networks) > 1:
            ensemble = None if ensemble_dev is None else ensemble_dev(quantized)
            metadata["training"].update(members_record(results[1:], accuracies[1:], ensemble))
        self._set_state(quantized, featurizer, metadata["labels"], metadata)
        self.training_result_ = results[0]
        self.float_network_ = networks[0]

    def _set_state(self, networks: list[FeedForwardNetwork], featurizer, labels: list[str],
                   metadata: dict) -> None:
        self.networks_ = [n if n.is_quantized() else n.quantized() for n in networks]
        self.network_ = self.networks_[0]
        self.featurizer_ = featurizer
        self.labels_ = [str(label) for label in labels]
        self.metadata_ = {**{k: v for k, v in metadata.items() if k != "members"},
                          "features": self._describe_features(featurizer),
                          "hidden": self.network_.hidden_size,
                          **({"members": len(networks)} if len(networks) > 1 else {})}
        # New weights are no file's: numpy predicts them until they are saved and loaded.
        self._file_bytes = None
        self.predictor_ = self._numpy_predictor()

    def _use_backend(self, backend: str, source: str | os.PathLike) -> None:
        """Predict with the C runtime if ``backend`` asks for it and it reads
        this model's file (see ``backends.choose_c_model``)."""
        c_model = choose_c_model(backend, self._file_bytes, str(source))
        if c_model is not None:
            self.predictor_ = self._c_predictor(c_model)

    # -- what a task defines --------------------------------------------------------
    def _numpy_predictor(self):
        """The numpy reference predictor of the fitted state (backends.py)."""
        raise NotImplementedError

    def _c_predictor(self, c_model):
        """The C runtime's predictor over ``c_model`` (backends.py)."""
        raise NotImplementedError

    def _describe_features(self, featurizer) -> dict:
        """The ``features`` metadata of a featurizer."""
        return {"groups": [g.to_dict() for g in featurizer.groups]}

    def _featurizer_arrays(self) -> dict[str, np.ndarray]:
        """The featurizer's fitted arrays, saved beside the network's."""
        return {}

    def _featurizer_bytes(self, config, budget: int) -> int:
        """Bytes of the featurizer's arrays in a model of ``budget``."""
        return 0

    def _featurizer_arrays_planned(self, config) -> list[str]:
        """Names of the featurizer arrays a model of ``config`` will have."""
        return []

    def _widest_task_metadata(self, config) -> dict:
        """The task's own metadata entries (and ``features`` keys) of a model of
        ``config`` at their widest, which the plan reserves room for (see
        ``fileformat.metadata_bytes``)."""
        return {}

    @classmethod
    def _featurizer_from(cls, record: fileformat.ModelMetadata, arrays: dict[str, np.ndarray]):
        """The featurizer a checked model file describes."""
        raise NotImplementedError

    # -- files ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> int:
        """Write the 8-bit model atomically; refuses to exceed the memory budget."""
        self._require_fitted()
        return save_model(path, self.metadata_schema, self.metadata_, self.networks_,
                          self._featurizer_arrays())

    @classmethod
    def _from_file(cls, path: str | os.PathLike):
        """A model of this task from a file, checked completely first."""
        model = cls()
        model._read(modelfile.load(path), str(Path(path)))
        return model

    def _read(self, contents: modelfile.Contents, source: str) -> None:
        """Take the fitted state of checked model-file ``contents``."""
        metadata = contents.metadata if contents.version > 1 else fileformat.upgrade_v1(
            contents.metadata)
        task = metadata.get("task")
        if task != self.task and {task, self.task} <= _TASK_USES.keys():  # say which task
            raise ModelFileError(f"{source}: holds a {_TASK_USES[task][0]} model, not a "
                                 f"{_TASK_USES[self.task][0]} one: use it with "
                                 f"{_TASK_USES[task][1]}")
        record = fileformat.check(self.metadata_schema, metadata, contents.arrays, source)
        networks = [fileformat.network_of_arrays(contents.arrays, len(record.features.groups),
                                                 member)
                    for member in range(record.member_count())]
        self.memory_budget = record.training.get("memory_budget")
        self._set_state(networks, self._featurizer_from(record, contents.arrays),
                        list(record.labels), metadata)
        self._file_bytes = contents.payload
        self._metadata_json = modelfile.metadata_json(self._metadata)
        self._metadata = {}

    def _payload(self) -> bytes:
        """The model file's bytes: the file it was loaded from, else the one
        ``save`` would write."""
        if self._file_bytes is not None:
            return bytes(self._file_bytes)
        metadata = self.metadata_
        return modelfile.encode(metadata, file_arrays(self.networks_, self._featurizer_arrays()),
                                fileformat.file_version(metadata))

    def describe(self) -> dict:
        """What the model file holds (``smallnlp info``): format version, size,
        labels, feature groups with their bytes, hidden units, members, every
        array, the training record, calibration and data licences; plus the
        backend in use and, if the C runtime cannot read the file, why."""
        self._require_fitted()
        payload, metadata = self._payload(), self.metadata_
        contents = modelfile.decode(payload, "<model>")
        arrays = contents.arrays
        groups = [{"name": g.name, "kind": g.kind, "rows": g.buckets, "dims": g.dims,
                   "bytes": sum(arrays[name].nbytes
                                for name in fileformat.embedding_arrays(index)),
                   "description": g.feature_kind.describe(g)}
                  for index, g in enumerate(self.featurizer_.groups)]
        return {"task": self.task, "format_version": contents.version, "bytes": len(payload),
                "featurizer": contents.metadata.get("featurizer", {}),
                "backend": self.backend, "c_runtime_refuses": open_c_model(payload)[1] or None,
                "labels": self.labels, "groups": groups,
                "known_words": metadata["features"].get("known_words"),
                "tag_dictionary": metadata["features"].get("tag_dictionary"),
                "hidden": self.network_.hidden_size, "members": len(self.networks_),
                "dense": metadata.get("dense", "float32"),
                "arrays": [{"name": name, "dtype": str(a.dtype), "shape": list(a.shape),
                            "bytes": a.nbytes} for name, a in arrays.items()],
                **{key: metadata.get(key)
                   for key in ("training", "calibration", "data_licences")}}

    # -- pickling -------------------------------------------------------------------
    def __getstate__(self) -> dict:
        """A fitted model pickles as its model file's bytes (the very file it
        was loaded from, else the one ``save`` would write) plus its
        constructor arguments, backend and settings: a few bytes over the file,
        the same bytes every time, and what a Ray or Dask worker needs."""
        if self.network_ is None:
            return dict(self.__dict__)
        return {"model file": self._payload(), "backend": self.backend,
                "settings": self._settings(),
                "arguments": {name: getattr(self, name) for name in
                              inspect.signature(type(self).__init__).parameters
                              if name != "self"}}

    def __setstate__(self, state: dict) -> None:
        if "model file" not in state:
            self.__dict__.update(state)
            return
        self.__init__(**state["arguments"])
        self._read(modelfile.decode(state["model file"], "<pickled model>"), "<pickled model>")
        # The C runtime where the unpickling process has it, as "auto" would.
        self._use_backend("auto" if state["backend"] == "c" else "numpy", "<pickled model>")
        self._apply_settings(state["settings"])

    def _settings(self) -> dict:
        """What was set after loading that a pickle must keep (a task adds its own)."""
        return {}

    def _apply_settings(self, settings: dict) -> None:
        pass
