"""`POST /v1/completions` (legacy): one default reply per prompt, merged and rendered as `text_completion`."""

from __future__ import annotations

from starlette.responses import Response

from .. import tokens
from ..context import RequestContext
from ..dialects import openai_completions
from ..engine import default_reply
from ..reply import Reply, Usage


async def create(ctx: RequestContext) -> Response:
    """A deterministic text completion (JSON or SSE, as the request asks)."""
    prompts = openai_completions.parse_prompts(ctx)
    key = openai_completions.reply_key(ctx)
    replies = [default_reply(conv, key=f"{key}:{i}", seed=ctx.seed) for i, conv in enumerate(prompts)]
    usage = Usage(prompt_tokens=sum(tokens.count(c.extra["prompt"]) for c in prompts),
                  completion_tokens=sum(r.usage.completion_tokens for r in replies))
    reply = Reply(model=prompts[0].model, candidates=[c for r in replies for c in r.candidates], usage=usage,
                  key=key, created=replies[0].created)
    return openai_completions.render(ctx, reply, prompts)
