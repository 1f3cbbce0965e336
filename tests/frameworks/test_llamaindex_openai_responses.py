"""llama-index's OpenAIResponses LLM against /v1/responses."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("llama_index.llms.openai")

from llama_index.core.llms import ChatMessage  # noqa: E402
from llama_index.core.tools import FunctionTool  # noqa: E402
from llama_index.llms.openai import OpenAIResponses  # noqa: E402


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny in {city}"


def llm(server: Any) -> OpenAIResponses:
    return OpenAIResponses(model="gpt-4.1", api_base=server.v1, api_key="sk-test", max_retries=0)


def test_chat_and_stream(server: Any) -> None:
    assert "Hello llama" in llm(server).chat([ChatMessage(role="user", content="Hello llama")]).message.content
    streamed = "".join(r.delta or "" for r in llm(server).stream_chat([ChatMessage(role="user", content="Stream")]))
    assert "Stream" in streamed


def test_tool_selection(server: Any) -> None:
    model = llm(server)
    response = model.chat_with_tools([FunctionTool.from_defaults(get_weather)], user_msg="Weather in Rome?")
    [call] = model.get_tool_calls_from_response(response, error_on_no_tool_call=True)
    assert call.tool_name == "get_weather" and isinstance(call.tool_kwargs["city"], str)
