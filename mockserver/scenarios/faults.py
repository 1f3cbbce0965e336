"""Faults that need no dialect: error statuses with headers, dropped connections, broken JSON."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..context import RequestContext
from ..errors import error_response
from .model import Fault

log = logging.getLogger("mockserver.scenarios")
DEFAULT_MESSAGES = {
    400: "Invalid request (simulated by scenario).",
    401: "Incorrect API key provided (simulated by scenario).",
    403: "You are not allowed to use this model (simulated by scenario).",
    404: "The model does not exist or you do not have access to it (simulated by scenario).",
    408: "Request timed out (simulated by scenario).",
    429: "Rate limit reached. Please try again shortly (simulated by scenario).",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway (simulated by scenario).",
    503: "The engine is currently overloaded, please try again later.",
    504: "Gateway timeout (simulated by scenario).",
    529: "Overloaded",
}
BROKEN_JSON = b'{"id": "mock-broken", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assis'


def default_message(status: int) -> str:
    """A realistic message for a simulated status."""
    return DEFAULT_MESSAGES.get(status, f"Simulated {status} error (scenario).")


def fault_headers(fault: Fault) -> dict[str, str]:
    """`retry-after`, `retry-after-ms`, `x-should-retry` and the fault's own headers."""
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["retry-after"] = _number(fault.retry_after)
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = _number(fault.retry_after_ms)
    if fault.should_retry is not None:
        headers["x-should-retry"] = "true" if fault.should_retry else "false"
    headers.update(fault.headers)
    return headers


def error_for(ctx: RequestContext, fault: Fault, status: int | None = None, extra: dict[str, str] | None = None,
              message: str | None = None) -> Response:
    """The provider-shaped error response a fault describes."""
    status = status or fault.status or 500
    headers = {**(extra or {}), **fault_headers(fault)}
    return error_response(ctx.dialect, status, message or fault.message or default_message(status),
                          code=fault.code, kind=fault.type, headers=headers)


def ratelimit_headers(dialect: str, info: dict[str, Any]) -> dict[str, str]:
    """The provider's rate-limit headers for a window (OpenAI `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`)."""
    reset = f"{info['reset_s']:.3f}s"
    headers: dict[str, str] = {}
    for unit, limit, left in (("requests", info["rpm"], info["requests_left"]),
                              ("tokens", info["tpm"], info["tokens_left"])):
        if limit is None:
            continue
        if dialect == "anthropic":
            headers[f"anthropic-ratelimit-{unit}-limit"] = str(limit)
            headers[f"anthropic-ratelimit-{unit}-remaining"] = str(left)
            headers[f"anthropic-ratelimit-{unit}-reset"] = reset
        else:
            headers[f"x-ratelimit-limit-{unit}"] = str(limit)
            headers[f"x-ratelimit-remaining-{unit}"] = str(left)
            headers[f"x-ratelimit-reset-{unit}"] = reset
    return headers


def broken_json(status: int = 200) -> Response:
    """A body that claims to be JSON and is cut off."""
    return Response(BROKEN_JSON, status_code=status, media_type="application/json")


async def abort_connection(receive: Receive) -> bool:
    """Close the client's connection at once (uvicorn), so it sees a reset; False if the server cannot."""
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        return False
    transport.abort()
    for _ in range(3):  # let connection_lost run, so the server does not try to answer the closed socket
        await asyncio.sleep(0)
    return True


class DropConnection(Exception):
    """Raised to make the ASGI server close the connection when it cannot be aborted directly."""


class ResetResponse(Response):
    """A 'response' that drops the connection before any byte is sent."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await abort_connection(receive):
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})
        raise DropConnection("scenario fault: connection reset")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _QuietDrops(logging.Filter):
    """Keep the ASGI server's log free of the tracebacks our deliberate resets cause."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DropConnection)


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
