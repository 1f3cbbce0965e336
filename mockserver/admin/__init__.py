"""The mock's own routes: health, the spec it serves, media assets, and the `/_mock` control API."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.errors import MockError
from . import assets, control, recordings

if TYPE_CHECKING:
    from ..core.services import Services

PREFIXES = ("/_mock/", "/_x-steady/", "/openapi.")


def routes(services: "Services") -> list[Route]:
    """Routes served before the spec's."""

    async def health(request: Request) -> Response:
        return control.json({"status": "ok", "operations": len(services.spec.operations),
                             "uptime_s": round(time.time() - services.started_at, 3),
                             "state": services.state.describe(), "pid": os.getpid()})

    async def openapi_yaml(request: Request) -> Response:
        return Response(services.spec.yaml_bytes, media_type="application/yaml")

    async def openapi_json(request: Request) -> Response:
        return Response(services.spec.json_bytes, media_type="application/json")

    return [
        *assets.routes(),
        *recordings.routes(services),
        *control.routes(services),
        Route("/_mock/health", health, methods=["GET"]),
        Route("/_x-steady/health", health, methods=["GET"]),
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/_x-steady/spec", openapi_json, methods=["GET"]),
    ]


EXCEPTION_HANDLERS = {MockError: control.mock_error}


def is_admin(path: str) -> bool:
    """Whether a path belongs to the mock itself rather than the spec."""
    return path.startswith(PREFIXES)
