"""One proxied exchange as a scenario: what identifies the request (`match`) and what the upstream said (`raw`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from ..scenarios.matcher import RequestView
from .tap import Frame

if TYPE_CHECKING:
    from ..core.context import RequestContext

SLUG_CHARS = re.compile(r"[^a-z0-9]+")
SLUG_LENGTH = 32
MESSAGE_LIMIT = 400  # a longer last user turn is matched by its start (`contains`); the fingerprint stays exact
TEXT_TYPES = ("text/", "application/xml", "application/x-ndjson", "application/javascript")
TEXT_LIMIT = 1024 * 1024
PROMPT_KEYS = ("prompt", "input", "text", "query")


class Flow(dict):
    """A mapping written on one line (an SSE event)."""


@dataclass
class Answer:
    """What the upstream said, decoded: status, the headers a recording keeps, and a body or SSE frames."""

    status: int
    headers: dict[str, str]
    content_type: str
    body: bytes = b""
    frames: list[Frame] | None = None


@dataclass
class Entry:
    """One scenario of a recording file: its match and its steps in the order they were recorded."""

    name: str
    request: str  # `GET /mj/task/123/fetch`, for the reader
    match: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The scenario as YAML writes it: one step inline, several as a `sequence` (replayed in order)."""
        doc: dict[str, Any] = {"name": self.name, "description": f"recorded answer to {self.request}",
                               "priority": -1, "match": self.match}
        if len(self.steps) == 1:
            doc.update(self.steps[0])
        else:
            doc["sequence"] = self.steps
        return doc


def identify(ctx: "RequestContext", fingerprint: str) -> dict[str, Any]:
    """The `match` of a recorded request: operation, model, stream, the last user turn or tool results, fingerprint."""
    view = RequestView(ctx)
    op = ctx.operation
    match: dict[str, Any] = {"operation": op.operation_id}
    model = view.model
    if model:
        match["model"] = {"equals": model} if set("*?[") & set(model) else model
    if op.stream_param:
        match["stream"] = ctx.stream
    if ctx.dialect.conversational and ctx.dialect.parses(op):
        conversation = view.conversation
        if conversation.pending_tool_results():
            match["tool_result"] = True
        text = conversation.last_user_text()
        if text:
            match["message"] = {"equals": text} if len(text) <= MESSAGE_LIMIT else \
                {"contains": text[:MESSAGE_LIMIT]}
    match["fingerprint"] = fingerprint
    return match


def slug(ctx: "RequestContext") -> str:
    """A few readable words for a file name: the model and the start of the prompt."""
    view = RequestView(ctx)
    words = [view.model or ""]
    if ctx.dialect.conversational and ctx.dialect.parses(ctx.operation):
        words.append(view.conversation.last_user_text() or "")
    elif isinstance(ctx.body, dict):
        words += [str(ctx.body[k]) for k in PROMPT_KEYS if isinstance(ctx.body.get(k), str)][:1]
    text = SLUG_CHARS.sub("-", " ".join(words).lower()).strip("-")
    return text[:SLUG_LENGTH].rstrip("-")


def escape_templates(value: Any) -> Any:
    """Recorded text sent as it came: a `{{` in it is written `{{lbraces}}`, so it is not read as a template."""
    if isinstance(value, str):
        return value.replace("{{", "{{lbraces}}") if "{{" in value else value
    if isinstance(value, dict):
        return {k: escape_templates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escape_templates(v) for v in value]
    return value


def events(frames: list[Frame], redact: Any) -> list[Flow]:
    """SSE frames as `events:`: `{event, data, delay_ms}` (data as the exact text), or `{frame, delay_ms}`."""
    out: list[Flow] = []
    previous = 0.0
    for frame in frames:
        item = Flow()
        data = frame.data
        if redact is not None and data is not None:
            parsed = frame.json()
            if isinstance(parsed, (dict, list)):
                changed = redact(parsed)
                redone = orjson.dumps(changed).decode()
                if orjson.loads(redone) != frame.json():
                    data = redone
        if frame.simple:
            if frame.event is not None:
                item["event"] = frame.event
            item["data"] = escape_templates(data)
        else:
            item["frame"] = escape_templates(frame.raw.decode("utf-8", errors="replace"))
        item["delay_ms"] = round(frame.at_ms - previous)
        previous = frame.at_ms
        out.append(item)
    return out


def json_body(content_type: str, body: bytes) -> Any:
    """The body as JSON when it says it is JSON (None otherwise)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not (media == "application/json" or media.endswith("+json")) or not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def text_body(content_type: str, body: bytes) -> str | None:
    """The body as text when it is text (JSON that is not an object or list included)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if not (media.startswith(TEXT_TYPES) or "json" in media) or len(body) > TEXT_LIMIT:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def job_ids(value: Any, depth: int = 0) -> set[str]:
    """Ids an answer hands out (`id`, `task_id`, `taskId`, MJ's `result`, Suno's `data`), which later polls name."""
    found: set[str] = set()
    if depth > 3:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (str, int)) and not isinstance(item, bool) and re.search(r"(?i)(id|result|data)$",
                                                                                           str(key)):
                text = str(item)
                if 6 <= len(text) <= 128 and " " not in text:
                    found.add(text)
            elif isinstance(item, (dict, list)):
                found |= job_ids(item, depth + 1)
    elif isinstance(value, list):
        for item in value[:16]:
            found |= job_ids(item, depth + 1)
    return found
