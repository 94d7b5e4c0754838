"""One JSON-safe record form for the frozen models a store keeps (cases, alerts, sanctions).

``to_record(obj)`` gives a flat dict of JSON values (enums as their string value, tuples as lists)
plus ``"v": RECORD_VERSION``; ``from_record(cls, data)`` checks every field against the model's
type hints and builds it, so the model's own validation runs on whatever a store hands back. Both
stores use this instead of writing the format twice (SQLite columns or a JSON blob, a Redis hash
or a JSON string: the adapter's choice). Unknown, missing or mistyped fields are ``bad_record``;
the message names the field, never its value.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final, TypeVar

from moderation.limits import RuleError

RECORD_VERSION: Final = 1
"""Bumped when a stored record's shape changes; ``from_record`` refuses other versions."""

JSON = str | int | float | bool | None | list[Any]
T = TypeVar("T")


def _out(value: object) -> JSON:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return [_out(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise RuleError("bad_record", f"{type(value).__name__} has no record form")


def to_record(obj: object) -> dict[str, JSON]:
    """The record of a frozen model instance."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise RuleError("bad_record", "not a model instance")
    out: dict[str, JSON] = {"v": RECORD_VERSION}
    for f in dataclasses.fields(obj):
        out[f.name] = _out(getattr(obj, f.name))
    return out


def _convert(hint: object, value: object, name: str) -> object:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        real = [a for a in args if a is not type(None)]
        if len(real) != 1:
            raise RuleError("bad_record", f"{name}: unsupported type")
        return _convert(real[0], value, name)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list) or len(args) != 2 or args[1] is not Ellipsis:
            raise RuleError("bad_record", f"{name} must be a list")
        return tuple(_convert(args[0], v, name) for v in value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise RuleError("bad_record", f"{name} is not a known {hint.__name__}") from None
    if hint is bool:
        if not isinstance(value, bool):
            raise RuleError("bad_record", f"{name} must be a boolean")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleError("bad_record", f"{name} must be an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RuleError("bad_record", f"{name} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise RuleError("bad_record", f"{name} must be a string")
        return value
    raise RuleError("bad_record", f"{name}: unsupported type")


def from_record(cls: type[T], data: Mapping[str, object]) -> T:
    """Rebuild a model from its record (the model validates itself when built)."""
    if not dataclasses.is_dataclass(cls):
        raise RuleError("bad_record", "not a model class")
    if data.get("v") != RECORD_VERSION:
        raise RuleError("bad_record", f"record version must be {RECORD_VERSION}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields) - {"v"})
    if unknown:
        raise RuleError("bad_record", f"unknown fields: {', '.join(unknown)}")
    kwargs: dict[str, object] = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RuleError("bad_record", f"missing field {name}")
            continue
        kwargs[name] = _convert(hints[name], data[name], name)
    return cls(**kwargs)
