"""The key a scenario keeps its sequence position by: a header, a body field, the API key, or one for all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .matcher import json_path

if TYPE_CHECKING:
    from ..core.context import RequestContext


def key_of(ctx: "RequestContext", spec: str) -> str:
    """The key a scenario counts by: `header:x-test-id`, `body:user`, `api_key` or `global`."""
    kind, _, arg = spec.partition(":")
    if kind == "header":
        return ctx.headers.get(arg, "")
    if kind == "body":
        values = json_path(ctx.body, arg)
        return str(values[0]) if values else ""
    if kind == "api_key":
        return ctx.api_key or ""
    return ""
