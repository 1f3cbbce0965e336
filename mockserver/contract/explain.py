"""A jsonschema-rs error as the field at fault, what the spec expects there and what was sent instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..spec.validators import describe_type, json_path, matching_branch

BRANCHING = ("AnyOf", "OneOfNotValid")


@dataclass(frozen=True)
class Mismatch:
    """One schema error, explained."""

    field: str
    expected: str
    got: str


def short(value: Any, limit: int = 80) -> str:
    """A value as JSON-ish text, shortened."""
    import orjson

    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def typed(value: Any) -> str:
    """`integer 3`, `string "x"`, `null`: a value with its JSON type."""
    kind = describe_type(value)
    return kind if value is None else f"{kind} {short(value)}"


def explain(error: Any, root: tuple[Any, ...] = ()) -> Mismatch:
    """The error inside the anyOf/oneOf branch the value was meant for (by its `type` tag), explained."""
    while _kind(error) in BRANCHING:
        branch = matching_branch(error)
        if branch is None:
            break
        error = branch[0]
    kind, name = error.kind, _kind(error)
    where = [*root, *error.instance_path]
    value = error.instance
    if name == "Required":
        return Mismatch(json_path([*where, kind.property]), "a value (the field is required)", "no such field")
    if name == "Type":
        types = [kind.types] if isinstance(kind.types, str) else [str(t) for t in kind.types]
        return Mismatch(json_path(where), " or ".join(types), typed(value))
    if name == "Enum":
        return Mismatch(json_path(where), "one of " + ", ".join(short(o) for o in kind.options), short(value))
    if name == "Constant":
        return Mismatch(json_path(where), short(kind.expected_value), short(value))
    if name in ("Minimum", "ExclusiveMinimum", "Maximum", "ExclusiveMaximum"):
        sign = {"Minimum": ">=", "ExclusiveMinimum": ">", "Maximum": "<=", "ExclusiveMaximum": "<"}[name]
        return Mismatch(json_path(where), f"a number {sign} {kind.limit}", short(value))
    if name in ("MinItems", "MaxItems"):
        bound = "at least" if name == "MinItems" else "at most"
        return Mismatch(json_path(where), f"{bound} {kind.limit} item(s)", f"{len(value)} item(s)")
    if name in ("MinLength", "MaxLength"):
        bound = "at least" if name == "MinLength" else "at most"
        return Mismatch(json_path(where), f"{bound} {kind.limit} character(s)", f"{len(value)} character(s)")
    if name == "FalseSchema":
        return Mismatch(json_path(where), "no such field", typed(value))
    if name in BRANCHING:
        return Mismatch(json_path(where), "one of the documented shapes", typed(value))
    return Mismatch(json_path(where), error.message, short(value))


def _kind(error: Any) -> str:
    return type(error.kind).__name__
