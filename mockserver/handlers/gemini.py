"""Gemini native operations besides generation (which the Gemini dialect answers): countTokens, embeddings, models."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..core.errors import MockError
from ..dialects import gemini
from .embeddings import vectors_answer


async def count_tokens(ctx: RequestContext) -> Answer:
    """`:countTokens`: `{"totalTokens": n, "promptTokensDetails": [...]}`."""
    return JsonAnswer(gemini.count_tokens_body(ctx))


async def embed(ctx: RequestContext) -> Answer:
    """`:embedContent`: `{"embedding": {"values": [...]}}`."""
    vector = await run_in_threadpool(gemini.embedding_values, ctx, ctx.body or {})
    return vectors_answer({"embedding": {"values": vector}})


async def batch_embed(ctx: RequestContext) -> Answer:
    """`:batchEmbedContents`: one embedding per request, in order (google-genai's `embed_content`)."""
    requests = (ctx.body or {}).get("requests") or []
    vectors = await run_in_threadpool(lambda: [gemini.embedding_values(ctx, r, f"requests[{i}].")
                                               for i, r in enumerate(requests)])
    return vectors_answer({"embeddings": [{"values": v} for v in vectors]})


async def list_models(ctx: RequestContext) -> Answer:
    """`GET /v1beta/models`: one page of Gemini models."""
    size = ctx.query.get("pageSize")
    return JsonAnswer(gemini.list_models_body(gemini.gemini_model_ids(), int(size) if size else None,
                                                ctx.query.get("pageToken")))


async def get_model(ctx: RequestContext) -> Answer:
    """`GET /v1beta/models/{model}`: one model resource, or Gemini's 404."""
    model = gemini.model_name(ctx)
    if not gemini.is_known_model(model):
        raise MockError(404, f"models/{model} is not found for API version {gemini.api_version(ctx)}, or is not "
                             "supported for GetModel. Call ListModels to see the list of available models.")
    return JsonAnswer(gemini.model_resource(model))
