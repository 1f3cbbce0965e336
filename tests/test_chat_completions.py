"""Chat Completions over plain HTTP: default replies, limits, tools, structured output, media, errors."""

from __future__ import annotations

import base64
import io
import json
import wave

import httpx
import jsonschema
import pytest

from mockserver.media import audio_duration

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7}},
        "required": ["city", "unit"], "additionalProperties": False}}}
STOCK = {"type": "function", "function": {
    "name": "get_stock_price", "description": "Get the stock price for a ticker symbol",
    "parameters": {"type": "object", "properties": {"ticker": {"type": "string"}}, "required": ["ticker"]}}}
@pytest.fixture(scope="module")
def http(server):
    """One keep-alive client for the whole module (cheaper than the per-test `http` fixture)."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}, timeout=30) as client:
        yield client


PIXEL = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def chat(http, **body):
    """POST a chat completion and return the response."""
    body.setdefault("model", "gpt-4o")
    body.setdefault("messages", [{"role": "user", "content": "Hello there"}])
    return http.post("/v1/chat/completions", json=body)


def ok(http, **body) -> dict:
    response = chat(http, **body)
    assert response.status_code == 200, response.text
    return response.json()


def test_plain_reply_shape(http):
    response = chat(http, model="my-custom-model", messages=[{"role": "user", "content": "What is a mock server?"}])
    body = response.json()
    assert response.headers["x-request-id"].startswith("req_")
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert body["model"] == "my-custom-model"
    assert isinstance(body["created"], int) and body["system_fingerprint"].startswith("fp_")
    choice = body["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop" and choice["logprobs"] is None
    message = choice["message"]
    assert message["role"] == "assistant" and message["refusal"] is None and message["annotations"] == []
    assert "What is a mock server?" in message["content"]
    assert "tool_calls" not in message
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert set(usage["prompt_tokens_details"]) == {"cached_tokens", "audio_tokens"}
    assert set(usage["completion_tokens_details"]) == {"reasoning_tokens", "audio_tokens",
                                                       "accepted_prediction_tokens", "rejected_prediction_tokens"}


def test_deterministic_for_same_request_and_seed(http):
    messages = [{"role": "user", "content": "Tell me something"}]
    first = ok(http, messages=messages, stream_options=None)
    second = http.post("/v1/chat/completions", content=json.dumps({"messages": messages, "model": "gpt-4o"}, indent=2),
                       headers={"content-type": "application/json"}).json()
    assert first["id"] == second["id"] and first["system_fingerprint"] == second["system_fingerprint"]
    assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
    other = ok(http, messages=messages, seed=42)
    assert other["choices"][0]["message"]["content"] != first["choices"][0]["message"]["content"]
    assert other["system_fingerprint"] == first["system_fingerprint"]


def test_max_tokens_cuts_with_length(http):
    body = ok(http, max_tokens=3)
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3
    winner = ok(http, max_tokens=50, max_completion_tokens=2)
    assert winner["usage"]["completion_tokens"] == 2


def test_stop_sequence_cuts_with_stop(http):
    body = ok(http, stop=["zzz", " there"])
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["content"] == 'You asked: "Hello'


def test_n_choices_are_distinct(http):
    body = ok(http, n=3)
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len({c["message"]["content"] for c in body["choices"]}) == 3


def test_tool_call_arguments_validate_against_schema(http):
    body = ok(http, messages=[{"role": "user", "content": "What's the weather in Edinburgh?"}], tools=[WEATHER])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    assert isinstance(call["function"]["arguments"], str)
    jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER["function"]["parameters"])


def test_tool_choice_none_named_and_parallel(http):
    question = [{"role": "user", "content": "What's the weather in Paris and the stock price of ACME?"}]
    none = ok(http, messages=question, tools=[WEATHER, STOCK], tool_choice="none")
    assert none["choices"][0]["finish_reason"] == "stop"
    named = ok(http, messages=question, tools=[WEATHER, STOCK],
               tool_choice={"type": "function", "function": {"name": "get_stock_price"}})
    assert [c["function"]["name"] for c in named["choices"][0]["message"]["tool_calls"]] == ["get_stock_price"]
    parallel = ok(http, messages=question, tools=[WEATHER, STOCK])
    assert [c["function"]["name"] for c in parallel["choices"][0]["message"]["tool_calls"]] == \
        ["get_weather", "get_stock_price"]
    single = ok(http, messages=question, tools=[WEATHER, STOCK], parallel_tool_calls=False)
    assert len(single["choices"][0]["message"]["tool_calls"]) == 1


def test_tool_results_give_text_that_uses_them(http):
    first = ok(http, messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER])
    call = first["choices"][0]["message"]["tool_calls"][0]
    messages = [{"role": "user", "content": "Weather in Oslo?"},
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": '{"temp_c": 4, "sky": "snow"}'}]
    body = ok(http, messages=messages, tools=[WEATHER])
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and "snow" in choice["message"]["content"]
    assert "get_weather" in choice["message"]["content"]


def test_legacy_functions_answer_function_call(http):
    body = ok(http, messages=[{"role": "user", "content": "Weather in Paris?"}],
              functions=[WEATHER["function"]], function_call="auto")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert "tool_calls" not in choice["message"]
    assert choice["message"]["function_call"]["name"] == "get_weather"
    jsonschema.validate(json.loads(choice["message"]["function_call"]["arguments"]),
                        WEATHER["function"]["parameters"])


def test_structured_output_json_schema_and_json_object(http):
    schema = {"type": "object", "properties": {
        "steps": {"type": "array", "items": {"type": "object", "properties": {
            "explanation": {"type": "string"}, "output": {"type": "string"}},
            "required": ["explanation", "output"], "additionalProperties": False}},
        "final_answer": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "kind": {"type": "string", "enum": ["algebra", "geometry"]}},
        "required": ["steps", "final_answer", "confidence", "kind"], "additionalProperties": False}
    body = ok(http, messages=[{"role": "user", "content": "how can I solve 8x + 7 = -23"}],
              response_format={"type": "json_schema", "json_schema": {"name": "math", "schema": schema,
                                                                     "strict": True}})
    jsonschema.validate(json.loads(body["choices"][0]["message"]["content"]), schema)
    obj = ok(http, messages=[{"role": "user", "content": "Reply in JSON please"}],
             response_format={"type": "json_object"})
    assert isinstance(json.loads(obj["choices"][0]["message"]["content"]), dict)


def test_vision_https_and_data_urls(http):
    parts = [{"type": "text", "text": "What is in these images?"},
             {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
             {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}", "detail": "low"}}]
    body = ok(http, messages=[{"role": "user", "content": parts}])
    content = body["choices"][0]["message"]["content"]
    assert "2 images" in content and "example.com/cat.jpg" in content and "image/png" in content
    plain = ok(http, messages=[{"role": "user", "content": "What is in these images?"}])
    assert body["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"]


@pytest.mark.parametrize("url", ["data:image/png;base64,@@not-base64@@", "data:image/png,rawbytes",
                                 "data:text/plain;base64,aGVsbG8=", "ftp://example.com/a.png"])
def test_bad_image_url_is_400_naming_the_field(http, url):
    response = chat(http, messages=[{"role": "user", "content": [
        {"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": url}}]}])
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "messages[0].content[1].image_url.url"


def test_input_audio_accepted_and_bad_base64_rejected(http):
    clip = base64.b64encode(b"RIFF....WAVEfmt ").decode()
    body = ok(http, model="gpt-4o-audio-preview", messages=[{"role": "user", "content": [
        {"type": "text", "text": "Transcribe"}, {"type": "input_audio", "input_audio": {"data": clip, "format": "wav"}}]}])
    assert "audio clip" in body["choices"][0]["message"]["content"]
    assert body["usage"]["prompt_tokens_details"]["audio_tokens"] > 0
    bad = chat(http, messages=[{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": "%%%", "format": "wav"}}]}])
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "messages[0].content[0].input_audio.data"


def test_logprobs(http):
    body = ok(http, logprobs=True, top_logprobs=2, max_tokens=4)
    content = body["choices"][0]["logprobs"]["content"]
    assert "".join(e["token"] for e in content) == body["choices"][0]["message"]["content"]
    for entry in content:
        assert entry["logprob"] <= 0 and entry["bytes"] == list(entry["token"].encode())
        assert len(entry["top_logprobs"]) == 2 and entry["top_logprobs"][0]["token"] == entry["token"]
        assert entry["top_logprobs"][1]["logprob"] < entry["top_logprobs"][0]["logprob"]
    assert ok(http, logprobs=True)["choices"][0]["logprobs"]["content"][0]["top_logprobs"] == []


@pytest.mark.parametrize("body", [{"model": "o3-mini"}, {"model": "gpt-4o", "reasoning_effort": "high"}])
def test_reasoning_tokens_reported(http, body):
    usage = ok(http, **body)["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert usage["completion_tokens"] > usage["completion_tokens_details"]["reasoning_tokens"]
    assert ok(http)["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


@pytest.mark.parametrize("fmt", ["wav", "mp3", "pcm16"])
def test_audio_output_is_real_audio(http, fmt):
    body = ok(http, model="gpt-4o-audio-preview", modalities=["text", "audio"], audio={"voice": "alloy", "format": fmt},
              messages=[{"role": "user", "content": "Is a golden retriever a good family dog?"}])
    message = body["choices"][0]["message"]
    audio = message["audio"]
    assert message["content"] is None and audio["id"].startswith("audio_")
    assert audio["expires_at"] > body["created"] and "golden retriever" in audio["transcript"]
    data = base64.b64decode(audio["data"])
    if fmt == "wav":
        with wave.open(io.BytesIO(data)) as reader:
            assert reader.getnframes() > 0
    elif fmt == "mp3":
        assert (audio_duration(data) or 0) > 0.5
    else:
        assert len(data) % 2 == 0 and len(data) > 24000
    assert body["usage"]["completion_tokens_details"]["audio_tokens"] > 0


@pytest.mark.parametrize("body,param", [
    ({"messages": [{"role": "tool", "tool_call_id": "call_x", "content": "1"}]}, "messages[0].tool_call_id"),
    ({"messages": [{"role": "user", "content": "hi"},
                   {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                                                         "function": {"name": "f", "arguments": "{}"}}]},
                   {"role": "user", "content": "again"}]}, "messages"),
    ({"tool_choice": "auto"}, "tool_choice"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
    ({"stream_options": {"include_usage": True}}, "stream_options"),
    ({"response_format": {"type": "json_object"}}, "messages"),
    ({"modalities": ["text", "audio"]}, "audio"),
    ({"top_logprobs": 3}, "top_logprobs"),
    ({"messages": []}, "messages"),
    ({"n": 0}, "n"),
])
def test_client_mistakes_are_400_naming_the_field(http, body, param):
    response = chat(http, **body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param
