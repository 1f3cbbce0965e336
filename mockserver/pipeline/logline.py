"""The request log: one line per request (with the reason of an error) and, at debug level, why it was answered so."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from ..core.answers import Answer
    from ..core.context import RequestContext

REASON_CHARS = 100


def request_line(ctx: "RequestContext", answer: "Answer", label: str, elapsed_ms: float) -> str:
    """`POST /v1/chat/completions 401 error 0.4ms: You didn't provide an API key...` (no query: it may hold a key)."""
    line = f"{ctx.method} {ctx.path} {answer.status_code} {label} {elapsed_ms:.1f}ms"
    if answer.status_code >= 400:
        reason = error_reason(answer.body)
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


def selection_trace(ctx: "RequestContext", label: str) -> list[str]:
    """Why this answer: the scenarios considered, `Prefer`, the handler or the documented example."""
    from ..scenarios.engine import trace

    op, decision = ctx.operation, ctx.decision
    if op is None or decision is None:
        return []
    lines = trace(decision, op.operation_id)
    prefer: Any = ctx.headers.get("prefer")
    if prefer:
        used = "answered" if label.startswith("prefer:") else (
            "not used: a scenario answered" if label.startswith("scenario:") else "not used")
        lines.append(f"Prefer: {prefer} ({used})")
    if label == "proxy" and decision.proxy:
        lines.append(f"forwarded to {decision.proxy['upstream']}")
    if label == "example":
        lines.append(f"documented example of {op.operation_id} (no handler)")
    elif label == op.handler_name:
        lines.append(f"handler {op.handler_name} of {op.operation_id}")
    return lines
