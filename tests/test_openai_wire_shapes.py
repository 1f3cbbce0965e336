"""Responses API and Chat Completions as sent on the wire, against the openai SDK's own types.

Every JSON body and every streamed event the server sends is walked field by field against the
SDK model it stands for (`sdk_shapes.problems`): required fields present, JSON types and literals
as declared, union members picked by their `type`. The SDK is generated from OpenAI's OpenAPI spec,
so this is the published schema, checked on real answers over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import httpx_sse
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response, ResponseItemList, ResponseStreamEvent, ResponseUsage
from sdk_shapes import problems

WEATHER = {"type": "function", "name": "get_weather", "description": "Weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"], "additionalProperties": False},
           "strict": True}
LOOSE_TOOL = {"type": "function", "name": "lookup", "description": "Look something up",
              "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
EVENT_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "date": {"type": "string"},
                                                 "participants": {"type": "array", "items": {"type": "string"}}},
                "required": ["name", "date", "participants"], "additionalProperties": False}

# Each case: a create body (model gpt-4.1 unless it says otherwise).
RESPONSE_CASES: dict[str, dict[str, Any]] = {
    "text": {"input": "Tell me a bedtime story about a unicorn.", "instructions": "Be brief."},
    "function_tool": {"input": "What is the weather in Paris?", "tools": [WEATHER, LOOSE_TOOL]},
    "forced_tool": {"input": "Look up otters", "tools": [WEATHER, LOOSE_TOOL],
                    "tool_choice": {"type": "function", "name": "lookup"}},
    "custom_tool": {"input": "Run some code", "tools": [{"type": "custom", "name": "code_exec",
                                                         "description": "Runs Python code"}]},
    "reasoning_summary": {"model": "o4-mini", "input": "Why is the sky blue?",
                          "reasoning": {"effort": "low", "summary": "auto"},
                          "include": ["reasoning.encrypted_content"]},
    "reasoning_quiet": {"model": "o3", "input": "Think quietly"},
    "structured": {"input": "Alice and Bob go to a science fair on Friday.",
                   "text": {"format": {"type": "json_schema", "name": "event", "schema": EVENT_SCHEMA,
                                       "strict": True}}},
    "json_object": {"input": "Answer in JSON", "text": {"format": {"type": "json_object"}}},
    "logprobs": {"input": "Say hello", "include": ["message.output_text.logprobs"], "top_logprobs": 3},
    "incomplete": {"input": "Tell me a long story", "max_output_tokens": 16},
    "content_filter": {"model": "mock-content-filter", "input": "Anything"},
    "refusal": {"model": "mock-refusal", "input": "Something bad"},
    "service_tier_auto": {"input": "Hi", "service_tier": "auto", "metadata": {"k": "v"}, "user": "u1"},
}
# What the real API sends beyond the SDK's types (the SDK lags the API).
BEYOND_SDK: dict[str, dict[str, type]] = {"response.function_call_arguments.done": {"name": str}}


@pytest.fixture(scope="module")
def http(server):
    """One keep-alive client for the module."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}, timeout=30) as client:
        yield client


def create(http: httpx.Client, **body: Any) -> dict:
    response = http.post("/v1/responses", json={"model": "gpt-4.1", **body})
    assert response.status_code == 200, response.text
    return response.json()


def sse(http: httpx.Client, method: str, url: str, **kwargs: Any) -> list[dict]:
    with httpx_sse.connect_sse(http, method, url, **kwargs) as source:
        assert source.response.status_code == 200
        return [json.loads(event.data) for event in source.iter_sse() if event.data != "[DONE]"]


def stream(http: httpx.Client, **body: Any) -> list[dict]:
    return sse(http, "POST", "/v1/responses", json={"model": "gpt-4.1", "stream": True, **body})


def event_problems(events: list[dict]) -> list[str]:
    found = []
    for event in events:
        where = f"{event.get('type')}#{event.get('sequence_number')}"
        found += problems(event, ResponseStreamEvent, where)
        for key, kind in BEYOND_SDK.get(event.get("type"), {}).items():
            if not isinstance(event.get(key), kind):
                found.append(f"{where}.{key}: the real API sends a {kind.__name__}, got {event.get(key)!r}")
    return found


# ---------------------------------------------------------------- the checker itself

def test_checker_names_a_missing_required_field() -> None:
    usage = {"input_tokens": 3, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 2,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 5}
    assert problems(usage, ResponseUsage) == [
        "$.input_tokens_details.cache_write_tokens: required by InputTokensDetails, missing"]
    usage["input_tokens_details"]["cache_write_tokens"] = 0
    assert problems(usage, ResponseUsage) == []


def test_checker_names_wrong_types_literals_and_unknown_members() -> None:
    delta = {"type": "response.output_text.delta", "sequence_number": True, "item_id": "msg_1",
             "output_index": 0, "content_index": 0, "delta": "a", "logprobs": [{"token": "a"}]}
    assert problems(delta, ResponseStreamEvent) == [
        "$.logprobs[0].logprob: required by Logprob, missing", "$.sequence_number: expected int, got bool"]
    assert problems({"type": "response.nope", "sequence_number": 0}, ResponseStreamEvent) == [
        "$.type: 'response.nope' is not a type the SDK knows here"]
    message = {"type": "message", "id": "msg_1", "role": "user", "status": "completed",
               "content": [{"type": "output_text", "text": "x", "annotations": []}]}
    assert problems([message], Response.model_fields["output"].annotation) == [
        "$[0].role: 'user' is not one of ['assistant']"]


# ---------------------------------------------------------------- Responses API

@pytest.mark.parametrize("case", RESPONSE_CASES)
def test_response_object_has_every_required_field(http: httpx.Client, case: str) -> None:
    assert problems(create(http, **RESPONSE_CASES[case]), Response) == []


@pytest.mark.parametrize("case", RESPONSE_CASES)
def test_every_streamed_event_has_every_required_field(http: httpx.Client, case: str) -> None:
    events = stream(http, **RESPONSE_CASES[case])
    assert event_problems(events) == []
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


def test_the_cases_cover_every_event_type_the_server_sends(http: httpx.Client) -> None:
    seen = {event["type"] for body in RESPONSE_CASES.values() for event in stream(http, **body)}
    assert seen >= {
        "response.created", "response.in_progress", "response.completed", "response.incomplete",
        "response.output_item.added", "response.output_item.done", "response.content_part.added",
        "response.content_part.done", "response.output_text.delta", "response.output_text.done",
        "response.refusal.delta", "response.refusal.done", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.custom_tool_call_input.delta",
        "response.custom_tool_call_input.done", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done"}


def test_function_call_arguments_done_names_the_function(http: httpx.Client) -> None:
    events = stream(http, **RESPONSE_CASES["function_tool"])
    done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    items = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert done and [e["name"] for e in done] == [i["name"] for i in items if i["type"] == "function_call"]


def test_usage_reports_cache_writes(http: httpx.Client) -> None:
    usage = create(http, input="Cache me")["usage"]
    assert usage["input_tokens_details"] == {"cached_tokens": 0, "cache_write_tokens": 0}


def test_logprobs_on_request_are_per_token_and_match_the_deltas(http: httpx.Client) -> None:
    body = RESPONSE_CASES["logprobs"]
    [part] = create(http, **body)["output"][0]["content"]
    assert len(part["logprobs"]) > 1 and all(len(e["top_logprobs"]) == 3 for e in part["logprobs"])
    assert "".join(e["token"] for e in part["logprobs"]) == part["text"]
    events = stream(http, **body)
    deltas = [entry for e in events if e["type"] == "response.output_text.delta" for entry in e["logprobs"]]
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert deltas == done["logprobs"] == part["logprobs"]
    assert create(http, input="Say hello")["output"][0]["content"][0]["logprobs"] == []


def test_custom_tool_call_round_trip(http: httpx.Client) -> None:
    body = RESPONSE_CASES["custom_tool"]
    first = create(http, **body)
    [call] = first["output"]
    assert call["type"] == "custom_tool_call" and call["name"] == "code_exec" and call["id"].startswith("ctc_")
    assert isinstance(call["input"], str) and call["input"]
    events = stream(http, **body)
    pieces = "".join(e["delta"] for e in events if e["type"] == "response.custom_tool_call_input.delta")
    assert pieces == call["input"] == next(e["input"] for e in events
                                           if e["type"] == "response.custom_tool_call_input.done")
    second = create(http, previous_response_id=first["id"], tools=body["tools"], input=[
        {"type": "custom_tool_call_output", "call_id": call["call_id"], "output": "42"}])
    assert second["output"][0]["type"] == "message" and "42" in second["output"][0]["content"][0]["text"]
    unanswered = http.post("/v1/responses", json={"model": "gpt-4.1", "previous_response_id": first["id"],
                                                  "input": "next"})
    assert unanswered.status_code == 400 and call["call_id"] in unanswered.json()["error"]["message"]


def test_stream_error_sends_error_then_response_failed(http: httpx.Client) -> None:
    events = stream(http, model="mock-stream-error", input="Hi")
    assert event_problems(events) == []
    assert [e["type"] for e in events[-2:]] == ["error", "response.failed"]
    assert events[-1]["response"]["error"]["code"] == "server_error"


def test_background_response_in_every_state(http: httpx.Client) -> None:
    queued = create(http, input="Background work", background=True)
    assert queued["status"] == "queued" and problems(queued, Response) == []
    done = http.get(f"/v1/responses/{queued['id']}").json()
    assert done["status"] == "completed" and problems(done, Response) == []
    cancelled = http.post(f"/v1/responses/{create(http, input='Cancel it', background=True)['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and problems(cancelled, Response) == []


def test_background_stream_reports_queued_first(http: httpx.Client) -> None:
    events = stream(http, input="Background stream", background=True)
    assert event_problems(events) == []
    assert [e["type"] for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
    assert [e["response"]["status"] for e in events[:3]] == ["queued", "queued", "in_progress"]


def test_stored_response_and_its_replay(http: httpx.Client) -> None:
    created = create(http, **RESPONSE_CASES["reasoning_summary"])
    stored = http.get(f"/v1/responses/{created['id']}").json()
    assert problems(stored, Response) == [] and stored["output"] == created["output"]
    replay = sse(http, "GET", f"/v1/responses/{created['id']}", params={"stream": "true", "starting_after": "2"})
    assert replay[0]["sequence_number"] == 3 and event_problems(replay) == []
    assert replay[-1]["type"] == "response.completed"


def test_input_items_page_has_every_required_field(http: httpx.Client) -> None:
    created = create(http, tools=[WEATHER], input=[
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "What about this?"},
                                     {"type": "input_image", "image_url": "https://example.com/a.png"},
                                     {"type": "input_file", "file_id": "file-abc"}]},
        {"role": "assistant", "content": "Let me check the weather."},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "minus four"},
        {"type": "message", "role": "user", "content": "Thanks"}])
    page = http.get(f"/v1/responses/{created['id']}/input_items", params={"limit": 100}).json()
    assert len(page["data"]) == 6 and problems(page, ResponseItemList) == []
    assert page["data"][-2]["content"][1]["detail"] == "auto"


# ---------------------------------------------------------------- Chat Completions

CHAT_TOOL = {"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}
CHAT_CASES: dict[str, dict[str, Any]] = {
    "text": {"messages": [{"role": "user", "content": "Hello there"}]},
    "n_logprobs": {"messages": [{"role": "user", "content": "Two answers"}], "n": 2, "logprobs": True,
                   "top_logprobs": 2},
    "tools": {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [CHAT_TOOL]},
    "legacy_functions": {"messages": [{"role": "user", "content": "Weather in Paris?"}],
                         "functions": [CHAT_TOOL["function"]]},
    "structured": {"messages": [{"role": "user", "content": "Alice and Bob on Friday"}],
                   "response_format": {"type": "json_schema", "json_schema": {
                       "name": "event", "schema": EVENT_SCHEMA, "strict": True}}},
    "audio": {"model": "gpt-4o-audio-preview", "modalities": ["text", "audio"],
              "audio": {"voice": "alloy", "format": "wav"}, "messages": [{"role": "user", "content": "Hi"}]},
    "refusal": {"model": "mock-refusal", "messages": [{"role": "user", "content": "Something bad"}],
                "logprobs": True},
    "length": {"messages": [{"role": "user", "content": "A long story"}], "max_completion_tokens": 5},
    "reasoning": {"model": "o4-mini", "reasoning_effort": "low", "messages": [{"role": "user", "content": "Why?"}]},
}


def chat(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/v1/chat/completions", json={"model": "gpt-4o", **body})


@pytest.mark.parametrize("case", CHAT_CASES)
def test_chat_completion_has_every_required_field(http: httpx.Client, case: str) -> None:
    response = chat(http, **CHAT_CASES[case])
    assert response.status_code == 200, response.text
    assert problems(response.json(), ChatCompletion) == []


@pytest.mark.parametrize("case", CHAT_CASES)
def test_every_chat_chunk_has_every_required_field(http: httpx.Client, case: str) -> None:
    chunks = sse(http, "POST", "/v1/chat/completions", json={
        "model": "gpt-4o", "stream": True, "stream_options": {"include_usage": True}, **CHAT_CASES[case]})
    assert len(chunks) > 2 and chunks[-1]["usage"]["total_tokens"] > 0
    assert [p for i, c in enumerate(chunks) for p in problems(c, ChatCompletionChunk, f"chunk[{i}]")] == []


def test_chat_custom_tool_call_has_every_required_field(http: httpx.Client) -> None:
    # Only the non-streamed form: the SDK's chunk delta type still allows `type: "function"` alone.
    response = chat(http, messages=[{"role": "user", "content": "Run code"}],
                    tools=[{"type": "custom", "custom": {"name": "code_exec"}}])
    body = response.json()
    assert body["choices"][0]["message"]["tool_calls"][0]["type"] == "custom"
    assert problems(body, ChatCompletion) == []
