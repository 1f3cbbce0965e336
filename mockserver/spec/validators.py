"""Compiled JSON Schema validators that explain a failure the way the providers do."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs


@dataclass(frozen=True)
class Violation:
    """What is wrong with a request, naming the field at fault."""

    message: str
    param: str | None
    code: str | None = "invalid_value"
    where: tuple[Any, ...] = ()
    detail: str | None = None  # the failure in Anthropic's (pydantic's) words, without the field

    @property
    def anthropic_message(self) -> str:
        """Anthropic's wording: the dotted path once, then what is wrong (`messages.0.role: Input should be ...`)."""
        detail = self.detail or self.message
        return f"{dotted_path(self.where)}: {detail}" if self.where else detail


def json_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """`['messages', 0, 'role']` -> `messages[0].role` (OpenAI's form)."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def dotted_path(parts: list[Any] | tuple[Any, ...]) -> str:
    """`['messages', 0, 'role']` -> `messages.0.role` (Anthropic's form)."""
    return ".".join(str(part) for part in parts)


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

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """Every jsonschema-rs error for `instance` (none when it validates)."""
        return self._validator.iter_errors(instance)

    def first_violation(self, instance: Any, root: str | None = None) -> Violation | None:
        """None when valid, else a provider-style explanation of the first error (paths under `root`)."""
        if self._validator.is_valid(instance):
            return None
        error = next(iter(self._validator.iter_errors(instance)))
        return explain(error, root)


def _kind(error: Any) -> str:
    return type(error.kind).__name__


def _is_tag_mismatch(error: Any, base: list[Any]) -> bool:
    """A branch's `const` (or catch-all `not`) on a direct property failed: the instance is another variant."""
    path = list(error.instance_path)
    return (_kind(error) in ("Constant", "Not") and len(path) == len(base) + 1 and path[:-1] == base
            and isinstance(path[-1], str))


def _is_wrong_type(error: Any, base: list[Any]) -> bool:
    return _kind(error) == "Type" and list(error.instance_path) == base


def matching_branch(error: Any) -> list[Any] | None:
    """The errors of the anyOf/oneOf branch the instance was meant for, or None when that is ambiguous.

    A branch whose discriminator (`type: {const: text}`) differs from the instance's is ruled out; of
    the rest, one whose JSON type differs too. A single branch left is the one to explain.
    """
    base = list(error.instance_path)
    branches = [errors for errors in (error.kind.context or []) if errors]
    tagged = [errors for errors in branches if not any(_is_tag_mismatch(e, base) for e in errors)]
    if tagged and len(tagged) < len(branches):
        return tagged[0]
    typed = [errors for errors in branches if not any(_is_wrong_type(e, base) for e in errors)]
    return typed[0] if len(typed) == 1 else None


def _no_branch(error: Any, where: list[Any]) -> Violation | None:
    """Every branch was ruled out: say which discriminator values or JSON types would have been accepted."""
    base = list(error.instance_path)
    branches = [errors for errors in (error.kind.context or []) if errors]
    tags = [e for errors in branches for e in errors if _is_tag_mismatch(e, base) and _kind(e) == "Constant"]
    if tags and all(any(_is_tag_mismatch(e, base) for e in errors) for errors in branches):
        field = tags[0].instance_path[-1]
        at = [*where, field]
        options = list(dict.fromkeys(e.kind.expected_value for e in tags if e.instance_path[-1] == field))
        value = error.instance.get(field) if isinstance(error.instance, dict) else None
        listed = ", ".join(repr(o) for o in options)
        return Violation(f"Invalid value for '{json_path(at)}': {_short(value)}. Supported values are: {listed}.",
                         json_path(at), "invalid_value", tuple(at), f"Input should be {_either(options)}")
    if branches and all(any(_is_wrong_type(e, base) for e in errors) for errors in branches):
        types = list(dict.fromkeys(t for errors in branches for e in errors if _is_wrong_type(e, base)
                                   for t in _types(e.kind)))
        return _type_violation(types, error.instance, where)
    return None


def _types(kind: Any) -> list[str]:
    return [kind.types] if isinstance(kind.types, str) else [str(t) for t in kind.types]


def _either(options: list[Any]) -> str:
    """Pydantic's list of literals: `'a', 'b' or 'c'`."""
    quoted = [repr(o) for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


PYDANTIC_TYPES = {"integer": "a valid integer", "number": "a valid number", "string": "a valid string",
                  "boolean": "a valid boolean", "array": "a valid list", "object": "a valid dictionary",
                  "null": "None"}


def _type_violation(types: list[str], instance: Any, where: list[Any]) -> Violation:
    expected = " or ".join(types)
    got = describe_type(instance)
    detail = "Input should be " + " or ".join(PYDANTIC_TYPES.get(t, t) for t in types)
    if not where:
        return Violation(f"Invalid request body: expected {expected}, but got {got}.", None, "invalid_type", (),
                         detail)
    path = json_path(where)
    return Violation(f"Invalid type for '{path}': expected {expected}, but got {got} instead.", path, "invalid_type",
                     tuple(where), detail)


def explain(error: Any, root: str | None = None) -> Violation:
    """Turn a jsonschema-rs error into a message that names the field (inside the anyOf branch meant)."""
    while _kind(error) in ("AnyOf", "OneOfNotValid"):
        branch = matching_branch(error)
        if branch is None:
            break
        error = branch[0]
    where = [root, *error.instance_path] if root else list(error.instance_path)
    path = json_path(where)
    kind = error.kind
    name = _kind(error)
    at = tuple(where)
    if name in ("AnyOf", "OneOfNotValid") and (found := _no_branch(error, where)) is not None:
        return found
    if name == "Required":
        field = (*where, kind.property)
        return Violation(f"Missing required parameter: '{json_path(field)}'.", json_path(field),
                         "missing_required_parameter", field, "Field required")
    if name == "Type":
        return _type_violation(_types(kind), error.instance, where)
    if name in ("Enum", "Constant"):
        options = kind.options if name == "Enum" else [kind.expected_value]
        listed = ", ".join(repr(o) for o in options)
        return Violation(f"Invalid value for '{path}': {_short(error.instance)}. Supported values are: {listed}.",
                         path, "invalid_value", at, f"Input should be {_either(options)}")
    if name in ("Maximum", "ExclusiveMaximum"):
        than = "less than or equal to" if name == "Maximum" else "less than"
        return Violation(f"Invalid '{path}': number above maximum value. Expected a value <= {kind.limit}, "
                         f"but got {_short(error.instance)} instead.", path, "invalid_value", at,
                         f"Input should be {than} {kind.limit}")
    if name in ("Minimum", "ExclusiveMinimum"):
        than = "greater than or equal to" if name == "Minimum" else "greater than"
        return Violation(f"Invalid '{path}': number below minimum value. Expected a value >= {kind.limit}, "
                         f"but got {_short(error.instance)} instead.", path, "invalid_value", at,
                         f"Input should be {than} {kind.limit}")
    if name == "MinItems":
        return Violation(f"Invalid '{path}': empty array. Expected an array with minimum length {kind.limit}, "
                         f"but got an array with length {len(error.instance)} instead.", path, "empty_array"
                         if not error.instance else "invalid_value", at,
                         f"List should have at least {kind.limit} item{_s(kind.limit)} after validation, "
                         f"not {len(error.instance)}")
    if name == "MaxItems":
        return Violation(f"Invalid '{path}': array too long. Expected an array with maximum length {kind.limit}, "
                         f"but got an array with length {len(error.instance)} instead.", path, "array_above_max_length",
                         at, f"List should have at most {kind.limit} item{_s(kind.limit)} after validation, "
                             f"not {len(error.instance)}")
    if name == "MinLength":
        return Violation(f"Invalid '{path}': string too short. Expected a string with minimum length {kind.limit}, "
                         f"but got a string with length {len(error.instance)} instead.", path, "string_below_min_length",
                         at, f"String should have at least {kind.limit} character{_s(kind.limit)}")
    if name == "MaxLength":
        return Violation(f"Invalid '{path}': string too long. Expected a string with maximum length {kind.limit}, "
                         f"but got a string with length {len(error.instance)} instead.", path, "string_above_max_length",
                         at, f"String should have at most {kind.limit} character{_s(kind.limit)}")
    if name == "Pattern":
        return Violation(f"Invalid value for '{path or 'body'}': {error.message}.", path or None, "invalid_value", at,
                         f"String should match pattern '{kind.pattern}'")
    detail = error.message
    return Violation(f"Invalid value for '{path or 'body'}': {detail}.", path or None, "invalid_value", at, detail)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def coerce(value: str, schema: dict, resolve: Callable[[Any], Any] = lambda node: node) -> Any:
    """Convert a form or query string to the scalar type its schema declares."""
    for kind in scalar_types(schema, resolve):
        try:
            if kind == "integer":
                return int(value)
            if kind == "number" and math.isfinite(number := float(value)):
                return number
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
