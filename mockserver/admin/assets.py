"""`GET /_mock/assets/...`: the stateless media URLs handed out as links, public like CDN links, cacheable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ..core.answers import Answer
from ..core.errors import MockError
from ..dialects.openai import OPENAI
from ..media.assets import CACHE, PREFIX, AssetError, audio_asset, image_asset, video_asset

Render = Callable[[dict[str, str]], tuple[bytes, str]]


def _endpoint(render: Render):  # noqa: ANN202 - a Starlette endpoint factory
    async def endpoint(request: Request) -> Answer:
        try:
            body, media_type = await run_in_threadpool(render, request.path_params)
        except AssetError as exc:
            return _error(exc.status, exc.message)
        except ValueError as exc:  # the renderers' own range checks
            return _error(400, str(exc))
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
        if request.headers.get("if-none-match") == etag:
            return Answer(status_code=304, headers={**CACHE, "etag": etag})
        return Answer(body, media_type=media_type, headers={**CACHE, "etag": etag})
    return endpoint


def _error(status: int, message: str) -> Answer:
    request_id = OPENAI.new_request_id()
    return OPENAI.error_answer(MockError(status, message, code="invalid_asset_url"), request_id)


def routes() -> list[Route]:
    """The asset routes (GET and HEAD)."""
    return [
        Route(PREFIX + "/image/{size}/{name}", _endpoint(image_asset), methods=["GET"]),
        Route(PREFIX + "/audio/{seconds}/{name}", _endpoint(audio_asset), methods=["GET"]),
        Route(PREFIX + "/video/{size}/{seconds}/{name}", _endpoint(video_asset), methods=["GET"]),
    ]
