"""What passes through the proxy, seen on the side: the decoded body, or its SSE frames with their arrival times.

The client gets the upstream's bytes untouched (compressed or not); the tap decodes a copy to validate and record it.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from typing import Any, Protocol

FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
LINE_END = re.compile(r"\r\n|\n|\r")
BODY_LIMIT = 256 * 1024 * 1024  # a body larger than this is passed on but not kept (nor recorded)


class Decoder(Protocol):
    """Incremental content decoding (gzip, deflate, br, zstd)."""

    def decompress(self, data: bytes) -> bytes: ...


class _Identity:
    def decompress(self, data: bytes) -> bytes:
        return data


class _Deflate:
    """`deflate` as servers send it: zlib-wrapped, or (some servers) raw."""

    def __init__(self) -> None:
        self.inner: Any = None

    def decompress(self, data: bytes) -> bytes:
        if self.inner is None:
            wrapped = len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.inner = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return self.inner.decompress(data)


def decoder_for(content_encoding: str) -> Decoder | None:
    """A decoder for the body's `content-encoding` (None when this Python cannot decode it)."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Deflate()
    if encoding == "br":
        try:
            import brotli  # httpx's own optional decoder
        except ImportError:
            return None
        return brotli.Decompressor() if hasattr(brotli, "Decompressor") else None
    if encoding == "zstd":
        try:
            import zstandard
        except ImportError:
            return None
        return zstandard.ZstdDecompressor().decompressobj()
    return None


@dataclass(slots=True)
class Frame:
    """One SSE frame as it arrived: its exact text, its `event:` and `data:` fields, when it completed (ms)."""

    raw: bytes
    event: str | None
    data: str | None
    simple: bool  # only `event:` (at most one) and one `data:` line: re-rendering it gives the same frame
    at_ms: float

    def json(self) -> Any:
        """The data as JSON, or None when it is not JSON (`[DONE]`)."""
        import orjson
        if self.data is None:
            return None
        try:
            return orjson.loads(self.data)
        except orjson.JSONDecodeError:
            return None


def parse_frame(raw: bytes, at_ms: float) -> Frame:
    """A frame's fields (per the SSE rules: `field: value`, one leading space dropped, data lines joined)."""
    text = raw.decode("utf-8", errors="replace")
    event, data, others = None, [], 0
    for line in LINE_END.split(text):
        if not line:
            continue
        name, colon, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if not colon or not name:  # a comment (`: keep-alive`) or a bare field name
            others += 1
        elif name == "event":
            others += event is not None
            event = value
        elif name == "data":
            data.append(value)
        else:
            others += 1
    joined = "\n".join(data) if data else None
    simple = not others and len(data) == 1 and raw.endswith(b"\n\n") and b"\r" not in raw
    return Frame(raw, event, joined, simple, at_ms)


class Tap:
    """Feeds on the upstream's raw chunks: decodes them, keeps the body or splits SSE frames as they complete."""

    def __init__(self, content_encoding: str, *, events: bool, keep_body: bool, started: float) -> None:
        self.decoder = decoder_for(content_encoding)
        self.events = events
        self.keep_body = keep_body
        self.started = started
        self.body = bytearray()
        self.frames: list[Frame] = []
        self.size = 0
        self.overflow = False
        self.failure: str | None = None  # why the copy could not be decoded
        self._pending = b""

    @property
    def readable(self) -> bool:
        """Whether the copy is whole and decoded (what validation and recording need)."""
        return self.decoder is not None and self.failure is None and not self.overflow

    def feed(self, chunk: bytes) -> list[Frame]:
        """Take one raw chunk; return the SSE frames it completed."""
        self.size += len(chunk)
        if not self.readable:
            return []
        try:
            data = self.decoder.decompress(chunk)
        except Exception as exc:  # zlib.error, brotli.error...: the client still gets the bytes
            self.failure = f"cannot decode the body: {exc}"
            return []
        if not self.events:
            if self.keep_body:
                if len(self.body) + len(data) > BODY_LIMIT:
                    self.overflow, self.body = True, bytearray()
                else:
                    self.body += data
            return []
        return self._split(self._pending + data)

    def finish(self) -> list[Frame]:
        """The end of the body: a last frame that lacked its blank line still counts."""
        rest, self._pending = self._pending, b""
        if self.events and self.readable and rest.strip():
            frame = parse_frame(rest, self._now())
            self.frames.append(frame)
            return [frame]
        return []

    def _split(self, data: bytes) -> list[Frame]:
        done: list[Frame] = []
        start = 0
        now = self._now()
        for found in FRAME_END.finditer(data):
            frame = parse_frame(data[start:found.end()], now)
            start = found.end()
            done.append(frame)
        self._pending = data[start:]
        self.frames += done
        return done

    def _now(self) -> float:
        return (time.perf_counter() - self.started) * 1000
