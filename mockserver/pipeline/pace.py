"""Pace and fault: send rendered frames on a schedule (TTFT, tokens/s, jitter) with keep-alives and faults."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ..core.answers import RESET


@dataclass(slots=True)
class StreamPlan:
    """Timing of a stream plus its faults: stop after N frames, a malformed frame, an error frame."""

    first_frame_ms: float = 0.0
    between_frames_ms: float = 0.0
    jitter_ms: float = 0.0
    keepalive_ms: float | None = None
    ping_frame: bytes | None = None
    stop_after: int | None = None
    reset: bool = False
    malformed_at: int | None = None
    error_at: int | None = None
    error_frame: Callable[[list[bytes], int], bytes] | None = None
    seed: str = ""
    delays: list[float] | None = None  # ms before each frame (a recording's timing), instead of TTFT and tokens/s

    def is_plain(self) -> bool:
        """Nothing to do: send the frames as they are."""
        return not (self.first_frame_ms or self.between_frames_ms or self.jitter_ms or self.stop_after is not None
                    or self.malformed_at is not None or self.error_at is not None or self.delays)


def first_token_index(frames: list[bytes]) -> int:
    """The first frame carrying content (time-to-first-token applies before it)."""
    return next((i for i, f in enumerate(frames) if b"delta" in f), 0)


def next_due(due: float, delay_s: float, now: float) -> float:
    """When a frame is due, `delay_s` after the previous frame's due time `due`, with the clock at `now`.

    Counted from due times, a sleep's small oversleeps never add up. But after a stall longer than half a
    gap (a loop busy with a burst of new streams), the pace resumes from now: a stalled stream does not
    send the frames it owes in one burst, so every gap a client sees stays the plan's.
    """
    if now - due > delay_s / 2:
        due = now
    return due + delay_s


async def paced(frames: list[bytes], plan: StreamPlan) -> AsyncIterator[object]:
    """The frames on the plan's schedule (see `next_due`), faults included."""
    loop = asyncio.get_running_loop()
    rng = random.Random(plan.seed)
    ttft_at = first_token_index(frames)
    pings = bool(plan.ping_frame and plan.keepalive_ms)
    due = loop.time()
    for index, frame in enumerate(frames):
        if plan.error_at is not None and index == plan.error_at and plan.error_frame is not None:
            yield plan.error_frame(frames, index)
            return
        if plan.stop_after is not None and index >= plan.stop_after:
            if plan.reset:
                yield RESET
            return
        if plan.delays is not None:
            delay = plan.delays[index] if index < len(plan.delays) else 0.0
        else:
            delay = plan.first_frame_ms if index == ttft_at else (plan.between_frames_ms if index > ttft_at else 0.0)
        if plan.jitter_ms and index > ttft_at:
            delay = max(0.0, delay + rng.uniform(-plan.jitter_ms, plan.jitter_ms))
        if delay:
            due = next_due(due, delay / 1000, loop.time())
            if pings:
                async for ping in _wait_until(loop, due, plan, index):
                    yield ping
            else:  # no keep-alives: one sleep, without a generator per frame (1,000 streams send 20,000 frames/s)
                remaining = due - loop.time()
                if remaining > 0:
                    await asyncio.sleep(remaining)
        yield malformed(frame) if index == plan.malformed_at else frame
    if plan.reset and plan.stop_after == len(frames):  # stopped right after the last frame: still a reset
        yield RESET
        return
    if plan.error_at is not None and plan.error_at >= len(frames) and plan.error_frame is not None:
        yield plan.error_frame(frames, len(frames))


async def _wait_until(loop: asyncio.AbstractEventLoop, due: float, plan: StreamPlan,
                      index: int) -> AsyncIterator[bytes]:
    """Sleep until `due`, sending keep-alive pings meanwhile (never before an Anthropic stream's first frame)."""
    every = plan.keepalive_ms / 1000 if plan.ping_frame and plan.keepalive_ms else None
    if every:
        while due - loop.time() > every:
            await asyncio.sleep(every)
            if index > 0 or not plan.ping_frame.startswith(b"event:"):
                yield plan.ping_frame
    remaining = due - loop.time()
    if remaining > 0:
        await asyncio.sleep(remaining)


def malformed(frame: bytes) -> bytes:
    """The frame with its JSON cut in half (its `event:` line kept)."""
    start = frame.find(b"data:")
    start = start + 5 if start >= 0 else 0
    body = frame.rstrip(b"\r\n")
    cut = start + max(1, (len(body) - start) // 2)
    return body[:cut] + b"\n\n"
