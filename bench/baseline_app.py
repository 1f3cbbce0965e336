"""The limit: a bare Starlette app answering fixed bytes, run with the same uvicorn settings as `mockserver serve`.

`python baseline_app.py PORT PATH=FILE...`: POST PATH reads the request body and answers FILE's bytes as JSON. A
`.sse` FILE answers requests whose body asks for `"stream":true`, one SSE frame per body chunk, unpaced. A `.paced`
FILE answers requests carrying `X-Bench-Pace-Ms: N`, frame k sent at k × N ms after the request on an exact
schedule: the best a paced stream can do on this machine. GET /_bare/health answers 200.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

STREAM = b'"stream":true'
PACE = "x-bench-pace-ms"


def frames_of(body: bytes | None) -> list[bytes]:
    """The SSE frames of a recorded stream."""
    return [frame + b"\n\n" for frame in (body or b"").split(b"\n\n") if frame.strip()]


async def unpaced(frames: list[bytes]) -> AsyncIterator[bytes]:
    """Each frame as its own body chunk."""
    for frame in frames:
        yield frame


async def paced(frames: list[bytes], every_ms: float) -> AsyncIterator[bytes]:
    """Frame k at k × `every_ms` after the start, however late the previous one was."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for k, frame in enumerate(frames):
        delay = start + k * every_ms / 1000 - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        yield frame


def route(path: str, answers: dict[str, bytes]) -> Route:
    """POST `path` → the JSON answer, the stream when one is asked for, the paced stream when a pace is given."""
    body, stream, slow = answers.get("json"), frames_of(answers.get("sse")), frames_of(answers.get("paced"))

    async def answer(request: Request) -> Response:
        received = await request.body()
        if slow and PACE in request.headers:
            return StreamingResponse(paced(slow, float(request.headers[PACE])), media_type="text/event-stream")
        if stream and (body is None or STREAM in received):
            return StreamingResponse(unpaced(stream), media_type="text/event-stream")
        return Response(body, media_type="application/json")

    return Route(path, answer, methods=["POST"])


def build(files: list[tuple[str, Path]]) -> Starlette:
    """The app: one route per path, answering the bytes of that path's files."""

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    answers: dict[str, dict[str, bytes]] = {}
    for path, file in files:
        answers.setdefault(path, {})[file.suffix.lstrip(".")] = file.read_bytes()
    return Starlette(routes=[Route("/_bare/health", health, methods=["GET"])]
                     + [route(path, kinds) for path, kinds in answers.items()])


if __name__ == "__main__":
    port = int(sys.argv[1])
    files = [(path, Path(file)) for path, _, file in (arg.partition("=") for arg in sys.argv[2:])]
    # The same call as `mockserver serve` (mockserver/cli.py): the same loop and the same HTTP protocol class.
    from mockserver.cli import UVICORN_OPTIONS

    uvicorn.run(build(files), host="127.0.0.1", port=port, **UVICORN_OPTIONS)
