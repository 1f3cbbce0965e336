"""OpenAI's envelope (embeddings, images, audio, models, the gateway's own errors): the `Dialect` defaults."""

from __future__ import annotations

from typing import Any

from ..core.errors import MockError
from .base import Dialect

CODES = {401: "invalid_api_key", 404: "not_found", 429: "rate_limit_exceeded"}


class OpenAI(Dialect):
    """`{"error": {message, type, param, code}}`, `x-request-id`, `x-ratelimit-*`."""

    name = "openai"

    def error_body(self, error: MockError, request_id: str) -> Any:
        body = super().error_body(error, request_id)
        if error.code is None:
            body["error"]["code"] = CODES.get(error.status)
        return body


OPENAI = OpenAI()
