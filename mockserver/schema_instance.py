"""Schema -> instance: a deterministic, plausible value that validates against a JSON Schema."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
import uuid
import zlib
from fractions import Fraction
from typing import Any
from urllib.parse import unquote as _unquote

import jsonschema

try:
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover
    _rs = None
try:
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

try:  # Python 3.11+ keeps the regex parser here; older versions expose sre_parse.
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

__all__ = ["instance_for"]

_MISSING = object()
_MAX_SIZE = 1000
_HARD_DEPTH = 24
_SOFT_DEPTH = 10
_REF_REPEATS = 2

_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema",
)
_INT_KEYWORDS = ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties",
                 "minContains", "maxContains")
_NUM_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
_OBJECT_HINTS = ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
                 "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas")
_ARRAY_HINTS = ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")
_NUMBER_HINTS = _NUM_KEYWORDS
_STRING_HINTS = ("minLength", "maxLength", "pattern", "format", "x-patterns")


def instance_for(schema: dict, *, seed: str = "", hint: str = "") -> Any:
    """A deterministic, plausible instance that validates against `schema`."""
    seed = str(seed or "")
    hint = hint if isinstance(hint, str) else ""
    key = _key(schema)
    if key is None:
        return _generate(schema, None, seed, hint)
    return _clone(_cached(key, seed, hint))


def _key(schema: Any) -> str | bytes | None:
    """The schema's JSON text (order kept): the cache key for everything derived from it."""
    try:
        return _orjson.dumps(schema) if _orjson is not None else json.dumps(schema)
    except Exception:
        pass
    try:
        return json.dumps(schema, default=str)
    except Exception:
        return None


@functools.lru_cache(maxsize=1024)
def _cached(key: str | bytes, seed: str, hint: str) -> Any:
    return _generate(None, key, seed, hint)


def _generate(schema: Any, key: str | bytes | None, seed: str, hint: str) -> Any:
    try:
        root = _prepared(key) if key is not None else _normalize(schema)
    except Exception:
        root = {}
    gen = _Generator(root, key, seed, hint)
    first: Any = None
    for careful in (False, True):
        gen.careful = careful
        try:
            value = gen.gen(root)
        except Exception:
            continue
        if careful or gen.valid_instance(value):
            return value
        first = value
    return first


def _clone(value: Any) -> Any:
    """A deep copy of a JSON value (the cached original must never leak)."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


# ---------------------------------------------------------------- normalisation


@functools.lru_cache(maxsize=512)
def _prepared(key: str | bytes) -> Any:
    """The normalised schema for a JSON key (shared: never mutate)."""
    return _normalize(json.loads(key))


@functools.lru_cache(maxsize=512)
def _validator(key: str | bytes) -> jsonschema.Draft202012Validator:
    """A validator over the normalised root, cached on the schema's JSON."""
    return jsonschema.Draft202012Validator(_prepared(key))


@functools.lru_cache(maxsize=512)
def _whole_validator(key: str | bytes) -> Any:
    """A compiled (Rust) validator for whole-instance checks; None when unavailable."""
    if _rs is None:
        return None
    try:
        return _rs.Draft202012Validator(_prepared(key), offline=True)
    except Exception:
        return None


def _normalize(node: Any) -> Any:
    """Lower Gemini/OpenAPI/draft-7 spellings to plain 2020-12 JSON Schema."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in _SCHEMA_MAPS:
            if isinstance(v, dict):
                out[k] = {n: _normalize(s) for n, s in v.items()}
        elif k in _SCHEMA_LISTS:
            if isinstance(v, list):
                out[k] = [_normalize(s) for s in v]
        elif k in _SCHEMA_ONE:
            if k == "items" and isinstance(v, list):
                out["prefixItems"] = [_normalize(s) for s in v]
            else:
                out[k] = _normalize(v)
        elif k == "dependencies" and isinstance(v, dict):
            for name, dep in v.items():
                if isinstance(dep, list):
                    out.setdefault("dependentRequired", {})[name] = dep
                else:
                    out.setdefault("dependentSchemas", {})[name] = _normalize(dep)
        elif k in ("$schema", "nullable", "example"):
            continue
        elif k in _INT_KEYWORDS:
            n = _as_number(v)
            if n is not None:
                out[k] = int(n)
        elif k in _NUM_KEYWORDS and not isinstance(v, bool):
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
        lowered = [t.lower() for t in seq if isinstance(t, str) and t.lower() in _TYPES]
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


def _merge(a: Any, b: Any) -> Any:
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
            out[k] = _type_meet(cur, v)
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


def _type_meet(a: Any, b: Any) -> Any:
    left = [a] if isinstance(a, str) else list(a)
    right = [b] if isinstance(b, str) else list(b)
    out = [t for t in left if t in right or (t == "integer" and "number" in right)]
    if "number" in left and "integer" in right and "integer" not in out:
        out.append("integer")
    if not out:
        return a
    return out[0] if len(out) == 1 else out


def _without(schema: dict, *keys: str) -> dict:
    return {k: v for k, v in schema.items() if k not in keys}


def _copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


# ---------------------------------------------------------------- generator


class _Generator:
    """Walks a normalised schema and builds one instance."""

    def __init__(self, root: Any, key: str | bytes | None, seed: str, hint: str) -> None:
        self.root = root
        self.key = key
        self.seed = seed
        self.hint = hint.strip()
        self.careful = False
        self._place: tuple[str, ...] | None = None
        self._validator: Any = None

    # -- helpers

    def pick(self, path: str, options: list | tuple, variant: int = 0) -> Any:
        """Option `variant` (seed-free) or a seed-shifted one; always deterministic."""
        if not self.seed:
            return options[variant % len(options)]
        h = zlib.crc32(f"{self.seed}\x00{path}".encode())
        return options[(h + variant) % len(options)]

    def validator(self) -> Any:
        if self._validator is None:
            try:
                self._validator = _validator(self.key) if self.key is not None else \
                    jsonschema.Draft202012Validator(self.root)
            except Exception:
                self._validator = False
        return self._validator

    def valid_instance(self, value: Any) -> bool:
        fast = _whole_validator(self.key) if self.key is not None else None
        if fast is not None:
            try:
                return fast.is_valid(value)
            except Exception:
                pass
        return self.valid(self.root, value)

    def valid(self, schema: Any, value: Any) -> bool:
        quick = _quick_valid(schema, value)
        if quick is not None:
            return quick
        v = self.validator()
        if v is False:
            return True
        try:
            return next(v.descend(value, schema), None) is None
        except Exception:
            return True

    def resolve(self, ref: str) -> Any:
        if not isinstance(ref, str):
            return {}
        if ref.startswith("#"):
            frag = ref[1:]
            if frag.startswith("/") or frag == "":
                node = self.root
                for part in frag.split("/")[1:]:
                    part = _unquote(part.replace("~1", "/").replace("~0", "~"))
                    if isinstance(node, dict) and part in node:
                        node = node[part]
                    elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                        node = node[int(part)]
                    else:
                        return {}
                return node
            return self._find(lambda s: s.get("$anchor") == frag or s.get("$dynamicAnchor") == frag)
        return self._find(lambda s: s.get("$id") == ref) or {}

    def _find(self, test: Any) -> Any:
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if test(node):
                    return node
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return {}

    def flatten(self, schema: Any, refs: tuple) -> tuple[Any, tuple]:
        """Resolve `$ref` and fold `allOf` into one schema."""
        for _ in range(64):
            if not isinstance(schema, dict):
                return schema, refs
            if "$ref" in schema or "$dynamicRef" in schema:
                ref = schema.get("$ref", schema.get("$dynamicRef"))
                if refs.count(ref) > 2 * _REF_REPEATS + 2:
                    return _without(schema, "$ref", "$dynamicRef"), refs
                refs = refs + (ref,)
                target = self.resolve(ref)
                schema = _merge(target, _without(schema, "$ref", "$dynamicRef"))
            elif "allOf" in schema:
                parts = schema["allOf"]
                merged: Any = _without(schema, "allOf")
                for part in parts:
                    part, refs = self.flatten(part, refs)
                    merged = _merge(merged, part)
                schema = merged
            else:
                return schema, refs
        return schema, refs

    # -- dispatch

    def gen(self, schema: Any, name: str = "", path: str = "$", depth: int = 0,
            variant: int = 0, refs: tuple = ()) -> Any:
        if depth > _HARD_DEPTH:
            return None
        if schema is True or not isinstance(schema, (dict, bool)):
            schema = {}
        if "$ref" in schema or "allOf" in schema or "$dynamicRef" in schema:
            schema, refs = self.flatten(schema, refs)
            if schema is False or not isinstance(schema, dict):
                return None
        minimal = depth >= _SOFT_DEPTH or bool(refs) and any(refs.count(r) >= _REF_REPEATS for r in set(refs))
        if "not" in schema:
            return self.negated(schema, name, path, depth, variant, refs, minimal)
        return self.positive(schema, name, path, depth, variant, refs, minimal)

    def positive(self, schema: dict, name: str, path: str, depth: int, variant: int,
                 refs: tuple, minimal: bool) -> Any:
        if "const" in schema:
            return _copy(schema["const"])
        if variant == 0 and ("default" in schema or "examples" in schema):
            for preset in self.presets(schema, minimal):
                if self.valid(schema, preset):
                    return _copy(preset)
        if "enum" in schema:
            return self.enum(schema, name, path, variant)
        if "oneOf" in schema or "anyOf" in schema:
            return self.union(schema, name, path, depth, variant, refs, minimal)
        if "if" in schema:
            return self.conditional(schema, name, path, depth, variant, refs)
        kind = self.choose_type(schema, minimal)
        if kind == "object":
            return self.obj(schema, name, path, depth, variant, refs, minimal)
        if kind == "array":
            return self.array(schema, name, path, depth, variant, refs, minimal)
        if kind in ("integer", "number"):
            return self.number(schema, name, path, variant, kind == "integer")
        if kind == "boolean":
            return self.pick(path, (True, False), variant)
        if kind == "null":
            return None
        return self.string(schema, name, path, variant)

    def presets(self, schema: dict, minimal: bool) -> list:
        out = []
        default = schema.get("default", _MISSING)
        if default is not _MISSING and (minimal or default not in (None, [], {})):
            out.append(default)
        examples = schema.get("examples")
        if examples:
            out.append(examples[0])
        return out

    def choose_type(self, schema: dict, minimal: bool) -> str:
        t = schema.get("type")
        if isinstance(t, str):
            return t
        if isinstance(t, list) and t:
            if minimal and "null" in t:
                return "null"
            return next((x for x in t if x != "null"), t[0])
        if any(k in schema for k in _OBJECT_HINTS):
            return "object"
        if any(k in schema for k in _ARRAY_HINTS):
            return "array"
        if any(k in schema for k in _NUMBER_HINTS):
            return "number"
        return "string"

    def negated(self, schema: dict, name: str, path: str, depth: int, variant: int,
                refs: tuple, minimal: bool) -> Any:
        base, forbidden = _without(schema, "not"), schema["not"]
        first = self.positive(base, name, path, depth, variant, refs, minimal)
        if not self.valid(forbidden, first):
            return first
        for k in range(1, 6):
            value = self.positive(base, name, path, depth, variant + k, refs, minimal)
            if not self.valid(forbidden, value):
                return value
        declared = base.get("type")
        kinds = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else _TYPES
        for kind in kinds:
            value = self.positive(_merge(base, {"type": kind}), name, path, depth, variant, refs, minimal)
            if self.valid(base, value) and not self.valid(forbidden, value):
                return value
        return first

    def enum(self, schema: dict, name: str, path: str, variant: int) -> Any:
        values = schema["enum"]
        if not values:
            return None
        typed = [v for v in values if v is not None and _type_ok(v, schema.get("type"))]
        pool = typed or values
        favourite = self.plausible_string(_norm_name(name), path, variant) if name else None
        ordered = ([favourite] if favourite in pool and variant == 0 else []) + \
            [self.pick(path, pool, variant + i) for i in range(len(pool))]
        if not self.careful:
            return _copy(ordered[0])
        for v in ordered:
            if self.valid(schema, v):
                return _copy(v)
        return _copy(ordered[0])

    def union(self, schema: dict, name: str, path: str, depth: int, variant: int,
              refs: tuple, minimal: bool) -> Any:
        key = "oneOf" if "oneOf" in schema else "anyOf"
        branches = schema[key]
        base = _without(schema, key)
        if not branches:
            return self.positive(base, name, path, depth, variant, refs, minimal)
        nulls = [i for i, b in enumerate(branches) if _is_null_schema(b)]
        others = [i for i in range(len(branches)) if i not in nulls]
        order = nulls + others if minimal else others + nulls
        first: tuple = ()
        for i in order:
            sub = _merge(base, branches[i])
            for shift in (0, 1, 2) if key == "oneOf" else (0,):
                value = self.gen(sub, name, path if i == order[0] else f"{path}|{i}", depth, variant + shift, refs)
                if not first:
                    first = (value,)
                    if key == "anyOf" and not self.careful:
                        return value
                if not self.valid(sub, value):
                    continue
                if key == "oneOf" and any(self.valid(branches[j], value) for j in range(len(branches)) if j != i):
                    continue
                return value
        return first[0]

    def conditional(self, schema: dict, name: str, path: str, depth: int, variant: int, refs: tuple) -> Any:
        cond = schema["if"]
        base = _without(schema, "if", "then", "else")
        then, other = schema.get("then", {}), schema.get("else", {})
        first: tuple = ()
        for sub, expect in ((_merge(base, then), True), (_merge(_merge(base, cond), then), True),
                            (_merge(base, other), False)):
            value = self.gen(sub, name, path, depth, variant, refs)
            if not first:
                first = (value,)
            if self.valid(cond, value) == expect:
                return value
        return first[0]

    # -- objects and arrays

    def obj(self, schema: dict, name: str, path: str, depth: int, variant: int,
            refs: tuple, minimal: bool) -> dict:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        required = list(schema.get("required") or [])
        include = list(dict.fromkeys(required if minimal else [*props, *required]))
        dependent = schema.get("dependentRequired")
        if isinstance(dependent, dict):
            for _ in range(4):
                extra = [d for k in include for d in (dependent.get(k) or []) if isinstance(d, str)]
                include = list(dict.fromkeys([*include, *extra]))
        dep_schemas = schema.get("dependentSchemas")
        if isinstance(dep_schemas, dict) and any(k in dep_schemas for k in include):
            merged: Any = _without(schema, "dependentSchemas")
            for k in include:
                if k in dep_schemas:
                    merged = _merge(merged, dep_schemas[k])
            merged, refs = self.flatten(merged, refs)
            if isinstance(merged, dict) and "dependentSchemas" not in merged:
                return self.obj(merged, name, path, depth, variant, refs, minimal)
        max_props = schema.get("maxProperties")
        if isinstance(max_props, int) and len(include) > max_props:
            optional = [k for k in include if k not in required]
            while len(include) > max_props and optional:
                include.remove(optional.pop())
        ordering = schema.get("propertyOrdering")
        if isinstance(ordering, list):
            front = [k for k in ordering if k in include]
            include = front + [k for k in include if k not in front]
        owner = _norm_name(name or str(schema.get("title") or ""))
        out: dict[str, Any] = {}
        for k in include:
            sub = props[k] if k in props else self.extra_schema(schema, k)
            label = k
            if owner and owner not in _PERSONS and k.lower() in ("name", "title"):
                label = f"{owner}_{k.lower()}"
            out[k] = self.gen(sub, label, f"{path}.{k}", depth + 1, variant, refs)
        min_props = schema.get("minProperties", 0)
        additional = schema.get("additionalProperties", True)
        sample = not props and isinstance(additional, dict) and additional and not minimal and not self.careful
        n = 0
        while len(out) < min_props or (sample and n == 0):
            n += 1
            key = self.extra_key(schema, n)
            if key is None or n > min(min_props, _MAX_SIZE) + 8:
                break
            if key not in out:
                out[key] = self.gen(self.extra_schema(schema, key), key, f"{path}.{key}", depth + 1, variant, refs)
        if self.careful and len(out) > len(required) and not self.valid(schema, out):
            trimmed = {k: v for k, v in out.items() if k in required}
            if self.valid(schema, trimmed):
                return trimmed
        return out

    def extra_schema(self, schema: dict, key: str) -> Any:
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            if _search(pattern, key):
                return sub
        additional = schema.get("additionalProperties", True)
        return additional if isinstance(additional, dict) else {}

    def extra_key(self, schema: dict, n: int) -> str | None:
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames") if isinstance(schema.get("propertyNames"), dict) else {}
        if additional is not False:
            for candidate in (f"key_{n}", f"k{n}", _xeger(names.get("pattern", ""), n, n) or ""):
                if candidate and self.valid(names, candidate):
                    return candidate
        for pattern in schema.get("patternProperties") or {}:
            candidate = _xeger(pattern, 0, n)
            if candidate is not None and _search(pattern, candidate):
                return candidate
        return None

    def array(self, schema: dict, name: str, path: str, depth: int, variant: int,
              refs: tuple, minimal: bool) -> list:
        prefix = schema.get("prefixItems") or []
        items = schema.get("items", True)
        low = schema.get("minItems", 0)
        high = schema.get("maxItems")
        if minimal:
            n = low
        elif prefix:
            n = max(low, len(prefix))
        else:
            n = max(low, 2 if depth < 2 else 1)
        contains = schema.get("contains")
        need = schema.get("minContains", 1) if contains is not None else 0
        n = max(n, need)
        if items is False:
            n = min(n, max(len(prefix), 0))
        if isinstance(high, int):
            n = min(n, high)
        n = min(n, _MAX_SIZE)
        unique = schema.get("uniqueItems") is True
        child = _singular(name)
        out: list = []
        seen: set[str] = set()
        for i in range(n):
            sub = prefix[i] if i < len(prefix) else items
            if contains is not None and i < need:
                sub = _merge(sub if isinstance(sub, dict) else {}, contains)
            value = self.gen(sub, child, f"{path}[{i}]", depth + 1, variant + i, refs)
            if unique:
                mark = _mark(value)
                k = 0
                while mark in seen and k < 8:
                    k += 1
                    value = self.gen(sub, child, f"{path}[{i}]", depth + 1, variant + n + k * 7, refs)
                    mark = _mark(value)
                if mark in seen and len(out) >= low:
                    break
                seen.add(mark)
            out.append(value)
        return out

    # -- scalars

    def number(self, schema: dict, name: str, path: str, variant: int, integer: bool) -> int | float:
        norm = _norm_name(name)
        options = _NUMBERS.get(norm) or _number_suffix(norm.split("_")) or _by_token(_NUMBERS, norm)
        preferred: list[Any] = []
        if options:
            base = self.pick(path, options, variant)
            if len(options) == 1 and isinstance(base, int):
                base += variant
            if not (integer and isinstance(base, float) and abs(base) < 10):
                preferred.append(base)
        preferred.append(1 + variant if integer else 1.5 + variant)
        return _fit_number(schema, preferred, integer)

    def string(self, schema: dict, name: str, path: str, variant: int) -> str:
        fmt = schema.get("format")
        plausible = self.plausible_string(_norm_name(name), path, variant) if name else None
        if not any(k in schema for k in _STRING_HINTS):
            return plausible if plausible is not None else self.pick(path, _GENERIC, variant)
        patterns = [p for p in [schema.get("pattern"), *schema.get("x-patterns", [])] if isinstance(p, str)]
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        candidates: list[str] = []
        if fmt in _FORMATS:
            shift = _later(_norm_name(name)) if name and fmt in ("date", "date-time", "time") else 0
            candidates.append(self.format_value(fmt, path, variant + shift))
        if plausible is not None:
            candidates.append(plausible)
        generic = self.pick(path, _GENERIC, variant)

        def fits(s: str) -> bool:
            return low <= len(s) and (high is None or len(s) <= high) and all(_search(p, s) for p in patterns)

        for s in candidates:
            if fits(s):
                return s
        if patterns:
            for s in candidates:
                for shaped in _reshape(s):
                    if fits(shaped):
                        return shaped
        candidates.append(generic)
        if fits(generic):
            return generic
        if patterns:
            previous = -1
            for extra in (*range(-1, 21), 24, 32, 48, 64, 96, 128, low, low * 2):
                s = _xeger(patterns[0], extra, variant)
                if s is None or len(s) == previous or (high is not None and len(s) > high):
                    break
                if fits(s):
                    return s
                previous = len(s)
            s = _xeger(patterns[0], -1, variant)
            if s is not None:
                for padded in (_fit_length(s, low, high), _fit_length("", low - len(s), None) + s):
                    if fits(padded):
                        return padded
            s = _xeger(patterns[0], 0, variant)
            return s if s is not None else _fit_length(candidates[0], low, high)
        for s in candidates:
            fitted = _fit_length(s, low, high)
            if fits(fitted):
                return fitted
        return _fit_length(candidates[-1], low, high)

    def format_value(self, fmt: str, path: str, variant: int) -> str:
        day = 15 + variant % 10
        hour = 10 + variant % 10
        if fmt == "date-time":
            return f"2024-01-{day:02d}T{hour:02d}:30:00Z"
        if fmt == "date":
            return f"2024-01-{day:02d}"
        if fmt == "time":
            return f"{hour:02d}:30:00Z"
        if fmt == "duration":
            return f"PT{1 + variant}H30M"
        if fmt in ("email", "idn-email"):
            return self.pick(path, _EMAILS, variant)
        if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference", "multi-host-uri"):
            return f"https://example.com/items/{1 + variant}"
        if fmt == "uuid" or fmt == "uuid4":
            digest = hashlib.md5(f"{self.seed}\x00{path}\x00{variant}".encode()).digest()
            return str(uuid.UUID(bytes=digest, version=4))
        if fmt in ("ipv4", "ipvanyaddress"):
            return f"192.0.2.{1 + variant % 250}"
        if fmt == "ipv6":
            return f"2001:db8::{1 + variant:x}"
        if fmt in ("ipvanyinterface", "ipvanynetwork"):
            return "192.0.2.0/24"
        if fmt in ("hostname", "idn-hostname"):
            return "example.com" if variant == 0 else f"host{variant}.example.com"
        return _FORMATS[fmt]

    def plausible_string(self, norm: str, path: str, variant: int) -> str | None:
        if not norm:
            return None
        options = _STRINGS.get(norm)
        if options is None:
            if norm == "id" or norm.endswith("_id"):
                return f"{norm[:-3] or 'item'}_{1 + variant}"
            if norm.endswith("_at"):
                return self.format_value("date-time", path, variant + _later(norm))
            options = _by_token(_STRINGS, norm)
        if options is None:
            if norm.endswith(("_name", "_title")):
                label = f"Example {norm.rsplit('_', 1)[0].replace('_', ' ')}"
                return label if variant == 0 else f"{label} {variant + 1}"
            return None
        if options is _PLACE or options is _CITY:
            return self.place(full=options is _PLACE, variant=variant, path=path, norm=norm)
        if options is _QUERY:
            return self.hint[:200] if self.hint else self.pick(path, _QUERIES, variant)
        if options is _FORMAT_DATETIME:
            return self.format_value("date-time", path, variant + _later(norm))
        if options is _FORMAT_DATE:
            return self.format_value("date", path, variant + _later(norm))
        if options is _FORMAT_URL:
            return self.format_value("uri", path, variant)
        if options is _EMAILS:
            return self.pick(path, _EMAILS, variant)
        return self.pick(path, options, variant)

    def place(self, *, full: bool, variant: int, path: str, norm: str) -> str:
        if self._place is None:
            self._place = _places(self.hint)
        variant += _later(norm)
        if self._place:
            found = self._place[variant % len(self._place)]
            return found if full else found.split(",")[0].strip()
        return self.pick(path, _LOCATIONS if full else _CITIES, variant)


# ---------------------------------------------------------------- numbers


def _fit_number(schema: dict, preferred: list, integer: bool) -> int | float:
    lo = schema.get("minimum")
    lo_x = schema.get("exclusiveMinimum")
    hi = schema.get("maximum")
    hi_x = schema.get("exclusiveMaximum")
    mult = schema.get("multipleOf")
    if not isinstance(mult, (int, float)) or isinstance(mult, bool) or mult <= 0:
        mult = None

    def ok(x: Any) -> bool:
        if integer and not float(x).is_integer():
            return False
        if lo is not None and x < lo or lo_x is not None and x <= lo_x:
            return False
        if hi is not None and x > hi or hi_x is not None and x >= hi_x:
            return False
        return mult is None or _multiple_ok(x, mult)

    def out(x: Any) -> int | float:
        if integer or (isinstance(x, Fraction) and x.denominator == 1):
            return int(x)
        return float(x)

    for x in preferred:
        x = round(x) if integer else x
        if ok(x):
            return out(x)
    floor = max((b for b in (lo, lo_x) if b is not None), default=None)
    ceil_ = min((b for b in (hi, hi_x) if b is not None), default=None)
    target = Fraction(str(preferred[0]))
    if floor is not None and target <= floor:
        target = Fraction(str(floor))
    if ceil_ is not None and target >= ceil_:
        target = Fraction(str(ceil_))
    step: Fraction | None = Fraction(str(mult)) if mult is not None else None
    if integer:
        step = Fraction(step.numerator) if step is not None else Fraction(1)
    if step is not None:
        k0 = math.ceil(target / step)
        for d in range(64):
            for k in (k0 + d, k0 - d):
                if ok(out(k * step)):
                    return out(k * step)
        return out(k0 * step)
    candidates = [target]
    if floor is not None and ceil_ is not None:
        candidates.insert(0, (Fraction(str(floor)) + Fraction(str(ceil_))) / 2)
    if floor is not None:
        candidates += [Fraction(str(floor)) + 1, Fraction(str(floor)) + Fraction(1, 2)]
    if ceil_ is not None:
        candidates += [Fraction(str(ceil_)) - 1, Fraction(str(ceil_)) - Fraction(1, 2)]
    for x in candidates:
        if ok(out(x)):
            return out(x)
    return out(candidates[-1])


def _multiple_ok(x: Any, m: float) -> bool:
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


def _quick_valid(schema: Any, value: Any) -> bool | None:
    """Decide validity for flat scalar schemas without jsonschema; None when unsure."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or not _QUICK_KEYS.issuperset(schema) or isinstance(value, (dict, list)):
        return None
    if not _type_ok(value, schema.get("type")):
        return False
    if "enum" in schema and not any(_same(value, e) for e in schema["enum"]):
        return False
    if "const" in schema and not _same(value, schema["const"]):
        return False
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            return False
        patterns = [schema.get("pattern"), *schema.get("x-patterns", ())]
        return all(_search(p, value) for p in patterns if isinstance(p, str))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lo, hi = schema.get("minimum"), schema.get("maximum")
        lo_x, hi_x = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if lo is not None and value < lo or hi is not None and value > hi:
            return False
        if lo_x is not None and value <= lo_x or hi_x is not None and value >= hi_x:
            return False
        mult = schema.get("multipleOf")
        return mult is None or _multiple_ok(value, mult)
    return True


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _type_ok(value: Any, types: Any) -> bool:
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


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or schema.get("const", 0) is None or schema.get("enum") == [None]
    )


def _mark(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


# ---------------------------------------------------------------- strings and regexes


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern | None:
    try:
        return re.compile(_ecma_to_python(pattern))
    except (re.error, RecursionError, OverflowError):
        return None


def _search(pattern: str, text: str) -> bool:
    rx = _compiled(pattern)
    return True if rx is None else rx.search(text) is not None


def _ecma_to_python(pattern: str) -> str:
    return re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)


def _reshape(s: str) -> list[str]:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    return [s.lower(), s.upper(), slug, slug.lower(), slug.upper(), slug.replace("_", "-").lower(),
            re.sub(r"[^A-Za-z0-9]", "", s), re.sub(r"[^A-Za-z0-9]", "", s).lower()]


def _fit_length(s: str, low: int, high: int | None) -> str:
    base = s or "x"
    low = min(low, _MAX_SIZE * 64)
    while len(s) < low:
        s = f"{s} {base}" if s else base
    if high is not None and len(s) > high:
        s = s[:high]
        if len(s.rstrip()) >= low:
            s = s.rstrip()
    return s


_POOLS = {
    "digit": "1234567890",
    "word": "abcdefghijklmnopqrstuvwxyz",
    "space": " ",
    "other": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-. ",
}


@functools.lru_cache(maxsize=1024)
def _parsed(pattern: str) -> Any:
    if not pattern:
        return None
    try:
        return _sre_parse.parse(_ecma_to_python(pattern))
    except Exception:
        return None


def _xeger(pattern: str, extra: int, offset: int) -> str | None:
    """A string matching `pattern` (best effort), lengthening repeats by `extra`."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    out: list[str] = []
    groups: dict[int, str] = {}
    counters: dict[int, int] = {}

    def char_for(items: list) -> str:
        negate = bool(items) and items[0][0] is _sre.NEGATE
        if negate:
            pool = [c for c in _POOLS["other"] if not _in_class(c, items[1:])]
        else:
            pool = []
            for op, av in items:
                if op is _sre.LITERAL:
                    pool.append(chr(av))
                elif op is _sre.RANGE:
                    pool.extend(chr(c) for c in range(av[0], min(av[1], av[0] + 25) + 1))
                elif op is _sre.CATEGORY:
                    pool.extend(_category_pool(av))
        n = counters.get(id(items), offset)
        counters[id(items)] = n + 1
        return pool[n % len(pool)] if pool else "a"

    def emit(seq: Any) -> None:
        for op, av in seq:
            if op is _sre.LITERAL:
                out.append(chr(av))
            elif op is _sre.NOT_LITERAL:
                out.append("a" if av != ord("a") else "b")
            elif op is _sre.ANY:
                out.append(char_for(_ANY_CLASS))
            elif op is _sre.IN:
                out.append(char_for(av))
            elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) or op is getattr(_sre, "POSSESSIVE_REPEAT", None):
                low, high, sub = av
                n = low if high == low else min(high, max(low, low + 1 + extra))
                for _ in range(min(n, 4096)):
                    emit(sub)
                    if len(out) > 20000:
                        raise ValueError("pattern too long")
            elif op is _sre.SUBPATTERN:
                start = len(out)
                emit(av[-1])
                if av[0]:
                    groups[av[0]] = "".join(out[start:])
            elif op is _sre.BRANCH:
                alternatives = av[1]
                emit(alternatives[offset % len(alternatives)])
            elif op is _sre.GROUPREF:
                out.append(groups.get(av, ""))
            elif op is _sre.GROUPREF_EXISTS:
                group, yes, no = av
                emit(yes if group in groups else (no or []))
            elif op is getattr(_sre, "ATOMIC_GROUP", None):
                emit(av)
            elif op is _sre.CATEGORY:
                out.append(char_for([(op, av)]))
            elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
                continue
            else:
                raise ValueError(op)

    try:
        emit(parsed)
    except Exception:
        return None
    return "".join(out)


_ANY_CLASS = [(_sre.CATEGORY, _sre.CATEGORY_WORD)]


def _category_pool(cat: Any) -> str:
    if cat is _sre.CATEGORY_DIGIT:
        return _POOLS["digit"]
    if cat is _sre.CATEGORY_WORD:
        return _POOLS["word"]
    if cat is _sre.CATEGORY_SPACE:
        return _POOLS["space"]
    if cat is _sre.CATEGORY_NOT_DIGIT or cat is _sre.CATEGORY_NOT_SPACE:
        return _POOLS["word"]
    return "-"


def _in_class(c: str, items: list) -> bool:
    for op, av in items:
        if op is _sre.LITERAL and c == chr(av):
            return True
        if op is _sre.RANGE and av[0] <= ord(c) <= av[1]:
            return True
        if op is _sre.CATEGORY:
            if av is _sre.CATEGORY_DIGIT and c.isdigit() or av is _sre.CATEGORY_NOT_DIGIT and not c.isdigit():
                return True
            if av is _sre.CATEGORY_WORD and (c.isalnum() or c == "_"):
                return True
            if av is _sre.CATEGORY_NOT_WORD and not (c.isalnum() or c == "_"):
                return True
            if av is _sre.CATEGORY_SPACE and c.isspace() or av is _sre.CATEGORY_NOT_SPACE and not c.isspace():
                return True
    return False


# ---------------------------------------------------------------- names and hints


@functools.lru_cache(maxsize=2048)
def _norm_name(name: str) -> str:
    """`finalAnswer`, `Final-Answer`, `final_answer` -> `final_answer`."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


_LATER = frozenset({"end", "ends", "until", "to", "out", "return", "arrival", "due", "deadline", "finish",
                    "expires", "expiry", "expiration", "destination", "dest", "stop", "last"})


def _later(norm: str) -> int:
    """1 for names of the later end of a pair (end_time, destination, check_out), else 0."""
    return 1 if norm and not _LATER.isdisjoint(norm.split("_")) else 0


def _singular(name: str) -> str:
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if re.search(r"(ss|x|ch|sh)es$", name):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss") and len(name) > 2:
        return name[:-1]
    return name


def _by_token(table: dict, norm: str) -> Any:
    tokens = norm.split("_")
    for token in (tokens[-1], tokens[0]):
        if token in table and token not in _WEAK_TOKENS:
            return table[token]
    return None


def _number_suffix(tokens: list[str]) -> Any:
    if len(tokens) > 1 and (tokens[-1] == "count" or tokens[0] in ("num", "number", "n")):
        return _NUMBERS["count"]
    if len(tokens) > 1 and tokens[-1] == "id":
        return _NUMBERS["id"]
    return None


_STOP_PLACES = {
    "I", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Celsius", "Fahrenheit", "English", "JSON", "The", "A", "An", "Me", "My", "Python",
    "JavaScript", "Markdown", "French", "Spanish", "German", "Chinese", "Japanese", "YAML", "CSV",
}
_PLACE_RE = re.compile(
    r"\b(?:in|for|at|near|around|to|from)\s+"
    r"((?:[A-Z][\w'.\-]*)(?:(?:\s+|,\s*)(?:[A-Z][\w'.\-]*|of|de|la|upon|am))*)"
)


@functools.lru_cache(maxsize=256)
def _places(hint: str) -> tuple[str, ...]:
    found = []
    for m in _PLACE_RE.finditer(hint):
        words = m.group(1).strip(" ,.-'")
        while words.split(" ")[-1] in ("of", "de", "la", "upon", "am"):
            words = words.rsplit(" ", 1)[0]
        if words and words.split(",")[0].split(" ")[0] not in _STOP_PLACES:
            found.append(words.rstrip(".,"))
    return tuple(dict.fromkeys(found))


_PLACE = ("San Francisco, CA", "Paris, France", "Tokyo, Japan")
_LOCATIONS = _PLACE
_CITY = ("San Francisco", "Paris", "Tokyo")
_CITIES = _CITY
_QUERY = ("example search query",)
_QUERIES = _QUERY
_EMAILS = ("ada@example.com", "grace@example.com", "alan@example.com")
_FORMAT_DATETIME = ("2024-01-15T10:30:00Z",)
_FORMAT_DATE = ("2024-01-15",)
_FORMAT_URL = ("https://example.com",)
_GENERIC = ("example", "sample", "demo", "test", "placeholder")
_WEAK_TOKENS = {"type", "value", "data", "info", "text", "id", "code", "key", "number", "time", "name",
                "state", "total", "size", "model", "format", "level", "order", "n", "k", "q"}

_FORMATS = {
    "date-time": "", "date": "", "time": "", "duration": "", "email": "", "idn-email": "", "uri": "", "url": "",
    "iri": "", "uri-reference": "", "iri-reference": "", "multi-host-uri": "", "uuid": "", "uuid4": "",
    "ipv4": "", "ipv6": "", "ipvanyaddress": "", "ipvanyinterface": "", "ipvanynetwork": "", "hostname": "",
    "idn-hostname": "",
    "uri-template": "https://example.com/items/{id}",
    "json-pointer": "/items/0",
    "relative-json-pointer": "0/items",
    "regex": "^[a-z]+$",
    "byte": "aGVsbG8gd29ybGQ=",
    "base64": "aGVsbG8gd29ybGQ=",
    "base64url": "aGVsbG8gd29ybGQ=",
    "binary": "hello world",
    "password": "correct-horse-battery-staple",
    "path": "/tmp/example.txt",
    "phone": "+14155550100",
}

_SENTENCES = (
    "A short example description.",
    "Another brief example description.",
    "A third concise example description.",
)
_EXPLANATIONS = (
    "First, restate the problem in simpler terms.",
    "Next, apply the relevant rule to each part.",
    "Finally, combine the partial results and check them.",
)
_ANSWERS = (
    "Based on the information provided, the answer is 42.",
    "The result is 42, as shown by the steps above.",
    "After checking each step, the answer is 42.",
)
_PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing")
_PERSONS = {"person", "people", "user", "users", "author", "customer", "owner", "contact", "member", "employee",
            "student", "patient", "client", "recipient", "sender", "assignee", "attendee", "guest",
            "passenger", "speaker", "participant", "profile", "account", "friend", "manager", "teacher"}


def _table(groups: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    return {name: value for names, value in groups.items() for name in names}


_STRINGS: dict[str, Any] = _table({
    ("location", "place", "destination", "origin", "where"): _PLACE,
    ("city", "town", "city_name"): _CITY,
    ("address", "street_address", "full_address"): ("1 Market St, San Francisco, CA 94105",),
    ("street",): ("1 Market St",),
    ("state", "province", "region"): ("CA", "NY", "WA"),
    ("country", "country_code"): ("US", "FR", "JP"),
    ("country_name",): ("United States", "France", "Japan"),
    ("zip", "zipcode", "zip_code", "postal_code", "postcode"): ("94105", "75001", "10001"),
    ("unit", "units", "temperature_unit", "unit_system"): ("celsius",),
    ("name", "full_name", "author", "customer", "customer_name", "person", "contact", "owner", "user",
     "display_name", "author_name", "user_display_name", "person_name", "contact_name", "owner_name",
     "recipient", "sender", "assignee"): _PEOPLE,
    ("first_name", "given_name", "firstname"): ("Ada", "Grace", "Alan"),
    ("last_name", "family_name", "surname", "lastname"): ("Lovelace", "Hopper", "Turing"),
    ("username", "user_name", "handle", "login", "nickname", "screen_name"): ("ada", "grace", "alan"),
    ("email", "mail", "email_address", "e_mail", "to", "cc", "bcc", "from_email", "to_email", "attendee",
     "reply_to", "recipient_email", "sender_email"): _EMAILS,
    ("url", "link", "uri", "href", "website", "homepage", "endpoint", "image", "avatar", "source_url",
     "image_url", "web_url", "callback_url", "webhook_url"): _FORMAT_URL,
    ("date", "day", "birthday", "birth_date", "dob", "deadline", "due_date", "start_date", "end_date",
     "check_in", "check_out", "departure_date", "return_date"): _FORMAT_DATE,
    ("datetime", "date_time", "timestamp", "created", "updated", "start", "end", "start_time",
     "end_time", "when", "due"): _FORMAT_DATETIME,
    ("time",): ("10:30", "14:00", "09:15"),
    ("query", "q", "search", "search_query", "search_term", "search_terms", "prompt", "question", "input",
     "text", "message", "content", "instruction", "instructions", "request", "user_query",
     "user_input", "term", "keywords", "input_text"): _QUERY,
    ("description", "summary", "reason", "reasoning", "rationale", "details", "detail", "comment",
     "note", "notes", "body", "thought", "thoughts", "analysis", "context", "bio", "feedback", "caption",
     "overview", "justification", "message_body", "review", "observation"): _SENTENCES,
    ("explanation", "step", "thinking", "plan"): _EXPLANATIONS,
    ("output", "outputs", "step_output", "intermediate_result"): (
        "Example output.", "Another example output.", "A third example output."),
    ("answer", "final_answer", "result", "response", "conclusion", "solution", "reply",
     "final_result", "final_output", "verdict", "recommendation"): _ANSWERS,
    ("title", "subject", "headline", "heading"): ("Getting started", "Weekly update", "Release notes"),
    ("language", "lang", "language_code"): ("en", "fr", "de"),
    ("locale",): ("en-US", "fr-FR", "de-DE"),
    ("currency", "currency_code"): ("USD", "EUR", "JPY"),
    ("timezone", "tz", "time_zone"): ("America/Los_Angeles", "Europe/Paris", "Asia/Tokyo"),
    ("phone", "phone_number", "telephone", "mobile", "tel"): ("+14155550100", "+14155550101"),
    ("color", "colour"): ("blue", "green", "red"),
    ("status",): ("active", "pending", "completed"),
    ("type", "kind", "category", "genre"): ("general", "standard", "other"),
    ("code",): ("ABC123", "XYZ789"),
    ("sku",): ("SKU-1001", "SKU-1002"),
    ("symbol", "ticker", "stock_symbol"): ("AAPL", "MSFT", "GOOG"),
    ("exchange", "market"): ("NASDAQ", "NYSE"),
    ("file", "filename", "file_name"): ("report.pdf", "notes.txt", "data.csv"),
    ("path", "file_path", "filepath"): ("/tmp/report.pdf", "/tmp/notes.txt"),
    ("directory", "dir", "folder"): ("/tmp", "/home/user"),
    ("mime_type", "content_type", "media_type", "mimetype"): ("application/json", "text/plain"),
    ("company", "organization", "organisation", "org", "company_name", "employer"): ("Example Inc.",),
    ("tag", "label", "keyword", "topic", "hashtag"): ("example", "demo", "mock"),
    ("sentiment",): ("positive", "neutral", "negative"),
    ("priority", "severity"): ("high", "medium", "low"),
    ("role",): ("user", "assistant"),
    ("model",): ("mock-model",),
    ("version",): ("1.0.0", "1.1.0"),
    ("password", "passphrase"): ("correct-horse-battery-staple",),
    ("token", "api_key", "secret", "access_token"): ("tok_example_123",),
    ("ip", "ip_address"): ("192.0.2.1", "192.0.2.2"),
    ("host", "hostname", "domain"): ("example.com", "example.org"),
    ("method", "http_method"): ("GET", "POST"),
    ("format",): ("json", "text"),
    ("sql",): ("SELECT 1",),
    ("expression", "formula", "equation"): ("2 + 2", "3 * 4"),
    ("word",): ("hello", "world"),
    ("weather", "condition", "conditions", "forecast"): ("Sunny", "Partly cloudy", "Light rain"),
    ("direction", "wind_direction"): ("NW", "SE"),
    ("department", "team"): ("Engineering", "Research"),
    ("job_title", "occupation", "profession"): ("Software engineer", "Data scientist"),
    ("item", "product", "product_name", "item_name"): ("Example product", "Sample product"),
    ("uuid", "guid"): ("123e4567-e89b-42d3-a456-426614174000",),
    ("hash", "checksum", "sha", "sha256"): ("9f86d081884c7d659a2feaa0c55ad015",),
    ("slug",): ("example-item", "sample-item"),
    ("emoji",): ("🙂",),
})

_NUMBERS: dict[str, Any] = _table({
    ("latitude", "lat"): (37.7749, 48.8566, 35.6762),
    ("longitude", "lon", "lng", "long"): (-122.4194, 2.3522, 139.6503),
    ("temperature", "temp", "temp_c", "temperature_c", "feels_like", "degrees"): (21.5, 18.0, 24.5),
    ("humidity",): (65, 58, 72),
    ("wind_speed", "windspeed", "wind"): (12.5, 8.0),
    ("precipitation", "rain"): (0.2, 0.0),
    ("pressure",): (1013.25,),
    ("price", "amount", "cost", "total", "subtotal", "balance", "salary", "fee", "revenue",
     "unit_price", "total_price", "budget", "tax", "discount"): (19.99, 42.5, 7.25),
    ("rating", "stars"): (4.5, 4.0, 3.5),
    ("score", "confidence", "probability", "certainty", "similarity", "relevance"): (0.87, 0.92, 0.75),
    ("percent", "percentage", "pct"): (42, 15, 80),
    ("age",): (36, 29, 41),
    ("year",): (2024,),
    ("month",): (1,),
    ("day",): (15,),
    ("hour", "hours"): (10,),
    ("minute", "minutes"): (30,),
    ("second", "seconds"): (45,),
    ("count", "quantity", "qty", "num", "number", "n", "total_count", "num_results", "guests",
     "people", "adults", "children", "passengers", "days", "nights", "num_days", "items_count"): (3,),
    ("limit", "max_results", "top_k", "top_n", "page_size", "per_page", "k", "size", "max_items"): (5,),
    ("page", "page_number", "level", "step", "step_number", "rank", "position", "priority", "version"): (1,),
    ("offset", "skip", "index", "start_index"): (0,),
    ("width", "height"): (512,),
    ("duration", "timeout", "delay", "interval"): (30,),
    ("distance", "radius"): (4.2, 10.0),
    ("weight",): (70.5,),
    ("id",): (1,),
    ("max_tokens",): (256,),
    ("timestamp", "created", "created_at", "updated_at"): (1705314600,),
})
