"""langchain-anthropic's ChatAnthropic against /v1/messages: invoke, stream, tools, structured output."""

from __future__ import annotations

import jsonschema
import pytest

pytest.importorskip("langchain_anthropic")

from langchain_anthropic import ChatAnthropic  # noqa: E402
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MODEL = "claude-sonnet-4-5-20250929"


@tool
def get_weather(location: str, unit: str = "celsius") -> str:
    """Get the current weather in a given location."""
    return f"21 degrees {unit} in {location}"


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="The person's name")
    age: int = Field(description="Age in years", ge=0)


@pytest.fixture
def llm(server) -> ChatAnthropic:
    """ChatAnthropic pointed at the mock."""
    return ChatAnthropic(model=MODEL, base_url=server.url, api_key="sk-test", max_tokens=512, max_retries=0)


def test_invoke(llm):
    message = llm.invoke([SystemMessage("Be brief."), HumanMessage("Hello there")])
    assert isinstance(message, AIMessage) and isinstance(message.content, str) and message.content
    assert message.response_metadata["stop_reason"] == "end_turn"
    assert message.usage_metadata["input_tokens"] > 0 and message.usage_metadata["output_tokens"] > 0


def test_stream_matches_invoke(llm):
    chunks = list(llm.stream("Hello there"))
    assert len(chunks) > 2
    streamed = "".join(c.content if isinstance(c.content, str) else
                       "".join(p.get("text", "") for p in c.content if isinstance(p, dict)) for c in chunks)
    assert streamed == llm.invoke("Hello there").content
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.usage_metadata["output_tokens"] > 0


def test_bind_tools_round_trip(llm):
    with_tools = llm.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Paris?")
    first = with_tools.invoke([question])
    assert first.tool_calls and first.tool_calls[0]["name"] == "get_weather"
    call = first.tool_calls[0]
    assert call["id"].startswith("toolu_") and isinstance(call["args"]["location"], str)
    result = ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])
    second = with_tools.invoke([question, first, result])
    assert not second.tool_calls and "21 degrees" in second.text


def test_stream_tool_call_chunks(llm):
    total = None
    for chunk in llm.bind_tools([get_weather], tool_choice="get_weather").stream("Weather in Oslo?"):
        total = chunk if total is None else total + chunk
    assert total.tool_calls and total.tool_calls[0]["name"] == "get_weather"
    assert isinstance(total.tool_calls[0]["args"].get("location"), str)


def test_with_structured_output(llm):
    person = llm.with_structured_output(Person).invoke("Ann is 31 years old.")
    assert isinstance(person, Person) and person.age >= 0


def test_with_structured_output_json_schema_dict(llm):
    schema = {"title": "City", "description": "A city", "type": "object",
              "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
              "required": ["name", "population"]}
    city = llm.with_structured_output(schema).invoke("Tell me about Oslo")
    jsonschema.validate(city, schema)


def test_with_structured_output_json_schema_method(llm):
    person = llm.with_structured_output(Person, method="json_schema").invoke("Ann is 31 years old.")
    assert isinstance(person, Person)
