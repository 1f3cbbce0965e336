"""Read back the SSE frames the mock sent (for the journal): event name, data (JSON when it parses), comments."""

from __future__ import annotations

from typing import Any

import orjson


def read_frame(frame: bytes) -> dict[str, Any]:
    """One frame as `{event, data, comment}` (absent keys left out); data that is not JSON stays text."""
    text = frame.decode("utf-8", errors="replace")
    event: str | None = None
    data: list[str] = []
    comments: list[str] = []
    for line in text.splitlines():
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
            out["not_json"] = joined != "[DONE]"
    if comments:
        out["comment"] = "\n".join(comments)
    if not out and text.strip():
        out["raw"] = text
    return out


def is_content(frame: bytes) -> bool:
    """Whether a frame carries generated content (its arrival is the time to first token)."""
    return b"delta" in frame or b'"parts"' in frame
