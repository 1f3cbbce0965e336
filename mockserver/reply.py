"""The provider-neutral reply: what the model 'said', before any dialect renders it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import tokens


def compact_json(value: Any) -> str:
    """JSON with no spaces after `,` and `:`, non-ASCII kept, as the real APIs serialise arguments."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass
class ToolCall:
    """A call the reply makes; `arguments` is an object, `raw_arguments` an exact string if a scenario gives one."""

    id: str
    name: str
    arguments: Any = None
    raw_arguments: str | None = None
    argument_chunks: list[str] | None = None

    def arguments_json(self) -> str:
        """The arguments as the compact JSON string OpenAI sends (`{"city":"Paris"}`)."""
        if self.raw_arguments is not None:
            return self.raw_arguments
        return compact_json(self.arguments if self.arguments is not None else {})

    def arguments_object(self) -> Any:
        """The arguments as the object Anthropic and Gemini send."""
        if self.raw_arguments is not None:
            try:
                return json.loads(self.raw_arguments)
            except ValueError:
                return {}
        return self.arguments if self.arguments is not None else {}

    def chunks(self) -> list[str]:
        """Argument fragments for streaming (explicit split points win)."""
        return self.argument_chunks or tokens.fragments(self.arguments_json(), 12)


@dataclass
class Candidate:
    """One choice / candidate. `finish`: stop | length | tool_calls | content_filter | stop_sequence | refusal."""

    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    refusal: str | None = None
    reasoning: str | None = None
    finish: str = "stop"
    stop_sequence: str | None = None
    text_chunks: list[str] | None = None
    audio: dict | None = None
    images: list[tuple[str, bytes]] = field(default_factory=list)

    def chunks(self) -> list[str]:
        """Text deltas for streaming (explicit split points win)."""
        if self.text_chunks is not None:
            return self.text_chunks
        return tokens.split(self.text or "")


@dataclass
class Usage:
    """Token counts, as every dialect reports them in its own names."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cache_creation_tokens: int = 0  # prompt tokens written to a prompt cache (Anthropic); part of prompt_tokens

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Reply:
    """What to answer: candidates, usage, and the ids' seed."""

    model: str
    candidates: list[Candidate]
    usage: Usage
    key: str
    created: int

    @property
    def first(self) -> Candidate:
        """The first candidate."""
        return self.candidates[0]
