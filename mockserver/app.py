"""The composition root: builds the services, binds every operation to its dialect and handler, serves ASGI."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware

from . import admin
from .admin.guard import AdminGuard
from .core.context import header_dict
from .core.services import Services
from .dialects import conversations, providers
from .dialects.openai import OPENAI
from .pipeline.dispatch import Binding, Handler, Pipeline
from .scenarios.engine import SCENARIO_CODEC, ScenarioEngine
from .settings import Settings
from .spec.model import Operation, Spec
from .state import open_state
from .tasks.store import JOB_CODEC, TaskStore


# Response headers a browser app may read: request ids, retry hints and the rate-limit windows.
EXPOSED_HEADERS = ["x-request-id", "request-id", "openai-processing-ms", "retry-after", "retry-after-ms",
                   "x-should-retry", "x-mock-violations",
                   *(f"x-ratelimit-{part}-{unit}" for part in ("limit", "remaining", "reset")
                     for unit in ("requests", "tokens")),
                   *(f"anthropic-ratelimit-{unit}-{part}" for unit in ("requests", "tokens")
                     for part in ("limit", "remaining", "reset"))]


class MockServer:
    """One server: settings, spec, services, the spec pipeline and the admin routes, as an ASGI app."""

    def __init__(self, settings: Settings | None = None, spec: Spec | None = None) -> None:
        self.settings = settings = settings or Settings()
        self.spec = spec or Spec.load(settings.spec_path)
        self.state = state = open_state(settings.state, jobs=JOB_CODEC, scenarios=SCENARIO_CODEC)
        self.started = False
        self._starting: asyncio.Future | None = None
        self.services = Services(settings=settings, spec=self.spec, state=state,
                                 tasks=TaskStore(state.jobs, speed=settings.task_speed, spec=self.spec),
                                 started_at=time.time())
        if settings.upstream:  # before the scenarios: it makes the recording directory they may load
            from .proxy import Proxy
            self.services.proxy = Proxy(self.services)
        self.services.scenarios = ScenarioEngine(self.spec.operations, state.counters,
                                                 settings.scenario_directories(), seed=settings.seed,
                                                 changes=state.scenario_set)
        self.bindings = bind(self.spec.operations)
        self.pipeline = Pipeline(self.services, self.bindings, fallback=OPENAI)
        self.admin = Starlette(routes=admin.routes(self.services), exception_handlers=admin.EXCEPTION_HANDLERS)
        self.admin.router.default = self.pipeline  # an unknown /_mock path is a 404 in the provider's shape
        self.guarded_admin = AdminGuard(self.admin, settings.admin_keys or settings.api_keys)
        origins = list(settings.cors_origins) or ["*"]
        self.cors = CORSMiddleware(self._serve, allow_origins=origins, allow_methods=["*"], allow_headers=["*"],
                                   expose_headers=EXPOSED_HEADERS, max_age=600)

    @property
    def scenarios(self) -> ScenarioEngine:
        """The loaded scenarios."""
        return self.services.scenarios

    async def start(self) -> None:
        """Connect the state (a lifespan startup, or else the first requests, wait for this)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self.state.start())
        await asyncio.shield(self._starting)
        self.started = True

    async def close(self) -> None:
        """Write what the state has pending, disconnect, close the proxy's client."""
        await self.state.close()
        if self.services.proxy is not None:
            await self.services.proxy.aclose()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if not self.started:
            await self.start()
        if kind == "http":
            headers = header_dict(scope["headers"])  # read once: the pipeline takes it as it is
            # Only browsers send Origin: everyone else skips the CORS layer and its per-request cost.
            if "origin" in headers:
                await self.cors(scope, receive, send)
            elif admin.is_admin(scope["path"]):
                await self.guarded_admin(scope, receive, send)
            else:
                await self.pipeline(scope, receive, send, headers)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _serve(self, scope: dict, receive: Any, send: Any) -> None:
        if admin.is_admin(scope["path"]):
            await self.guarded_admin(scope, receive, send)
        else:
            await self.pipeline(scope, receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def bind(operations: list[Operation]) -> dict[str, Binding]:
    """Every operation with its dialects (a conversing dialect first) and its resolved handler."""
    by_name, talking = providers(), conversations()
    bindings: dict[str, Binding] = {}
    for op in operations:
        dialects = [by_name.get(name, OPENAI) for name in op.dialects]
        speaker = talking.get(op.handler_name or "")
        if speaker is not None:
            dialects[0] = speaker
        handler = None if speaker is not None else resolve_handler(op.handler_name)
        bindings[op.operation_id] = Binding(op, tuple(dialects), handler, speaker is not None,
                                            handler is not None or speaker is not None)
    return bindings


def resolve_handler(name: str | None) -> Handler | None:
    """`images:generate` -> `mockserver.handlers.images.generate`, or None while it is not written yet."""
    if not name:
        return None
    module_name, _, func = name.partition(":")
    qualified = f"{__package__}.handlers.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise
    found: Callable | None = getattr(module, func, None)
    return found


def create_app(settings: Settings | None = None, server: MockServer | None = None) -> MockServer:
    """The ASGI app."""
    return server or MockServer(settings)
