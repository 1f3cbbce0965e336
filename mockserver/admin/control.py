"""`/_mock/...` control routes: the request journal, scenarios, their state, and a global reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.errors import MockError
from ..scenarios.loader import parse_upload
from ..scenarios.model import Scenario

if TYPE_CHECKING:
    from ..core.services import Services


def json(content: Any, status_code: int = 200) -> Response:
    """A compact JSON response."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


def _error(status: int, message: str, **extra: Any) -> Response:
    return json({"error": {"message": message, **extra}}, status_code=status)


async def mock_error(request: Request, exc: Exception) -> Response:
    """A control route that needed shared state while it was away: its status (503) and message."""
    assert isinstance(exc, MockError)
    response = _error(exc.status, exc.message, code=exc.code)
    response.headers.update(exc.headers or {})
    return response


def describe(scenario: Scenario) -> dict:
    """A scenario as the admin API lists it."""
    return {"name": scenario.name, "description": scenario.description, "source": scenario.source,
            "line": scenario.line, "priority": scenario.priority, "mode": scenario.mode, "key": scenario.key,
            "selected_by_header_only": scenario.match.explicit, "operations": scenario.match.operations,
            "steps": len(scenario.steps), "definition": scenario.document}


def routes(services: "Services") -> list[Route]:
    """The control routes of one server."""
    state = services.state

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            await state.journal.clear()
            return json({"cleared": True})
        q = request.query_params
        try:
            status = int(q["status"]) if "status" in q else None
            limit = int(q["limit"]) if "limit" in q else None
        except ValueError:
            return _error(400, "status and limit must be integers")
        found = await state.journal.query(path=q.get("path"), scenario=q.get("scenario"), test_id=q.get("test_id"),
                                          operation=q.get("operation"), status=status, limit=limit)
        return json({"object": "list", "data": found, "count": len(found)})

    async def scenarios(request: Request) -> Response:
        engine = services.scenarios
        if request.method == "GET":
            engine.reload_if_changed()
            return json({"object": "list", "data": [describe(s) for s in engine.scenarios],
                         "directory": str(engine.directory),
                         "directories": [str(d) for d in engine.directories],
                         "reload_error": engine.last_reload_error})
        raw = await request.body()
        found, errors = parse_upload(raw, request.headers.get("content-type", ""))
        if errors or not found:
            return _error(400, "invalid scenario" if errors else "no scenario in the request body",
                          errors=[str(e) for e in errors])
        await engine.add(found)
        return json({"added": [s.name for s in found]}, status_code=201)

    async def one_scenario(request: Request) -> Response:
        engine, name = services.scenarios, request.path_params["name"]
        scenario = engine.by_name.get(name)
        if scenario is None:
            return _error(404, f"no scenario named '{name}'")
        if request.method == "DELETE":
            await engine.remove(name)
            return json({"deleted": name})
        positions = await state.counters.snapshot()
        return json({**describe(scenario), "state": positions.get(name, {})})

    async def reset_scenarios(request: Request) -> Response:
        await services.scenarios.reset()
        return json({"reset": True, "scenarios": len(services.scenarios.scenarios)})

    async def positions(request: Request) -> Response:
        if request.method == "GET":
            return json({"positions": await state.counters.snapshot()})
        if request.method == "DELETE":
            await state.counters.reset(request.query_params.get("scenario"), request.query_params.get("key"))
            return json({"reset": True})
        try:
            body = orjson.loads(await request.body())
            name, key, position = body["scenario"], str(body.get("key", "")), int(body["position"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _error(400, 'expected JSON {"scenario": name, "key": "<key>", "position": n}')
        if name not in services.scenarios.by_name:
            return _error(404, f"no scenario named '{name}'")
        await state.counters.set(name, key, position)
        return json({"scenario": name, "key": key, "position": position})

    async def reset_all(request: Request) -> Response:
        await state.journal.clear()
        await services.scenarios.reset()
        return json({"reset": True})

    return [
        Route("/_mock/requests", requests, methods=["GET", "DELETE"]),
        Route("/_mock/scenarios", scenarios, methods=["GET", "POST"]),
        Route("/_mock/scenarios/reset", reset_scenarios, methods=["POST"]),
        Route("/_mock/scenarios/{name}", one_scenario, methods=["GET", "DELETE"]),
        Route("/_mock/state", positions, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/_mock/reset", reset_all, methods=["POST"]),
    ]
