"""Answers that do not need a handler: the `Prefer` header and the documented examples."""

from __future__ import annotations

import math
import re
from typing import Any

from starlette.responses import Response

from .context import RequestContext
from .errors import error_response, request_id
from .responses import SSE_MEDIA_TYPE, JSONResponse
from .spec import Example

RETRY_IN = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
DEFAULT_RETRY_S = 1.0


def parse_prefer(value: str) -> dict[str, str]:
    """`code=429, example=rate_limit` -> {'code': '429', 'example': 'rate_limit'}."""
    prefs: dict[str, str] = {}
    for token in value.replace(";", ",").split(","):
        key, _, val = token.strip().partition("=")
        if key:
            prefs[key.strip().lower()] = val.strip().strip('"')
    return prefs


async def prefer_selector(ctx: RequestContext) -> Response | None:
    """`Prefer: code=N` / `Prefer: example=name` (or `?__code=` / `?__example=`), as Prism does."""
    header = ctx.request.headers.get("prefer")
    query = ctx.request.query_params
    prefs = parse_prefer(header) if header else {}
    for key in ("code", "example"):
        if f"__{key}" in query:
            prefs[key] = query[f"__{key}"]
    code, name = prefs.get("code"), prefs.get("example")
    if code is None and name is None:
        return None
    status = int(code) if code and code.isascii() and code.isdigit() else None
    if code is not None and (status is None or not 100 <= status <= 599):
        return error_response(ctx.dialect, 400, f"Prefer: code={code} is not an HTTP status.", code="invalid_prefer")
    example = _documented(ctx, status, name)
    if example is None and name is not None and status is None:
        return error_response(ctx.dialect, 400, f"Prefer: example={name} names no documented example of "
                                                f"{ctx.operation.operation_id}.", code="unknown_example")
    ctx.notes["answered_by"] = f"prefer:{name or code}"
    if example is None:
        if status == 429:
            message = f"Rate limit reached (simulated by Prefer: code=429). Please try again in {DEFAULT_RETRY_S:g}s."
            return error_response(ctx.dialect, status, message, headers=retry_headers(ctx.dialect, message))
        if status is not None and status >= 400:
            return error_response(ctx.dialect, status, f"Simulated {status} error (Prefer: code={status}).")
        return Response(status_code=status)
    return render_example(example, ctx.dialect)


def _documented(ctx: RequestContext, status: int | None, name: str | None) -> Example | None:
    """The example asked for; for a bare status, the one named after the client's dialect first (AnyDialect errors)."""
    op = ctx.operation
    if name is None and status is not None:
        own = op.example(status=status, name=ctx.dialect)
        if own is not None:
            return own
    return op.example(status=status, name=name)


def retry_headers(dialect: str, message: str) -> dict[str, str]:
    """`retry-after` (whole seconds) for the wait a 429's message names (1 s if none); OpenAI adds `retry-after-ms`."""
    found = RETRY_IN.search(message)
    seconds = DEFAULT_RETRY_S if found is None else float(found.group(1)) / (1000 if found.group(2).lower() == "ms" else 1)
    headers = {"retry-after": str(max(1, math.ceil(seconds)))}
    if dialect in ("openai", "veo"):
        headers["retry-after-ms"] = str(round(seconds * 1000))
    return headers


def render_example(example: Example, dialect: str | None = None) -> Response:
    """An example as the response it documents (an Anthropic error gets the request's `request_id`, a 429 `retry-after`)."""
    value: Any = example.value
    headers = dict(example.headers)
    if example.status == 429:
        headers = {**retry_headers(dialect or "openai", _message_of(value)), **headers}
    if example.media_type.startswith("application/json") or not isinstance(value, (str, bytes)):
        if dialect == "anthropic" and isinstance(value, dict) and value.get("type") == "error":
            value = {**value, "request_id": request_id()}
        return JSONResponse(value, status_code=example.status, headers=headers or None)
    media_type = SSE_MEDIA_TYPE if example.media_type == "text/event-stream" else example.media_type
    return Response(value, status_code=example.status, media_type=media_type, headers=headers or None)


def _message_of(body: Any) -> str:
    """The human message of an error body in any dialect's shape (empty if there is none)."""
    if not isinstance(body, dict):
        return ""
    inner = body.get("error")
    if isinstance(inner, dict):
        return str(inner.get("message") or "")
    return str(body.get("message") or body.get("description") or inner or body.get("detail") or "")


def answer_from_example(ctx: RequestContext) -> Response:
    """The documented example (the streamed one when the client asked for a stream)."""
    op = ctx.operation
    example = None
    if ctx.wants_stream():
        example = op.example(status=op.success_status, media_type="text/event-stream")
    example = example or op.default_example()
    if example is None:
        return JSONResponse({}, status_code=op.success_status)
    return render_example(example, ctx.dialect)
