"""Follow a paced stream as it is sent, so its journal entry knows each frame's send time and where a fault cut it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING

from ..core.answers import RESET

if TYPE_CHECKING:
    from ..state.journal import Journal, JournalEntry


async def follow(frames: AsyncIterable[object], entry: "JournalEntry", journal: "Journal") -> AsyncIterator[object]:
    """The same frames, each noted on the entry's tape as it leaves; the journal hears when the stream is over."""
    tape = entry.tape
    try:
        async for frame in frames:
            if frame is RESET:
                tape.end("reset")
                journal.finished(entry)
                yield frame
                return
            tape.sent(frame)
            yield frame
    except (asyncio.CancelledError, GeneratorExit):  # stopped before its end: the client left
        if tape.finished_ms is None:
            tape.end("disconnected")
            journal.finished(entry)
        raise
    finally:
        if tape.finished_ms is None:
            tape.end()
            journal.finished(entry)
