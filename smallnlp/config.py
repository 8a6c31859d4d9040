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


def load_toml(path_or_name: str | Path) -> tuple[dict, str]:
    """A TOML file from a path, or a shipped config by name (``"langid"``),
    and the path it was read from."""
    path = Path(path_or_name)
    if not path.suffix and not path.is_file():  # a folder called "pos" is no config
        path = shipped_file("configs", f"{path_or_name}.toml")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle), str(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


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
        values, source = raw, "config"
    else:
        values, source = load_toml(raw if raw is not None else default)
    try:
        return read(schema, values)
    except SchemaError as exc:
        raise ConfigError(f"{source}: {exc}") from None


