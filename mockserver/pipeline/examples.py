"""Answers from the spec itself: documented examples and `Prefer: code=N`, in the client's dialect."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from ..core.answers import Answer, JsonAnswer, StreamAnswer
from ..core.errors import MockError

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from ..spec.model import Example

RETRY_IN = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)
DEFAULT_RETRY_S = 1.0


def documented(ctx: "RequestContext", status: int | None, name: str | None) -> "Example | None":
    """The example asked for; for a bare status, the one named after the client's dialect first."""
    op = ctx.operation
    if name is None and status is not None:
        own = op.example(status=status, name=ctx.dialect.name)
        if own is not None:
            return own
    return op.example(status=status, name=name)


def retry_seconds(message: str) -> float:
    """The wait a 429's message names ("try again in 1.5s"), 1 s when it names none."""
    found = RETRY_IN.search(message)
    if found is None:
        return DEFAULT_RETRY_S
    return float(found.group(1)) / (1000 if found.group(2).lower() == "ms" else 1)


def retry_headers(ctx: "RequestContext", message: str) -> dict[str, str]:
    """`retry-after` (whole seconds) matching the message, plus the dialect's extras (`retry-after-ms`)."""
    seconds = retry_seconds(message)
    return {"retry-after": str(max(1, math.ceil(seconds))), **ctx.dialect.retry_extras(seconds)}


def prefer_error(ctx: "RequestContext", status: int) -> MockError:
    """The error a `Prefer: code=N` asks for (a 429 with the retry headers real APIs send)."""
    if status == 429:
        message = f"Rate limit reached (simulated by Prefer: code=429). Please try again in {DEFAULT_RETRY_S:g}s."
        return MockError(429, message, headers=retry_headers(ctx, message))
    return MockError(status, f"Simulated {status} error (Prefer: code={status}).")


def example_answer(ctx: "RequestContext", example: "Example") -> Answer:
    """An example as the response it documents (an error example in the dialect's shape of request ids)."""
    value: Any = example.value
    headers = dict(example.headers)
    if example.status == 429:
        headers = {**retry_headers(ctx, _message_of(value)), **headers}
    if example.media_type.startswith("application/json") or not isinstance(value, (str, bytes)):
        if example.status >= 400:
            value = ctx.dialect.stamp_error_example(value, ctx.request_id)
        return JsonAnswer(value, status_code=example.status, headers=headers or None)
    if example.media_type == "text/event-stream":
        text = value.encode() if isinstance(value, str) else value
        return StreamAnswer([text], status_code=example.status, headers=headers or None)
    return Answer(value, status_code=example.status, media_type=example.media_type, headers=headers or None)


def default_example(ctx: "RequestContext") -> Answer:
    """The documented example (the streamed one when the client asked for a stream)."""
    op = ctx.operation
    example = op.example(status=op.success_status, media_type="text/event-stream") if ctx.stream else None
    example = example or op.default_example()
    if example is None:
        return JsonAnswer({}, status_code=op.success_status)
    return example_answer(ctx, example)


def _message_of(body: Any) -> str:
    """The human message of an error body in any dialect's shape (empty if there is none)."""
    if not isinstance(body, dict):
        return ""
    inner = body.get("error")
    if isinstance(inner, dict):
        return str(inner.get("message") or "")
    return str(body.get("message") or body.get("description") or inner or body.get("detail") or "")
