"""Compiled JSON Schema validators that explain a failure the way the providers do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema_rs


@dataclass(frozen=True)
class Violation:
    """What is wrong with a request, naming the field at fault."""

    message: str
    param: str | None
    code: str | None = "invalid_value"


def json_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """`['messages', 0, 'role']` -> `messages[0].role`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class SchemaValidator:
    """A JSON Schema compiled once; `first_violation` explains the first failure."""

    def __init__(self, schema: dict) -> None:
        self.schema = schema
        self._validator = jsonschema_rs.validator_for(schema)

    def is_valid(self, instance: Any) -> bool:
        """Whether the instance validates."""
        return self._validator.is_valid(instance)

    def first_violation(self, instance: Any, root: str | None = None) -> Violation | None:
        """None when valid, else a provider-style explanation of the first error (paths under `root`)."""
        if self._validator.is_valid(instance):
            return None
        error = next(iter(self._validator.iter_errors(instance)))
        return explain(error, root)


def explain(error: Any, root: str | None = None) -> Violation:
    """Turn a jsonschema-rs error into a message that names the field."""
    where = [root, *error.instance_path] if root else list(error.instance_path)
    path = json_path(where)
    kind = error.kind
    name = type(kind).__name__
    if name == "Required":
        field_path = json_path([*where, kind.property])
        return Violation(f"Missing required parameter: '{field_path}'.", field_path, "missing_required_parameter")
    if name == "Type":
        expected = kind.types if isinstance(kind.types, str) else " or ".join(map(str, kind.types))
        got = describe_type(error.instance)
        if not path:
            return Violation(f"Invalid request body: expected {expected}, but got {got}.", None, "invalid_type")
        return Violation(f"Invalid type for '{path}': expected {expected}, but got {got} instead.", path, "invalid_type")
    if name == "Enum":
        options = ", ".join(repr(o) for o in kind.options)
        return Violation(f"Invalid value for '{path}': {_short(error.instance)}. Supported values are: {options}.",
                         path, "invalid_value")
    if name in ("Maximum", "ExclusiveMaximum"):
        return Violation(f"Invalid '{path}': number above maximum value. Expected a value <= {kind.limit}, "
                         f"but got {_short(error.instance)} instead.", path, "invalid_value")
    if name in ("Minimum", "ExclusiveMinimum"):
        return Violation(f"Invalid '{path}': number below minimum value. Expected a value >= {kind.limit}, "
                         f"but got {_short(error.instance)} instead.", path, "invalid_value")
    if name == "MinItems":
        return Violation(f"Invalid '{path}': empty array. Expected an array with minimum length {kind.limit}, "
                         f"but got an array with length {len(error.instance)} instead.", path, "empty_array"
                         if not error.instance else "invalid_value")
    if name == "MaxItems":
        return Violation(f"Invalid '{path}': array too long. Expected an array with maximum length {kind.limit}, "
                         f"but got an array with length {len(error.instance)} instead.", path, "array_above_max_length")
    if name == "MinLength":
        return Violation(f"Invalid '{path}': string too short. Expected a string with minimum length {kind.limit}, "
                         f"but got a string with length {len(error.instance)} instead.", path, "string_below_min_length")
    if name == "MaxLength":
        return Violation(f"Invalid '{path}': string too long. Expected a string with maximum length {kind.limit}, "
                         f"but got a string with length {len(error.instance)} instead.", path, "string_above_max_length")
    detail = error.message
    return Violation(f"Invalid value for '{path or 'body'}': {detail}.", path or None, "invalid_value")


def coerce(value: str, schema: dict, resolve: Callable[[Any], Any] = lambda node: node) -> Any:
    """Convert a form or query string to the scalar type its schema declares."""
    for kind in scalar_types(schema, resolve):
        try:
            if kind == "integer":
                return int(value)
            if kind == "number":
                return float(value)
            if kind == "boolean" and value.lower() in ("true", "false", "1", "0"):
                return value.lower() in ("true", "1")
        except ValueError:
            continue
    return value


def scalar_types(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> list[str]:
    """The types a schema allows, looking through `$ref`, `anyOf`, `oneOf` and `allOf`."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 5:
        return []
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            types += scalar_types(branch, resolve, depth + 1)
    return [t for t in types if t != "string"] + (["string"] if "string" in types else [])
