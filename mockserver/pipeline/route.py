"""Route: (method, path) -> operation, from a table compiled once from the spec."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..spec.model import Operation

PARAM = re.compile(r"\{([^}/]+)\}")
METHOD_TEMPLATE = re.compile(r"^(?P<prefix>[^{]*)\{[^}/]+\}:(?P<method>\w+)$")  # /v1beta/models/{model}:countTokens
METHOD_CALL = re.compile(r"^[^:/]+:(?P<method>[A-Za-z]\w*)$")  # x:unknownMethod (not ft:gpt-4o:org::id)
CACHE_SIZE = 2048


def compile_template(template: str) -> re.Pattern[str]:
    """`/v1/models/{model}:generateContent` -> an anchored regex with named groups."""
    pattern, last = "", 0
    for match in PARAM.finditer(template):
        pattern += re.escape(template[last:match.start()]) + f"(?P<{_group(match.group(1))}>[^/]*?)"
        last = match.end()
    return re.compile("^" + pattern + re.escape(template[last:]) + "$")


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _names(template: str) -> list[tuple[str, str]]:
    return [(n, _group(n)) for n in PARAM.findall(template)]


def _bucket(path: str) -> str:
    """The first path segment: templated routes are only tried against paths that share it."""
    return path[1:].split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class Match:
    """The result of routing: an operation, or the methods the path allows when the method is wrong."""

    operation: "Operation | None"
    path_params: dict[str, str]
    allowed: tuple[str, ...] = ()


class Router:
    """Static paths by dict lookup; templated paths by regex within their first segment, most literal first."""

    def __init__(self, operations: list["Operation"]) -> None:
        self.operations = operations
        self.static: dict[str, dict[str, Operation]] = {}
        templated: dict[str, dict[str, Operation]] = {}
        for op in operations:
            table = templated if "{" in op.path else self.static
            table.setdefault(op.path, {})[op.method] = op
        ordered = sorted(templated, key=lambda p: (-len(PARAM.sub("", p)), p))
        self.buckets: dict[str, list[tuple[re.Pattern[str], dict[str, Operation], list[tuple[str, str]]]]] = {}
        for path in ordered:
            self.buckets.setdefault(_bucket(path), []).append((compile_template(path), templated[path], _names(path)))
        self._cache: OrderedDict[tuple[str, str], Match | None] = OrderedDict()
        self._static_matches = {(m, path): Match(op, {}) for path, ops in self.static.items() for m, op in ops.items()}
        self.custom_methods: dict[str, set[str]] = {}  # path prefix -> the `:method`s served under it
        for template in templated:
            found = METHOD_TEMPLATE.match(template)
            if found:
                self.custom_methods.setdefault(found.group("prefix"), set()).add(found.group("method"))

    def match(self, method: str, path: str) -> Match | None:
        """The operation for (method, path); a Match with `allowed` when only the method is wrong."""
        found = self._static_matches.get((method, path))
        if found is not None:
            return found
        by_method = self.static.get(path)
        if by_method is not None:
            op = by_method.get(method) or (by_method.get("GET") if method == "HEAD" else None)
            return Match(op, {}, tuple(sorted(by_method)) if op is None else ())
        key = (method, path)
        found = self._cache.get(key)
        if found is not None or key in self._cache:
            return found
        found = self._match_templated(method, path)
        self._cache[key] = found
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return found

    def _match_templated(self, method: str, path: str) -> Match | None:
        if self.unknown_custom_method(path):
            return None
        fallback: Match | None = None
        for regex, methods, names in self.buckets.get(_bucket(path), ()):
            found = regex.match(path)
            if found is None:
                continue
            params = {n: found.group(g) for n, g in names}
            op = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
            if op is not None:
                return Match(op, params)
            if fallback is None:
                fallback = Match(None, params, tuple(sorted(methods)))
        return fallback

    def unknown_custom_method(self, path: str) -> bool:
        """`/v1beta/models/x:unknownMethod`: a `:method` call that no operation under that prefix serves."""
        for prefix, methods in self.custom_methods.items():
            if path.startswith(prefix):
                found = METHOD_CALL.match(path[len(prefix):])
                if found and found.group("method") not in methods:
                    return True
        return False

    def nearest(self, path: str) -> "Operation | None":
        """The operation whose path shares the longest prefix with `path` (to pick an error dialect).

        On a tie the first in spec order wins, except that a `:method` path prefers `:method` operations.
        """
        calls = ":" in path.rsplit("/", 1)[-1]
        best, best_key = None, (-1, False)
        for op in self.operations:
            literal = op.path.split("{", 1)[0]
            key = (_common_prefix_length(literal, path), calls and METHOD_TEMPLATE.match(op.path) is not None)
            if key > best_key:
                best, best_key = op, key
        return best


def _common_prefix_length(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
