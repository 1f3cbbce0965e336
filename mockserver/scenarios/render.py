"""From a scenario step to the neutral `Reply`, and the dialect module that renders it."""

from __future__ import annotations

import importlib
import logging
import re
import time
from types import ModuleType
from typing import Any

import orjson

from .. import engine, tokens
from ..context import RequestContext
from ..conversation import Conversation
from ..errors import ANTHROPIC_TYPES, error_body, request_id
from ..reply import Candidate, Reply, ToolCall, Usage
from ..responses import sse_frame
from ..streaming import StreamPlan
from .faults import default_message
from .model import TEMPLATE, Fault, ReplySpec, StreamSpec

# The one table: which dialect module parses and renders a chat-like operation's handler.
DIALECT_MODULES = {
    "chat:create": "openai_chat",
    "completions:create": "openai_completions",
    "responses:create": "openai_responses",
    "messages:create": "anthropic",
    "gemini:generate": "gemini",
    "gemini:stream_generate": "gemini",
}
log = logging.getLogger("mockserver.scenarios")


def dialect_module(ctx: RequestContext) -> ModuleType | None:
    """The operation's dialect module, or None (not chat-like, or not written yet)."""
    name = DIALECT_MODULES.get(ctx.operation.handler_name or "")
    if name is None:
        return None
    try:
        module = importlib.import_module(f"{__package__.rpartition('.')[0]}.dialects.{name}")
    except ModuleNotFoundError:
        return None
    return module if hasattr(module, "parse") and hasattr(module, "render") else None


def default_reply(ctx: RequestContext, module: ModuleType, conv: Conversation) -> Reply:
    """What the operation would answer without a scenario."""
    own = getattr(module, "default_reply", None)
    if own is not None:
        return own(ctx, conv)
    key_of = getattr(module, "reply_key", None)
    return engine.default_reply(conv, key=key_of(ctx) if key_of else ctx.fingerprint(), seed=ctx.seed)


def template(value: Any, ctx: RequestContext, conv: Conversation | None, extra: dict[str, Any]) -> Any:
    """Fill `{{model}}`, `{{last_user_message}}`, `{{system}}`, `{{header.x}}`, `{{body.path}}`, `{{scenario}}`, `{{count}}`.

    A body path the request lacks renders as `{{body.path: missing}}` (and logs a warning), never as nothing.
    """
    if isinstance(value, dict):
        return {k: template(v, ctx, conv, extra) for k, v in value.items()}
    if isinstance(value, list):
        return [template(v, ctx, conv, extra) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return value

    def fill(found: re.Match) -> str:
        name = found.group(1)
        if name in extra:
            return str(extra[name])
        if name == "model":
            body_model = ctx.body.get("model") if isinstance(ctx.body, dict) else None
            return (conv.model if conv else "") or str(body_model or ctx.path_params.get("model", ""))
        if name in ("last_user_message", "message"):
            return conv.last_user_text() if conv else ""
        if name == "system":
            return conv.system if conv else ""
        if name.startswith("header."):
            return ctx.headers.get(name[7:], "")
        if name.startswith("body."):
            from .matcher import json_path
            values = json_path(ctx.body, name[5:])
            if values:
                return values[0] if isinstance(values[0], str) else orjson.dumps(values[0]).decode()
            log.warning("scenario %s: {{%s}}: the request body has no %s; the reply says {{%s: missing}}",
                        extra.get("scenario", "?"), name, name[5:], name)
            return f"{{{{{name}: missing}}}}"
        return found.group(0)

    return TEMPLATE.sub(fill, value)


def grouped(pieces: list[str], size: int) -> list[str]:
    """Join token pieces `size` at a time."""
    return ["".join(pieces[i:i + size]) for i in range(0, len(pieces), size)] or [""]


def build_reply(spec: ReplySpec, ctx: RequestContext, conv: Conversation, key: str, extra: dict[str, Any],
                chunk_size: int | None) -> Reply:
    """A scripted reply, in neutral terms."""
    fill = lambda v: template(v, ctx, conv, extra)  # noqa: E731
    text = fill(spec.text)
    candidate = Candidate(text=text, refusal=fill(spec.refusal), reasoning=fill(spec.reasoning))
    if spec.text_chunks is not None:
        candidate.text_chunks = [fill(c) for c in spec.text_chunks]
        candidate.text = "".join(candidate.text_chunks)
    elif chunk_size and text:
        candidate.text_chunks = grouped(tokens.split(text), chunk_size)
    for index, call in enumerate(spec.tool_calls):
        candidate.tool_calls.append(ToolCall(
            id=call.id or f"call_{tokens.stable_id(key, index, call.name)}", name=call.name,
            arguments=fill(call.arguments), raw_arguments=fill(call.raw_arguments),
            argument_chunks=[fill(c) for c in call.argument_chunks] if call.argument_chunks is not None else None))
        if call.argument_chunks is not None and call.raw_arguments is None and call.arguments is None:
            candidate.tool_calls[-1].raw_arguments = "".join(candidate.tool_calls[-1].argument_chunks or [])
    if spec.finish:
        candidate.finish = spec.finish
    elif candidate.tool_calls:
        candidate.finish = "tool_calls"
    elif candidate.refusal is not None and candidate.text is None:
        candidate.finish = "refusal"
    if candidate.text is None and candidate.refusal is None and not candidate.tool_calls:
        candidate.text = ""
    usage = Usage(prompt_tokens=engine.prompt_tokens(conv), completion_tokens=engine.completion_tokens(candidate))
    if candidate.reasoning:
        usage.reasoning_tokens = tokens.count(candidate.reasoning)
        usage.completion_tokens += usage.reasoning_tokens
    for name, value in spec.usage.items():
        setattr(usage, name, value)
    return Reply(model=fill(spec.model) or conv.model, candidates=[candidate], usage=usage, key=key,
                 created=int(time.time()))


def rechunk(reply: Reply, size: int) -> None:
    """Stream text `size` tokens at a time."""
    for candidate in reply.candidates:
        if candidate.text and candidate.text_chunks is None:
            candidate.text_chunks = grouped(tokens.split(candidate.text), size)


def family(ctx: RequestContext) -> str:
    """How the operation streams: chat, completions, responses, messages, gemini (from its handler module)."""
    return (ctx.operation.handler_name or "").partition(":")[0]


def error_frame_builder(ctx: RequestContext, fault: Fault):
    """The dialect's own mid-stream error event(s), given the frames sent so far."""
    status = fault.status or 500
    message = fault.message or default_message(status)
    kind = family(ctx)

    def build(frames: list[bytes], index: int) -> bytes:
        if kind == "messages" or ctx.dialect == "anthropic":
            body = {"type": "error", "error": {"type": fault.type or ANTHROPIC_TYPES.get(status, "api_error"),
                                               "message": message}, "request_id": request_id()}
            return sse_frame(body, event="error")
        if kind == "gemini" or ctx.dialect == "gemini":
            return sse_frame(error_body("gemini", status, message, kind=fault.type), line_end="\r\n")
        if kind == "responses":
            code = fault.code or ("rate_limit_exceeded" if status == 429 else "server_error")
            out = sse_frame({"type": "error", "sequence_number": index, "code": code, "message": message,
                             "param": None}, event="error")
            failed = _failed_response(frames, code, message)
            if failed is not None:
                out += sse_frame({"type": "response.failed", "sequence_number": index + 1, "response": failed},
                                 event="response.failed")
            return out
        return sse_frame(error_body("openai", status, message, code=fault.code, kind=fault.type))
    return build


def _failed_response(frames: list[bytes], code: str, message: str) -> dict | None:
    for frame in frames[:1]:
        data = frame.partition(b"data:")[2].strip()
        try:
            created = orjson.loads(data).get("response")
        except (orjson.JSONDecodeError, AttributeError):
            return None
        if isinstance(created, dict):
            return {**created, "status": "failed", "error": {"code": code, "message": message}}
    return None


def ping_frame(ctx: RequestContext) -> bytes | None:
    """A keep-alive the dialect's clients ignore (Gemini's break on any, so none)."""
    if ctx.dialect == "anthropic":
        return b'event: ping\ndata: {"type": "ping"}\n\n'
    if ctx.dialect == "gemini":
        return None
    return b": keep-alive\n\n"


def stream_plan(ctx: RequestContext, spec: StreamSpec, seed: str) -> StreamPlan:
    """The `streaming.StreamPlan` a scenario's `stream:` asks for."""
    per_frame = 1000.0 * (spec.chunk_size or 1) / spec.tokens_per_second if spec.tokens_per_second else 0.0
    plan = StreamPlan(first_frame_ms=spec.ttft_ms, between_frames_ms=per_frame, jitter_ms=spec.jitter_ms,
                      keepalive_ms=spec.keepalive_ms, ping_frame=ping_frame(ctx), stop_after=spec.stop_after,
                      reset=spec.stop == "reset", malformed_at=spec.malformed_at, error_at=spec.error_at, seed=seed)
    if spec.error is not None:
        plan.error_frame = error_frame_builder(ctx, spec.error)
    return plan
