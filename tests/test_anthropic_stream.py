"""POST /v1/messages with `"stream": true`: exact SSE framing and event lifecycle."""

from __future__ import annotations

import json

import httpx
import jsonschema
from httpx_sse import connect_sse

HEADERS = {"Authorization": "Bearer sk-test", "anthropic-version": "2026-10-21"}
MODEL = "claude-sonnet-4-20250514"
WEATHER = {"name": "get_weather", "description": "Get the current weather in a given location",
           "input_schema": {"type": "object", "properties": {"location": {"type": "string"},
                                                             "days": {"type": "integer", "minimum": 1}},
                            "required": ["location", "days"]}}


def ask(text: str = "Hello, Claude", **extra) -> dict:
    """A minimal Messages body."""
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}], **extra}


def events(server, body: dict) -> list[tuple[str, dict]]:
    """(event name, data) pairs of a streamed request, checking each data `type` equals its event name."""
    out = []
    with httpx.Client(timeout=10) as client, connect_sse(client, "POST", server.url + "/v1/messages",
                                                         json={**body, "stream": True}, headers=HEADERS) as source:
        assert source.response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert source.response.headers["request-id"].startswith("req_")
        for sse in source.iter_sse():
            data = json.loads(sse.data)
            assert data["type"] == sse.event
            out.append((sse.event, data))
    return out


def check_lifecycle(stream: list[tuple[str, dict]]) -> None:
    """The ordering rules the SDK's MessageStream enforces."""
    names = [name for name, _ in stream]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    start = stream[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert isinstance(start["usage"]["input_tokens"], int) and isinstance(start["usage"]["output_tokens"], int)
    open_index, next_index = None, 0
    for name, data in stream[1:-2]:
        if name == "content_block_start":
            assert open_index is None and data["index"] == next_index
            open_index, next_index = data["index"], next_index + 1
        elif name == "content_block_delta":
            assert data["index"] == open_index
        elif name == "content_block_stop":
            assert data["index"] == open_index
            open_index = None
        else:
            assert name == "ping"
    assert open_index is None and next_index > 0
    assert isinstance(stream[-2][1]["usage"]["output_tokens"], int)


def rebuild(stream: list[tuple[str, dict]]) -> list[dict]:
    """The content blocks a client assembles from the deltas."""
    content: list[dict] = []
    for name, data in stream:
        if name == "content_block_start":
            content.append(dict(data["content_block"], _json=""))
        elif name == "content_block_delta":
            block, delta = content[data["index"]], data["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
            elif delta["type"] == "input_json_delta":
                block["_json"] += delta["partial_json"]
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] += delta["signature"]
    for block in content:
        raw = block.pop("_json")
        if block["type"] == "tool_use":
            block["input"] = json.loads(raw)
    return content


def test_text_stream_matches_the_plain_answer(server):
    plain = httpx.post(server.url + "/v1/messages", json=ask(), headers=HEADERS).json()
    stream = events(server, ask())
    check_lifecycle(stream)
    assert [n for n, _ in stream][:3] == ["message_start", "content_block_start", "ping"]
    assert stream[0][1]["message"]["id"] == plain["id"]
    assert rebuild(stream) == plain["content"]
    delta = stream[-2][1]
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert delta["usage"]["output_tokens"] == plain["usage"]["output_tokens"]


def test_tool_use_stream_sends_input_as_json_fragments(server):
    stream = events(server, ask("What is the weather in Paris?", tools=[WEATHER]))
    check_lifecycle(stream)
    start = next(d for n, d in stream if n == "content_block_start" and d["content_block"]["type"] == "tool_use")
    assert start["content_block"]["input"] == {} and start["content_block"]["id"].startswith("toolu_")
    fragments = [d["delta"] for n, d in stream if n == "content_block_delta" and d["index"] == start["index"]]
    assert fragments[0] == {"type": "input_json_delta", "partial_json": ""} and len(fragments) > 2
    block = rebuild(stream)[start["index"]]
    jsonschema.validate(block["input"], WEATHER["input_schema"])
    assert stream[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_thinking_stream(server):
    stream = events(server, ask("Is 1001 prime?", max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 1024}))
    check_lifecycle(stream)
    first = stream[1][1]["content_block"]
    assert first == {"type": "thinking", "thinking": "", "signature": ""}
    kinds = [d["delta"]["type"] for n, d in stream if n == "content_block_delta" and d["index"] == 0]
    assert kinds[-1] == "signature_delta" and set(kinds[:-1]) == {"thinking_delta"}
    content = rebuild(stream)
    assert [b["type"] for b in content] == ["thinking", "text"] and content[0]["signature"]


def test_stop_sequence_and_max_tokens_in_message_delta(server):
    stopped = events(server, ask("Hi", stop_sequences=["asked"]))
    assert stopped[-2][1]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "asked"}
    cut = events(server, ask("Tell me a story", max_tokens=3))
    assert cut[-2][1]["delta"]["stop_reason"] == "max_tokens" and cut[-2][1]["usage"]["output_tokens"] == 3


def test_raw_bytes_framing_and_end_of_body(server):
    with httpx.stream("POST", server.url + "/v1/messages", json=ask(stream=True), headers=HEADERS) as response:
        raw = response.read().decode()
    frames = raw.split("\n\n")
    assert frames[-1] == ""
    for frame in frames[:-1]:
        event_line, data_line = frame.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
    assert frames[-2] == 'event: message_stop\ndata: {"type":"message_stop"}'
    assert "[DONE]" not in raw


def test_errors_before_the_stream_are_http_errors(server):
    body = ask(stream=True)
    del body["max_tokens"]
    response = httpx.post(server.url + "/v1/messages", json=body, headers=HEADERS)
    assert response.status_code == 400 and response.json()["error"]["message"] == "max_tokens: Field required"
