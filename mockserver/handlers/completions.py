"""`POST /v1/completions` (legacy): one default reply per prompt, merged and rendered as `text_completion`."""

from __future__ import annotations

from starlette.responses import Response

from ..context import RequestContext
from ..dialects import openai_completions


async def create(ctx: RequestContext) -> Response:
    """A deterministic text completion (JSON or SSE, as the request asks)."""
    prompts = openai_completions.parse_prompts(ctx)
    return openai_completions.render(ctx, openai_completions.default_reply(ctx), prompts)
