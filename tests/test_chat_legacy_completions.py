"""Legacy `/v1/completions`: text_completion objects, streams, echo, logprobs, several prompts."""

from __future__ import annotations

import json

import httpx
import pytest


@pytest.fixture(scope="module")
def http(server):
    """One keep-alive client for the whole module."""
    with httpx.Client(base_url=server.url, headers={"Authorization": "Bearer sk-test"}, timeout=30) as client:
        yield client


def complete(http, **body):
    body.setdefault("model", "gpt-3.5-turbo-instruct")
    body.setdefault("prompt", "Say this is a test")
    return http.post("/v1/completions", json=body)


def test_completion_shape_and_default_max_tokens(http):
    response = complete(http)
    assert response.status_code == 200 and response.headers["x-request-id"]
    body = response.json()
    assert body["id"].startswith("cmpl-") and body["object"] == "text_completion"
    assert body["model"] == "gpt-3.5-turbo-instruct" and body["system_fingerprint"].startswith("fp_")
    (choice,) = body["choices"]
    assert choice["index"] == 0 and choice["logprobs"] is None and choice["text"]
    # a short prompt gets a short answer that ends on its own within the default 16 tokens
    usage = body["usage"]
    assert choice["finish_reason"] == "stop" and 0 < usage["completion_tokens"] < 16
    assert usage["prompt_tokens"] == 5 and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    long = complete(http, prompt="Write a long story about " + "a very patient dragon who guards " * 4).json()
    assert long["choices"][0]["finish_reason"] == "length" and long["usage"]["completion_tokens"] == 16
    assert complete(http, max_tokens=4).json()["choices"][0]["finish_reason"] == "length"


def test_stop_echo_and_n(http):
    short = complete(http, max_tokens=200, stop="\n").json()["choices"][0]
    assert short["finish_reason"] == "stop"
    echoed = complete(http, echo=True, max_tokens=3).json()["choices"][0]
    assert echoed["text"].startswith("Say this is a test")
    many = complete(http, prompt=["One", "Two"], n=2, max_tokens=40).json()
    assert [c["index"] for c in many["choices"]] == [0, 1, 2, 3]
    assert len({c["text"] for c in many["choices"]}) == 4


def test_logprobs_and_token_prompts(http):
    body = complete(http, prompt=[9906, 1917], max_tokens=4, logprobs=2).json()
    assert body["usage"]["prompt_tokens"] == 2
    logprobs = body["choices"][0]["logprobs"]
    text = body["choices"][0]["text"]
    assert "".join(logprobs["tokens"]) == text
    assert len(logprobs["token_logprobs"]) == len(logprobs["top_logprobs"]) == len(logprobs["text_offset"]) == 4
    assert all(len(top) == 2 for top in logprobs["top_logprobs"])
    assert logprobs["text_offset"][0] == 0 and logprobs["text_offset"][1] == len(logprobs["tokens"][0])


def test_stream_with_usage(http):
    response = complete(http, stream=True, max_tokens=6, stream_options={"include_usage": True})
    events = response.content.split(b"\n\n")
    assert events[-2:] == [b"data: [DONE]", b""] and b"event:" not in response.content
    chunks = [json.loads(e[6:]) for e in events[:-2]]
    assert all(c["object"] == "text_completion" for c in chunks)
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 6
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    streamed = "".join(c["choices"][0]["text"] for c in chunks[:-1])
    assert streamed == complete(http, max_tokens=6).json()["choices"][0]["text"]


def test_mistakes_are_400(http):
    assert complete(http, prompt=None).status_code == 400
    bad = complete(http, n=3, best_of=2)
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "best_of"
