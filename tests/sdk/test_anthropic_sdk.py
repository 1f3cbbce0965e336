"""The official anthropic SDK (2.x in .venv, 0.69 in .venv-legacy) against /v1/messages, unchanged."""

from __future__ import annotations

import asyncio

import jsonschema
import pytest

anthropic = pytest.importorskip("anthropic")

MODEL = "claude-sonnet-4-20250514"
MAJOR = int(anthropic.__version__.split(".")[0])
WEATHER = {"name": "get_weather", "description": "Get the current weather in a given location",
           "input_schema": {"type": "object",
                            "properties": {"location": {"type": "string", "description": "City, e.g. Paris"},
                                           "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                            "required": ["location", "unit"]}}
HELLO = [{"role": "user", "content": "Hello, Claude"}]

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")


@pytest.fixture
def client(server) -> "anthropic.Anthropic":
    """A client on the shared server; no retries so error tests stay fast."""
    return anthropic.Anthropic(base_url=server.url, api_key="sk-test", max_retries=0)


def test_create_text(client):
    message = client.messages.create(model=MODEL, max_tokens=256, messages=HELLO)
    assert message.id.startswith("msg_") and message.role == "assistant" and message.model == MODEL
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert message.usage.cache_creation_input_tokens == 0 and message.usage.cache_read_input_tokens == 0
    assert message._request_id and message._request_id.startswith("req_")


def test_auth_token_style(server):
    client = anthropic.Anthropic(base_url=server.url, auth_token="sk-bearer", api_key=None, max_retries=0)
    assert client.messages.create(model=MODEL, max_tokens=64, messages=HELLO).content[0].text


def test_max_tokens_and_stop_sequences(client):
    cut = client.messages.create(model=MODEL, max_tokens=4, messages=HELLO)
    assert cut.stop_reason == "max_tokens" and cut.usage.output_tokens == 4
    stopped = client.messages.create(model=MODEL, max_tokens=256, messages=HELLO, stop_sequences=["asked"])
    assert stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == "asked"


def test_raw_stream_iteration(client):
    stream = client.messages.create(model=MODEL, max_tokens=256, messages=HELLO, stream=True)
    events = list(stream)
    assert events[0].type == "message_start" and events[-1].type == "message_stop"
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta")
    plain = client.messages.create(model=MODEL, max_tokens=256, messages=HELLO)
    assert text == plain.content[0].text
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.delta.stop_reason == "end_turn" and delta.usage.output_tokens == plain.usage.output_tokens


def test_stream_helper_final_message(client):
    with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == final.content[0].text and final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 1


def test_stream_helper_with_tools(client):
    with client.messages.stream(model=MODEL, max_tokens=256, tools=[WEATHER],
                                messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
        final = stream.get_final_message()
    use = next(b for b in final.content if b.type == "tool_use")
    assert final.stop_reason == "tool_use" and use.id.startswith("toolu_")
    jsonschema.validate(use.input, WEATHER["input_schema"])


def test_tool_use_round_trip(client):
    question = [{"role": "user", "content": "What is the weather like in Paris?"}]
    first = client.messages.create(model=MODEL, max_tokens=512, tools=[WEATHER], messages=question)
    assert first.stop_reason == "tool_use"
    use = next(b for b in first.content if b.type == "tool_use")
    assert use.name == "get_weather" and isinstance(use.input, dict)
    jsonschema.validate(use.input, WEATHER["input_schema"])
    second = client.messages.create(model=MODEL, max_tokens=512, tools=[WEATHER], messages=[
        *question,
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "21 C, clear"}]}])
    assert second.stop_reason == "end_turn" and "21 C, clear" in second.content[0].text


def test_forced_tool_choice(client):
    message = client.messages.create(model=MODEL, max_tokens=256, tools=[WEATHER], messages=HELLO,
                                     tool_choice={"type": "tool", "name": "get_weather"})
    assert [b.type for b in message.content] == ["tool_use"] and message.content[0].name == "get_weather"


def test_thinking_stream(client):
    with client.messages.stream(model=MODEL, max_tokens=2048, messages=HELLO,
                                thinking={"type": "enabled", "budget_tokens": 1024}) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking and final.content[0].signature


def test_image_block(client):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    message = client.messages.create(model=MODEL, max_tokens=256, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": png}},
        {"type": "text", "text": "Describe this image"}]}])
    assert "image" in message.content[0].text


def test_beta_namespace(client):
    message = client.beta.messages.create(model=MODEL, max_tokens=64, messages=HELLO, betas=["prompt-caching-2024-07-31"])
    assert message.content[0].text and message.stop_reason == "end_turn"
    with client.beta.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
        assert stream.get_final_message().content[0].text == message.content[0].text


def test_count_tokens(client):
    counted = client.messages.count_tokens(model=MODEL, messages=HELLO, system="Be brief.")
    message = client.messages.create(model=MODEL, max_tokens=64, messages=HELLO, system="Be brief.")
    assert counted.input_tokens == message.usage.input_tokens > 0


def test_models_list(client):
    page = client.models.list()
    models = list(page)
    assert models and all(m.type == "model" and m.id and m.display_name for m in models)
    assert page.has_more is False and any(m.id.startswith("claude") for m in models)


def test_missing_max_tokens_is_a_bad_request(client):
    with pytest.raises(anthropic.BadRequestError) as info:
        client.post("/v1/messages", body={"model": MODEL, "messages": HELLO}, cast_to=anthropic.types.Message)
    assert info.value.status_code == 400 and "max_tokens: Field required" in str(info.value)
    assert info.value.body["error"]["type"] == "invalid_request_error"


def test_wrong_key_is_an_authentication_error(make_server):
    server = make_server(api_keys=["sk-only"])
    client = anthropic.Anthropic(base_url=server.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as info:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert info.value.status_code == 401 and info.value.body["error"]["type"] == "authentication_error"
    good = anthropic.Anthropic(base_url=server.url, api_key="sk-only", max_retries=0)
    assert good.messages.create(model=MODEL, max_tokens=64, messages=HELLO).content


@pytest.mark.parametrize("status,name", [(403, "PermissionDeniedError"), (404, "NotFoundError"),
                                         (429, "RateLimitError"), (500, "InternalServerError"),
                                         (529, "OverloadedError")])
def test_error_classes(client, status, name):
    from anthropic import _exceptions  # 0.x does not re-export OverloadedError at the top level

    with pytest.raises(getattr(anthropic, name, None) or getattr(_exceptions, name)) as info:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO,
                               extra_headers={"Prefer": f"code={status}"})
    assert info.value.status_code == status
    assert info.value.body["type"] == "error" and info.value.body["error"]["type"]


def test_request_too_large_class(client):
    name = "ContentTooLargeError" if MAJOR >= 2 else "RequestTooLargeError"
    expected = getattr(anthropic, name, anthropic.APIStatusError)
    with pytest.raises(expected) as info:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO, extra_headers={"Prefer": "code=413"})
    assert info.value.body["error"]["type"] == "request_too_large"


@pytest.mark.skipif(MAJOR < 2, reason="output_config / messages.parse exist from anthropic 2.x")
def test_structured_output_parse(client):
    pydantic = pytest.importorskip("pydantic")

    class Person(pydantic.BaseModel):
        name: str
        age: int

    parsed = client.messages.parse(model=MODEL, max_tokens=256, output_format=Person,
                                   messages=[{"role": "user", "content": "Ann is 31"}])
    assert isinstance(parsed.parsed_output, Person)


def test_async_client_stream(server):
    async def run() -> str:
        client = anthropic.AsyncAnthropic(base_url=server.url, api_key="sk-test", max_retries=0)
        async with client.messages.stream(model=MODEL, max_tokens=128, messages=HELLO) as stream:
            final = await stream.get_final_message()
        return final.content[0].text

    assert asyncio.run(run())
