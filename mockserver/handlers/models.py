"""`GET /v1/models` and `GET /v1/models/{model}` in the shape of whichever SDK is asking."""

from __future__ import annotations

from starlette.responses import Response

from .. import models_catalog as catalog
from ..context import RequestContext
from ..errors import MockError
from ..responses import JSONResponse


async def list(ctx: RequestContext) -> Response:  # noqa: A001 - the spec names the handler `models:list`
    """Every model, as an OpenAI list, an Anthropic page or a Gemini page."""
    if ctx.dialect == "anthropic":
        return JSONResponse(anthropic_page(ctx))
    if ctx.dialect == "gemini":
        return JSONResponse(gemini_page(ctx))
    return JSONResponse({"object": "list", "data": [catalog.openai_model(m) for m in catalog.MODELS]})


async def retrieve(ctx: RequestContext) -> Response:
    """One model, or the dialect's not-found error."""
    model_id = ctx.path_params["model"]
    model = catalog.find(model_id)
    if model is None:
        if ctx.dialect == "anthropic":
            raise MockError(404, f"model: {model_id}")
        if ctx.dialect == "gemini":
            raise MockError(404, f"models/{model_id} is not found for API version v1, or is not supported.")
        raise MockError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")
    if ctx.dialect == "anthropic":
        return JSONResponse(catalog.anthropic_model(model))
    if ctx.dialect == "gemini":
        return JSONResponse(catalog.gemini_model(model))
    return JSONResponse(catalog.openai_model(model))


def anthropic_page(ctx: RequestContext) -> dict:
    """Claude models, newest first, paged with `limit`, `after_id`, `before_id`."""
    models = sorted(catalog.by_owner("anthropic"), key=lambda m: m.created, reverse=True)
    ids = [m.id for m in models]
    limit = _int(ctx.query.get("limit"), 20, 1, 1000)
    start, end = 0, len(models)
    if (after := ctx.query.get("after_id")) in ids:
        start = ids.index(after) + 1
    if (before := ctx.query.get("before_id")) in ids:
        end = ids.index(before)
        start = max(start, end - limit)
    page = models[start:min(end, start + limit)]
    return {"data": [catalog.anthropic_model(m) for m in page], "has_more": start + len(page) < end,
            "first_id": page[0].id if page else None, "last_id": page[-1].id if page else None}


def gemini_page(ctx: RequestContext) -> dict:
    """Gemini models, paged with `pageSize` and `pageToken`."""
    models = catalog.by_owner("google")
    size = _int(ctx.query.get("pageSize"), 50, 1, 1000)
    start = _int(ctx.query.get("pageToken"), 0, 0, len(models))
    body: dict = {"models": [catalog.gemini_model(m) for m in models[start:start + size]]}
    if start + size < len(models):
        body["nextPageToken"] = str(start + size)
    return body


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high) if value is not None else default
    except ValueError:
        raise MockError(400, f"Invalid integer: {value!r}.", code="invalid_value") from None
