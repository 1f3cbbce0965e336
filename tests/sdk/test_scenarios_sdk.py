"""Scenarios as the official SDKs see them: retries, mid-stream errors, resets, keyed sequences."""

from __future__ import annotations

import concurrent.futures

import httpx
import pytest

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")

MESSAGES = [{"role": "user", "content": "hello"}]


def oai(server, **headers) -> "openai.OpenAI":
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", default_headers=headers or None, max_retries=2)


def claude(server, **headers) -> "anthropic.Anthropic":
    return anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", default_headers=headers or None)


def journal(server, **params) -> list[dict]:
    return httpx.get(server.url + "/_mock/requests", params=params).json()["data"]


def test_openai_retries_429_with_retry_after_ms_and_succeeds(server):
    client = oai(server, **{"X-Test-Id": "sdk-429-openai"})
    completion = client.chat.completions.create(model="mock-429-then-ok", messages=MESSAGES)
    assert completion.choices[0].message.content
    entries = journal(server, test_id="sdk-429-openai")
    assert [e["status"] for e in entries] == [429, 200]
    assert entries[1]["headers"]["x-stainless-retry-count"] == "1"


def test_anthropic_retries_429_and_succeeds(server):
    client = claude(server, **{"X-Test-Id": "sdk-429-anthropic", "X-Mock-Scenario": "429-then-ok"})
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=MESSAGES)
    assert message.content[0].text
    assert [e["status"] for e in journal(server, test_id="sdk-429-anthropic")] == [429, 200]


def test_anthropic_529_overloaded_after_retries(server):
    client = claude(server, **{"X-Test-Id": "sdk-529"})
    with pytest.raises(anthropic.APIStatusError) as info:
        client.messages.create(model="mock-overloaded", max_tokens=64, messages=MESSAGES)
    assert info.value.status_code == 529
    assert type(info.value).__name__ == "OverloadedError"
    assert len(journal(server, test_id="sdk-529")) == 3


def test_openai_mid_stream_error_raises_api_error(server):
    client = oai(server)
    stream = client.chat.completions.create(model="mock-stream-error", messages=MESSAGES, stream=True)
    with pytest.raises(openai.APIError) as info:
        for _ in stream:
            pass
    assert not isinstance(info.value, openai.APIStatusError)
    assert "Overloaded" in str(info.value)


def test_anthropic_mid_stream_error_raises_status_error(server):
    client = claude(server)
    with pytest.raises(anthropic.APIStatusError) as info:
        with client.messages.stream(model="mock-stream-error", max_tokens=64, messages=MESSAGES) as stream:
            for _ in stream:
                pass
    assert "overloaded_error" in str(info.value.body)


def test_stream_that_dies_raises_connection_error(server):
    client = oai(server)
    stream = client.chat.completions.create(model="mock-stream-dies", messages=MESSAGES, stream=True)
    with pytest.raises((openai.APIConnectionError, httpx.RemoteProtocolError)):
        for _ in stream:
            pass


def test_connection_reset_is_an_api_connection_error(server):
    httpx.post(server.url + "/_mock/scenarios", json={"name": "sdk-reset", "fault": {"reset": True}})
    client = openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0,
                           default_headers={"X-Mock-Scenario": "sdk-reset"})
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)


def test_sequence_per_test_id_in_parallel(server):
    httpx.post(server.url + "/_mock/scenarios", json={
        "name": "sdk-seq", "match": {"model": "sdk-seq"},
        "sequence": [{"reply": {"text": "first"}}, {"reply": {"text": "second"}}]})

    def run(test_id: str) -> list[str]:
        client = oai(server, **{"X-Test-Id": test_id})
        return [client.chat.completions.create(model="sdk-seq", messages=MESSAGES).choices[0].message.content
                for _ in range(3)]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, [f"p{i}" for i in range(4)])) == [["first", "second", "second"]] * 4


def test_weather_round_trip(server):
    client = oai(server, **{"X-Mock-Scenario": "weather"})
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"location": {"type": "string"}}}}}]
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 18}'}]
    second = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
    assert "18 °C" in second.choices[0].message.content


def test_split_tool_call_accumulates_in_the_stream_helper(server):
    client = oai(server, **{"X-Mock-Scenario": "split-tool-call"})
    stream = getattr(client.chat.completions, "stream", None) or client.beta.chat.completions.stream
    with stream(model="gpt-4o", messages=MESSAGES) as s:
        final = s.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and '"days":10' in call.function.arguments
