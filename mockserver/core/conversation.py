"""The provider-neutral request: what every chat dialect's body means, in one shape."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import MockError

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[\w-]+=[^;,]*)*)(?P<b64>;base64)?,(?P<data>.*)$",
                      re.DOTALL)


@dataclass
class Tool:
    """A function the model may call, with the JSON Schema of its arguments."""

    name: str
    description: str = ""
    schema: dict = field(default_factory=dict)
    strict: bool = False


@dataclass
class ToolUse:
    """A call the assistant made earlier in the conversation."""

    id: str
    name: str
    arguments: Any = None


@dataclass
class ToolResult:
    """The client's answer to a tool call."""

    call_id: str
    content: str
    name: str | None = None
    is_error: bool = False


@dataclass
class Message:
    """One turn: its role, its text, and what else it carries."""

    role: str
    text: str = ""
    images: list[str] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    tool_uses: list[ToolUse] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)


@dataclass
class Conversation:
    """Everything the default engine (or a scenario) needs to know about a chat request."""

    model: str
    messages: list[Message] = field(default_factory=list)
    system: str = ""
    tools: list[Tool] = field(default_factory=list)
    tool_choice: str = "auto"
    forced_tool: str | None = None
    parallel_tool_calls: bool = True
    response_schema: dict | None = None
    response_schema_name: str | None = None
    json_mode: bool = False
    max_tokens: int | None = None
    stop: list[str] = field(default_factory=list)
    n: int = 1
    seed: int | None = None
    reasoning_effort: str | None = None
    thinking_budget: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    audio_output: dict | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def last_user_text(self) -> str:
        """The text of the most recent user turn that has text."""
        for message in reversed(self.messages):
            if message.role == "user" and message.text.strip():
                return message.text
        return ""

    def last_user_message(self) -> Message | None:
        """The most recent user turn with text or media."""
        for message in reversed(self.messages):
            if message.role == "user" and (message.text.strip() or message.images or message.audio or message.files):
                return message
        return None

    def pending_tool_results(self) -> list[ToolResult]:
        """Tool results that arrived after the assistant's last turn (the answer must use them)."""
        results: list[ToolResult] = []
        for message in reversed(self.messages):
            if message.role == "assistant":
                break
            results[:0] = message.tool_results
        return results

    def tool_named(self, name: str) -> Tool | None:
        """The declared tool with this name."""
        return next((t for t in self.tools if t.name == name), None)

    def all_text(self) -> str:
        """Every piece of text in the request, for token counting."""
        parts = [self.system]
        for message in self.messages:
            parts.append(message.text)
            parts.extend(r.content for r in message.tool_results)
            parts.extend(f"{u.name} {u.arguments}" for u in message.tool_uses)
        return "\n".join(p for p in parts if p)


def check_data_url(url: str, param: str, *, kind: str = "image") -> str:
    """Validate a `data:` URL (mime type and base64 payload); return its mime type."""
    match = DATA_URL.match(url)
    if match is None or not match.group("b64"):
        raise MockError(400, f"Invalid '{param}': expected a base64-encoded data URL "
                             f"(data:{kind}/<format>;base64,<data>).", param=param, code="invalid_image_url"
                        if kind == "image" else "invalid_value")
    mime = match.group("mime") or ""
    if kind and not mime.startswith(kind + "/"):
        raise MockError(400, f"Invalid '{param}': the data URL's media type '{mime or 'none'}' is not an {kind} type.",
                        param=param, code="invalid_image_format" if kind == "image" else "invalid_value")
    check_base64(match.group("data"), param)
    return mime


def check_base64(data: str, param: str) -> bytes:
    """Decode base64 or raise a 400 that names the field."""
    try:
        decoded = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MockError(400, f"Invalid '{param}': the base64 data could not be decoded.", param=param,
                        code="invalid_base64") from None
    if not decoded:
        raise MockError(400, f"Invalid '{param}': the base64 data is empty.", param=param, code="invalid_base64")
    return decoded
