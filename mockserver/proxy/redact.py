"""Secrets never written: the request's keys and cookies, plus the headers and JSON paths given with `--redact`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..scenarios.matcher import PATH_TOKEN
from ..state.journal import SECRET_HEADERS, SECRET_QUERY

if TYPE_CHECKING:
    from ..core.context import RequestContext

REDACTED = "[redacted]"
MIN_SECRET = 6  # shorter values are not searched for in recordings (they would match ordinary text)


class Redactions:
    """`--redact` values split into header names and JSON paths (`$.data[*].user`)."""

    def __init__(self, given: tuple[str, ...]) -> None:
        self.headers = frozenset(g.lower() for g in given if not g.startswith("$"))
        self.paths = [PATH_TOKEN.findall(g.removeprefix("$").removeprefix(".")) for g in given if g.startswith("$")]

    def json(self, value: Any) -> Any:
        """`value` with every `--redact` JSON path replaced by `[redacted]` (in place)."""
        for tokens in self.paths:
            value = _replace(value, tokens)
        return value


def _replace(value: Any, tokens: list[tuple[str, str]]) -> Any:
    if not tokens:
        return REDACTED
    (name, index), rest = tokens[0], tokens[1:]
    if name:
        if isinstance(value, dict) and name in value:
            value[name] = _replace(value[name], rest)
    elif isinstance(value, list):
        positions = range(len(value)) if index == "*" else [int(index)] if -len(value) <= int(index) < len(value) \
            else []
        for position in positions:
            value[position] = _replace(value[position], rest)
    return value


def request_secrets(ctx: "RequestContext") -> list[str]:
    """The credentials a request carried: key headers (without their scheme), cookies, `?key=` values."""
    found = []
    for name in SECRET_HEADERS:
        value = ctx.headers.get(name)
        if value:
            scheme, _, token = value.partition(" ")
            found += [value, token] if token and scheme.isalpha() else [value]
            if name in ("cookie", "set-cookie"):
                found += [part.partition("=")[2] for part in value.split(";")]
    for name, value in ctx.query.items():
        if name.lower() in SECRET_QUERY and value:
            found.append(value)
    if ctx.api_key:
        found.append(ctx.api_key)
    return sorted({s.strip() for s in found if len(s.strip()) >= MIN_SECRET}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by `[redacted]` (the last line of defence: an upstream echoing a key)."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
