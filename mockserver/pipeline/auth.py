"""Authenticate: the API key the way the providers take it; the dialect words the 401."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.context import RequestContext


def extract_key(headers: dict[str, str], query_string: bytes) -> str | None:
    """The API key from `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or `?key=`."""
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        if token:
            return token
    key = headers.get("x-api-key") or headers.get("x-goog-api-key")
    if key:
        return key
    if query_string and b"key=" in query_string:
        from urllib.parse import parse_qs
        values = parse_qs(query_string.decode("latin-1")).get("key")
        return values[-1] if values and values[-1] else None
    return None


def authenticate(ctx: "RequestContext", allowed: tuple[str, ...]) -> None:
    """Set `ctx.api_key`; raise the dialect's key error unless the operation is public or the key is acceptable."""
    ctx.api_key = extract_key(ctx.headers, ctx.scope.get("query_string", b""))
    if ctx.operation.public:
        return
    dialect = ctx.dialect.auth or ctx.dialect
    if not ctx.api_key:
        ctx.dialect = dialect  # the key check answers in its own words (the gateway's, for the task APIs)
        raise dialect.missing_key()
    if allowed and ctx.api_key not in allowed:
        ctx.dialect = dialect
        raise dialect.invalid_key(ctx.api_key)
