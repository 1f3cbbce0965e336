"""llama-index `OpenAILike` and `OpenAI` (with a real model id) against the mock: chat, stream, complete."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.llms.openai_like")

from llama_index.core.llms import ChatMessage  # noqa: E402
from llama_index.llms.openai import OpenAI  # noqa: E402
from llama_index.llms.openai_like import OpenAILike  # noqa: E402


@pytest.fixture(scope="module")
def llm(server):
    return OpenAILike(model="my-local-model", api_base=server.v1, api_key="sk-test", is_chat_model=True,
                      max_retries=0)


def test_chat(llm):
    response = llm.chat([ChatMessage(role="system", content="Be brief."),
                         ChatMessage(role="user", content="Name a colour")])
    assert "Name a colour" in response.message.content


def test_stream_chat(llm):
    pieces = [r.delta for r in llm.stream_chat([ChatMessage(role="user", content="Name a colour")])]
    assert "Name a colour" in "".join(pieces) and len(pieces) > 3


def test_complete_with_legacy_endpoint(server):
    llm = OpenAILike(model="gpt-3.5-turbo-instruct", api_base=server.v1, api_key="sk-test", is_chat_model=False,
                     max_tokens=12)
    assert llm.complete("Once upon a time").text
    assert "".join(r.delta for r in llm.stream_complete("Once upon a time"))


def test_openai_class_with_known_model(server):
    llm = OpenAI(model="gpt-4o-mini", api_base=server.v1, api_key="sk-test", max_retries=0)
    assert "Hello" in llm.chat([ChatMessage(role="user", content="Hello")]).message.content
    assert "Hello" in "".join(r.delta for r in llm.stream_chat([ChatMessage(role="user", content="Hello")]))
