"""A bounded record of the requests the server answered, and why it answered as it did."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import deque
from typing import Any

import orjson
from starlette.requests import Request

from .context import RequestContext

LIMIT = 1000
BODY_LIMIT = 64 * 1024
SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization", "cookie",
                  "mj-api-secret"}
SECRET_QUERY = {"key", "api_key", "apikey"}
BEARER = re.compile(r"^(\w+\s+)?(.{0,3}).*$", re.DOTALL)


def redact(value: str) -> str:
    """Keep the scheme and a 3-character prefix of a secret: `Bearer sk-…`."""
    match = BEARER.match(value)
    scheme, prefix = (match.group(1) or "", match.group(2)) if match else ("", "")
    return f"{scheme}{prefix}…" if value else value


class Journal:
    """The last `limit` requests, newest last."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def observe(self, ctx: RequestContext | None, request: Request, status: int, answered_by: str,
                elapsed_ms: float) -> None:
        """The `MockServer.observers` hook: record one answered request."""
        if request.url.path.startswith("/_mock/"):
            return
        notes = ctx.notes if ctx else {}
        entry: dict[str, Any] = {
            "time": round(time.time(), 3),
            "method": request.method,
            "path": request.url.path,
            "query": {k: (redact(v) if k.lower() in SECRET_QUERY else v) for k, v in request.query_params.items()},
            "operation": ctx.operation.operation_id if ctx else None,
            "headers": {k: (redact(v) if k.lower() in SECRET_HEADERS else v) for k, v in request.headers.items()},
            "body": _body(ctx),
            "status": status,
            "answered_by": answered_by,
            "elapsed_ms": round(elapsed_ms, 2),
            "test_id": request.headers.get("x-test-id"),
        }
        scenario = notes.get("scenario")
        if scenario:
            entry["scenario"] = {k: v for k, v in scenario.items() if k != "ratelimit_headers"}
        if notes.get("scenario_skipped"):
            entry["scenario_skipped"] = notes["scenario_skipped"]
        if notes.get("scenario_misses"):
            entry["nearest_scenarios"] = notes["scenario_misses"]
        with self._lock:
            entry["id"] = next(self._ids)
            self.entries.append(entry)

    def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
              operation: str | None = None, status: int | None = None, limit: int | None = None) -> list[dict]:
        """Entries, oldest first, filtered (`path` may end with `*`)."""
        with self._lock:
            found = list(self.entries)
            for entry in found:
                if callable(entry.get("nearest_scenarios")):
                    entry["nearest_scenarios"] = entry["nearest_scenarios"]()
        if path:
            found = [e for e in found if (e["path"].startswith(path[:-1]) if path.endswith("*") else e["path"] == path)]
        if scenario:
            found = [e for e in found if (e.get("scenario") or {}).get("name") == scenario]
        if test_id:
            found = [e for e in found if e.get("test_id") == test_id]
        if operation:
            found = [e for e in found if e.get("operation") == operation]
        if status is not None:
            found = [e for e in found if e["status"] == status]
        return found[-limit:] if limit else found

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self.entries.clear()


def _body(ctx: RequestContext | None) -> Any:
    if ctx is None:
        return None
    if ctx.files or (ctx.body is not None and not ctx.raw_body.lstrip()[:1] in (b"{", b"[")):
        return ctx.body if isinstance(ctx.body, dict) else None
    raw = ctx.raw_body
    if not raw:
        return None
    if len(raw) > BODY_LIMIT:
        return {"truncated": True, "bytes": len(raw), "start": raw[:1024].decode("utf-8", errors="replace")}
    if ctx.body is not None:
        return ctx.body
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def journal_of(server: Any) -> Journal:
    """The server's journal (created on first use)."""
    return server.service("journal", lambda _server: Journal())
