"""`GET /_mock/recordings/{file}`: the media a recording stored beside its YAML, public like the other asset URLs."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route

from ..core.answers import Answer
from ..core.errors import MockError
from ..dialects.openai import OPENAI
from ..media.assets import CACHE
from ..proxy.assets import NOT_ASSET_SUFFIXES, ROUTE

if TYPE_CHECKING:
    from ..core.services import Services


def find(directories: list[Path], name: str) -> Path | None:
    """The file `name` (a path relative to a scenario directory, or a bare file name found below one)."""
    parts = Path(name).parts
    if not parts or any(p in ("..", "") or p.startswith(".") for p in parts) or name.endswith(NOT_ASSET_SUFFIXES):
        return None
    for directory in directories:
        candidate = directory / name
        if candidate.is_file() and candidate.resolve().is_relative_to(directory.resolve()):
            return candidate
    if len(parts) == 1:  # a recording moved into a subdirectory keeps working
        for directory in directories:
            for candidate in directory.rglob(name):
                if candidate.is_file() and not any(p.startswith(".") for p in candidate.relative_to(directory).parts):
                    return candidate
    return None


def routes(services: "Services") -> list[Route]:
    """The recordings route (GET and HEAD)."""

    def directories() -> list[Path]:
        found = list(services.scenarios.directories) if services.scenarios is not None else []
        record_dir = services.settings.record_dir
        return found + [Path(record_dir)] if record_dir is not None else found

    async def recording(request: Request) -> Answer:
        name = request.path_params["name"]
        path = await run_in_threadpool(find, directories(), name)
        if path is None:
            error = MockError(404, f"No recorded file '{name}' in the scenario directories.", code="invalid_asset_url")
            return OPENAI.error_answer(error, OPENAI.new_request_id())
        body = await run_in_threadpool(path.read_bytes)
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Answer(body, media_type=media, headers=CACHE)

    return [Route(ROUTE + "/{name:path}", recording, methods=["GET"])]
