"""OpenAI Responses API: create, retrieve, delete, cancel, list input items."""

from __future__ import annotations

from starlette.responses import Response

from .. import tokens
from ..context import RequestContext
from ..dialects import openai_responses as dialect
from ..engine import default_reply
from ..errors import MockError
from ..reply import Reply
from ..response_store import StoredResponse, store_for
from ..responses import JSONResponse


async def create(ctx: RequestContext) -> Response:
    """`POST /v1/responses`: the default reply in the Responses shape, JSON or streamed."""
    conversation = ctx.conversation(dialect.parse)
    reply = default_reply(conversation, key=dialect.reply_key(ctx), seed=ctx.seed)
    _spend_budget_on_reasoning_first(reply, conversation.max_tokens)
    return dialect.render(ctx, reply, conversation)


def _spend_budget_on_reasoning_first(reply: Reply, limit: int | None) -> None:
    """`max_output_tokens` covers reasoning too: what reasoning used is gone before any text is written."""
    candidate = reply.first
    if limit is None or not reply.usage.reasoning_tokens or candidate.tool_calls:
        return
    reasoning = min(reply.usage.reasoning_tokens, limit)
    text, cut = tokens.truncate(candidate.text or "", limit - reasoning)
    if cut:
        candidate.text, candidate.finish = (text or None), "length"
        reply.usage.reasoning_tokens = reasoning
        reply.usage.completion_tokens = reasoning + tokens.count(text)


async def retrieve(ctx: RequestContext) -> Response:
    """The stored Response (a queued background one has completed by now); `?stream=true` replays its events."""
    entry = _stored(ctx)
    dialect.settle(entry)
    if ctx.query.get("stream", "").lower() == "true":
        after = ctx.query.get("starting_after")
        if after is not None and not (after.isascii() and after.lstrip("-").isdigit()):
            raise MockError(400, "Invalid 'starting_after': expected an integer.", param="starting_after",
                            code="invalid_type")
        return dialect.replay(ctx, entry.response, int(after) if after is not None else None)
    return JSONResponse(entry.response)


async def delete(ctx: RequestContext) -> Response:
    """Forget a stored response."""
    response_id = ctx.path_params["response_id"]
    if not store_for(ctx).delete(response_id):
        raise _not_found(response_id)
    return JSONResponse({"id": response_id, "object": "response", "deleted": True})


async def cancel(ctx: RequestContext) -> Response:
    """Cancel a queued background response; anything already finished cannot be cancelled."""
    entry = _stored(ctx)
    status = entry.response["status"]
    if entry.final is not None:
        entry.response, entry.final = dialect.cancelled_copy(entry.final), None
    elif status != "cancelled":
        raise MockError(400, f"Cannot cancel a {status} response.", param=None, code=None)
    return JSONResponse(entry.response)


async def input_items(ctx: RequestContext) -> Response:
    """A cursor page of the request's own input items (`order`, `after`, `before`, `limit`)."""
    entry = _stored(ctx)
    items = list(entry.input_items)
    if ctx.query.get("order", "desc") == "desc":
        items.reverse()
    ids = [item.get("id") for item in items]
    for cursor, keep_after in (("after", True), ("before", False)):
        value = ctx.query.get(cursor)
        if value is None:
            continue
        if value not in ids:
            raise MockError(400, f"Invalid '{cursor}': no input item with id '{value}' in this response.",
                            param=cursor, code="invalid_value")
        position = ids.index(value)
        items, ids = (items[position + 1:], ids[position + 1:]) if keep_after else (items[:position], ids[:position])
    limit = int(ctx.query.get("limit", 20))
    page = items[:limit]
    return JSONResponse({"object": "list", "data": page,
                         "first_id": page[0].get("id") if page else None,
                         "last_id": page[-1].get("id") if page else None,
                         "has_more": len(items) > limit})


def _stored(ctx: RequestContext) -> StoredResponse:
    response_id = ctx.path_params["response_id"]
    entry = store_for(ctx).get(response_id)
    if entry is None:
        raise _not_found(response_id)
    return entry


def _not_found(response_id: str) -> MockError:
    return MockError(404, f"Response with id '{response_id}' not found.", param=None, code=None)
