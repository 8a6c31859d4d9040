"""What every task's model file holds: metadata, a feature spec and an 8-bit
network. Tasks (langid, pos) add their own metadata and featurizer on top."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import __version__, modelfile
from .budget import ARRAY_TABLE_BYTES, GroupTemplate, Plan, parse_size, plan
from .config import load_config
from .errors import ModelFileError
from .features import GroupSpec
from .network import FeedForwardNetwork
from .train import TrainOptions, TrainResult


def save_model(path: str | os.PathLike, metadata: dict, network: FeedForwardNetwork,
               featurizer_arrays: dict[str, np.ndarray] | None = None) -> int:
    """Write the 8-bit model atomically; refuses to exceed its memory budget."""
    payload = modelfile.encode(metadata, {**network.to_arrays(), **(featurizer_arrays or {})})
    budget = metadata.get("training", {}).get("memory_budget")
    if budget is not None and len(payload) > budget:
        raise ModelFileError(f"{path}: model of {len(payload):,} bytes would exceed its "
                             f"memory budget of {budget:,} bytes")
    modelfile.write_atomic(path, payload)
    return len(payload)


def load_model(path: str | os.PathLike, task: str
               ) -> tuple[dict, list[GroupSpec], FeedForwardNetwork, dict[str, np.ndarray]]:
    """Read a model file of ``task`` and check that its parts fit together; the
    arrays are returned too, for the featurizer's fitted state."""
    metadata, arrays = modelfile.load(path)
    try:
        if metadata.get("task") != task:
            raise ValueError(f"task is {metadata.get('task')!r}, not {task!r}")
        groups = [GroupSpec(**g) for g in metadata["features"]["groups"]]
        network = FeedForwardNetwork.from_arrays(arrays, len(groups))
        for spec, store in zip(groups, network.embeddings):
            if store.shape != (spec.buckets, spec.dims):
                raise ValueError(f"table {spec.name} is {store.shape}, spec says "
                                 f"{(spec.buckets, spec.dims)}")
        labels = metadata["labels"]
        if not isinstance(labels, list) or len(labels) != network.n_labels:
            raise ValueError(f"labels do not match the {network.n_labels} outputs")
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{Path(path)}: not a valid {task} model: {exc}") from None
    return metadata, groups, network, arrays


# Upper bounds on the JSON of one feature group's spec and one epoch's record.
GROUP_SPEC_BYTES = 200
EPOCH_RECORD_BYTES = 160


class TaskModel:
    """What LanguageIdentifier and PosTagger share: scikit-learn-style plain
    constructor arguments, fitted state in ``*_`` attributes, the training
    preamble and record, and saving. Subclasses set ``task`` and
    ``default_config`` and say how their featurizer is described."""

    task = ""
    default_config = ""
    # Metadata bytes a task adds after training (beyond the history and spec).
    extra_metadata_bytes = 0

    def __init__(self, memory_budget: str | int = "1MB", config: str | dict | None = None,
                 epochs: int | None = None, seed: int = 0):
        self.memory_budget = memory_budget
        self.config = config
        self.epochs = epochs
        self.seed = seed
        self.network_: FeedForwardNetwork | None = None
        self.featurizer_ = None
        self.labels_: list[str] = []
        self.metadata_: dict = {}

    @property
    def labels(self) -> list[str]:
        return list(self.labels_)

    def _require_fitted(self) -> None:
        if self.network_ is None:
            raise RuntimeError(f"this {type(self).__name__} is not fitted: call fit() or load()")

    def _setup(self, labels: list[str], metadata: dict, provenance: dict | None
               ) -> tuple[dict, TrainOptions, np.random.Generator, dict]:
        """Config, options, seeded generator and the metadata to fill in."""
        config = self.config or self.default_config
        config = config if isinstance(config, dict) else load_config(config)
        options = TrainOptions.from_dict(config.get("training", {}))
        if self.epochs is not None:
            options.epochs = self.epochs
        metadata = {"task": self.task, "labels": labels, "smallnlp_version": __version__,
                    **metadata,
                    "training": {"memory_budget": parse_size(self.memory_budget),
                                 "seed": self.seed, "options": vars(options),
                                 **(provenance or {})}}
        return config, options, np.random.default_rng(self.seed), metadata

    def _plan(self, config: dict, templates: list[GroupTemplate], metadata: dict,
              featurizer_bytes: int = 0) -> Plan:
        """Plan the shape within the budget, reserving room for the metadata
        that is only known later (the feature spec and the per-epoch history)
        and for ``featurizer_bytes`` of featurizer arrays."""
        epochs = metadata["training"]["options"]["epochs"]
        reserve = (len(json.dumps(metadata, ensure_ascii=False).encode("utf-8"))
                   + GROUP_SPEC_BYTES * len(templates) + EPOCH_RECORD_BYTES * epochs
                   + self.extra_metadata_bytes + 1024
                   + (featurizer_bytes + ARRAY_TABLE_BYTES + 8 if featurizer_bytes else 0))
        self.plan_ = plan(metadata["training"]["memory_budget"], templates,
                          len(metadata["labels"]), dims=config["features"].get("dims", 16),
                          metadata_bytes=reserve)
        return self.plan_

    def _finish(self, network: FeedForwardNetwork, featurizer, metadata: dict,
                result: TrainResult, dev: Callable[[FeedForwardNetwork], float] | None,
                **counts: int) -> None:
        """Record the training run (the float-vs-8-bit dev gap is only
        measurable here, before the float weights are dropped) and keep the model."""
        metadata["training"].update(best_epoch=result.best_epoch,
                                    best_dev_accuracy=result.best_dev_accuracy,
                                    history=result.history, **counts)
        if dev is not None:
            metadata["training"].update(dev_accuracy_float32=dev(network),
                                        dev_accuracy_8bit=dev(network.quantized()))
        self._set_state(network, featurizer, metadata["labels"], metadata)
        self.training_result_ = result
        self.float_network_ = network

    def _set_state(self, network: FeedForwardNetwork, featurizer, labels: list[str],
                   metadata: dict) -> None:
        self.network_ = network if network.is_quantized() else network.quantized()
        self.featurizer_ = featurizer
        self.labels_ = [str(label) for label in labels]
        self.metadata_ = {**metadata, "features": self._describe_features(featurizer),
                          "hidden": self.network_.hidden_size}

    def _describe_features(self, featurizer) -> dict:
        return {"groups": [g.to_dict() for g in featurizer.groups]}

    def _featurizer_arrays(self) -> dict[str, np.ndarray]:
        """The featurizer's fitted arrays, saved beside the network's."""
        return {}

    def save(self, path: str | os.PathLike) -> int:
        """Write the 8-bit model atomically; refuses to exceed the memory budget."""
        self._require_fitted()
        return save_model(path, self.metadata_, self.network_, self._featurizer_arrays())

    @classmethod
    def _from_file(cls, path: Path,
                   make_featurizer: Callable[[list[GroupSpec], dict, dict], object]):
        metadata, groups, network, arrays = load_model(path, cls.task)
        model = cls(memory_budget=metadata.get("training", {}).get("memory_budget", "1MB"))
        try:
            model._set_state(network, make_featurizer(groups, metadata, arrays),
                             metadata["labels"], metadata)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{path}: not a valid {cls.task} model: {exc}") from None
        return model
