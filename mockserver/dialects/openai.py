"""OpenAI's envelope (embeddings, images, audio, models, the gateway's own errors): the `Dialect` defaults."""

from __future__ import annotations

from typing import Any

from ..core.errors import MockError
from .base import Dialect

CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}  # other statuses: `code: null`, as OpenAI sends


class OpenAI(Dialect):
    """`{"error": {message, type, param, code}}`, `x-request-id`, `x-ratelimit-*`."""

    name = "openai"

    def error_body(self, error: MockError, request_id: str) -> Any:
        body = super().error_body(error, request_id)
        # `code=None` is the status's usual code (401, 429); `code=""` an explicit null
        body["error"]["code"] = (error.code or None) if error.code is not None else CODES.get(error.status)
        return body

    def missing_key(self) -> MockError:
        error = super().missing_key()
        error.code = ""  # OpenAI sends `code: null` here
        return error


OPENAI = OpenAI()
