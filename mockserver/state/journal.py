"""The journal: a bounded record of the requests answered, what answered them and what was sent back.

Its interface (a shared-state backend implements the same):

- `record(entry)`: keep one answered request (sync, never blocks: the request path calls it before sending);
- `finished(entry)`: a streamed answer's last frame went out (or a fault cut it);
- `query(**filters)`: summaries as JSON, oldest first; `get(id)`: one entry in full (`detail()`);
- `clear()`; `subscribe(listener)`: `listener(entry)` on record and again on finish; returns the unsubscribe.

An entry keeps references to what the pipeline made (headers, body bytes, the frames list) and turns them into
JSON only when read, so recording costs the request path a few attribute writes.
"""

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
from .preview import model_of, preview_of
from .sse import is_content, is_error, read_events

LIMIT = 1000
BODY_LIMIT = 64 * 1024
STREAM_LIMIT = 256 * 1024  # bytes of stream frames kept per entry
SECRET_HEADERS = {"authorization", "x-api-key", "x-goog-api-key", "api-key", "proxy-authorization", "cookie",
                  "set-cookie", "mj-api-secret"}
SECRET_QUERY = {"key", "api_key", "apikey", "access_token"}
BEARER = re.compile(r"^(\w+\s+)?(.{0,3}).*$", re.DOTALL)
Listener = Callable[["JournalEntry"], None]
# Which test a request belongs to: its X-Test-Id header, else an API key of the form sk-mock-test-<id>
# (what the pytest plugin hands out, so clients built from the environment are tied to their test).
TEST_ID_HEADER = "x-test-id"
TEST_KEY_PREFIX = "sk-mock-test-"


def request_test_id(headers: dict[str, str], api_key: str | None) -> str | None:
    """The test a request belongs to: `X-Test-Id`, else the `<id>` of an `sk-mock-test-<id>` key, else None."""
    header = headers.get(TEST_ID_HEADER)
    if header:
        return header
    if api_key and api_key.startswith(TEST_KEY_PREFIX) and len(api_key) > len(TEST_KEY_PREFIX):
        return api_key[len(TEST_KEY_PREFIX):]
    return None


def redact(value: str) -> str:
    """Keep the scheme and a 3-character prefix of a secret: `Bearer sk-…`."""
    match = BEARER.match(value)
    scheme, prefix = (match.group(1) or "", match.group(2)) if match else ("", "")
    return f"{scheme}{prefix}…" if value else value


def _estimate(frames: list[bytes]) -> int:
    """A stream's size from its first, middle and last frames (summing every frame would cost the request path
    microseconds; streams that grow big have big frames at those places: image partials, audio, a final response)."""
    return len(frames) * max(len(frames[0]), len(frames[len(frames) // 2]), len(frames[-1]))


class Kept:
    """What is kept of an answer too large to hold whole: its head (the first bytes or frames) and its size."""

    __slots__ = ("kind", "status_code", "headers", "content_type", "body", "frames", "size")

    def __init__(self, answer: Any) -> None:
        self.kind, self.status_code, self.headers = answer.kind, answer.status_code, answer.headers
        self.content_type, self.body, self.frames = answer.content_type, b"", None
        if answer.kind == "stream":
            self.frames, self.size = [], 0
            for frame in answer.frames:
                if self.size + len(frame) > STREAM_LIMIT:
                    break
                self.frames.append(frame)
                self.size += len(frame)
        else:
            self.size = len(answer.body)
            self.body = answer.body[:BODY_LIMIT]


class Tape:
    """A paced stream as it went out: each frame with its send time (ms from the request's start), and its end."""

    __slots__ = ("started", "timed", "size", "finished_ms", "cut", "truncated", "faults")

    def __init__(self, started: float, plan: Any) -> None:
        self.started = started
        self.timed: list[tuple[float, bytes]] = []
        self.size = 0
        self.finished_ms: float | None = None
        self.cut: str | None = None
        self.truncated = False
        self.faults = (plan.stop_after, plan.reset, plan.error_at, plan.malformed_at) if plan is not None else None

    def sent(self, frame: bytes) -> None:
        """A frame left now."""
        if self.size > STREAM_LIMIT:
            self.truncated = True
            return
        self.size += len(frame)
        self.timed.append(((time.perf_counter() - self.started) * 1000, frame))

    def end(self, cut: str | None = None) -> None:
        """The stream is over: complete (`cut` None) or cut (`reset`)."""
        self.finished_ms = (time.perf_counter() - self.started) * 1000
        self.cut = cut


class JournalEntry:
    """One answered request, kept as the pipeline left it (cheap to record, turned into JSON when read).

    `answer` is the answer itself (its headers, body or frames list, by reference) or, past the bounds, a `Kept`
    head of it; `tape` follows a paced stream as it goes out.
    """

    __slots__ = ("id", "time", "method", "path", "query_string", "operation", "headers", "raw_body", "form",
                 "status", "answered_by", "elapsed_ms", "request_id", "scenario", "skipped", "misses", "proxy",
                 "test_id", "_json", "answer", "tape")

    def __init__(self, method: str, path: str, query_string: bytes, operation: str | None,
                 headers: dict[str, str], raw_body: bytes, form: Any, status: int, answered_by: str,
                 elapsed_ms: float, request_id: str, scenario: dict | None = None, skipped: dict | None = None,
                 misses: Any = None, proxy: dict | None = None, test_id: str | None = None, answer: Any = None,
                 started: float = 0.0, plan: Any = None) -> None:
        self.id = 0
        self.time = time.time()
        self.method, self.path, self.query_string, self.operation = method, path, query_string, operation
        self.headers = headers
        self.raw_body = raw_body if len(raw_body) <= BODY_LIMIT else b""
        self.form = form
        self.status, self.answered_by, self.elapsed_ms, self.request_id = status, answered_by, elapsed_ms, request_id
        self.scenario, self.skipped, self.misses = scenario, skipped, misses
        self.proxy = proxy  # a forwarded request's account, filled in while its answer streams
        self.test_id = test_id if test_id is not None else headers.get(TEST_ID_HEADER)
        self._json: dict | None = None
        if len(raw_body) > BODY_LIMIT:
            self.form = {"truncated": True, "bytes": len(raw_body),
                         "start": raw_body[:1024].decode("utf-8", errors="replace")}
        self.answer, self.tape = answer, None
        if answer is None:
            return
        if answer.kind == "stream":
            frames = answer.frames
            if not isinstance(frames, list):  # paced: `follow` notes each frame on the tape as it goes out
                self.tape = Tape(started, plan)
            elif frames and _estimate(frames) > STREAM_LIMIT and sum(map(len, frames)) > STREAM_LIMIT:
                self.answer = Kept(answer)
        elif len(answer.body) > BODY_LIMIT:
            self.answer = Kept(answer)

    @property
    def kind(self) -> str:
        """What answered: `body`, `stream`, `reset`, or `none` (not recorded)."""
        return self.answer.kind if self.answer is not None else "none"

    @property
    def complete(self) -> bool:
        """Whether everything that will be known about the answer is known."""
        return self.tape is None or self.tape.finished_ms is not None

    @property
    def finished_ms(self) -> float | None:
        """When the last byte went out (ms from the request's start), once known."""
        return self.tape.finished_ms if self.tape is not None else self.elapsed_ms

    @property
    def cut(self) -> str | None:
        """`reset` when the connection was dropped mid-stream."""
        return self.tape.cut if self.tape is not None else None

    # ------------------------------------------------------------------ reading

    def to_json(self, explain: bool = True) -> dict[str, Any]:
        """The entry as `GET /_mock/requests` lists it (secrets redacted); near misses left out unless `explain`."""
        if self._json is not None:
            return self._json
        query = {k: (redact(v) if k.lower() in SECRET_QUERY else v)
                 for k, v in parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)}
        body = self._body()
        entry: dict[str, Any] = {
            "id": self.id,
            "time": round(self.time, 3),
            "method": self.method,
            "path": self.path,
            "query": query,
            "operation": self.operation,
            "model": model_of(body, self.path),
            "preview": preview_of(body),
            "headers": {k: (redact(v) if k in SECRET_HEADERS else v) for k, v in self.headers.items()},
            "body": body,
            "status": self.status,
            "answered_by": self.answered_by,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "test_id": self.test_id,
            "request_id": self.request_id,
            "stream": self.kind == "stream",
        }
        if self.kind == "reset":
            entry["reset"] = True
        if self.kind == "stream":
            finished = self.finished_ms
            entry["complete"] = self.complete
            entry["duration_ms"] = round(finished, 2) if finished is not None else None
            entry["cut"] = self.cut
        if self.scenario:
            entry["scenario"] = self.scenario
        if self.skipped:
            entry["scenario_skipped"] = self.skipped
        if self.misses and (explain or not callable(self.misses)):
            entry["nearest_scenarios"] = self.misses() if callable(self.misses) else self.misses
        if self.proxy is not None:
            entry["proxy"] = self.proxy
        if self.complete and explain:
            self._json = entry
        return entry

    def detail(self, explain: bool = True) -> dict[str, Any]:
        """The entry in full: the summary plus the response (headers, body or each event with its send time)."""
        return {**self.to_json(explain), "response": self._response()}

    def _body(self) -> Any:
        if self.form is not None:
            return self.form
        if not self.raw_body:
            return None
        try:
            return orjson.loads(self.raw_body)
        except orjson.JSONDecodeError:
            return self.raw_body.decode("utf-8", errors="replace")

    def _response(self) -> dict[str, Any]:
        answer = self.answer
        headers = {k: (redact(v) if k in SECRET_HEADERS else v) for k, v in (answer.headers if answer else {}).items()}
        if answer is not None and answer.content_type:
            headers["content-type"] = answer.content_type
        out: dict[str, Any] = {"kind": self.kind, "status": self.status, "headers": headers}
        if self.kind == "body":
            out.update(self._response_body())
        elif self.kind == "stream":
            out.update(self._stream())
        elif self.kind == "reset":
            out["cut"] = "connection reset before any byte was sent"
        return out

    def _response_body(self) -> dict[str, Any]:
        answer = self.answer
        body, media = answer.body, (answer.content_type or "").split(";")[0].strip()
        size = answer.size if isinstance(answer, Kept) else len(body)
        truncated = size > len(body)
        out: dict[str, Any] = {"body_bytes": size, "truncated": truncated}
        if "json" in media and not truncated:
            try:
                out["body"] = orjson.loads(body) if body else None
                return out
            except orjson.JSONDecodeError:
                out["not_json"] = True
        if media.startswith("text/") or "json" in media or "xml" in media or not media:
            out["body"] = body.decode("utf-8", errors="replace")
        else:
            out["body"], out["binary"] = None, True
        return out

    def _stream(self) -> dict[str, Any]:
        tape = self.tape
        timed = tape.timed if tape is not None else [(self.elapsed_ms, f) for f in self.answer.frames]
        events = [{"t_ms": round(t, 2), **event} for t, frame in timed for event in read_events(frame)]
        first = next((t for t, frame in timed if is_content(frame)), timed[0][0] if timed else None)
        finished = self.finished_ms
        truncated = tape.truncated if tape is not None else isinstance(self.answer, Kept)
        return {"events": events, "ttft_ms": round(first, 2) if first is not None else None,
                "duration_ms": round(finished, 2) if finished is not None else None,
                "complete": self.complete, "truncated": truncated, "cut": self._cut_text(events)}

    def _cut_text(self, events: list[dict]) -> str | None:
        """Where a fault cut or bent the stream, in words."""
        sent = sum(1 for e in events if "data" in e)
        if self.cut == "reset":
            return f"connection reset after {sent} events"
        if self.cut == "disconnected":
            return f"the client disconnected after {sent} events"
        if self.tape is None or self.tape.faults is None or not self.complete:
            return None
        stop_after, reset, error_at, malformed_at = self.tape.faults
        said = []
        if malformed_at is not None and malformed_at < len(events):
            said.append(f"frame {malformed_at} sent with its JSON cut in half (malformed_at)")
        if error_at is not None and events and is_error(events[-1]):
            said.append(f"error event after {error_at} events (error_at)")
        elif stop_after is not None and not reset and sent <= stop_after:
            said.append(f"stopped cleanly after {sent} events, without the stream's end (stop_after)")
        return "; ".join(said) or None


def entry_filter(*, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                 operation: str | None = None, status: int | str | None = None,
                 text: str | None = None) -> Callable[[dict], bool]:
    """A test on summaries: `path` may end with `*`, `status` may be a class (`4xx`), `text` is free text."""
    status_class = status[0] if isinstance(status, str) else None
    needle = text.lower() if text else None

    def keep(entry: dict) -> bool:
        if path and not (entry["path"].startswith(path[:-1]) if path.endswith("*") else entry["path"] == path):
            return False
        if scenario and (entry.get("scenario") or {}).get("name") != scenario:
            return False
        if test_id and entry.get("test_id") != test_id:
            return False
        if operation and entry.get("operation") != operation:
            return False
        if status_class is not None and str(entry["status"])[0] != status_class:
            return False
        if isinstance(status, int) and entry["status"] != status:
            return False
        return needle is None or needle in _searchable(entry)
    return keep


def _searchable(entry: dict) -> str:
    scenario = (entry.get("scenario") or {}).get("name")
    fields = (entry["method"], entry["path"], entry.get("operation"), entry.get("model"), entry.get("preview"),
              entry.get("answered_by"), entry.get("test_id"), entry.get("request_id"), scenario, str(entry["status"]))
    return " ".join(f for f in fields if f).lower()


class Journal(BaseJournal):
    """The last `limit` requests, newest last."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.entries: deque[JournalEntry] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self.listeners: list[Listener] = []

    def record(self, entry: JournalEntry) -> None:
        """Keep one answered request (never blocks: the request path calls it)."""
        entry.id = next(self._ids)
        self.entries.append(entry)
        for listener in self.listeners:
            listener(entry)

    def finished(self, entry: JournalEntry) -> None:
        """A streamed answer is over: tell the listeners again."""
        for listener in self.listeners:
            listener(entry)

    async def query(self, *, path: str | None = None, scenario: str | None = None, test_id: str | None = None,
                    operation: str | None = None, status: int | str | None = None, text: str | None = None,
                    since: int | None = None, limit: int | None = None) -> list[dict]:
        """Summaries as JSON, oldest first, filtered (see `entry_filter`), newer than id `since`."""
        keep = entry_filter(path=path, scenario=scenario, test_id=test_id, operation=operation, status=status,
                            text=text)
        entries = [e for e in list(self.entries) if since is None or e.id > since]
        found = [summary for summary in (e.to_json() for e in entries) if keep(summary)]
        return found[-limit:] if limit else found

    async def get(self, entry_id: int) -> dict[str, Any] | None:
        """One entry in full, or None when it is unknown or no longer kept."""
        entry = self.find(entry_id)
        return entry.detail() if entry is not None else None

    def find(self, entry_id: int) -> JournalEntry | None:
        """The entry with this id (ids are consecutive, so this is an index)."""
        entries = self.entries
        if not entries:
            return None
        index = entry_id - entries[0].id
        if 0 <= index < len(entries) and entries[index].id == entry_id:
            return entries[index]
        return next((e for e in entries if e.id == entry_id), None)

    async def clear(self) -> None:
        """Forget everything."""
        self.entries.clear()

