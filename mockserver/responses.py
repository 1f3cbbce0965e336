"""Response classes: fast JSON and server-sent event streams."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"


class JSONResponse(Response):
    """JSON rendered with orjson (what the providers send: compact UTF-8)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def sse_frame(data: Any, event: str | None = None, *, line_end: str = "\n") -> bytes:
    """One SSE frame: optional `event:` line, one `data:` line, a blank line."""
    payload = data if isinstance(data, (str, bytes)) else orjson.dumps(data).decode()
    if isinstance(payload, bytes):
        payload = payload.decode()
    head = f"event: {event}{line_end}" if event else ""
    return f"{head}data: {payload}{line_end}{line_end}".encode()


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` response that flushes each frame and ends the body after the last."""

    def __init__(self, frames: Iterable[bytes] | AsyncIterable[bytes], status_code: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        merged = {"cache-control": "no-cache", "x-accel-buffering": "no", **(headers or {})}
        super().__init__(frames, status_code=status_code, headers=merged, media_type=SSE_MEDIA_TYPE)
