"""Send rendered SSE frames: flushed one by one, paced and faulted as the request's plan says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from .context import RequestContext
from .responses import EventStreamResponse


@dataclass
class Pacing:
    """Timing of a stream: delay before the first frame and between content frames."""

    first_frame_ms: float = 0.0
    between_frames_ms: float = 0.0


def event_stream(ctx: RequestContext, frames: Iterable[bytes], *, headers: dict[str, str] | None = None) -> EventStreamResponse:
    """An SSE response for `frames`, using the pacing a scenario put in `ctx.notes['pacing']`."""
    pacing: Pacing | None = ctx.notes.get("pacing")
    frames = list(frames)
    if pacing is None or (not pacing.first_frame_ms and not pacing.between_frames_ms):
        return EventStreamResponse(iter(frames), headers=headers)
    return EventStreamResponse(_paced(frames, pacing), headers=headers)


async def _paced(frames: list[bytes], pacing: Pacing) -> AsyncIterator[bytes]:
    for index, frame in enumerate(frames):
        delay = pacing.first_frame_ms if index == 0 else pacing.between_frames_ms
        if delay:
            await asyncio.sleep(delay / 1000)
        yield frame
