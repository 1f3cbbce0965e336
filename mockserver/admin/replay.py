"""A journaled request made reusable: as scenario YAML that answers it the same way, or as a curl command."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..scenarios.from_exchange import Exchange, scenario_for
from ..scenarios.loader import dump_yaml
from .curl import curl_for

if TYPE_CHECKING:
    from ..state.journal import Journal

_UNSAFE = re.compile(r"[^a-z0-9]+")


def default_name(entry: dict) -> str:
    """`recorded-<operation or model>-<id>`."""
    subject = _UNSAFE.sub("-", str(entry.get("operation") or entry.get("model") or "request").lower()).strip("-")
    return f"recorded-{subject}-{entry['id']}"


def routes(journal: "Journal", error) -> list[Route]:  # noqa: ANN001 - the control API's error response
    """`GET /_mock/requests/{id}/scenario[?name=]` (YAML) and `GET /_mock/requests/{id}/curl` (text)."""

    async def entry_or_404(request: Request) -> dict | Response:
        found = await journal.get(request.path_params["id"])
        return found if found is not None else error(404, f"no request {request.path_params['id']} in the journal")

    async def as_scenario(request: Request) -> Response:
        entry = await entry_or_404(request)
        if isinstance(entry, Response):
            return entry
        document = scenario_for(Exchange.from_journal(entry), request.query_params.get("name") or default_name(entry))
        return Response(dump_yaml(document), media_type="application/yaml; charset=utf-8")

    async def as_curl(request: Request) -> Response:
        entry = await entry_or_404(request)
        if isinstance(entry, Response):
            return entry
        return Response(curl_for(entry, str(request.base_url)), media_type="text/plain; charset=utf-8")

    return [Route("/_mock/requests/{id:int}/scenario", as_scenario, methods=["GET"]),
            Route("/_mock/requests/{id:int}/curl", as_curl, methods=["GET"])]
