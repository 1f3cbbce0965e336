"""`/_mock/...` control routes: the request journal, scenarios, their state, and a global reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .journal import journal_of
from .responses import JSONResponse
from .scenarios.engine import ScenarioEngine
from .scenarios.loader import parse_upload
from .scenarios.model import Scenario

if TYPE_CHECKING:
    from .app import MockServer


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"message": message, **extra}}, status_code=status)


def describe(scenario: Scenario) -> dict:
    """A scenario as the admin API lists it."""
    return {"name": scenario.name, "description": scenario.description, "source": scenario.source,
            "line": scenario.line, "priority": scenario.priority, "mode": scenario.mode, "key": scenario.key,
            "selected_by_header_only": scenario.match.explicit, "operations": scenario.match.operations,
            "steps": len(scenario.steps), "definition": scenario.document}


def routes(server: "MockServer") -> list[Route]:
    """The control routes of one server."""

    def engine() -> ScenarioEngine:
        return server.services["scenarios"]

    async def requests(request: Request) -> Response:
        journal = journal_of(server)
        if request.method == "DELETE":
            journal.clear()
            return JSONResponse({"cleared": True})
        q = request.query_params
        try:
            status = int(q["status"]) if "status" in q else None
            limit = int(q["limit"]) if "limit" in q else None
        except ValueError:
            return _error(400, "status and limit must be integers")
        found = journal.query(path=q.get("path"), scenario=q.get("scenario"), test_id=q.get("test_id"),
                              operation=q.get("operation"), status=status, limit=limit)
        return JSONResponse({"object": "list", "data": found, "count": len(found)})

    async def scenarios(request: Request) -> Response:
        eng = engine()
        if request.method == "GET":
            eng.reload_if_changed()
            return JSONResponse({"object": "list", "data": [describe(s) for s in eng.scenarios],
                                 "directories": [str(d) for d in eng.directories],
                                 "reload_error": eng.last_reload_error})
        raw = await request.body()
        found, errors = parse_upload(raw, request.headers.get("content-type", ""))
        if errors or not found:
            return _error(400, "invalid scenario" if errors else "no scenario in the request body",
                          errors=[str(e) for e in errors])
        eng.add(found)
        return JSONResponse({"added": [s.name for s in found]}, status_code=201)

    async def one_scenario(request: Request) -> Response:
        eng, name = engine(), request.path_params["name"]
        scenario = eng.by_name.get(name)
        if scenario is None:
            return _error(404, f"no scenario named '{name}'")
        if request.method == "DELETE":
            eng.remove(name)
            return JSONResponse({"deleted": name})
        return JSONResponse({**describe(scenario), "state": eng.state.snapshot().get(name, {})})

    async def reset_scenarios(request: Request) -> Response:
        engine().reset()
        return JSONResponse({"reset": True, "scenarios": len(engine().scenarios)})

    async def state(request: Request) -> Response:
        eng = engine()
        if request.method == "GET":
            return JSONResponse({"positions": eng.state.snapshot()})
        if request.method == "DELETE":
            eng.state.reset(request.query_params.get("scenario"), request.query_params.get("key"))
            return JSONResponse({"reset": True})
        try:
            body = orjson.loads(await request.body())
            name, key, position = body["scenario"], str(body.get("key", "")), int(body["position"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _error(400, 'expected JSON {"scenario": name, "key": "<key>", "position": n}')
        if name not in eng.by_name:
            return _error(404, f"no scenario named '{name}'")
        eng.state.set(name, key, position)
        return JSONResponse({"scenario": name, "key": key, "position": position})

    async def reset_all(request: Request) -> Response:
        journal_of(server).clear()
        engine().reset()
        return JSONResponse({"reset": True})

    return [
        Route("/_mock/requests", requests, methods=["GET", "DELETE"]),
        Route("/_mock/scenarios", scenarios, methods=["GET", "POST"]),
        Route("/_mock/scenarios/reset", reset_scenarios, methods=["POST"]),
        Route("/_mock/scenarios/{name}", one_scenario, methods=["GET", "DELETE"]),
        Route("/_mock/state", state, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/_mock/reset", reset_all, methods=["POST"]),
    ]
