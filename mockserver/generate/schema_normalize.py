"""Schema normalising: lower any dialect to plain 2020-12, resolve `$ref`s, fold `allOf`, meet two schemas."""

from __future__ import annotations

import functools
import json
import math
from typing import Any
from urllib.parse import unquote as _unquote

import orjson

REF_REPEATS = 2

TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema",
)
_INT_KEYWORDS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties",
                 "minContains", "maxContains")
NUM_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def schema_key(schema: Any) -> bytes | None:
    """The schema's JSON text (order kept): the cache key for everything derived from it."""
    try:
        return orjson.dumps(schema)
    except Exception:
        pass
    try:
        return json.dumps(schema, default=str).encode()
    except Exception:
        return None


@functools.lru_cache(maxsize=512)
def prepared(key: bytes) -> Any:
    """The normalised schema for a JSON key (shared: never mutate)."""
    return normalize(json.loads(key))


def normalize(node: Any) -> Any:
    """Lower Gemini/OpenAPI/draft-7 spellings to plain 2020-12 JSON Schema."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in SCHEMA_MAPS:
            if isinstance(v, dict):
                out[k] = {n: normalize(s) for n, s in v.items()}
        elif k in SCHEMA_LISTS:
            if isinstance(v, list):
                out[k] = [normalize(s) for s in v]
        elif k in SCHEMA_ONE:
            if k == "items" and isinstance(v, list):
                out["prefixItems"] = [normalize(s) for s in v]
            else:
                out[k] = normalize(v)
        elif k == "dependencies" and isinstance(v, dict):
            for name, dep in v.items():
                if isinstance(dep, list):
                    out.setdefault("dependentRequired", {})[name] = dep
                else:
                    out.setdefault("dependentSchemas", {})[name] = normalize(dep)
        elif k in ("$schema", "nullable", "example"):
            continue
        elif k in _INT_KEYWORDS:
            n = _as_number(v)
            if n is not None:
                out[k] = int(n)
        elif k in NUM_KEYWORDS and not isinstance(v, bool):
            n = _as_number(v)
            if n is not None:
                out[k] = n
        else:
            out[k] = v
    additional_items = out.pop("additionalItems", None)
    if isinstance(node.get("items"), list) and additional_items is not None:
        out["items"] = additional_items
    for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(node.get(flag), bool):
            if node[flag] and bound in out:
                out[flag] = out.pop(bound)
            else:
                out.pop(flag, None)
    types = node.get("type")
    if types is not None:
        seq = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        lowered = [t.lower() for t in seq if isinstance(t, str) and t.lower() in TYPES]
        if node.get("nullable") is True and lowered and "null" not in lowered:
            lowered.append("null")
        lowered = list(dict.fromkeys(lowered))
        if lowered:
            out["type"] = lowered[0] if len(lowered) == 1 else lowered
        else:
            out.pop("type", None)
    if node.get("format") == "enum" or not isinstance(out.get("format", ""), str):
        out.pop("format", None)
    if "example" in node and "examples" not in out:
        out["examples"] = [node["example"]]
    if "enum" in out and not isinstance(out["enum"], list):
        out.pop("enum")
    if "examples" in out and not isinstance(out["examples"], list):
        out.pop("examples")
    if "required" in out:
        req = out["required"]
        out["required"] = [r for r in req if isinstance(r, str)] if isinstance(req, list) else []
    if not isinstance(out.get("pattern", ""), str):
        out.pop("pattern")
    return out


def _as_number(v: Any) -> int | float | None:
    """A finite number from a number or numeric string (`"10"` -> 10); None otherwise."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return int(f) if f.is_integer() and "." not in v else f
    return None


# ---------------------------------------------------------------- merging


_MAX_OF = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains")
_MIN_OF = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains")


def merge(a: Any, b: Any) -> Any:
    """Best-effort conjunction of two (already normalised) schemas."""
    if a is False or b is False:
        return False
    if a is True or not isinstance(a, dict) or not a:
        return b if isinstance(b, dict) else {}
    if b is True or not isinstance(b, dict) or not b:
        return a
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
            continue
        cur = out[k]
        if cur == v:
            continue
        if k == "type":
            out[k] = type_meet(cur, v)
        elif k == "properties" and isinstance(cur, dict) and isinstance(v, dict):
            merged = dict(cur)
            for name, sub in v.items():
                merged[name] = {"allOf": [merged[name], sub]} if name in merged else sub
            out[k] = merged
        elif k == "required":
            out[k] = list(dict.fromkeys([*cur, *v]))
        elif k == "enum":
            out[k] = [x for x in cur if x in v]
        elif k in _MAX_OF:
            out[k] = max(cur, v)
        elif k in _MIN_OF:
            out[k] = min(cur, v)
        elif k == "additionalProperties":
            out[k] = False if (cur is False or v is False) else {"allOf": [cur, v]}
        elif k in ("items", "contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties"):
            out[k] = {"allOf": [cur, v]}
        elif k == "prefixItems":
            longer, shorter = (cur, v) if len(cur) >= len(v) else (v, cur)
            out[k] = [{"allOf": [x, shorter[i]]} if i < len(shorter) else x for i, x in enumerate(longer)]
        elif k == "not":
            out[k] = {"anyOf": [cur, v]}
        elif k in ("anyOf", "oneOf"):
            out[k] = [{"allOf": [x, y]} for x in cur for y in v][:16]
        elif k == "pattern":
            out["x-patterns"] = [*out.get("x-patterns", []), v]
        elif k in ("dependentRequired", "dependentSchemas", "patternProperties", "$defs", "definitions"):
            out[k] = {**v, **cur}
        elif k == "multipleOf" and isinstance(cur, int) and isinstance(v, int) and cur > 0 and v > 0:
            out[k] = cur * v // math.gcd(cur, v)
    return out


def type_meet(a: Any, b: Any) -> Any:
    """The types both `type` values allow (integer within number); `a` when they share none."""
    left = [a] if isinstance(a, str) else list(a)
    right = [b] if isinstance(b, str) else list(b)
    out = [t for t in left if t in right or (t == "integer" and "number" in right)]
    if "number" in left and "integer" in right and "integer" not in out:
        out.append("integer")
    if not out:
        return a
    return out[0] if len(out) == 1 else out


def without(schema: dict, *keys: str) -> dict:
    """`schema` less `keys`."""
    return {k: v for k, v in schema.items() if k not in keys}


# ---------------------------------------------------------------- references


def flatten(root: Any, schema: Any, refs: tuple) -> tuple[Any, tuple]:
    """Resolve `$ref` (against `root`) and fold `allOf` into one schema; `refs` records the way here."""
    for _ in range(64):
        if not isinstance(schema, dict):
            return schema, refs
        if "$ref" in schema or "$dynamicRef" in schema:
            ref = schema.get("$ref", schema.get("$dynamicRef"))
            if refs.count(ref) > 2 * REF_REPEATS + 2:
                return without(schema, "$ref", "$dynamicRef"), refs
            refs = refs + (ref,)
            target = resolve(root, ref)
            schema = merge(target, without(schema, "$ref", "$dynamicRef"))
        elif "allOf" in schema:
            parts = schema["allOf"]
            merged: Any = without(schema, "allOf")
            for part in parts:
                part, refs = flatten(root, part, refs)
                merged = merge(merged, part)
            schema = merged
        else:
            return schema, refs
    return schema, refs


def resolve(root: Any, ref: str) -> Any:
    """The subschema `ref` points at: a JSON pointer, an anchor or an embedded `$id`; {} if none."""
    if not isinstance(ref, str):
        return {}
    if ref.startswith("#"):
        frag = ref[1:]
        if frag.startswith("/") or frag == "":
            node = root
            for part in frag.split("/")[1:]:
                part = _unquote(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(node, dict) and part in node:
                    node = node[part]
                elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                else:
                    return {}
            return node
        return _find(root, lambda s: s.get("$anchor") == frag or s.get("$dynamicAnchor") == frag)
    return _find(root, lambda s: s.get("$id") == ref) or {}


def _find(root: Any, test: Any) -> Any:
    """The first schema under `root` that passes `test`; {} if none."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if test(node):
                return node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {}
