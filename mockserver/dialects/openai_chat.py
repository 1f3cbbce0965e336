"""OpenAI Chat Completions: request body → Conversation, Reply → `chat.completion` JSON or chunk stream."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import orjson

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, frames_around, sse_frame
from ..core.context import RequestContext
from ..core.conversation import Conversation, Message, Tool, ToolResult, ToolUse, check_base64, check_data_url
from ..core.errors import MockError
from ..core.reply import Candidate, Reply, compact_json
from ..generate.engine import AUDIO_TOKENS, default_reply
from ..media import render_audio
from .openai import OpenAI
from .strict_schema import check_function, check_response_format
from .openai_common import (reply_key, response_headers, system_fingerprint, token_logprob, usage_body,
                            wants_usage_in_stream)

__all__ = ["CHAT", "ChatCompletions", "parse", "render", "reply_key", "completion_body", "stream_frames"]

FINISH = {"stop": "stop", "stop_sequence": "stop", "refusal": "stop", "length": "length",
          "tool_calls": "tool_calls", "content_filter": "content_filter", "function_call": "function_call"}
AUDIO_FORMATS = {"pcm16": "pcm"}
AUDIO_TOKENS_PER_SECOND = 20
AUDIO_LIFETIME_S = 3600
SERVICE_TIERS = ("default", "flex", "scale", "priority")
JSON_WORD = re.compile(r"json", re.IGNORECASE)


# ----------------------------------------------------------------------------- parse

def parse(ctx: RequestContext) -> Conversation:
    """The request body as a provider-neutral conversation (400 naming the field on client mistakes)."""
    body: dict = ctx.body
    conv = Conversation(model=body["model"])
    _parse_messages(body["messages"], conv)
    _parse_tools(body, conv)
    _parse_output(body, conv)
    limit = body.get("max_completion_tokens")
    conv.max_tokens = limit if limit is not None else body.get("max_tokens")
    stop = body.get("stop")
    if stop:
        conv.stop = [stop] if isinstance(stop, str) else list(filter(None, stop))
    conv.n = body.get("n") or 1
    conv.seed = body.get("seed")
    conv.reasoning_effort = body.get("reasoning_effort")
    conv.logprobs = body.get("logprobs") is True
    conv.top_logprobs = body.get("top_logprobs") or 0
    if conv.top_logprobs and not conv.logprobs:
        raise MockError(400, "Invalid value for 'top_logprobs': 'logprobs' must be set to true when "
                             "'top_logprobs' is used.", param="top_logprobs", code="invalid_value")
    if body.get("stream_options") is not None and body.get("stream") is not True:
        raise MockError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        param="stream_options", code="invalid_value")
    return conv


def _parse_messages(messages: list[dict], conv: Conversation) -> None:
    system: list[str] = []
    names: dict[str, str] = {}
    awaiting: list[str] = []
    for i, raw in enumerate(messages):
        role, where = raw["role"], f"messages[{i}]"
        if awaiting and role != "tool":
            _require_answers(awaiting)
        content = raw.get("content")
        if role in ("system", "developer"):
            system.append(content if type(content) is str else _parts(content, where, Message(role=role)).text)
        elif role == "user":
            conv.messages.append(Message(role="user", text=content) if type(content) is str
                                 else _parts(content, where, Message(role="user")))
        elif role == "assistant":
            message = _parts(content, where, Message(role="assistant"))
            for j, call in enumerate(raw.get("tool_calls") or []):
                use = _tool_use(call, f"{where}.tool_calls[{j}]")
                names[use.id] = use.name
                awaiting.append(use.id)
                message.tool_uses.append(use)
            if isinstance(raw.get("function_call"), dict):
                call = raw["function_call"]
                name = call.get("name") or ""
                message.tool_uses.append(ToolUse(id=name, name=name, arguments=_arguments(call.get("arguments"))))
            conv.messages.append(message)
        elif role == "tool":
            call_id = raw.get("tool_call_id")
            if not call_id:
                raise MockError(400, f"Missing parameter 'tool_call_id': messages with role 'tool' must have a "
                                     f"'tool_call_id' ({where}).", param=f"{where}.tool_call_id",
                                code="missing_required_parameter")
            if call_id not in awaiting:
                raise MockError(400, f"Invalid parameter: messages with role 'tool' must be a response to a preceding "
                                     f"message with 'tool_calls' (no pending tool call has id '{call_id}').",
                                param=f"{where}.tool_call_id", code="invalid_value")
            awaiting.remove(call_id)
            text = _parts(content, where, Message(role="tool")).text
            conv.messages.append(Message(role="tool", tool_results=[ToolResult(call_id, text, name=names.get(call_id))]))
        elif role == "function":
            text = _parts(content, where, Message(role="function")).text
            name = raw.get("name")
            conv.messages.append(Message(role="tool", tool_results=[ToolResult(name or "function", text, name=name)]))
    if awaiting:
        _require_answers(awaiting)
    conv.system = "\n".join(filter(None, system))


def _require_answers(awaiting: list[str]) -> None:
    if awaiting:
        raise MockError(400, "An assistant message with 'tool_calls' must be followed by tool messages responding to "
                             "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                             + ", ".join(awaiting), param="messages", code="invalid_value")


def _parts(content: Any, where: str, message: Message) -> Message:
    """Fill `message` from a string or a list of content parts."""
    if content is None or isinstance(content, str):
        message.text = content or ""
        return message
    texts: list[str] = []
    for j, part in enumerate(content):
        kind, at = part.get("type"), f"{where}.content[{j}]"
        if kind in ("text", "refusal"):
            value = part.get(kind)
            if not isinstance(value, str):
                raise MockError(400, f"Missing required parameter: '{at}.{kind}'.", param=f"{at}.{kind}",
                                code="missing_required_parameter")
            texts.append(value)
        elif kind == "image_url":
            url = _required(part, "image_url", at).get("url")
            if not isinstance(url, str):
                raise MockError(400, f"Missing required parameter: '{at}.image_url.url'.", param=f"{at}.image_url.url",
                                code="missing_required_parameter")
            if url.startswith("data:"):
                check_data_url(url, f"{at}.image_url.url", kind="image")
            elif not re.match(r"^https?://\S+$", url):
                raise MockError(400, f"Invalid '{at}.image_url.url': expected an https URL or a base64-encoded data "
                                     "URL (data:image/<format>;base64,<data>).", param=f"{at}.image_url.url",
                                code="invalid_image_url")
            message.images.append(url)
        elif kind == "input_audio":
            clip = _required(part, "input_audio", at)
            check_base64(clip.get("data") or "", f"{at}.input_audio.data")
            message.audio.append(clip.get("format") or "wav")
        elif kind == "file":
            file = part.get("file") or {}
            if isinstance(file.get("file_data"), str):
                head, _, data = file["file_data"].partition(",")
                if not (head.startswith("data:") and head.endswith(";base64")):
                    raise MockError(400, f"Invalid '{at}.file.file_data': expected a base64-encoded data URL "
                                         "(data:<media type>;base64,<data>).", param=f"{at}.file.file_data",
                                    code="invalid_value")
                check_base64(data, f"{at}.file.file_data")
            elif not file.get("file_id"):
                raise MockError(400, f"Missing required parameter: '{at}.file.file_data' (or 'file_id').",
                                param=f"{at}.file.file_data", code="missing_required_parameter")
            message.files.append(file.get("filename") or file.get("file_id") or "file")
    message.text = "\n".join(texts)
    return message


def _required(part: dict, key: str, at: str) -> dict:
    value = part.get(key)
    if not isinstance(value, dict):
        raise MockError(400, f"Missing required parameter: '{at}.{key}'.", param=f"{at}.{key}",
                        code="missing_required_parameter")
    return value


def _tool_use(call: dict, where: str) -> ToolUse:
    if call.get("type") == "custom" or "custom" in call:
        custom = call.get("custom") or {}
        return ToolUse(id=call.get("id") or "", name=custom.get("name") or "", arguments=custom.get("input"))
    function = call.get("function") or {}
    if not call.get("id") or not function.get("name"):
        raise MockError(400, f"Missing required parameter: '{where}.id' and '{where}.function.name' are required.",
                        param=where, code="missing_required_parameter")
    return ToolUse(id=call["id"], name=function["name"], arguments=_arguments(function.get("arguments")))


def _arguments(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _parse_tools(body: dict, conv: Conversation) -> None:
    custom: set[str] = set()
    for index, tool in enumerate(body.get("tools") or []):
        if tool["type"] == "function":
            fn = tool["function"]
            _check_strict_function(fn, f"tools[{index}].function.parameters")
            conv.tools.append(Tool(fn["name"], fn.get("description") or "", _schema(fn.get("parameters")),
                                   bool(fn.get("strict"))))
        else:
            spec = tool["custom"]
            custom.add(spec["name"])
            conv.tools.append(Tool(spec["name"], spec.get("description") or "", {"type": "string", "minLength": 1}))
    legacy = bool(body.get("functions")) and not body.get("tools")
    if legacy:
        for index, fn in enumerate(body["functions"]):
            _check_strict_function(fn, f"functions[{index}].parameters")
        conv.tools = [Tool(fn["name"], fn.get("description") or "", _schema(fn.get("parameters")), bool(fn.get("strict")))
                      for fn in body["functions"]]
    conv.extra["legacy_functions"] = legacy
    conv.parallel_tool_calls = body.get("parallel_tool_calls") is not False and not legacy
    conv.extra["custom_tools"] = custom
    param = "function_call" if legacy else "tool_choice"
    choice = body.get(param)
    if choice is None:
        return
    if not conv.tools:
        raise MockError(400, f"Invalid value for '{param}': '{param}' is only allowed when "
                             f"'{'functions' if legacy else 'tools'}' are specified.", param=param, code="invalid_value")
    if isinstance(choice, str):
        conv.tool_choice = choice
        return
    kind = choice.get("type", "function")
    if kind == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        wanted = {(t.get(t.get("type", "function")) or {}).get("name") for t in allowed.get("tools") or []}
        conv.tools = [t for t in conv.tools if t.name in wanted] or conv.tools
        conv.tool_choice = allowed.get("mode") or "auto"
        return
    name = choice.get("name") if legacy else (choice.get(kind) or {}).get("name")
    if not name:
        where = param if legacy else f"{param}.{kind}.name"
        raise MockError(400, f"Missing required parameter: '{where}'.", param=where, code="missing_required_parameter")
    if conv.tool_named(name or "") is None:
        raise MockError(400, f"Invalid value for '{param}': no function named '{name}' was specified in "
                             f"'{'functions' if legacy else 'tools'}'.", param=param, code="invalid_value")
    conv.tool_choice, conv.forced_tool = "required", name


def _check_strict_function(fn: dict, param: str) -> None:
    """A `strict: true` function's parameters must follow the Structured Outputs rules."""
    if fn.get("strict") is True and isinstance(fn.get("parameters"), dict):
        check_function(fn["parameters"], fn.get("name"), param)


def _schema(parameters: Any) -> dict:
    return parameters if isinstance(parameters, dict) and parameters else {"type": "object", "properties": {}}


def _parse_output(body: dict, conv: Conversation) -> None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt["json_schema"]
        if spec.get("strict") is True:
            check_response_format(spec.get("schema"), spec.get("name"), "response_format")
        conv.response_schema = spec.get("schema") or {"type": "object"}
        conv.response_schema_name = spec.get("name")
    elif fmt.get("type") == "json_object":
        conv.json_mode = True
        texts = [conv.system] + [m.text for m in conv.messages]
        if not any(JSON_WORD.search(t or "") for t in texts):
            raise MockError(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of "
                                 "type 'json_object'.", param="messages", code="invalid_value")
    modalities = body.get("modalities") or []
    if "audio" in modalities:
        audio = body.get("audio")
        if not audio:
            raise MockError(400, "Missing required parameter: 'audio'. It is required when 'modalities' includes "
                                 "'audio'.", param="audio", code="missing_required_parameter")
        conv.audio_output = dict(audio)


# ----------------------------------------------------------------------------- render

def render(ctx: RequestContext, reply: Reply, conversation: Conversation) -> Answer:
    """The reply as the request asked for it: a `chat.completion` object or a chunk stream."""
    headers = response_headers()
    if ctx.stream:
        return StreamAnswer(stream_frames(ctx, reply, conversation), headers=headers)
    return JsonAnswer(completion_body(ctx, reply, conversation), headers=headers)


def _envelope(ctx: RequestContext, reply: Reply, obj: str) -> dict:
    tier = (ctx.body or {}).get("service_tier")
    return {"id": "chatcmpl-" + tokens.keyed_id(reply.key, b"chat", 29), "object": obj,
            "created": reply.created, "model": reply.model,
            "service_tier": tier if tier in SERVICE_TIERS else "default",
            "system_fingerprint": system_fingerprint(reply.model, ctx.seed)}


def completion_body(ctx: RequestContext, reply: Reply, conv: Conversation) -> dict:
    """The non-streamed `chat.completion` object."""
    audios = _audios(ctx, reply, conv)
    choices = []
    for index, candidate in enumerate(reply.candidates):
        choices.append({"index": index, "message": _message(candidate, conv, audios[index]),
                        "logprobs": _logprobs(candidate, reply.key, index, conv) if conv.logprobs else None,
                        "finish_reason": _finish(candidate, conv)})
    body = _envelope(ctx, reply, "chat.completion")
    body["choices"] = choices
    body["usage"] = _usage(reply, conv, audios)
    return body


def _message(candidate: Candidate, conv: Conversation, audio: dict | None) -> dict:
    content = None if audio or candidate.refusal is not None else candidate.text
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": candidate.refusal,
                               "annotations": []}
    if candidate.tool_calls:
        if conv.extra.get("legacy_functions"):
            call = candidate.tool_calls[0]
            message["function_call"] = {"name": call.name, "arguments": call.arguments_json()}
        else:
            message["tool_calls"] = [_tool_call(call, conv) for call in candidate.tool_calls]
    if audio:
        message["audio"] = {k: audio.get(k) for k in ("id", "data", "expires_at", "transcript")}
    return message


def _tool_call(call: Any, conv: Conversation) -> dict:
    if call.name in conv.extra.get("custom_tools", ()):
        return {"id": call.id, "type": "custom", "custom": {"name": call.name, "input": _custom_input(call)}}
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments_json()}}


def _custom_input(call: Any) -> str:
    value = call.raw_arguments if call.raw_arguments is not None else call.arguments
    return value if isinstance(value, str) else compact_json(value)


def _finish(candidate: Candidate, conv: Conversation) -> str:
    reason = FINISH.get(candidate.finish, "stop")
    if reason == "tool_calls" and conv.extra.get("legacy_functions"):
        return "function_call"
    return reason


def _logprobs(candidate: Candidate, key: str, index: int, conv: Conversation) -> dict | None:
    if not conv.logprobs:
        return None
    variant = f"{key}:{index}"
    text = [token_logprob(t, variant, i, conv.top_logprobs) for i, t in enumerate(tokens.split(candidate.text or ""))]
    refusal = [token_logprob(t, variant, i, conv.top_logprobs)
               for i, t in enumerate(tokens.split(candidate.refusal or ""))]
    if candidate.refusal is not None:
        return {"content": None, "refusal": refusal}
    return {"content": text, "refusal": None}


def _usage(reply: Reply, conv: Conversation, audios: list[dict | None]) -> dict:
    prompt_audio = 0
    for message in conv.messages:
        if message.audio:
            prompt_audio += AUDIO_TOKENS * len(message.audio)
    completion_audio = sum([a["tokens"] for a in audios if a]) if any(audios) else 0
    return usage_body(reply.usage, prompt_audio=prompt_audio, completion_audio=completion_audio)


def _audios(ctx: RequestContext, reply: Reply, conv: Conversation) -> list[dict | None]:
    """Spoken versions of each text candidate when audio output was asked for (a scenario's own audio wins)."""
    if not conv.audio_output and len(reply.candidates) == 1 and not reply.candidates[0].audio:
        return [None]  # the common case: nothing spoken
    out: list[dict | None] = []
    for index, candidate in enumerate(reply.candidates):
        if candidate.audio:
            out.append({"tokens": 0, **candidate.audio})
        elif conv.audio_output and candidate.text and not candidate.tool_calls:
            out.append(_speak(ctx, reply, conv.audio_output, candidate.text, index))
        else:
            out.append(None)
    return out


def _speak(ctx: RequestContext, reply: Reply, request: dict, transcript: str, index: int) -> dict:
    fmt = request.get("format") or "wav"
    seconds = min(12.0, max(1.0, 0.3 * len(transcript.split())))
    seed = f"{reply.key}:{index}:{ctx.seed}"
    data = render_audio(AUDIO_FORMATS.get(fmt, fmt), seconds, seed)
    return {"id": "audio_" + tokens.stable_id(seed, "audio", length=32).lower(),
            "data": base64.b64encode(data).decode(), "expires_at": reply.created + AUDIO_LIFETIME_S,
            "transcript": transcript, "tokens": round(seconds * AUDIO_TOKENS_PER_SECOND)}


# ----------------------------------------------------------------------------- stream

DONE = sse_frame("[DONE]")
PIECE_END = b'},"logprobs":null,"finish_reason":null}]'  # what follows a plain text piece's JSON string


class _Chunks:
    """The frames of one stream: each is the envelope, serialised once, around one choice."""

    __slots__ = ("head", "tail")

    def __init__(self, envelope: dict, include_usage: bool) -> None:
        self.head = b"data: " + orjson.dumps(envelope)[:-1] + b',"choices":'
        self.tail = b',"usage":null}\n\n' if include_usage else b"}\n\n"

    def delta(self, index: int, delta: dict, logprobs: dict | None, finish: str | None = None) -> bytes:
        """A chunk of one choice's delta."""
        return self.head + orjson.dumps([{"index": index, "delta": delta, "logprobs": logprobs,
                                          "finish_reason": finish}]) + self.tail

    def pieces(self, index: int, field: str, pieces: list[str]) -> list[bytes]:
        """A chunk per text piece (`{field: piece}` deltas, no logprobs): only the piece is serialised per frame."""
        before = self.head + b'[{"index":%d,"delta":{"%b":' % (index, field.encode())
        return frames_around(before, pieces, PIECE_END + self.tail)


def stream_frames(ctx: RequestContext, reply: Reply, conv: Conversation) -> list[bytes]:
    """`data:` frames of `chat.completion.chunk` objects: choices interleaved, finish chunks, usage, `[DONE]`."""
    include_usage = wants_usage_in_stream(ctx.body or {})
    envelope = _envelope(ctx, reply, "chat.completion.chunk")
    audios = _audios(ctx, reply, conv)
    chunks = _Chunks(envelope, include_usage)
    per_choice = [_choice_frames(chunks, c, conv, reply.key, i, audios[i]) for i, c in enumerate(reply.candidates)]
    if len(per_choice) == 1:
        frames = per_choice[0]
    else:  # step by step: every choice's first delta, then every choice's second, ...
        frames = [own[step] for step in range(max(map(len, per_choice))) for own in per_choice if step < len(own)]
    for index, candidate in enumerate(reply.candidates):
        frames.append(chunks.delta(index, {}, None, _finish(candidate, conv)))
    if include_usage:
        frames.append(sse_frame({**envelope, "choices": [], "usage": _usage(reply, conv, audios)}))
    frames.append(DONE)
    return frames


def _choice_frames(chunks: _Chunks, candidate: Candidate, conv: Conversation, key: str, index: int,
                   audio: dict | None) -> list[bytes]:
    """One choice's chunks: role first, then content, refusal, audio or tool calls (with logprobs if asked)."""
    variant, top, logprobs = f"{key}:{index}", conv.top_logprobs, conv.logprobs
    calls = candidate.tool_calls
    legacy = conv.extra.get("legacy_functions") and calls
    text = candidate.text if not audio and candidate.refusal is None else None
    if candidate.refusal is not None:
        first: dict[str, Any] = {"role": "assistant", "content": None, "refusal": ""}
    elif text is not None and not (calls and not text):
        first = {"role": "assistant", "content": "", "refusal": None}
    else:
        first = {"role": "assistant", "content": None}
    if legacy:
        first["function_call"] = {"name": calls[0].name, "arguments": ""}
    out = [chunks.delta(index, first, {"content": [], "refusal": None} if logprobs else None)]
    position = 0
    if first.get("content") == "":
        if not logprobs:  # the common case: no per-token work
            out += chunks.pieces(index, "content", candidate.chunks())
        else:
            for piece in candidate.chunks():
                entries = [token_logprob(t, variant, position + i, top) for i, t in enumerate(tokens.split(piece))]
                position += len(entries)
                out.append(chunks.delta(index, {"content": piece}, {"content": entries, "refusal": None}))
    if candidate.refusal is not None:
        if not logprobs:
            out += chunks.pieces(index, "refusal", tokens.split(candidate.refusal))
        else:
            for piece in tokens.split(candidate.refusal):
                entries = [token_logprob(piece, variant, position, top)]
                position += 1
                out.append(chunks.delta(index, {"refusal": piece}, {"content": None, "refusal": entries}))
    if audio:
        out += [chunks.delta(index, delta, None) for delta in _audio_deltas(audio)]
    if legacy:
        out += [chunks.delta(index, {"function_call": {"arguments": frag}}, None) for frag in calls[0].chunks() if frag]
    else:
        for k, call in enumerate(calls):
            out += [chunks.delta(index, delta, None) for delta in _tool_deltas(call, k, conv)]
    return out


def _tool_deltas(call: Any, k: int, conv: Conversation) -> list[dict]:
    if call.name in conv.extra.get("custom_tools", ()):
        head = {"index": k, "id": call.id, "type": "custom", "custom": {"name": call.name, "input": ""}}
        pieces = tokens.fragments(_custom_input(call), 12)
        return [{"tool_calls": [head]}] + [{"tool_calls": [{"index": k, "custom": {"input": p}}]} for p in pieces if p]
    head = {"index": k, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
    return ([{"tool_calls": [head]}]
            + [{"tool_calls": [{"index": k, "function": {"arguments": p}}]} for p in call.chunks() if p])


def _audio_deltas(audio: dict) -> list[dict]:
    """Audio as the real API streams it: id with the first transcript piece, transcript, data, then `expires_at`."""
    pieces = tokens.split(audio["transcript"]) or [""]
    out = [{"audio": {"id": audio["id"], "transcript": pieces[0]}}]
    out += [{"audio": {"transcript": p}} for p in pieces[1:]]
    data = audio["data"]
    out += [{"audio": {"data": data[i:i + 32768]}} for i in range(0, len(data), 32768)]
    out.append({"audio": {"expires_at": audio["expires_at"]}})
    return out


class ChatCompletions(OpenAI):
    """`POST /v1/chat/completions`: OpenAI's envelope, its messages and its chunk stream."""

    conversational = True
    handles = ("chat:create",)

    def parse(self, ctx: RequestContext) -> Conversation:
        return parse(ctx)

    def default_reply(self, ctx: RequestContext, conv: Conversation) -> Reply:
        return default_reply(conv, key=reply_key(ctx), seed=ctx.seed)

    async def render(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> Answer:
        return render(ctx, reply, conv)


CHAT = ChatCompletions()
