"""`MockError`: a client-visible error, raised anywhere; the pipeline renders it in the operation's dialect."""

from __future__ import annotations

from typing import Any


class MockError(Exception):
    """Status, message and the field at fault; `code` and `kind` refine the provider's error type."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 kind: str | None = None, headers: dict[str, str] | None = None,
                 detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.kind = kind
        self.headers = headers
        self.detail = detail  # e.g. the schema violation behind a 400, for dialects that word it their own way
