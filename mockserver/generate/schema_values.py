"""Value generation: a deterministic, plausible instance that validates against a JSON Schema."""

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

from . import hints
from .hints import norm_name
from .patterns import search, xeger
from .schema_check import Checker, multiple_ok, type_ok
from .schema_normalize import NUM_KEYWORDS, REF_REPEATS, TYPES, flatten, merge, normalize, prepared, schema_key, \
    without

__all__ = ["instance_for"]

_MISSING = object()
_MAX_SIZE = 1000
_HARD_DEPTH = 24
_SOFT_DEPTH = 10
_OBJECT_HINTS = ("properties", "required", "additionalProperties", "patternProperties", "minProperties",
                 "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas")
_ARRAY_HINTS = ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")
_NUMBER_HINTS = NUM_KEYWORDS
_STRING_HINTS = ("minLength", "maxLength", "pattern", "format", "x-patterns")


def instance_for(schema: dict, *, seed: str = "", hint: str = "") -> Any:
    """A deterministic, plausible instance that validates against `schema`."""
    seed = str(seed or "")
    hint = hint if isinstance(hint, str) else ""
    key = schema_key(schema)
    if key is None:
        return _generate(schema, None, seed, hint)
    return _clone(_cached(key, seed, hint))


@functools.lru_cache(maxsize=1024)
def _cached(key: bytes, seed: str, hint: str) -> Any:
    """The instance for a schema's JSON key (shared: callers get a clone)."""
    return _generate(None, key, seed, hint)


def _generate(schema: Any, key: bytes | None, seed: str, hint: str) -> Any:
    """Generate quickly; if that value does not validate, once more carefully (checking each choice)."""
    try:
        root = prepared(key) if key is not None else normalize(schema)
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
        if careful or gen.check.whole(value):
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


def _copy(value: Any) -> Any:
    """A deep copy of a value taken from the schema (`const`, `default`, `enum`, `examples`)."""
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


# ---------------------------------------------------------------- generator


class _Generator:
    """Walks a normalised schema and builds one instance."""

    def __init__(self, root: Any, key: bytes | None, seed: str, hint: str) -> None:
        self.root = root
        self.check = Checker(root, key)
        self.seed = seed
        self.hint = hint.strip()
        self.careful = False
        self._place: tuple[str, ...] | None = None

    # -- helpers

    def pick(self, path: str, options: list | tuple, variant: int = 0) -> Any:
        """Option `variant` (seed-free) or a seed-shifted one; always deterministic."""
        if not self.seed:
            return options[variant % len(options)]
        h = zlib.crc32(f"{self.seed}\x00{path}".encode())
        return options[(h + variant) % len(options)]

    def valid(self, schema: Any, value: Any) -> bool:
        """Whether `value` satisfies `schema` (a schema inside the root)."""
        return self.check.valid(schema, value)

    def flatten(self, schema: Any, refs: tuple) -> tuple[Any, tuple]:
        """`schema` with its `$ref`s resolved and `allOf` folded in."""
        return flatten(self.root, schema, refs)

    # -- dispatch

    def gen(self, schema: Any, name: str = "", path: str = "$", depth: int = 0,
            variant: int = 0, refs: tuple = ()) -> Any:
        """Any schema: resolve references, then build a value (minimal when deep or recursing)."""
        if depth > _HARD_DEPTH:
            return None
        if schema is True or not isinstance(schema, (dict, bool)):
            schema = {}
        if "$ref" in schema or "allOf" in schema or "$dynamicRef" in schema:
            schema, refs = self.flatten(schema, refs)
            if schema is False or not isinstance(schema, dict):
                return None
        minimal = depth >= _SOFT_DEPTH or bool(refs) and any(refs.count(r) >= REF_REPEATS for r in set(refs))
        if "not" in schema:
            return self.negated(schema, name, path, depth, variant, refs, minimal)
        return self.positive(schema, name, path, depth, variant, refs, minimal)

    def positive(self, schema: dict, name: str, path: str, depth: int, variant: int,
                 refs: tuple, minimal: bool) -> Any:
        """A value for a schema without `not`: const, preset, enum, union, conditional or by type."""
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
        """The schema's own `default` and first example, to try before inventing a value."""
        out = []
        default = schema.get("default", _MISSING)
        if default is not _MISSING and (minimal or default not in (None, [], {})):
            out.append(default)
        examples = schema.get("examples")
        if examples:
            out.append(examples[0])
        return out

    def choose_type(self, schema: dict, minimal: bool) -> str:
        """The type to build: the declared one (null only when minimal), else guessed from keywords."""
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
        """A value of the base schema that the `not` schema rejects (tries a few variants, then types)."""
        base, forbidden = without(schema, "not"), schema["not"]
        first = self.positive(base, name, path, depth, variant, refs, minimal)
        if not self.valid(forbidden, first):
            return first
        for k in range(1, 6):
            value = self.positive(base, name, path, depth, variant + k, refs, minimal)
            if not self.valid(forbidden, value):
                return value
        declared = base.get("type")
        kinds = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else TYPES
        for kind in kinds:
            value = self.positive(merge(base, {"type": kind}), name, path, depth, variant, refs, minimal)
            if self.valid(base, value) and not self.valid(forbidden, value):
                return value
        return first

    def enum(self, schema: dict, name: str, path: str, variant: int) -> Any:
        """An enum member: the plausible one for the name if listed, else one picked by seed."""
        values = schema["enum"]
        if not values:
            return None
        typed = [v for v in values if v is not None and type_ok(v, schema.get("type"))]
        pool = typed or values
        favourite = self.plausible_string(norm_name(name), path, variant) if name else None
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
        """A value of the first fitting `anyOf`/`oneOf` branch (for oneOf, of that branch only)."""
        key = "oneOf" if "oneOf" in schema else "anyOf"
        branches = schema[key]
        base = without(schema, key)
        if not branches:
            return self.positive(base, name, path, depth, variant, refs, minimal)
        nulls = [i for i, b in enumerate(branches) if _is_null_schema(b)]
        others = [i for i in range(len(branches)) if i not in nulls]
        order = nulls + others if minimal else others + nulls
        first: tuple = ()
        for i in order:
            sub = merge(base, branches[i])
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
        """A value that satisfies `if`/`then`, or else fails `if` and satisfies `else`."""
        cond = schema["if"]
        base = without(schema, "if", "then", "else")
        then, other = schema.get("then", {}), schema.get("else", {})
        first: tuple = ()
        for sub, expect in ((merge(base, then), True), (merge(merge(base, cond), then), True),
                            (merge(base, other), False)):
            value = self.gen(sub, name, path, depth, variant, refs)
            if not first:
                first = (value,)
            if self.valid(cond, value) == expect:
                return value
        return first[0]

    # -- objects and arrays

    def obj(self, schema: dict, name: str, path: str, depth: int, variant: int,
            refs: tuple, minimal: bool) -> dict:
        """An object: its properties (only required ones when minimal), dependencies and size bounds met."""
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
            merged: Any = without(schema, "dependentSchemas")
            for k in include:
                if k in dep_schemas:
                    merged = merge(merged, dep_schemas[k])
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
        owner = norm_name(name or str(schema.get("title") or ""))
        out: dict[str, Any] = {}
        for k in include:
            sub = props[k] if k in props else self.extra_schema(schema, k)
            label = k
            if owner and owner not in hints.PERSONS and k.lower() in ("name", "title"):
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
        """The schema for an undeclared property `key` (patternProperties, then additionalProperties)."""
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            if search(pattern, key):
                return sub
        additional = schema.get("additionalProperties", True)
        return additional if isinstance(additional, dict) else {}

    def extra_key(self, schema: dict, n: int) -> str | None:
        """The n-th name for an undeclared property that propertyNames and patternProperties accept."""
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames") if isinstance(schema.get("propertyNames"), dict) else {}
        if additional is not False:
            for candidate in (f"key_{n}", f"k{n}", xeger(names.get("pattern", ""), n, n) or ""):
                if candidate and self.valid(names, candidate):
                    return candidate
        for pattern in schema.get("patternProperties") or {}:
            candidate = xeger(pattern, 0, n)
            if candidate is not None and search(pattern, candidate):
                return candidate
        return None

    def array(self, schema: dict, name: str, path: str, depth: int, variant: int,
              refs: tuple, minimal: bool) -> list:
        """An array: prefixItems, then items, sized by the bounds, with contains and uniqueness met."""
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
        child = hints.singular(name)
        out: list = []
        seen: set[str] = set()
        for i in range(n):
            sub = prefix[i] if i < len(prefix) else items
            if contains is not None and i < need:
                sub = merge(sub if isinstance(sub, dict) else {}, contains)
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
        """A plausible number for the name, fitted to the bounds."""
        norm = norm_name(name)
        options = hints.NUMBERS.get(norm) or hints.number_suffix(norm.split("_")) or hints.by_token(hints.NUMBERS, norm)
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
        """A string: format, plausible value or generic word, reshaped or generated to fit pattern and length."""
        fmt = schema.get("format")
        plausible = self.plausible_string(norm_name(name), path, variant) if name else None
        if not any(k in schema for k in _STRING_HINTS):
            return plausible if plausible is not None else self.pick(path, hints.GENERIC, variant)
        patterns = [p for p in [schema.get("pattern"), *schema.get("x-patterns", [])] if isinstance(p, str)]
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        candidates: list[str] = []
        if fmt in hints.FORMATS:
            shift = hints.later(norm_name(name)) if name and fmt in ("date", "date-time", "time") else 0
            candidates.append(self.format_value(fmt, path, variant + shift))
        if plausible is not None:
            candidates.append(plausible)
        generic = self.pick(path, hints.GENERIC, variant)

        def fits(s: str) -> bool:
            return low <= len(s) and (high is None or len(s) <= high) and all(search(p, s) for p in patterns)

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
                s = xeger(patterns[0], extra, variant)
                if s is None or len(s) == previous or (high is not None and len(s) > high):
                    break
                if fits(s):
                    return s
                previous = len(s)
            s = xeger(patterns[0], -1, variant)
            if s is not None:
                for padded in (_fit_length(s, low, high), _fit_length("", low - len(s), None) + s):
                    if fits(padded):
                        return padded
            s = xeger(patterns[0], 0, variant)
            return s if s is not None else _fit_length(candidates[0], low, high)
        for s in candidates:
            fitted = _fit_length(s, low, high)
            if fits(fitted):
                return fitted
        return _fit_length(candidates[-1], low, high)

    def format_value(self, fmt: str, path: str, variant: int) -> str:
        """A sample value in string format `fmt` (dates shift with `variant`)."""
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
            return self.pick(path, hints.EMAILS, variant)
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
        return hints.FORMATS[fmt]

    def plausible_string(self, norm: str, path: str, variant: int) -> str | None:
        """A plausible string for a normalised property name; None when the name says nothing."""
        if not norm:
            return None
        options = hints.STRINGS.get(norm)
        if options is None:
            if norm == "id" or norm.endswith("_id"):
                return f"{norm[:-3] or 'item'}_{1 + variant}"
            if norm.endswith("_at"):
                return self.format_value("date-time", path, variant + hints.later(norm))
            options = hints.by_token(hints.STRINGS, norm)
        if options is None:
            if norm.endswith(("_name", "_title")):
                label = f"Example {norm.rsplit('_', 1)[0].replace('_', ' ')}"
                return label if variant == 0 else f"{label} {variant + 1}"
            return None
        if options is hints.PLACE or options is hints.CITY:
            return self.place(full=options is hints.PLACE, variant=variant, path=path, norm=norm)
        if options is hints.QUERY:
            return self.hint[:200] if self.hint else self.pick(path, hints.QUERY, variant)
        if options is hints.FORMAT_DATETIME:
            return self.format_value("date-time", path, variant + hints.later(norm))
        if options is hints.FORMAT_DATE:
            return self.format_value("date", path, variant + hints.later(norm))
        if options is hints.FORMAT_URL:
            return self.format_value("uri", path, variant)
        if options is hints.EMAILS:
            return self.pick(path, hints.EMAILS, variant)
        return self.pick(path, options, variant)

    def place(self, *, full: bool, variant: int, path: str, norm: str) -> str:
        """A place from the user's words, else a known one (`full` keeps the region: `Paris, France`)."""
        if self._place is None:
            self._place = hints.places(self.hint)
        variant += hints.later(norm)
        if self._place:
            found = self._place[variant % len(self._place)]
            return found if full else found.split(",")[0].strip()
        return self.pick(path, hints.PLACE if full else hints.CITY, variant)


# ---------------------------------------------------------------- numbers


def _fit_number(schema: dict, preferred: list, integer: bool) -> int | float:
    """The first preferred number within the bounds, else the nearest exact fit (Fractions, no float drift)."""
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
        return mult is None or multiple_ok(x, mult)

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


def _is_null_schema(schema: Any) -> bool:
    """Whether the schema only allows null."""
    return isinstance(schema, dict) and (
        schema.get("type") == "null" or schema.get("const", 0) is None or schema.get("enum") == [None]
    )


def _mark(value: Any) -> str:
    """A canonical text for a value, to detect duplicates in `uniqueItems` arrays."""
    return json.dumps(value, sort_keys=True, default=str)


def _reshape(s: str) -> list[str]:
    """Case and separator variants of `s`, to try against a pattern."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    return [s.lower(), s.upper(), slug, slug.lower(), slug.upper(), slug.replace("_", "-").lower(),
            re.sub(r"[^A-Za-z0-9]", "", s), re.sub(r"[^A-Za-z0-9]", "", s).lower()]


def _fit_length(s: str, low: int, high: int | None) -> str:
    """`s` repeated or cut to a length within [low, high]."""
    base = s or "x"
    low = min(low, _MAX_SIZE * 64)
    while len(s) < low:
        s = f"{s} {base}" if s else base
    if high is not None and len(s) > high:
        s = s[:high]
        if len(s.rstrip()) >= low:
            s = s.rstrip()
    return s


