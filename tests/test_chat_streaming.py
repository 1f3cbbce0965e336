"""Chat Completions streams, byte for byte: framing, first deltas, tool-call deltas, n choices, usage."""

from __future__ import annotations

import json

import httpx
import pytest

import jsonschema

from test_chat_completions import STOCK, WEATHER


@pytest.fixture(scope="module")
def http(server):
    """One keep-alive client for the whole module."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}, timeout=30) as client:
        yield client


def stream(http, **body) -> tuple[bytes, list[dict]]:
    """POST a streamed chat completion; return the raw body and the parsed chunks (without `[DONE]`)."""
    body.setdefault("model", "gpt-4o")
    body.setdefault("messages", [{"role": "user", "content": "Hello there"}])
    body["stream"] = True
    response = http.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    raw = response.content
    events = raw.split(b"\n\n")
    assert events[-1] == b"" and events[-2] == b"data: [DONE]"
    chunks = []
    for event in events[:-2]:
        assert event.startswith(b"data: {") and b"\n" not in event
        chunks.append(json.loads(event[len(b"data: "):]))
    return raw, chunks


def test_text_stream_framing_and_deltas(http):
    raw, chunks = stream(http)
    assert b"event:" not in raw
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "gpt-4o" for c in chunks)
    assert all("usage" not in c for c in chunks)
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0] == {"role": "assistant", "content": "", "refusal": None}
    assert all("role" not in d for d in deltas[1:])
    assert deltas[-1] == {} and chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    text = "".join(d.get("content") or "" for d in deltas)
    full = http.post("/v1/chat/completions", json={"model": "gpt-4o",
                                                   "messages": [{"role": "user", "content": "Hello there"}]}).json()
    assert text == full["choices"][0]["message"]["content"]


def test_include_usage_adds_final_usage_chunk(http):
    _, chunks = stream(http, stream_options={"include_usage": True}, max_tokens=5)
    assert all(c["usage"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"] == [] and last["usage"]["completion_tokens"] == 5
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


def test_tool_call_stream_deltas(http):
    _, chunks = stream(http, messages=[{"role": "user", "content": "Weather in Rome and the ACME stock price"}],
                       tools=[WEATHER, STOCK])
    first = chunks[0]["choices"][0]["delta"]
    assert first == {"role": "assistant", "content": None}
    calls: dict[int, dict] = {}
    for chunk in chunks[1:-1]:
        (tool_delta,) = chunk["choices"][0]["delta"]["tool_calls"]
        index = tool_delta["index"]
        if index not in calls:
            assert set(tool_delta) == {"index", "id", "type", "function"} and tool_delta["type"] == "function"
            assert tool_delta["function"]["arguments"] == ""
            calls[index] = {"name": tool_delta["function"]["name"], "arguments": ""}
        else:
            assert set(tool_delta) == {"index", "function"} and set(tool_delta["function"]) == {"arguments"}
            calls[index]["arguments"] += tool_delta["function"]["arguments"]
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_stock_price"]
    jsonschema.validate(json.loads(calls[0]["arguments"]), WEATHER["function"]["parameters"])
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "tool_calls"}


def test_n_choices_interleave_in_ascending_order(http):
    _, chunks = stream(http, n=3, stream_options={"include_usage": True})
    assert all(len(c["choices"]) == 1 for c in chunks[:-1])
    order = []
    texts = {0: "", 1: "", 2: ""}
    for chunk in chunks[:-1]:
        choice = chunk["choices"][0]
        if choice["index"] not in order:
            order.append(choice["index"])
            assert choice["delta"]["role"] == "assistant"
        else:
            assert "role" not in choice["delta"]
        texts[choice["index"]] += choice["delta"].get("content") or ""
    assert order == [0, 1, 2] and len(set(texts.values())) == 3
    finishes = [c["choices"][0]["index"] for c in chunks[:-1] if c["choices"][0]["finish_reason"]]
    assert finishes == [0, 1, 2]


def test_logprobs_stream(http):
    _, chunks = stream(http, logprobs=True, top_logprobs=1, max_tokens=4)
    assert chunks[0]["choices"][0]["logprobs"] == {"content": [], "refusal": None}
    for chunk in chunks[1:-1]:
        choice = chunk["choices"][0]
        assert "".join(e["token"] for e in choice["logprobs"]["content"]) == choice["delta"]["content"]
    assert chunks[-1]["choices"][0]["logprobs"] is None


def test_legacy_function_call_stream(http):
    _, chunks = stream(http, messages=[{"role": "user", "content": "Weather in Paris?"}],
                       functions=[WEATHER["function"]])
    first = chunks[0]["choices"][0]["delta"]
    assert first == {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": ""}}
    arguments = "".join(c["choices"][0]["delta"]["function_call"]["arguments"] for c in chunks[1:-1])
    jsonschema.validate(json.loads(arguments), WEATHER["function"]["parameters"])
    assert chunks[-1]["choices"][0]["finish_reason"] == "function_call"


def test_audio_stream(http):
    _, chunks = stream(http, model="gpt-4o-audio-preview", modalities=["text", "audio"],
                       audio={"voice": "alloy", "format": "pcm16"})
    audio = [c["choices"][0]["delta"]["audio"] for c in chunks if "audio" in c["choices"][0]["delta"]]
    assert "id" in audio[0] and sum("id" in a for a in audio) == 1
    assert "Hello there" in "".join(a.get("transcript", "") for a in audio)
    assert "".join(a.get("data", "") for a in audio) and "expires_at" in audio[-1]
