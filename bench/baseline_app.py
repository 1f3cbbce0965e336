"""The baseline: a bare Starlette endpoint that returns fixed bytes, served exactly like the mock."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(body: bytes, path: str) -> Starlette:
    """One POST route answering `body` as JSON after reading the request."""

    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route(path, answer, methods=["POST"])])


if __name__ == "__main__":
    port, body_file, path = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    uvicorn.run(build(body_file.read_bytes(), path), host="127.0.0.1", port=port, log_level="warning",
                access_log=False)
