"""The async task APIs' envelopes: each provider's error body (their keys are checked by the gateway, in OpenAI's words)."""

from __future__ import annotations

import uuid
from typing import Any

from ..core.errors import MockError
from .base import Dialect
from .openai import OPENAI


class TaskDialect(Dialect):
    """A task API: its own error body; the gateway's (OpenAI-shaped) key check in front of it."""

    auth = OPENAI
    keepalive_frame = None

    def retry_extras(self, seconds: float) -> dict[str, str]:
        return {}


class Midjourney(TaskDialect):
    """midjourney-proxy: `{code, description, result, properties}` (4 bad request, 5 failure, 23 queue full)."""

    name = "midjourney"

    def error_body(self, error: MockError, request_id: str) -> Any:
        code = 23 if error.status == 429 else (5 if error.status >= 500 else 4)
        body: dict[str, Any] = {"code": code, "description": error.message, "result": None, "properties": {}}
        if code in (4, 5):
            body["type"] = "upstream_error"
        return body


class NewApiTask(TaskDialect):
    """new-api's task envelope (Suno, Pika): a string `code`, `message`, `data: null`."""

    name = "suno"
    CODES = {"invalid_request", "task_not_exist", "rate_limit_exceeded", "fail", "do_request_failed",
             "fetch_task_failed", "model_not_found"}

    def error_body(self, error: MockError, request_id: str) -> Any:
        code = error.code if error.code in self.CODES else (
            "task_not_exist" if error.status == 404 else "rate_limit_exceeded" if error.status == 429
            else "fail" if error.status >= 500 else "invalid_request")
        return {"code": code, "message": error.message, "data": None}


class Pika(NewApiTask):
    """Pika behind new-api: the same envelope as Suno."""

    name = "pika"


class Kling(TaskDialect):
    """Kling: numeric `code` (1201 bad request, 1203 not found, 1302 rate limit, 5000 server), `request_id`."""

    name = "kling"
    CODES = {400: 1201, 401: 1000, 403: 1103, 404: 1203, 429: 1302, 500: 5000, 503: 5001}

    def error_body(self, error: MockError, request_id: str) -> Any:
        code = self.CODES.get(error.status, 1200 if error.status < 500 else 5000)
        return {"code": code, "message": error.message, "request_id": str(uuid.uuid4()), "data": None}


class Hailuo(TaskDialect):
    """MiniMax Hailuo: `base_resp.status_code` / `status_msg`."""

    name = "hailuo"
    CODES = {400: 2013, 401: 1004, 404: 2013, 429: 1002, 500: 1000}

    def error_body(self, error: MockError, request_id: str) -> Any:
        code = self.CODES.get(error.status, 2013 if error.status < 500 else 1000)
        return {"task_id": "", "base_resp": {"status_code": code, "status_msg": error.message}}


class Luma(TaskDialect):
    """Luma (FastAPI): `{"detail": message}`, or a validation list naming the field."""

    name = "luma"

    def error_body(self, error: MockError, request_id: str) -> Any:
        if error.param and error.status in (400, 422):
            missing = error.code == "missing_required_parameter"
            return {"detail": [{"loc": ["body", *error.param.split(".")],
                                "msg": "field required" if missing else error.message,
                                "type": "value_error.missing" if missing else "value_error"}]}
        return {"detail": error.message}


class Runway(TaskDialect):
    """Runway: `{"error": message}` plus `issues` naming the field."""

    name = "runway"

    def error_body(self, error: MockError, request_id: str) -> Any:
        body: dict[str, Any] = {"error": error.message}
        if error.param:
            body["issues"] = [{"path": error.param.split("."), "message": error.message}]
        return body


class Ideogram(TaskDialect):
    """Ideogram: `{"error": message}`."""

    name = "ideogram"

    def error_body(self, error: MockError, request_id: str) -> Any:
        return {"error": error.message}


class Veo(TaskDialect):
    """Veo behind the gateway: OpenAI's envelope."""

    name = "veo"

    def retry_extras(self, seconds: float) -> dict[str, str]:
        return OPENAI.retry_extras(seconds)

    def error_body(self, error: MockError, request_id: str) -> Any:
        return OPENAI.error_body(error, request_id)


DIALECTS = (Midjourney(), NewApiTask(), Pika(), Kling(), Hailuo(), Luma(), Runway(), Ideogram(), Veo())
