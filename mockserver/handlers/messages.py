"""Anthropic Messages: `messages:create` and `messages:count_tokens`."""

from __future__ import annotations

from starlette.responses import Response

from ..context import RequestContext
from ..dialects import anthropic, anthropic_cache
from ..engine import default_reply, prompt_tokens
from ..errors import request_id
from ..responses import JSONResponse


async def create(ctx: RequestContext) -> Response:
    """A deterministic assistant message (JSON or event stream)."""
    conversation = ctx.conversation(anthropic.parse)
    reply = default_reply(conversation, key=anthropic.reply_key(ctx), seed=ctx.seed)
    anthropic_cache.apply(ctx, reply)
    return anthropic.render(ctx, reply, conversation)


async def count_tokens(ctx: RequestContext) -> Response:
    """`{"input_tokens": n}`, the same count `create` reports as usage."""
    conversation = anthropic.parse_count(ctx)
    return JSONResponse({"input_tokens": prompt_tokens(conversation)},
                        headers={"request-id": request_id()})
