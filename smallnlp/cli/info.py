"""``smallnlp info``: what a model file holds, and its byte breakdown."""

from __future__ import annotations

import json

import click

from .. import load, model_file
from ..errors import ModelFileError
from .common import REPORT_FORMAT


@click.command()
@click.argument("path")
@REPORT_FORMAT
def info(path, fmt) -> None:
    """Show a model's metadata and byte breakdown (after checking it): PATH is a
    model file, or a shipped model's name (langid, pos-en, en)."""
    try:
        path = str(model_file(path))
    except ModelFileError as exc:
        raise click.BadParameter(str(exc), param_hint="PATH") from None
    facts = load(path).describe()
    if fmt == "json":
        click.echo(json.dumps({"path": path, **facts}, indent=1, ensure_ascii=False))
        return
    size, featurizer = facts["bytes"], facts["featurizer"]
    refused = facts["c_runtime_refuses"]
    backend = ("the C runtime" if facts["backend"] == "c"
               else f"numpy ({refused})" if refused else "numpy")
    click.echo(f"{path}: {facts['task']} model, format version {facts['format_version']}, "
               f"{size:,} bytes")
    click.echo(f"features made by featurizer version {featurizer.get('version', 1)}, "
               f"Unicode {featurizer.get('unicode', 'unrecorded')}; predicts with {backend}")
    click.echo(f"labels ({len(facts['labels'])}): {' '.join(facts['labels'])}")
    click.echo("\nfeature groups:")
    for group in facts["groups"]:
        click.echo(f"  {group['name']:<10} {group['kind']:<10} {group['rows']:>6} rows x "
                   f"{group['dims']:>2} dims = {group['bytes']:>8,} bytes: "
                   f"{group['description']}")
    known = facts["known_words"]
    if known:
        click.echo(f"  known words: a {known['bits']:,}-bit bitmap of hashed training words "
                   f"(seed {known['seed']}); others take their word group's last row")
    dictionary = facts.get("tag_dictionary")
    if dictionary:
        case = ", as written" if dictionary.get("cased") else ", lowercased"
        click.echo(f"  tag dictionary: the tags of {dictionary['words']:,} training words "
                   f"(seed {dictionary['seed']}{case}); such a word takes one of them")
    click.echo(f"hidden layer: {facts['hidden']} units"
               + (", 8-bit dense layers" if facts["dense"] == "int8" else ""))
    if facts["members"] > 1:
        click.echo(f"members: {facts['members']} networks of these groups and hidden size, "
                   "their tag probabilities averaged at every decoding step")
    click.echo("\narrays:")
    array_bytes = 0
    for array in facts["arrays"]:
        array_bytes += array["bytes"]
        click.echo(f"  {array['name']:<22} {array['dtype']:<8} {str(tuple(array['shape'])):<14} "
                   f"{array['bytes']:>10,} bytes")
    click.echo(f"  {'header, metadata, padding, checksum':<46} {size - array_bytes:>10,} bytes")
    click.echo(f"  {'total':<46} {size:>10,} bytes")
    training = facts["training"]
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
    calibration = facts["calibration"]
    if calibration:
        click.echo(f"calibration: temperature {calibration['temperature']:g}, fitted on "
                   f"{calibration['fitted_on']}; held-out expected calibration error:")
        for key, record in calibration.items():
            if key.startswith("held_out_"):
                click.echo(f"  {key[9:].replace('_', ' '):<11} {100 * record['ece_before']:.2f}% "
                           f"-> {100 * record['ece_after']:.2f}% ({record['examples']:,} texts)")
    licences = sorted(set(facts["data_licences"].values()))
    if licences:
        click.echo("training data licences:")
        for licence in licences:
            click.echo(f"  {licence}")
