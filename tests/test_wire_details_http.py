"""Wire details over plain HTTP: request ids on every Anthropic error, `:method` routing, retry-after, neutral text."""

from __future__ import annotations

import math
import re

import httpx
import pytest

from mockserver.engine import SENTENCES
from mockserver.routing import Router
from mockserver.spec import Spec

SPEC = Spec.load()
OPENAI = {"Authorization": "Bearer sk-test"}
ANTHROPIC = {"x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "AIza-test"}
CLAUDE_BODY = {"model": "claude-sonnet-4-20250514", "max_tokens": 400, "messages": [{"role": "user", "content": "hi"}]}


def assert_same_request_id(response: httpx.Response) -> None:
    assert response.json()["request_id"] == response.headers["request-id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("POST", "/v1/messages/no-such-thing", 404),
    ("GET", "/v1/messages", 405),
    ("POST", "/v1/messages/count_tokens", 400),
])
def test_anthropic_routing_errors_carry_the_header_request_id(server, method: str, path: str, status: int) -> None:
    response = httpx.request(method, server.url + path, headers=ANTHROPIC, json={"model": "x"})
    assert response.status_code == status and response.json()["type"] == "error"
    assert_same_request_id(response)


def test_anthropic_missing_key_error_carries_the_header_request_id(server) -> None:
    response = httpx.post(server.url + "/v1/messages", headers={"anthropic-version": "2023-06-01"}, json=CLAUDE_BODY)
    assert response.status_code == 401
    assert_same_request_id(response)


def test_anthropic_prefer_example_is_anthropic_shaped_with_the_request_id(server) -> None:
    """An operation several dialects share (`GET /v1/models`) answers the Anthropic example to an Anthropic client."""
    response = httpx.get(server.url + "/v1/models", headers={**ANTHROPIC, "Prefer": "code=429"})
    assert response.status_code == 429 and response.json()["error"]["type"] == "rate_limit_error"
    assert_same_request_id(response)
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_an_unknown_gemini_method_is_a_gemini_404(server, version: str) -> None:
    response = httpx.post(f"{server.url}/{version}/models/gemini-2.0-flash:unknownMethod", headers=GEMINI,
                          json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND" and response.json()["error"]["code"] == 404
    known = httpx.post(f"{server.url}/{version}/models/gemini-2.0-flash:countTokens", headers=GEMINI,
                       json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert known.status_code == 200 and known.json()["totalTokens"] > 0


def test_model_ids_with_colons_still_reach_the_model_routes(server) -> None:
    """A fine-tuned OpenAI id (`ft:base:org::id`) is a model name, not a `:method` call."""
    response = httpx.get(server.v1 + "/models/ft:gpt-4o-mini:acme::abc123", headers=OPENAI)
    assert response.status_code == 404 and response.json()["error"]["code"] == "model_not_found"
    router = Router(SPEC.operations)
    assert router.match("GET", "/v1/models/ft:gpt-4o-mini:acme::abc123").operation.operation_id == "retrieveModel"
    assert router.match("POST", "/v1beta/models/gemini-pro:embedContent").operation.operation_id == "geminiEmbedContent"
    assert router.match("POST", "/v1beta/models/gemini-pro:explode") is None


def test_openai_url_errors_have_a_null_code(server) -> None:
    for method, path in (("GET", "/v1/no-such-thing"), ("GET", "/v1/chat/completions")):
        response = httpx.request(method, server.url + path, headers=OPENAI)
        assert response.status_code in (404, 405) and response.json()["error"]["code"] is None


def test_veo_unknown_video_has_a_null_code(server) -> None:
    response = httpx.get(server.v1 + "/videos/video_nope", headers=OPENAI)
    assert response.status_code == 404 and response.json()["error"]["code"] is None


# ---- Prefer: code=429 sends retry-after in every dialect, matching the message ----------------

PREFER_429 = [
    ("openai", "POST", "/v1/chat/completions", OPENAI, {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    ("openai", "POST", "/v1/completions", OPENAI, {"model": "gpt-3.5-turbo-instruct", "prompt": "hi"}),
    ("openai", "POST", "/v1/embeddings", OPENAI, {"model": "text-embedding-3-small", "input": "hi"}),
    ("openai", "POST", "/v1/responses", OPENAI, {"model": "gpt-4.1", "input": "hi"}),
    ("anthropic", "POST", "/v1/messages", ANTHROPIC, CLAUDE_BODY),
    ("anthropic", "POST", "/v1/messages/count_tokens", ANTHROPIC, {"model": "claude-x", "messages": CLAUDE_BODY["messages"]}),
    ("gemini", "POST", "/v1beta/models/gemini-2.0-flash:generateContent", GEMINI,
     {"contents": [{"parts": [{"text": "hi"}]}]}),
    ("midjourney", "GET", "/mj/task/1/fetch", OPENAI, None),
    ("kling", "GET", "/kling/v1/videos/text2video/x", OPENAI, None),
    ("luma", "GET", "/luma/generations/x", OPENAI, None),
    ("pika", "GET", "/pika/feed/x", OPENAI, None),
    ("runway", "GET", "/runwayml/v1/tasks/x", OPENAI, None),
    ("veo", "GET", "/v1/video/generations/x", OPENAI, None),
    ("hailuo", "GET", "/hailuo/v1/query/video_generation?task_id=x", OPENAI, None),
    ("suno", "GET", "/suno/fetch/x", OPENAI, None),
]


def message_of(body: dict) -> str:
    inner = body.get("error")
    if isinstance(inner, dict):
        return inner.get("message", "")
    if isinstance(inner, str):
        return inner
    return str(body.get("message") or body.get("description") or body.get("detail")
               or (body.get("base_resp") or {}).get("status_msg") or "")


@pytest.mark.parametrize(("dialect", "method", "path", "headers", "body"), PREFER_429,
                         ids=[f"{d}:{p}" for d, _, p, _, _ in PREFER_429])
def test_prefer_429_sends_a_retry_after_that_matches_its_message(server, dialect, method, path, headers, body) -> None:
    response = httpx.request(method, server.url + path, headers={**headers, "Prefer": "code=429"},
                             **({"json": body} if body is not None else {}))
    assert response.status_code == 429, response.text
    named = re.search(r"try again in (\d+(?:\.\d+)?)(ms|s)\b", message_of(response.json()))
    seconds = 1.0 if named is None else float(named.group(1)) / (1000 if named.group(2) == "ms" else 1)
    assert response.headers["retry-after"] == str(max(1, math.ceil(seconds)))
    if dialect in ("openai", "veo"):
        assert response.headers["retry-after-ms"] == str(round(seconds * 1000))
    if dialect == "anthropic":
        assert_same_request_id(response)


# ---- the stock text is provider-neutral ------------------------------------------------------

PROVIDER_WORDS = re.compile(r"finish[ _]reason|finishReason|stop_reason|max_tokens|max_output_tokens|"
                            r"maxOutputTokens|\blength\b|end_turn|MAX_TOKENS|choices|candidates", re.IGNORECASE)


def test_stock_sentences_use_no_providers_words() -> None:
    assert [s for s in SENTENCES if PROVIDER_WORDS.search(s)] == []


def test_claude_and_gemini_replies_show_only_neutral_stock_text(server) -> None:
    seen: set[str] = set()
    for i in range(12):  # different prompts start the two stock sentences at different places
        prompt = f"Question number {i}"
        claude = httpx.post(server.url + "/v1/messages", headers=ANTHROPIC,
                            json={**CLAUDE_BODY, "messages": [{"role": "user", "content": prompt}]}).json()
        gemini = httpx.post(server.url + "/v1beta/models/gemini-2.0-flash:generateContent", headers=GEMINI,
                            json={"contents": [{"parts": [{"text": prompt}]}],
                                  "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}}).json()
        texts = [claude["content"][0]["text"], gemini["candidates"][0]["content"]["parts"][0]["text"]]
        for text in texts:
            assert not PROVIDER_WORDS.search(text), text
            seen.update(s for s in SENTENCES if s in text)
    assert len(seen) >= 6, "the prompts should have shown most stock sentences"
    again = httpx.post(server.url + "/v1/messages", headers=ANTHROPIC,
                       json={**CLAUDE_BODY, "messages": [{"role": "user", "content": "Question number 0"}]}).json()
    first = httpx.post(server.url + "/v1/messages", headers=ANTHROPIC,
                       json={**CLAUDE_BODY, "messages": [{"role": "user", "content": "Question number 0"}]}).json()
    assert again["content"] == first["content"], "the text stays deterministic"
