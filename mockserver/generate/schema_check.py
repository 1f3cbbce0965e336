"""Validity checks: whether a value satisfies a normalised schema or any schema inside it."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema
import jsonschema_rs

from .patterns import search
from .schema_normalize import prepared


class Checker:
    """Checks values against one normalised root schema and the subschemas found in it."""

    def __init__(self, root: Any, key: bytes | None) -> None:
        self.root = root
        self.key = key
        self._validator: Any = None

    def validator(self) -> Any:
        if self._validator is None:
            try:
                self._validator = _validator(self.key) if self.key is not None else \
                    jsonschema.Draft202012Validator(self.root)
            except Exception:
                self._validator = False
        return self._validator

    def whole(self, value: Any) -> bool:
        """Whether `value` validates against the root schema."""
        fast = _whole_validator(self.key) if self.key is not None else None
        if fast is not None:
            try:
                return fast.is_valid(value)
            except Exception:
                pass
        return self.valid(self.root, value)

    def valid(self, schema: Any, value: Any) -> bool:
        """Whether `value` validates against `schema` (references resolve against the root)."""
        quick = quick_valid(schema, value)
        if quick is not None:
            return quick
        v = self.validator()
        if v is False:
            return True
        try:
            return next(v.descend(value, schema), None) is None
        except Exception:
            return True


@functools.lru_cache(maxsize=512)
def _validator(key: bytes) -> jsonschema.Draft202012Validator:
    """A validator over the normalised root, cached on the schema's JSON."""
    return jsonschema.Draft202012Validator(prepared(key))


@functools.lru_cache(maxsize=512)
def _whole_validator(key: bytes) -> Any:
    """A compiled (Rust) validator for whole-instance checks; None when unavailable."""
    try:
        return jsonschema_rs.Draft202012Validator(prepared(key), offline=True)
    except Exception:
        return None


def multiple_ok(x: Any, m: float) -> bool:
    """Mirror jsonschema's multipleOf arithmetic (float quotient for float divisors)."""
    try:
        if isinstance(m, float):
            q = x / m
            return int(q) == q
        return x % m == 0
    except (OverflowError, ZeroDivisionError, ValueError):
        return False


_QUICK_KEYS = frozenset({
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "x-patterns", "format", "title", "description", "default",
    "examples", "deprecated", "readOnly", "writeOnly", "$comment", "nullable",
})


def quick_valid(schema: Any, value: Any) -> bool | None:
    """Validity for flat scalar schemas, decided in Python; None when unsure."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or not _QUICK_KEYS.issuperset(schema) or isinstance(value, (dict, list)):
        return None
    if not type_ok(value, schema.get("type")):
        return False
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        return False
    if "const" in schema and not _same(value, schema["const"]):
        return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            return False
        patterns = [schema.get("pattern"), *schema.get("x-patterns", ())]
        return all(search(p, value) for p in patterns if isinstance(p, str))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        lo_x, hi_x = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if lo is not None and value < lo or hi is not None and value > hi:
            return False
        if lo_x is not None and value <= lo_x or hi_x is not None and value >= hi_x:
            return False
        mult = schema.get("multipleOf")
        return mult is None or multiple_ok(value, mult)
    return True


def _same(a: Any, b: Any) -> bool:
    """JSON equality: `True` is not `1`."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def type_ok(value: Any, types: Any) -> bool:
    """Whether `value` is of one of the JSON Schema `types` (None allows any)."""
    if types is None:
        return True
    names = [types] if isinstance(types, str) else types
    for t in names:
        if t == "null" and value is None or t == "boolean" and isinstance(value, bool):
            return True
        if t == "string" and isinstance(value, str) or t == "object" and isinstance(value, dict):
            return True
        if t == "array" and isinstance(value, list):
            return True
        is_number = not isinstance(value, bool) and isinstance(value, (int, float))
        if is_number and (t == "number" or t == "integer" and float(value).is_integer()):
            return True
    return False

