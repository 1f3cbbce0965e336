"""OpenAI Responses API: request body -> Conversation, Reply -> Answer object or typed event stream."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, sse_frame
from ..core.context import RequestContext
from ..core.conversation import Conversation, Message, Tool, ToolResult, ToolUse, check_base64, check_data_url
from ..core.errors import MockError
from ..core.reply import Candidate, Reply, ToolCall
from ..generate.engine import default_reply, prompt_tokens
from ..generate.models_catalog import context_window
from ..state.responses import StoredResponse
from . import openai_common
from .openai import OpenAI
from .openai_responses_events import response_events
from .strict_schema import check_function, check_response_format

DELIVERY_FIELDS = ("stream", "stream_options", "store", "metadata", "user", "safety_identifier", "background")
SUMMARY_MODES = ("auto", "concise", "detailed")
TEXT_PARTS = ("input_text", "output_text", "text")
CALLS = {"function_call": "function_call_output", "custom_tool_call": "custom_tool_call_output"}
SERVICE_TIERS = ("default", "flex", "scale", "priority")
LOGPROBS = "message.output_text.logprobs"
EXTRA = "responses"


def reply_key(ctx: RequestContext) -> str:
    """Same body (any key order, streamed or not) and `--seed` -> same key, hence the same ids and words."""
    return openai_common.reply_key(ctx, DELIVERY_FIELDS)


def hex_id(prefix: str, *parts: Any) -> str:
    """`resp_`/`msg_`/`fc_`/`rs_` + 48 hex digits, stable for its parts."""
    return prefix + hashlib.blake2b(repr(parts).encode(), digest_size=24).hexdigest()


# ---------------------------------------------------------------- request -> Conversation

def parse(ctx: RequestContext) -> Conversation:
    """The request (with the context `previous_response_id` names, loaded by `prepare`) as a Conversation."""
    body: dict = ctx.body or {}
    previous: StoredResponse | None = ctx.prepared if isinstance(ctx.prepared, StoredResponse) else None
    key = reply_key(ctx)
    own_items = normalize_input(body.get("input"), key)
    context = (previous.context if previous else []) + own_items
    conv = Conversation(model=body.get("model") or "", system=body.get("instructions") or "")
    conv.messages = _messages(context, len(context) - len(own_items))
    _check_tool_pairs(context, len(context) - len(own_items))
    _apply_tools(conv, body)
    _apply_text_format(conv, body)
    reasoning = body.get("reasoning") or {}
    conv.reasoning_effort = reasoning.get("effort")
    conv.max_tokens = body.get("max_output_tokens")
    conv.extra[EXTRA] = {"input_items": own_items, "context": context, "key": key}
    _fit_context(conv, body)
    return conv


async def load_previous(ctx: RequestContext) -> StoredResponse | None:
    """The stored response `previous_response_id` names (400 when it is unknown)."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    previous_id = body.get("previous_response_id")
    if not previous_id:
        return None
    if body.get("conversation"):
        raise MockError(400, "Cannot use both 'previous_response_id' and 'conversation' parameters.",
                        param="previous_response_id", code="invalid_value")
    store = ctx.services.state.responses
    entry = await store.get(previous_id)
    if entry is None:
        raise MockError(400, f"Previous response with id '{previous_id}' not found.",
                        param="previous_response_id", code="previous_response_not_found")
    if settle(entry):
        await store.put(entry)
    return entry


def settle(entry: StoredResponse) -> bool:
    """A queued background response completes the first time anyone looks at it; whether it changed."""
    if entry.final is None:
        return False
    entry.response, entry.final = entry.final, None
    return True


def normalize_input(value: Any, key: str) -> list[dict]:
    """Input as typed items with ids, the way `input_items` lists them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    items = []
    for index, raw in enumerate(value):
        item = dict(raw)
        kind = item.setdefault("type", "message")
        if kind == "message":
            role = item.get("role") or "user"
            part = "output_text" if role == "assistant" else "input_text"
            if isinstance(item.get("content"), str):
                item["content"] = [{"type": part, "text": item["content"]}]
            item["content"] = [_input_part(c) for c in item.get("content") or []]
            item["role"] = role
        if kind in ("message", *CALLS, *CALLS.values()):
            item.setdefault("status", "completed")
        if kind != "item_reference":
            item.setdefault("id", hex_id(_ITEM_PREFIX.get(kind, "item_"), key, index))
        items.append(item)
    return items


def _input_part(part: Any) -> Any:
    """A content part as the input items list shows it: output text with annotations, images with a detail."""
    if not isinstance(part, dict):
        return part
    if part.get("type") == "output_text":
        return {"annotations": [], **part}
    if part.get("type") == "input_image":
        return {**part, "detail": part.get("detail") or "auto"}
    return part


_ITEM_PREFIX = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_", "reasoning": "rs_",
                "custom_tool_call": "ctc_", "custom_tool_call_output": "ctco_"}


def _messages(items: list[dict], first_own: int) -> list[Message]:
    """Items as neutral messages; parts of one assistant turn (text, calls) stay together."""
    messages: list[Message] = []
    names: dict[str, str] = {}
    for index, item in enumerate(items):
        param = f"input[{index - first_own}]" if index >= first_own else "previous_response_id"
        kind = item.get("type")
        last = messages[-1] if messages else None
        if kind == "message":
            messages.append(_message(item, param))
        elif kind in CALLS:
            use = ToolUse(id=item["call_id"], name=item["name"], arguments=_call_arguments(item))
            names[use.id] = use.name
            if last is not None and last.role == "assistant":
                last.tool_uses.append(use)
            else:
                messages.append(Message(role="assistant", tool_uses=[use]))
        elif kind in CALLS.values():
            result = ToolResult(call_id=item["call_id"], content=_output_text(item.get("output")),
                                name=names.get(item["call_id"]))
            if last is not None and last.role == "tool":
                last.tool_results.append(result)
            else:
                messages.append(Message(role="tool", tool_results=[result]))
    return messages


def _call_arguments(item: dict) -> Any:
    """A function call's arguments as an object (kept as sent when not JSON); a custom call's free text."""
    if item.get("type") == "custom_tool_call":
        return item.get("input")
    arguments = item.get("arguments")
    try:
        return orjson.loads(arguments) if isinstance(arguments, str) and arguments else arguments
    except orjson.JSONDecodeError:
        return arguments


def _message(item: dict, param: str) -> Message:
    role = item.get("role") or "user"
    message = Message(role="system" if role == "developer" else role)
    texts = []
    for position, part in enumerate(item.get("content") or []):
        where = f"{param}.content[{position}]"
        kind = part.get("type")
        if kind in TEXT_PARTS:
            texts.append(part.get("text") or "")
        elif kind == "refusal":
            texts.append(part.get("refusal") or "")
        elif kind == "input_image":
            message.images.append(_image(part, where))
        elif kind == "input_file":
            message.files.append(_file(part, where))
        elif kind == "input_audio":
            message.audio.append("audio")
    message.text = "\n".join(t for t in texts if t)
    return message


def _image(part: dict, where: str) -> str:
    url = part.get("image_url")
    if isinstance(url, str) and url:
        if url.startswith("data:"):
            check_data_url(url, f"{where}.image_url")
        elif not url.startswith(("http://", "https://")):
            raise MockError(400, f"Invalid '{where}.image_url': expected a URL or a base64-encoded data URL.",
                            param=f"{where}.image_url", code="invalid_image_url")
        return url
    if part.get("file_id"):
        return f"file:{part['file_id']}"
    raise MockError(400, f"Missing required parameter: '{where}.image_url' (or 'file_id').",
                    param=f"{where}.image_url", code="missing_required_parameter")


def _file(part: dict, where: str) -> str:
    data = part.get("file_data")
    if isinstance(data, str) and data:
        if data.startswith("data:"):
            check_data_url(data, f"{where}.file_data", kind="")
        else:
            check_base64(data, f"{where}.file_data")
        return part.get("filename") or "file"
    found = part.get("file_url") or part.get("file_id")
    if found:
        return found
    raise MockError(400, f"Missing required parameter: '{where}.file_data' (or 'file_id' / 'file_url').",
                    param=f"{where}.file_data", code="missing_required_parameter")


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "\n".join(p.get("text") or "" for p in output if isinstance(p, dict))
    return ""


def _check_tool_pairs(items: list[dict], first_own: int) -> None:
    """Every call needs its output, every output its call, as the real API insists."""
    calls = [i.get("call_id") for i in items if i.get("type") in CALLS]
    outputs = {i.get("call_id") for i in items if i.get("type") in CALLS.values()}
    for item in items:
        if item.get("type") in CALLS.values() and item.get("call_id") not in calls:
            raise MockError(400, f"No tool call found for function call output with call_id {item.get('call_id')}.",
                            param="input", code=None)
    for call_id in calls:
        if call_id not in outputs:
            raise MockError(400, f"No tool output found for function call {call_id}.", param="input", code=None)


def _apply_tools(conv: Conversation, body: dict) -> None:
    custom: set[str] = set()
    for index, tool in enumerate(body.get("tools") or []):
        if tool.get("type") == "function":
            if tool.get("strict") is True and isinstance(tool.get("parameters"), dict):
                check_function(tool["parameters"], tool.get("name"), f"tools[{index}].parameters")
            conv.tools.append(Tool(name=tool["name"], description=tool.get("description") or "",
                                   schema=tool.get("parameters") or {"type": "object", "properties": {}},
                                   strict=bool(tool.get("strict"))))
        elif tool.get("type") == "custom":
            custom.add(tool["name"])
            conv.tools.append(Tool(name=tool["name"], description=tool.get("description") or "",
                                   schema={"type": "string", "minLength": 1}))
    conv.extra["custom_tools"] = custom
    if body.get("parallel_tool_calls") is False:
        conv.parallel_tool_calls = False
    choice = body.get("tool_choice")
    if choice is None:
        return
    if isinstance(choice, str):
        if choice == "required" and not conv.tools and not body.get("tools"):
            raise MockError(400, "Tool choice 'required' must be specified with 'tools' parameter.",
                            param="tool_choice", code="invalid_value")
        conv.tool_choice = choice
    elif choice.get("type") == "function":
        if not choice.get("name"):
            raise MockError(400, "Missing required parameter: 'tool_choice.name'.", param="tool_choice.name",
                            code="missing_required_parameter")
        if conv.tool_named(choice["name"]) is None:
            raise MockError(400, f"Tool choice 'function' with name '{choice.get('name')}' not found in "
                                 "'tools' parameter.", param="tool_choice", code="invalid_value")
        conv.tool_choice, conv.forced_tool = "required", choice["name"]
    elif choice.get("type") == "allowed_tools":
        allowed = {t.get("name") for t in choice.get("tools") or [] if isinstance(t, dict)}
        conv.tools = [t for t in conv.tools if t.name in allowed]
        conv.tool_choice = choice.get("mode") or "auto"
    else:
        conv.tool_choice = "auto"
        conv.tools = []


def _apply_text_format(conv: Conversation, body: dict) -> None:
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        if fmt.get("strict") is True:
            check_response_format(fmt.get("schema"), fmt.get("name"), "text.format.schema")
        conv.response_schema, conv.response_schema_name = fmt.get("schema") or {}, fmt.get("name")
    elif fmt.get("type") == "json_object":
        if "json" not in (conv.system + " ".join(m.text for m in conv.messages)).lower():
            raise MockError(400, "Response input messages must contain the word 'json' in some form to use "
                                 "'text.format' of type 'json_object'.", param="input", code=None)
        conv.json_mode = True


def _fit_context(conv: Conversation, body: dict) -> None:
    """`truncation: auto` drops the oldest turns to fit the model's window; `disabled` refuses instead."""
    window = context_window(conv.model)
    used = prompt_tokens(conv)
    if used <= window:
        return
    if body.get("truncation") == "auto":
        costs = [prompt_tokens(Conversation(model=conv.model, messages=[m])) for m in conv.messages]
        while len(conv.messages) > 1 and (used > window or conv.messages[0].role == "tool"):
            conv.messages.pop(0)  # a tool output left without its call is dropped too
            used -= costs.pop(0)
        if used <= window:
            return
    raise MockError(400, "Your input exceeds the context window of this model. Please adjust your input and "
                         "try again.", param="input", code="context_length_exceeded")


# ---------------------------------------------------------------- Reply -> Answer object / events

async def render(ctx: RequestContext, reply: Reply, conversation: Conversation) -> Answer:
    """The Response object as JSON, or its typed event stream; stored unless `store: false`."""
    body: dict = ctx.body or {}
    extra = conversation.extra.get(EXTRA) or {}
    key = extra.get("key") or reply.key
    candidate = reply.first
    custom = conversation.extra.get("custom_tools") or set()
    final = response_object(body, reply, key, include=body.get("include") or [], custom_tools=custom)
    chunks = _chunk_plan(final, candidate)
    queued = body.get("background") is True and not ctx.stream
    shown = queued_copy(final) if queued else final
    if body.get("store") is not False:
        context = list(extra.get("context") or []) + [_as_input(item) for item in final["output"]]
        await ctx.services.state.responses.put(StoredResponse(
            response=shown, input_items=list(extra.get("input_items") or []), context=context,
            final=final if queued else None))
    if ctx.stream:
        options = body.get("stream_options") or {}
        obfuscate = options.get("include_obfuscation") is not False
        return StreamAnswer(response_events(final, chunks, obfuscate=obfuscate))
    return JsonAnswer(shown)


def response_object(body: dict, reply: Reply, key: str, *, include: list[str],
                    custom_tools: set[str] | frozenset[str] = frozenset()) -> dict:
    """The complete Response object for a reply."""
    candidate = reply.first
    output = output_items(body, candidate, key, include=include, custom_tools=custom_tools)
    status, details = "completed", None
    if candidate.finish == "length":
        status, details = "incomplete", {"reason": "max_output_tokens"}
    elif candidate.finish == "content_filter":
        status, details = "incomplete", {"reason": "content_filter"}
    reasoning = body.get("reasoning") or {}
    effort = reasoning.get("effort") or ("medium" if candidate.reasoning is not None else None)
    text = dict(body.get("text") or {})
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    usage = reply.usage
    return {
        "id": hex_id("resp_", key), "object": "response", "created_at": reply.created, "status": status,
        "completed_at": reply.created if status == "completed" else None,
        "background": body.get("background") is True, "error": None, "incomplete_details": details,
        "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": body.get("max_tool_calls"), "model": reply.model, "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": effort, "summary": reasoning.get("summary") or reasoning.get("generate_summary")},
        "safety_identifier": body.get("safety_identifier"),
        "service_tier": body["service_tier"] if body.get("service_tier") in SERVICE_TIERS else "default",
        "store": body.get("store") is not False,
        "temperature": body["temperature"] if body.get("temperature") is not None else 1.0,
        "text": text, "tool_choice": body.get("tool_choice") or "auto", "tools": _echo_tools(body),
        "top_logprobs": body.get("top_logprobs") or 0,
        "top_p": body["top_p"] if body.get("top_p") is not None else 1.0,
        "truncation": body.get("truncation") or "disabled",
        "usage": {
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_tokens,
                                     "cache_write_tokens": usage.cache_creation_tokens},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
            "total_tokens": usage.total_tokens,
        },
        "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def output_items(body: dict, candidate: Candidate, key: str, *, include: list[str],
                 custom_tools: set[str] | frozenset[str] = frozenset()) -> list[dict]:
    """Reasoning, then the message, then function (or custom tool) calls, as the real API orders them."""
    items: list[dict] = []
    if candidate.reasoning is not None:
        summary_mode = (body.get("reasoning") or {}).get("summary") or (body.get("reasoning") or {}).get(
            "generate_summary")
        summary = ([{"type": "summary_text", "text": _summary(candidate.reasoning)}]
                   if summary_mode in SUMMARY_MODES else [])
        encrypted = (base64.b64encode(f"mockserver-reasoning:{key}".encode()).decode()
                     if "reasoning.encrypted_content" in include else None)
        items.append({"id": hex_id("rs_", key), "type": "reasoning", "summary": summary,
                      "encrypted_content": encrypted})
    incomplete = candidate.finish in ("length", "content_filter")
    if candidate.refusal is not None:
        content = [{"type": "refusal", "refusal": candidate.refusal}]
    elif candidate.text is not None:
        logprobs = _logprobs(candidate, key, body.get("top_logprobs") or 0) if LOGPROBS in include else []
        content = [{"type": "output_text", "text": candidate.text, "annotations": [], "logprobs": logprobs}]
    else:
        content = None
    if content is not None:
        items.append({"id": hex_id("msg_", key), "type": "message",
                      "status": "incomplete" if incomplete else "completed", "role": "assistant",
                      "content": content})
    for index, call in enumerate(candidate.tool_calls):
        if call.name in custom_tools:
            items.append({"id": hex_id("ctc_", key, index), "type": "custom_tool_call", "status": "completed",
                          "call_id": call.id, "name": call.name, "input": _custom_input(call)})
        else:
            items.append({"id": hex_id("fc_", key, index), "type": "function_call", "status": "completed",
                          "arguments": call.arguments_json(), "call_id": call.id, "name": call.name})
    return items


def _custom_input(call: ToolCall) -> str:
    """A custom tool's free-text input (the generated value, or a scenario's exact string)."""
    value = call.raw_arguments if call.raw_arguments is not None else call.arguments
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _logprobs(candidate: Candidate, key: str, top: int) -> list[dict]:
    """One entry per token of each streamed piece, so a stream's deltas carry exactly these entries."""
    pieces = [tokens.split(piece) for piece in candidate.chunks()]
    words = [word for piece in pieces for word in piece]
    return [openai_common.token_logprob(word, key, position, top) for position, word in enumerate(words)]


def _summary(reasoning: str) -> str:
    """A reasoning summary: a bold heading and the first sentence of the reasoning."""
    first = reasoning.split(". ", 1)[0].rstrip(".")
    return f"**Working it out**\n\n{first}."


def _chunk_plan(response: dict, candidate: Candidate) -> dict[str, list[str]]:
    """Stream split points per item id (explicit ones from the reply win)."""
    plan: dict[str, list[str]] = {}
    calls = iter(candidate.tool_calls)
    for item in response["output"]:
        if item["type"] == "message" and item["content"][0]["type"] == "output_text":
            plan[item["id"]] = candidate.chunks()
        elif item["type"] == "function_call":
            plan[item["id"]] = next(calls).chunks()
        elif item["type"] == "custom_tool_call":
            plan[item["id"]] = [piece for piece in tokens.fragments(_custom_input(next(calls)), 12) if piece]
    return plan


def _echo_tools(body: dict) -> list[dict]:
    tools = []
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            tool = {"type": "function", "name": tool.get("name"), "description": tool.get("description"),
                    "parameters": tool.get("parameters"),
                    "strict": tool.get("strict") if tool.get("strict") is not None else True}
        tools.append(tool)
    return tools


def _as_input(item: dict) -> dict:
    """An output item as the input item a follow-up request inherits."""
    return {k: v for k, v in item.items() if k != "encrypted_content" or v is not None}


def queued_copy(response: dict) -> dict:
    """A background response as first reported: queued, nothing produced yet."""
    return {**response, "status": "queued", "completed_at": None, "output": [], "usage": None,
            "incomplete_details": None}


def cancelled_copy(response: dict) -> dict:
    """A background response after `cancel`."""
    return {**response, "status": "cancelled", "completed_at": None, "output": [], "usage": None}


def replay(ctx: RequestContext, response: dict, starting_after: int | None) -> Answer:
    """A stored response as its event stream again (`GET .../{id}?stream=true`)."""
    events = response_events(response, {}, obfuscate=False)
    if starting_after is not None:
        events = events[starting_after + 1:]
    return StreamAnswer(events)


def spend_budget_on_reasoning_first(reply: Reply, limit: int | None) -> None:
    """`max_output_tokens` covers reasoning too: what reasoning used is gone before any text is written."""
    candidate = reply.first
    if limit is None or not reply.usage.reasoning_tokens or candidate.tool_calls:
        return
    reasoning = min(reply.usage.reasoning_tokens, limit)
    text, cut = tokens.truncate(candidate.text or "", limit - reasoning)
    if cut:
        candidate.text, candidate.finish = (text or None), "length"
        reply.usage.reasoning_tokens = reasoning
        reply.usage.completion_tokens = reasoning + tokens.count(text)


def failed_events(frames: list[bytes], index: int, code: str, message: str) -> bytes:
    """Responses' mid-stream failure: an `error` event, then `response.failed` carrying the response so far."""
    out = sse_frame({"type": "error", "sequence_number": index, "code": code, "message": message, "param": None},
                    event="error")
    for frame in frames[:1]:
        try:
            created = orjson.loads(frame.partition(b"data:")[2].strip()).get("response")
        except (orjson.JSONDecodeError, AttributeError):
            break
        if isinstance(created, dict):
            failed = {**created, "status": "failed", "error": {"code": code, "message": message}}
            out += sse_frame({"type": "response.failed", "sequence_number": index + 1, "response": failed},
                             event="response.failed")
    return out


class Responses(OpenAI):
    """`POST /v1/responses`: stored responses, chaining by `previous_response_id`, the typed event stream."""

    conversational = True
    handles = ("responses:create",)

    async def prepare(self, ctx: RequestContext) -> None:
        try:
            ctx.prepared = await load_previous(ctx)
        except MockError as missing:
            if missing.code != "previous_response_not_found":
                raise
            # A scenario (a recording of the chain, say) may still answer; the mock's own reply cannot.
            ctx.prepared = missing

    def parse(self, ctx: RequestContext) -> Conversation:
        return parse(ctx)

    def default_reply(self, ctx: RequestContext, conv: Conversation) -> Reply:
        key = (conv.extra.get(EXTRA) or {}).get("key") or reply_key(ctx)  # `parse` worked it out already
        return default_reply(conv, key=key, seed=ctx.seed)

    async def finish_reply(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> None:
        spend_budget_on_reasoning_first(reply, conv.max_tokens)

    async def render(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> Answer:
        return await render(ctx, reply, conv)

    def stream_error(self, ctx: RequestContext, error: MockError, frames: list[bytes], index: int) -> bytes:
        code = error.code or ("rate_limit_exceeded" if error.status == 429 else "server_error")
        return failed_events(frames, index, code, error.message)


RESPONSES = Responses()
