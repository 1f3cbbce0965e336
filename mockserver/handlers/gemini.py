"""Gemini native operations: generateContent, streamGenerateContent, countTokens, embeddings, models."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ..context import RequestContext
from ..dialects import gemini
from ..errors import MockError
from ..responses import JSONResponse


async def generate(ctx: RequestContext) -> Response:
    """`:generateContent`: one GenerateContentResponse."""
    conversation = ctx.conversation(gemini.parse)
    return gemini.render(ctx, gemini.default_reply(ctx, conversation), conversation)


async def stream_generate(ctx: RequestContext) -> Response:
    """`:streamGenerateContent`: SSE chunks with `alt=sse`, else one JSON array of chunks."""
    conversation = ctx.conversation(gemini.parse)
    return gemini.render(ctx, gemini.default_reply(ctx, conversation), conversation)


async def count_tokens(ctx: RequestContext) -> Response:
    """`:countTokens`: `{"totalTokens": n, "promptTokensDetails": [...]}`."""
    return JSONResponse(gemini.count_tokens_body(ctx))


async def embed(ctx: RequestContext) -> Response:
    """`:embedContent`: `{"embedding": {"values": [...]}}`."""
    vector = await run_in_threadpool(gemini.embedding_values, ctx, ctx.body or {})
    return JSONResponse({"embedding": {"values": vector}})


async def batch_embed(ctx: RequestContext) -> Response:
    """`:batchEmbedContents`: one embedding per request, in order (google-genai's `embed_content`)."""
    requests = (ctx.body or {}).get("requests") or []
    vectors = await run_in_threadpool(lambda: [gemini.embedding_values(ctx, r, f"requests[{i}].")
                                               for i, r in enumerate(requests)])
    return JSONResponse({"embeddings": [{"values": v} for v in vectors]})


async def list_models(ctx: RequestContext) -> Response:
    """`GET /v1beta/models`: one page of Gemini models."""
    size = ctx.query.get("pageSize")
    return JSONResponse(gemini.list_models_body(gemini.gemini_model_ids(), int(size) if size else None,
                                                ctx.query.get("pageToken")))


async def get_model(ctx: RequestContext) -> Response:
    """`GET /v1beta/models/{model}`: one model resource, or Gemini's 404."""
    model = gemini.model_name(ctx)
    if not gemini.is_known_model(model):
        raise MockError(404, f"models/{model} is not found for API version {gemini.api_version(ctx)}, or is not "
                             "supported for GetModel. Call ListModels to see the list of available models.")
    return JSONResponse(gemini.model_resource(model))
