"""The upstream's answer sent on: its status and headers as they came, its body whole or chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ..core.answers import RESET, Answer, drop
from .headers import RawHeaders


class UpstreamAnswer(Answer):
    """Status, the upstream's raw headers (repeats kept), and a body (bytes) or chunks sent as they arrive.

    `headers` starts as the upstream's headers by name; what the pipeline adds there (request ids the upstream did not
    send, `x-mock-violations`) is sent after them.
    """

    __slots__ = ("raw", "chunks")

    def __init__(self, status: int, raw: RawHeaders, body: bytes = b"",
                 chunks: AsyncIterator[Any] | None = None) -> None:
        self.status_code = status
        self.raw = raw
        self.body = body
        self.chunks = chunks
        self.content_type = None
        self.headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}

    def raw_headers(self, length: int | None) -> list[tuple[bytes, bytes]]:
        sent = {k for k, _ in self.raw}
        out = list(self.raw)
        out += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers.items()
                if k.encode("latin-1") not in sent]
        if length is not None and b"content-length" not in sent and self.status_code >= 200 \
                and self.status_code not in (204, 304):
            out.append((b"content-length", str(length).encode()))
        return out

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self.chunks is None:
            await super().__call__(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers(None)})
        async for chunk in self.chunks:
            if chunk is RESET:
                await drop(receive)
                return
            if scope.get("method") != "HEAD":
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
