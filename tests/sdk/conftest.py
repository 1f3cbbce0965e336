"""Clients of the official SDKs on the shared server, with retries off so errors surface at once."""

from __future__ import annotations

import anthropic
import openai
import pytest


@pytest.fixture
def oai(server) -> openai.OpenAI:
    """An openai client (no retries)."""
    return openai.OpenAI(base_url=server.v1, api_key="sk-test", max_retries=0)


@pytest.fixture
def claude(server) -> anthropic.Anthropic:
    """An anthropic client (no retries)."""
    return anthropic.Anthropic(base_url=server.url, api_key="sk-ant-test", max_retries=0)
