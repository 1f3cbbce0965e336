"""POST /v1/messages and /v1/messages/count_tokens over plain HTTP: shapes, semantics, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
MODEL = "claude-sonnet-4-20250514"
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WEATHER = {"name": "get_weather", "description": "Get the current weather in a given location",
           "input_schema": {"type": "object",
                            "properties": {"location": {"type": "string"},
                                           "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                                           "days": {"type": "integer", "minimum": 1, "maximum": 7}},
                            "required": ["location", "unit"], "additionalProperties": False}}
TIME = {"name": "get_time", "description": "Get the local time in a timezone",
        "input_schema": {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]}}


@pytest.fixture
def post(server):
    """POST a body to an Anthropic operation with Anthropic headers; return the response."""
    def send(body: dict, path: str = "/v1/messages", headers: dict | None = None) -> httpx.Response:
        return httpx.post(server.url + path, json=body, headers=HEADERS if headers is None else headers, timeout=10)
    return send


def ask(text: Any = "Hello, Claude", **extra: Any) -> dict:
    """A minimal Messages body."""
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}], **extra}


def test_text_message_shape(post):
    response = post(ask())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["request-id"].startswith("req_")
    body = response.json()
    assert body["id"].startswith("msg_") and body["type"] == "message" and body["role"] == "assistant"
    assert body["model"] == MODEL
    assert [b["type"] for b in body["content"]] == ["text"] and body["content"][0]["text"]
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    usage = body["usage"]
    assert set(usage) >= {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["cache_creation_input_tokens"] == 0 and usage["cache_read_input_tokens"] == 0


def test_deterministic_and_seed_dependent(post, make_server):
    first, second = post(ask("Tell me a story")).json(), post(ask("Tell me a story")).json()
    assert first["id"] == second["id"] and first["content"] == second["content"]
    other = make_server(seed=7)
    third = httpx.post(other.url + "/v1/messages", json=ask("Tell me a story"), headers=HEADERS).json()
    assert third["id"] != first["id"]


def test_max_tokens_cuts_the_text(post):
    full = post(ask("Tell me a long story")).json()
    cut = post(ask("Tell me a long story", max_tokens=5)).json()
    assert cut["stop_reason"] == "max_tokens" and cut["stop_sequence"] is None
    assert cut["usage"]["output_tokens"] == 5
    assert full["content"][0]["text"].startswith(cut["content"][0]["text"])
    assert len(cut["content"][0]["text"]) < len(full["content"][0]["text"])


def test_stop_sequences(post):
    body = post(ask("Hi", stop_sequences=["never-there", "asked"])).json()
    assert body["stop_reason"] == "stop_sequence" and body["stop_sequence"] == "asked"
    assert "asked" not in body["content"][0]["text"]


@pytest.mark.parametrize("system", ["You are terse.", [{"type": "text", "text": "You are terse.",
                                                         "cache_control": {"type": "ephemeral"}}]])
def test_system_as_string_or_blocks(post, system):
    with_system = post(ask("Hi", system=system)).json()
    assert with_system["usage"]["input_tokens"] > post(ask("Hi")).json()["usage"]["input_tokens"]


@pytest.mark.parametrize("source", [{"type": "base64", "media_type": "image/png", "data": PNG},
                                    {"type": "url", "url": "https://example.com/cat.jpg"}])
def test_image_blocks_are_accepted(post, source):
    body = post(ask([{"type": "image", "source": source}, {"type": "text", "text": "What is in this image?"}])).json()
    assert "image" in body["content"][0]["text"]
    assert body["usage"]["input_tokens"] > 50


def test_bad_image_data_names_the_field(post):
    response = post(ask([{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "!!"}}]))
    assert response.status_code == 400
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert error["error"]["message"].startswith("messages.0.content.0.source.data:")


def test_tool_use_input_validates_against_input_schema(post):
    body = post(ask("What is the weather like in Paris?", tools=[TIME, WEATHER])).json()
    assert body["stop_reason"] == "tool_use"
    uses = [b for b in body["content"] if b["type"] == "tool_use"]
    assert uses and uses[0]["name"] == "get_weather" and uses[0]["id"].startswith("toolu_")
    jsonschema.validate(uses[0]["input"], WEATHER["input_schema"])


@pytest.mark.parametrize("choice,expected", [({"type": "any"}, {"get_weather", "get_time"}),
                                             ({"type": "tool", "name": "get_time"}, {"get_time"}),
                                             ({"type": "auto"}, {"get_weather", "get_time"})])
def test_tool_choice(post, choice, expected):
    body = post(ask("Hello there", tools=[WEATHER, TIME], tool_choice=choice)).json()
    names = {b["name"] for b in body["content"] if b["type"] == "tool_use"}
    assert body["stop_reason"] == "tool_use" and names and names <= expected
    for block in body["content"]:
        if block["type"] == "tool_use":
            jsonschema.validate(block["input"], {"get_weather": WEATHER, "get_time": TIME}[block["name"]]["input_schema"])


def test_tool_choice_none_answers_in_text(post):
    body = post(ask("What is the weather in Paris?", tools=[WEATHER], tool_choice={"type": "none"})).json()
    assert body["stop_reason"] == "end_turn" and [b["type"] for b in body["content"]] == ["text"]


def test_tool_result_round_trip(post):
    first = post(ask("What is the weather like in Paris?", tools=[WEATHER])).json()
    use = next(b for b in first["content"] if b["type"] == "tool_use")
    follow = {"model": MODEL, "max_tokens": 1024, "tools": [WEATHER], "messages": [
        {"role": "user", "content": "What is the weather like in Paris?"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"],
                                      "content": [{"type": "text", "text": "18 degrees and sunny"}]}]}]}
    body = post(follow).json()
    assert body["stop_reason"] == "end_turn"
    assert "18 degrees and sunny" in body["content"][0]["text"]


def test_tool_result_for_an_unknown_tool_use_is_rejected(post):
    response = post(ask([{"type": "tool_result", "tool_use_id": "toolu_nope", "content": "x"}], tools=[WEATHER]))
    assert response.status_code == 400 and "tool_use_id" in response.json()["error"]["message"]


def test_forcing_an_undeclared_tool_is_rejected(post):
    response = post(ask("Hi", tools=[WEATHER], tool_choice={"type": "tool", "name": "nope"}))
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("tool_choice.name:")


def test_thinking_block_comes_first_with_a_signature(post):
    body = post(ask("Is 1001 prime?", max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 2048})).json()
    assert [b["type"] for b in body["content"]] == ["thinking", "text"]
    assert body["content"][0]["thinking"] and body["content"][0]["signature"]


def test_thinking_budget_must_be_below_max_tokens(post):
    response = post(ask("Hi", max_tokens=1024, thinking={"type": "enabled", "budget_tokens": 2048}))
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("max_tokens:")


def test_structured_output_follows_the_schema(post):
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}
    body = post(ask("Extract: Ann is 31", output_config={"format": {"type": "json_schema", "schema": schema}})).json()
    import json
    jsonschema.validate(json.loads(body["content"][0]["text"]), schema)


def test_count_tokens_matches_usage(post):
    request = ask("What is the weather like in Paris?", tools=[WEATHER], system="Be brief.")
    usage = post(request).json()["usage"]
    count_body = {k: v for k, v in request.items() if k != "max_tokens"}
    counted = post(count_body, path="/v1/messages/count_tokens")
    assert counted.status_code == 200 and counted.json() == {"input_tokens": usage["input_tokens"]}


def test_missing_max_tokens_says_so(post):
    body = ask()
    del body["max_tokens"]
    response = post(body)
    assert response.status_code == 400
    assert response.json()["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}


def test_empty_messages_rejected(post):
    response = post({"model": MODEL, "max_tokens": 10, "messages": []})
    assert response.status_code == 400 and response.json()["error"]["message"].startswith("messages")


@pytest.mark.parametrize("headers", [{"x-api-key": "sk-a"}, {"Authorization": "Bearer sk-a"},
                                     {"x-api-key": "sk-a", "anthropic-version": "2026-10-21"},
                                     {"Authorization": "Bearer sk-a", "anthropic-version": "1999-01-01"}])
def test_both_auth_styles_and_any_version(post, headers):
    assert post(ask(), headers=headers).status_code == 200


def test_missing_key_is_an_authentication_error(post):
    response = post(ask(), headers={"anthropic-version": "2023-06-01"})
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_restricted_keys(make_server):
    server = make_server(api_keys=["sk-only"])
    url = server.url + "/v1/messages"
    assert httpx.post(url, json=ask(), headers={"x-api-key": "sk-other"}).status_code == 401
    assert httpx.post(url, json=ask(), headers={"Authorization": "Bearer sk-only"}).status_code == 200


@pytest.mark.parametrize("status,kind", [(400, "invalid_request_error"), (401, "authentication_error"),
                                         (403, "permission_error"), (404, "not_found_error"),
                                         (413, "request_too_large"), (429, "rate_limit_error"),
                                         (500, "api_error"), (529, "overloaded_error")])
def test_error_types_per_status(post, status, kind):
    response = post(ask(), headers={**HEADERS, "Prefer": f"code={status}"})
    assert response.status_code == status
    body = response.json()
    assert body["type"] == "error" and body["error"]["type"] == kind and body["error"]["message"]


def test_prompt_cache_writes_then_reads(make_server):
    server = make_server()
    manual = " ".join(f"rule{i} applies." for i in range(600))
    request = ask("Which rule applies?", system=[{"type": "text", "text": manual, "cache_control": {"type": "ephemeral"}}])
    url = server.url + "/v1/messages"
    first = httpx.post(url, json=request, headers=HEADERS).json()["usage"]
    second = httpx.post(url, json=request, headers=HEADERS).json()["usage"]
    total = httpx.post(url + "/count_tokens", json={k: v for k, v in request.items() if k != "max_tokens"},
                       headers=HEADERS).json()["input_tokens"]
    assert first["cache_creation_input_tokens"] >= 1024 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cache_creation_input_tokens"] == 0
    assert first["input_tokens"] + first["cache_creation_input_tokens"] == total
    assert second["input_tokens"] + second["cache_read_input_tokens"] == total


def test_prompt_cache_key_spelt_with_json_escapes_still_caches(make_server):
    server = make_server()
    manual = " ".join(f"rule{i} applies." for i in range(600))
    request = ask("Which rule applies?", system=[{"type": "text", "text": manual, "cache_control": {"type": "ephemeral"}}])
    raw = json.dumps(request).replace('"cache_control"', '"cache\\u005fcontrol"').encode()
    assert b"cache_control" not in raw
    url = server.url + "/v1/messages"
    first, second = (httpx.post(url, content=raw, headers=HEADERS | {"content-type": "application/json"}).json()["usage"]
                     for _ in range(2))
    assert first["cache_creation_input_tokens"] >= 1024 and first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]


def test_short_prefixes_are_not_cached(post):
    request = ask("Hi", system=[{"type": "text", "text": "Short.", "cache_control": {"type": "ephemeral"}}])
    for _ in range(2):
        usage = post(request).json()["usage"]
        assert usage["cache_creation_input_tokens"] == 0 and usage["cache_read_input_tokens"] == 0


def test_claude_models_keep_working_on_chat_completions(server):
    response = httpx.post(server.v1 + "/chat/completions", headers={"Authorization": "Bearer sk-test"},
                          json={"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL
    assert body["choices"][0]["message"]["content"]


def test_count_tokens_ignores_generation_settings(post):
    plain = post({"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}, path="/v1/messages/count_tokens")
    extra = post(ask("Hi", stop_sequences="oops", temperature=0.5), path="/v1/messages/count_tokens")
    assert plain.status_code == extra.status_code == 200 and plain.json() == extra.json()


def test_search_result_blocks_are_accepted(post):
    block = {"type": "search_result", "source": "https://example.com/doc", "title": "Doc",
             "content": [{"type": "text", "text": "The sky is blue."}]}
    assert post(ask([block, {"type": "text", "text": "What colour is the sky?"}])).status_code == 200


@pytest.mark.parametrize("scenario", [
    {"name": "limited", "match": {"model": "claude-cache-*"}, "rate_limit": {"requests_per_minute": 100}},
    {"name": "scripted", "match": {"model": "claude-cache-*"}, "reply": {"text": "Scripted."}},
], ids=["rate limit lets it through", "scripted reply"])
def test_prompt_cache_counts_the_same_when_a_scenario_answers(make_server, scenario):
    server = make_server()
    assert httpx.post(server.url + "/_mock/scenarios", json=scenario).status_code == 201
    manual = " ".join(f"rule{i} applies." for i in range(600))
    request = {**ask("Which rule applies?", system=[{"type": "text", "text": manual,
                                                     "cache_control": {"type": "ephemeral"}}]),
               "model": "claude-cache-test"}
    url = server.url + "/v1/messages"
    first = httpx.post(url, json=request, headers=HEADERS)
    second = httpx.post(url, json=request, headers=HEADERS)
    assert first.status_code == second.status_code == 200
    assert second.json()["usage"]["cache_read_input_tokens"] == first.json()["usage"]["cache_creation_input_tokens"]
    assert second.json()["usage"]["cache_read_input_tokens"] >= 1024
    entries = httpx.get(server.url + "/_mock/requests", params={"scenario": scenario["name"]}).json()["data"]
    assert len(entries) == 2
