"""Read back the SSE frames the mock sent (for the journal): event name, data (JSON when it parses), comments."""

from __future__ import annotations

import re
from typing import Any

import orjson

_BLANK_LINE = re.compile(r"\r?\n\r?\n")


def read_events(chunk: bytes) -> list[dict[str, Any]]:
    """The events in what one write sent (usually one frame), each as `{event, data, comment}`."""
    text = chunk.decode("utf-8", errors="replace")
    return [_event(block) for block in _BLANK_LINE.split(text) if block.strip()]


def _event(block: str) -> dict[str, Any]:
    event: str | None = None
    data: list[str] = []
    comments: list[str] = []
    for line in block.splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith(":"):
            comments.append(line[1:].strip())
    out: dict[str, Any] = {}
    if event is not None:
        out["event"] = event
    if data:
        joined = "\n".join(data)
        try:
            out["data"] = orjson.loads(joined)
        except orjson.JSONDecodeError:
            out["data"] = joined
            if joined != "[DONE]":
                out["not_json"] = True
    if comments:
        out["comment"] = "\n".join(comments)
    if not out:
        out["raw"] = block
    return out


def is_error(event: dict[str, Any]) -> bool:
    """Whether a read-back event is a mid-stream error (any dialect's form)."""
    data = event.get("data")
    return event.get("event") in ("error", "response.failed") or (isinstance(data, dict) and "error" in data)


def is_content(frame: bytes) -> bool:
    """Whether a frame carries generated content (its arrival is the time to first token)."""
    return b"delta" in frame or b'"parts"' in frame
