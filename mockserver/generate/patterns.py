"""ECMA-262 `pattern`s: searching a string, and building a string that matches ("xeger")."""

from __future__ import annotations

import functools
import re
import re._constants as _sre
import re._parser as _sre_parse
from typing import Any


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern | None:
    """The compiled pattern; None when Python's `re` cannot read it."""
    try:
        return re.compile(_ecma_to_python(pattern))
    except (re.error, RecursionError, OverflowError):
        return None


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text` (True for patterns we cannot read)."""
    rx = _compiled(pattern)
    return True if rx is None else rx.search(text) is not None


def _ecma_to_python(pattern: str) -> str:
    """ECMA named groups `(?<name>` -> Python's `(?P<name>`."""
    return re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)


_POOLS = {
    "digit": "1234567890",
    "word": "abcdefghijklmnopqrstuvwxyz",
    "space": " ",
    "other": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-. ",
}


@functools.lru_cache(maxsize=1024)
def _parsed(pattern: str) -> Any:
    """The pattern's parse tree (cached); None when empty or unreadable."""
    if not pattern:
        return None
    try:
        return _sre_parse.parse(_ecma_to_python(pattern))
    except Exception:
        return None


def xeger(pattern: str, extra: int, offset: int) -> str | None:
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
    """Sample characters for a class escape (\\d, \\w, \\s and their negations)."""
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
    """Whether character `c` belongs to a parsed character class."""
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
