"""Match a request's method and path to a spec operation, compiled once at start-up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spec import Operation

PARAM = re.compile(r"\{([^}/]+)\}")
METHOD_TEMPLATE = re.compile(r"^(?P<prefix>[^{]*)\{[^}/]+\}:(?P<method>\w+)$")  # /v1beta/models/{model}:countTokens
METHOD_CALL = re.compile(r"^[^:/]+:(?P<method>[A-Za-z]\w*)$")  # x:unknownMethod (not ft:gpt-4o:org::id)


def compile_template(template: str) -> re.Pattern[str]:
    """`/v1/models/{model}:generateContent` -> an anchored regex with named groups."""
    pattern, last = "", 0
    for match in PARAM.finditer(template):
        pattern += re.escape(template[last:match.start()]) + f"(?P<{_group(match.group(1))}>[^/]*?)"
        last = match.end()
    return re.compile("^" + pattern + re.escape(template[last:]) + "$")


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@dataclass
class Match:
    """The result of routing: an operation, or what to tell the client instead."""

    operation: Operation | None
    path_params: dict[str, str]
    allowed: tuple[str, ...] = ()


class Router:
    """Static paths by dict lookup; templated paths by regex, most literal first."""

    def __init__(self, operations: list[Operation]) -> None:
        self.static: dict[str, dict[str, Operation]] = {}
        templated: dict[str, dict[str, Operation]] = {}
        for op in operations:
            table = templated if "{" in op.path else self.static
            table.setdefault(op.path, {})[op.method] = op
        ordered = sorted(templated, key=lambda p: (-len(PARAM.sub("", p)), p))
        self.templated = [(compile_template(p), templated[p], _names(p)) for p in ordered]
        self.operations = operations
        self.custom_methods: dict[str, set[str]] = {}  # path prefix -> the `:method`s served under it
        for template in templated:
            found = METHOD_TEMPLATE.match(template)
            if found:
                self.custom_methods.setdefault(found.group("prefix"), set()).add(found.group("method"))

    def match(self, method: str, path: str) -> Match | None:
        """The operation for (method, path); a Match with `allowed` when only the method is wrong."""
        by_method = self.static.get(path)
        params: dict[str, str] = {}
        if by_method is None and self.unknown_custom_method(path):
            return None
        if by_method is None:
            for regex, methods, names in self.templated:
                found = regex.match(path)
                if found is not None and (method in methods or method == "HEAD" and "GET" in methods):
                    by_method, params = methods, {n: found.group(g) for n, g in names}
                    break
                if found is not None and by_method is None:
                    by_method, params = methods, {n: found.group(g) for n, g in names}
            if by_method is None:
                return None
        op = by_method.get(method) or (by_method.get("GET") if method == "HEAD" else None)
        return Match(op, params, tuple(sorted(by_method)))

    def unknown_custom_method(self, path: str) -> bool:
        """`/v1beta/models/x:unknownMethod`: a `:method` call that no operation under that prefix serves."""
        for prefix, methods in self.custom_methods.items():
            if path.startswith(prefix):
                found = METHOD_CALL.match(path[len(prefix):])
                if found and found.group("method") not in methods:
                    return True
        return False

    def nearest(self, path: str) -> Operation | None:
        """The operation whose path shares the longest prefix with `path` (to pick an error dialect).

        On a tie, a `:method` path prefers the operations that are `:method` calls too.
        """
        calls = ":" in path.rsplit("/", 1)[-1]
        best, best_key = None, (-1, False)
        for op in self.operations:
            literal = op.path.split("{", 1)[0]
            key = (len(_common_prefix(literal, path)), calls and METHOD_TEMPLATE.match(op.path) is not None)
            if key > best_key:
                best, best_key = op, key
        return best


def _names(template: str) -> list[tuple[str, str]]:
    return [(n, _group(n)) for n in PARAM.findall(template)]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]
