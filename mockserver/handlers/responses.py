"""OpenAI Responses API, the stored-response operations: retrieve, delete, cancel, list input items.

`POST /v1/responses` itself is answered by the Responses dialect (`dialects/openai_responses.py`).
"""

from __future__ import annotations

from ..core.answers import Answer, JsonAnswer
from ..core.context import RequestContext
from ..core.errors import MockError
from ..dialects import openai_responses as dialect
from ..state.responses import StoredResponse


async def retrieve(ctx: RequestContext) -> Answer:
    """The stored Response (a queued background one has completed by now); `?stream=true` replays its events."""
    entry = await _stored(ctx)
    if dialect.settle(entry):
        await ctx.services.state.responses.put(entry)
    if ctx.query.get("stream", "").lower() == "true":
        after = ctx.query.get("starting_after")
        if after is not None and not (after.isascii() and after.lstrip("-").isdigit()):
            raise MockError(400, "Invalid 'starting_after': expected an integer.", param="starting_after",
                            code="invalid_type")
        return dialect.replay(ctx, entry.response, int(after) if after is not None else None)
    return JsonAnswer(entry.response)


async def delete(ctx: RequestContext) -> Answer:
    """Forget a stored response."""
    response_id = ctx.path_params["response_id"]
    if not await ctx.services.state.responses.delete(response_id):
        raise _not_found(response_id)
    return JsonAnswer({"id": response_id, "object": "response", "deleted": True})


async def cancel(ctx: RequestContext) -> Answer:
    """Cancel a queued background response; anything already finished cannot be cancelled."""
    entry = await _stored(ctx)
    status = entry.response["status"]
    if entry.final is not None:
        entry.response, entry.final = dialect.cancelled_copy(entry.final), None
        await ctx.services.state.responses.put(entry)
    elif status != "cancelled":
        raise MockError(400, f"Cannot cancel a {status} response.", param=None, code=None)
    return JsonAnswer(entry.response)


async def input_items(ctx: RequestContext) -> Answer:
    """A cursor page of the request's own input items (`order`, `after`, `before`, `limit`)."""
    entry = await _stored(ctx)
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
    return JsonAnswer({"object": "list", "data": page,
                         "first_id": page[0].get("id") if page else None,
                         "last_id": page[-1].get("id") if page else None,
                         "has_more": len(items) > limit})


async def _stored(ctx: RequestContext) -> StoredResponse:
    response_id = ctx.path_params["response_id"]
    entry = await ctx.services.state.responses.get(response_id)
    if entry is None:
        raise _not_found(response_id)
    return entry


def _not_found(response_id: str) -> MockError:
    return MockError(404, f"Response with id '{response_id}' not found.", param=None, code=None)
