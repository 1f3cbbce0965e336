"""Answers: what a stage hands back to be sent. Each is an ASGI callable that writes itself at once."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from functools import lru_cache
from typing import Any

import orjson

from .abort import abort_connection

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
RESET = object()  # a stream item that drops the connection where it stands


class DropConnection(Exception):
    """Raised so the ASGI server closes a connection that could not be aborted directly."""


class Answer:
    """Status, headers (lower-case names) and body bytes."""

    __slots__ = ("status_code", "headers", "body", "content_type")
    media_type: str | None = None
    kind = "body"  # what the journal keeps of it: a body, a stream of frames, or a reset

    def __init__(self, content: Any = b"", status_code: int = 200, headers: dict[str, str] | None = None,
                 media_type: str | None = None) -> None:
        self.status_code = status_code
        self.headers = {k.lower(): str(v) for k, v in headers.items()} if headers else {}
        self.body = self.render(content)
        media_type = self.headers.pop("content-type", None) or media_type or self.media_type
        if media_type and media_type.startswith("text/") and "charset" not in media_type:
            media_type += "; charset=utf-8"
        self.content_type = media_type

    def render(self, content: Any) -> bytes:
        """The body bytes of `content`."""
        if content is None:
            return b""
        return content if isinstance(content, bytes) else str(content).encode()

    def raw_headers(self, length: int | None) -> list[tuple[bytes, bytes]]:
        """Headers as the ASGI server takes them, with content-length when the body is known."""
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()]
        if self.content_type:
            out.append(_content_type(self.content_type))
        if length is not None and self.status_code >= 200 and self.status_code not in (204, 304):
            out.append((b"content-length", str(length).encode()))
        return out

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        body = b"" if scope.get("method") == "HEAD" else self.body
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers(len(self.body))})
        await send({"type": "http.response.body", "body": body})


@lru_cache(maxsize=256)
def _content_type(value: str) -> tuple[bytes, bytes]:
    return (b"content-type", value.encode("latin-1"))


class JsonAnswer(Answer):
    """A JSON body, compact UTF-8 as the providers send it."""

    __slots__ = ()
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class StreamAnswer(Answer):
    """A body sent in pieces: SSE frames (a list, or an async iterator when paced), flushed as they come."""

    __slots__ = ("frames",)
    media_type = SSE_MEDIA_TYPE
    kind = "stream"

    def __init__(self, frames: Iterable[bytes] | AsyncIterable[Any], status_code: int = 200,
                 headers: dict[str, str] | None = None, media_type: str | None = None) -> None:
        super().__init__(b"", status_code, headers, media_type)
        self.headers.setdefault("cache-control", "no-cache")
        self.headers.setdefault("x-accel-buffering", "no")
        self.frames = frames if hasattr(frames, "__aiter__") else list(frames)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers(None)})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        frames = self.frames
        if isinstance(frames, list):  # nothing to wait for: one write, the client parses frame by frame
            await send({"type": "http.response.body", "body": b"".join(frames)})
            return
        # A paced stream stops when its client has left, rather than pacing frames into a closed connection (and
        # holding up a graceful shutdown). uvicorn's request cycle says so; a task per stream listening for
        # `http.disconnect` would cost a thousand paced streams their schedule.
        cycle = getattr(receive, "__self__", None)
        async for frame in frames:
            if frame is RESET:
                await drop(receive)
                return
            await send({"type": "http.response.body", "body": frame, "more_body": True})
            if getattr(cycle, "disconnected", False):
                close = getattr(frames, "aclose", None)
                if close is not None:
                    await close()  # the journal's tape notes where the client left
                return
        await send({"type": "http.response.body", "body": b""})

    async def collect(self) -> list[bytes]:
        """Every frame (for tests and for building a journal preview)."""
        if isinstance(self.frames, list):
            return list(self.frames)
        return [frame async for frame in self.frames if frame is not RESET]


class ResetAnswer(Answer):
    """Not an answer: the connection is dropped before any byte is sent."""

    __slots__ = ()
    kind = "reset"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if await abort_connection(receive):
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        raise DropConnection("scenario fault: connection reset")


async def drop(receive: Any) -> None:
    """Cut the connection mid-answer (the client sees a reset)."""
    if not await abort_connection(receive):
        raise DropConnection("scenario fault: stream reset")


def sse_frame(data: Any, event: str | None = None, *, line_end: str = "\n") -> bytes:
    """One SSE frame: optional `event:` line, one `data:` line, a blank line."""
    if isinstance(data, bytes):
        payload = data
    elif isinstance(data, str):
        payload = data.encode()
    else:
        payload = orjson.dumps(data)
    end = line_end.encode()
    head = b"event: " + event.encode() + end if event else b""
    return head + b"data: " + payload + end + end


def frames_around(before: bytes, values: Iterable[Any], after: bytes) -> list[bytes]:
    """`before + JSON(value) + after` for each value: stream frames that differ in one JSON value only."""
    dumps = orjson.dumps
    return [before + dumps(value) + after for value in values]


async def frames_of(frames: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A list of frames as an async iterator (the shape paced streams take)."""
    for frame in frames:
        yield frame
