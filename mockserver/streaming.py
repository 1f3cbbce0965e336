"""Send rendered SSE frames: flushed one by one, paced and faulted as the request's plan says."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from starlette.types import Receive, Scope, Send

from .context import RequestContext
from .responses import EventStreamResponse

RESET = object()


@dataclass
class Pacing:
    """Timing of a stream: delay before the first frame and between content frames."""

    first_frame_ms: float = 0.0
    between_frames_ms: float = 0.0


@dataclass
class StreamPlan(Pacing):
    """Pacing plus faults: jitter, keep-alive pings, stop after N frames, a malformed frame, an error frame."""

    jitter_ms: float = 0.0
    keepalive_ms: float | None = None
    ping_frame: bytes | None = None
    stop_after: int | None = None
    reset: bool = False
    malformed_at: int | None = None
    error_at: int | None = None
    error_frame: bytes | Callable[[list[bytes], int], bytes] | None = None
    seed: str = ""

    def is_plain(self) -> bool:
        """Nothing to do: send the frames as they are."""
        return not (self.first_frame_ms or self.between_frames_ms or self.jitter_ms or self.stop_after is not None
                    or self.malformed_at is not None or self.error_at is not None)


def event_stream(ctx: RequestContext, frames: Iterable[bytes], *, headers: dict[str, str] | None = None) -> EventStreamResponse:
    """An SSE response for `frames`, using the plan a scenario put in `ctx.notes['pacing']`."""
    pacing: Pacing | None = ctx.notes.get("pacing")
    frames = list(frames)
    if isinstance(pacing, StreamPlan):
        if pacing.is_plain():
            return EventStreamResponse(iter(frames), headers=headers)
        return _FaultableStream(_planned(frames, pacing), headers=headers)
    if pacing is None or (not pacing.first_frame_ms and not pacing.between_frames_ms):
        return EventStreamResponse(iter(frames), headers=headers)
    return EventStreamResponse(_paced(frames, pacing), headers=headers)


async def _paced(frames: list[bytes], pacing: Pacing) -> AsyncIterator[bytes]:
    for index, frame in enumerate(frames):
        delay = pacing.first_frame_ms if index == 0 else pacing.between_frames_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        yield frame


def first_token_index(frames: list[bytes]) -> int:
    """The first frame carrying content (time-to-first-token applies before it)."""
    return next((i for i, f in enumerate(frames) if b"delta" in f), 0)


async def _planned(frames: list[bytes], plan: StreamPlan) -> AsyncIterator[object]:
    rng = random.Random(plan.seed)
    ttft_at = first_token_index(frames)
    for index, frame in enumerate(frames):
        if plan.error_at is not None and index == plan.error_at and plan.error_frame is not None:
            yield _error(plan, frames, index)
            return
        if plan.stop_after is not None and index >= plan.stop_after:
            if plan.reset:
                yield RESET
            return
        delay = plan.first_frame_ms if index == ttft_at else (plan.between_frames_ms if index > ttft_at else 0.0)
        if delay or (plan.jitter_ms and index > ttft_at):
            delay = max(0.0, delay + (rng.uniform(-plan.jitter_ms, plan.jitter_ms) if plan.jitter_ms else 0.0))
            async for ping in _wait(delay, plan, index):
                yield ping
        yield malformed(frame) if index == plan.malformed_at else frame
    if plan.error_at is not None and plan.error_at >= len(frames) and plan.error_frame is not None:
        yield _error(plan, frames, len(frames))


def _error(plan: StreamPlan, frames: list[bytes], index: int) -> bytes:
    """The error frame (built from the frames sent so far when it is a function)."""
    return plan.error_frame(frames, index) if callable(plan.error_frame) else plan.error_frame


async def _wait(delay_ms: float, plan: StreamPlan, index: int) -> AsyncIterator[bytes]:
    """Sleep `delay_ms`, sending keep-alive pings meanwhile (never before the first frame of an Anthropic stream)."""
    every = plan.keepalive_ms if plan.ping_frame and plan.keepalive_ms else None
    while every and delay_ms > every:
        await asyncio.sleep(every / 1000)
        delay_ms -= every
        if index > 0 or not plan.ping_frame.startswith(b"event:"):
            yield plan.ping_frame
    if delay_ms > 0:
        await asyncio.sleep(delay_ms / 1000)


def malformed(frame: bytes) -> bytes:
    """The frame with its JSON cut in half (its `event:` line kept)."""
    start = frame.find(b"data:")
    start = start + 5 if start >= 0 else 0
    body = frame.rstrip(b"\r\n")
    cut = start + max(1, (len(body) - start) // 2)
    return body[:cut] + b"\n\n"


class _FaultableStream(EventStreamResponse):
    """An event stream that can drop its connection mid-way (a `RESET` item)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._receive = receive
        await super().__call__(scope, receive, send)

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            if chunk is RESET:
                from .scenarios.faults import DropConnection, abort_connection
                if not await abort_connection(self._receive):
                    raise DropConnection("scenario fault: stream reset")
                return
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
