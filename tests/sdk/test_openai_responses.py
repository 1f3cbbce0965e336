"""The official openai SDK (3.x and 1.x) against /v1/responses: create, stream, parse, tools, chaining."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

openai = pytest.importorskip("openai")
pydantic = pytest.importorskip("pydantic")

WEATHER = {
    "type": "function", "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                    "unit": {"type": "string", "enum": ["c", "f"]}},
                   "required": ["city", "unit"], "additionalProperties": False},
    "strict": True,
}


class CalendarEvent(pydantic.BaseModel):
    name: str
    date: str
    participants: list[str]


@pytest.fixture
def client(server: Any) -> Any:
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)


def test_create_text(client: Any) -> None:
    response = client.responses.create(model="gpt-4.1", input="Tell me a joke about otters",
                                       instructions="Be brief.")
    assert response.status == "completed" and response.id.startswith("resp_")
    assert "otters" in response.output_text
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert response.instructions == "Be brief."


def test_max_output_tokens_incomplete(client: Any) -> None:
    response = client.responses.create(model="gpt-4.1", input="Long story", max_output_tokens=16)
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"


def test_create_stream_iteration(client: Any) -> None:
    stream = client.responses.create(model="gpt-4.1", input="Stream a greeting", stream=True)
    events = list(stream)
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text == events[-1].response.output_text and text
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_stream_helper_final_response(client: Any) -> None:
    with client.responses.stream(model="gpt-4.1", input="Use the helper") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text and final.status == "completed"


def test_stream_helper_with_tool_and_reasoning(client: Any) -> None:
    with client.responses.stream(model="o4-mini", input="Weather in Lyon?", tools=[WEATHER],
                                 reasoning={"effort": "low", "summary": "auto"}) as stream:
        final = stream.get_final_response()
    kinds = [item.type for item in final.output]
    assert kinds == ["reasoning", "function_call"]
    call = final.output[1]
    assert call.parsed_arguments is None or call.parsed_arguments["city"]
    arguments = json.loads(call.arguments)
    assert arguments["unit"] in ("c", "f") and final.usage.output_tokens_details.reasoning_tokens > 0


def test_parse_structured_output(client: Any) -> None:
    response = client.responses.parse(model="gpt-4.1", input="Alice and Bob go to a science fair on Friday.",
                                      text_format=CalendarEvent)
    event = response.output_parsed
    assert isinstance(event, CalendarEvent) and isinstance(event.participants, list)


def test_stream_helper_with_text_format(client: Any) -> None:
    with client.responses.stream(model="gpt-4.1", input="Extract the event: lunch on Monday with Ann.",
                                 text_format=CalendarEvent) as stream:
        final = stream.get_final_response()
    assert isinstance(final.output_parsed, CalendarEvent)


def test_function_calling_loop_with_previous_response_id(client: Any) -> None:
    first = client.responses.create(model="gpt-4.1", input="What's the weather in Paris?", tools=[WEATHER])
    [call] = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and json.loads(call.arguments)["city"]
    second = client.responses.create(model="gpt-4.1", previous_response_id=first.id, tools=[WEATHER],
                                     input=[{"type": "function_call_output", "call_id": call.call_id,
                                             "output": json.dumps({"temp": 18})}])
    assert second.previous_response_id == first.id and "18" in second.output_text


def test_function_calling_loop_resending_output_items(client: Any) -> None:
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = client.responses.create(model="o4-mini", input=messages, tools=[WEATHER], store=False)
    messages += first.output
    for item in first.output:
        if item.type == "function_call":
            messages.append({"type": "function_call_output", "call_id": item.call_id, "output": "sunny, 24"})
    second = client.responses.create(model="o4-mini", input=messages, tools=[WEATHER], store=False)
    assert "sunny, 24" in second.output_text


def test_chaining_and_stored_operations(client: Any) -> None:
    first = client.responses.create(model="gpt-4.1", input="My name is Ada.")
    second = client.responses.create(model="gpt-4.1", input="What is my name?", previous_response_id=first.id)
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens
    retrieved = client.responses.retrieve(second.id)
    assert retrieved.output_text == second.output_text
    items = list(client.responses.input_items.list(second.id))
    assert [i.content[0].text for i in items] == ["What is my name?"]
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)


def test_unknown_previous_response_id(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4.1", input="hi", previous_response_id="resp_nope")
    assert caught.value.code == "previous_response_not_found" and caught.value.param == "previous_response_id"


def test_context_window_error(client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-4o", input="word " * 130_000)
    assert caught.value.code == "context_length_exceeded"


def test_background_and_cancel(client: Any) -> None:
    queued = client.responses.create(model="gpt-4.1", input="Background me", background=True)
    assert queued.status == "queued"
    assert client.responses.cancel(queued.id).status == "cancelled"
    done = client.responses.create(model="gpt-4.1", input="Finished already")
    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(done.id)


def test_async_stream(server: Any) -> None:
    async def run() -> str:
        async with openai.AsyncOpenAI(base_url=server.v1, api_key="sk-test") as client:
            stream = await client.responses.create(model="gpt-4.1", input="Async hello", stream=True)
            return "".join([e.delta async for e in stream if e.type == "response.output_text.delta"])

    assert "Async hello" in asyncio.run(run())
