"""`POST /v1/chat/completions`: parse the OpenAI body, answer with the default engine, render."""

from __future__ import annotations

from starlette.responses import Response

from ..context import RequestContext
from ..dialects import openai_chat
from ..engine import default_reply


async def create(ctx: RequestContext) -> Response:
    """A deterministic chat completion (JSON or SSE, as the request asks)."""
    conversation = ctx.conversation(openai_chat.parse)
    reply = default_reply(conversation, key=openai_chat.reply_key(ctx), seed=ctx.seed)
    return openai_chat.render(ctx, reply, conversation)
