"""What every task's model file holds: metadata, a feature spec and an 8-bit
network. Tasks (langid, pos) add their own metadata and featurizer on top."""

from __future__ import annotations

import os
from pathlib import Path

from . import modelfile
from .errors import ModelFileError
from .features import GroupSpec
from .network import FeedForwardNetwork


def save_model(path: str | os.PathLike, metadata: dict, network: FeedForwardNetwork) -> int:
    """Write the 8-bit model atomically; refuses to exceed its memory budget."""
    payload = modelfile.encode(metadata, network.to_arrays())
    budget = metadata.get("training", {}).get("memory_budget")
    if budget is not None and len(payload) > budget:
        raise ModelFileError(f"{path}: model of {len(payload):,} bytes would exceed its "
                             f"memory budget of {budget:,} bytes")
    modelfile.write_atomic(path, payload)
    return len(payload)


def load_model(path: str | os.PathLike, task: str
               ) -> tuple[dict, list[GroupSpec], FeedForwardNetwork]:
    """Read a model file of ``task`` and check that its parts fit together."""
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
    return metadata, groups, network
