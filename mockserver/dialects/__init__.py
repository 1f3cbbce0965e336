"""Dialects: one module per wire format behind one `Dialect` interface, and the registry of them."""

from __future__ import annotations

from .base import Dialect


def providers() -> dict[str, Dialect]:
    """Every provider's dialect by the name the spec's `x-mock-dialect` uses."""
    from .anthropic import ANTHROPIC
    from .gemini import GEMINI
    from .openai import OPENAI
    from .task_apis import DIALECTS

    return {d.name: d for d in (OPENAI, ANTHROPIC, GEMINI, *DIALECTS)}


def conversations() -> dict[str, Dialect]:
    """The chat-like dialects by the spec handler names they answer themselves (`chat:create`, ...)."""
    from .anthropic import ANTHROPIC
    from .gemini import GEMINI
    from .openai_chat import CHAT
    from .openai_completions import COMPLETIONS
    from .openai_responses import RESPONSES

    return {name: d for d in (CHAT, COMPLETIONS, RESPONSES, ANTHROPIC, GEMINI) for name in d.handles}


__all__ = ["Dialect", "conversations", "providers"]
