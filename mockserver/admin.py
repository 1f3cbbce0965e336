"""The mock's own routes: health, the spec it serves, and (later) control and journal."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import assets, control
from .responses import JSONResponse

if TYPE_CHECKING:
    from .app import MockServer


def routes(server: "MockServer") -> list[Route]:
    """Routes served before the spec's."""

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "operations": len(server.spec.operations),
                             "uptime_s": round(time.time() - server.started_at, 3)})

    async def openapi_yaml(request: Request) -> Response:
        return Response(server.spec.yaml_bytes, media_type="application/yaml")

    async def openapi_json(request: Request) -> Response:
        return Response(server.spec.json_bytes, media_type="application/json")

    return [
        *assets.routes(server),
        *control.routes(server),
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_x-steady/health", health, methods=["GET"]),
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/_x-steady/spec", openapi_json, methods=["GET"]),
    ]
