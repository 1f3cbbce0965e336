"""Provider-shaped error bodies: one builder per dialect, one table of statuses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from .responses import JSONResponse

ANTHROPIC_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 405: "invalid_request_error",
    408: "timeout_error", 409: "conflict_error", 413: "request_too_large",
    415: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error",
    500: "api_error", 502: "api_error", 503: "api_error", 504: "timeout_error", 529: "overloaded_error",
}
GEMINI_STATUSES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "INVALID_ARGUMENT", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL",
    501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
OPENAI_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}  # other statuses: `code: null`, as OpenAI sends
KLING_CODES = {400: 1201, 401: 1000, 403: 1103, 404: 1203, 429: 1302, 500: 5000, 503: 5001}
HAILUO_CODES = {400: 2013, 401: 1004, 404: 2013, 429: 1002, 500: 1000}
TASK_CODES = {"invalid_request", "task_not_exist", "rate_limit_exceeded", "fail", "do_request_failed",
              "fetch_task_failed", "model_not_found"}


_REQUEST_ID: ContextVar[str | None] = ContextVar("mockserver_request_id", default=None)


def _new_request_id() -> str:
    return f"req_{uuid.uuid4().hex[:24]}"


def start_request() -> str:
    """Give the current request its one id (the headers and error bodies all carry it)."""
    given = _new_request_id()
    _REQUEST_ID.set(given)
    return given


def request_id() -> str:
    """The current request's id; a fresh one outside a request (in-process calls)."""
    return _REQUEST_ID.get() or _new_request_id()


def openai_type(status: int) -> str:
    """OpenAI's `error.type` for a status."""
    if status == 429:
        return "requests"
    if status >= 500:
        return "server_error"
    return "invalid_request_error"


def _openai(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    """`code=None` is the status's usual code (401, 429), `code=""` an explicit null."""
    return {"error": {"message": message, "type": kind or openai_type(status),
                      "param": param, "code": (code or None) if code is not None else OPENAI_CODES.get(status)}}


def _anthropic(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    return {"type": "error",
            "error": {"type": kind or ANTHROPIC_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error"),
                      "message": message},
            "request_id": request_id()}


def _gemini(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    body: dict[str, Any] = {"code": status, "message": message,
                            "status": kind or GEMINI_STATUSES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")}
    if param:
        body["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                            "fieldViolations": [{"field": param, "description": message}]}]
    return {"error": body}


def _midjourney(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    mj_code = 23 if status == 429 else (5 if status >= 500 else 4)
    body: dict[str, Any] = {"code": mj_code, "description": message, "result": None, "properties": {}}
    if mj_code in (4, 5):
        body["type"] = "upstream_error"
    return body


def _task(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    """new-api's task envelope (Suno, Pika): a string `code`, `message`, `data: null`."""
    if code not in TASK_CODES:
        code = ("task_not_exist" if status == 404 else "rate_limit_exceeded" if status == 429
                else "fail" if status >= 500 else "invalid_request")
    return {"code": code, "message": message, "data": None}


def _kling(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    return {"code": KLING_CODES.get(status, 1200 if status < 500 else 5000), "message": message,
            "request_id": str(uuid.uuid4()), "data": None}


def _hailuo(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    return {"task_id": "", "base_resp": {"status_code": HAILUO_CODES.get(status, 2013 if status < 500 else 1000),
                                         "status_msg": message}}


def _detail(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    if param and status in (400, 422):  # FastAPI-style validation list, as Luma answers
        missing = code == "missing_required_parameter"
        return {"detail": [{"loc": ["body", *param.split(".")], "msg": "field required" if missing else message,
                            "type": "value_error.missing" if missing else "value_error"}]}
    return {"detail": message}


def _message_only(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    return {"error": message}


def _runway(status: int, message: str, param: str | None, code: str | None, kind: str | None) -> dict:
    body: dict[str, Any] = {"error": message}
    if param:
        body["issues"] = [{"path": param.split("."), "message": message}]
    return body


BUILDERS: dict[str, Callable[[int, str, str | None, str | None, str | None], dict]] = {
    "openai": _openai,
    "veo": _openai,
    "ideogram": _message_only,
    "anthropic": _anthropic,
    "gemini": _gemini,
    "midjourney": _midjourney,
    "suno": _task,
    "kling": _kling,
    "hailuo": _hailuo,
    "luma": _detail,
    "pika": _task,
    "runway": _runway,
}


def error_body(dialect: str, status: int, message: str, *, param: str | None = None,
               code: str | None = None, kind: str | None = None) -> dict:
    """The error body a provider of `dialect` sends for `status`."""
    return BUILDERS.get(dialect, _openai)(status, message, param, code, kind)


def error_response(dialect: str, status: int, message: str, *, param: str | None = None,
                   code: str | None = None, kind: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """An HTTP error response in the dialect's own shape."""
    return JSONResponse(error_body(dialect, status, message, param=param, code=code, kind=kind),
                        status_code=status, headers=headers)


class MockError(Exception):
    """Raised by handlers: becomes a provider-shaped error response."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 kind: str | None = None, headers: dict[str, str] | None = None, dialect: str | None = None,
                 anthropic_message: str | None = None) -> None:
        super().__init__(message)
        self.anthropic_message = anthropic_message
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.kind = kind
        self.headers = headers
        self.dialect = dialect

    def response(self, dialect: str) -> JSONResponse:
        """Render in the operation's dialect (or the one the error names)."""
        dialect = self.dialect or dialect
        message = self.anthropic_message if dialect == "anthropic" and self.anthropic_message else self.message
        return error_response(dialect, self.status, message, param=self.param,
                              code=self.code, kind=self.kind, headers=self.headers)
