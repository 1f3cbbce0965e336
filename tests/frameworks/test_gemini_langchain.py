"""langchain-google-genai against the mock's Gemini native endpoints."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_google_genai")
from langchain_core.messages import HumanMessage, ToolMessage  # noqa: E402
from langchain_google_genai import ChatGoogleGenerativeAI, GoogleGenerativeAIEmbeddings  # noqa: E402
from pydantic import BaseModel  # noqa: E402


def get_weather(location: str) -> str:
    """Get the current weather for a location."""
    return f"15 C in {location}"


class Person(BaseModel):
    name: str
    age: int


@pytest.fixture(scope="module")
def llm(server) -> ChatGoogleGenerativeAI:
    return ChatGoogleGenerativeAI(model="gemini-2.5-flash", google_api_key="test-key", base_url=server.url)


def test_invoke_and_stream(llm) -> None:
    whole = llm.invoke("What is the capital of Brazil?")
    assert "capital of Brazil" in whole.text and whole.usage_metadata["input_tokens"] > 0
    streamed = "".join(chunk.text for chunk in llm.stream("What is the capital of Brazil?"))
    assert streamed == whole.text


def test_tool_round_trip(llm) -> None:
    model = llm.bind_tools([get_weather])
    question = HumanMessage("What's the weather in Paris?")
    asked = model.invoke([question])
    call = asked.tool_calls[0]
    assert call["name"] == "get_weather" and isinstance(call["args"]["location"], str)
    answer = model.invoke([question, asked, ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])])
    assert not answer.tool_calls and "15 C" in answer.text


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output(llm, method: str) -> None:
    person = llm.with_structured_output(Person, method=method).invoke("Tell me about Ada")
    assert isinstance(person, Person)


def test_embeddings(server) -> None:
    embeddings = GoogleGenerativeAIEmbeddings(model="gemini-embedding-001", google_api_key="test-key",
                                              base_url=server.url)
    query = embeddings.embed_query("hello world")
    documents = embeddings.embed_documents(["hello world", "something else"])
    assert len(query) == 3072 and len(documents) == 2
