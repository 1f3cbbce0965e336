"""API keys the way the providers take them, and the 401 each sends without one."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import MockError

MISSING_KEY = {
    "openai": "You didn't provide an API key. You need to provide your API key in an Authorization header "
              "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    "anthropic": "x-api-key header is required",
    "gemini": "Method doesn't allow unregistered callers (callers without established identity). "
              "Please use API Key or other form of API consumer identity to call this API.",
}


def extract_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API key from `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or `?key=`."""
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        if token:
            return token
    return headers.get("x-api-key") or headers.get("x-goog-api-key") or query.get("key") or None


def redact(key: str) -> str:
    """`sk-test-1234567890` -> `sk-t**********7890`: enough to recognise, not to use."""
    if len(key) <= 8:
        return "*" * len(key)
    return key[:4] + "*" * (len(key) - 8) + key[-4:]


def check_key(key: str | None, allowed: tuple[str, ...], dialect: str) -> None:
    """Raise the dialect's authentication error unless the key is acceptable.

    The task APIs sit behind the gateway's own (OpenAI-shaped) key check, so they answer in OpenAI's shape.
    """
    if dialect not in ("anthropic", "gemini"):
        dialect = "openai"
    try:
        _check(key, allowed, dialect)
    except MockError as exc:
        exc.dialect = dialect
        raise


def _check(key: str | None, allowed: tuple[str, ...], dialect: str) -> None:
    if not key:
        raise MockError(401, MISSING_KEY.get(dialect, MISSING_KEY["openai"]),
                        code="" if dialect == "openai" else "missing_api_key")  # OpenAI sends `code: null`
    if allowed and key not in allowed:
        if dialect == "anthropic":
            raise MockError(401, "invalid x-api-key")
        if dialect == "gemini":
            raise MockError(400, "API key not valid. Please pass a valid API key.", kind="INVALID_ARGUMENT")
        raise MockError(401, f"Incorrect API key provided: {redact(key)}. You can find your API key at "
                             "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
