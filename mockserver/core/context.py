"""`RequestContext`: one request as the stages see it, filled in stage by stage."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from ..dialects.base import Dialect
    from ..pipeline.pace import StreamPlan
    from ..pipeline.select import Decision
    from ..spec.model import Operation
    from .conversation import Conversation
    from .services import Services


class QueryParams:
    """The query string as a read-only multi-dict (last value wins for `get`)."""

    __slots__ = ("_items", "_last")

    def __init__(self, raw: bytes | str) -> None:
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        self._items = parse_qsl(text, keep_blank_values=True) if text else []
        self._last = dict(self._items)

    def get(self, name: str, default: Any = None) -> Any:
        """The last value of `name`."""
        return self._last.get(name, default)

    def bounded(self, name: str, default: int, low: int, high: int) -> int:
        """`name` as an integer clamped to [low, high] (`default` when absent; 400 when not an integer)."""
        value = self._last.get(name)
        if value is None:
            return default
        try:
            return min(max(int(value), low), high)
        except ValueError:
            from .errors import MockError
            raise MockError(400, f"Invalid integer for '{name}': {value!r}.", param=name,
                            code="invalid_value") from None

    def getlist(self, name: str) -> list[str]:
        """Every value of `name`, in order."""
        return [v for k, v in self._items if k == name]

    def items(self) -> list[tuple[str, str]]:
        """Every (name, value) pair, in order."""
        return list(self._items)

    def keys(self) -> list[str]:
        """The names, once each."""
        return list(self._last)

    def __contains__(self, name: object) -> bool:
        return name in self._last

    def __getitem__(self, name: str) -> str:
        return self._last[name]

    def __iter__(self):  # noqa: ANN204
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def __bool__(self) -> bool:
        return bool(self._items)


def header_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI headers as a dict of lower-case names (repeated headers joined with ', ')."""
    # A comprehension costs fewer instructions than one joined decode split apart again; repeats take the loop.
    out = {name.decode("latin-1"): value.decode("latin-1") for name, value in raw}
    if len(out) == len(raw):
        return out
    out = {}
    for name, value in raw:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


class RequestContext:
    """The request (scope, headers, body) and what each stage decided about it."""

    __slots__ = ("scope", "receive", "method", "path", "services", "operation", "dialect", "path_params",
                 "request_id", "headers", "_query", "body", "raw_body", "json_body", "files", "api_key", "stream",
                 "decision", "stream_plan", "task_plan", "prepared", "_conversation")

    def __init__(self, scope: dict, receive: Any, services: "Services", headers: dict[str, str]) -> None:
        self.scope = scope
        self.receive = receive
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.services = services
        self.headers = headers
        self.operation: Operation | None = None
        self.dialect: Dialect | None = None
        self.path_params: dict[str, str] = {}
        self.request_id = ""
        self._query: QueryParams | None = None
        self.body: Any = None
        self.raw_body = b""
        self.json_body = False  # a body was read, as JSON (not a form)
        self.files: dict[str, list[Any]] = {}
        self.api_key: str | None = None
        self.stream = False
        self.decision: Decision | None = None
        self.stream_plan: StreamPlan | None = None
        self.task_plan: dict | None = None
        self.prepared: Any = None  # what the dialect loaded from shared state before parsing (a previous response)
        self._conversation: Conversation | None = None

    @property
    def query(self) -> QueryParams:
        """The query parameters."""
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    @property
    def base_url(self) -> str:
        """This server's own address as the client reached it, without a trailing slash."""
        host = self.headers.get("host")
        if not host:
            server = self.scope.get("server") or ("127.0.0.1", 80)
            host = f"{server[0]}:{server[1]}"
        return f"{self.scope.get('scheme', 'http')}://{host}{self.scope.get('root_path', '')}"

    @property
    def seed(self) -> int:
        """The server-wide seed (`--seed`)."""
        return self.services.settings.seed

    @property
    def conversation(self) -> "Conversation":
        """The body parsed by the operation's dialect, once per request."""
        if self._conversation is None:
            self._conversation = self.dialect.parse(self)
        return self._conversation

    @conversation.setter
    def conversation(self, value: "Conversation") -> None:
        self._conversation = value

    @property
    def parsed(self) -> bool:
        """Whether the conversation has been parsed already."""
        return self._conversation is not None

    def kept(self) -> tuple:
        """What a later look at this request reads (the journal explaining a scenario miss), without the
        connection, the rest of the ASGI scope or the parsed conversation, and a JSON body as its bytes (read
        again when needed): a journal entry keeps little alive besides what it shows."""
        return (self.method, self.path, self.scope.get("query_string", b""), self.services, self.headers,
                None if self.json_body else self.body, self.raw_body, self.files or None, self.api_key, self.stream,
                self.operation, self.dialect, self.path_params, self.prepared, self.json_body)

    @classmethod
    def restored(cls, kept: tuple, read_json: "Callable[[bytes], Any]") -> "RequestContext":
        """A context rebuilt from `kept()`, for matching again (no connection: nothing to receive); `read_json`
        reads a JSON body again as the validate stage did."""
        (method, path, query_string, services, headers, body, raw_body, files, api_key, stream, operation, dialect,
         path_params, prepared, json_body) = kept
        ctx = cls({"type": "http", "method": method, "path": path, "query_string": query_string}, None, services,
                  headers)
        if json_body:
            body = read_json(raw_body)
        ctx.body, ctx.raw_body, ctx.files, ctx.api_key, ctx.stream = body, raw_body, files or {}, api_key, stream
        ctx.operation, ctx.dialect, ctx.path_params, ctx.prepared = operation, dialect, path_params, prepared
        return ctx

    def fingerprint(self, *parts: Any) -> str:
        """A stable hex digest of the request body, the server seed and `parts` (for deterministic output)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(str(self.seed).encode())
        digest.update(self.raw_body)
        for part in parts:
            digest.update(repr(part).encode())
        return digest.hexdigest()
