"""`GET /_mock/requests/stream`: the journal as it grows, over SSE (`request` for a new entry, `update` when a
stream it holds is over), with the filters of `GET /_mock/requests`, `since=<id>` (or `Last-Event-ID`) and `limit` (of the backlog)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..state.journal import entry_filter

if TYPE_CHECKING:
    from ..state.journal import Journal, JournalEntry

QUEUE_LIMIT = 5000
TICK_S = 1.0  # how often an idle feed looks whether the server is shutting down
PING_EVERY = 15  # ticks between keep-alive comments
HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def event(name: str, summary: dict[str, Any]) -> bytes:
    """One SSE frame carrying a journal summary, with the entry id as the event id."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (summary["id"], name.encode(), orjson.dumps(summary))


def shutting_down(receive: Any) -> Callable[[], bool]:
    """Whether the server has begun a graceful shutdown (uvicorn then stops keeping the connection alive).

    uvicorn waits for open responses before it exits, so a feed that never ends would hold up Ctrl-C.
    """
    cycle = getattr(receive, "__self__", None)
    if cycle is None or not hasattr(cycle, "keep_alive") or not cycle.keep_alive:
        return lambda: False
    return lambda: not cycle.keep_alive


def endpoint(journal: "Journal", parse_filters: Callable[[Any], dict[str, Any]]):  # noqa: ANN201
    """The feed's Starlette endpoint."""

    async def feed(request: Request) -> Response:
        q = request.query_params
        try:
            filters = parse_filters(q)
            since = int(q.get("since") or request.headers.get("last-event-id") or 0)
            limit = int(q["limit"]) if "limit" in q else None
            if limit is not None and limit < 1:
                raise ValueError(limit)
        except ValueError:
            return Response(orjson.dumps({"error": {"message": "status must be an integer or a class like 4xx; "
                                                               "since an integer, limit a positive integer"}}),
                            status_code=400, media_type="application/json")
        return StreamingResponse(_events(journal, filters, since, limit, shutting_down(request.receive)),
                                 media_type="text/event-stream", headers=HEADERS)
    return feed


async def _events(journal: "Journal", filters: dict[str, Any], since: int, limit: int | None,
                  closing: Callable[[], bool]) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[JournalEntry | None] = asyncio.Queue(QUEUE_LIMIT)

    def listen(entry: "JournalEntry") -> None:
        try:
            queue.put_nowait(entry)
        except asyncio.QueueFull:  # a reader far behind: tell it to reload rather than grow without bound
            _drain(queue)
            queue.put_nowait(None)

    unsubscribe = journal.subscribe(listen)  # before the backlog is read, so nothing falls between the two
    keep = entry_filter(**filters)
    try:
        yield b"retry: 1000\n\n"
        newest = since
        for summary in await journal.query(**filters, since=since, limit=limit):
            newest = summary["id"]
            yield event("request", summary)
        idle = 0
        while True:
            try:
                entry = await asyncio.wait_for(queue.get(), TICK_S)
            except TimeoutError:
                if closing():
                    return
                idle += 1
                if idle % PING_EVERY == 0:
                    yield b": ping\n\n"
                continue
            if entry is None:
                yield b"event: overflow\ndata: {}\n\n"
                continue
            summary = entry.to_json()
            if not keep(summary):
                continue
            yield event("request" if summary["id"] > newest else "update", summary)
            newest = max(newest, summary["id"])
    finally:
        unsubscribe()


def _drain(queue: asyncio.Queue) -> None:
    while not queue.empty():
        queue.get_nowait()
