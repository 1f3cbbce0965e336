"""Validity checks: whether a value satisfies a normalised schema or any schema inside it."""

from __future__ import annotations

import functools
from typing import Any

import jsonschema_rs
import orjson

from .patterns import search
from .schema_normalize import SCHEMA_LISTS, SCHEMA_MAPS, SCHEMA_ONE, prepared, schema_key

# The URI the root is registered under, so a subschema's local `$ref: "#..."` still finds its target.
_ROOT = "urn:mockserver:root"


class Checker:
    """Checks values against one normalised root schema and the subschemas found in it."""

    def __init__(self, root: Any, key: bytes | None) -> None:
        self.root = root
        self.key = key

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
        validator = self._validator(schema)
        if validator is None:
            return True
        try:
            return validator.is_valid(value)
        except Exception:
            return True

    def _validator(self, schema: Any) -> Any:
        """A compiled validator for `schema`; None when it cannot be built."""
        sub = schema_key(schema)
        if sub is None:
            return None
        if b"$ref" not in sub and b"$dynamicRef" not in sub:  # no reference: the schema stands alone
            return _sub_validator(None, sub)
        registry = _registry(self.key) if self.key is not None else None
        return _sub_validator(registry, sub) if registry is not None else None


@functools.lru_cache(maxsize=512)
def _whole_validator(key: bytes) -> Any:
    """A compiled validator for the normalised root; None when it cannot be built."""
    try:
        return jsonschema_rs.Draft202012Validator(prepared(key), retriever=_refuse)
    except Exception:
        return None


@functools.lru_cache(maxsize=512)
def _registry(key: bytes) -> Any:
    """The normalised root registered under `_ROOT`; None when it cannot be registered."""
    try:
        return jsonschema_rs.Registry([(_ROOT, prepared(key))], retriever=_refuse)
    except Exception:
        return None


@functools.lru_cache(maxsize=2048)
def _sub_validator(registry: Any, sub: bytes) -> Any:
    """A compiled validator for a subschema's JSON; with a registry, its local references go to the root."""
    try:
        schema = orjson.loads(sub)
        if registry is None:
            return jsonschema_rs.Draft202012Validator(schema, retriever=_refuse)
        return jsonschema_rs.Draft202012Validator(_anchored(schema), registry=registry, retriever=_refuse)
    except Exception:
        return None


def _refuse(uri: str) -> Any:
    """The retriever: a generated value never waits on the network, so remote `$ref`s stay unresolved."""
    raise LookupError(f"not fetching {uri}")


def _anchored(schema: Any) -> Any:
    """`schema` with each local reference (`#...`, or `""` for the whole document) made absolute under `_ROOT`."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k in ("$ref", "$dynamicRef") and isinstance(v, str) and (v == "" or v.startswith("#")):
            v = _ROOT + v
        elif k in SCHEMA_MAPS and isinstance(v, dict):
            v = {name: _anchored(s) for name, s in v.items()}
        elif k in SCHEMA_LISTS and isinstance(v, list):
            v = [_anchored(s) for s in v]
        elif k in SCHEMA_ONE:
            v = _anchored(v)
        out[k] = v
    return out


def multiple_ok(x: Any, m: float) -> bool:
    """Python jsonschema's multipleOf arithmetic (float quotient for float divisors)."""
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

