"""The `Dialect` interface: everything that differs between providers on the wire, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..core import tokens
from ..core.answers import JsonAnswer, sse_frame
from ..core.errors import MockError

if TYPE_CHECKING:
    from ..core.context import RequestContext
    from ..core.conversation import Conversation
    from ..core.reply import Reply
    from ..core.answers import Answer
    from ..spec.validators import Violation


class Dialect:
    """A provider's wire format. The base class speaks OpenAI's envelope; subclasses override what differs.

    Envelope (every dialect): request ids, error bodies, auth errors, validation wording, rate-limit headers,
    keep-alive frames. Conversation (chat-like dialects, `conversational = True`): parse a body into a
    `Conversation`, the default `Reply`, and render a reply as JSON or as a stream.
    """

    name: ClassVar[str] = "openai"
    conversational: ClassVar[bool] = False
    handles: ClassVar[tuple[str, ...]] = ()  # the spec's x-mock-handler names this dialect answers itself
    request_id_names: ClassVar[tuple[str, ...]] = ("x-request-id",)  # the headers an SDK reads the request id from
    keepalive_frame: ClassVar[bytes | None] = b": keep-alive\n\n"
    ratelimit_names: ClassVar[tuple[str, str, str]] = ("x-ratelimit-limit-{unit}", "x-ratelimit-remaining-{unit}",
                                                       "x-ratelimit-reset-{unit}")
    auth: "Dialect | None" = None  # the dialect whose key errors apply (task APIs sit behind the gateway's)
    # Whether `prepare` / `finish_reply` do anything (a subclass overrides them): the pipeline skips the no-op awaits.
    prepares: ClassVar[bool] = False
    finishes: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.prepares = cls.prepare is not Dialect.prepare
        cls.finishes = cls.finish_reply is not Dialect.finish_reply

    # ------------------------------------------------------------------ envelope

    def claims(self, headers: dict[str, str], query: Any) -> bool:
        """Whether a request to a shared operation (GET /v1/models) is this provider's client."""
        return False

    def new_request_id(self) -> str:
        """A fresh request id, in the provider's format."""
        return "req_" + tokens.fresh_hex(16)

    def request_id_headers(self, request_id: str) -> dict[str, str]:
        """The headers an SDK reads the request id from."""
        return dict.fromkeys(self.request_id_names, request_id)

    def error_body(self, error: MockError, request_id: str) -> Any:
        """The provider's error body for `error`."""
        kind = error.kind or ("requests" if error.status == 429 else
                              "server_error" if error.status >= 500 else "invalid_request_error")
        return {"error": {"message": error.message, "type": kind, "param": error.param, "code": error.code}}

    def error_answer(self, error: MockError, request_id: str) -> "Answer":
        """`error` as the provider sends it: status, body, headers."""
        headers = {**dict.fromkeys(self.request_id_names, request_id), **(error.headers or {})}
        return JsonAnswer(self.error_body(error, request_id), status_code=error.status, headers=headers)

    def missing_key(self) -> MockError:
        """The 401 a request without a key gets."""
        return MockError(401, "You didn't provide an API key. You need to provide your API key in an Authorization "
                              "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")

    def invalid_key(self, key: str) -> MockError:
        """The error a key outside `--api-key` gets."""
        shown = "*" * len(key) if len(key) <= 8 else key[:4] + "*" * (len(key) - 8) + key[-4:]
        return MockError(401, f"Incorrect API key provided: {shown}. You can find your API key at "
                              "https://platform.openai.com/account/api-keys.", code="invalid_api_key")

    def validation_error(self, violation: "Violation") -> MockError:
        """A schema violation worded the provider's way."""
        return MockError(400, violation.message, param=violation.param, code=violation.code, detail=violation)

    def ratelimit_headers(self, info: dict[str, Any]) -> dict[str, str]:
        """Rate-limit headers for a window: limit, remaining and reset per unit (`ratelimit_names` spells them)."""
        reset = f"{info['reset_s']:.3f}s"
        limit_name, remaining_name, reset_name = self.ratelimit_names
        headers: dict[str, str] = {}
        for unit, limit, left in (("requests", info["rpm"], info["requests_left"]),
                                  ("tokens", info["tpm"], info["tokens_left"])):
            if limit is not None:
                headers[limit_name.format(unit=unit)] = str(limit)
                headers[remaining_name.format(unit=unit)] = str(left)
                headers[reset_name.format(unit=unit)] = reset
        return headers

    def model_page(self, ctx: "RequestContext") -> Any:
        """`GET /v1/models` in this provider's shape."""
        from ..generate import models_catalog as catalog
        return {"object": "list", "data": [catalog.openai_model(m) for m in catalog.MODELS]}

    def model_entry(self, model: Any) -> Any:
        """One catalog model in this provider's shape."""
        from ..generate import models_catalog as catalog
        return catalog.openai_model(model)

    def unknown_model(self, model_id: str) -> MockError:
        """The 404 for a model the catalog does not know."""
        return MockError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")

    def retry_extras(self, seconds: float) -> dict[str, str]:
        """Retry headers besides `retry-after` (OpenAI's SDKs also read `retry-after-ms`)."""
        return {"retry-after-ms": str(round(seconds * 1000))}

    def stamp_error_example(self, body: Any, request_id: str) -> Any:
        """A documented error example as this request's error (Anthropic puts the request id in the body)."""
        return body

    def rate_limit_kind(self, unit: str) -> str | None:
        """`error.type` of a rate-limit 429 ("requests" / "tokens" for OpenAI)."""
        return unit

    # ------------------------------------------------------------------ conversation

    def parses(self, operation: Any) -> bool:
        """Whether this dialect converses on `operation` (its handler is one the dialect answers itself)."""
        return operation.handler_name in self.handles

    async def prepare(self, ctx: "RequestContext") -> None:
        """Load what parsing needs from shared state (a previous response), before anything looks at the body.

        What cannot be loaded may be left in `ctx.prepared` as a `MockError`: scenarios still get to answer,
        and the mock's own reply raises it.
        """

    def parse(self, ctx: "RequestContext") -> "Conversation":
        """The body as a provider-neutral conversation (400 naming the field on client mistakes)."""
        raise NotImplementedError(f"{self.name} has no conversation format")

    def default_reply(self, ctx: "RequestContext", conv: "Conversation") -> "Reply":
        """What the mock answers when nothing else is asked for."""
        raise NotImplementedError(f"{self.name} has no conversation format")

    async def finish_reply(self, ctx: "RequestContext", reply: "Reply", conv: "Conversation") -> None:
        """Provider bookkeeping applied to every reply, default or scripted (prompt caches, token budgets)."""

    async def render(self, ctx: "RequestContext", reply: "Reply", conv: "Conversation") -> "Answer":
        """The reply as JSON, or as the provider's event stream when `ctx.stream`."""
        raise NotImplementedError(f"{self.name} has no conversation format")

    def stream_error(self, ctx: "RequestContext", error: MockError, frames: list[bytes], index: int) -> bytes:
        """The provider's mid-stream error event(s), after `frames` were sent."""
        return sse_frame(self.error_body(error, ctx.request_id))
