"""Wire details the official SDKs show: request ids, finish reasons, fingerprints, compact arguments, retry-after."""

from __future__ import annotations

import json
import re
import uuid

import anthropic
import httpx
import openai
import pytest

CLAUDE = "claude-sonnet-4-20250514"
HI = [{"role": "user", "content": "hi"}]
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                   "required": ["city", "days"]}}}
PARIS = [{"role": "user", "content": "What's the weather in Paris for 3 days?"}]


def compact(arguments: str) -> str:
    """What the real APIs send: the same JSON with no spaces after `,` and `:`."""
    return json.dumps(json.loads(arguments), ensure_ascii=False, separators=(",", ":"))


def assert_same_request_id(error: anthropic.APIStatusError) -> None:
    """The body's `request_id` is the `request-id` header the SDK reads."""
    assert error.request_id and error.request_id.startswith("req_")
    assert isinstance(error.body, dict) and error.body["request_id"] == error.request_id


# ---- Anthropic: one request id, in the header and the error body ----------------------------

def test_anthropic_validation_and_count_tokens_errors_carry_the_header_request_id(claude) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=[{"role": "wizard", "content": "hi"}])
    assert_same_request_id(caught.value)
    with pytest.raises(anthropic.BadRequestError) as caught:
        claude.messages.count_tokens(model=CLAUDE, messages=[{"role": "wizard", "content": "hi"}])
    assert_same_request_id(caught.value)
    counted = claude.messages.with_raw_response.count_tokens(model=CLAUDE, messages=HI)
    assert counted.headers["request-id"].startswith("req_") and counted.parse().input_tokens > 0


def test_anthropic_auth_and_not_found_errors_carry_the_header_request_id(make_server, claude) -> None:
    restricted = make_server(api_keys=("sk-only",))
    wrong = anthropic.Anthropic(base_url=restricted.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        wrong.messages.create(model=CLAUDE, max_tokens=16, messages=HI)
    assert_same_request_id(caught.value)
    with pytest.raises(anthropic.NotFoundError) as caught:
        claude.models.retrieve("claude-no-such-model")
    assert_same_request_id(caught.value)


def test_anthropic_prefer_and_scenario_errors_carry_the_header_request_id(claude) -> None:
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI, extra_headers={"Prefer": "code=429"})
    assert_same_request_id(caught.value)
    # OverloadedError: an InternalServerError in anthropic 2.x, only an APIStatusError in 0.x
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI, extra_headers={"Prefer": "code=529"})
    assert caught.value.status_code == 529
    assert_same_request_id(caught.value)
    with pytest.raises(anthropic.APIStatusError) as caught:
        claude.messages.create(model="mock-overloaded", max_tokens=16, messages=HI)
    assert caught.value.status_code == 529
    assert_same_request_id(caught.value)


def test_anthropic_rate_limit_scenario_errors_carry_the_header_request_id(server) -> None:
    client = anthropic.Anthropic(base_url=server.url, api_key=f"sk-ant-{uuid.uuid4().hex}", max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as caught:
        for _ in range(5):  # the scenario allows 3 a minute per key
            client.messages.create(model="mock-rate-limited", max_tokens=16, messages=HI)
    assert_same_request_id(caught.value)


def test_every_anthropic_request_has_its_own_id(claude) -> None:
    first = claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI)
    second = claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI)
    assert first._request_id and second._request_id and first._request_id != second._request_id


def test_openai_request_id_is_one_per_request(oai) -> None:
    first = oai.chat.completions.with_raw_response.create(model="gpt-4o", messages=HI)
    second = oai.chat.completions.with_raw_response.create(model="gpt-4o", messages=HI)
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.parse()._request_id == first.headers["x-request-id"]
    with pytest.raises(openai.BadRequestError) as caught:
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "wizard", "content": "hi"}])
    assert caught.value.request_id and caught.value.request_id.startswith("req_")


# ---- Legacy completions: 16 tokens by default, a short prompt stops on its own ---------------

def test_legacy_completion_of_a_short_prompt_stops(oai) -> None:
    completion = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say this is a test")
    choice = completion.choices[0]
    assert choice.finish_reason == "stop" and choice.text
    assert completion.usage.completion_tokens < 16
    assert isinstance(completion.system_fingerprint, str) and completion.system_fingerprint.startswith("fp_")
    chunks = list(oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say this is a test", stream=True))
    assert "".join(c.choices[0].text for c in chunks) == choice.text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(isinstance(c.system_fingerprint, str) for c in chunks)


def test_legacy_completion_is_cut_at_max_tokens(oai) -> None:
    cut = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=5)
    assert cut.choices[0].finish_reason == "length" and cut.usage.completion_tokens == 5
    story = "Tell me a long story about " + "a patient dragon who guards a library of old maps, " * 3
    long = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt=story)
    assert long.choices[0].finish_reason == "length" and long.usage.completion_tokens == 16


def test_chat_system_fingerprint_is_a_string_in_every_chunk(oai) -> None:
    assert isinstance(oai.chat.completions.create(model="gpt-4o", messages=HI).system_fingerprint, str)
    chunks = list(oai.chat.completions.create(model="gpt-4o", messages=HI, stream=True,
                                              stream_options={"include_usage": True}))
    assert chunks and all(isinstance(c.system_fingerprint, str) for c in chunks)


# ---- code: null where OpenAI sends null ----------------------------------------------------

def test_openai_not_found_errors_have_a_null_code(oai, server) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        oai.responses.retrieve("resp_no_such_response")
    assert caught.value.code is None
    with pytest.raises(openai.NotFoundError) as caught:
        oai.get("/no/such/path", cast_to=object)
    assert caught.value.code is None and "Invalid URL" in caught.value.message
    with pytest.raises(openai.NotFoundError) as caught:
        oai.models.retrieve("no-such-model")
    assert caught.value.code == "model_not_found"


def test_openai_missing_key_has_a_null_code(server) -> None:
    response = httpx.post(server.v1 + "/chat/completions", json={"model": "gpt-4o", "messages": HI})
    assert response.status_code == 401 and response.json()["error"]["code"] is None


# ---- tool-call arguments are compact JSON, in every OpenAI form ------------------------------

def test_chat_tool_arguments_are_compact(oai) -> None:
    call = oai.chat.completions.create(model="gpt-4o", messages=PARIS, tools=[WEATHER_TOOL]).choices[0] \
        .message.tool_calls[0]
    assert call.function.arguments == compact(call.function.arguments)
    assert json.loads(call.function.arguments)["city"] == "Paris"
    streamed = "".join(c.choices[0].delta.tool_calls[0].function.arguments or ""
                       for c in oai.chat.completions.create(model="gpt-4o", messages=PARIS, tools=[WEATHER_TOOL],
                                                            stream=True)
                       if c.choices and c.choices[0].delta.tool_calls)
    assert streamed == call.function.arguments


def test_legacy_function_call_arguments_are_compact(oai) -> None:
    message = oai.chat.completions.create(model="gpt-4o", messages=PARIS,
                                          functions=[WEATHER_TOOL["function"]]).choices[0].message
    assert message.function_call.arguments == compact(message.function_call.arguments)


def test_responses_function_call_arguments_are_compact(oai) -> None:
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    item = oai.responses.create(model="gpt-4.1", input=PARIS[0]["content"], tools=[tool]).output[0]
    assert item.type == "function_call" and item.arguments == compact(item.arguments)
    done = [e for e in oai.responses.create(model="gpt-4.1", input=PARIS[0]["content"], tools=[tool], stream=True)
            if e.type == "response.function_call_arguments.done"]
    assert done[0].arguments == item.arguments


def test_scenario_arguments_are_compact(server) -> None:
    client = openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)
    call = client.chat.completions.create(model="gpt-4o", messages=HI, tools=[WEATHER_TOOL],
                                          extra_headers={"X-Mock-Scenario": "weather"}).choices[0].message.tool_calls[0]
    assert call.function.arguments == '{"location":"Paris, France","unit":"celsius"}'


# ---- Prefer: code=429 tells the SDK how long to wait, and says the same --------------------

def wait_named(message: str) -> int:
    found = re.search(r"try again in (\d+)s", message)
    assert found, message
    return int(found.group(1))


def test_openai_prefer_429_has_retry_after_matching_its_message(oai) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        oai.chat.completions.create(model="gpt-4o", messages=HI, extra_headers={"Prefer": "code=429"})
    headers = caught.value.response.headers
    seconds = wait_named(caught.value.message)
    assert headers["retry-after"] == str(seconds) and headers["retry-after-ms"] == str(seconds * 1000)
    with pytest.raises(openai.RateLimitError) as caught:
        oai.responses.create(model="gpt-4.1", input="hi", extra_headers={"Prefer": "code=429"})
    assert caught.value.response.headers["retry-after"] == str(wait_named(caught.value.message))


def test_anthropic_prefer_429_has_retry_after(claude) -> None:
    with pytest.raises(anthropic.RateLimitError) as caught:
        claude.messages.create(model=CLAUDE, max_tokens=16, messages=HI, extra_headers={"Prefer": "code=429"})
    assert caught.value.response.headers["retry-after"] == "1"
    assert "retry-after-ms" not in caught.value.response.headers  # Anthropic sends seconds only
