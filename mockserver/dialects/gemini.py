"""Gemini's native wire format: `generateContent` bodies to a Conversation, a Reply to Gemini JSON or SSE."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from ..core import tokens
from ..core.answers import Answer, JsonAnswer, StreamAnswer, sse_frame
from ..core.context import RequestContext
from ..core.conversation import Conversation, Message, Tool, ToolResult, ToolUse, check_base64
from ..core.errors import MockError
from ..core.reply import Candidate, Reply
from ..generate import engine, instance_for, models_catalog
from ..media import aspect_ratio_size, embeddings, render_image
from .base import Dialect

if TYPE_CHECKING:
    import numpy as np

FINISH_REASONS = {"stop": "STOP", "stop_sequence": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS",
                  "content_filter": "SAFETY", "refusal": "SAFETY"}
TOOL_MODES = {"AUTO": "auto", "VALIDATED": "auto", "MODE_UNSPECIFIED": "auto", "ANY": "required", "NONE": "none"}
THINKING_PREFIXES = ("gemini-2.5", "gemini-3")
STREAM_PIECE_TOKENS = 4
DEFAULT_PAGE_SIZE = 50
IMAGE_LONG_SIDE = 1024
EMBEDDING_DIMENSIONS = 768
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


def field(obj: Any, camel: str, default: Any = None) -> Any:
    """`obj[camel]`, or its snake_case spelling (the REST API accepts both)."""
    if not isinstance(obj, dict):
        return default
    if camel in obj:
        return obj[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return obj.get(snake, default)


def api_version(ctx: RequestContext) -> str:
    """`v1beta` or `v1`, as the request path says (for error messages)."""
    return ctx.path.strip("/").split("/", 1)[0] or "v1beta"


def model_name(ctx: RequestContext) -> str:
    """The bare model id of the path (`gemini-2.0-flash`)."""
    return ctx.path_params.get("model", "").removeprefix("models/")


def is_embedding_model(model: str) -> bool:
    """Embedding models answer embedContent, not generateContent."""
    found = models_catalog.find(model)
    return found.kind == "embedding" if found else "embedding" in model


def unsupported(ctx: RequestContext, method: str) -> MockError:
    """Gemini's 404 for a model that does not serve `method`."""
    return MockError(404, f"models/{model_name(ctx)} is not found for API version {api_version(ctx)}, or is not "
                          f"supported for {method}. Call ListModels to see the list of available models and "
                          "their supported methods.")


# ---------------------------------------------------------------- request -> Conversation


def parse(ctx: RequestContext) -> Conversation:
    """The generateContent body (camelCase or snake_case) as a provider-neutral Conversation."""
    return parse_request(ctx.body or {}, model_name(ctx))


def parse_request(body: dict, model: str, prefix: str = "") -> Conversation:
    """Parse a GenerateContentRequest; `prefix` names nested bodies in error messages."""
    conv = Conversation(model=model)
    contents = field(body, "contents") or []
    if not isinstance(contents, list):
        raise MockError(400, f"Invalid value at '{prefix}contents': expected a list of Content.",
                        param=f"{prefix}contents")
    for i, content in enumerate(contents):
        conv.messages.append(_message(content, f"{prefix}contents[{i}]"))
    system = field(body, "systemInstruction")
    if isinstance(system, str):
        conv.system = system
    elif isinstance(system, dict):
        conv.system = "\n".join(p["text"] for p in system.get("parts") or [] if isinstance(p.get("text"), str))
    _tools(conv, body, prefix)
    _generation_config(conv, field(body, "generationConfig") or {}, prefix)
    return conv


def _message(content: dict, where: str) -> Message:
    role = content.get("role") or "user"
    message = Message(role="assistant" if role == "model" else "user")
    texts: list[str] = []
    parts = content.get("parts")
    if not parts:
        raise MockError(400, f"* GenerateContentRequest.{where}.parts: contents.parts must not be empty.",
                        param=f"{where}.parts")
    for j, part in enumerate(parts):
        at = f"{where}.parts[{j}]"
        if not part:
            raise MockError(400, f"* GenerateContentRequest.{at}.data: required oneof field 'data' must have one "
                                 "initialized field", param=f"{at}.data")
        if isinstance(part.get("text"), str) and not part.get("thought"):
            texts.append(part["text"])
        blob = field(part, "inlineData")
        if blob is not None:
            _media(message, blob, f"{at}.inlineData")
        file_data = field(part, "fileData")
        if file_data is not None:
            mime = field(file_data, "mimeType") or ""
            _bucket(message, mime).append(field(file_data, "fileUri") or "")
        call = field(part, "functionCall")
        if call is not None:
            message.tool_uses.append(ToolUse(id=call.get("id") or call.get("name", ""), name=call.get("name", ""),
                                             arguments=call.get("args") or {}))
        result = field(part, "functionResponse")
        if result is not None:
            message.tool_results.append(ToolResult(call_id=result.get("id") or result.get("name", ""),
                                                   content=json.dumps(result.get("response"), ensure_ascii=False),
                                                   name=result.get("name")))
    message.text = "".join(texts)
    return message


def _media(message: Message, blob: dict, where: str) -> None:
    mime = field(blob, "mimeType") or ""
    data = blob.get("data")
    if not isinstance(data, str):
        raise MockError(400, f"Invalid value at '{where}.data' (TYPE_BYTES): expected base64 data.",
                        param=f"{where}.data")
    standard = data.strip().replace("-", "+").replace("_", "/")  # Google accepts the URL-safe alphabet too
    try:
        check_base64(standard + "=" * (-len(standard) % 4), f"{where}.data")
    except MockError:
        raise MockError(400, f"Invalid value at '{where}.data' (TYPE_BYTES), Base64 decoding failed.",
                        param=f"{where}.data") from None
    _bucket(message, mime).append(f"data:{mime};base64,{data}")


def _bucket(message: Message, mime: str) -> list[str]:
    if mime.startswith("image/"):
        return message.images
    if mime.startswith("audio/"):
        return message.audio
    return message.files


def _tools(conv: Conversation, body: dict, prefix: str) -> None:
    for i, tool in enumerate(field(body, "tools") or []):
        for j, decl in enumerate(field(tool, "functionDeclarations") or []):
            schema = (field(decl, "parametersJsonSchema") or decl.get("parameters")
                      or {"type": "object", "properties": {}})
            if not isinstance(schema, dict):
                raise MockError(400, f"Invalid value at '{prefix}tools[{i}].function_declarations[{j}].parameters'.",
                                param=f"{prefix}tools[{i}].functionDeclarations[{j}].parameters")
            conv.tools.append(Tool(name=decl.get("name", ""), description=decl.get("description") or "",
                                   schema=schema))
    calling = field(field(body, "toolConfig") or {}, "functionCallingConfig") or {}
    mode = str(calling.get("mode") or "AUTO").upper()
    conv.tool_choice = TOOL_MODES.get(mode, "auto")
    allowed = field(calling, "allowedFunctionNames") or []
    unknown = [name for name in allowed if conv.tool_named(name) is None]
    if unknown:
        raise MockError(400, f"allowed_function_names contains '{unknown[0]}', which is not a declared function.",
                        param=f"{prefix}toolConfig.functionCallingConfig.allowedFunctionNames")
    if allowed and conv.tool_choice == "required":
        conv.tools = [t for t in conv.tools if t.name in allowed]
        if len(allowed) == 1:
            conv.forced_tool = allowed[0]


def _generation_config(conv: Conversation, config: dict, prefix: str) -> None:
    conv.max_tokens = field(config, "maxOutputTokens")
    conv.stop = list(field(config, "stopSequences") or [])
    conv.n = field(config, "candidateCount") or 1
    conv.seed = config.get("seed")
    mime = str(field(config, "responseMimeType") or "text/plain").lower()
    schema = field(config, "responseJsonSchema") or field(config, "responseSchema")
    if schema is not None and mime not in ("application/json", "text/x.enum"):
        raise MockError(400, "Invalid JSON payload: response_mime_type must be 'application/json' or "
                             "'text/x.enum' when a response schema is set.",
                        param=f"{prefix}generationConfig.responseMimeType")
    if mime == "text/x.enum":
        if not isinstance(schema, dict) or not schema.get("enum"):
            raise MockError(400, "response_mime_type 'text/x.enum' needs a responseSchema with an enum.",
                            param=f"{prefix}generationConfig.responseSchema")
        conv.extra["enum_values"] = list(schema["enum"])
    elif schema is not None:
        conv.response_schema = schema if isinstance(schema, dict) else {}
    elif mime == "application/json":
        conv.json_mode = True
    modalities = [str(m).upper() for m in field(config, "responseModalities") or []]
    if "IMAGE" in modalities or (not modalities and "-image" in conv.model and "imagen" not in conv.model):
        ratio = field(field(config, "imageConfig") or {}, "aspectRatio") or "1:1"
        if ratio not in ASPECT_RATIOS:
            raise MockError(400, f"Unsupported aspect ratio '{ratio}'; use one of {', '.join(ASPECT_RATIOS)}.",
                            param=f"{prefix}generationConfig.imageConfig.aspectRatio")
        conv.extra["image_output"] = {"text": not modalities or "TEXT" in modalities,
                                      "size": aspect_ratio_size(ratio, IMAGE_LONG_SIDE)}
    thinking = field(config, "thinkingConfig") or {}
    budget = field(thinking, "thinkingBudget")
    conv.extra["include_thoughts"] = bool(field(thinking, "includeThoughts"))
    if budget is not None and budget > 0:
        conv.thinking_budget = budget
    elif budget == -1 or (budget is None and conv.model.startswith(THINKING_PREFIXES)) \
            or field(thinking, "thinkingLevel"):
        conv.reasoning_effort = str(field(thinking, "thinkingLevel") or "medium").lower()


# ---------------------------------------------------------------- default reply


def default_reply(ctx: RequestContext, conv: Conversation) -> Reply:
    """The engine's reply, plus what only Gemini does: enum answers and generated images."""
    if is_embedding_model(conv.model):
        raise unsupported(ctx, "generateContent")
    reply = engine.default_reply(conv, key=ctx.fingerprint(conv.model), seed=ctx.seed)
    enum_values = conv.extra.get("enum_values")
    image = conv.extra.get("image_output")
    for index, candidate in enumerate(reply.candidates):
        if candidate.tool_calls:
            continue
        if enum_values:
            candidate.text = str(instance_for({"enum": enum_values}, seed=f"{reply.key}:{index}",
                                              hint=conv.last_user_text()))
            candidate.finish = "stop"
        if image is not None:
            width, height = image["size"]
            prompt = conv.last_user_text()
            candidate.images.append(("image/png", render_image(width, height, "png", seed=f"{reply.key}:{index}",
                                                               text=prompt[:40] or None)))
            candidate.text = f"Here is the image you asked for: {prompt[:120]}" if image["text"] and prompt else (
                "Here is the image." if image["text"] else None)
            candidate.finish = "stop"
    reply.usage.completion_tokens = sum(engine.completion_tokens(c) for c in reply.candidates) \
        + reply.usage.reasoning_tokens
    return reply


# ---------------------------------------------------------------- Reply -> wire


def render(ctx: RequestContext, reply: Reply, conversation: Conversation) -> Answer:
    """The reply as the request asks: one JSON body, SSE chunks (`alt=sse`) or a JSON array of chunks."""
    if not ctx.stream:
        return JsonAnswer(response_body(reply, conversation))
    chunks = stream_chunks(reply, conversation)
    if ctx.query.get("alt") != "sse":
        return JsonAnswer(chunks)
    return StreamAnswer([sse_frame(chunk, line_end="\r\n") for chunk in chunks])


def response_body(reply: Reply, conversation: Conversation) -> dict:
    """A whole GenerateContentResponse."""
    thoughts = bool(conversation.extra.get("include_thoughts"))
    candidates = [_candidate(index, _parts(c, thoughts), c.finish) for index, c in enumerate(reply.candidates)]
    return _envelope(reply, candidates, usage_metadata(reply, conversation))


def stream_chunks(reply: Reply, conversation: Conversation) -> list[dict]:
    """Chunks of a streamed answer: each a complete response holding only the new parts."""
    thoughts = bool(conversation.extra.get("include_thoughts"))
    per_candidate = [_stream_parts(c, thoughts) for c in reply.candidates]
    steps = max(len(parts) for parts in per_candidate) if per_candidate else 1
    prompt_only = {"promptTokenCount": reply.usage.prompt_tokens, "totalTokenCount": reply.usage.prompt_tokens}
    chunks = []
    for step in range(steps):
        last = step == steps - 1
        candidates = []
        for index, (candidate, pieces) in enumerate(zip(reply.candidates, per_candidate)):
            if step < len(pieces):
                finish = candidate.finish if step == len(pieces) - 1 else None
                candidates.append(_candidate(index, pieces[step], finish))
        chunks.append(_envelope(reply, candidates, usage_metadata(reply, conversation) if last else prompt_only))
    return chunks


def _envelope(reply: Reply, candidates: list[dict], usage: dict) -> dict:
    return {"candidates": candidates, "usageMetadata": usage, "modelVersion": reply.model,
            "responseId": tokens.keyed_id(reply.key, b"gemini", 23)}


def _candidate(index: int, parts: list[dict], finish: str | None) -> dict:
    out: dict[str, Any] = {"content": {"parts": parts, "role": "model"}}
    if finish is not None:
        out["finishReason"] = FINISH_REASONS.get(finish, "OTHER")
    out["index"] = index
    return out


def _parts(candidate: Candidate, thoughts: bool) -> list[dict]:
    parts: list[dict] = []
    if thoughts and candidate.reasoning:
        parts.append({"text": candidate.reasoning, "thought": True})
    text = candidate.text if candidate.text is not None else candidate.refusal
    if text:
        parts.append({"text": text})
    parts += [{"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}
              for mime, data in candidate.images]
    parts += [{"functionCall": {"name": call.name, "args": call.arguments_object()}} for call in candidate.tool_calls]
    return parts or [{"text": ""}]


def _stream_parts(candidate: Candidate, thoughts: bool) -> list[list[dict]]:
    """One list of parts per chunk: thoughts, text pieces, then images and calls whole."""
    steps: list[list[dict]] = []
    if thoughts and candidate.reasoning:
        steps.append([{"text": candidate.reasoning, "thought": True}])
    if candidate.text_chunks is not None:
        pieces = candidate.text_chunks
    else:
        split = tokens.split(candidate.text if candidate.text is not None else candidate.refusal or "")
        pieces = ["".join(split[i:i + STREAM_PIECE_TOKENS]) for i in range(0, len(split), STREAM_PIECE_TOKENS)]
    steps += [[{"text": piece}] for piece in pieces if piece]
    whole = [p for p in _parts(Candidate(images=candidate.images, tool_calls=candidate.tool_calls), False)
             if "text" not in p]
    if whole:
        steps.append(whole)
    return steps or [[{"text": ""}]]


def usage_metadata(reply: Reply, conversation: Conversation) -> dict:
    """`usageMetadata`: Gemini counts thoughts apart from the candidates."""
    usage = reply.usage
    thoughts = usage.reasoning_tokens
    candidates = max(0, usage.completion_tokens - thoughts)
    out: dict[str, Any] = {"promptTokenCount": usage.prompt_tokens, "candidatesTokenCount": candidates,
                           "totalTokenCount": usage.prompt_tokens + candidates + thoughts,
                           "promptTokensDetails": modality_details(conversation, usage.prompt_tokens)}
    if thoughts:
        out["thoughtsTokenCount"] = thoughts
    if usage.cached_tokens:
        out["cachedContentTokenCount"] = usage.cached_tokens
    return out


def modality_details(conv: Conversation, total: int) -> list[dict]:
    """The prompt's tokens by modality (the engine's per-image and per-clip costs)."""
    images = engine.IMAGE_TOKENS * sum(len(m.images) for m in conv.messages)
    audio = engine.AUDIO_TOKENS * sum(len(m.audio) for m in conv.messages)
    details = [{"modality": "TEXT", "tokenCount": max(0, total - images - audio)}]
    if images:
        details.append({"modality": "IMAGE", "tokenCount": images})
    if audio:
        details.append({"modality": "AUDIO", "tokenCount": audio})
    return details


def count_tokens_body(ctx: RequestContext) -> dict:
    """`countTokens`: of `contents`, or of a whole `generateContentRequest`."""
    body = ctx.body or {}
    nested = field(body, "generateContentRequest")
    if nested is not None:
        if not isinstance(nested, dict):
            raise MockError(400, "Invalid value at 'generate_content_request': expected an object.",
                            param="generateContentRequest")
        conv = parse_request(nested, model_name(ctx), "generateContentRequest.")
    elif field(body, "contents") is not None:
        conv = parse_request({"contents": field(body, "contents")}, model_name(ctx))
    else:
        raise MockError(400, "Either `contents` or `generateContentRequest` must be set.", param="contents")
    if is_embedding_model(conv.model):
        raise unsupported(ctx, "countTokens")
    total = engine.prompt_tokens(conv) if conv.messages or conv.system or conv.tools else 0
    return {"totalTokens": total, "promptTokensDetails": modality_details(conv, total)}


# ---------------------------------------------------------------- embeddings


def embedding_values(ctx: RequestContext, request: dict, where: str = "") -> "np.ndarray":
    """The float32 vector for one EmbedContentRequest: the model's native length or `outputDimensionality`."""
    model = model_name(ctx)
    if not is_embedding_model(model):
        raise unsupported(ctx, "embedContent")
    named = str(request.get("model") or f"models/{model}").removeprefix("models/")
    if named != model:
        raise MockError(400, f"Model '{request.get('model')}' in the request does not match the model in the URL "
                             f"(models/{model}).", param=f"{where}model")
    content = request.get("content") or {}
    parts = content.get("parts") if isinstance(content, dict) else None
    if not parts:
        raise MockError(400, "* EmbedContentRequest.content.parts: contents.parts must not be empty.",
                        param=f"{where}content.parts")
    text = "\n".join(p["text"] if isinstance(p.get("text"), str) else json.dumps(p, sort_keys=True) for p in parts)
    found = models_catalog.find(model)
    native = found.dimensions if found and found.dimensions else EMBEDDING_DIMENSIONS
    dims = field(request, "outputDimensionality") or native
    if dims > native:
        raise MockError(400, f"outputDimensionality must be at most {native} for models/{model}, got {dims}.",
                        param=f"{where}outputDimensionality")
    return embeddings.embed_array(text, dims, space=f"{model}\x1f{ctx.seed}")


# ---------------------------------------------------------------- models


def model_resource(model_id: str) -> dict:
    """Gemini's model resource for an id (catalog facts, or a plausible default)."""
    bare = model_id.removeprefix("models/")
    found = models_catalog.find(bare)
    if found is not None:
        resource = models_catalog.gemini_model(found)
    else:
        embedding = "embedding" in bare
        resource = {"name": f"models/{bare}", "version": "001", "displayName": bare,
                    "description": f"{bare} (served by mockserver)",
                    "inputTokenLimit": 2_048 if embedding else models_catalog.context_window(bare),
                    "outputTokenLimit": 1 if embedding else 8_192,
                    "supportedGenerationMethods": (["embedContent", "batchEmbedContents"] if embedding else
                                                   ["generateContent", "streamGenerateContent", "countTokens"])}
    if "embedding" not in bare:
        resource.update({"temperature": 1, "topP": 0.95, "topK": 64 if bare.startswith(THINKING_PREFIXES) else 40,
                         "maxTemperature": 2})
        if bare.startswith(THINKING_PREFIXES):
            resource["thinking"] = True
    return resource


def gemini_model_ids() -> list[str]:
    """The catalog's Google models, in catalog order."""
    return [m.id for m in models_catalog.by_owner("google") if m.kind in ("chat", "embedding")]


def is_known_model(model_id: str) -> bool:
    """Whether `models.get` should find this id (catalog, or a Gemini/Gemma/embedding name)."""
    bare = model_id.removeprefix("models/")
    return models_catalog.find(bare) is not None or bare.startswith(("gemini-", "gemma-", "text-embedding-",
                                                                     "embedding-"))


def list_models_body(ids: list[str], page_size: int | None, page_token: str | None) -> dict:
    """One page of `{"models": [...], "nextPageToken"}`; the token is opaque and names the next model."""
    size = min(max(page_size or DEFAULT_PAGE_SIZE, 1), 1000)
    start = 0
    if page_token:
        try:
            start = ids.index(base64.urlsafe_b64decode(page_token + "=" * (-len(page_token) % 4)).decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise MockError(400, "Invalid page token.", param="pageToken", kind="INVALID_ARGUMENT") from None
    page = ids[start:start + size]
    body: dict[str, Any] = {"models": [model_resource(i) for i in page]}
    if start + size < len(ids):
        body["nextPageToken"] = base64.urlsafe_b64encode(ids[start + size].encode()).decode().rstrip("=")
    return body


STATUSES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "INVALID_ARGUMENT", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL",
    501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}


class Gemini(Dialect):
    """The Gemini API: `{"error": {code, message, status, details}}`, SSE with CRLF and no keep-alives."""

    name = "gemini"
    conversational = True
    handles = ("gemini:generate", "gemini:stream_generate")
    keepalive_frame = None  # google-genai's SSE parser breaks on comment lines

    def claims(self, headers: dict[str, str], query: Any) -> bool:
        return "x-goog-api-key" in headers or "x-goog-api-client" in headers or "key" in query

    def error_body(self, error: MockError, request_id: str) -> Any:
        status = error.kind or STATUSES.get(error.status, "INTERNAL" if error.status >= 500 else "INVALID_ARGUMENT")
        body: dict[str, Any] = {"code": error.status, "message": error.message, "status": status}
        if error.param:
            body["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                "fieldViolations": [{"field": error.param, "description": error.message}]}]
        return {"error": body}

    def missing_key(self) -> MockError:
        return MockError(401, "Method doesn't allow unregistered callers (callers without established identity). "
                              "Please use API Key or other form of API consumer identity to call this API.",
                         code="missing_api_key")

    def invalid_key(self, key: str) -> MockError:
        return MockError(400, "API key not valid. Please pass a valid API key.", kind="INVALID_ARGUMENT")

    def rate_limit_kind(self, unit: str) -> str | None:
        return None

    def retry_extras(self, seconds: float) -> dict[str, str]:
        return {}

    def model_page(self, ctx: RequestContext) -> Any:
        """Gemini models, paged with `pageSize` and `pageToken`."""
        models = models_catalog.by_owner("google")
        size = ctx.query.bounded("pageSize", 50, 1, 1000)
        start = ctx.query.bounded("pageToken", 0, 0, len(models))
        body: dict = {"models": [models_catalog.gemini_model(m) for m in models[start:start + size]]}
        if start + size < len(models):
            body["nextPageToken"] = str(start + size)
        return body

    def model_entry(self, model: Any) -> Any:
        return models_catalog.gemini_model(model)

    def unknown_model(self, model_id: str) -> MockError:
        return MockError(404, f"models/{model_id} is not found for API version v1, or is not supported.")

    def parse(self, ctx: RequestContext) -> Conversation:
        return parse(ctx)

    def default_reply(self, ctx: RequestContext, conv: Conversation) -> Reply:
        return default_reply(ctx, conv)

    async def render(self, ctx: RequestContext, reply: Reply, conv: Conversation) -> Answer:
        return render(ctx, reply, conv)

    def stream_error(self, ctx: RequestContext, error: MockError, frames: list[bytes], index: int) -> bytes:
        return sse_frame(self.error_body(error, ctx.request_id), line_end="\r\n")


GEMINI = Gemini()
