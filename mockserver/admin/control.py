"""`/_mock/...` control routes: the request journal, scenarios, their state, and a global reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.errors import MockError
from ..scenarios.from_exchange import Exchange, read_reply
from ..scenarios.loader import dump_yaml, parse_upload
from ..scenarios.model import Scenario
from ..state.base import SCOPE_SEPARATOR
from . import feed, jobs, replay

if TYPE_CHECKING:
    from ..core.services import Services


def json(content: Any, status_code: int = 200) -> Response:
    """A compact JSON response."""
    return Response(orjson.dumps(content), status_code=status_code, media_type="application/json")


def _error(status: int, message: str, **extra: Any) -> Response:
    return json({"error": {"message": message, **extra}}, status_code=status)


def journal_filters(q: Any) -> dict[str, Any]:
    """The journal filters of a query string (`status` an integer or a class like `4xx`); ValueError when bad."""
    status: int | str | None = q.get("status") or None
    if isinstance(status, str):
        if len(status) == 3 and status[0] in "12345" and status[1:].lower() == "xx":
            status = status.lower()
        else:
            status = int(status)
    return {"path": q.get("path"), "scenario": q.get("scenario"), "test_id": q.get("test_id"),
            "operation": q.get("operation"), "status": status, "text": q.get("q") or None}


def positive(q: Any, name: str) -> int | None:
    """An optional positive integer parameter; ValueError when it is not one."""
    if name not in q:
        return None
    value = int(q[name])
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


async def mock_error(request: Request, exc: Exception) -> Response:
    """A control route that needed shared state while it was away: its status (503) and message."""
    assert isinstance(exc, MockError)
    response = _error(exc.status, exc.message, code=exc.code)
    response.headers.update(exc.headers or {})
    return response


def describe(scenario: Scenario, engine: Any = None, hits: dict[str, int] | None = None) -> dict:
    """A scenario as the admin API lists it."""
    out = {"name": scenario.name, "description": scenario.description, "source": scenario.source,
           "line": scenario.line, "priority": scenario.priority, "mode": scenario.mode, "key": scenario.key,
           "selected_by_header_only": scenario.match.explicit, "operations": scenario.match.operations,
           "steps": len(scenario.steps), "definition": scenario.document}
    if engine is not None:
        out["enabled"] = scenario.name not in engine.disabled
        out["added"] = any(s is scenario for s in engine.added)
    if hits is not None:
        out["hits"] = hits.get(scenario.name, 0)
    return out


def _invalid(errors: list, empty_message: str) -> Response:
    """A 400 listing each loader error as `source:line: reason` and as {line, reason}."""
    return _error(400, "invalid scenario" if errors else empty_message, errors=[str(e) for e in errors],
                  problems=[{"line": e.line, "reason": e.reason} for e in errors])


def routes(services: "Services") -> list[Route]:
    """The control routes of one server."""
    state = services.state

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            await state.journal.clear()
            return json({"cleared": True})
        q = request.query_params
        try:
            filters = journal_filters(q)
            limit = positive(q, "limit")
            since = int(q["since"]) if "since" in q else None
        except ValueError:
            return _error(400, "status must be an integer or a class like 4xx; limit a positive integer, since an "
                               "integer")
        found = await state.journal.query(**filters, since=since, limit=limit)
        return json({"object": "list", "data": found, "count": len(found)})

    async def one_request(request: Request) -> Response:
        found = await state.journal.get(request.path_params["id"])
        if found is None:
            return _error(404, f"no request {request.path_params['id']} in the journal (it keeps the last "
                               f"{state.journal.limit})")
        return json({**found, "reply": read_reply(Exchange.from_journal(found))})

    async def scenarios(request: Request) -> Response:
        engine = services.scenarios
        scope = request.query_params.get("scope")
        if scope is not None:
            return await test_scenarios(request, scope)
        if request.method == "DELETE":
            return _error(400, "DELETE /_mock/scenarios needs ?scope=<test id> (POST /_mock/scenarios/reset "
                               "resets them all)")
        if request.method == "GET":
            engine.reload_if_changed()
            hits = await state.counters.hit_counts()
            positions = await state.counters.snapshot()
            return json({"object": "list",
                         "data": [{**describe(s, engine, hits), "positions": positions.get(s.name, {})}
                                  for s in engine.scenarios],
                         "directory": str(engine.directory),
                         "directories": [str(d) for d in engine.directories],
                         "reload_error": engine.last_reload_error})
        return await add_scenarios(request, None)

    async def test_scenarios(request: Request, scope: str) -> Response:
        """A test's own scenarios (`?scope=<test id>`): they answer only that test's requests."""
        engine = services.scenarios
        if not scope or SCOPE_SEPARATOR in scope:
            return _error(400, "scope must be a test id (the X-Test-Id value, or the <id> of an sk-mock-test-<id> key)")
        if request.method == "DELETE":
            return json({"deleted": await engine.remove_scope(scope), "scope": scope})
        if request.method == "GET":
            return json({"object": "list", "data": [describe(s) for s in engine.of_scope(scope)], "scope": scope})
        return await add_scenarios(request, scope)

    async def add_scenarios(request: Request, scope: str | None) -> Response:
        raw = await request.body()
        found, errors = parse_upload(raw, request.headers.get("content-type", ""),
                                     request.query_params.get("source") or "request body")
        if errors or not found:
            return _invalid(errors, "no scenario in the request body")
        await services.scenarios.add(found, scope=scope)
        return json({"added": [s.name for s in found], **({"scope": scope} if scope else {})}, status_code=201)

    async def one_scenario(request: Request) -> Response:
        engine, name = services.scenarios, request.path_params["name"]
        scope = request.query_params.get("scope")
        if scope:
            if request.method == "DELETE" and await engine.remove_scope(scope, name):
                return json({"deleted": name, "scope": scope})
            found = [s for s in engine.of_scope(scope) if s.name == name]
            if not found:
                return _error(404, f"no scenario named '{name}' for test '{scope}'")
            return json({**describe(found[0]), "scope": scope})
        scenario = engine.by_name.get(name)
        if scenario is None:
            return _error(404, f"no scenario named '{name}'")
        if request.method == "DELETE":
            await engine.remove(name)
            return json({"deleted": name})
        if request.method == "PUT":
            found, errors = parse_upload(await request.body(), request.headers.get("content-type", ""))
            if not errors and len(found) != 1:
                return _error(400, f"expected one scenario in the request body, not {len(found)}")
            if errors:
                return _invalid(errors, "")
            renamed = found[0].name
            if renamed != name and renamed in engine.by_name:
                return _error(409, f"cannot rename '{name}' to '{renamed}': a scenario of that name exists (edit or "
                                   "delete that one instead); nothing was changed")
            await engine.replace(name, found[0])
            return json({"replaced": name, "name": found[0].name})
        positions = await state.counters.snapshot()
        hits = await state.counters.hit_counts()
        return json({**describe(scenario, engine, hits), "state": positions.get(name, {}),
                     "yaml": dump_yaml(scenario.document)})

    def toggle(enabled: bool):  # noqa: ANN202 - a Starlette endpoint factory
        async def endpoint(request: Request) -> Response:
            engine, name = services.scenarios, request.path_params["name"]
            if name not in engine.by_name:
                return _error(404, f"no scenario named '{name}'")
            await engine.enable(name, enabled)
            return json({"name": name, "enabled": enabled})
        return endpoint

    async def reset_scenarios(request: Request) -> Response:
        await services.scenarios.reset()
        return json({"reset": True, "scenarios": len(services.scenarios.scenarios)})

    async def positions(request: Request) -> Response:
        if request.method == "GET":
            return json({"positions": await state.counters.snapshot()})
        if request.method == "DELETE":
            name = request.query_params.get("scenario")
            if name is not None and name not in services.scenarios.by_name:
                return _error(404, f"no scenario named '{name}'")
            await state.counters.reset(name, request.query_params.get("key"))
            return json({"reset": True})
        try:
            body = orjson.loads(await request.body())
            name, key, position = body["scenario"], str(body.get("key", "")), body["position"]
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                raise ValueError("position")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return _error(400, 'expected JSON {"scenario": name, "key": "<key>", "position": n} (n a whole number, '
                               '0 for the first step)')
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
        Route("/_mock/requests/stream", feed.endpoint(state.journal, journal_filters), methods=["GET"]),
        Route("/_mock/requests/{id:int}", one_request, methods=["GET"]),
        *replay.routes(state.journal, _error),
        Route("/_mock/scenarios", scenarios, methods=["GET", "POST", "DELETE"]),
        Route("/_mock/scenarios/reset", reset_scenarios, methods=["POST"]),
        Route("/_mock/scenarios/{name}", one_scenario, methods=["GET", "PUT", "DELETE"]),
        Route("/_mock/scenarios/{name}/enable", toggle(True), methods=["POST"]),
        Route("/_mock/scenarios/{name}/disable", toggle(False), methods=["POST"]),
        Route("/_mock/state", positions, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/_mock/reset", reset_all, methods=["POST"]),
        *jobs.routes(services, json, _error),
    ]
