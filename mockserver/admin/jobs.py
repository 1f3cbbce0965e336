"""`GET /_mock/jobs[?limit=&family=]`: the recent async task jobs, each with its status, progress and assets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..tasks import families
from ..tasks.view import summary

if TYPE_CHECKING:
    from ..core.services import Services

MAX_LIMIT = 500


def routes(services: "Services", json, error) -> list[Route]:  # noqa: ANN001 - the control API's responses
    """The jobs route."""

    async def jobs(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit", 50))
            if limit < 1:
                raise ValueError(limit)
        except ValueError:
            return error(400, "limit must be a positive integer")
        limit = min(limit, MAX_LIMIT)
        family = request.query_params.get("family")
        if family is not None and family not in families():
            return error(400, f"unknown family '{family}' (known: {', '.join(sorted(families()))})")
        tasks = services.tasks
        found = [job for job in await tasks.recent(MAX_LIMIT if family else limit)
                 if family is None or job.family == family][:limit]
        data = [summary(tasks, job) for job in found]
        return json({"object": "list", "data": data, "count": len(data), "total": await tasks.table.total()})

    return [Route("/_mock/jobs", jobs, methods=["GET"])]
