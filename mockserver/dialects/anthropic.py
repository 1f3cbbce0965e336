"""Anthropic Messages: request body -> Conversation, Reply -> message JSON or its event stream."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, frames_around, sse_frame
from ..core.context import RequestContext
from ..core.conversation import Conversation, Message, Tool, ToolResult, ToolUse, check_base64
from ..core.errors import MockError
from ..core.reply import Candidate, Reply, ToolCall
from ..generate import models_catalog as catalog
from ..generate.engine import default_reply, prompt_tokens
from .base import Dialect

STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                "stop_sequence": "stop_sequence", "content_filter": "refusal", "refusal": "refusal"}
NATIVE_STOP_REASONS = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
                       "model_context_window_exceeded"}
THINKING_ON = {"enabled", "adaptive", "between_tools"}
DEFAULT_THINKING_BUDGET = 2048
COUNTED_FIELDS = ("model", "messages", "system", "tools", "tool_choice", "thinking", "output_config", "output_format")


# ---- request -> Conversation ---------------------------------------------------------------

def parse(ctx: RequestContext) -> Conversation:
    """The request body (already schema-valid) as a provider-neutral conversation."""
    return parse_body(ctx.body or {})


def parse_count(ctx: RequestContext) -> Conversation:
    """A count_tokens body as a conversation; generation settings it does not define are ignored."""
    body = ctx.body or {}
    return parse_body({k: v for k, v in body.items() if k in COUNTED_FIELDS})


def parse_body(body: dict) -> Conversation:
    """A schema-valid Messages body as a provider-neutral conversation."""
    conv = Conversation(model=body.get("model") or "", max_tokens=body.get("max_tokens"),
                        stop=list(body.get("stop_sequences") or []))
    conv.system = _system_text(body.get("system"))
    conv.messages = _messages(body.get("messages") or [])
    _tools(body, conv)
    _thinking(body, conv)
    _output_format(body, conv)
    return conv


def prefix_tokens(prefix: dict) -> int:
    """Input tokens of the start of a body (tools, system, some messages), counted as usage counts them."""
    conv = Conversation(model=prefix.get("model") or "", system=_system_text(prefix.get("system")))
    conv.messages = _messages(prefix["messages"]) if prefix.get("messages") else []
    _tools(prefix, conv)
    return prompt_tokens(conv)


def reply_key(ctx: RequestContext) -> str:
    """A digest of the body without `stream`, so a streamed and a plain request get the same reply."""
    body = ctx.body or {}
    if "stream" in body:  # else the body digests as it is, without a copy
        body = {k: v for k, v in body.items() if k != "stream"}
    digest = hashlib.blake2b(orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16)
    digest.update(str(ctx.seed).encode())
    return digest.hexdigest()


def _system_text(system: Any) -> str:
    if isinstance(system, list):
        return "\n".join(block.get("text", "") for block in system if isinstance(block, dict))
    return system or ""


def _messages(raw: list[dict]) -> list[Message]:
    if not raw:
        raise MockError(400, "messages: at least one message is required", param="messages")
    messages: list[Message] = []
    for i, item in enumerate(raw):
        content = item.get("content")
        last_assistant = i == len(raw) - 1 and item.get("role") == "assistant"
        if not content and not last_assistant:
            raise MockError(400, f"messages.{i}: all messages must have non-empty content except for the "
                                 "optional final assistant message", param=f"messages.{i}.content")
        previous = messages[-1] if messages else None
        messages.append(_message(item, i, previous))
    return messages


def _message(item: dict, i: int, previous: Message | None) -> Message:
    message = Message(role=item["role"])
    content = item.get("content")
    if isinstance(content, str):
        message.text = content
        return message
    texts: list[str] = []
    offered = {use.id: use.name for use in previous.tool_uses} if previous and previous.role == "assistant" else {}
    for j, block in enumerate(content or []):
        where = f"messages.{i}.content.{j}"
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "image":
            message.images.append(_image(block.get("source") or {}, f"{where}.source"))
        elif kind == "document":
            message.files.append(_document(block.get("source") or {}, block, f"{where}.source"))
        elif kind == "tool_use":
            if message.role != "assistant":
                raise MockError(400, f"{where}: tool_use blocks may only appear in assistant messages",
                                param=where)
            message.tool_uses.append(ToolUse(id=block["id"], name=block["name"], arguments=block.get("input")))
        elif kind == "tool_result":
            call_id = block["tool_use_id"]
            if call_id not in offered:
                raise MockError(400, f"{where}: unexpected `tool_use_id` found in `tool_result` blocks: {call_id}. "
                                     "Each `tool_result` block must have a corresponding `tool_use` block in the "
                                     "previous message.", param=f"{where}.tool_use_id")
            message.tool_results.append(ToolResult(call_id=call_id, name=offered[call_id],
                                                   content=_result_text(block.get("content"), where),
                                                   is_error=bool(block.get("is_error"))))
    message.text = "\n".join(t for t in texts if t)
    return message


def _check_base64(data: str, param: str) -> None:
    try:
        check_base64(data, param)
    except MockError as exc:  # the shared check words it the OpenAI way; say it Anthropic's way
        raise MockError(400, f"{param}: {exc.message.split(': ', 1)[-1]}", param=param) from None


def _image(source: dict, where: str) -> str:
    kind = source.get("type")
    if kind == "base64":
        _check_base64(source.get("data") or "", f"{where}.data")
        return f"data:{source.get('media_type')};base64,{source['data']}"
    if kind == "url":
        url = source.get("url") or ""
        if not url.startswith(("http://", "https://")):
            raise MockError(400, f"{where}.url: Input should be a valid URL (http or https)", param=f"{where}.url")
        return url
    return f"file:{source.get('file_id', '')}"


def _document(source: dict, block: dict, where: str) -> str:
    kind = source.get("type")
    if kind == "base64":
        _check_base64(source.get("data") or "", f"{where}.data")
    return block.get("title") or source.get("url") or source.get("media_type") or kind or "document"


def _result_text(content: Any, where: str) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    parts = []
    for k, block in enumerate(content):
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "image":
            _image(block.get("source") or {}, f"{where}.content.{k}.source")
            parts.append("[image]")
    return "\n".join(parts)


def _tools(body: dict, conv: Conversation) -> None:
    declared = body.get("tools") or []
    names = [tool.get("name") for tool in declared]
    for i, tool in enumerate(declared):
        kind = tool.get("type")
        if kind in (None, "custom"):
            if "input_schema" not in tool:
                raise MockError(400, f"tools.{i}.custom.input_schema: Field required",
                                param=f"tools.{i}.input_schema")
            conv.tools.append(Tool(name=tool["name"], description=tool.get("description") or "",
                                   schema=tool["input_schema"]))
    choice = body.get("tool_choice") or {"type": "auto"}
    kind = choice.get("type")
    if kind in ("any", "tool") and not declared:
        raise MockError(400, "tool_choice: tool_choice may only be specified while providing tools.",
                        param="tool_choice")
    if kind == "tool" and choice.get("name") not in names:
        raise MockError(400, f"tool_choice.name: Tool '{choice.get('name')}' not found in tools.",
                        param="tool_choice.name")
    conv.tool_choice = {"any": "required", "tool": "required"}.get(kind, kind)
    conv.forced_tool = choice.get("name") if kind == "tool" else None
    conv.parallel_tool_calls = not choice.get("disable_parallel_tool_use", False)


def _thinking(body: dict, conv: Conversation) -> None:
    thinking = body.get("thinking") or {}
    if thinking.get("type") not in THINKING_ON:
        return
    budget = thinking.get("budget_tokens")
    if budget is not None and conv.max_tokens is not None and budget >= conv.max_tokens:
        raise MockError(400, f"max_tokens: `max_tokens` ({conv.max_tokens}) must be greater than "
                             f"`thinking.budget_tokens` ({budget}).", param="max_tokens")
    if conv.forced_tool or conv.tool_choice == "required":
        raise MockError(400, "Thinking may not be enabled when tool_choice forces tool use.", param="tool_choice")
    conv.thinking_budget = budget or DEFAULT_THINKING_BUDGET


def _output_format(body: dict, conv: Conversation) -> None:
    config = body.get("output_config")
    where = "output_config.format" if isinstance(config, dict) and config.get("format") else "output_format"
    fmt = config.get("format") if isinstance(config, dict) and config.get("format") else body.get("output_format")
    if fmt is None:
        return
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        raise MockError(400, f"{where}.type: Input should be 'json_schema'", param=f"{where}.type")
    if not isinstance(fmt.get("schema"), dict):
        raise MockError(400, f"{where}.schema: Field required", param=f"{where}.schema")
    conv.response_schema = fmt["schema"]


# ---- Reply -> message JSON / event stream ---------------------------------------------------

def render(ctx: RequestContext, reply: Reply, conversation: Conversation) -> Answer:
    """The reply as the JSON message, or as its SSE event stream when the request asked for one."""
    if ctx.stream:
        return StreamAnswer(stream_frames(reply, conversation))
    return JsonAnswer(message(reply, conversation))


def message(reply: Reply, conversation: Conversation) -> dict:
    """The complete `message` object."""
    candidate = reply.first
    return {**_envelope(reply), "content": blocks(reply), "stop_reason": stop_reason(candidate),
            "stop_sequence": candidate.stop_sequence if stop_reason(candidate) == "stop_sequence" else None,
            "usage": usage(reply)}


def blocks(reply: Reply) -> list[dict]:
    """The content blocks: thinking, text, then tool_use."""
    candidate = reply.first
    out: list[dict] = []
    if candidate.reasoning:
        out.append({"type": "thinking", "thinking": candidate.reasoning, "signature": signature(reply)})
    text = candidate.refusal if candidate.refusal is not None else candidate.text
    if text or not candidate.tool_calls:
        out.append({"type": "text", "text": text or ""})
    out += [{"type": "tool_use", "id": tool_use_id(call), "name": call.name, "input": call.arguments_object()}
            for call in candidate.tool_calls]
    return out


def stop_reason(candidate: Candidate) -> str:
    """Anthropic's `stop_reason` for the neutral finish."""
    if candidate.finish in NATIVE_STOP_REASONS:
        return candidate.finish
    if candidate.refusal is not None:
        return "refusal"
    return STOP_REASONS.get(candidate.finish, "end_turn")


def usage(reply: Reply) -> dict:
    """`usage`: `input_tokens` excludes the prompt tokens read from or written to the prompt cache."""
    u = reply.usage
    return {"input_tokens": max(0, u.prompt_tokens - u.cached_tokens - u.cache_creation_tokens),
            "cache_creation_input_tokens": u.cache_creation_tokens, "cache_read_input_tokens": u.cached_tokens,
            "output_tokens": u.completion_tokens, "service_tier": "standard"}


def tool_use_id(call: ToolCall) -> str:
    """`toolu_…` ids (the engine's neutral `call_…` ids re-prefixed)."""
    return call.id if call.id.startswith("toolu_") else "toolu_" + call.id.removeprefix("call_")


def signature(reply: Reply) -> str:
    """A stable, opaque thinking signature."""
    digest = hashlib.blake2b(f"{reply.key}:{reply.first.reasoning}".encode(), digest_size=48).digest()
    return "Eq" + base64.b64encode(digest).decode()


def stream_frames(reply: Reply, conversation: Conversation) -> list[bytes]:
    """The full event lifecycle: message_start, blocks (start/ping/deltas/stop), message_delta, message_stop."""
    candidate = reply.first
    frames = [_event({"type": "message_start", "message": {**_envelope(reply), "content": [], "stop_reason": None,
                                                            "stop_sequence": None,
                                                            "usage": {**usage(reply), "output_tokens": 1}}})]
    for index, (block, deltas) in enumerate(_streamed_blocks(reply)):
        frames.append(_event({"type": "content_block_start", "index": index, "content_block": block}))
        if index == 0:
            frames.append(PING)
        frames += deltas
        frames.append(_event({"type": "content_block_stop", "index": index}))
    reason = stop_reason(candidate)
    final = {k: v for k, v in usage(reply).items() if k != "service_tier"}
    frames.append(_event({"type": "message_delta",
                          "delta": {"stop_reason": reason,
                                    "stop_sequence": candidate.stop_sequence if reason == "stop_sequence" else None},
                          "usage": final}))
    frames.append(MESSAGE_STOP)
    return frames


def _streamed_blocks(reply: Reply) -> list[tuple[dict, list[bytes]]]:
    """Each block as it starts (empty) and the delta frames that fill it, in `blocks()` order."""
    candidate = reply.first
    calls = iter(candidate.tool_calls)
    out: list[tuple[dict, list[bytes]]] = []
    for index, block in enumerate(blocks(reply)):
        kind = block["type"]
        if kind == "thinking":
            deltas = _piece_deltas(index, "thinking_delta", "thinking", _grouped(tokens.split(block["thinking"])))
            deltas.append(_delta(index, {"type": "signature_delta", "signature": block["signature"]}))
            out.append(({"type": "thinking", "thinking": "", "signature": ""}, deltas))
        elif kind == "text":
            explicit = candidate.text_chunks is not None and candidate.refusal is None
            pieces = candidate.text_chunks if explicit else tokens.split(block["text"])
            out.append(({"type": "text", "text": ""},
                        _piece_deltas(index, "text_delta", "text", [piece for piece in pieces if piece])))
        else:
            call = next(calls)
            out.append(({**block, "input": {}}, [_delta(index, {"type": "input_json_delta", "partial_json": piece})
                                                 for piece in ["", *call.chunks()]]))
    return out


def _delta(index: int, delta: dict) -> bytes:
    return _event({"type": "content_block_delta", "index": index, "delta": delta})


def _piece_deltas(index: int, kind: str, field: str, pieces: list[str]) -> list[bytes]:
    """`content_block_delta` frames of `{type: kind, field: piece}`: only the piece is serialised per frame."""
    before = (b'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,"delta":{"type":"%b","%b":'
              % (index, kind.encode(), field.encode()))
    return frames_around(before, pieces, b"}}\n\n")


def _grouped(pieces: list[str], size: int = 4) -> list[str]:
    return ["".join(pieces[i:i + size]) for i in range(0, len(pieces), size)]


def _envelope(reply: Reply) -> dict:
    return {"id": f"msg_01{tokens.keyed_id(reply.key, b'msg', 22)}", "type": "message",
            "role": "assistant", "model": reply.model}


def _event(data: dict) -> bytes:
    return sse_frame(data, event=data["type"])


PING = _event({"type": "ping"})
MESSAGE_STOP = _event({"type": "message_stop"})


ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 402: "billing_error",
    403: "permission_error", 404: "not_found_error", 405: "invalid_request_error",
    408: "timeout_error", 409: "conflict_error", 413: "request_too_large",
    415: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error",
    500: "api_error", 502: "api_error", 503: "api_error", 504: "timeout_error", 529: "overloaded_error",
}


class Anthropic(Dialect):
    """Anthropic Messages: `{"type": "error", ...}` errors with the request id, `request-id`, `event:` streams."""

    name = "anthropic"
    conversational = True
    handles = ("messages:create",)
    request_id_names = ("request-id", "x-request-id")
    ratelimit_names = ("anthropic-ratelimit-{unit}-limit", "anthropic-ratelimit-{unit}-remaining",
                       "anthropic-ratelimit-{unit}-reset")
    keepalive_frame = b'event: ping\ndata: {"type": "ping"}\n\n'

    def claims(self, headers: dict[str, str], query: Any) -> bool:
        return "anthropic-version" in headers or "x-api-key" in headers

    def new_request_id(self) -> str:
        return "req_" + tokens.fresh_hex(12)

    def error_body(self, error: MockError, request_id: str) -> Any:
        kind = error.kind or ERROR_TYPES.get(error.status, "api_error" if error.status >= 500 else
                                             "invalid_request_error")
        return {"type": "error", "error": {"type": kind, "message": error.message}, "request_id": request_id}

    def missing_key(self) -> MockError:
        return MockError(401, "x-api-key header is required", code="missing_api_key")

    def invalid_key(self, key: str) -> MockError:
        return MockError(401, "invalid x-api-key")

    def validation_error(self, violation: Any) -> MockError:
        """Anthropic's wording: the dotted path once, then what is wrong (`messages.0.role: Input should be ...`)."""
        return MockError(400, violation.anthropic_message, param=violation.param, code=violation.code,
                         detail=violation)

    def rate_limit_kind(self, unit: str) -> str | None:
        return None

    def retry_extras(self, seconds: float) -> dict[str, str]:
        return {}

    def stamp_error_example(self, body: Any, request_id: str) -> Any:
        if isinstance(body, dict) and body.get("type") == "error":
            return {**body, "request_id": request_id}
        return body

    def model_page(self, ctx: RequestContext) -> Any:
        """Claude models, newest first, paged with `limit`, `after_id`, `before_id`."""
        models = sorted(catalog.by_owner("anthropic"), key=lambda m: m.created, reverse=True)
        ids = [m.id for m in models]
        limit = ctx.query.bounded("limit", 20, 1, 1000)
        start, end = 0, len(models)
        if (after := ctx.query.get("after_id")) in ids:
            start = ids.index(after) + 1
        if (before := ctx.query.get("before_id")) in ids:
            end = ids.index(before)
            start = max(start, end - limit)
        page = models[start:min(end, start + limit)]
        return {"data": [catalog.anthropic_model(m) for m in page], "has_more": start + len(page) < end,
                "first_id": page[0].id if page else None, "last_id": page[-1].id if page else None}

    def model_entry(self, model: Any) -> Any:
        return catalog.anthropic_model(model)

    def unknown_model(self, model_id: str) -> MockError:
        return MockError(404, f"model: {model_id}")

    def parse(self, ctx: RequestContext) -> Conversation:
        return parse(ctx)

    def default_reply(self, ctx: RequestContext, conv: Conversation) -> Reply:
        return default_reply(conv, key=reply_key(ctx), seed=ctx.seed)

    async def finish_reply(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> None:
        await anthropic_cache.apply(ctx, reply)

    async def render(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> Answer:
        return render(ctx, reply, conv)

    def stream_error(self, ctx: RequestContext, error: MockError, frames: list[bytes], index: int) -> bytes:
        return sse_frame(self.error_body(error, ctx.request_id), event="error")


ANTHROPIC = Anthropic()

from . import anthropic_cache  # noqa: E402 (last: it counts prefixes with `prefix_tokens` from here)
