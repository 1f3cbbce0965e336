"""`GET /v1/models` and `GET /v1/models/{model}` in the shape of whichever SDK is asking (its dialect)."""

from __future__ import annotations

from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..generate import models_catalog as catalog


async def list(ctx: RequestContext) -> Answer:  # noqa: A001 - the spec names the handler `models:list`
    """Every model, as an OpenAI list, an Anthropic page or a Gemini page."""
    return JsonAnswer(ctx.dialect.model_page(ctx))


async def retrieve(ctx: RequestContext) -> Answer:
    """One model, or the dialect's not-found error."""
    model_id = ctx.path_params["model"]
    model = catalog.find(model_id)
    if model is None:
        raise ctx.dialect.unknown_model(model_id)
    return JsonAnswer(ctx.dialect.model_entry(model))
