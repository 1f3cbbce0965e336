"""Raw JSON against the openai SDK's pydantic types: every required field present, with the JSON type or literal it declares.

The SDK parses leniently (a missing required field still builds an object), so tests walk the model's
fields instead: required fields (no default), `Literal` values, nested models, lists, dicts and
discriminated unions (the member is picked by its `type` literal, as the SDK does).
"""

from __future__ import annotations

import types
import typing
from typing import Any

import pydantic
from openai._utils import PropertyInfo

JSON_TYPES: dict[Any, tuple[type, ...]] = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}


def problems(value: Any, annotation: Any, where: str = "$") -> list[str]:
    """What in `value` breaks `annotation` (an SDK model or type hint), one line per difference, empty if none."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _union(value, args[0], where, _discriminator(args[1:]))
    if _is_union(annotation):
        return _union(value, annotation, where, None)
    if origin is typing.Literal:
        return [] if any(value == a and type(value) is type(a) for a in args) else [
            f"{where}: {value!r} is not one of {list(args)}"]
    if origin in (list, typing.List):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {_kind(value)}"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0] if args else Any, f"{where}[{i}]")]
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {_kind(value)}"]
        return [p for k, v in value.items() for p in problems(v, args[1] if args else Any, f"{where}.{k}")]
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return _model(value, annotation, where)
    if annotation in (Any, object):
        return []
    if annotation is type(None):
        return [] if value is None else [f"{where}: expected null, got {_kind(value)}"]
    expected = JSON_TYPES.get(annotation)
    if expected is None:
        raise TypeError(f"{where}: no JSON rule for {annotation!r}")
    if isinstance(value, bool) and annotation is not bool or not isinstance(value, expected):
        return [f"{where}: expected {annotation.__name__}, got {_kind(value)}"]
    return []


def _model(value: Any, model: type[pydantic.BaseModel], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected a {model.__name__} object, got {_kind(value)}"]
    found: list[str] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in value:
            if field.is_required():
                found.append(f"{where}.{key}: required by {model.__name__}, missing")
            continue
        found += problems(value[key], field.annotation, f"{where}.{key}")
    return found


def _union(value: Any, annotation: Any, where: str, discriminator: str | None) -> list[str]:
    members = list(typing.get_args(annotation)) if _is_union(annotation) else [annotation]
    if value is None and type(None) in members:
        return []
    members = [m for m in members if m is not type(None)]
    if discriminator is not None and isinstance(value, dict):
        models = members
        members = [m for m in models if value.get(discriminator) in _literals(m, discriminator)]
        if not members:
            return [f"{where}.{discriminator}: {value.get(discriminator)!r} is not a {discriminator} "
                    "the SDK knows here"]
    attempts = [problems(value, member, where) for member in members]
    return min(attempts, key=len) if all(attempts) else []


def _literals(model: Any, key: str) -> list[Any]:
    field = model.model_fields.get(key) if isinstance(model, type) and issubclass(model, pydantic.BaseModel) else None
    hints = typing.get_args(field.annotation) if field is not None and _is_union(field.annotation) else (
        [field.annotation] if field is not None else [])
    return [v for hint in hints if typing.get_origin(hint) is typing.Literal for v in typing.get_args(hint)]


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _discriminator(metadata: tuple[Any, ...]) -> str | None:
    for item in metadata:
        if isinstance(item, PropertyInfo) and item.discriminator:
            return item.discriminator
    return None


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
