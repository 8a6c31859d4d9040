"""Configs: typed schemas for a task's TOML config, and the files shipped with the package.

A task declares its config as a record (``records.py``) whose fields are the
top-level keys and whose record-typed fields are its sections (langid:
``features``, ``training``, ``augment``; pos: ``features``, ``training``,
``tagging``). ``parse_config`` reads a TOML file or dict into it and refuses
unknown keys, wrong types and out-of-range values with a ``ConfigError`` that
names the file, the section and the key.

``configs/`` and ``models/`` at the top of the repository are installed as
the ``smallnlp.configs`` and ``smallnlp.models`` packages, so a config named
``langid`` and the shipped models are found the same way from a checkout, an
editable install or a wheel.
"""

from __future__ import annotations

import os
import sys
import typing
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import ConfigError
from .features import TEXT, GroupSpec, check_groups, kind_of
from .records import SchemaError, option, read

T = TypeVar("T")


def shipped_file(package: str, name: str) -> Path:
    """Path of a file in ``smallnlp.configs`` or ``smallnlp.models``.

    Falls back to the repository's top-level folder when the package is
    imported straight from a source tree that was never installed.
    """
    try:
        return Path(str(resources.files(f"smallnlp.{package}").joinpath(name)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / package / name


def shipped_model(name: str | os.PathLike) -> Path | None:
    """A shipped model file by its name (``langid``, ``pos-en``), or None when
    ``name`` is a path (it has a suffix or a folder) or names no shipped model."""
    path = Path(name)
    if path.suffix or len(path.parts) != 1:
        return None
    shipped = shipped_file("models", f"{path}.snlp")
    return shipped if shipped.exists() else None


def config_path(path_or_name: str | Path, folder: Path | None = None) -> Path:
    """A config's file: a path (relative to ``folder`` if given), or a
    shipped config's name (``"langid"``: no suffix and no such file)."""
    path = Path(path_or_name)
    if folder is not None and path.suffix:
        path = folder / path
    if not path.suffix and not path.is_file():  # a folder called "pos" is no config
        path = shipped_file("configs", f"{path_or_name}.toml")
    return path


def read_toml(path: Path) -> dict:
    """A TOML file's tables, or ConfigError naming the file."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_toml(path_or_name: str | Path) -> tuple[dict, str]:
    """A TOML file from a path, or a shipped config by name (``"langid"``),
    on top of the config its ``base`` key names (see ``with_base``), and the
    path it was read from."""
    path = config_path(path_or_name)
    return with_base(read_toml(path), str(path), path.parent, (path.resolve(),)), str(path)


def with_base(values: dict, source: str, folder: Path, seen: tuple[Path, ...] = ()) -> dict:
    """``values`` laid over the config its ``base`` key names (a shipped
    config's name, or a path relative to ``folder``), so that a config that
    changes a few settings says only those. Tables merge key by key, the
    values of ``values`` winning. In an array of named tables
    (``[[features.groups]]``), an entry named as one of the base's replaces it
    where it stands; a new one goes after the entry its ``after`` key names,
    else at the end. Any other value replaces the base's."""
    if "base" not in values:
        return values
    values = dict(values)
    name = values.pop("base")
    if not isinstance(name, str):
        raise ConfigError(f"{source}: base must be a config's name or path, not {name!r}")
    path = config_path(name, folder)
    if path.resolve() in seen:
        chain = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise ConfigError(f"{source}: base configs form a cycle: {chain}")
    base = with_base(read_toml(path), str(path), path.parent, (*seen, path.resolve()))
    return _merged(base, values, source)


def _merged(base: dict, values: dict, source: str, table: str = "") -> dict:
    merged = dict(base)
    for key, value in values.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = _merged(old, value, source, f"{table}{key}.")
        elif _named_tables(old) and _named_tables(value):
            merged[key] = _merged_entries(old, value, f"{source}: [[{table}{key}]]")
        else:
            merged[key] = value
    return merged


def _named_tables(value: object) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(entry, dict) and "name" in entry for entry in value))


def _merged_entries(base: list[dict], entries: list[dict], where: str) -> list[dict]:
    merged = list(base)
    for entry in entries:
        entry = dict(entry)
        after = entry.pop("after", None)
        names = [old["name"] for old in merged]
        if entry["name"] in names:
            if after is not None:
                raise ConfigError(f"{where} {entry['name']!r}: 'after' is for new entries; "
                                  f"this one replaces the base's where it stands")
            merged[names.index(entry["name"])] = entry
        elif after is None:
            merged.append(entry)
        elif after in names:
            merged.insert(names.index(after) + 1, entry)
        else:
            raise ConfigError(f"{where} {entry['name']!r}: after = {after!r} names no entry "
                              f"of the base ({', '.join(map(str, names))})")
    return merged


@dataclass(frozen=True)
class GroupTemplate:
    """One ``[[features.groups]]`` entry: a feature group before the budget
    sets its bucket count. ``order``, ``seed`` and ``offset`` are the kind's
    parameters (``features/kinds.py``); ``share`` is its part of the hashed
    groups' rows, ``max_buckets`` a cap, ``dims`` a fixed width instead of the
    planned one."""

    name: str
    kind: str
    order: int = option(0, minimum=0)
    seed: int = option(0, minimum=0)
    offset: int = 0
    share: float = option(0.0, minimum=0)
    max_buckets: int | None = option(None, minimum=1)
    dims: int | None = option(None, minimum=1, maximum=1024)

    def validate(self) -> None:
        kind_of(self.kind, self.name).check(self)

    def width(self, planned: int) -> int:
        return self.dims or planned

    def sized(self, buckets: int, dims: int) -> GroupSpec:
        return GroupSpec(self.name, self.kind, buckets, self.width(dims), self.order,
                         self.seed, self.offset)


MAX_HIDDEN = 4096  # hidden units a config (or TaskModel's hidden) may ask for


@dataclass(frozen=True)
class Features:
    """``[features]``: the groups and the embedding width the planner starts
    from. A task subclasses it for its own keys and sets ``task_input``."""

    groups: tuple[GroupTemplate, ...]
    dims: int = option(16, minimum=8, maximum=1024)
    # The hidden layer's size, instead of the planner's choice (budget.plan).
    hidden: int | None = option(None, minimum=1, maximum=MAX_HIDDEN)
    task_input: typing.ClassVar[str] = TEXT

    def validate(self) -> None:
        check_groups(self.groups, self.task_input)


def parse_config(raw: dict | str | Path | None, schema: type[T], default: str) -> T:
    """``raw`` (a dict, a TOML path, a shipped config's name, or None for
    ``default``) checked against ``schema``; ConfigError on any mistake."""
    if isinstance(raw, dict):
        values, source = with_base(raw, "config", Path.cwd()), "config"
    else:
        values, source = load_toml(raw if raw is not None else default)
    try:
        return read(schema, values)
    except SchemaError as exc:
        raise ConfigError(f"{source}: {exc}") from None


