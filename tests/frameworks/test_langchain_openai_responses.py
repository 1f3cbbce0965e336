"""langchain-openai's ChatOpenAI on the Responses API (`use_responses_api=True`)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langchain_openai")

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from pydantic import BaseModel  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny and 22 degrees in {city}."


class Person(BaseModel):
    name: str
    age: int


def chat(server: Any, **options: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4.1", base_url=server.v1, api_key="sk-test", use_responses_api=True,
                      max_retries=0, **options)


def test_invoke(server: Any) -> None:
    message = chat(server).invoke("Tell me about owls")
    assert isinstance(message, AIMessage) and "owls" in message.text
    assert message.usage_metadata["total_tokens"] > 0
    assert message.response_metadata.get("id", "").startswith("resp_")


def test_stream(server: Any) -> None:
    chunks = list(chat(server).stream("Stream about foxes"))
    assert len(chunks) > 2
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert "foxes" in full.text and full.usage_metadata["output_tokens"] > 0


def test_tool_loop(server: Any) -> None:
    model = chat(server).bind_tools([get_weather])
    messages: list[Any] = [HumanMessage("What's the weather in Lisbon?")]
    first = model.invoke(messages)
    [call] = first.tool_calls
    assert call["name"] == "get_weather" and isinstance(call["args"]["city"], str)
    messages += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    second = model.invoke(messages)
    assert not second.tool_calls and "sunny and 22 degrees" in second.text


def test_streamed_tool_call(server: Any) -> None:
    model = chat(server).bind_tools([get_weather], tool_choice="get_weather")
    full = None
    for chunk in model.stream("Weather in Oslo?"):
        full = chunk if full is None else full + chunk
    assert full is not None and full.tool_calls[0]["name"] == "get_weather"


def test_structured_output(server: Any) -> None:
    person = chat(server).with_structured_output(Person).invoke("Ann is 31 years old.")
    assert isinstance(person, Person) and isinstance(person.age, int)


def test_previous_response_id_mode(server: Any) -> None:
    model = chat(server, use_previous_response_id=True)
    first = model.invoke("My name is Bo.")
    second = model.invoke([HumanMessage("My name is Bo."), first, HumanMessage("What is my name?")])
    assert second.text


def test_reasoning_model(server: Any) -> None:
    model = ChatOpenAI(model="o4-mini", base_url=server.v1, api_key="sk-test", max_retries=0,
                       reasoning={"effort": "low", "summary": "auto"})
    message = model.invoke("Why is the sea salty?")
    assert message.text and message.usage_metadata["output_token_details"]["reasoning"] > 0
