"""``smallnlp info``: what a model file holds, and its byte breakdown."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .. import fileformat, modelfile
from ..config import shipped_file
from ..errors import SmallNLPError
from ..pos import model_path_for
from .common import REPORT_FORMAT


def _model_file(name: str) -> str:
    """A model file's path, or a shipped model by its name (langid, pos-en) or,
    as ``smallnlp pos --model`` takes it, a POS language code or treebank."""
    if os.path.exists(name) or Path(name).suffix:
        return name
    shipped = shipped_file("models", f"{name}.snlp")
    return str(shipped if shipped.exists() else model_path_for(name))


def _backend_of(model, path) -> str:
    """The C runtime, or numpy and why the C runtime cannot read the file."""
    if model.backend == "c":
        return "the C runtime"
    try:
        type(model).load(path, backend="c")
    except ValueError as exc:
        return f"numpy ({exc})"
    return "numpy"


@click.command()
@click.argument("path")
@REPORT_FORMAT
def info(path, fmt) -> None:
    """Show a model's metadata and byte breakdown (after checking it): PATH is a
    model file, or a shipped model's name (langid, pos-en, en)."""
    from .. import TASKS

    path = _model_file(path)
    if os.path.isdir(path):
        raise click.BadParameter(f"{path} is a directory, not a model file", param_hint="PATH")
    contents = modelfile.load(path)
    task = contents.metadata.get("task")
    if task not in TASKS:
        raise SmallNLPError(f"{path}: not a model of a known task ({task!r}); smallnlp has "
                            f"{', '.join(TASKS)}")
    model = TASKS[task].load(path)
    metadata, arrays, size = model.metadata_, contents.arrays, os.path.getsize(path)
    featurizer = contents.metadata.get("featurizer", {})
    table_bytes = [sum(arrays[name].nbytes for name in fileformat.embedding_arrays(index))
                   for index in range(len(model.featurizer_.groups))]
    if fmt == "json":
        groups = [{"name": g.name, "kind": g.kind, "rows": g.buckets, "dims": g.dims,
                   "bytes": table}
                  for g, table in zip(model.featurizer_.groups, table_bytes)]
        click.echo(json.dumps({
            "path": path, "task": task, "format_version": contents.version, "bytes": size,
            "featurizer": featurizer, "backend": model.backend, "labels": model.labels,
            "groups": groups, "hidden": model.network_.hidden_size,
            "members": len(model.networks_),
            "arrays": [{"name": name, "dtype": str(a.dtype), "shape": list(a.shape),
                        "bytes": a.nbytes} for name, a in arrays.items()],
            **{key: metadata.get(key) for key in ("training", "calibration", "data_licences")},
        }, indent=1, ensure_ascii=False))
        return
    click.echo(f"{path}: {task} model, format version {contents.version}, {size:,} bytes")
    click.echo(f"features made by featurizer version {featurizer.get('version', 1)}, "
               f"Unicode {featurizer.get('unicode', 'unrecorded')}; predicts with "
               f"{_backend_of(model, path)}")
    click.echo(f"labels ({len(model.labels)}): {' '.join(model.labels)}")
    click.echo("\nfeature groups:")
    for group, table in zip(model.featurizer_.groups, table_bytes):
        click.echo(f"  {group.name:<10} {group.kind:<10} {group.buckets:>6} rows x "
                   f"{group.dims:>2} dims = {table:>8,} bytes: "
                   f"{group.feature_kind.describe(group)}")
    known = metadata["features"].get("known_words")
    if known:
        click.echo(f"  known words: a {known['bits']:,}-bit bitmap of hashed training words "
                   f"(seed {known['seed']}); others take their word group's last row")
    click.echo(f"hidden layer: {model.network_.hidden_size} units")
    if len(model.networks_) > 1:
        click.echo(f"members: {len(model.networks_)} networks of these groups and hidden size, "
                   "their tag probabilities averaged at every decoding step")
    click.echo("\narrays:")
    array_bytes = 0
    for name, array in arrays.items():
        array_bytes += array.nbytes
        click.echo(f"  {name:<22} {str(array.dtype):<8} {str(tuple(array.shape)):<14} "
                   f"{array.nbytes:>10,} bytes")
    click.echo(f"  {'header, metadata, padding, checksum':<46} {size - array_bytes:>10,} bytes")
    click.echo(f"  {'total':<46} {size:>10,} bytes")
    training = metadata["training"]
    if training:
        click.echo(f"\ntraining: budget {training.get('memory_budget', 0):,} bytes, seed "
                   f"{training.get('seed')}, best epoch {training.get('best_epoch')}")
        environment = training.get("environment")
        if isinstance(environment, dict):  # what the bits depend on (README: reproducible)
            click.echo("  trained with " + ", ".join(f"{key} {value}" for key, value
                                                      in sorted(environment.items())))
        for key in ("dev_accuracy_float32", "dev_accuracy_8bit"):
            if key in training:
                click.echo(f"  {key}: {100 * training[key]:.2f}%")
        for record in training.get("members", []):
            if "dev_accuracy_8bit" in record:
                click.echo(f"  member {record['member']}: best epoch {record['best_epoch']}, "
                           f"dev_accuracy_8bit {100 * record['dev_accuracy_8bit']:.2f}%")
        if "ensemble_dev_accuracy" in training:
            click.echo(f"  members averaged: dev accuracy "
                       f"{100 * training['ensemble_dev_accuracy']:.2f}%")
    calibration = metadata.get("calibration")
    if calibration:
        click.echo(f"calibration: temperature {calibration['temperature']:g}, fitted on "
                   f"{calibration['fitted_on']}; held-out expected calibration error:")
        for key, record in calibration.items():
            if key.startswith("held_out_"):
                click.echo(f"  {key[9:].replace('_', ' '):<11} {100 * record['ece_before']:.2f}% "
                           f"-> {100 * record['ece_after']:.2f}% ({record['examples']:,} texts)")
    licences = sorted(set(metadata["data_licences"].values()))
    if licences:
        click.echo("training data licences:")
        for licence in licences:
            click.echo(f"  {licence}")
