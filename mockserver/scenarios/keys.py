"""The key a scenario keeps its sequence position by: a header, a body field, the API key, or one for all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..state.journal import TEST_ID_HEADER, request_test_id
from .matcher import json_path

if TYPE_CHECKING:
    from ..core.context import RequestContext


def key_of(ctx: "RequestContext", spec: str) -> str:
    """The key a scenario counts by: `header:x-test-id`, `body:user`, `api_key` or `global`.

    `header:x-test-id` also recognises a test's `sk-mock-test-<id>` key, so positions are per test either way.
    """
    kind, _, arg = spec.partition(":")
    if kind == "header":
        if arg == TEST_ID_HEADER:
            return request_test_id(ctx.headers, ctx.api_key) or ""
        return ctx.headers.get(arg, "")
    if kind == "body":
        values = json_path(ctx.body, arg)
        return str(values[0]) if values else ""
    if kind == "api_key":
        return ctx.api_key or ""
    return ""
