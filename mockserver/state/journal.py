"""The journal: a bounded record of the requests answered and why; entries are built into JSON when read."""

from __future__ import annotations

import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson

from .base import BaseJournal

LIMIT = 1000
BODY_LIMIT = 64 * 1024
SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization", "cookie",
                  "set-cookie", "mj-api-secret"}
SECRET_QUERY = {"key", "api_key", "apikey"}
BEARER = re.compile(r"^(\w+\s+)?(.{0,3}).*$", re.DOTALL)


def redact(value: str) -> str:
    """Keep the scheme and a 3-character prefix of a secret: `Bearer sk-…`."""
    match = BEARER.match(value)
    scheme, prefix = (match.group(1) or "", match.group(2)) if match else ("", "")
    return f"{scheme}{prefix}…" if value else value


class JournalEntry:
    """One answered request, kept as the pipeline left it (cheap to record, turned into JSON when read)."""

    __slots__ = ("id", "time", "method", "path", "query_string", "operation", "headers", "raw_body", "form",
                 "status", "answered_by", "elapsed_ms", "request_id", "scenario", "skipped", "misses", "proxy",
                 "_json")

    def __init__(self, *, method: str, path: str, query_string: bytes, operation: str | None,
                 headers: dict[str, str], raw_body: bytes, form: Any, status: int, answered_by: str,
                 elapsed_ms: float, request_id: str, scenario: dict | None = None, skipped: dict | None = None,
                 misses: Any = None, proxy: dict | None = None) -> None:
        self.id = 0
        self.time = time.time()
        self.method, self.path, self.query_string, self.operation = method, path, query_string, operation
        self.headers = headers
        self.raw_body = raw_body if len(raw_body) <= BODY_LIMIT else b""
        self.form = form
        self.status, self.answered_by, self.elapsed_ms, self.request_id = status, answered_by, elapsed_ms, request_id
        self.scenario, self.skipped, self.misses = scenario, skipped, misses
        self.proxy = proxy  # a forwarded request's account, filled in while its answer streams
        self._json: dict | None = None
        if len(raw_body) > BODY_LIMIT:
            self.form = {"truncated": True, "bytes": len(raw_body),
                         "start": raw_body[:1024].decode("utf-8", errors="replace")}

    def to_json(self) -> dict[str, Any]:
        """The entry as `GET /_mock/requests` lists it (secrets redacted)."""
        if self._json is not None:
            return self._json
        query = {k: (redact(v) if k.lower() in SECRET_QUERY else v)
                 for k, v in parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)}
        entry: dict[str, Any] = {
            "id": self.id,
            "time": round(self.time, 3),
            "method": self.method,
            "path": self.path,
            "query": query,
            "operation": self.operation,
            "headers": {k: (redact(v) if k in SECRET_HEADERS else v) for k, v in self.headers.items()},
            "body": self._body(),
            "status": self.status,
            "answered_by": self.answered_by,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "test_id": self.headers.get("x-test-id"),
            "request_id": self.request_id,
        }
        if self.scenario:
            entry["scenario"] = self.scenario
        if self.skipped:
            entry["scenario_skipped"] = self.skipped
        if self.misses:
            entry["nearest_scenarios"] = self.misses() if callable(self.misses) else self.misses
        if self.proxy is not None:
            entry["proxy"] = self.proxy
        self._json = entry
        return entry

    def _body(self) -> Any:
        if self.form is not None:
            return self.form
        if not self.raw_body:
            return None
        try:
            return orjson.loads(self.raw_body)
        except orjson.JSONDecodeError:
            return self.raw_body.decode("utf-8", errors="replace")


class Journal(BaseJournal):
    """The last `limit` requests, newest last."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.entries: deque[JournalEntry] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self.listeners: list[Callable[[JournalEntry], None]] = []

    def record(self, entry: JournalEntry) -> None:
        """Keep one answered request (never blocks: the request path calls it)."""
        entry.id = next(self._ids)
        self.entries.append(entry)
        for listener in self.listeners:
            listener(entry)

    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | None = None,
                    limit: int | None = None) -> list[dict]:
        """Entries as JSON, oldest first, filtered (`path` may end with `*`)."""
        return select([e.to_json() for e in list(self.entries)], path=path, scenario=scenario, test_id=test_id,
                      operation=operation, status=status, limit=limit)

    async def clear(self) -> None:
        """Forget everything."""
        self.entries.clear()


def select(found: list[dict], *, path: str | None, scenario: str | None, test_id: str | None,
           operation: str | None, status: int | None, limit: int | None) -> list[dict]:
    """The entries (JSON, oldest first) that pass the filters, the last `limit` of them."""
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
