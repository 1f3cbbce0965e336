"""What a journaled request asked, read from its body in any wire format: the model and a one-line preview."""

from __future__ import annotations

import re
from typing import Any

PREVIEW_CHARS = 160
_PATH_MODEL = re.compile(r"/models/([^/:]+)")
_SPACES = re.compile(r"\s+")


def model_of(body: Any, path: str) -> str | None:
    """The body's `model`, else the model a path names (Gemini's `/models/{model}:generateContent`)."""
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        return body["model"]
    found = _PATH_MODEL.search(path)
    return found.group(1) if found else None


def asked(body: Any) -> str | None:
    """The last user message (chat, Messages, Responses, Gemini), else the prompt or input, as written."""
    if not isinstance(body, dict):
        return None
    return _last_user(body.get("messages")) or _last_user(body.get("contents")) or _input(body.get("input")) \
        or _text(body.get("prompt"))


def preview_of(body: Any) -> str | None:
    """What a request asked (`asked`) on one short line."""
    text = asked(body)
    if not text:
        return None
    line = _SPACES.sub(" ", text).strip()
    return line if len(line) <= PREVIEW_CHARS else line[:PREVIEW_CHARS - 1] + "…"


def _last_user(turns: Any) -> str | None:
    if not isinstance(turns, list):
        return None
    for turn in reversed(turns):
        if isinstance(turn, dict) and turn.get("role", "user") == "user":
            text = _text(turn.get("content")) or _text(turn.get("parts"))
            if text:
                return text
    return None


def _input(value: Any) -> str | None:
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return _last_user(value)
    return _text(value)


def _text(value: Any) -> str | None:
    """A string, the first string of a list, or the text parts of a content list joined."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return None
    strings = [v for v in value if isinstance(v, str)]
    if strings:
        return strings[0]
    parts = [v["text"] for v in value if isinstance(v, dict) and isinstance(v.get("text"), str)]
    return " ".join(parts) or None
