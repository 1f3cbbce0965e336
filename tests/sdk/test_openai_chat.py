"""The official openai SDK (3.x and 1.x) against Chat Completions and legacy Completions, unchanged."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Literal

import pytest

openai = pytest.importorskip("openai")
pydantic = pytest.importorskip("pydantic")

PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                   "required": ["city", "unit"], "additionalProperties": False}}}


class Step(pydantic.BaseModel):
    explanation: str
    output: str


class MathReasoning(pydantic.BaseModel):
    steps: list[Step]
    final_answer: str
    difficulty: Literal["easy", "hard"]


@pytest.fixture(scope="module")
def client(server):
    with openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0) as c:
        yield c


def completions_api(client):
    """`client.chat.completions` where `parse`/`stream` live (1.x before 1.92 kept them under `beta`)."""
    chat = client.chat.completions
    return chat if hasattr(chat, "parse") else client.beta.chat.completions


def test_create(client):
    completion = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi there"}])
    assert completion.model == "gpt-4o" and completion.object == "chat.completion"
    message = completion.choices[0].message
    assert message.role == "assistant" and "Hi there" in message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert completion.usage.completion_tokens_details.reasoning_tokens == 0
    assert completion.system_fingerprint.startswith("fp_")
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert raw.headers["x-request-id"].startswith("req_")


def test_stream(client):
    pieces, usage = [], None
    stream = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi there"}],
                                            stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
        else:
            usage = chunk.usage
    assert "Hi there" in "".join(pieces) and usage.completion_tokens > 0


def test_stream_helper_accumulates(client):
    with completions_api(client).stream(model="gpt-4o", messages=[{"role": "user", "content": "Weather in Oslo?"}],
                                        tools=[WEATHER], n=2) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    assert [c.index for c in final.choices] == [0, 1]
    for choice in final.choices:
        assert choice.message.role == "assistant"
        (call,) = choice.message.tool_calls
        assert call.id.startswith("call_") and call.function.name == "get_weather"
        assert set(json.loads(call.function.arguments)) == {"city", "unit"}


def test_stream_helper_text(client):
    with completions_api(client).stream(model="gpt-4o", messages=[{"role": "user", "content": "Hello"}]) as stream:
        text = "".join(e.delta for e in stream if e.type == "content.delta")
        final = stream.get_final_completion()
    assert text == final.choices[0].message.content and final.choices[0].message.role == "assistant"


def test_parse_with_pydantic_model(client):
    completion = completions_api(client).parse(model="gpt-4o", response_format=MathReasoning, messages=[
        {"role": "system", "content": "You are a helpful math tutor."},
        {"role": "user", "content": "how can I solve 8x + 7 = -23"}])
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, MathReasoning) and parsed.steps and parsed.difficulty in ("easy", "hard")


def test_parse_streaming(client):
    with completions_api(client).stream(model="gpt-4o", response_format=MathReasoning,
                                        messages=[{"role": "user", "content": "Solve 2x = 4"}]) as stream:
        final = stream.get_final_completion()
    assert isinstance(final.choices[0].message.parsed, MathReasoning)


def test_parse_strict_tool(client):
    class GetWeather(pydantic.BaseModel):
        city: str
        unit: Literal["celsius", "fahrenheit"]

    completion = completions_api(client).parse(model="gpt-4o", tools=[openai.pydantic_function_tool(GetWeather)],
                                               messages=[{"role": "user", "content": "Weather in Lima?"}])
    call = completion.choices[0].message.tool_calls[0]
    assert isinstance(call.function.parsed_arguments, GetWeather)


def run_tool(name: str, arguments: str) -> str:
    args = json.loads(arguments)
    return json.dumps({"city": args["city"], "temperature": 21, "unit": args["unit"], "sky": "sunny"})


def test_agent_loop_runs_to_completion(client):
    messages = [{"role": "user", "content": "What's the weather in Paris?"}]
    for _ in range(5):
        completion = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
        message = completion.choices[0].message
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": run_tool(call.function.name, call.function.arguments)})
    assert completion.choices[0].finish_reason == "stop"
    assert "sunny" in message.content and len(messages) == 3


def test_n_choices(client):
    completion = client.chat.completions.create(model="gpt-4o-mini", n=3,
                                                messages=[{"role": "user", "content": "Hello"}])
    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert len({c.message.content for c in completion.choices}) == 3


def test_vision_base64(client):
    completion = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}}]}])
    assert "image" in completion.choices[0].message.content


def test_bad_data_url_raises_bad_request(client):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,???"}}]}])
    assert info.value.status_code == 400 and info.value.param == "messages[0].content[0].image_url.url"


def test_max_tokens_length_makes_parse_raise(client):
    with pytest.raises(openai.LengthFinishReasonError):
        completions_api(client).parse(model="gpt-4o", response_format=MathReasoning, max_completion_tokens=5,
                                      messages=[{"role": "user", "content": "Solve 2x = 4"}])


def test_audio_output(client):
    completion = client.chat.completions.create(
        model="gpt-4o-audio-preview", modalities=["text", "audio"], audio={"voice": "alloy", "format": "wav"},
        messages=[{"role": "user", "content": "Is a golden retriever a good family dog?"}])
    audio = completion.choices[0].message.audio
    assert base64.b64decode(audio.data)[:4] == b"RIFF" and audio.transcript and audio.expires_at


def test_legacy_completions(client):
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7)
    assert completion.object == "text_completion" and completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 7
    streamed = "".join(c.choices[0].text for c in client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7, stream=True))
    assert streamed == completion.choices[0].text


def test_async_stream(server):
    async def main() -> str:
        async with openai.AsyncOpenAI(base_url=server.v1, api_key="sk-test") as aclient:
            stream = await aclient.chat.completions.create(model="gpt-4o", stream=True,
                                                           messages=[{"role": "user", "content": "Hi"}])
            return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert "Hi" in asyncio.run(main())
