"""An exchange (a request and what answered it) as a scenario that matches that request and answers the same.

Used by the dashboard's "to scenario" (from a journal entry) and by anything that records exchanges as scenario
YAML. The reply is read back from the answer in any wire format (Chat Completions, legacy Completions, Responses,
Anthropic Messages, Gemini; whole bodies or their event streams) into the neutral `reply:` a scenario writes; an
answer that cannot be read that way (another operation, a cut stream, text a template would take) becomes `raw:`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from ..core import tokens
from ..proxy.recording import escape_templates
from ..state.preview import asked
from ..state.sse import is_error

FINISHES = {"length": "length", "max_tokens": "length", "MAX_TOKENS": "length", "content_filter": "content_filter",
            "SAFETY": "content_filter", "stop_sequence": "stop_sequence", "refusal": "refusal",
            "max_output_tokens": "length"}
WILDCARDS = set("*?[")
MESSAGE_CHARS = 200  # a longer message is matched by its beginning (`message` is a contains test)
PACED_MS = 5.0  # a stream whose events spread over less than this was sent at once (no timing to reproduce)
KEPT_HEADERS = ("content-type",)
RETRY_HEADERS = {"retry-after": "retry_after", "retry-after-ms": "retry_after_ms"}


@dataclass
class Exchange:
    """What a scenario needs of one request and its answer, whatever recorded it."""

    operation: str | None
    model: str | None = None
    message: str | None = None          # what it asked: the last user message, else the prompt or input
    streamed: bool = False              # the answer was an event stream
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None                    # a whole answer's parsed body
    events: list[dict[str, Any]] | None = None   # a stream's events: {t_ms, event?, data?, comment?}
    reset: bool = False                 # the connection was dropped (before any byte, or mid-stream)
    ttft_ms: float | None = None        # from the request's arrival to the first content event
    sent_ms: float = 0.0                # from the request's arrival to the answer's first byte (work, not pacing)
    label: str = ""                     # where it came from, for the description
    kept: bool = True                   # the whole body is in hand (not binary, not cut at the journal's bound)

    @classmethod
    def from_journal(cls, entry: dict[str, Any]) -> "Exchange":
        """An exchange from a journal entry in full (`GET /_mock/requests/{id}`)."""
        response = entry.get("response") or {}
        kind = response.get("kind")
        return cls(operation=entry.get("operation"), model=entry.get("model"), message=asked(entry.get("body")),
                   streamed=kind == "stream", status=response.get("status", entry.get("status", 200)),
                   headers=response.get("headers") or {}, body=response.get("body"),
                   events=response.get("events") if kind == "stream" else None,
                   reset=kind == "reset" or entry.get("cut") == "reset", ttft_ms=response.get("ttft_ms"),
                   sent_ms=entry.get("elapsed_ms") or 0.0,
                   label=f"request #{entry.get('id')} ({entry.get('method')} {entry.get('path')})",
                   kept=not (response.get("binary") or (kind == "body" and response.get("truncated"))))


def scenario_for(exchange: Exchange, name: str) -> dict[str, Any]:
    """A scenario document: match this request, answer what was answered (stream timing and cut included)."""
    doc: dict[str, Any] = {"name": name}
    if exchange.label:
        doc["description"] = f"recorded from {exchange.label}"
    doc["match"] = _match(exchange)
    if exchange.reset and not exchange.events:
        doc["fault"] = {"reset": True}
        return doc
    if exchange.status >= 400 and not exchange.streamed:
        doc["fault"] = _fault(exchange)
        return doc
    if not exchange.kept and not exchange.streamed:  # audio, an image file, a body past 64 KiB: not in the journal
        doc["description"] = (doc.get("description", "") + "; its bytes were not kept, so the mock answers as it "
                              "would by default (the same bytes for the same request)").lstrip("; ")
        doc["pass"] = True
        return doc
    reply = read_reply(exchange) if _clean(exchange) else None
    if reply is not None:
        doc["reply"] = escape_templates(reply)
        timing = _pace(exchange)
    else:
        doc["raw"] = _raw(exchange)
        timing = {"stop_after": len(doc["raw"]["events"]), "stop": "reset"} if exchange.reset else {}
        if exchange.streamed:
            doc["match"]["stream"] = True
    if timing:
        doc["stream"] = timing
    return doc


def read_reply(exchange: Exchange) -> dict[str, Any] | None:
    """The answer as a scenario `reply:` (text, text_chunks, tool_calls, refusal, reasoning, finish), or None.

    Best effort: a stream cut short or ended by an error event gives what arrived before.
    """
    return _from_events(exchange.events) if exchange.events is not None else _from_body(exchange.body)


def _clean(exchange: Exchange) -> bool:
    """A whole, successful answer (else only `raw:` replays it faithfully)."""
    if exchange.reset or exchange.status != 200:
        return False
    events = exchange.events or []
    return not any(e.get("not_json") or is_error(e) for e in events)


# ---------------------------------------------------------------------- match


def _match(exchange: Exchange) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if exchange.operation:
        match["operation"] = exchange.operation
    if exchange.model:
        match["model"] = {"equals": exchange.model} if WILDCARDS & set(exchange.model) else exchange.model
    if exchange.message:
        match["message"] = exchange.message[:MESSAGE_CHARS]
    return match


# ---------------------------------------------------------------------- whole bodies


def _from_body(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("choices"), list) and body["choices"]:
        return _chat_choice(body["choices"][0])
    if isinstance(body.get("output"), list):
        return _responses_output(body)
    if body.get("type") == "message" and isinstance(body.get("content"), list):
        return _anthropic_content(body["content"], body.get("stop_reason"))
    if isinstance(body.get("candidates"), list) and body["candidates"]:
        candidate = body["candidates"][0]
        return _gemini_parts((candidate.get("content") or {}).get("parts") or [], candidate.get("finishReason"))
    return None


def _chat_choice(choice: dict[str, Any]) -> dict[str, Any] | None:
    message = choice.get("message")
    if message is None:  # legacy completions
        return _reply(text=choice.get("text"), finish=choice.get("finish_reason"))
    calls = [_call(c["function"].get("name"), c["function"].get("arguments"), c.get("id"))
             for c in message.get("tool_calls") or [] if isinstance(c.get("function"), dict)]
    if isinstance(message.get("function_call"), dict):
        calls.append(_call(message["function_call"].get("name"), message["function_call"].get("arguments")))
    return _reply(text=message.get("content"), refusal=message.get("refusal"), tool_calls=calls,
                  finish=choice.get("finish_reason"))


def _responses_output(body: dict[str, Any]) -> dict[str, Any] | None:
    texts, refusals, calls, reasoning = [], [], [], []
    for item in body["output"]:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    texts.append(part.get("text") or "")
                elif part.get("type") == "refusal":
                    refusals.append(part.get("refusal") or "")
        elif kind == "function_call":
            calls.append(_call(item.get("name"), item.get("arguments"), item.get("call_id")))
        elif kind == "reasoning":
            reasoning += [s.get("text", "") for s in item.get("summary") or []]
    incomplete = (body.get("incomplete_details") or {}).get("reason")
    return _reply(text="".join(texts) if texts else None, refusal="".join(refusals) if refusals else None,
                  tool_calls=calls, reasoning="".join(reasoning) or None, finish=incomplete)


def _anthropic_content(blocks: list[dict[str, Any]], stop: str | None) -> dict[str, Any] | None:
    texts = [b.get("text", "") for b in blocks if b.get("type") == "text"]
    thinking = [b.get("thinking", "") for b in blocks if b.get("type") == "thinking"]
    calls = [_call(b.get("name"), b.get("input"), b.get("id")) for b in blocks if b.get("type") == "tool_use"]
    return _reply(text="".join(texts) if texts else None, tool_calls=calls, reasoning="".join(thinking) or None,
                  finish=stop)


def _gemini_parts(parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any] | None:
    texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
    thoughts = [p["text"] for p in parts if isinstance(p.get("text"), str) and p.get("thought")]
    calls = [_call(p["functionCall"].get("name"), p["functionCall"].get("args"))
             for p in parts if isinstance(p.get("functionCall"), dict)]
    return _reply(text="".join(texts) if texts else None, tool_calls=calls, reasoning="".join(thoughts) or None,
                  finish=finish)


# ---------------------------------------------------------------------- event streams


def _from_events(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    datas = [e["data"] for e in events if isinstance(e.get("data"), dict) and not is_error(e)]
    names = {e.get("event") for e in events}
    if "message_start" in names:
        return _anthropic_events(events)
    if any(isinstance(n, str) and n.startswith("response.") for n in names):
        return _responses_events(events)
    if datas and all("candidates" in d or "usageMetadata" in d for d in datas):
        return _gemini_events(datas)
    if datas and all("choices" in d for d in datas):
        return _chat_events(datas)
    return None


def _chat_events(chunks: list[dict[str, Any]]) -> dict[str, Any] | None:
    text: list[str] = []
    refusal: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    finish = None
    for chunk in chunks:
        for choice in chunk["choices"]:
            if choice.get("index", 0) != 0:
                continue
            finish = choice.get("finish_reason") or finish
            if "text" in choice:  # legacy completions
                text.append(choice["text"] or "")
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                text.append(delta["content"])
            if delta.get("refusal"):
                refusal.append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", 0), {"id": None, "name": None, "chunks": []})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] = function.get("name") or slot["name"]
                if function.get("arguments") is not None:
                    slot["chunks"].append(function["arguments"])
    return _reply(text_chunks=text, refusal="".join(refusal) if refusal else None,
                  tool_calls=[_streamed_call(c) for _, c in sorted(calls.items())], finish=finish)


def _responses_events(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    final = next((e["data"].get("response") for e in reversed(events)
                  if e.get("event") == "response.completed" and isinstance(e.get("data"), dict)), None)
    if not isinstance(final, dict):
        return None
    reply = _responses_output(final)
    if reply is None:
        return None
    deltas = [e["data"].get("delta", "") for e in events if e.get("event") == "response.output_text.delta"]
    if len(deltas) > 1 and "text" in reply:
        reply = {"text_chunks": deltas, **{k: v for k, v in reply.items() if k != "text"}}
    pieces: dict[Any, list[str]] = {}
    for e in events:
        if e.get("event") == "response.function_call_arguments.delta":
            pieces.setdefault(e["data"].get("output_index"), []).append(e["data"].get("delta", ""))
    chunked = [p for _, p in sorted(pieces.items(), key=lambda kv: str(kv[0]))]
    for call, chunks in zip(reply.get("tool_calls", []), chunked):
        if len(chunks) > 1:
            call.pop("arguments", None)
            call.pop("arguments_raw", None)
            call["arguments_chunks"] = chunks
    return reply


def _anthropic_events(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    text: list[str] = []
    thinking: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    stop = None
    for e in events:
        data = e.get("data") if isinstance(e.get("data"), dict) else {}
        kind = e.get("event")
        if kind == "content_block_start" and (data.get("content_block") or {}).get("type") == "tool_use":
            block = data["content_block"]
            calls[data.get("index", 0)] = {"id": block.get("id"), "name": block.get("name"), "chunks": []}
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                text.append(delta.get("text", ""))
            elif delta.get("type") == "thinking_delta":
                thinking.append(delta.get("thinking", ""))
            elif delta.get("type") == "input_json_delta" and data.get("index") in calls:
                calls[data["index"]]["chunks"].append(delta.get("partial_json", ""))
        elif kind == "message_delta":
            stop = (data.get("delta") or {}).get("stop_reason") or stop
    return _reply(text_chunks=text, reasoning="".join(thinking) or None,
                  tool_calls=[_streamed_call(c) for _, c in sorted(calls.items())], finish=stop)


def _gemini_events(chunks: list[dict[str, Any]]) -> dict[str, Any] | None:
    text: list[str] = []
    thoughts: list[str] = []
    calls = []
    finish = None
    for chunk in chunks:
        for candidate in (chunk.get("candidates") or [])[:1]:
            finish = candidate.get("finishReason") or finish
            for part in (candidate.get("content") or {}).get("parts") or []:
                if isinstance(part.get("text"), str):
                    (thoughts if part.get("thought") else text).append(part["text"])
                elif isinstance(part.get("functionCall"), dict):
                    calls.append(_call(part["functionCall"].get("name"), part["functionCall"].get("args")))
    return _reply(text_chunks=text, reasoning="".join(thoughts) or None, tool_calls=calls, finish=finish)


# ---------------------------------------------------------------------- the pieces of a reply


def _reply(*, text: str | None = None, text_chunks: list[str] | None = None, refusal: str | None = None,
           tool_calls: list[dict[str, Any]] | None = None, reasoning: str | None = None,
           finish: str | None = None) -> dict[str, Any] | None:
    reply: dict[str, Any] = {}
    chunks = [c for c in text_chunks or [] if c]
    if len(chunks) > 1 and chunks != tokens.split("".join(chunks)):  # split points a default stream would not make
        reply["text_chunks"] = chunks
    elif chunks or text:
        reply["text"] = "".join(chunks) if chunks else text
    if refusal:
        reply["refusal"] = refusal
    if reasoning:
        reply["reasoning"] = reasoning
    if tool_calls:
        reply["tool_calls"] = tool_calls
    if finish in FINISHES:
        reply["finish"] = FINISHES[finish]
    return reply or None


def _call(name: Any, arguments: Any, call_id: Any = None) -> dict[str, Any]:
    """A tool call: parsed arguments when the text is compact JSON (as sent), else `arguments_raw`."""
    call: dict[str, Any] = {"name": str(name or "")}
    if isinstance(arguments, str):
        try:
            parsed = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            parsed = None
        if parsed is not None and orjson.dumps(parsed).decode() == arguments:
            call["arguments"] = parsed
        else:
            call["arguments_raw"] = arguments
    elif arguments is not None:
        call["arguments"] = arguments
    if call_id:
        call["id"] = str(call_id)
    return call


def _streamed_call(slot: dict[str, Any]) -> dict[str, Any]:
    pieces = [c for c in slot["chunks"] if c]
    if len(pieces) > 1:
        call = {"name": slot["name"] or "", "arguments_chunks": slot["chunks"]}
        if slot["id"]:
            call["id"] = slot["id"]
        return call
    return _call(slot["name"], "".join(slot["chunks"]), slot["id"])


# ---------------------------------------------------------------------- raw answers, faults, timing


def _raw(exchange: Exchange) -> dict[str, Any]:
    raw: dict[str, Any] = {"status": exchange.status}
    headers = {k: v for k, v in exchange.headers.items() if k in KEPT_HEADERS
               and not (exchange.streamed and k == "content-type")}
    if headers:
        raw["headers"] = headers
    if exchange.events is not None:
        raw["events"] = _raw_events(exchange)
    else:
        raw["body"] = escape_templates(exchange.body)
    return raw


def _raw_events(exchange: Exchange) -> list[dict[str, Any]]:
    """The events as sent (pings left out: `keepalive_ms` makes those), each with its wait when the stream was paced."""
    sent = [e for e in exchange.events or [] if "data" in e or "raw" in e]
    paced = bool(sent) and sent[-1]["t_ms"] - exchange.sent_ms >= PACED_MS
    out, previous = [], exchange.sent_ms
    for event in sent:
        if event.get("not_json") or "raw" in event:
            head = f"event: {event['event']}\n" if event.get("event") else ""
            item = {"frame": escape_templates(event.get("raw") or f"{head}data: {event['data']}")}
        else:
            item = {"event": event["event"]} if event.get("event") else {}
            item["data"] = escape_templates(event["data"])
        if paced:
            item["delay_ms"] = max(0, round(event["t_ms"] - previous))
            previous = event["t_ms"]
        out.append(item)
    return out


def _fault(exchange: Exchange) -> dict[str, Any]:
    fault: dict[str, Any] = {"status": exchange.status}
    error = exchange.body.get("error") if isinstance(exchange.body, dict) else None
    if isinstance(error, dict):
        for key in ("message", "code", "type"):
            if isinstance(error.get(key), str) and error[key]:
                fault[key] = error[key]
    elif isinstance(exchange.body, dict) and isinstance(exchange.body.get("message"), str):
        fault["message"] = exchange.body["message"]
    for header, key in RETRY_HEADERS.items():
        value = exchange.headers.get(header)
        if value is not None:
            try:
                fault[key] = float(value) if "." in value else int(value)
            except ValueError:
                pass
    return fault


def _pace(exchange: Exchange) -> dict[str, Any]:
    """`stream:` settings that replay a paced reply's pace: TTFT, and the mean gap after it as tokens/s."""
    timing: dict[str, Any] = {}
    times = [e["t_ms"] for e in exchange.events or [] if "data" in e]
    if not times or times[-1] - exchange.sent_ms < PACED_MS:
        return timing
    first = exchange.ttft_ms if exchange.ttft_ms is not None else times[0]
    ttft = first - exchange.sent_ms
    later = [t for t in times if t > first]
    if ttft >= 1:
        timing["ttft_ms"] = round(ttft)
    if later:
        gap = (later[-1] - first) / len(later)
        if gap > 0.5:
            timing["tokens_per_second"] = round(1000.0 / gap, 2)
    return timing
