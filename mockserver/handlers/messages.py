"""Anthropic `messages:count_tokens` (`messages:create` is answered by the Anthropic dialect itself)."""

from __future__ import annotations

from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..dialects import anthropic
from ..generate.engine import prompt_tokens


async def count_tokens(ctx: RequestContext) -> Answer:
    """`{"input_tokens": n}`, the same count `create` reports as usage."""
    return JsonAnswer({"input_tokens": prompt_tokens(anthropic.parse_count(ctx))})
