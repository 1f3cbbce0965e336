"""langchain-openai `ChatOpenAI` against the mock: invoke, stream, tools round trip, structured output."""

from __future__ import annotations

from typing import Literal

import pytest

pytest.importorskip("langchain_openai")

from langchain_core.messages import HumanMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from pydantic import BaseModel  # noqa: E402


@tool
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"]) -> str:
    """Get the current weather for a city."""
    return f"It is 18 degrees {unit} and cloudy in {city}."


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int
    role: Literal["engineer", "manager", "designer"]


@pytest.fixture(scope="module")
def llm(server):
    return ChatOpenAI(model="gpt-4o", base_url=server.v1, api_key="sk-test", max_retries=0)


def test_invoke(llm):
    message = llm.invoke("Tell me a joke about ducks")
    assert "Tell me a joke about ducks" in message.content
    assert message.usage_metadata["total_tokens"] > 0
    assert message.response_metadata["finish_reason"] == "stop"


def test_stream(llm):
    chunks = list(llm.stream("Tell me a joke about ducks", stream_usage=True))
    text = "".join(c.content for c in chunks)
    assert "ducks" in text and len(chunks) > 3
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.usage_metadata and total.usage_metadata["output_tokens"] > 0


def test_bind_tools_round_trip(llm):
    bound = llm.bind_tools([get_weather])
    history = [HumanMessage("What's the weather in Berlin?")]
    first = bound.invoke(history)
    (call,) = first.tool_calls
    assert call["name"] == "get_weather" and call["args"]["unit"] in ("celsius", "fahrenheit")
    history += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    final = bound.invoke(history)
    assert not final.tool_calls and "cloudy" in final.content


def test_bind_tools_streaming(llm):
    total = None
    for chunk in llm.bind_tools([get_weather]).stream("What's the weather in Berlin?"):
        total = chunk if total is None else total + chunk
    assert total.tool_calls[0]["name"] == "get_weather" and "city" in total.tool_calls[0]["args"]


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_with_structured_output(llm, method):
    person = llm.with_structured_output(Person, method=method).invoke("Ada is a 36 year old engineer.")
    assert isinstance(person, Person) and person.role in ("engineer", "manager", "designer")
