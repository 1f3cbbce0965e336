"""The pytest plugin's `mock` fixture with framework models the code under test builds from the environment.

This session has the plugin (the package is installed), so these tests use it as a user's suite does: no base
URL and no key given to LangChain or LlamaIndex; the variables the `mock` fixture sets must reach them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_openai")
from langchain_anthropic import ChatAnthropic  # noqa: E402
from langchain_google_genai import ChatGoogleGenerativeAI  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402
from llama_index.core.llms import ChatMessage  # noqa: E402
from llama_index.llms.openai import OpenAI as LlamaOpenAI  # noqa: E402


def test_langchain_models_built_from_the_environment(mock) -> None:
    mock.reply("From the mock.")
    assert ChatOpenAI(model="gpt-4o").invoke("hi").content == "From the mock."
    assert ChatAnthropic(model="claude-sonnet-4-20250514").invoke("hi").content == "From the mock."
    assert ChatGoogleGenerativeAI(model="gemini-2.5-flash").invoke("hi").text == "From the mock."
    assert [(e["operation"], e["scenario"]["name"]) for e in mock.requests()] == [
        ("createChatCompletion", "reply-1"), ("createMessage", "reply-1"), ("geminiV1GenerateContent", "reply-1")]


def test_llamaindex_reads_openai_api_base(mock) -> None:
    mock.fail(429, times=1, then="After one retry.")
    reply = LlamaOpenAI(model="gpt-4o").chat([ChatMessage(role="user", content="hi")])
    assert reply.message.content == "After one retry."
    assert [e["status"] for e in mock.requests()] == [429, 200]
