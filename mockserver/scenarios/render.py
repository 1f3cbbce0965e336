"""From a scenario step to the neutral `Reply`, and the dialect module that renders it."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import orjson

from ..core import tokens
from ..core.context import RequestContext
from ..core.conversation import Conversation
from ..core.errors import MockError
from ..core.reply import Candidate, Reply, ToolCall, Usage
from ..generate import engine
from ..pipeline.pace import StreamPlan
from .faults import default_message
from .model import TEMPLATE, Fault, ReplySpec, StreamSpec

log = logging.getLogger("mockserver.scenarios")


def template(value: Any, ctx: RequestContext, conv: Conversation | None, extra: dict[str, Any]) -> Any:
    """Fill `{{model}}`, `{{last_user_message}}`, `{{system}}`, `{{header.x}}`, `{{body.path}}`, `{{scenario}}`,
    `{{count}}`, `{{base_url}}` (this server's address) and `{{lbraces}}` (a literal `{{`).

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
        if name == "base_url":
            return ctx.base_url
        if name == "lbraces":
            return "{{"
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
    return Reply(model=fill(spec.model) or conv.model, candidates=[candidate], usage=usage, key=key,
                 created=int(time.time()))


def rechunk(reply: Reply, size: int) -> None:
    """Stream text `size` tokens at a time."""
    for candidate in reply.candidates:
        if candidate.text and candidate.text_chunks is None:
            candidate.text_chunks = grouped(tokens.split(candidate.text), size)


def error_frame_builder(ctx: RequestContext, fault: Fault):
    """The dialect's own mid-stream error event(s), given the frames sent so far."""
    status = fault.status or 500
    error = MockError(status, fault.message or default_message(status), code=fault.code, kind=fault.type)
    dialect = ctx.dialect

    def build(frames: list[bytes], index: int) -> bytes:
        return dialect.stream_error(ctx, error, frames, index)
    return build


def stream_plan(ctx: RequestContext, spec: StreamSpec, seed: str) -> StreamPlan:
    """The `pace.StreamPlan` a scenario's `stream:` asks for."""
    per_frame = 1000.0 * (spec.chunk_size or 1) / spec.tokens_per_second if spec.tokens_per_second else 0.0
    plan = StreamPlan(first_frame_ms=spec.ttft_ms, between_frames_ms=per_frame, jitter_ms=spec.jitter_ms,
                      keepalive_ms=spec.keepalive_ms, ping_frame=ctx.dialect.keepalive_frame,
                      stop_after=spec.stop_after, reset=spec.stop == "reset", malformed_at=spec.malformed_at,
                      error_at=spec.error_at, seed=seed)
    if spec.error is not None:
        plan.error_frame = error_frame_builder(ctx, spec.error)
    return plan
