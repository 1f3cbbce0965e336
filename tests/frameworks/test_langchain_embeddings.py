"""langchain-openai OpenAIEmbeddings against the mock (strings, and token arrays through the openai SDK)."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("langchain_openai")
import openai  # noqa: E402
from langchain_openai import OpenAIEmbeddings  # noqa: E402


def test_embed_documents_and_query(server) -> None:
    # check_embedding_ctx_length=False: no tiktoken BPE download offline, so texts go as strings.
    embeddings = OpenAIEmbeddings(model="text-embedding-3-small", base_url=server.v1, api_key="sk-test",
                                  check_embedding_ctx_length=False)
    docs = embeddings.embed_documents(["The cat sat on the mat", "The cat sat on a mat", "Stock markets fell"])
    query = embeddings.embed_query("The cat sat on the mat")
    assert [len(v) for v in docs] == [1536, 1536, 1536]
    assert query == pytest.approx(docs[0])

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b)) / (math.hypot(*a) * math.hypot(*b))

    assert cos(docs[0], docs[1]) > cos(docs[0], docs[2])


def test_dimensions_option(server) -> None:
    embeddings = OpenAIEmbeddings(model="text-embedding-3-large", dimensions=256, base_url=server.v1,
                                  api_key="sk-test", check_embedding_ctx_length=False)
    assert len(embeddings.embed_query("hello")) == 256


def test_token_arrays_as_langchain_sends_them(server) -> None:
    # What OpenAIEmbeddings sends by default (tiktoken ids in batches), through the same openai SDK.
    client = openai.OpenAI(base_url=server.v1, api_key="sk-test")
    result = client.embeddings.create(model="text-embedding-ada-002", input=[[791, 8415, 7731], [9906, 1917]])
    assert [len(d.embedding) for d in result.data] == [1536, 1536]
    assert result.usage.prompt_tokens == 5
