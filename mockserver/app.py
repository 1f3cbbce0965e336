"""`create_app(settings)`: routes from the spec, the admin routes, one request path."""

from __future__ import annotations

import importlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from . import admin
from .auth import check_key, extract_key
from .context import RequestContext
from .errors import MockError, error_response, request_id, start_request
from .routing import Router
from .scenarios.engine import install as install_scenarios
from .select import answer_from_example, prefer_selector
from .settings import Settings
from .spec import Operation, Spec
from .validation import Violation, coerce, scalar_types

log = logging.getLogger("mockserver")
Handler = Callable[[RequestContext], Awaitable[Response] | Response]
Selector = Callable[[RequestContext], Awaitable[Response | None]]
MAX_BODY_BYTES = 64 * 1024 * 1024
INT64 = 2**63
JSON_TYPES = ("application/json",)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Response headers a browser app may read: request ids, retry hints and the rate-limit windows.
EXPOSED_HEADERS = ["x-request-id", "request-id", "openai-processing-ms", "retry-after", "retry-after-ms",
                   "x-should-retry",
                   *(f"x-ratelimit-{part}-{unit}" for part in ("limit", "remaining", "reset")
                     for unit in ("requests", "tokens")),
                   *(f"anthropic-ratelimit-{unit}-{part}" for unit in ("requests", "tokens")
                     for part in ("limit", "remaining", "reset"))]
REASON_CHARS = 100


class MockServer:
    """The spec, its router and handlers, the services handlers share, and the request path."""

    def __init__(self, settings: Settings | None = None, spec: Spec | None = None) -> None:
        self.settings = settings or Settings()
        self.spec = spec or Spec.load(self.settings.spec_path)
        self.router = Router(self.spec.operations)
        self.handlers: dict[str, Handler] = {op.operation_id: h for op in self.spec.operations
                                             if (h := resolve_handler(op.handler_name)) is not None}
        self.services: dict[str, Any] = {}
        self.selectors: list[Selector] = [prefer_selector]
        self.observers: list[Callable[[RequestContext | None, Request, int, str, float], None]] = []
        self.started_at = time.time()
        install_scenarios(self)

    def service(self, name: str, factory: Callable[["MockServer"], Any]) -> Any:
        """A per-server singleton, created on first use."""
        found = self.services.get(name)
        if found is None:
            found = self.services[name] = factory(self)
        return found

    async def dispatch(self, request: Request) -> Response:
        """Route, authenticate, validate, select an answer; never let a client mistake become a 500."""
        started = time.perf_counter()
        start_request()
        ctx: RequestContext | None = None
        answered_by = "error"
        dialect: str | None = None
        try:
            ctx, response, answered_by = await self._answer(request)
        except MockError as exc:
            dialect = exc.dialect or self._dialect_for_path(request.url.path)
            response = exc.response(dialect)
        except Exception:  # a bug of ours: say so in the provider's shape, keep serving
            log.exception("unhandled error for %s %s", request.method, request.url.path)
            dialect = ctx.dialect if ctx else self._dialect_for_path(request.url.path)
            response = error_response(dialect, 500, "The mock server had an internal error while processing "
                                                    "your request (see its log).")
            answered_by = "bug"
        _stamp_request_id(response, ctx.dialect if ctx else dialect)
        if request.method == "HEAD" and hasattr(response, "body"):
            response.body = b""  # keep the headers (content-length of the GET), send no body
        elapsed = (time.perf_counter() - started) * 1000
        for observe in self.observers:
            observe(ctx, request, response.status_code, answered_by, elapsed)
        if not self.settings.quiet:
            log.info("%s", request_line(request, response, answered_by, elapsed))
            if ctx is not None and log.isEnabledFor(logging.DEBUG):
                for line in selection_trace(ctx, answered_by):
                    log.debug("  %s", line)
        return response

    async def _answer(self, request: Request) -> tuple[RequestContext, Response, str]:
        path = request.url.path
        match = self.router.match(request.method, path)
        if match is None:
            raise MockError(404, f"Invalid URL ({request.method} {path})", dialect=self._dialect_for_path(path))
        if match.operation is None:
            allowed = ", ".join(match.allowed)
            raise MockError(405, f"Method {request.method} is not allowed on {path}; allowed: {allowed}.",
                            dialect=self._dialect_for_path(path), headers={"allow": allowed})
        op = match.operation
        ctx = RequestContext(request=request, operation=op, server=self,
                             dialect=pick_dialect(op, request), path_params=match.path_params)
        try:
            ctx.api_key = extract_key(request.headers, request.query_params)
            if op.raw.get("security") != []:
                check_key(ctx.api_key, self.settings.api_keys, ctx.dialect)
            await read_body(ctx)
            validate_parameters(ctx)
            for select in self.selectors:
                chosen = await select(ctx)
                if chosen is not None:
                    return ctx, chosen, ctx.notes.get("answered_by", "selector")
            handler = self.handlers.get(op.operation_id)
            if handler is None:
                return ctx, answer_from_example(ctx), "example"
            result = handler(ctx)
            if inspect.isawaitable(result):
                result = await result
            return ctx, result, ctx.notes.get("answered_by", op.handler_name or "handler")
        except MockError as exc:
            return ctx, exc.response(ctx.dialect), "error"

    def _dialect_for_path(self, path: str) -> str:
        nearest = self.router.nearest(path)
        return nearest.dialect if nearest else "openai"


def request_line(request: Request, response: Response, answered_by: str, elapsed_ms: float) -> str:
    """`POST /v1/chat/completions 401 error 0.4ms: You didn't provide an API key...` (no query: it may hold a key)."""
    line = f"{request.method} {request.url.path} {response.status_code} {answered_by} {elapsed_ms:.1f}ms"
    if response.status_code >= 400:
        reason = error_reason(getattr(response, "body", b""))
        if reason:
            line += f": {reason}"
    return line


def error_reason(body: bytes) -> str | None:
    """The message of a provider-shaped error body, shortened to a line."""
    if not body or body[:1] != b"{":
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    message = _error_message(data) if isinstance(data, dict) else None
    if not message:
        return None
    message = " ".join(message.split())
    return message if len(message) <= REASON_CHARS else message[:REASON_CHARS - 3] + "..."


def _error_message(body: dict) -> str | None:
    """`error.message` (OpenAI, Anthropic, Gemini), `error`, `detail`, `description` (MJ), `message`, `base_resp`."""
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    detail = body.get("detail")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return f"{'.'.join(map(str, detail[0].get('loc') or []))}: {detail[0].get('msg')}"
    for value in (error, detail, body.get("description"), body.get("message")):
        if isinstance(value, str):
            return value
    status = body.get("base_resp")
    return status.get("status_msg") if isinstance(status, dict) else None


def selection_trace(ctx: RequestContext, answered_by: str) -> list[str]:
    """Why this answer (for `--log-level debug`): the scenarios considered, `Prefer`, the handler or example."""
    engine = ctx.server.services.get("scenarios")
    lines = engine.trace(ctx) if engine is not None else []
    prefer = ctx.request.headers.get("prefer")
    if prefer:
        used = "answered" if answered_by.startswith("prefer:") else (
            "not used: a scenario answered" if answered_by.startswith("scenario:") else "not used")
        lines.append(f"Prefer: {prefer} ({used})")
    op = ctx.operation
    if answered_by == "example":
        lines.append(f"documented example of {op.operation_id} (no handler)")
    elif answered_by == op.handler_name:
        lines.append(f"handler {op.handler_name} of {op.operation_id}")
    return lines


def _stamp_request_id(response: Response, dialect: str | None) -> None:
    """Every answer carries the request's id where the SDKs look for it (`x-request-id`, Anthropic's `request-id`).

    A scenario's raw answer may set its own id; otherwise it is the one the error bodies carry.
    """
    given = response.headers.get("x-request-id") or response.headers.get("request-id") or request_id()
    response.headers.setdefault("x-request-id", given)
    if dialect == "anthropic":
        response.headers.setdefault("request-id", given)


def resolve_handler(name: str | None) -> Handler | None:
    """`chat:create` -> `mockserver.handlers.chat.create`, or None while it is not written yet."""
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
    return getattr(module, func, None)


def pick_dialect(op: Operation, request: Request) -> str:
    """The operation's dialect; shared operations (GET /v1/models) follow the client's headers."""
    if len(op.dialects) == 1:
        return op.dialects[0]
    headers = request.headers
    if "anthropic" in op.dialects and ("anthropic-version" in headers or "x-api-key" in headers):
        return "anthropic"
    if "gemini" in op.dialects and ("x-goog-api-key" in headers or "key" in request.query_params
                                    or "x-goog-api-client" in headers):
        return "gemini"
    return op.dialects[0]


async def read_body(ctx: RequestContext) -> None:
    """Parse and validate the body by its declared media types."""
    op, request = ctx.operation, ctx.request
    if not op.body_validators:
        return
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise MockError(413, f"Request body too large: {len(raw)} bytes (limit {MAX_BODY_BYTES}).",
                        code="request_too_large")
    ctx.raw_body = raw
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not raw and not content_type:
        if op.body_required:
            raise MockError(400, "Missing request body: this endpoint expects a "
                                 f"{' or '.join(op.body_validators)} body.", code="missing_body")
        return
    declared = next((mt for mt in op.body_validators if mt == content_type), None)
    if declared is None and content_type in ("", "text/plain") and "application/json" in op.body_validators:
        declared = "application/json" if _looks_like_json(raw) else None
    if declared is None:
        expected = " or ".join(f"'{mt}'" for mt in op.body_validators)
        raise MockError(415, f"Unsupported content type: '{content_type or 'none'}'. This endpoint expects {expected}.",
                        code="unsupported_content_type")
    if declared in JSON_TYPES:
        try:
            ctx.body = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError as exc:
            raise MockError(400, "We could not parse the JSON body of your request. The API expects a JSON "
                                 f"payload, but what was sent was not valid JSON ({exc}).",
                            code="invalid_json") from None
        if ctx.body is None and op.body_required:
            raise MockError(400, "Missing request body.", code="missing_body")
    else:
        ctx.body = await _read_form(ctx, op.body_schemas.get(declared) or {})
    if ctx.body is not None:
        _raise_on(op.body_validators[declared].first_violation(ctx.body))
        ctx.body = integral_floats_to_int(ctx.body)


def integral_floats_to_int(value: Any) -> Any:
    """`41.0` -> `41`: JSON Schema counts it as an integer, so handlers may use it as one.

    Only within 64 bits, where the providers' integers live and orjson can write the value back; beyond
    that (orjson reads `18446744073709551617` as `1.8e19`) a value stays a float for handlers to refuse.
    """
    if isinstance(value, float):
        return int(value) if value.is_integer() and -INT64 <= value < INT64 else value
    if isinstance(value, dict):
        return {k: integral_floats_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_floats_to_int(v) for v in value]
    return value


def _looks_like_json(raw: bytes) -> bool:
    return raw.lstrip()[:1] in (b"{", b"[")


async def _read_form(ctx: RequestContext, schema: dict) -> dict:
    """A form as a dict typed by its schema; uploaded files are kept aside in `ctx.files`."""
    try:
        form = await ctx.request.form(max_files=64, max_fields=1000)
    except Exception as exc:  # python-multipart raises several types on malformed input
        raise MockError(400, f"Could not parse the form body: {exc}", code="invalid_form") from None
    resolve = ctx.server.spec.resolve
    props = form_properties(schema, resolve)
    body: dict[str, Any] = {}
    for key in set(form.keys()):
        values = form.getlist(key)
        prop = resolve(props.get(key) or props.get(key.removesuffix("[]")) or {})
        name = key if key in props or key.removesuffix("[]") not in props else key.removesuffix("[]")
        files = [v for v in values if hasattr(v, "filename") and not isinstance(v, str)]
        many = prop.get("type") == "array" or key.endswith("[]")
        if files:
            ctx.files.setdefault(name, []).extend(files)
            rendered: list[Any] = [f.filename or "upload" for f in files]
        elif is_file_field(prop, resolve):
            raise MockError(400, f"'{name}' must be a file upload (multipart file part).", param=name,
                            code="invalid_value")
        elif len(values) > 1 and prop and not many and "array" not in scalar_types(prop, resolve):
            raise MockError(400, f"'{name}' was sent {len(values)} times; it takes one value.", param=name,
                            code="invalid_value")
        else:
            item_schema = resolve(prop.get("items", {})) if prop.get("type") == "array" else prop
            rendered = [coerce(v, item_schema, resolve) for v in values]
        body[name] = rendered if many else rendered[-1]
    return body


def is_file_field(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> bool:
    """Whether a form field takes only uploads (`format: binary` or `contentMediaType`, or arrays of them)."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or not schema or depth > 5:
        return False
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return all(is_file_field(branch, resolve, depth + 1) for branch in branches)
    if schema.get("type") == "array":
        return is_file_field(schema.get("items"), resolve, depth + 1)
    return schema.get("format") == "binary" or "contentMediaType" in schema


def form_properties(schema: Any, resolve: Callable[[Any], Any], depth: int = 0) -> dict:
    """A form schema's properties, including those its `allOf` branches declare."""
    schema = resolve(schema)
    if not isinstance(schema, dict) or depth > 5:
        return {}
    props: dict = {}
    for branch in schema.get("allOf") or []:
        props.update(form_properties(branch, resolve, depth + 1))
    props.update(schema.get("properties") or {})
    return props


def validate_parameters(ctx: RequestContext) -> None:
    """Check declared path and query parameters against their schemas."""
    query = ctx.request.query_params
    for param in ctx.operation.parameters:
        if param.location == "path":
            value: Any = ctx.path_params.get(param.name)
        elif param.location == "query":
            if param.name not in query and f"{param.name}[]" not in query:
                if param.required:
                    raise MockError(400, f"Missing required parameter: '{param.name}'.", param=param.name,
                                    code="missing_required_parameter",
                                    anthropic_message=f"{param.name}: Field required")
                continue
            resolve = ctx.server.spec.resolve
            item = resolve(param.schema.get("items", {}))
            value = ([coerce(v, item, resolve) for v in query.getlist(param.name) + query.getlist(f"{param.name}[]")]
                     if param.is_array else coerce(query[param.name], param.schema, resolve))
        else:
            continue
        if param.validator is not None and value is not None:
            _raise_on(param.validator.first_violation(value, root=param.name))


def _raise_on(violation: Violation | None) -> None:
    if violation is not None:
        raise MockError(400, violation.message, param=violation.param, code=violation.code,
                        anthropic_message=violation.anthropic_message)


def create_app(settings: Settings | None = None, server: MockServer | None = None) -> Starlette:
    """The ASGI app: admin and spec routes in front of the spec dispatcher."""
    server = server or MockServer(settings)
    origins = list(server.settings.cors_origins) or ["*"]
    cors = Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["*"], allow_headers=["*"],
                      expose_headers=EXPOSED_HEADERS, max_age=600)
    app = Starlette(routes=admin.routes(server), middleware=[cors])

    async def everything_else(scope, receive, send) -> None:  # any path, even one a route pattern can't match
        response = await server.dispatch(Request(scope, receive))
        await response(scope, receive, send)

    app.router.default = everything_else
    app.state.server = server
    return app
