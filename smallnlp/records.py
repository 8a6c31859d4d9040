"""Typed records read from TOML or JSON tables: one checker for configs and model files.

A record is a frozen dataclass. Its fields are the table's keys, typed with
``int``, ``float``, ``str``, ``bool``, ``X | None``, another record (a
sub-table), ``tuple[Record, ...]`` (a list of tables), ``tuple[str, ...]``,
``dict[str, str]`` or plain ``dict`` (any table, kept as it is). A field's
valid range is declared with ``option(default, minimum=..., maximum=...)``;
a record may add cross-field checks in ``validate()``, raising ValueError.

``read`` refuses unknown keys, missing keys, wrong types and out-of-range
values with a ``SchemaError`` naming the table and key; ``config.py`` turns it
into a ``ConfigError`` and ``fileformat.py`` into a ``ModelFileError``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")


class SchemaError(ValueError):
    """A table does not match its record; the message names table and key."""


def option(default: Any = dataclasses.MISSING, *, minimum: float | None = None,
           maximum: float | None = None, below: float | None = None) -> Any:
    """A field with its valid range (inclusive ``minimum``/``maximum``,
    exclusive ``below``)."""
    return dataclasses.field(default=default, metadata={"minimum": minimum, "maximum": maximum,
                                                        "below": below})


@functools.cache
def _fields_of(schema: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field]]:
    """A record's field types and init fields, worked out once per record type
    (get_type_hints evaluates every annotation anew: a file's 75 language
    records made it half the time to load a model)."""
    return (typing.get_type_hints(schema),
            {f.name: f for f in dataclasses.fields(schema) if f.init})


def read(schema: type[T], values: object, where: str = "") -> T:
    """One record from a table; ``where`` names the table in messages
    (``""``: the top level)."""
    place = where or "top level"
    if not isinstance(values, dict):
        raise SchemaError(f"{place}: expected a table, got {_show(values)}")
    hints, fields = _fields_of(schema)
    unknown = sorted(set(values) - set(fields), key=str)
    if unknown:
        raise SchemaError(f"{place}: unknown key {unknown[0]!r}; expected one of "
                          f"{', '.join(fields)}")
    kwargs = {}
    for name, spec in fields.items():
        hint = hints[name]
        if name in values:
            kwargs[name] = _value(hint, values[name], where, name, spec.metadata)
        elif dataclasses.is_dataclass(hint) and spec.default is dataclasses.MISSING:
            kwargs[name] = read(hint, {}, _section(where, name))
        elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            raise SchemaError(f"{place}: missing key {name!r}")
    try:
        result = schema(**kwargs)
        if hasattr(result, "validate"):
            result.validate()
    except SchemaError:
        raise
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"{place}: {exc}") from None
    return result


def _section(where: str, name: str) -> str:
    return f"[{where.strip('[]')}.{name}]" if where else f"[{name}]"


def _value(hint: Any, value: object, where: str, key: str, limits) -> Any:
    place = f"{where + ' ' if where else ''}{key}"
    if dataclasses.is_dataclass(hint):
        return read(hint, value, _section(where, key))
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and dataclasses.is_dataclass(args[0]):  # a list of tables
        if not isinstance(value, list) or not value:
            raise SchemaError(f"{place}: expected a non-empty list of tables")
        inner = f"[[{where.strip('[]') + '.' if where else ''}{key}]]"
        return tuple(read(args[0], item, f"{inner} #{number}"
                          + (f" ({item.get('name')!r})" if isinstance(item, dict) else ""))
                     for number, item in enumerate(value, start=1))
    if origin is tuple:  # a list of scalars
        if not isinstance(value, list):
            raise SchemaError(f"{place}: expected a list, got {_show(value)}")
        return tuple(_value(args[0], item, where, f"{key}[{number}]", {})
                     for number, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(f"{place}: expected a table, got {_show(value)}")
        return {str(_value(args[0], k, where, f"{key} key", {})):
                _value(args[1], v, where, f"{key}[{k!r}]", {}) for k, v in value.items()}
    records = [a for a in args if dataclasses.is_dataclass(a)]
    if records and origin in (typing.Union, types.UnionType):  # a record or None
        return None if value is None else read(records[0], value, _section(where, key))
    if hint is dict:
        if not isinstance(value, dict):
            raise SchemaError(f"{place}: expected a table, got {_show(value)}")
        return value
    return _scalar(hint, value, place, limits)


def _scalar(hint: Any, value: object, place: str, limits) -> Any:
    allowed = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union,
                                                                   types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return None
    for kind in allowed:
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                raise SchemaError(f"{place}: {value!r} is not a finite number")
            break
        if kind in (int, str, bool) and type(value) is kind:
            break
    else:
        names = " or ".join(_TYPE_NAMES.get(k, str(k)) for k in allowed if k is not type(None))
        raise SchemaError(f"{place}: expected {names}, got {_show(value)}")
    minimum, maximum, below = (limits.get(k) for k in ("minimum", "maximum", "below"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and (
            (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
            or (below is not None and value >= below)):
        bounds = [f">= {minimum}" if minimum is not None else "",
                  f"<= {maximum}" if maximum is not None else "",
                  f"< {below}" if below is not None else ""]
        raise SchemaError(f"{place}: {value!r} is out of range (must be "
                          f"{' and '.join(b for b in bounds if b)})")
    return value


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _show(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + ('...' if len(text) > 60 else '')}"
