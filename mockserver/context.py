"""What a handler gets: the validated request, its operation and the server's services."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .spec import Operation

if TYPE_CHECKING:
    from .app import MockServer


@dataclass
class RequestContext:
    """One request, parsed and validated against its operation."""

    request: Request
    operation: Operation
    server: "MockServer"
    dialect: str
    path_params: dict[str, str]
    body: Any = None
    raw_body: bytes = b""
    files: dict[str, list[UploadFile]] = field(default_factory=dict)
    api_key: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self):
        """The request headers (case-insensitive)."""
        return self.request.headers

    @property
    def query(self):
        """The query parameters."""
        return self.request.query_params

    @property
    def base_url(self) -> str:
        """This server's own address as the client reached it, without a trailing slash."""
        return str(self.request.base_url).rstrip("/")

    @property
    def seed(self) -> int:
        """The server-wide seed (`--seed`)."""
        return self.server.settings.seed

    def wants_stream(self) -> bool:
        """Whether the request asked for an event stream (body field named by the spec, or `alt=sse`)."""
        param = self.operation.stream_param
        if param and isinstance(self.body, dict):
            return self.body.get(param) is True
        return False

    def fingerprint(self, *parts: Any) -> str:
        """A stable hex digest of the request body, the server seed and `parts` (for deterministic output)."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(str(self.seed).encode())
        digest.update(self.raw_body)
        for part in parts:
            digest.update(repr(part).encode())
        return digest.hexdigest()

    def conversation(self, parse: Callable[["RequestContext"], Any]) -> Any:
        """The body parsed by `parse`, once per request (the scenario matcher may already have done it)."""
        if self.notes.get("parsed_by") is not parse:
            self.notes["conversation"] = parse(self)
            self.notes["parsed_by"] = parse
        return self.notes["conversation"]

    def service(self, name: str, factory: Any) -> Any:
        """A per-server singleton (stores, clocks), created on first use."""
        return self.server.service(name, factory)
