"""`GET /_mock/jobs[?limit=&family=]`: the recent async task jobs, each with its status, progress and assets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..tasks.view import summary

if TYPE_CHECKING:
    from ..core.services import Services

MAX_LIMIT = 500


def routes(services: "Services", json, error) -> list[Route]:  # noqa: ANN001 - the control API's responses
    """The jobs route."""

    async def jobs(request: Request) -> Response:
        try:
            limit = min(max(int(request.query_params.get("limit", 50)), 1), MAX_LIMIT)
        except ValueError:
            return error(400, "limit must be an integer")
        family = request.query_params.get("family")
        tasks = services.tasks
        found = [job for job in await tasks.recent(MAX_LIMIT if family else limit)
                 if family is None or job.family == family][:limit]
        data = [summary(tasks, job) for job in found]
        return json({"object": "list", "data": data, "count": len(data), "total": await tasks.table.total()})

    return [Route("/_mock/jobs", jobs, methods=["GET"])]
