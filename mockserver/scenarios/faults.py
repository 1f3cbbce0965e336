"""Fault wording and headers that need no dialect: default messages, retry headers, a cut-off JSON body."""

from __future__ import annotations

from .model import Fault

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
    headers.update({k.lower(): str(v) for k, v in fault.headers.items()})
    return headers


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
