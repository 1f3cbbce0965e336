"""Answers that do not need a handler: the `Prefer` header and the documented examples."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from .context import RequestContext
from .errors import error_response
from .responses import SSE_MEDIA_TYPE, JSONResponse
from .spec import Example


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
    example = ctx.operation.example(status=status, name=name)
    if example is None and name is not None and status is None:
        return error_response(ctx.dialect, 400, f"Prefer: example={name} names no documented example of "
                                                f"{ctx.operation.operation_id}.", code="unknown_example")
    ctx.notes["answered_by"] = f"prefer:{name or code}"
    if example is None:
        if status is not None and status >= 400:
            return error_response(ctx.dialect, status, f"Simulated {status} error (Prefer: code={status}).")
        return Response(status_code=status)
    return render_example(example)


def render_example(example: Example) -> Response:
    """An example as the response it documents."""
    value: Any = example.value
    if example.media_type.startswith("application/json") or not isinstance(value, (str, bytes)):
        return JSONResponse(value, status_code=example.status, headers=example.headers or None)
    media_type = SSE_MEDIA_TYPE if example.media_type == "text/event-stream" else example.media_type
    return Response(value, status_code=example.status, media_type=media_type, headers=example.headers or None)


def answer_from_example(ctx: RequestContext) -> Response:
    """The documented example (the streamed one when the client asked for a stream)."""
    op = ctx.operation
    example = None
    if ctx.wants_stream():
        example = op.example(status=op.success_status, media_type="text/event-stream")
    example = example or op.default_example()
    if example is None:
        return JSONResponse({}, status_code=op.success_status)
    return render_example(example)
