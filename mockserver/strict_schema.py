"""OpenAI's Structured Outputs rules for `strict: true` JSON schemas, and the 400 the real API answers when one is broken.

One place for the rules (the "supported schemas" list of OpenAI's Structured Outputs guide), used by
Chat Completions (`response_format`, function tools) and the Responses API (`text.format`, function tools).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import MockError

# JSON Schema keywords strict mode refuses (composition, and object/array keywords it cannot enforce).
UNSUPPORTED_KEYWORDS = (
    "allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
    "patternProperties", "propertyNames", "unevaluatedProperties", "minProperties", "maxProperties",
    "unevaluatedItems", "contains", "minContains", "maxContains",
)
MAX_DEPTH = 10  # levels of nested objects
MAX_PROPERTIES = 5000  # object properties in the whole schema
MAX_ENUM_VALUES = 1000  # enum values in the whole schema
LARGE_ENUM = 250  # a string enum with more values than this ...
MAX_LARGE_ENUM_CHARS = 15_000  # ... may hold at most this many characters in all
MAX_TOTAL_CHARS = 120_000  # property names, definition names, enum and const values together
DEFINITIONS = ("$defs", "definitions")


@dataclass
class _Totals:
    """Counts over the whole schema, for the size limits."""

    properties: int = 0
    enum_values: int = 0
    chars: int = 0


def problem(schema: Any) -> str | None:
    """The first strict-mode rule `schema` breaks, worded as the real API words it; None when it is valid."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        found = schema.get("type") if isinstance(schema, dict) else None
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{found}\"'."
    totals = _Totals()
    message = _walk(schema, (), 1, totals)
    if message is None:
        for key in DEFINITIONS:
            definitions = schema.get(key, {})
            if not isinstance(definitions, dict):
                return f"In context=(), '{key}' must be an object of schemas."
            for name, sub in definitions.items():
                totals.chars += len(name)
                message = message or _walk(sub, (key, name), 1, totals)
    if message is not None:
        return message
    if totals.properties > MAX_PROPERTIES:
        return f"The schema has {totals.properties} object properties; at most {MAX_PROPERTIES} are allowed."
    if totals.enum_values > MAX_ENUM_VALUES:
        return f"The schema has {totals.enum_values} enum values; at most {MAX_ENUM_VALUES} are allowed."
    if totals.chars > MAX_TOTAL_CHARS:
        return (f"The total string length of property names, definition names, enum values and const values is "
                f"{totals.chars}; at most {MAX_TOTAL_CHARS} characters are allowed.")
    return None


def check_response_format(schema: Any, name: str | None, param: str) -> None:
    """400 `invalid_json_schema` (param `param`) when a strict response format breaks a rule."""
    message = problem(schema)
    if message is not None:
        raise MockError(400, f"Invalid schema for response_format '{name or ''}': {message}", param=param,
                        code="invalid_json_schema")


def check_function(schema: Any, name: str | None, param: str) -> None:
    """400 `invalid_function_parameters` (param `param`) when a strict function's parameters break a rule."""
    message = problem(schema)
    if message is not None:
        raise MockError(400, f"Invalid schema for function '{name or ''}': {message}", param=param,
                        code="invalid_function_parameters")


def _walk(schema: Any, context: tuple, depth: int, totals: _Totals) -> str | None:
    where = f"In context={context!r}"
    if not isinstance(schema, dict):
        return f"{where}, schema must be a JSON Schema object."
    for keyword in UNSUPPORTED_KEYWORDS:
        if keyword in schema:
            return f"{where}, '{keyword}' is not permitted."
    if not any(k in schema for k in ("type", "anyOf", "$ref", "enum", "const")):
        return f"{where}, schema must have a 'type' key."
    message = _values(schema, context, totals)
    if message is not None:
        return message
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "object" in types:
        if depth > MAX_DEPTH:
            return f"{where}, the schema nests objects {depth} levels deep; at most {MAX_DEPTH} levels are allowed."
        message = _object(schema, context, depth, totals)
        if message is not None:
            return message
    if "items" in schema:
        message = _walk(schema["items"], context + ("items",), depth, totals)
        if message is not None:
            return message
    options = schema.get("anyOf", [])
    if not isinstance(options, list):
        return f"{where}, 'anyOf' must be an array of schemas."
    for index, option in enumerate(options):
        message = _walk(option, context + ("anyOf", index), depth, totals)
        if message is not None:
            return message
    return None


def _object(schema: dict, context: tuple, depth: int, totals: _Totals) -> str | None:
    where = f"In context={context!r}"
    if schema.get("additionalProperties") is not False:
        return f"{where}, 'additionalProperties' is required to be supplied and to be false."
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        return f"{where}, 'properties' must be an object of schemas."
    required = schema.get("required")
    rule = f"{where}, 'required' is required to be supplied and to be an array including every key in properties."
    if required is not None and not isinstance(required, list):
        return rule
    missing = [key for key in properties if key not in (required or [])]
    if missing:
        return f"{rule} Missing '{missing[0]}'."
    extra = [key for key in required or [] if key not in properties]
    if extra:
        return f"{rule} Extra required key '{extra[0]}' supplied."
    totals.properties += len(properties)
    for name, sub in properties.items():
        totals.chars += len(name)
        message = _walk(sub, context + ("properties", name), depth + 1, totals)
        if message is not None:
            return message
    return None


def _values(schema: dict, context: tuple, totals: _Totals) -> str | None:
    """Count enum and const values toward the size limits; a large string enum has its own limit."""
    enum = schema.get("enum")
    if isinstance(enum, list):
        totals.enum_values += len(enum)
        chars = sum(len(v) for v in enum if isinstance(v, str))
        totals.chars += chars
        if len(enum) > LARGE_ENUM and chars > MAX_LARGE_ENUM_CHARS:
            return (f"In context={context!r}, an enum with more than {LARGE_ENUM} values may hold at most "
                    f"{MAX_LARGE_ENUM_CHARS} characters in all; this one holds {chars}.")
    if isinstance(schema.get("const"), str):
        totals.chars += len(schema["const"])
    return None
